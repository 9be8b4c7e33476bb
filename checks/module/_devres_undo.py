"""A clock, reset or bulk clock that a devm getter enabled (or prepared, deasserted) is also
disabled by hand on a path that ends the binding.

`devm_clk_get_enabled()` (the table `checks/data/devres_undo.tsv`) gets the clock AND enables
it; its devres action disables, unprepares and puts it when the driver unbinds or probe fails
after it.  A `clk_disable_unprepare()` of the same clock in `.remove()` or on a probe error exit
runs that undo a second time: the enable and prepare counts underflow, and a clock shared with
another device goes off under it.  An undo followed in the same function by its redo
(`clk_disable_unprepare(c); clk_set_rate(c, r); clk_prepare_enable(c);`) is a bracket, and the
power-management callbacks (suspend/resume: the resume enables again) are not such paths.
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex
from reviewbot.analysis.clex import balanced, norm, statements
from reviewbot.analysis.cmodel import split_args
from reviewbot.model import DiffLine, FileDiff

from reviewbot.checks import _kapi as kapi
from reviewbot.checks._hunks import hunk_names, kind_text, names_on
from reviewbot.checks.module._refs import enclosing_function

# Functions that switch the object off and on again by design (a resume or runtime resume
# enables what the suspend disabled), or helpers named for doing one half of that.
_PM = lazyre.compile(r"suspend|resume|runtime|freeze|thaw|poweroff|restore|idle|sleep|_pm_|pm_|enable|disable|"
                     r"power|set_rate|_on$|_off$")


@functools.cache
def _rows() -> dict[str, kapi.DevresUndo]:
    return {r.devm: r for r in kapi.devres_undo_rows()}


@functools.cache
def _getter_re() -> re.Pattern:
    return re.compile(r"\b(%s)\s*\(" % "|".join(sorted(_rows(), key=len, reverse=True)))


@functools.cache
def _getter_names() -> frozenset[str]:
    return frozenset(_rows())


@functools.cache
def _undo_names() -> frozenset[str]:
    return frozenset(n for r in _rows().values() for n in r.undo)


def _key(arg: str) -> str:
    return norm(arg).lstrip("&").strip()


def managed(text: str) -> dict[str, tuple[kapi.DevresUndo, int]]:
    """object -> (row, offset of the getter call) for each object of `text` that a getter of the
    table returns (`priv->clk = devm_clk_get_enabled(...)`) or fills (`&priv->clks`), unless
    `text` also assigns it from another call (a path where it is not managed)."""
    out: dict[str, tuple[kapi.DevresUndo, int]] = {}
    for m in _getter_re().finditer(text):
        row = _rows()[m.group(1)]
        if row.out_arg is not None:
            args = split_args(balanced(text, m.end()))
            if len(args) >= row.out_arg:
                out.setdefault(_key(args[row.out_arg - 1]), (row, m.start()))
            continue
        head = text[text.rfind("\n", 0, m.start()) + 1:m.start()]
        a = re.search(r"([\w>.\[\]-]+)\s*=\s*(?:\([^()]*\)\s*)?$", head)
        if a:
            out.setdefault(_key(a.group(1)), (row, m.start()))
    for obj in list(out):
        other = re.search(r"(?<![\w>.])%s\s*=\s*(?:\([^()]*\)\s*)?(?!%s\b)\w+\s*\(" % (
            re.escape(obj), "|".join(_rows())), text)
        if other:
            del out[obj]
    return out


def _undo_of(text: str, objects: dict) -> tuple[str, str, kapi.DevresUndo] | None:
    """(call, object, row) when the statement `text` is an undo call of the table on a managed object."""
    call = clex.CallStmt.parse(text)
    if call is None or call.name not in _undo_names():
        return None
    for a in split_args(call.args):
        got = objects.get(_key(a))
        if got is not None and call.name in got[0].undo:
            return call.name, _key(a), got[0]
    return None


_INVERSE = {"disable": "enable", "unprepare": "prepare", "assert": "deassert"}


def _covers(redo: str, undo: str) -> bool:
    """Does the acquire `redo` take back everything the release `undo` gives up?
    (`clk_prepare_enable` covers `clk_disable_unprepare`, `clk_enable` only `clk_disable`.)"""
    need = {_INVERSE[w] for w in undo.split("_") if w in _INVERSE}
    return bool(need) and need <= set(redo.split("_"))


def _redone(text: str, obj: str, row: kapi.DevresUndo, undo: str) -> bool:
    """Does `text` (the rest of the function, or its part before the undo) acquire `obj` again
    with a call that covers `undo`: a bracket, or the function's own enable/disable pair?"""
    for m in re.finditer(r"\b(%s)\s*\([^;]*?(?<![\w>.])&?\s*%s\s*[,)]" % ("|".join(row.redo), re.escape(obj)),
                         text):
        if _covers(m.group(1), undo):
            return True
    return False


