"""A kref or kobject is released with kfree(), gets an empty release, or a failed get is ignored.

## What it does
Flags added code that:
- passes `kfree` (cast or not) as the release of `kref_put()`/`kref_put_mutex()`;
- adds an empty `release()` for a `struct device`, `kobject` or `kref` (`{ }` body);
- sets `.release = NULL` in a `kobj_type`/`device_type`/`class` initializer;
- calls `kref_get_unless_zero()` as a statement, ignoring whether it took the reference.

## Why is this bad?
`Documentation/core-api/kobject.rst`: "every kobject must have a release() method ... Do not
try to get rid of this warning by providing an 'empty' release function."  A kref's release
receives the `struct kref *`, not the containing object: `kfree()` on it frees the wrong
pointer unless the kref happens to be the first member, and newer `kref.h` says "The caller
may not pass NULL or kfree() as the release function".  "If all your cleanup function needs to
do is call kfree(), then you must create a wrapper function which uses container_of()".
`kref_get_unless_zero()` is `__must_check`: when it fails the object is already being
released, and using it anyway is a use-after-free.

## Example
```c
static void foo_release(struct device *dev)
{
}
```

## Use instead
```c
static void foo_release(struct device *dev)
{
	kfree(container_of(dev, struct foo, dev));
}
```

## Known problems
A release that is empty because the object is static and never freed is still reported: a
static `struct device` or kobject in a module is itself a lifetime bug (its release would run
after the module text is gone).

## Confidence
High for `kfree` as a kref release and for an ignored `kref_get_unless_zero()`; medium for an
empty release (it may be deliberate for static objects).

## References
- `Documentation/core-api/kobject.rst`, `Documentation/core-api/kref.rst`
- `include/linux/kref.h`: `kref_get_unless_zero()` is `__must_check`
- Coccinelle `api/atomic_as_refcounter.cocci` (the neighbouring pattern)
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
from reviewbot.checks._hunks import hunks

RULE = Rule.from_doc(__doc__, id="MOD021", slug="kref-misuse", level=Level.WARNING,
                     confidence=Confidence.HIGH, tags=("kref-imbalance",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("kref", "release")

_KREF_PUT = lazyre.compile(r"\bkref_put(?:_mutex|_lock)?\s*\(")


def _kfree_release(text: str) -> bool:
    """`kref_put(&x->ref, kfree)` or with a cast: the release argument is kfree itself."""
    for m in _KREF_PUT.finditer(text):
        args = cmodel.split_args(clex.balanced(text, m.end()))
        if len(args) >= 2 and re.search(r"(^|\)|\s)kfree$", args[1].strip()):
            return True
    return False
_EMPTY_RELEASE = lazyre.compile(r"^(?:static\s+)?void\s+(\w+)\s*\(\s*struct\s+(device|kobject|kref)\s*\*\s*\w+\s*\)\s*\{\s*\}$")
_NULL_RELEASE = lazyre.compile(r"^\.release\s*=\s*NULL\s*,?$")
_IGNORED_GET = lazyre.compile(r"^(?:\(void\)\s*)?kref_get_unless_zero\s*\(.*\)\s*;$")


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        if not any("kref" in ln.text or "release" in ln.text for ln in fd.added()):
            continue
        for h in hunks(fd, new=("kref", "release")):
            stmts = statements(h.new_side())
            for i, st in enumerate(stmts):
                if ("kref" not in st.text and "release" not in st.text) or not st.any_added:
                    continue  # every pattern below names a kref or a release
                text = st.text
                if _kfree_release(text):
                    yield RULE.finding(fd.path, st.line_of(r"kref_put"),
                                       "kfree() as a kref release frees the kref, not its container")
                elif _IGNORED_GET.match(text):
                    yield RULE.finding(fd.path, st.line_of(r"kref_get_unless_zero"),
                                       "kref_get_unless_zero() result ignored: the object may be dying")
                elif _NULL_RELEASE.match(text):
                    yield RULE.finding(fd.path, st.line_of(r"\.release"), "release set to NULL",
                                       confidence=Confidence.MEDIUM)
                elif text.endswith("{") and i + 1 < len(stmts) and stmts[i + 1].text == "}":
                    m = _EMPTY_RELEASE.match(text + " }")
                    if m and "release" in m.group(1):
                        yield RULE.finding(fd.path, st.first, f"empty {m.group(2)} release {m.group(1)}()",
                                           confidence=Confidence.MEDIUM)
