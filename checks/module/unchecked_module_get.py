"""The return value of `try_module_get()` is ignored.

## What it does
Flags an added `try_module_get(m);` used as a statement, `(void)try_module_get(m);`, and an
assignment `ret = try_module_get(m);` whose variable the hunk never tests.  A
`WARN_ON(!try_module_get(m));` is reported at low confidence: the failure is noticed, but the
code carries on as if it had the reference.  Statements are joined across lines, so
`if (a &&\n    try_module_get(m))` is a checked call.

## Why is this bad?
`try_module_get()` fails exactly when the module is going away (`MODULE_STATE_GOING`).
Ignoring the failure means the caller enters, or keeps using, a module that is being torn
down, and the later `module_put()` underflows the count (its `WARN_ON(ret < 0)`; a later
`try_release_module_ref()` hits `BUG_ON`).  The compiler does not help: unlike
`kref_get_unless_zero()`, `try_module_get()` is not `__must_check`.

The nbd fix c55b2b983b0f (CVE-2022-49300): "although try_module_get() will return false, but
nbd_alloc_config() doesn't handle it".

## Example
```c
	try_module_get(ops->owner);
	ret = ops->start(dev);
```

## Use instead
```c
	if (!try_module_get(ops->owner))
		return -ENODEV;
	ret = ops->start(dev);
```
When a reference is provably held already (inside an fops or sysfs callback of the same
module), say so with `__module_get()`, which cannot fail.

## Known problems
An assignment whose variable is tested after the hunk ends is reported at low confidence.
The MOD001 idioms (kgdb debugger pins, a deliberate permanent pin) are not recognised here;
use `__module_get()` for them.  `try_module_get(THIS_MODULE)` in code that is never a module
(the tree's Kconfig/Makefile, or the patch's own evidence) is not reported: `THIS_MODULE` is
NULL there, and `try_module_get(NULL)` cannot fail.

## References
- `include/linux/module.h`, `kernel/module/main.c`: `try_module_get()` kernel-doc ("Care must
  also be taken to ensure the module exists and is alive prior to usage of this call")
- c55b2b983b0f "nbd: fix race between nbd_alloc_config() and module removal"
- Rusty Russell's "Module Refcount & Stuff mini-FAQ" and Adam Richter's reply
  (LKML, Nov 2002): what a module reference guarantees and when the get may fail
  https://lore.kernel.org/r/20021118230821.8F3822C241@lists.samba.org and Adam J. Richter's
  reply, https://lore.kernel.org/r/200211191918.LAA11641@adam.yggdrasil.com
- d8d2b1f81530 "net: cxgb4/ch_ipsec: fix potential use-after-free in
  ch_ipsec_xfrm_add_state() callback"
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis.clex import statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule
from reviewbot.checks._hunks import hunks
from reviewbot.checks.module._builtin import never_module

RULE = Rule.from_doc(__doc__, id="MOD002", slug="unchecked-module-get", level=Level.WARNING,
                     confidence=Confidence.HIGH, tags=("unchecked-get",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("try_module_get",)
# In tree mode the build facts decide (built-in code has no module): the hunk-only verdict does
# not stand beside the tree's (reviewbot.engine).
TREE_VERDICT = True

_BARE = lazyre.compile(r"^(?:\(\s*void\s*\)\s*)?try_module_get\s*\((.*)\)\s*;$")
_WARNED = lazyre.compile(r"^(?:WARN_ON|WARN_ON_ONCE|WARN|BUG_ON)\s*\(\s*!\s*try_module_get\s*\(")
_ASSIGN = lazyre.compile(r"^(?:[\w\s\*]+\s)?(\w+)\s*=\s*try_module_get\s*\(.*\)\s*;$")
_CALL = r"\btry_module_get\s*\("
_SELF = lazyre.compile(r"\btry_module_get\s*\(\s*THIS_MODULE\s*\)")


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        builtin = None
        for hunk in hunks(fd, added="try_module_get"):
            stmts = statements(hunk.new_side())
            for k, st in enumerate(stmts):
                if "try_module_get" not in st.text or not st.any_added:
                    continue
                line = st.line_of(_CALL)
                if not line.added:
                    continue
                text = _body(st.text.strip())
                if _SELF.search(text):
                    if builtin is None:
                        builtin = never_module(ctx, patch, fd)
                    if builtin:
                        continue  # THIS_MODULE is NULL in built-in code: try_module_get(NULL) cannot fail
                if _BARE.match(text):
                    yield RULE.finding(fd.path, line, "try_module_get() result ignored: the module may be going away")
                elif _WARNED.match(text):
                    yield RULE.finding(fd.path, line, "try_module_get() failure only warned about, then ignored",
                                       confidence=Confidence.LOW)
                else:
                    m = _ASSIGN.match(text)
                    if m and not _tested(m.group(1), stmts[k + 1:]):
                        yield RULE.finding(fd.path, line, f"'{m.group(1)}' from try_module_get() is never tested",
                                           confidence=Confidence.LOW)


def _body(text: str) -> str:
    """Strip leading `if (...)` / `else` / loop headers of a brace-less controlled statement."""
    while True:
        m = re.match(r"^(?:else\s+)?(?:if|for|while)\s*\(", text)
        if not m:
            return re.sub(r"^else\s+", "", text)
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        text = text[j:].strip()


def _tested(var: str, rest) -> bool:
    return any(re.search(r"\b%s\b" % re.escape(var), st.text) for st in rest)
