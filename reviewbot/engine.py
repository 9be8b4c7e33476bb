"""Run the checks over a Series: pure, deterministic, and crash-contained per check."""

from __future__ import annotations

import bisect
import logging
from dataclasses import replace
from typing import Callable, Iterable

from reviewbot import budget, novelty, triggers
from reviewbot.analysis import clex
from reviewbot.context import Context
from reviewbot.model import FileDiff, Finding, Patch, Review, Scope, Series, Side
from reviewbot.registry import CheckModule, all_checks

log = logging.getLogger(__name__)


class _Anchors:
    """A finding must sit on a line its patch shows (added/removed/context), on the right side.

    `kind(f)` is the kind of that diff line ('+', '-' or ' '; '' for a finding on no file), or
    None when the patch does not show it.  The shown line numbers of each (path, side) are
    collected once per patch, on first use, so checking a finding costs a dict lookup, not a
    scan of the file's lines (linear, not findings x lines, on a patch with many hunks)."""

    def __init__(self, patch: Patch):
        self._patch = patch
        self._shown: dict[tuple[str, Side], dict[int | None, str]] = {}

    def kind(self, f: Finding) -> str | None:
        if f.path is None:
            return ""
        key = (f.path, f.side)
        shown = self._shown.get(key)
        if shown is None:
            shown = self._shown[key] = {}
            for fd in self._patch.files:
                if fd.path != f.path and fd.old_path != f.path:
                    continue
                for ln in fd.lines():
                    shown.setdefault(ln.old_no if f.side is Side.OLD else ln.new_no, ln.kind)
        if f.line is None:  # on no line of a shown file: nothing to tell its kind by
            return "" if None in shown else None
        return shown.get(f.line)

    def __call__(self, f: Finding) -> bool:
        return self.kind(f) is not None