def _function_at(text: str, line_no: int) -> str | None:
    """The name of the function of `text` that holds line `line_no` (1-based)."""
    pos = sum(len(x) + 1 for x in text.splitlines()[:line_no - 1])
    return clex.defining_function(text, pos)


def _function_before(text: str, line_no: int) -> str:
    """The function of `text` (column-0 braces) that holds line `line_no` (1-based), up to that line."""
    lines = text.splitlines()[:line_no - 1]
    start = next((k for k in range(len(lines) - 1, -1, -1) if lines[k].startswith(("{", "}"))), None)
    return "\n".join(lines[start:]) if start is not None and lines[start].startswith("{") else ""


def _function_after(text: str, line_no: int) -> str:
    """The rest of the function of `text` (column-0 braces) after line `line_no` (1-based)."""
    lines = text.splitlines()
    end = next((k for k in range(line_no, len(lines)) if lines[k].startswith("}")), len(lines))
    return "\n".join(lines[line_no:end])


def added_undos(fd: FileDiff, scope: str, post: str | None) -> Iterator[tuple[DiffLine, str]]:
    """(line, message) for each added undo call on an object a getter of the table manages, in
    a function that is not a power-management callback and does not acquire it again after."""
    if not names_on(fd, "new", _undo_names()):
        return  # no statement can call an undo (its call is a whole word of its lines: _undo_of)
    if not _getter_re().search(scope):
        return
    objects = managed(scope)
    for h in fd.hunks:
        if not any(ln.added for ln in h.lines):
            continue
        if not hunk_names(fd, h, "new", _undo_names()):
            continue  # (the same, for this hunk)
        stmts = statements(h.new_side())
        for k, st in enumerate(stmts):
            if not st.any_added:
                continue
            fn = enclosing_function(h, st.first, "new")
            if post is not None and st.first.new_no:
                fn = _function_at(post, st.first.new_no) or fn
            if not fn or _PM.search(fn):
                continue
            # a local is the getter's when this function got it (its text before the call)
            before = "\n".join(s.text for s in stmts[:k] if enclosing_function(h, s.first, "new") == fn)
            if post is not None and st.first.new_no:
                before = _function_before(post, st.first.new_no) or before
            got = _undo_of(st.text, {**{o: v for o, v in managed(before).items() if "->" not in o and "." not in o},
                                     **{o: v for o, v in objects.items() if "->" in o or "." in o}})
            if got is None:
                continue
            name, obj, row = got
            later = "\n".join(s.text for s in stmts[k + 1:] if enclosing_function(h, s.first, "new") == fn)
            if post is not None and st.first.new_no:
                later = _function_after(post, st.first.new_no)
            if _redone(later, obj, row, name) or _redone(before, obj, row, name):
                continue
            yield st.first, (f"{name}({obj}) of what {row.devm}() manages: devres runs {row.undo[0]}() again "
                             f"when the driver unbinds or probe fails")


