"""reviewbot.filter: the one decision of what a front end shows or posts."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from reviewbot import engine
from reviewbot.checks.module import get_without_put_on_exit
from reviewbot.filter import DiffMode, Policy, restrict
from reviewbot.forge.settings import RepoConfig
from reviewbot.model import Confidence, Finding, Level
from tests.helpers import tree_case
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


# ------------------------------------------------------------------ diff mode

ON_LINES = [Finding(rule=ERROR_RULE, path="a.c", line=n, message="m", diff_kind=k)
            for n, k in enumerate(("+", "-", " ", ""))]


def _diff_kinds(policy):
    return [f.diff_kind for f in policy.shown(ON_LINES)]


def test_diff_modes_choose_among_the_diff_lines():
    assert _diff_kinds(Policy()) == ["+", "-", " ", ""]  # the default: any line the diff shows
    assert _diff_kinds(Policy(diff_mode=DiffMode.CHANGED)) == ["+", "-", ""]
    assert _diff_kinds(Policy.report(diff_mode=DiffMode.ADDED)) == ["+", ""]  # '': no line known
    # the mode cuts suppressed and held-back findings alike
    sup = [replace(f, suppressed="author") for f in ON_LINES]
    assert [f.diff_kind for f in Policy(diff_mode=DiffMode.ADDED).suppressed(sup)] == ["+", ""]
    low = [replace(f, confidence=Confidence.LOW) for f in ON_LINES]
    assert [f.diff_kind for f in Policy(diff_mode=DiffMode.CHANGED).held_back(low)] == ["+", "-", ""]


def test_diff_mode_names_and_errors():
    assert [m.value for m in DiffMode] == ["diff_context", "changed", "added"]
    assert DiffMode.parse("added") is DiffMode.ADDED
    with pytest.raises(ValueError, match="diff mode must be one of diff_context, changed, added, not 'file'"):
        DiffMode.parse("file")


def test_the_engine_says_which_diff_line_a_finding_sits_on():
    """Tree mode, MOD003: the put is removed (a '-' line) and the leaking return stays (a
    context line); both modes report the removed put, the line the patch changed, and not the
    return a second time.  The modes then keep what they name."""
    pre = PRE
    post = pre.replace("\tif (!np) {\n\t\tput_device(dev);\n", "\tif (!np) {\n", 1)
    series, ctx_for = tree_case(PATH, pre, post)
    review = engine.review(series, checks=(get_without_put_on_exit,), context_for=ctx_for, context_mode="tree")
    ret = post.splitlines().index("\tif (!np) {") + 2
    assert {(f.line, f.side.value, f.diff_kind) for f in review.findings} == {(ret, "old", "-")}
    assert [(f.side.value, f.diff_kind) for f in restrict(review, DiffMode.CHANGED).findings] == [("old", "-")]
    assert restrict(review, DiffMode.ADDED).findings == ()
    assert restrict(review, DiffMode.DIFF_CONTEXT) is review


PATH = "drivers/foo/core.c"
PRE = """\
static int foo_probe(struct platform_device *pdev)
{
\tstruct device *dev;
\tstruct device_node *np;

\tdev = bus_find_device_by_name(&foo_bus, NULL, "peer");
\tif (!dev)
\t\treturn -ENODEV;
\tnp = of_get_child_by_name(pdev->dev.of_node, "bar");
\tif (!np) {
\t\tput_device(dev);
\t\treturn -ENODEV;
\t}
\tfoo_attach(dev, np);
\tof_node_put(np);
\tput_device(dev);
\treturn 0;
}
"""
