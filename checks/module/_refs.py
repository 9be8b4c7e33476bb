"""Find module-reference calls (get/put) on the removed and added lines of a patch.

Shared by the rules that reason about what a patch takes away (MOD025, MOD004, MOD022).
Statements are joined across lines (clex.statements) so `if (a &&\\n !try_module_get(m))`
is one statement; a call counts as removed/added only when the physical line holding the
call is a `-`/`+` line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewbot import lazyre
from reviewbot.analysis.clex import call_args, function_removed, norm, statements
from reviewbot.model import DiffLine, FileDiff, Hunk, Patch

from reviewbot.checks import _kapi as kapi
from reviewbot.checks._hunks import names_on

# API -> (family, role).  The family pairs gets with puts.
CALLS: dict[str, tuple[str, str]] = {
    "try_module_get": ("module", "get"),
    "__module_get": ("module", "get"),
    "module_put": ("module", "put"),
    "fops_get": ("fops", "get"),
    "fops_put": ("fops", "put"),
    "symbol_get": ("symbol", "get"),
    "symbol_request": ("symbol", "get"),
    "symbol_put": ("symbol", "put"),
    "symbol_put_addr": ("symbol", "put"),
}
REF_CALL = lazyre.compile(r"\b(%s)\s*\(" % "|".join(sorted(CALLS, key=len, reverse=True)))
REF_CALL_TOKENS = tuple(CALLS)  # for the rules' TRIGGER
_CALL_NAMES = frozenset(CALLS)

# Function names of registration and of its undo (MOD009's register-time pins).
REGISTER_FN = lazyre.compile(r"(?<!un)register|(?:^|_)add(?:_|$)|(?:^|_)install(?:_|$)", re.I)
UNREGISTER_FN = lazyre.compile(r"unregister|(?:^|_)(?:del|remove|uninstall)(?:_|$)", re.I)

SELF = frozenset({"THIS_MODULE", "NULL", ""})


@dataclass(frozen=True)
class RefCall:
    func: str
    family: str
    role: str  # "get" | "put"
    target: str  # normalized argument
    line: DiffLine
    path: str
    hunk: Hunk
    stmt: str  # the joined statement text
    in_removed_function: bool = False

    @property
    def is_self(self) -> bool:
        return self.target in SELF


def _calls(fd: FileDiff, side: str) -> list[RefCall]:
    """The reference calls on the changed lines of one side of `fd`: once per file and side
    (the file's memo; several rules ask)."""
    key = ("refcalls", side)
    got = fd._memo.get(key)
    if got is None:
        got = fd._memo[key] = tuple(_find_calls(fd, side))
    return list(got)


def _find_calls(fd: FileDiff, side: str) -> list[RefCall]:
    out: list[RefCall] = []
    want = "-" if side == "old" else "+"
    if not names_on(fd, "removed" if side == "old" else "added", _CALL_NAMES):
        return out  # a REF_CALL match's name is a whole word of a changed line: none here
    for hunk in fd.hunks:
        lines = hunk.old_side() if side == "old" else hunk.new_side()
        if not REF_CALL.search("\n".join(ln.text for ln in lines if ln.kind == want)):
            continue  # cheap filter: no reference call on a changed line of this hunk
        for st in statements(lines):
            if not any(ln.kind == want for ln in st.lines) or not REF_CALL.search(st.text):
                continue
            for m in REF_CALL.finditer(st.text):
                func = m.group(1)
                ln = st.line_of(r"\b%s\s*\(" % re.escape(func))
                if ln.kind != want:
                    continue
                for arg in call_args(st.text[m.start():], func)[:1]:
                    family, role = CALLS[func]
                    gone = side == "old" and function_removed(lines, lines.index(ln))
                    out.append(RefCall(func, family, role, norm(arg), ln, fd.path, hunk, st.text, gone))
    return out


_SECTION_NAME = re.compile(r"(\w+)\s*\(")
_HEADER_NAME = re.compile(r"^[A-Za-z_][\w\s\*]*?\b(\w+)\s*\([^;]*$")
_BY_ID = 32  # hunk sides longer than this get an id -> position map (a new file's one hunk)


def enclosing_function(hunk: Hunk, line: DiffLine, side: str = "old") -> str:
    """Name of the function a hunk line sits in: the last column-0 header shown before it,
    else the one git put in the hunk header ('' when neither names one).

    The names of a hunk side are found in one pass, once per hunk (kept in the hunk's memo):
    the rules ask for every statement of every hunk."""
    key = "fn-old" if side == "old" else "fn-new"
    got = hunk._memo.get(key)
    if got is None:
        (hunk.old_side if side == "old" else hunk.new_side)()  # memoised as a tuple: shared
        got = hunk._memo[key] = _function_names(hunk, hunk._memo["old" if side == "old" else "new"])
    lines, names, where = got
    if where is not None:
        i = where.get(id(line))
        return names[-1] if i is None else names[i]
    for i, ln in enumerate(lines):
        if ln is line:
            return names[i]
    return names[-1]


def _function_names(hunk: Hunk, lines: list[DiffLine]) -> tuple:
    """(the side's lines, the function name before each line and after the last, an id ->
    position map for a long side or None)."""
    name = ""
    m = _SECTION_NAME.search(hunk.section)
    if m:
        name = m.group(1)
    names = []
    for ln in lines:
        names.append(name)
        h = _HEADER_NAME.match(ln.text)
        if h:
            name = h.group(1)
    names.append(name)
    where = None
    if len(lines) > _BY_ID:
        where = {}
        for i, ln in enumerate(lines):
            where.setdefault(id(ln), i)
    return lines, tuple(names), where


def function_header(hunk: Hunk, line: DiffLine, side: str = "new") -> str:
    """The header line of the function a hunk line sits in: the last column-0 line with a '('
    shown before it, else the hunk header git wrote."""
    header = hunk.section
    for ln in (hunk.old_side() if side == "old" else hunk.new_side()):
        if ln is line:
            break
        if re.match(r"^[A-Za-z_].*\(", ln.text):
            header = ln.text
    return header


@dataclass(frozen=True)
class RefChanges:
    """What a patch removes and adds in module-reference calls."""

    removed: list[RefCall]
    added: list[RefCall]

    @property
    def re_added(self) -> set[tuple[str, str]]:
        """(family, target) of every added call: a removed call found here moved."""
        return {(c.family, c.target) for c in self.added}

    @property
    def added_get_files(self) -> set[tuple[str, str]]:
        """(family, path) of added gets: a removed get there was retargeted, not removed."""
        return {(c.family, c.path) for c in self.added if c.role == "get"}

    def removed_puts(self) -> set[tuple[str, str]]:
        return {(c.family, c.target) for c in self.removed if c.role == "put"}


def changes(patch: Patch) -> RefChanges:
    removed = removed_calls(patch)
    return RefChanges(removed, added_calls(patch) if removed else [])


def removed_calls(patch: Patch) -> list[RefCall]:
    return [c for fd in patch.c_files if not fd.is_deleted for c in _calls(fd, "old")]


def added_calls(patch: Patch) -> list[RefCall]:
    return [c for fd in patch.c_files for c in _calls(fd, "new")]


# `X->dev.driver->owner` / `X->driver->owner` / `X->dev->driver->owner`: the module of the
# driver bound to a device, read through the device.
_DRIVER_OWNER = re.compile(r"^(?P<dev>.+?)(?P<sep>->|\.)driver->owner$")


def owner_device(target: str) -> str | None:
    """The device (as `get_device()` would take it) whose driver's module `target` names:
    `pdev->dev.driver->owner` -> `&pdev->dev`, `dev->driver->owner` -> `dev`."""
    m = _DRIVER_OWNER.match(target)
    if m is None:
        return None
    dev = m.group("dev")
    return "&" + dev if m.group("sep") == "." else dev


# Getters that take a reference on the object they are given (a struct device, kobject, kref,
# ...): what keeps the object's memory (and, for a device, its driver data's owner) alive.
OBJECT_GETTERS = frozenset(r.name for r in kapi.of_kind("getter")
                           if r.family in ("device", "kobject", "kref", "pci_dev", "usb_dev")
                           and r.ref_arg is not None)
OBJECT_GET = kapi.Calls(OBJECT_GETTERS)


def object_refs(text: str) -> set[tuple[str, str]]:
    """(getter, normalized argument) of every object-reference call in `text`."""
    out = set()
    for m in OBJECT_GET.finditer(text):
        row = kapi.get(m.group(1))
        parts = [a.strip() for a in _args_at(text, m.end()).split(",")]
        if row.ref_arg < len(parts):
            out.add((m.group(1), norm(parts[row.ref_arg])))
    return out


def _args_at(text: str, i: int) -> str:
    """The argument text of the call whose `(` ends at text[i - 1] (balanced parentheses): what
    call_args(text[m.start():], name)[0] is for that call, without copying the rest of `text`
    and finding every later call of `name` in it per match (quadratic on a treewide patch)."""
    depth, j, n = 1, i, len(text)
    while j < n and depth:
        c = text[j]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        j += 1
    return text[i:j - 1].strip()


def added_statements(patch: Patch) -> str:
    return "\n".join(st.text for fd in patch.c_files for h in fd.hunks
                     for st in statements(h.new_side()) if st.any_added)