class _Hunks:
    """(path, hunk number) of the hunk a finding sits in (None: in none of them).

    The first hunk, in patch order, whose range on the finding's side holds its line.  The
    ranges of each (path, side) are collected once per patch; when they are sorted and do not
    overlap (any diff git makes) a lookup is a bisection, else the ranges are tried in order."""

    def __init__(self, patch: Patch):
        self._patch = patch
        self._ranges: dict[tuple[str | None, Side], tuple[list, list[int] | None]] = {}

    def __call__(self, f: Finding) -> tuple | None:
        if f.line is None:
            return None
        key = (f.path, f.side)
        got = self._ranges.get(key)
        if got is None:
            ranges = []
            for fd in self._patch.files:
                if f.path not in (fd.path, fd.old_path):
                    continue
                for i, h in enumerate(fd.hunks):
                    start, n = (h.old_start, h.old_len) if f.side is Side.OLD else (h.new_start, h.new_len)
                    ranges.append((start, start + max(n, 1), (fd.path, i)))
            ordered = all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:]))
            got = self._ranges[key] = (ranges, [r[0] for r in ranges] if ordered else None)
        ranges, starts = got
        if starts is None:
            return next((where for start, end, where in ranges if start <= f.line < end), None)
        i = bisect.bisect_right(starts, f.line) - 1
        return ranges[i][2] if i >= 0 and f.line < ranges[i][1] else None


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
    _register_vocabularies(checks)
    series_text = "\n".join([series.cover] + [p.message for p in series.patches])
    default_ctx = Context(series_text=series_text)
    findings: list[Finding] = []
    run_notes = list(series.notes) + list(notes)
    if context_for is not None and context_mode == "tree":
        from reviewbot import cocci  # the path engine of tree mode (spatch, when installed)

        context_for = cocci.with_matches(series, context_for, {m.RULE.id for m in checks}, run_notes)
    for patch in series.patches:
        budget.check()  # the cooperative time budget (reviewbot.budget.deadline): between patches
        run_notes.extend(patch.problems)
        if not patch.c_files:
            continue
        ctx = context_for(patch) if context_for else default_ctx
        triggered = _Triggers(patch, ctx)
        # Tree mode adds to what the hunks show: a rule also runs on the hunks alone, and what
        # it finds there stands unless the rule decides from tree facts (TREE_VERDICT).
        contexts = [(ctx, triggered)]
        if ctx.has_tree:
            contexts.append((default_ctx, _Triggers(patch, default_ctx)))
        views: dict[tuple[int, int], novelty.Views] = {}
        anchorable = _Anchors(patch)
        hunk_of = _Hunks(patch)
        with clex.memo_scope():  # each hunk side's statements once per patch
            for mod in checks:
                if mod.RULE.scope is Scope.SERIES:
                    continue
                budget.check()  # and between rules
                seen: set = set()
                hunks_seen: set = set()  # the hunks the tree's run found something in
                for c, trig in contexts[:1] if getattr(mod, "TREE_VERDICT", False) else contexts:
                    matched = c is ctx and any(m.rule == mod.RULE.id for m in c.matches)  # Coccinelle's
                    if not trig(getattr(mod, "TRIGGER", None)) and not matched:
                        continue
                    target = patch
                    per_file = getattr(mod, "TRIGGER_PER_FILE", False) and not c.matches and not c.has_tree
                    if per_file:
                        target = trig.files_with(mod.TRIGGER)
                    try:
                        produced = list(mod.check(target, c))
                    except Exception as exc:  # a check bug must not lose the other checks' results
                        log.exception("check %s crashed on %s", mod.RULE.id, patch.subject)
                        run_notes.append(f"internal: {mod.RULE.id} failed on patch {patch.index}: "
                                         f"{exc.__class__.__name__}: {exc}")
                        continue
                    produced = [f for f in produced if anchorable(f)]
                    if produced:
                        if per_file:
                            # a per-file rule: what it says about a C file depends on that file
                            # alone, so its views need only the C files it found something in
                            target = _with_findings(target, produced)
                        v = views.get((id(c), id(target)))
                        if v is None:
                            v = views[id(c), id(target)] = novelty.Views(target, c)
                        produced = novelty.introduced(target, produced, v, _contained(mod))
                    for f in produced:
                        where, hunk = (f.path, f.line, f.side), hunk_of(f)
                        if where in seen or (c is not ctx and hunk in hunks_seen):
                            continue  # the tree's finding there says it (better)
                        seen.add(where)
                        if c is ctx:
                            hunks_seen.add(hunk)
                        findings.append(replace(f, patch_index=patch.index, patch_msgid=patch.msgid,
                                                patch_subject=patch.subject, diff_kind=anchorable.kind(f)))
    for mod in checks:
        if mod.RULE.scope is not Scope.SERIES:
            continue
        budget.check()
        try:
            findings.extend(mod.check(series, default_ctx))
        except Exception as exc:
            run_notes.append(f"internal: {mod.RULE.id} failed: {exc.__class__.__name__}: {exc}")
    findings = _dedupe(_supersede(findings, checks))
    findings.sort(key=Finding.sort_key)
    result = Review(series=series, context=context_mode, findings=tuple(findings), notes=tuple(run_notes))
    from reviewbot import suppress  # author-side directives (docs/design.md)
    return suppress.apply(result)


def _with_findings(patch: Patch, findings: list[Finding]) -> Patch:
    """`patch` without the C files none of `findings` is in (other files stay)."""
    paths = {f.path for f in findings}
    keep = tuple(fd for fd in patch.files if not fd.is_c or fd.path in paths or fd.old_path in paths)
    return patch if len(keep) == len(patch.files) else replace(patch, files=keep)


def _contained(mod: CheckModule):
    """mod.check for the novelty views: a crash there keeps the rule's findings (nothing to
    compare them with) and is logged, never lost."""
    def run(patch: Patch, ctx: Context) -> list[Finding]:
        try:
            return list(mod.check(patch, ctx))
        except Exception:
            log.exception("check %s crashed on a novelty view of %s", mod.RULE.id, patch.subject)
            return []
    return run