def kept_undos(fd: FileDiff, scope: str, post: str | None) -> Iterator[tuple[DiffLine, str]]:
    """(line, message) at each added getter call of the table whose object the file still
    undoes by hand (a line the patch does not add: `added_undos()` reports those) in a function
    that is not a power-management callback and does not acquire it again after."""
    if not names_on(fd, "added", _getter_names()):
        return  # a getter call's name is a whole word of its line: no added line has one
    added = [(h, ln) for h in fd.hunks for ln in h.new_side() if ln.added and _getter_re().search(ln.text)]
    if not added:
        return
    objects = managed(scope)
    added_text = {ln.text for h in fd.hunks for ln in h.lines if ln.added}
    for h, ln in added:
        m = _getter_re().search(ln.text)
        obj = next((o for o, (r, _at) in objects.items() if r.devm == m.group(1) and o in ln.text), None)
        if obj is None:
            continue
        row = objects[obj][0]
        pat = re.compile(r"^[ \t]+(?:%s)\s*\([^;]*?(?<![\w>.])&?\s*%s\s*[,)][^;]*;" % (
            "|".join(row.undo), re.escape(obj)), re.M)
        for u in pat.finditer(scope):
            if u.group(0) in added_text:
                continue
            fn = clex.defining_function(scope, u.start()) if post is not None else _hunk_function(fd, u.group(0))
            if not fn or _PM.search(fn):
                continue
            call = u.group(0).strip().split("(")[0]
            later = scope[u.end():]
            later = later[:later.find("\n}")] if "\n}" in later else later
            before = scope[max(scope.rfind("\n{", 0, u.start()), 0):u.start()]
            if _redone(later, obj, row, call) or _redone(before, obj, row, call):
                continue
            yield ln, (f"{row.devm}() while {call}({obj}) stays in {fn}(): devres runs {row.undo[0]}() again "
                       f"after that")
            break


def _hunk_function(fd: FileDiff, text: str) -> str:
    for h in fd.hunks:
        for ln in h.new_side():
            if ln.text == text:
                return enclosing_function(h, ln, "new")
    return ""


def converted_enable(fd: FileDiff) -> Iterator[tuple[DiffLine, str]]:
    """Hunk mode (the file out of sight): an added getter of the table that takes the place of a
    removed plain get (`devm_clk_get()` -> `devm_clk_get_enabled()`), while the file's hunks remove
    the driver's enable of the same object (`clk_prepare_enable(x)`) and no undo of it: the
    driver disabled the clock it enabled (in remove() and the unwind), those disables stay, and
    devres now disables it too."""
    removed = kind_text(fd, "-")
    if not _getter_re().search(kind_text(fd, "+")):
        return
    for h in fd.hunks:
        old = "\n".join(ln.text for ln in h.old_side() if ln.removed)
        for ln in h.new_side():
            m = ln.added and _getter_re().search(ln.text)
            if not m:
                continue
            row = _rows()[m.group(1)]
            head = ln.text[:m.start()]
            a = re.search(r"([\w>.\[\]-]+)\s*=\s*(?:\([^()]*\)\s*)?$", head)
            if row.out_arg is not None or a is None:
                continue
            obj = re.escape(_key(a.group(1)))
            if not re.search(r"(?<![\w>.])%s\s*=\s*(?:\([^()]*\)\s*)?(?!%s\b)\w+\s*\(" % (obj, row.devm), old):
                continue  # not a conversion of this hunk
            if not re.search(r"\b(?:%s)\s*\(\s*&?\s*%s\s*[,)]" % ("|".join(row.redo), obj), removed):
                continue  # the enable was not the driver's
            if re.search(r"\b(?:%s)\s*\([^;]*?(?<![\w>.])&?\s*%s\s*[,)]" % ("|".join(row.undo), obj), removed) \
                    or re.search(r"\bdevm_add_action\w*\s*\(", removed):
                continue  # the disables go too (or a devm action did them)
            yield ln, (f"{row.devm}() in place of the driver's own enable, whose disables of {_key(a.group(1))} "
                       f"stay (the patch removes none): devres runs {row.undo[0]}() again after them")
