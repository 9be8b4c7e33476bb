"""Puts a patch removes from an exit path (MOD003, first of its detectors).

`removed_puts(view, ...)` finds each removed putter call after which a kept exit still runs
(or that sat in an unwind label section) while nothing else drops that reference: not moved
or rewritten (a put of it is added), not removed with its get, not swapped for another put,
not moved into an unwind label the new code jumps to, and not itself an over-put where it
stood (MOD019's detectors on the old code, `_overput_judge.was_overput`: removing it is a fix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel, flow
from reviewbot.analysis.clex import Stmt, statements
from reviewbot.checks.module import _apis, _overput_judge, _put_paths, _refpaths, _stored
from reviewbot.checks.module._unwind import PUT_LABEL

_EXIT = lazyre.compile(r"^(return\b.*;|goto\s+\w+\s*;|\}\s*$)")
_LABEL = lazyre.compile(r"^\w+\s*:$")
_CONTROL = lazyre.compile(r"^(if|for|while|switch|do|else)\b|\b\w+_for_each\w*\s*\(|^for_each\w*\s*\(")


@dataclass(frozen=True)
class RemovedPut:
    stmt: Stmt  # the removed statement (old side)
    name: str  # the putter
    obj: str  # the object it dropped (normalised)
    retaken: bool  # the function after the patch still takes a reference on it
    kind: str = "exit"  # "exit": before a kept exit; "stored": a teardown's release of a member;
    #                    "main": on every path after it (its block's), no later put;
    #                    "narrowed": moved into the exiting branch that follows it
    member: str = ""  # "stored": the structure member the reference lives in
    low: bool = False  # little evidence it was this function's to drop (a parameter's node)
    sure: bool = False  # "stored": the file stores a getter's reference in the member


def removed_puts(view: flow.FuncView, added_puts, removed_gets, reported: set[str],
                 fd=None, ctx=None) -> Iterator[RemovedPut]:
    """The removed puts of `view` that leave a reference held on an exit path.  `added_puts` and
    `removed_gets` are the (name, object) calls on the file's added and removed lines (gets only
    those not added back); `reported` the objects whose leaking exit the path analysis reported
    (tree mode: not twice)."""
    new_gets = {g.obj for g in _refpaths.gets(view.new)} if view.new is not None else set()
    gone = producers_removed(fd) if fd is not None else set()
    for h in view.hunks:
        stmts = statements(h.old_side())
        for i, st in enumerate(stmts):
            if not all(ln.removed for ln in st.lines):
                continue
            m = clex.CallStmt.parse(st.text)
            if not m or not _apis.is_putter(m.name):
                continue
            name = m.name
            obj = _apis.put_object(name, list(cmodel.split_args(m.args)))
            if not obj:
                continue
            old_no = st.line_of(re.escape(name)).old_no
            if not view.partial and view.old is not None and old_no and not view.old.start <= old_no <= view.old.end:
                continue  # a hunk that spans two functions: the put is the other function's
            moved = sum(_apis.same_object(o, obj) for _, o in added_puts)
            narrowed = moved and _put_paths.narrowed(view, h, st, obj, moved - 1)
            # hunk mode (tree mode: the path count reports the exit that now leaks)
            below = view.partial and moved == 1 and not narrowed and _moved_below_exit(h, st, name, obj)
            if moved and not narrowed and not below:
                continue  # moved or rewritten, not dropped
            if any(name in _apis.BY_GETTER[g].putters and _apis.same_object(o, obj) for g, o in removed_gets):
                continue  # the get this put answers goes too: a removed pair (MOD019/MOD025)
            if any(_apis.same_object(obj, g) for g in gone):
                continue  # what set the object up goes too (a feature removed, not a put dropped)
            if swapped(h, st) and not narrowed and not below:
                continue  # one put replaced by another: MOD019 judges the pair
            if not view.partial and any(_apis.same_object(obj, g) for g in reported):
                continue  # tree mode: the path analysis reports the leaking exit
            if ctx is not None and _put_paths.ends_block(stmts, i) and \
                    _put_paths.iterator_cursor(fd, view, ctx, st, name, obj):
                continue  # a `for_each_*` loop variable: the iterator drops it (MOD030 judges early exits)
            if _put_paths.put_before(stmts, i, obj):
                continue  # a put of it already ran on this straight path: this one was a second put
            if _overput_judge.was_overput(view, st.line_of(re.escape(name)).old_no, name, fd, ctx) == "sure":
                continue  # MOD019 calls it an over-put where it stood: its removal is the fix
            retaken = any(_apis.same_object(obj, g) for g in new_gets)
            if narrowed:
                yield RemovedPut(st, name, obj, retaken, "narrowed")
                continue
            if below:
                yield RemovedPut(st, name, obj, retaken, "below",
                                 low=not retaken and _put_paths.borrowed(view, h, obj, name))
                continue
            if on_kept_exit_path(stmts, i, obj) is None:
                stored = _stored.lost_release(fd, view, ctx, obj) if ctx is not None else None
                if stored is not None:
                    yield RemovedPut(st, name, obj, retaken, "stored", stored[0], sure=stored[1])
                elif _put_paths.main_path(view, h, stmts, i, obj):
                    yield RemovedPut(st, name, obj, retaken, "main")
                continue
            if added_goto_puts(view, h, obj):
                continue  # the put moved into an unwind label the new code jumps to
            if view.partial and _named_label_puts(view, stmts, i, obj):
                continue  # the goto's label (out of sight) says it puts it: this put was a second one
            yield RemovedPut(st, name, obj, retaken, low=not retaken and _put_paths.borrowed(view, h, obj, name))


def _moved_below_exit(h, st, name: str, obj: str) -> bool:
    """The removed put `st` comes back further down the same hunk (the same call on the same
    object, at the same indentation), past an unchanged exit that it used to precede
    (`put(np); if (!pdev) return ...;` -> `if (!pdev) return ...; put(np);`): that exit now
    keeps the reference.  Not past a `return` of the object (the caller gets it)."""
    first = st.lines[0]
    start = h.lines.index(first)
    ind = len(first.text) - len(first.text.lstrip())
    exits = False
    for ln in h.lines[start + 1:]:
        if ln.added:
            m = clex.CallStmt.parse(ln.text.strip())
            if m and m.name == name and _apis.same_object(
                    _apis.put_object(m.name, list(cmodel.split_args(m.args))), obj):
                return exits and len(ln.text) - len(ln.text.lstrip()) == ind
            continue
        if ln.removed:
            continue
        t = ln.text.strip()
        if re.match(r"(return\b|goto\s+\w+\s*;)", t):
            if re.fullmatch(r"return\s+(\([\w\s*]+\)\s*)?%s\s*;" % re.escape(_apis.base_object(obj)), t):
                return False
            exits = True
        elif len(ln.text) - len(ln.text.lstrip()) < ind and t and not t.startswith("}"):
            return False  # left the put's block
    return False


_ASSIGN = lazyre.compile(r"^\s*(?:[\w\s\*]+?\s\**)?([\w\[\]]+(?:(?:->|\.)\w+)*)\s*=(?!=)")


def producers_removed(fd) -> set[str]:
    """Objects (`i2c->client`, `np`) whose assignment the patch removes and does not add back
    anywhere in the file: with the code that set them up gone, their put goes with them."""
    def assigned(lines):
        out = {clex.norm(m.group(1)) for ln in lines for m in [_ASSIGN.match(ln.text)] if m}
        # a `for_each_*(np, ...)` header sets its cursor too: with the loop gone (or its
        # cursor renamed), the puts of the old cursor go with it
        return out | {clex.norm(m.group(1)) for ln in lines for m in [_LOOP_CURSOR.search(ln.text)] if m}
    return assigned(fd.removed()) - assigned(fd.added())


_LOOP_CURSOR = lazyre.compile(r"\bfor_each_\w+\s*\(\s*([\w>.\-]+)\s*,")


def added_goto_puts(view: flow.FuncView, h, obj: str) -> bool:
    """Does an added `goto` of hunk `h` lead to a label whose code puts `obj`?"""
    gotos = [m.group(1) for ln in h.lines if ln.added for m in [re.search(r"\bgoto\s+(\w+)", ln.text)] if m]
    if not gotos or view.new is None:
        return False
    for label in gotos:
        calls, found = flow.chain_calls(view.new, label)
        if found and _refpaths.puts_of(calls, obj):
            return True
        if not found and view.partial and PUT_LABEL.search(label):
            return True  # the label is out of sight, but its name says it drops a reference
    return False


def _named_label_puts(view: flow.FuncView, stmts, i: int, obj: str) -> bool:
    """Is the kept exit after the removed put at stmts[i] a `goto L` to a label the hunks do
    not show, whose name says it puts `obj` (`goto err_put_codec` for `codec_dev`)?"""
    nxt = next((s for s in stmts[i + 1:i + 10] if not all(ln.removed for ln in s.lines) and _EXIT.match(s.text)), None)
    g = re.match(r"goto\s+(\w+)", nxt.text) if nxt is not None else None
    if g is None or re.search(r"^\s*%s\s*:" % re.escape(g.group(1)), view.text(), re.M):
        return False
    return _put_paths.label_puts_object(g.group(1), obj)


def swapped(h, st) -> bool:
    """The removed put sits in a -/+ replacement whose added side calls another putter."""
    idx = h.lines.index(st.lines[0])
    # the neighbouring added run (before or after)
    before = [ln for ln in h.lines[max(0, idx - 6):idx] if ln.added]
    after = [ln for ln in h.lines[idx:idx + 8] if ln.added]
    for ln in before + after:
        mm = _apis.PUTTER_NAMES.search(ln.text)
        if mm:
            return True
    return False


def on_kept_exit_path(stmts, i: int, obj: str) -> bool | None:
    """After the removed put at stmts[i]: does a kept exit follow (only simple statements in
    between), or is the put inside an unwind label section?  None: not an exit path, or a
    kept put of the same object still runs before the exit (a duplicate was removed)."""
    under_label = any(_LABEL.match(s.text) for s in stmts[max(0, i - 4):i]
                      if not any(ln.added for ln in s.lines)) and not any(
        _CONTROL.search(s.text) for s in stmts[max(0, i - 4):i])
    kept_seen = 0
    for st in stmts[i + 1:i + 10]:
        kept = not all(ln.removed for ln in st.lines)
        text = st.text
        if kept:
            m = clex.CallStmt.parse(text)
            if m and _apis.is_putter(m.name) and _apis.same_object(
                    _apis.put_object(m.name, list(cmodel.split_args(m.args))), obj):
                return None
        if kept and text == "}" and st.lines[0].text[:1].isspace() and _put_paths.loop_body(stmts, i):
            # the end of a loop body: the put was not on an exit path (the loop goes round);
            # a `for_each_*` body's put is MOD030's question
            return None
        if _EXIT.match(text):
            if kept and re.fullmatch(r"return\s+(\([\w\s*]+\)\s*)?%s\s*;" % re.escape(_apis.base_object(obj)), text):
                return None  # the exit hands the object (and the reference) to the caller
            if kept:
                return True
            continue  # a removed exit (e.g. the goto that led here): keep looking
        if _LABEL.match(text):
            if kept and under_label:
                return True  # the ladder goes on below: its end is the exit the put was on
            continue
        if _CONTROL.search(text) or text.endswith("{"):
            return True if under_label and kept_seen else None
        kept_seen += kept
    return True if under_label else None
