"""A struct holding a `struct cdev` is freed right after `cdev_del()`, while open files still hold it.

## What it does
Flags an added `kfree(x)` (or `devm_kfree(dev, x)`) that follows `cdev_del(&x->cdev)` in the
same function, and an added `cdev_add(&x->cdev, ...)` whose file never ties the cdev's kobject
to a device (`cdev_device_add()`, `cdev_set_parent()`, or `x->cdev.kobj.parent = ...` by hand).

## Why is this bad?
The cdev is a kobject: `chrdev_open()` takes `cdev_get()` for every open file, and those
references survive `cdev_del()` ("any cdevs already open will remain and their fops will still
be callable even after cdev_del returns").  Freeing the containing struct right after
`cdev_del()` leaves open files pointing into freed memory; the final `fput()` then runs
`cdev_put()` on it.  `cdev_device_add()` "correctly takes a reference to the parent device so
the parent will not get released until all references to the cdev are released".

## Example
```c
static void foo_remove(struct platform_device *pdev)
{
	struct foo *foo = platform_get_drvdata(pdev);

	cdev_del(&foo->cdev);
	kfree(foo);
}
```

## Use instead
```c
static void foo_remove(struct platform_device *pdev)
{
	struct foo *foo = platform_get_drvdata(pdev);

	cdev_device_del(&foo->cdev, &foo->dev);
	put_device(&foo->dev);	/* the device release frees foo */
}
```

## Known problems
A driver that revokes every open file before `cdev_del()` (rare) is reported anyway.  From
hunks alone `cdev_set_parent()` elsewhere in the file is not visible, so the `cdev_add()` form
is low confidence in hunk mode.

## Confidence
High for `kfree()` right after `cdev_del()` on the same object; low for a bare `cdev_add()`.

## References
- `fs/char_dev.c`: `cdev_del()`, `cdev_device_add()` kernel-doc
- 72139dfa2464 "watchdog: Fix the race between the release of
  watchdog_core_data and cdev", 1413ef638aba "i2c: dev: Fix the race between the release of
  i2c_dev and cdev", a33121e5487b "ptp: fix the race between the release of ptp_clock and cdev"
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel
from reviewbot.analysis.clex import statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule
from reviewbot.checks._hunks import kind_text

RULE = Rule.from_doc(__doc__, id="MOD018", slug="cdev-freed-with-container", level=Level.WARNING,
                     confidence=Confidence.HIGH, tags=("kref-imbalance",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("cdev_del", "cdev_add")
# What it says about a C file depends on that file (and the commit message) alone: it runs
# only on the files that hold a TRIGGER string (reviewbot.engine).
TRIGGER_PER_FILE = True
# A kfree() of the container right after cdev_del() is this rule's defect, more specific than
# MOD029's "kfree() replaces the put" at the same line.
SUPERSEDES = ("MOD029",)
# In tree mode the whole files decide (what the module cancels, pins or builds in): the
# hunk-only verdict does not stand beside the tree's (reviewbot.engine).
TREE_VERDICT = True

_CDEV_DEL = lazyre.compile(r"\bcdev_del\s*\(\s*&\s*(?P<obj>[\w>.\-\[\]]+?)\s*(->|\.)\s*\w*cdev\s*\)")
_CDEV_ADD = lazyre.compile(r"\bcdev_add\s*\(\s*&\s*(?P<obj>[\w>.\-\[\]]+?)\s*(->|\.)\s*\w*cdev\s*,")


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        added = kind_text(fd, "+")
        if "kfree" not in added and "cdev_add" not in added:
            continue
        post = ctx.post(fd.path)
        dels: list[str] = []  # carried across the hunks of one function
        for h in fd.hunks:
            stmts = statements(h.new_side())
            for st in stmts:
                m = _CDEV_DEL.search(st.text)
                if m:
                    dels.append(m.group("obj"))
                    continue
                if st.first.text.startswith("}"):
                    dels = []  # the function ended (a column-0 brace)
                    continue
                call = clex.CallStmt.parse(st.text)
                if call and st.any_added and call.name in ("kfree", "devm_kfree"):
                    args = cmodel.split_args(call.args)
                    obj = args[-1] if args else ""
                    if obj in dels:
                        yield RULE.finding(fd.path, st.line_of(r"kfree"),
                                           f"{obj} freed right after cdev_del(): open files still "
                                           f"hold its cdev")
                        dels.remove(obj)
                add = _CDEV_ADD.search(st.text)
                if add and st.any_added:
                    scope = post if post is not None else added
                    if not re.search(r"\b(cdev_device_add|cdev_set_parent)\s*\(|(->|\.)\s*kobj\s*\.\s*parent\s*=[^=]", scope):
                        # `x->cdev.kobj.parent = &pdev->dev.kobj;` is cdev_set_parent() by hand (dfl.c)
                        yield RULE.finding(fd.path, st.line_of(r"cdev_add"),
                                           "cdev_add() without cdev_device_add()/cdev_set_parent(): "
                                           "the container may be freed under open files",
                                           confidence=Confidence.LOW if post is None else Confidence.MEDIUM)
