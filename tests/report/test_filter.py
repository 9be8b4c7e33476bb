"""reviewbot.filter: the one decision of what a front end shows or posts."""

from __future__ import annotations

import itertools

from reviewbot.filter import Policy
from reviewbot.forge.settings import RepoConfig
from reviewbot.model import Confidence, Finding, Level
from tests.report.fixture import ERROR_RULE

ALL = [Finding(rule=ERROR_RULE, path="a.c", line=n, message="m", level=lv, confidence=cf,
               suppressed="author" if sup else None)
       for n, (lv, cf, sup) in enumerate(itertools.product(Level, Confidence, (False, True)))]


def _kinds(findings):
    return {(f.effective_level, f.effective_confidence, bool(f.suppressed)) for f in findings}


def test_reports_show_every_level_and_low_confidence_only_with_all():
    shown = _kinds(Policy.report().shown(ALL))
    assert shown == {(lv, cf, False) for lv in Level for cf in (Confidence.HIGH, Confidence.MEDIUM)}
    assert _kinds(Policy.report(show_all=True).shown(ALL)) == {(lv, cf, False) for lv in Level for cf in Confidence}
    # suppressed findings get the same cut, listed apart
    assert _kinds(Policy.report().suppressed(ALL)) == {(lv, cf, True) for lv, cf, _ in shown}
    # what the terminal report counts as held back: unsuppressed, low confidence
    assert _kinds(Policy.report().held_back(ALL)) == {(lv, Confidence.LOW, False) for lv in Level}
    assert Policy.report(show_all=True).held_back(ALL) == []


def test_thresholds_of_lists_and_repositories():
    p = Policy(min_level=Level.WARNING, min_confidence=Confidence.HIGH)
    assert _kinds(p.shown(ALL)) == {(Level.ERROR, Confidence.HIGH, False), (Level.WARNING, Confidence.HIGH, False)}
    assert _kinds(Policy(min_level=Level.ERROR, include_low=True).shown(ALL)) == {
        (Level.ERROR, cf, False) for cf in Confidence}
    rc = RepoConfig(min_level=Level.ERROR, min_confidence=Confidence.LOW)
    assert _kinds(rc.policy.shown(ALL)) == {(Level.ERROR, cf, False) for cf in Confidence}


def test_order_is_kept():
    assert [f.line for f in Policy.report(show_all=True).shown(ALL)] == sorted(
        f.line for f in ALL if not f.suppressed)
