"""Test helpers for rules: tiny diffs with checked hunk counts, exact-line assertions."""

from __future__ import annotations

import difflib
import re
import textwrap
from pathlib import Path

from reviewbot import engine
from reviewbot.context import Context, FileImages
from reviewbot.diffparse import parse_diff
from reviewbot.ingest import b4 as b4src
from reviewbot.model import Patch, Review, Series

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared"


def _check_counts(text: str) -> None:
    """Every hunk's body must match its @@ header exactly: not shorter, not longer."""
    lines = text.splitlines()
    for i, ln in enumerate(lines):
        m = re.match(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@", ln)
        if not m:
            continue
        want_old = int(m.group(1) if m.group(1) is not None else 1)
        want_new = int(m.group(2) if m.group(2) is not None else 1)
        old = new = 0
        for j in range(i + 1, len(lines)):
            body = lines[j]
            nxt = lines[j + 1] if j + 1 < len(lines) else ""
            if body.startswith(("@@", "diff --git ")) or (body.startswith("--- ") and nxt.startswith("+++ ")):
                break
            k = body[:1] or " "
            if k == "\\":
                continue
            if k not in " +-":
                break
            old += k in " -"
            new += k in " +"
        assert (old, new) == (want_old, want_new), f"fixture hunk {ln!r}: counted -{old} +{new}"


def diff(text: str, *, message: str = "", notes: str = "", subject: str = "[PATCH] test") -> Series:
    """A one-patch Series from a dedented unified diff (tabs written as \\t are expanded)."""
    body = textwrap.dedent(text).lstrip("\n").replace("\\t", "\t")
    _check_counts(body)
    patch = Patch(index=1, subject=subject, msgid=None, author="Test <t@example.org>",
                  message=message, notes=notes, diff=body, files=parse_diff(body))
    return Series(subject=subject, msgid=None, revision=1, base=None, patches=(patch,))


def tree_case(path: str, pre: str, post: str):
    """A one-patch Series for pre -> post of `path`, and a context_for giving tree mode the
    full images (what reviewbot.tree supplies from a real clone)."""
    body = "".join(difflib.unified_diff(pre.splitlines(True), post.splitlines(True), f"a/{path}", f"b/{path}"))
    patch = Patch(index=1, subject="[PATCH] test", msgid=None, author="Test <t@example.org>",
                  message="", notes="", diff=body, files=parse_diff(body))
    series = Series(subject="[PATCH] test", msgid=None, revision=1, base=None, patches=(patch,))
    ctx = Context(mode="tree", files={path: FileImages(pre=pre, post=post)})
    return series, (lambda p: ctx)


def load_case(path: str | Path) -> Series:
    (series,) = b4src.series_from_mbox_bytes(Path(path).read_bytes(), str(path))
    return series


def run_rule(module, series: Series, context_for=None) -> Review:
    return engine.review(series, checks=(module,), context_for=context_for)


def _locs(review: Review, include_low: bool) -> set:
    return {(f.path, f.line, f.side.value) for f in review.shown(include_low=include_low)}


def assert_fires(module, series: Series, at, include_low: bool = False, context_for=None) -> None:
    """`at` is [(path, line)] (new side) or [(path, line, 'old'|'new')]: compared as a set."""
    want = {(a[0], a[1], a[2] if len(a) > 2 else "new") for a in at}
    review = run_rule(module, series, context_for)
    got = _locs(review, include_low)
    assert got == want, "findings differ:\n" + "\n".join(
        f"  {f.path}:{f.line} ({f.side.value}, {f.effective_confidence.value}) {f.message}" for f in review.findings)


def assert_quiet(module, series: Series, include_low: bool = False, context_for=None) -> None:
    review = run_rule(module, series, context_for)
    got = review.shown(include_low=include_low)
    assert not got, "unexpected findings:\n" + "\n".join(
        f"  {f.path}:{f.line} ({f.side.value}) {f.message}" for f in got)
