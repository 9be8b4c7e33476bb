"""Golden files: the shared Review fixture (tests/report/fixture.py) rendered by every reporter.

Regenerate after an intended output change with
    REVIEWBOT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/report
and review the diff of tests/report/golden/ like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reviewbot.commands import b4_check
from reviewbot.report import jsonout, rdjson, sarif, terminal
from tests.report import fixture

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = bool(os.environ.get("REVIEWBOT_UPDATE_GOLDEN"))


def _b4(review, **kw) -> str:
    return json.dumps([b4_check.row(review, False, **kw)], indent=2, ensure_ascii=False) + "\n"


RENDERERS = {
    "text.txt": lambda r: terminal.format_review(r),
    "text-verbose.txt": lambda r: terminal.format_review(r, verbose=True),
    "text-emacs-quiet.txt": lambda r: terminal.format_review(r, quiet=True, emacs=True),
    "terse.txt": lambda r: terminal.format_review(r, terse=True),
    "terse-all.txt": lambda r: terminal.format_review(r, show_all=True, terse=True),
    "json.json": lambda r: jsonout.format_review(r),
    "json-all.json": lambda r: jsonout.format_review(r, show_all=True),
    "sarif.json": lambda r: sarif.format_review(r),
    "rdjson.json": lambda r: rdjson.format_review(r),
    "b4-check.json": _b4,
    "b4-check-series.json": lambda r: _b4(r, tool=b4_check.SERIES_TOOL, series=True),
}


@pytest.fixture(scope="module")
def review():
    return fixture.review()


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_golden(review, name):
    got = RENDERERS[name](review)
    path = GOLDEN / name
    if UPDATE:
        path.write_text(got, encoding="utf-8")
    assert path.is_file(), f"missing golden {path}: run with REVIEWBOT_UPDATE_GOLDEN=1"
    assert got == path.read_text(encoding="utf-8"), (
        f"{name} differs from its golden file; if intended, regenerate with REVIEWBOT_UPDATE_GOLDEN=1")


def test_every_golden_file_has_a_renderer():
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(RENDERERS)


def test_fixture_covers_what_the_goldens_claim(review):
    """The fixture must keep exercising each case, or the goldens prove less than they seem."""
    fs = review.findings
    assert {f.effective_level.value for f in review.shown()} == {"ERROR", "WARNING", "CHECK"}
    assert [f.rule.id for f in fs if f.suppressed] == ["TST003"]
    assert any(f.side.value == "old" for f in review.shown())
    assert any(f.path is None for f in review.shown())
    assert [f.line for f in fs if f.effective_confidence.value == "low"] == [2091]
    assert any("matches no finding" in n for n in review.notes)