class _Triggers:
    """Does a patch hold one of a rule's TRIGGER strings (literal substrings without which the
    rule has nothing to say)?  Looked for in the C files' diff lines and section headers, and in
    tree mode in their pre/post images too.  Each file is looked at once per patch, on first
    use, for the TRIGGER of every rule at once (reviewbot.triggers: a bit per TRIGGER).

    A rule that looks at one C file at a time in hunk mode (what it says about a file depends on
    that file and the commit message only) declares `TRIGGER_PER_FILE = True`: without a tree,
    it runs on the patch without the C files that hold none of its TRIGGER strings
    (`files_with`).  By the TRIGGER promise those files give it nothing to say, and the others
    are read as before; on a treewide patch that is most of its work.  Tree mode (whose path
    count judges whole images) and Coccinelle's matches always get the whole patch."""

    def __init__(self, patch: Patch, ctx: Context):
        self._patch, self._ctx = patch, ctx
        self._texts: list[tuple[FileDiff, list[str]]] | None = None
        self._masks: list[int] = []
        self._generation = -1
        self._subsets: dict[tuple[str, ...], Patch] = {}

    def __call__(self, trigger: tuple[str, ...] | None) -> bool:
        if trigger is None:
            return True
        bit = _INDEX.bit(_as_tuple(trigger))
        return any(m & bit for m in self._file_masks())

    def _file_texts(self) -> list[tuple[FileDiff, list[str]]]:
        """Each C file's text, as pieces (their newline join is the text looked in)."""
        if self._texts is None:
            self._texts = []
            for fd in self._patch.c_files:
                diff = ["\n".join([t for h in fd.hunks for t in (h.section, *[ln.text for ln in h.lines])])] \
                    if fd.hunks else []
                images = [img for img in (self._ctx.pre(fd.old_path or fd.path), self._ctx.post(fd.path)) if img]
                self._texts.append((fd, diff + images))
        return self._texts

    def _file_masks(self) -> list[int]:
        """The TRIGGERs each C file holds (a bit each: reviewbot.triggers.Index)."""
        if self._generation != _INDEX.generation:
            self._masks = [_INDEX.mask(pieces) for _, pieces in self._file_texts()]
            self._generation = _INDEX.generation
        return self._masks

    def files_with(self, trigger: tuple[str, ...]) -> Patch:
        """The patch without the C files that hold none of `trigger` (the patch itself when
        every C file holds one); other files stay."""
        got = self._subsets.get(trigger)
        if got is None:
            bit = _INDEX.bit(_as_tuple(trigger))
            drop = {id(fd) for (fd, _), m in zip(self._file_texts(), self._file_masks()) if not m & bit}
            got = self._patch if not drop else \
                replace(self._patch, files=tuple(fd for fd in self._patch.files if id(fd) not in drop))
            self._subsets[trigger] = got
        return got


def _as_tuple(trigger) -> tuple[str, ...]:
    return trigger if type(trigger) is tuple else tuple(trigger)


_INDEX = triggers.Index()


def _register_vocabularies(checks) -> None:
    """Give the TRIGGER of every one of `checks` its bit now, so that the trigger index is
    built once for all of them, before the first text is looked at."""
    _INDEX.add([_as_tuple(t) for t in (getattr(mod, "TRIGGER", None) for mod in checks) if t is not None])


def _supersede(findings: list[Finding], checks: tuple[CheckModule, ...]) -> list[Finding]:
    """At one location (patch, path, side, line) the most specific rule speaks: a rule whose
    module declares `SUPERSEDES = ("MOD003",)` drops those rules' findings there (MOD030's
    iterator exit over MOD003's generic leak), whatever either's confidence: the specific
    rule's verdict, low confidence included, is the one that stands."""
    over = {mod.RULE.id: frozenset(getattr(mod, "SUPERSEDES", ())) for mod in checks}
    if not any(over.values()):
        return findings
    rules_at: dict[tuple, set[str]] = {}
    for f in findings:
        if f.line is not None:
            rules_at.setdefault((f.patch_index, f.path, f.side, f.line), set()).add(f.rule.id)
    def beaten(f: Finding) -> bool:
        here = rules_at.get((f.patch_index, f.path, f.side, f.line), ()) if f.line is not None else ()
        return any(f.rule.id in over.get(r, ()) for r in here if r != f.rule.id)
    return [f for f in findings if not beaten(f)]


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen = set()
    out = []
    for f in findings:
        key = (f.patch_index, f.rule.id, f.path, f.line, f.side, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
