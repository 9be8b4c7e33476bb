"""Run the checks over a Series: pure, deterministic, and crash-contained per check."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Callable, Iterable

from reviewbot.context import Context
from reviewbot.model import Finding, Patch, Review, Scope, Series, Side
from reviewbot.registry import CheckModule, all_checks

log = logging.getLogger(__name__)


def _shown_lines(patch: Patch) -> set[tuple[str, Side, int]]:
    """(path, side, line) of every line the patch shows: one pass, so that anchoring a
    finding costs the same on a patch of 10 hunks as on one of 10,000."""
    shown: set[tuple[str, Side, int]] = set()
    for fd in patch.files:
        paths = {fd.path, fd.old_path} - {None}
        for ln in fd.lines():
            for path in paths:
                if ln.old_no is not None:
                    shown.add((path, Side.OLD, ln.old_no))
                if ln.new_no is not None:
                    shown.add((path, Side.NEW, ln.new_no))
    return shown


def _anchorable(shown: set[tuple[str, Side, int]], f: Finding) -> bool:
    """A finding must sit on a line its patch shows (added/removed/context), on the right side."""
    if f.path is None:
        return True
    return (f.path, Side.OLD if f.side is Side.OLD else Side.NEW, f.line) in shown


def select_checks(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> tuple[CheckModule, ...]:
    sel = {s.upper() for s in select} | {s.lower() for s in select}
    ign = {s.upper() for s in ignore} | {s.lower() for s in ignore}
    out = []
    for mod in all_checks():
        r = mod.RULE
        if sel and r.id not in sel and r.slug not in sel:
            continue
        if r.id in ign or r.slug in ign:
            continue
        out.append(mod)
    return tuple(out)


def review(series: Series, context_for: Callable[[Patch], Context] | None = None,
           checks: tuple[CheckModule, ...] | None = None, context_mode: str = "hunks",
           notes: Iterable[str] = ()) -> Review:
    """Run every check on every patch of the series.  A crashing check becomes a note."""
    checks = all_checks() if checks is None else checks
    series_text = "\n".join([series.cover] + [p.message for p in series.patches])
    default_ctx = Context(series_text=series_text)
    findings: list[Finding] = []
    run_notes = list(series.notes) + list(notes)
    for patch in series.patches:
        run_notes.extend(patch.problems)
        if not patch.c_files:
            continue
        ctx = context_for(patch) if context_for else default_ctx
        triggered = _Triggers(patch, ctx)
        shown: set[tuple[str, Side, int]] | None = None
        for mod in checks:
            if mod.RULE.scope is Scope.SERIES or not triggered(getattr(mod, "TRIGGER", None)):
                continue
            try:
                produced = list(mod.check(patch, ctx))
            except Exception as exc:  # a check bug must not lose the other checks' results
                log.exception("check %s crashed on %s", mod.RULE.id, patch.subject)
                run_notes.append(f"internal: {mod.RULE.id} failed on patch {patch.index}: "
                                 f"{exc.__class__.__name__}: {exc}")
                continue
            if produced and shown is None:
                shown = _shown_lines(patch)
            for f in produced:
                if not _anchorable(shown, f):
                    continue
                findings.append(replace(f, patch_index=patch.index, patch_msgid=patch.msgid,
                                        patch_subject=patch.subject))
    for mod in checks:
        if mod.RULE.scope is not Scope.SERIES:
            continue
        try:
            findings.extend(mod.check(series, default_ctx))
        except Exception as exc:
            run_notes.append(f"internal: {mod.RULE.id} failed: {exc.__class__.__name__}: {exc}")
    findings = _dedupe(findings)
    findings.sort(key=Finding.sort_key)
    result = Review(series=series, context=context_mode, findings=tuple(findings), notes=tuple(run_notes))
    from reviewbot import suppress  # author-side directives (DESIGN.md §7)
    return suppress.apply(result)


class _Triggers:
    """Does a patch hold one of a rule's TRIGGER strings (literal substrings without which the
    rule has nothing to say)?  Looked for in the C files' diff lines and section headers, and in
    tree mode in their pre/post images too.  The text is built once per patch, on first use."""

    def __init__(self, patch: Patch, ctx: Context):
        self._patch, self._ctx, self._text = patch, ctx, None

    def __call__(self, trigger: tuple[str, ...] | None) -> bool:
        if trigger is None:
            return True
        if self._text is None:
            files = self._patch.c_files
            pieces = [t for fd in files for h in fd.hunks for t in (h.section, *(ln.text for ln in h.lines))]
            for fd in files:
                pieces += [img for img in (self._ctx.pre(fd.old_path or fd.path), self._ctx.post(fd.path)) if img]
            self._text = "\n".join(pieces)
        return any(map(self._text.__contains__, trigger))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen = set()
    out = []
    for f in findings:
        key = (f.patch_index, f.rule.id, f.path, f.line, f.side, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
