"""Every over-put detector of MOD019 in one place, for either side of a diff.

`overputs(view, puts, side)` runs the detectors (`_overput`, `_borrowed_put`, `_failed_get`,
`_cleanup_put`, `_declared_callback`, `_kept_member`) on the given put calls of the view's new function
(`side="new"`: the puts a patch adds) or of its old function (`side="old"`: the puts a patch
removes, judged in the code they were removed from).  MOD019 reports the first; MOD003 uses the
second to stay silent on a removed put that was itself an over-put (the fix of one).

Each result is a tuple (put call, message[, confidence]).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from reviewbot.analysis import cmodel, flow
from reviewbot.checks._hunks import kind_text
from reviewbot.checks.module import (_borrowed_put, _cleanup_put, _declared_callback, _devres_owned, _failed_get,
                                      _kept_member, _overput, _registered_unwind, _unowned_member)
from reviewbot.model import Confidence


def mirrored(view: flow.FuncView) -> flow.FuncView:
    """The view with its sides swapped: the old function seen as the new one."""
    return replace(view, _old=lambda v=view: v.new, _new=lambda v=view: v.old,
                   by_new=view.by_old, by_old=view.by_new)


def header_of(view: flow.FuncView, func) -> str:
    """The function's header (its signature), or the hunk's section line in hunk mode."""
    if func.name != cmodel.FRAGMENT_FUNC and "{" in func.text:
        return func.text[:func.text.find("{")]
    if not view.hunks:
        return ""
    h = view.hunks[0]
    section = h.section or ""
    if not section.rstrip().endswith((",", "(")):
        return section
    # the section line is the first line of a header the hunk's context goes on with (the
    # rest of the parameters, down to the body's `{`): the whole header
    rest = []
    for ln in h.lines:
        if ln.kind == "-":
            continue
        if ln.text.startswith("{"):
            return section.rstrip() + " " + " ".join(rest)
        if len(rest) >= 6 or ln.text[:1] not in (" ", "\t") or ";" in ln.text:
            break
        rest.append(ln.text.strip())
    return section


def file_text(fd, image: str | None, side: str) -> str:
    """The file (tree mode) or what the hunks show of it, on one side."""
    if image is not None:
        return image
    return kind_text(fd, "- " if side == "old" else "+ ")  # all lines but the added / removed ones


def overputs(view: flow.FuncView, puts: list, image: str | None, text: str,
             side: str = "new") -> Iterator[tuple]:
    """Over-put findings on `puts` (calls of the `side` function of `view`).  `image` is the
    whole file on that side (tree mode) or None; `text` the file text `file_text()` gives."""
    v = view if side == "new" else mirrored(view)
    func = v.new
    if func is None or not puts:
        return
    lines = image.splitlines() if image is not None else None
    by_no = v.by_new

    def line_text(no: int) -> str | None:
        if lines is not None:
            return lines[no - 1] if 0 < no <= len(lines) else None
        ln = by_no.get(no)
        return ln.text if ln is not None else None

    header = header_of(v, func)
    best: dict[int, tuple] = {}  # line -> the first finding at default confidence, else the first question
    for gen in (_overput.already_dropped(v, puts), _overput.iterator_owned(v, puts, line_text),
                _overput.borrowed(v, puts, header, text), _overput.given_node(v, puts, header), _overput.put_while_published(v, puts),
                _overput.put_after_register(v, puts), _overput.put_before_named_label(v, puts),
                _overput.ladder_twice(v, puts), _overput.borrowed_from_device(v, puts, header, text),
                _borrowed_put.borrowed_lookup(v, puts), _failed_get.put_after_failed_get(v, puts),
                _cleanup_put.put_of_scoped(v, puts),
                _declared_callback.put_of_declared_node(v, puts, header, text),
                _kept_member.put_of_kept_member(v, puts, text), _devres_owned.devres_puts(v, puts, text),
                _registered_unwind.put_on_unwind_after_register(v, puts),
                _unowned_member.put_of_unowned_member(v, puts, text)):
        for call, msg, *conf in gen:
            low = bool(conf) and conf[0] == Confidence.LOW
            have = best.get(call.line)
            if have is None or (not low and len(have) > 2 and have[2] == Confidence.LOW):
                best[call.line] = (call, msg, *conf)
    yield from best.values()


def was_overput(view: flow.FuncView, put_line: int, name: str, fd, ctx) -> str | None:
    """Was the removed put `name()` on old line `put_line` an over-put where it stood?  "sure":
    MOD019 would report it on the old code at default confidence; "question": only as a
    low-confidence question (a helper's own parameter); None: not an over-put."""
    old = view.old
    if old is None:
        return None
    calls = [c for c in old.calls() if c.name == name and c.line == put_line]
    if not calls:
        return None
    image = ctx.pre(fd.old_path or fd.path) if ctx is not None and fd is not None else None
    text = file_text(fd, image, "old") if fd is not None else "\n".join(
        ln.text for h in view.hunks for ln in h.lines if ln.kind != "+")
    verdict = None
    for _call, _msg, *conf in overputs(view, calls, image, text, side="old"):
        if not conf or conf[0] != Confidence.LOW:
            return "sure"
        verdict = "question"
    return verdict
