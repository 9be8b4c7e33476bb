"""Replies as short as the kernel's bots (issue: a one-finding dry-run reply was 106 lines, the
hunk was quoted once per finding when two rules fired on one line, and the rule documentation
went out as Markdown)."""

from __future__ import annotations

import re

from reviewbot import pipeline
from reviewbot.report import email as em
from tests.report import fixture

SCREEN = 50  # lines: a reply with one finding, headers included, fits on one terminal screen
BODY = 35  # what a mail client shows below its header pane


def _ctx() -> em.ReplyContext:
    return em.ReplyContext(sender="reviewbot <reviewbot@localhost>", to=("Luis Chamberlain <mcgrof@kernel.org>",))


def _reply(findings) -> tuple[str, str]:
    review = fixture.review()
    (patch,) = review.series.patches
    msg = em.build_reply(patch, findings, _ctx(), em.make_msgid("reviewbot <reviewbot@localhost>", "t"),
                         date="Mon, 07 Dec 2026 00:00:00 +0000")
    return msg.as_string(), msg.get_payload()


def test_one_finding_reply_fits_on_one_screen():
    series = pipeline.load([str(fixture.PATCH.parents[1] / "watch" / "zram-sysfs-self-pin.patch")])[0]
    review = pipeline.review_series(series)
    f = review.shown()[0]
    msg = em.build_reply(series.patches[0], [f], _ctx(), em.make_msgid("reviewbot <r@localhost>", "x"))
    text = msg.as_string()
    assert len(text.splitlines()) <= SCREEN, text
    body = msg.get_payload()
    assert len(body.splitlines()) <= BODY, body
    assert f"{f.effective_level.value}:{f.rule.id} {f.rule.slug}: {f.message}" in body
    assert f"  {f.rule.help_uri}\n" in body  # the rule page
    assert f"{f.path}:{f.line}:\n" in body


def test_two_rules_on_one_line_quote_it_once():
    f1 = fixture.ERROR_RULE.finding(fixture.PATH, 1725, "first", text="\tif (!try_module_get(THIS_MODULE))")
    f2 = fixture.WARNING_RULE.finding(fixture.PATH, 1725, "second", text="\tif (!try_module_get(THIS_MODULE))")
    _, body = _reply([f1, f2])
    assert body.count("> +\tif (!try_module_get(THIS_MODULE))") == 1
    assert body.count(f"{fixture.PATH}:1725:") == 1
    block = body[body.index(f"{fixture.PATH}:1725:"):]
    assert re.search(r"\n\nERROR:TST001 test-error: first\nWARNING:TST002 test-warning: second\n", block)


def test_a_few_lines_of_why_per_rule_plain_text():
    findings = [f for f in fixture.findings() if f.path][:4]
    _, body = _reply(findings)
    for rule in (fixture.ERROR_RULE, fixture.WARNING_RULE):
        assert body.count(f"{rule.id} {rule.slug}: {rule.doc.summary}") == 1
        assert body.count(rule.help_uri) == 1
    assert "  Warnings are likely wrong: they span two lines here.\n" in body
    assert "```" not in body and "## " not in body and not re.search(r"`\w", body)
    assert "What it does" not in body  # the whole documentation stays on the rule page
