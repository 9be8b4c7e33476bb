"""`__module_get()` on a module that nothing is known to pin already.

## What it does
Flags an added `__module_get(m)` on another module (`m` is not `THIS_MODULE`) when the hunk
shows no reference already held on `m`: medium confidence when `m` comes from an object the
same code just looked up (a list walk, `*_find*()`, `idr_find()`, `xa_load()`), low
otherwise; and a `try_module_get(m)` turned into `__module_get(m)` (low confidence: right
only when a reference is provably held).

## Why is this bad?
`__module_get()` is an unconditional `atomic_inc`: it succeeds even on a module in
`MODULE_STATE_GOING`, whose exit is already running.  `include/linux/module.h`: "Sometimes we
know we already have a refcount, and it's easier not to handle the error case" — it is for
the case where a reference is already held.  On an object found by a lookup nothing is held
yet: the owner may be unloading, and the new reference keeps its freed text "in use".

Christoph Hellwig on nbd shows the right use: "nbd_open like all block device operations
must have a reference already ... So this should be able to use __module_get."

## Example
```c
	list_for_each_entry(t, &foo_transports, list) {
		if (!strcmp(t->name, name)) {
			__module_get(t->owner);
			found = t;
		}
	}
```

## Use instead
```c
	list_for_each_entry(t, &foo_transports, list) {
		if (!strcmp(t->name, name) && try_module_get(t->owner)) {
			found = t;
			break;
		}
	}
```

## Known problems
The hunk rarely shows whether the caller already holds a reference (an open file, a
previous `try_module_get()` in a caller); only the lookup case is posted.

## References
- `include/linux/module.h` (`__module_get()`, `try_module_get()`), `kernel/module/main.c`
- Adam Richter's reply to the "Module Refcount & Stuff mini-FAQ" (take references
  where the protection is provable, not everywhere)
  https://lore.kernel.org/r/20021118230821.8F3822C241@lists.samba.org and Adam J. Richter's
  reply, https://lore.kernel.org/r/200211191918.LAA11641@adam.yggdrasil.com
- c55b2b983b0f "nbd: fix race between nbd_alloc_config() and module removal" (review thread)
- `fs/filesystems.c` `__get_fs_type()` (lookup and `try_module_get()` under the lock)
"""

from __future__ import annotations

from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis.clex import call_args, norm, statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks.module._refs import SELF
from reviewbot.checks._hunks import hunks

RULE = Rule.from_doc(__doc__, id="MOD024", slug="unconditional-module-get", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("unchecked-get",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("__module_get",)

_LOOKUP = lazyre.compile(r"\b(list_for_each_entry\w*|hlist_for_each_entry\w*|\w*_find\w*|\w*lookup\w*|"
                     r"idr_find|xa_load|radix_tree_lookup)\s*\(")
_HELD = ("try_module_get", "__module_get", "fops_get")


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        for hunk in hunks(fd, added="__module_get"):
            stmts = statements(hunk.new_side())
            converted = {norm(a) for ln in hunk.lines if ln.removed for a in call_args(ln.text, "try_module_get")}
            for k, st in enumerate(stmts):
                if not st.any_added or "__module_get" not in st.text:
                    continue
                for arg in call_args(st.text, "__module_get"):
                    target = norm(arg)
                    line = st.line_of(r"\b__module_get\s*\(")
                    if target in SELF or not line.added:
                        continue
                    before = stmts[:k]
                    if any(norm(a) == target for s in before for f in _HELD for a in call_args(s.text, f)):
                        continue  # a reference on it is taken just before: this one is an extra
                    if target in converted:
                        yield RULE.finding(fd.path, line, f"try_module_get({target}) became __module_get(): "
                                           f"only right if a reference is held", confidence=Confidence.LOW)
                    elif any(_LOOKUP.search(s.text) for s in before[-6:] + [st]):
                        yield RULE.finding(fd.path, line, f"__module_get({target}) on a looked-up object: "
                                           f"use try_module_get()")
                    else:
                        yield RULE.finding(fd.path, line, f"__module_get({target}) with no reference shown held",
                                           confidence=Confidence.LOW)
