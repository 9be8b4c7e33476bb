"""A module takes or drops a reference on itself in `module_init` / `module_exit` code.

## What it does
Flags added self-references in init and exit functions (`__init` / `__exit` in the function
header, or the function named by `module_init()` / `module_exit()` in the same hunk):
- `module_put(THIS_MODULE)` in an exit function;
- `try_module_get(THIS_MODULE)` in an exit function (it always fails there);
- `try_module_get(THIS_MODULE)` / `__module_get(THIS_MODULE)` in an init function: a
  permanent pin, since no put can run before exit.

## Why is this bad?
`delete_module()` calls `mod->exit()` only after `try_stop_module()` saw the refcount drop to
zero and set the state to `GOING`.  So in exit a `module_put(THIS_MODULE)` underflows the
count (`module_put()`'s `WARN_ON(ret < 0)`), and `try_module_get(THIS_MODULE)` always fails
(`module_is_live()` is false).  A pin taken in init is never dropped: `rmmod` fails with
`-EWOULDBLOCK` forever, which is only right when it is deliberate and documented.

## Example
```c
static void __exit foo_exit(void)
{
	foo_unregister();
	module_put(THIS_MODULE);
}
```

## Use instead
```c
static void __exit foo_exit(void)
{
	foo_unregister();
}
```
If the module really must never unload, say so in a comment and set
`.suppress_bind_attrs = true` on its driver (the tegra-emc drivers do both).

## Known problems
A deliberate permanent pin next to a comment that the module must not unload ("don't allow
... unload", "so that it can't be unloaded") or `suppress_bind_attrs` is reported at low
confidence.  Init/exit functions are recognised only from what the hunk
shows (the header or the `module_init()` line).
Not reported for a file built only into the kernel (`THIS_MODULE` is NULL there): in tree mode
by Kconfig/Makefile, from a patch by the Kconfig/Makefile lines it adds or a new file's own
entry points (`checks/module/_builtin.py`).

## References
- `kernel/module/main.c`: `delete_module()`, `try_stop_module()`, `module_put()`
- `include/linux/module.h`: `module_is_live()`, `try_module_get()` kernel-doc
- "[RFC PATCH] fpga: remove module reference counting from core components" (Xu Yilun:
  a pin that "prevents module_exit() been executed" is a dead lock)
  https://lore.kernel.org/r/20231027152928.184012-1-marpagan@redhat.com
- `drivers/memory/tegra/tegra124-emc.c` ("Don't allow the kernel module to be unloaded")
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis.clex import statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks.module._builtin import never_module

from reviewbot.checks.module._refs import enclosing_function, function_header
from reviewbot.checks._hunks import hunks, kind_text

RULE = Rule.from_doc(__doc__, id="MOD026", slug="init-exit-self-ref", level=Level.WARNING,
                     confidence=Confidence.HIGH, tags=("self-pin",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("THIS_MODULE",)
# In tree mode the whole files decide (what the module cancels, pins or builds in): the
# hunk-only verdict does not stand beside the tree's (reviewbot.engine).
TREE_VERDICT = True
# In init or exit the module's state decides (a get in init cannot fail, one in exit always
# does): MOD001's self-pin and MOD002's "result ignored" at the same call say less.
SUPERSEDES = ("MOD001", "MOD002")

_SELF = lazyre.compile(r"\b(try_module_get|__module_get|module_put)\s*\(\s*THIS_MODULE\s*\)")
# The pin said to be meant: `suppress_bind_attrs`, or a comment that the module must not unload
# ("Don't allow the kernel module to be unloaded", "so that it can't be easily unloaded").
_DELIBERATE = lazyre.compile(r"suppress_bind_attrs|(?:[Dd]on'?t allow|can'?t|cannot|can not|never|[Pp]revent\w*)"
                         r"[^;{}]{0,40}?\bunload", re.S)


_NAMED = lazyre.compile(r"\bmodule_(exit|init)\s*\(\s*(\w+)\s*\)")


def _named(shown: str) -> dict[str, set[str]]:
    """{"exit": names, "init": names} of the module_exit()/module_init() lines shown (one scan
    of the file's text, not one per hunk)."""
    out: dict[str, set[str]] = {"exit": set(), "init": set()}
    for m in _NAMED.finditer(shown):
        out[m.group(1)].add(m.group(2))
    return out


def _kind(hunk, line, fn: str, named: dict[str, set[str]]) -> str | None:
    header = function_header(hunk, line)
    if re.search(r"\b__exit\b", header) or (fn and fn in named["exit"]):
        return "exit"
    if re.search(r"\b__init\b", header) or (fn and fn in named["init"]):
        return "init"
    return None


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        if never_module(ctx, patch, fd):
            continue  # built in only (the tree's Kconfig, or the patch's): THIS_MODULE is NULL, nothing is pinned
        if not any("THIS_MODULE" in ln.text for ln in fd.added()):
            continue
        shown = kind_text(fd, "+ ")
        deliberate = bool(_DELIBERATE.search(shown))
        named = _named(shown)
        for hunk in hunks(fd, new="THIS_MODULE"):
            for st in statements(hunk.new_side()):
                m = "THIS_MODULE" in st.text and _SELF.search(st.text)
                if not m or not st.any_added:
                    continue
                line = st.line_of(_SELF.pattern)
                if not line.added:
                    continue
                fn = enclosing_function(hunk, line, "new")
                kind = _kind(hunk, line, fn, named)
                call = m.group(1)
                if kind == "exit" and call == "module_put":
                    yield RULE.finding(fd.path, line, "module_put(THIS_MODULE) in exit: the count is already zero")
                elif kind == "exit":
                    yield RULE.finding(fd.path, line, f"{call}(THIS_MODULE) in exit: the module is already going")
                elif kind == "init" and call != "module_put":
                    yield RULE.finding(fd.path, line, f"{call}(THIS_MODULE) in init: a pin that no rmmod can drop",
                                       confidence=Confidence.LOW if deliberate else Confidence.MEDIUM)
