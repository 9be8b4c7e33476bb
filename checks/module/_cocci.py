"""Findings from the Coccinelle path engine: tree mode puts its matches in ``Context.matches``
(reviewbot.cocci runs spatch on the engine side); a rule's check turns the ones that name it
into findings with the rule's own ID, docs and fingerprints."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from reviewbot.context import Context
from reviewbot.model import Finding, Patch, Side
from reviewbot.rules import Rule

TOLERANCE = 3  # a Python finding this close (same path and side) already tells the reader


_ITER = "loop is left early without dropping"
_LEAK = "an exit path leaks the reference from"
_REGISTER = "fails, and its error path does not release"
_DOUBLE = "is put a second time on this path"
_BORROWED = "gives no reference to put"


def _message(m) -> str:
    if m.kind in ("iter", "iterbreak"):
        return f"a {m.api}() {_ITER} '{m.obj}'"
    if m.kind == "register":
        return f"{m.api}() {_REGISTER} {m.obj}"
    if m.kind == "doubleput":
        return f"the reference from {m.api}() ({m.obj}) {_DOUBLE}, with no get since the first put"
    if m.kind == "borrowput":
        return f"{m.api}() {_BORROWED}: '{m.obj}' is put here with no get of it first"
    return f"{_LEAK} {m.api}() ({m.obj})"


def is_cocci_message(message: str) -> bool:
    """Did this finding come from a Coccinelle match?  (For measuring the engines apart.)"""
    return _ITER in message or _REGISTER in message or message.startswith(_LEAK) or _DOUBLE in message \
        or _BORROWED in message


def findings(rule: Rule, patch: Patch, ctx: Context, already: Iterable[Finding],
             keep: Callable[[object], bool] | None = None) -> Iterator[Finding]:
    """The rule's matches as findings, except those a Python finding near by already tells and
    those `keep` (the rule's ownership knowledge of the whole function) rejects."""
    if not ctx.matches or not ctx.engine_on("cocci"):
        return
    already = list(already)
    texts = {}
    for fd in patch.c_files:
        for ln in fd.lines():
            if ln.kind != "+":
                texts[(fd.old_path or fd.path, Side.OLD, ln.old_no)] = texts[(fd.path, Side.OLD, ln.old_no)] = ln.text
            if ln.kind != "-":
                texts[(fd.path, Side.NEW, ln.new_no)] = ln.text
    for m in ctx.matches:
        if m.rule != rule.id:
            continue
        if any(f.path == m.path and f.side is m.side and f.line is not None
               and abs(f.line - m.line) <= TOLERANCE for f in already):
            continue
        if keep is not None and not keep(m):
            continue
        f = rule.finding(m.path, m.line, _message(m), side=m.side, text=texts.get((m.path, m.side, m.line), ""))
        already.append(f)
        yield f
