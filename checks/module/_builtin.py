"""Is a C file built only into the kernel (never a module)?  The evidence a patch carries.

`THIS_MODULE` is NULL in built-in code, so an owner field, a self-pin or an unload worry means
nothing there.  Tree mode asks Kconfig/Makefile (`_owners.modular`); a patch posting a new driver
carries its own evidence, read here:

- the Kconfig/Makefile lines it adds: `obj-y += foo.o`, or `obj-$(CONFIG_FOO) += foo.o` (also
  through a composite object, `bar-y += foo.o` + `obj-$(CONFIG_FOO) += bar.o`) with `config FOO`
  added as `bool`/`def_bool` (a `tristate`, `obj-m` says modular);
- the whole file (a new file in hunk mode, the post-image in tree mode):
  - two or more module entry points (`module_init()`, `module_platform_driver()`, ...): each
    defines `init_module` when built as a module, so the file only builds into the kernel;
  - a built-in-only registration (`builtin_platform_driver()`, `TIMER_OF_DECLARE()`,
    `IRQCHIP_DECLARE()`, `CLK_OF_DECLARE()`, `EARLYCON_DECLARE()`: `_OF_DECLARE()` is a stub
    under `MODULE`, include/linux/of.h) and no module entry point.

`never_module()` also counts code that is a module but can never be unloaded: an init entry
and no exit (`no_exit()`), for which an owner or a pin protects nothing either.
"""

from __future__ import annotations

import functools
import posixpath
import re

from reviewbot import lazyre
from reviewbot.model import FileDiff, Patch
from reviewbot.checks._hunks import kind_text

_ENTRY = lazyre.compile(r"^(?:module_init|module_\w*driver(?:_probe)?)\s*\(", re.M)
_BUILTIN = lazyre.compile(r"^(?:builtin_\w*driver(?:_probe)?|\w*_OF_DECLARE(?:_DRIVER)?|IRQCHIP_DECLARE|"
                      r"TIMER_ACPI_DECLARE|\w*EARLYCON_DECLARE)\s*\(", re.M)
_OBJ = lazyre.compile(r"^\s*([\w-]+?)-(y|m|objs|\$\(CONFIG_(\w+)\))\s*[:+]?=\s*(.*)$")  # obj-y += a.o b.o
_CONFIG = lazyre.compile(r"^\s*(?:menu)?config\s+(\w+)\s*$")
_TYPE = lazyre.compile(r"^\s*(bool|tristate|def_bool|def_tristate)\b")


def from_text(text: str) -> bool | None:
    """Built-in only (True) by what the whole file says; None when it does not say."""
    entries = len(_ENTRY.findall(text))
    if entries >= 2 or (entries == 0 and _BUILTIN.search(text)):
        return True
    return None


def from_patch(patch: Patch | None, path: str) -> bool | None:
    """True: the patch's Makefile/Kconfig lines build `path` in only; False: as a module; None: unsaid."""
    if patch is None:
        return None
    d, obj = posixpath.dirname(path), posixpath.basename(path)[:-2] + ".o"
    goals_in, types = _build_lines(patch)
    goals = goals_in.get(d, {})  # object -> its goals (y, m, CONFIG_X) or composite names
    ways = set()
    for goal in goals.get(obj, ()):
        ways |= goals.get(goal, set()) if goal.endswith(".o") else {goal}
    kinds = {"y": "bool", "m": "tristate"}
    verdicts = {kinds.get(w) or types.get(w) for w in ways}
    if "tristate" in verdicts:
        return False
    return True if verdicts == {"bool"} else None


_LAST: tuple = (None, None)  # (patch, its _build_lines): rules ask once per C file of a patch


def _build_lines(patch: Patch) -> tuple[dict[str, dict[str, set[str]]], dict[str, str]]:
    """What the patch's added Makefile/Kbuild lines say, per directory (object -> goals), and its
    added Kconfig lines (CONFIG symbol -> bool / tristate); read once per patch (was once per C
    file: quadratic in the files of a treewide patch)."""
    global _LAST
    last_patch, facts = _LAST
    if last_patch is patch:
        return facts
    goals_in: dict[str, dict[str, set[str]]] = {}
    types: dict[str, str] = {}
    for fd in patch.files:
        base = posixpath.basename(fd.path)
        if base in ("Makefile", "Kbuild"):
            goals = goals_in.setdefault(posixpath.dirname(fd.path), {})
            for ln in fd.added():
                m = _OBJ.match(ln.text)
                if m:
                    goal = m.group(3) or m.group(2)
                    for o in m.group(4).split():
                        goals.setdefault(o, set()).add(goal if m.group(1) == "obj" else f"{m.group(1)}.o")
        elif base.startswith("Kconfig"):
            symbol = None
            for ln in fd.added():
                c, t = _CONFIG.match(ln.text), _TYPE.match(ln.text)
                if c:
                    symbol = c.group(1)
                elif t and symbol:
                    types[symbol] = "tristate" if "tristate" in t.group(1) else "bool"
    facts = (goals_in, types)
    _LAST = (patch, facts)
    return facts


def built_in(patch: Patch | None, fd: FileDiff, post: str | None = None) -> bool:
    """Does the patch (or, in tree mode, the post-image `post`) show `fd` is never a module?"""
    said = from_patch(patch, fd.path)
    if said is not None:
        return said
    if post is None and fd.is_new:  # the new file's text: the same for every rule that asks
        got = fd._memo.get("built-in")
        if got is None:
            post = kind_text(fd, "+")
            got = fd._memo["built-in"] = bool(post) and from_text(post) is True
        return got
    return bool(post) and from_text(post) is True


_INIT = lazyre.compile(r"^(?:module_init|\w*_initcall)\s*\(", re.M)
_EXIT = lazyre.compile(r"^(?:module_exit|module_\w*driver(?:_probe)?|\w+_module_driver)\s*\(", re.M)


@functools.lru_cache(maxsize=8)  # tree mode: the same post-image is asked by every rule
def no_exit(text: str) -> bool:
    """A file with an init entry (`module_init()`, `device_initcall()`: module_init() when built
    as a module) and no exit: such a module can never be unloaded (kernel/module/main.c
    delete_module(): "if (mod->init && !mod->exit)" -> -EBUSY unless forced)."""
    if "module_init" not in text and "_initcall" not in text:
        return False  # what every _INIT match holds (a substring test is ~10 times quicker)
    return _INIT.search(text) is not None and _EXIT.search(text) is None


def never_module(ctx, patch: Patch | None, fd: FileDiff) -> bool:
    """Is the file's code never unloaded?  The build facts first (tree mode: Kconfig/Makefile of
    the tree, `_owners.modular`), else the patch's own evidence (`built_in`); either way a
    whole text (tree mode's post-image, a new file) with an init and no exit never unloads."""
    from reviewbot.checks.module._owners import modular

    said = modular(ctx, fd.path)
    if said is False:
        return True
    post = ctx.post(fd.path) if ctx is not None else None
    whole = post if post is not None else (kind_text(fd, "+") if fd.is_new else "")
    if whole and no_exit(whole):
        return True
    if said is not None:
        return False
    return built_in(patch, fd, post)
