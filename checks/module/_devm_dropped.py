"""devres given up: a managed set-up made plain, or a devm action removed (facts for the devm rules).

devres undoes a managed set-up when the driver unbinds and when probe fails after it.  A patch
that turns `devm_X(dev, ...)` into the plain `X(...)` takes that undo away: unless it adds X's
release (in remove() and on the exits after it) the resource stays set up after unbind: memory
and mappings leak, an IRQ handler or a registered interface outlives the driver data it uses.
The same holds for a removed `devm_add_action[_or_reset](dev, fn, data)`: `fn` was the
release.  The managed twins come from the kernel-API tables (checks/data/teardown.tsv, the
devres rows of refs.tsv) and the devm_k*() allocators.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterator

from reviewbot.analysis.clex import norm, statements
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module._devm import DEVM_ALLOCATORS

_FREES = ("kfree", "kvfree", "kfree_sensitive", "kvfree_sensitive", "kfree_const")
# What a release is named for: a call with one of these words puts, frees or unregisters.
_RELEASE_WORD = r"(?:put|free|release|unregister|deregister|remove|del|delete|disable|unprepare|unmap|exit|" \
                r"deinit|destroy|uninit|cancel|kill)"


@dataclass(frozen=True)
class Dropped:
    line: object       # the removed devm line (a DiffLine)
    devm: str          # the managed call the patch removes
    plain: str | None  # the plain call that takes its place (None: a devm action removed)
    var: str | None    # what the set-up returned into, when it did
    kind: str          # "memory", a teardown-table kind ("irq", "interface", ...), "resource" or "action"
    names: tuple[str, ...] = ()  # the plain call's releases (from the tables, or by its name)


@functools.lru_cache(maxsize=1)
def twins() -> dict[str, tuple[str, tuple[str, ...], str]]:
    """devm call -> (plain call, its releases, kind)."""
    out: dict[str, tuple[str, tuple[str, ...], str]] = {}
    for r in kapi.teardown_rows():
        if r.devm:
            out.setdefault(r.devm, (r.setup, tuple(r.teardown), r.kind))
    for name in DEVM_ALLOCATORS:
        out.setdefault(name, (name[len("devm_"):], _FREES, "memory"))
    for r in kapi.all_rows():
        if r.name.startswith("devm_") and kapi.get(r.name[len("devm_"):]) is not None:
            plain = r.name[len("devm_"):]
            out.setdefault(r.name, (plain, kapi.releases(plain), "resource"))
    return out


# The kernel's naming of undo calls: foo_register() / foo_unregister(), foo_add() / foo_remove(),
# foo_init() / foo_exit(), ...
_UNDO = (("unregister", "register"), ("remove", "add"), ("del", "add"), ("exit", "init"), ("deinit", "init"),
         ("free", "alloc"), ("cleanup", "setup"), ("depopulate", "populate"), ("put", "get"), ("free", "request"),
         ("disable", "enable"), ("unmap", "map"), ("destroy", "create"))


def _by_name(devm: str) -> tuple[str, tuple[str, ...], str] | None:
    """(plain, releases named by the kernel's convention, "resource") for a devm call no table
    lists: `devm_mfd_add_devices` -> mfd_add_devices() / mfd_remove_devices()."""
    plain = devm[len("devm_"):]
    if devm.startswith("devm_add_action") or re.search(r"(?:^|_)(?:%s)(?:_|$)" % "|".join(
            sorted({u for u, _ in _UNDO} | {"kfree", "release", "unprepare", "unregister"})), plain):
        return None  # an undo call itself, or an action
    names = tuple(plain.replace(verb, undo, 1) for undo, verb in _UNDO if verb in plain)
    return (plain, names, "resource") if names else None


def _stem(plain: str) -> str:
    """`clk` of clk_get(), `iio_device` of iio_device_alloc(), `regulator` of regulator_get_optional()."""
    return re.split(r"_(?:get|alloc|allocate|request|register|add|enable|init|create|map)\b|_(?:get|alloc)_",
                    plain)[0]


def released(text: str, plain: str | None, var: str | None, names: tuple[str, ...] = (),
             strict: bool = False) -> bool:
    """Does `text` release what `plain(...)` set up (into `var`)?  One of the table's releases
    (of `var` itself, for memory), a call named for a release of the same family (`clk_put`,
    `iio_device_free`, `iounmap` for ioremap), a release-named call given `var`, or a new devm
    action.  `strict` (a whole file, where a call of the same family or another action says
    nothing about this object): a release given `var`, or a table release of a set-up with no
    result."""
    if names and names != _FREES and (not strict or var is None) and \
            re.search(r"\b(?:%s)\s*\(" % "|".join(map(re.escape, names)), text):
        return True
    if strict:
        if var:
            leaf = re.escape(re.split(r"->|\.", var)[-1])
            calls = re.finditer(r"\b(\w*(?:put|free|release|unregister|destroy|unmap)\w*)\s*\(\s*&?\s*"
                                r"(?:[\w>.\[\]-]+(?:->|\.))?%s\s*[,)]" % leaf, text)
            if names != _FREES:
                return next(calls, None) is not None
            # memory: only a free gives it back; a function of this file named for a release
            # (`foo_unregister_algorithms(priv)`) frees it only if its body frees or puts something
            return any(_frees_memory(c.group(1), text) for c in calls)
        return False
    if re.search(r"\bdevm_add_action(?:_or_reset)?\s*\(", text):
        return True
    if plain:
        stem = re.escape(_stem(plain))
        if re.search(r"\b\w*%s\w*_%s\w*\s*\(|\b%s_\w*%s\w*\s*\(" % (stem, _RELEASE_WORD, _RELEASE_WORD, stem), text):
            return True
        if plain.startswith("ioremap") and re.search(r"\biounmap\s*\(", text):
            return True
    if var:
        leaf = re.escape(re.split(r"->|\.", var)[-1])
        if re.search(r"\b\w*%s\w*\s*\(\s*&?\s*(?:[\w>.\[\]-]+(?:->|\.))?%s\s*[,)]" % (_RELEASE_WORD, leaf), text):
            return True
    return False


_FREES_IN_BODY = re.compile(r"\b(?:\w*kv?free\w*|\w*_put|put_\w+|\w*_release|\w*_destroy)\s*\(")


def _frees_memory(call: str, text: str) -> bool:
    """Can `call(var)` give memory back: a free of the allocator family, a function defined out
    of sight, or one defined in `text` whose body frees, puts, releases or destroys something?"""
    if call in _FREES or re.search(r"kv?free", call):
        return True
    body = re.search(r"^\w[^;\n]*\b%s\s*\([^;{]*\)\s*\{(.*?)^\}" % re.escape(call), text, re.M | re.S)
    return body is None or _FREES_IN_BODY.search(body.group(1)) is not None


_ASSIGNED = re.compile(r"^\s*(?:[\w\s\*]*?\s\**)?([\w>.\[\]-]+)\s*=\s*(?:\([^()]*\)\s*)?(\w+)\s*\(")
_ACTION = re.compile(r"\bdevm_add_action(?:_or_reset)?\s*\(\s*[^,]+,\s*(\w+)\s*,")


def conversions(fd) -> Iterator[Dropped]:
    """Each removed managed set-up of a hunk that adds its plain twin (a conversion), and each
    removed devm action."""
    table = twins()
    if fd.path.endswith(".h"):
        return  # declarations and inline wrappers, not a driver's set-up
    for h in fd.hunks:
        if not any(ln.removed and "devm_" in ln.text for ln in h.lines):
            continue
        new_stmts = [st for st in statements(h.new_side()) if st.any_added]
        added = "\n".join(st.text for st in new_stmts)
        for st in statements(h.old_side()):
            if "devm_" not in st.text or not any(ln.removed and "devm_" in ln.text for ln in st.lines):
                continue
            m = _ACTION.search(st.text)
            if m:
                if re.search(r"\b%s\b" % re.escape(m.group(1)), added):
                    continue  # the action stays, rewritten (another device, another argument)
                yield Dropped(st.line_of(r"\bdevm_add_action"), "devm_add_action", None, m.group(1), "action")
                continue
            for call in re.finditer(r"\b(devm_\w+)\s*\(", st.text):
                row = table.get(call.group(1)) or _by_name(call.group(1))
                if row is None or re.match(r"^\s*(?!return\b)[A-Za-z_][\w\s\*]*[\s\*]$", st.text[:call.start()]):
                    continue  # not a managed set-up, or a declaration of one
                plain, names, kind = row
                if not re.search(r"(?<![\w>.])%s\s*\(" % re.escape(plain), added):
                    continue  # not converted to the plain call here
                a = _ASSIGNED.match(st.text)
                var = norm(a.group(1)) if a and a.group(2) == call.group(1) and kind in ("memory", "resource") \
                    else None
                yield Dropped(st.line_of(re.escape(call.group(1))), call.group(1), plain, var, kind, tuple(names))
                break


def action_still_runs(fn: str, added: str, removed: str, post: str | None) -> bool:
    """Is the removed devm action's callback `fn` still called or registered (in the added
    lines, or in tree mode anywhere in the post-image but its definition), or does the patch
    remove `fn` itself while its body's calls come back in the added lines (moved inline)?"""
    f = re.escape(fn)
    if re.search(r"\b%s\b" % f, added):
        return True
    if post is not None:
        uses = len(re.findall(r"\b%s\b" % f, post))
        defs = len(re.findall(r"^\w[^;\n]*\b%s\s*\(" % f, post, re.M))  # its definition, a prototype
        if uses > defs:
            return True
    body = re.search(r"^\w[^;\n]*\b%s\s*\([^;{]*\)\s*\{(.*?)^\}" % f, removed, re.M | re.S)
    if body:
        calls = {c for c in re.findall(r"\b(\w+)\s*\(", body.group(1))
                 if c not in ("if", "for", "while", "return", "sizeof", "container_of")}
        if calls and any(re.search(r"\b%s\s*\(" % re.escape(c), added) for c in calls):
            return True
    return False
