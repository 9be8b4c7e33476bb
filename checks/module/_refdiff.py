"""What the post-image's paths do with references that the pre-image's did not (tree mode).

For each function the patch touches, `_refcount.events` counts references along every path
of both images; an event of the post-image is the patch's when no pre-image event matches it:
the same kind, API and object at the same lines (post lines mapped to pre lines through the
diff), and the pre-image does not have as many events with the same statements either (code
that only moved).  Each new event is anchored at a line of the diff: an added line on its path
(the goto, the exit, the put, the use, the get), or else the removed line that made it (the
put that dropped the reference, the get whose reference was put).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Iterator

from reviewbot.analysis import cmodel, flow
from reviewbot.checks import _hunks
from reviewbot.checks.module import _apis, _ownership, _refcount
from reviewbot.context import Context
from reviewbot.model import DiffLine
from reviewbot.checks._hunks import kind_text


@dataclass(frozen=True)
class NewEvent:
    event: _refcount.Event
    line: DiffLine
    func: str
    degraded: bool
    texts: tuple = ()  # the post-image's statements at the event's exit, last goto, and other line


def _mapper(fd):
    """new line -> old line (None for an added line), from the hunks."""
    starts = [h.new_start for h in fd.hunks]
    direct: dict[int, int | None] = {}
    for h in fd.hunks:
        for ln in h.lines:
            if ln.new_no is not None and ln.kind != "-":
                direct[ln.new_no] = ln.old_no if ln.kind == " " else None

    def m(n: int) -> int | None:
        if n in direct:
            return direct[n]
        i = bisect.bisect_right(starts, n) - 1
        if i < 0:
            return n
        h = fd.hunks[i]
        return n - (h.new_start + h.new_len) + (h.old_start + h.old_len)
    return m


def _ident(e: _refcount.Event, m) -> tuple:
    return (e.kind, e.api, e.key, m(e.line), tuple(m(v) for v in e.via), m(e.exit), tuple(m(g) for g in e.gets))


def _textkey(e: _refcount.Event, lines: list[str]) -> tuple:
    def t(n):
        return re.sub(r"\s+", "", lines[n - 1]) if 0 < n <= len(lines) else ""
    # the get's own text is left out: a patch that edits an argument of the get (a name string)
    # keeps the leaks it had; how many gets the path holds is kept
    if e.kind == "leak":
        return (e.kind, e.api, e.key, tuple(t(v) for v in e.via), t(e.exit), len(e.gets))
    return (e.kind, e.api, e.key, t(e.line), tuple(t(v) for v in e.via), t(e.exit))


def new_events(fd, ctx: Context, kinds: tuple[str, ...]) -> Iterator[NewEvent]:
    post = ctx.post(fd.path)
    if post is None:
        return
    pre = ctx.pre(fd.old_path or fd.path) if fd.old_path else ctx.pre(fd.path)
    text = kind_text(fd, "+- ")
    if not (_apis.has_putter_call(text) or _apis.has_getter_call(text) or "goto" in text or "return" in text):
        return
    if not _apis.may_call(post) and not _apis.may_call(pre):
        return  # no function of either image calls a getter or putter: no view is walked below
    m = _mapper(fd)
    post_lines = pre_lines = None  # split on first use: most files have no event to compare
    for view in flow.views(fd, ctx):
        if view.partial or view.new is None:
            continue
        if not (_apis.has_putter_call(view.new.text) or _apis.has_getter_call(view.new.text)
                or (view.old is not None and (_apis.has_putter_call(view.old.text)
                                              or _apis.has_getter_call(view.old.text)))):
            continue
        got = _refcount.events(view.new, post)
        if got is None or not got[1]:
            continue
        ev_new = {e for e in got[0] if e.kind in kinds}
        if not ev_new:
            continue
        if view.old is None:
            continue  # a new function (or file): its own rules judge it, not a comparison
        old = _refcount.events(view.old, pre)
        if old is None or not old[1]:
            continue
        ev_old = {e for e in old[0] if e.kind in kinds}
        old_ids = {_ident(e, lambda n: n) for e in ev_old}
        if post_lines is None:
            post_lines, pre_lines = post.splitlines(), (pre or "").splitlines()
        old_text = Counter(_textkey(e, pre_lines) for e in ev_old)
        new_text = Counter(_textkey(e, post_lines) for e in ev_new)
        sem_old = _refcount.RefSemantics(view.old) if view.old is not None else None
        sem_new = _refcount.RefSemantics(view.new)
        old_leaks = {(e.api, e.key) for e in ev_old if e.kind == "leak"}
        seen: set = set()
        for e in sorted(ev_new, key=lambda e: (e.kind, e.line, e.exit, e.via, e.gets)):
            if _ident(e, m) in old_ids:
                continue
            tk = _textkey(e, post_lines)
            if new_text[tk] <= old_text[tk]:
                continue
            if e.kind == "leak" and e.success and not e.returned and _released_elsewhere(post, view.new, e):
                continue
            if e.kind == "leak" and e.stored and not (_puts(view.new, sem_new, e.key) or (
                    view.old is not None and _puts(view.old, sem_old, e.key))):
                continue  # a member the object's own release drops, not this function
            if e.kind == "leak" and (e.api, e.key) in old_leaks and not _puts(view.new, sem_new, e.key) \
                    and all(m(g) is not None for g in e.gets):
                continue  # a reference the function never drops: the patch did not make that leak
            if e.kind == "leak" and not _puts(view.new, sem_new, e.key):
                if ("never", e.api, e.key, e.line) in seen:
                    continue  # a reference the function never drops: one finding, at its first exit
                seen.add(("never", e.api, e.key, e.line))
            ln = _anchor(e, view, sem_old)
            if ln is None:
                continue
            k = (e.kind, ln.kind, ln.new_no if ln.kind != "-" else ln.old_no, e.key)
            if k in seen:
                continue
            seen.add(k)
            yield NewEvent(e, ln, view.name, view.new.degraded or (view.old is not None and view.old.degraded),
                           (_stmt(post_lines, e.exit), _stmt(post_lines, e.via[-1]) if e.via else "",
                            _stmt(post_lines, e.exit if e.kind != "leak" else e.line)))


@dataclass
class Verdict:
    """Where the path count judged a file's functions (both images walked completely), and
    the lines near a new leak of the post-image (its get, its gotos, its exit; the removed
    lines of its function)."""

    judged: set  # (side, line) inside a judged function
    leaks: set  # (side, line) near a new leak
    overputs: set = field(default_factory=set)  # ("old", line) of the pre-image's over-puts

    def refutes(self, side: str, line: int) -> bool:
        return (side, line) in self.judged and (side, line) not in self.leaks

    def was_overput(self, line: int) -> bool:
        """Was the put at this pre-image line one the path no longer held (removing it fixes
        an over-put), with no new leak near by?"""
        return ("old", line) in self.overputs and ("old", line) not in self.leaks


def verdict(fd, ctx: Context) -> Verdict:
    out = Verdict(set(), set())
    post = ctx.post(fd.path)
    if post is None:
        return out
    pre = ctx.pre(fd.old_path or fd.path) if fd.old_path else ctx.pre(fd.path)
    m = _mapper(fd)
    for view in flow.views(fd, ctx):
        if view.partial or view.new is None or view.old is None or view.new.degraded or view.old.degraded:
            continue
        got, old = _refcount.events(view.new, post), _refcount.events(view.old, pre)
        if got is None or old is None or not got[1] or not old[1]:
            continue
        out.judged.update(("new", n) for n in range(view.new.start, view.new.end + 1))
        out.judged.update(("old", n) for n in range(view.old.start, view.old.end + 1))
        old_ids = {_ident(e, lambda n: n) for e in old[0]}
        out.overputs.update(("old", e.line) for e in old[0] if e.kind == "overput")
        for e in got[0]:
            if e.kind != "leak" or _ident(e, m) in old_ids:
                continue
            for n in (e.line, e.exit, *e.via, *e.gets):
                out.leaks.update(("new", k) for k in range(n - 3, n + 4))
            out.leaks.update(("old", ln.old_no) for ln in view.changed() if ln.removed)
    return out


def _stmt(lines: list[str], n: int, width: int = 40) -> str:
    t = re.sub(r"\s+", " ", lines[n - 1]).strip() if 0 < n <= len(lines) else ""
    return t if len(t) <= width else t[:width - 3] + "..."


def _puts(func: cmodel.Function, sem, key: str) -> bool:
    return any(_apis.is_putter(c.name) and sem.canon(_apis.put_object(c.name, list(c.args))) == key
               for c in func.calls())


def _puts_stored(func: cmodel.Function | None, sem, e: _refcount.Event) -> bool:
    """Does the function put the stored reference (under its own name or the member's)?"""
    return func is not None and _puts(func, sem, e.key)


def _released_elsewhere(post: str, func: cmodel.Function, e: _refcount.Event) -> bool:
    """A reference kept on a successful exit that another function of the file drops (probe
    takes it, remove puts it)."""
    api = _apis.BY_GETTER.get(e.api)
    if api is None:
        return True
    g = SimpleNamespace(obj=e.key, api=api, call=SimpleNamespace(name=e.api))
    return _ownership.released_elsewhere(_ownership.outside(post, func, False), g)


def _anchor(e: _refcount.Event, view: flow.FuncView, sem_old) -> DiffLine | None:
    if e.kind == "leak":
        order = list(reversed(e.via)) + [e.exit] + list(reversed(e.gets)) + [e.line]
    elif e.kind == "overput":
        order = [e.line] + list(reversed(e.via)) + [e.exit]
    else:
        order = [e.line, e.exit]
    for n in order:
        ln = view.by_new.get(n)
        if ln is not None and ln.added:
            return ln
    if e.kind == "leak" and e.via:
        # the path's goto is a context line that the diff aligned with the new branch's copy
        # (`if (!x) { kfree(ev); goto out; }` added after a failure branch of the same text):
        # the added test that opens the block holding that goto
        first = e.via[0]
        at = view.by_new.get(first)
        ind = _indent(at.text) if at is not None else 0
        for n in range(first - 1, e.line, -1):
            ln = view.by_new.get(n)
            if ln is None:
                break  # a line the diff does not show: the block is not known
            if ln.added and re.match(r"\s*(?:\}\s*else\s+)?if\b", ln.text) and _indent(ln.text) < ind:
                return ln
            if not ln.added and ln.text.strip() and _indent(ln.text) < ind:
                break  # an unchanged line that opens the block: the branch is not the patch's
    if sem_old is None:
        return None
    # nothing on the path was added: the removed line that made it
    lo, hi = (view.old.start, view.old.end) if view.old is not None else (0, 0)
    for ln in sorted(view.by_old.values(), key=lambda d: d.old_no):
        if not ln.removed or not lo <= ln.old_no <= hi:
            continue
        for mt in re.finditer(r"\b(\w+)\s*\(", ln.text):
            name = mt.group(1)
            args = list(cmodel.split_args(_balanced(ln.text, mt.end())))
            if e.kind == "leak" and _apis.is_putter(name):
                obj = _apis.put_object(name, args)
                if obj and sem_old.canon(obj) == e.key:
                    return ln
            elif e.kind in ("overput", "uap") and name in _apis.BY_GETTER:
                api = _apis.BY_GETTER[name]
                lhs = re.match(r"^\s*(?:[\w\s\*]+?\s\**)?([\w>.\-\[\]&]+)\s*=\s*", ln.text)
                obj = _apis.ref_object(api, args, lhs.group(1) if lhs else None)
                if obj and sem_old.canon(obj) == e.key:
                    return ln
    return None


def _indent(text: str) -> int:
    return len(text.expandtabs(8)) - len(text.expandtabs(8).lstrip())


def _balanced(text: str, start: int) -> str:
    from reviewbot.analysis.clex import balanced
    return balanced(text, start)


def _short(e: str, n: int = 32) -> str:
    return e if len(e) <= n else e[:n - 3] + "..."


def message(ne: NewEvent) -> str:
    e = ne.event
    exit_t, via_t, other_t = ne.texts or ("", "", "")
    via = f" (through `{via_t}`)" if via_t else ""
    if e.kind == "leak" and e.returned:
        return (f"`{exit_t}` hands the caller one reference to {_short(e.key)}, but this path holds "
                f"another ({e.api}() and {len(e.gets) - 1} more get)")
    if e.kind == "leak":
        where = f"`{exit_t}`" if exit_t and exit_t != "}" else "the end of the function"
        return (f"a path reaches {where}{via} still holding the {e.api}() reference ({_short(e.key)})")
    if e.kind == "overput" and "for_each" in e.api:
        return (f"the body drops the loop cursor {_short(e.key)}, and {e.api}() drops it again "
                f"when it steps to the next one")
    if e.kind == "overput":
        return (f"{e.api}({_short(e.key)}) drops a reference this path no longer holds "
                f"(already dropped, or never taken, at `{other_t}`){via}")
    return (f"{_short(e.key)} is used after `{other_t}` dropped this path's reference from {e.api}()")


def findings(rule, patch, ctx: Context, kinds: tuple[str, ...], already) -> Iterator:
    """The rule's findings from the path count: new events of `kinds` that no finding of the
    rule already tells (same path and side, within 3 lines)."""
    from reviewbot.model import Confidence, Side

    if not ctx.has_tree:
        return
    already = list(already)
    for fd in patch.c_files:
        for ne in new_events(fd, ctx, kinds):
            if ne.event.kind == "leak" and ne.event.key == "THIS_MODULE":
                continue  # a self-pin held on purpose is MOD001's (module-self-pin), not a leak
            line = _hunks.replacement(fd, ne.line) or ne.line  # a rewritten line: what the patch wrote
            side = Side.OLD if line.removed else Side.NEW
            no = line.old_no if side is Side.OLD else line.new_no
            # a finding near by (either side: a removed put and the exit it left) already tells it
            if any(f.path == fd.path and f.line is not None and abs(f.line - no) <= 3 for f in already):
                continue
            f = rule.finding(fd.path, line, message(ne),
                             confidence=Confidence.LOW if ne.degraded else None)
            already.append(f)
            yield f
