"""--format sarif: valid SARIF 2.1.0 (OASIS schema) with what GitHub code scanning needs."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from reviewbot.cli import main
from reviewbot.report import sarif
from tests.formats.schemas import errors, sarif_schema
from tests.report import fixture


def _log(review=None, show_all=False) -> dict:
    return json.loads(sarif.format_review(review or fixture.review(), show_all))


def _plain_patch(tmp_path):
    """The fixture patch without its reviewbot-ignore lines."""
    text = fixture.PATCH.read_text()
    path = tmp_path / "zram.patch"
    path.write_text(re.sub(r"(?m)^reviewbot-ignore:.*\n", "", text))
    return path


def test_fixture_log_is_valid_sarif_2_1_0():
    log = _log()
    assert errors(sarif_schema(), log) == []
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1


def test_rules_come_from_the_rule_docs():
    (run,) = _log()["runs"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert sorted(rules) == ["TST001", "TST002", "TST003"]  # TST003: suppressed, still described
    r = rules["TST002"]
    assert r["name"] == "test-warning"
    assert r["shortDescription"]["text"] == "A test rule at WARNING level."
    assert r["fullDescription"]["text"] == "Warnings are likely wrong: they span two lines here."
    assert r["help"]["markdown"].startswith("TST002 test-warning (WARNING)")
    assert "## Use instead" in r["help"]["markdown"] and r["help"]["text"]
    assert r["helpUri"] == fixture.WARNING_RULE.help_uri
    assert r["defaultConfiguration"]["level"] == "warning"
    assert rules["TST003"]["defaultConfiguration"]["level"] == "note"
    assert rules["TST003"]["properties"]["precision"] == "medium"


def test_level_follows_the_finding_not_the_rule():
    (run,) = _log()["runs"]
    got = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"] if "locations" in r else None):
           r["level"] for r in run["results"]}
    assert got == {("TST001", None): "error", ("TST001", 1725): "error", ("TST002", 1768): "note",
                   ("TST002", 1794): "warning", ("TST002", 2061): "warning", ("TST003", 2055): "note"}


def test_results_point_at_their_rule_and_relative_paths():
    (run,) = _log()["runs"]
    rules = run["tool"]["driver"]["rules"]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        for loc in res.get("locations", []):
            uri = loc["physicalLocation"]["artifactLocation"]["uri"]
            assert not uri.startswith(("/", "a/", "b/")) and "://" not in uri
            assert loc["physicalLocation"]["region"]["startLine"] >= 1


def test_removed_line_is_placed_in_the_new_file_and_remembered():
    (run,) = _log()["runs"]
    (res,) = [r for r in run["results"] if r["properties"]["side"] == "old"]
    assert res["locations"][0]["physicalLocation"]["region"] == {"startLine": 2061}
    assert res["properties"]["oldLine"] == 2049
    assert res["properties"]["removedText"] == "\t\treturn -ENODEV;"


def test_suppressed_finding_is_kept_with_its_justification():
    (run,) = _log()["runs"]
    (res,) = [r for r in run["results"] if "suppressions" in r]
    assert res["ruleId"] == "TST003"
    assert res["suppressions"] == [{"kind": "external", "status": "accepted",
                                    "justification": "the sysfs handlers are reached through kernfs, "
                                    "which pins the module"}]


def test_low_confidence_only_with_all():
    lines = lambda log: [r["locations"][0]["physicalLocation"]["region"]["startLine"]  # noqa: E731
                         for r in log["runs"][0]["results"] if "locations" in r]
    assert 2091 not in lines(_log())
    assert 2091 in lines(_log(show_all=True))


def test_partial_fingerprints_are_unique_and_ignore_line_numbers():
    review = fixture.review()
    (run,) = _log(review)["runs"]
    fps = [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in run["results"]]
    assert len(set(fps)) == len(fps)
    moved = replace(review, findings=tuple(replace(f, line=f.line + 40) if f.line else f
                                           for f in review.findings))
    (run2,) = _log(moved)["runs"]
    assert [r["partialFingerprints"] for r in run2["results"]] == [r["partialFingerprints"] for r in run["results"]]


def test_same_flagged_text_twice_gets_two_fingerprints(tmp_path, capsys):
    """MOD001 flags the identical line four times in this patch: four alerts, not one."""
    assert main(["review", str(_plain_patch(tmp_path)), "--format", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    assert errors(sarif_schema(), log) == []
    results = log["runs"][0]["results"]
    assert len(results) >= 2 and {r["ruleId"] for r in results} == {"MOD001"}
    fps = [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results]
    assert len(set(fps)) == len(fps)
    assert all("suppressions" not in r for r in results)


def test_cli_keeps_author_suppressed_findings(capsys):
    """The fixture patch says `reviewbot-ignore: module-self-pin -- ...` below its ---."""
    assert main(["review", str(fixture.PATCH), "--format", "sarif"]) == 0  # nothing left to report
    log = json.loads(capsys.readouterr().out)
    assert errors(sarif_schema(), log) == []
    results = log["runs"][0]["results"]
    assert results and all(r["suppressions"][0]["justification"] == "nothing to silence in this fixture"
                           for r in results)
    notes = [n["message"]["text"] for n in log["runs"][0]["invocations"][0]["toolExecutionNotifications"]]
    assert any("names unknown rule 'TST003'" in n for n in notes)


def test_several_series_make_one_run(tmp_path, capsys):
    a = _plain_patch(tmp_path)
    d = tmp_path / "two"
    d.mkdir()
    (d / "b.patch").write_text(a.read_text().replace("Message-Id: <", "Message-Id: <other-"))
    assert main(["review", str(a), str(d), "--format", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    assert errors(sarif_schema(), log) == []
    (run,) = log["runs"]
    assert len(run["properties"]["series"]) == 2
    assert len({r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in run["results"]}) == len(run["results"])


def test_the_schema_check_can_fail():
    log = _log()
    log["runs"][0]["results"][0]["level"] = "warn"
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(errors(sarif_schema(), log)) == 2


def test_notes_become_notifications_and_check_crashes_are_errors():
    review = fixture.review()
    review = replace(review, notes=review.notes + ("internal: TST001 failed on patch 2: KeyError: 'x'",))
    (inv,) = _log(review)["runs"][0]["invocations"]
    got = [(n["level"], n["message"]["text"][:30]) for n in inv["toolExecutionNotifications"]]
    assert got == [("note", "series incomplete: patch(es) 1"), ("note", "reviewbot-ignore in patch 2 ma"),
                   ("error", "internal: TST001 failed on pat")]


def test_a_clean_series_is_a_valid_empty_log(capsys):
    clean = str(fixture.PATCH.parent.parent / "b4check" / "max5970-v1.mbox")
    assert main(["review", clean, "--format", "sarif", "--select", "MOD001"]) == 0
    log = json.loads(capsys.readouterr().out)
    assert errors(sarif_schema(), log) == []
    (run,) = log["runs"]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    assert [s["subject"] for s in run["properties"]["series"]] == [
        "leds: max5970: fix unreleased fwnode_handle in probe function",
        "leds: max5970: fix unreleased fwnode_handle in probe function"]  # v1 series and the v2 patch
