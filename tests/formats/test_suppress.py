"""Author-side suppression, docs/design.md (reviewbot/suppress.py)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from reviewbot import engine, rules, suppress
from reviewbot.checks.module import module_self_pin
from reviewbot.commands import b4_check
from reviewbot.model import Finding, Review, Series
from reviewbot.report import jsonout, terminal
from tests.helpers import diff, load_case
from tests.report.fixture import ERROR_RULE, WARNING_RULE

DIFF = """
    --- a/drivers/block/foo.c
    +++ b/drivers/block/foo.c
    @@ -10,3 +10,6 @@ static ssize_t reset_store(struct device *dev,
     {
    +\\tif (!try_module_get(THIS_MODULE))
    +\\t\\treturn -ENODEV;
    +\\tdo_reset(dev);
     \\treturn len;
     }
"""


def _series(notes1: str = "", notes2: str = "", cover: str = "", message1: str = "") -> Series:
    p1 = diff(DIFF, notes=notes1, message=message1).patches[0]
    p2 = replace(diff(DIFF, notes=notes2).patches[0], index=2)
    return Series(subject="foo: fixes", msgid=None, revision=1, base=None, patches=(p1, p2), cover=cover)


def _review(series: Series, *extra: Finding) -> Review:
    fs = [replace(ERROR_RULE.finding("drivers/block/foo.c", 11, "e"), patch_index=i) for i in (1, 2)]
    fs += [replace(WARNING_RULE.finding("drivers/block/foo.c", 12, "w"), patch_index=i) for i in (1, 2)]
    return Review(series=series, context="hunks", findings=tuple(fs) + extra)


def _state(review: Review) -> list[tuple[str, int, str | None]]:
    return [(f.rule.id, f.patch_index, f.suppressed) for f in review.findings]


def test_below_the_dashes_applies_to_that_patch_only():
    r = suppress.apply(_review(_series(notes2="reviewbot-ignore: TST001 -- probe path holds a ref\n")))
    assert _state(r) == [("TST001", 1, None), ("TST001", 2, "probe path holds a ref"),
                         ("TST002", 1, None), ("TST002", 2, None)]
    assert r.notes == ()


def test_cover_letter_applies_to_the_whole_series():
    r = suppress.apply(_review(_series(cover="Hi,\n\nreviewbot-ignore: TST002 -- deliberate pin\n")))
    assert [s for rid, _, s in _state(r) if rid == "TST002"] == ["deliberate pin", "deliberate pin"]
    assert [s for rid, _, s in _state(r) if rid == "TST001"] == [None, None]


def test_pr_description_through_extra_text_and_reapplying_is_idempotent():
    base = suppress.apply(_review(_series(notes1="reviewbot-ignore: MOD001 -- nothing\n")))
    desc = "This PR...\r\nreviewbot-ignore: test-warning -- checked by hand\r\n"
    r = suppress.apply(base, extra_text=desc)
    assert [s for rid, _, s in _state(r) if rid == "TST002"] == ["checked by hand"] * 2
    assert r.notes == base.notes == (
        "reviewbot-ignore in patch 1 matches no finding: 'MOD001 -- nothing'",)
    assert suppress.apply(r, extra_text=desc) == r
    assert _state(suppress.apply(r)) == _state(base)  # dropping the description un-suppresses


@pytest.mark.parametrize("line", ["reviewbot-ignore: TST001", "reviewbot-ignore: TST001 --", "reviewbot-ignore: TST001 --   "])
def test_reason_is_required(line):
    r = suppress.apply(_review(_series(notes1=line + "\n")))
    assert all(s is None for _, _, s in _state(r))
    assert r.notes == (f"reviewbot-ignore in patch 1 has no reason ('-- why') and is ignored: '{line.split(': ', 1)[1].strip()}'",)


@pytest.mark.parametrize("line", ["reviewbot-ignore: -- reason", "reviewbot-ignore: TST001; TST002 -- x",
                                  "Reviewbot-Ignore: 'TST001' -- x"])
def test_malformed_directives_are_reported(line):
    r = suppress.apply(_review(_series(cover=line + "\n")))
    assert all(s is None for _, _, s in _state(r))
    (note,) = r.notes
    assert note.startswith("reviewbot-ignore in the cover letter is malformed (write 'reviewbot-ignore: "
                           "RULE[, RULE...] -- reason')")


def test_all_and_unknown_names_never_match():
    r = suppress.apply(_review(_series(cover="reviewbot-ignore: all -- too noisy\n"
                                       "reviewbot-ignore: TST001, MOD999 -- mixed\n")))
    assert [s for rid, _, s in _state(r) if rid == "TST002"] == [None, None]
    assert [s for rid, _, s in _state(r) if rid == "TST001"] == ["mixed", "mixed"]
    assert r.notes == (
        "reviewbot-ignore in the cover letter names unknown rule 'all' (use rule IDs or slugs; 'all' is "
        "not accepted): 'all -- too noisy'",
        "reviewbot-ignore in the cover letter names unknown rule 'MOD999' (use rule IDs or slugs; 'all' "
        "is not accepted): 'TST001, MOD999 -- mixed'")


def test_ids_case_insensitive_slugs_and_several_rules_in_one_line():
    r = suppress.apply(_review(_series(notes1="reviewbot-ignore: tst001 test-warning -- both fine here\n")))
    assert _state(r)[0] == ("TST001", 1, "both fine here") and _state(r)[2] == ("TST002", 1, "both fine here")
    assert r.notes == ()


def test_old_ids_follow_redirects(monkeypatch):
    monkeypatch.setitem(rules.REDIRECTS, "OLD007", "TST001")
    r = suppress.apply(_review(_series(notes1="reviewbot-ignore: OLD007 -- renamed rule\n")))
    assert _state(r)[0] == ("TST001", 1, "renamed rule")
    assert r.notes == ()


def test_unused_directives_are_reported_and_the_most_specific_reason_wins():
    s = _series(notes1="reviewbot-ignore: TST001 -- patch reason\nreviewbot-ignore: MOD001 -- not here\n",
                cover="reviewbot-ignore: TST001 -- series reason\n")
    r = suppress.apply(_review(s))
    assert [x for x in _state(r) if x[0] == "TST001"] == [("TST001", 1, "patch reason"), ("TST001", 2, "series reason")]
    assert r.notes == ("reviewbot-ignore in patch 1 matches no finding: 'MOD001 -- not here'",)


def test_a_directive_in_the_commit_message_is_not_honoured():
    r = suppress.apply(_review(_series(message1="foo: fix\n\nreviewbot-ignore: TST001 -- in history\n")))
    assert all(s is None for _, _, s in _state(r))
    assert r.notes == ("reviewbot-ignore in the commit message of patch 1 is not honoured (it would land in "
                       "git history; put it below the '---' line): 'TST001 -- in history'",)
    # On a forge the description is also the patch's message: no complaint, and it applies.
    text = "foo: fix\n\nreviewbot-ignore: TST001 -- in history\n"
    forge = suppress.apply(_review(_series(message1=text)), extra_text=text)
    assert forge.notes == () and _state(forge)[0][2] == "in history"


def test_a_line_added_by_the_diff_is_not_a_directive(tmp_path):
    mail = tmp_path / "p.patch"
    mail.write_text(
        "From: A <a@example.org>\nSubject: [PATCH] docs: mention reviewbot\nMessage-Id: <x@example.org>\n\n"
        "Explain.\n\nSigned-off-by: A <a@example.org>\n---\n"
        "reviewbot-ignore: module-self-pin -- the kthread drops it\n\n"
        "diff --git a/drivers/block/foo.c b/drivers/block/foo.c\n--- a/drivers/block/foo.c\n+++ b/drivers/block/foo.c\n"
        "@@ -10,2 +10,4 @@ static int foo_thread(void *data)\n {\n"
        "+\t/* reviewbot-ignore: TST001 -- not a directive */\n+\t__module_get(THIS_MODULE);\n \treturn 0;\n")
    series = load_case(mail)
    assert "reviewbot-ignore: module-self-pin" in series.patches[0].notes
    r = engine.review(series, checks=(module_self_pin,))
    assert r.findings and all(f.suppressed == "the kthread drops it" for f in r.findings)
    assert r.notes == ()  # the comment in the diff is neither used nor reported


def test_engine_applies_directives_and_reporters_keep_or_hide_them():
    series = _series(notes1="reviewbot-ignore: module-self-pin -- kernfs pins the module\n")
    r = engine.review(series, checks=(module_self_pin,))
    assert [(f.patch_index, f.suppressed) for f in r.findings] == [(1, "kernfs pins the module"), (2, None)]
    assert [f.patch_index for f in r.shown(include_low=True)] == [2]
    doc = json.loads(jsonout.format_review(r))
    assert [f["patch"]["index"] for f in doc["findings"]] == [2]
    assert [(f["patch"]["index"], f["reason"]) for f in doc["suppressed"]] == [(1, "kernfs pins the module")]
    text = terminal.format_review(r, verbose=False)
    assert 'Patch 1/2 ("' not in text and 'Patch 2/2 ("' in text
    assert "1 suppressed" in text.splitlines()[-1]  # counted in the total, never shown
    row = b4_check.row(r, False)
    assert len(json.loads(row["details"])) == 1 and row["summary"].endswith("; 1 suppressed by the author")
