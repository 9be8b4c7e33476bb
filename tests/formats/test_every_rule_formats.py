"""Every rule in every machine format: SARIF valid against the 2.1.0 schema and GitHub code
scanning's upload limits, fingerprints unique per finding, rule links from the one setting.

Issue: `--format sarif` failed the schema for three rules (duplicate `tags`); JSON
fingerprints repeated for separate findings on identical lines; the docs links were
hard-coded to a repository URL that does not exist.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

from reviewbot.model import Review
from reviewbot.registry import all_rules
from reviewbot.report import jsonout, rdjson, sarif
from reviewbot.rules import rules_url
from tests.formats.schemas import errors, sarif_schema
from tests.report import fixture

GET = "\tif (!try_module_get(THIS_MODULE))"


def _every_rule_review() -> Review:
    """The fixture patch with two findings of every rule on the same (identical) line text."""
    base = fixture.review()
    findings = []
    for rule in all_rules():
        for line in (1725, 1794):  # two separate findings, identical text and message
            findings.append(replace(rule.finding(fixture.PATH, line, f"{rule.slug} here", text=GET),
                                    patch_index=2))
    return replace(base, findings=tuple(findings))


def test_sarif_for_every_rule_validates_against_2_1_0():
    log = json.loads(sarif.format_review(_every_rule_review()))
    assert errors(sarif_schema(), log) == []
    assert {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]} == {r.id for r in all_rules()}


def test_sarif_meets_github_code_scanning_upload_rules():
    """The limits of GitHub's SARIF upload (docs: "SARIF support for code scanning")."""
    log = json.loads(sarif.format_review(_every_rule_review()))
    assert len(log["runs"]) == 1 and log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    for r in rules:
        tags = r["properties"]["tags"]
        assert len(tags) == len(set(tags)) <= 20, (r["id"], tags)
        assert 0 < len(r["shortDescription"]["text"]) <= 1024
        assert 0 < len(r["fullDescription"]["text"]) <= 1024, r["id"]
        assert r["help"]["text"] and r["help"]["markdown"]
        assert r["helpUri"] == f"{rules_url()}{r['id']}"
    fps = set()
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"] and res["message"]["text"]
        assert res["level"] in ("none", "note", "warning", "error")
        (loc,) = res["locations"]
        uri = loc["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "://" not in uri
        assert loc["physicalLocation"]["region"]["startLine"] >= 1
        fps.add(res["partialFingerprints"][sarif.FINGERPRINT_KEY])
    assert len(fps) == len(run["results"])


def test_json_fingerprints_are_unique_per_finding():
    review = _every_rule_review()
    doc = json.loads(jsonout.format_review(review))
    fps = [f["fingerprint"] for f in doc["findings"]]
    assert len(fps) == len(review.findings) == len(set(fps))
    # the first of each keeps the plain, line-free value: a re-run or a v2 still matches it
    assert fps[0] == review.findings[0].fingerprint


def test_suppressed_and_shown_fingerprints_do_not_collide():
    review = _every_rule_review()
    first, second = review.findings[:2]
    review = replace(review, findings=(first, replace(second, suppressed="on purpose")))
    doc = json.loads(jsonout.format_review(review))
    assert doc["findings"][0]["fingerprint"] != doc["suppressed"][0]["fingerprint"]


def test_rule_links_come_from_one_setting(monkeypatch):
    review = _every_rule_review()
    monkeypatch.setenv("REVIEWBOT_RULES_URL", "https://bot.example.net/docs/rules.html")
    rule = review.findings[0].rule
    want = f"https://bot.example.net/docs/rules.html#{rule.id.lower()}-{rule.slug}"
    assert rule.help_uri == want
    log = json.loads(sarif.format_review(review))
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] == want
    assert json.loads(rdjson.format_review(review))["diagnostics"][0]["code"]["url"] == want


def test_default_link_is_the_shipped_rules_page(monkeypatch):
    monkeypatch.delenv("REVIEWBOT_RULES_URL")
    url = rules_url()
    assert url.startswith("file://") and url.endswith("/docs/rules.md")
    from pathlib import Path
    from urllib.parse import unquote, urlparse

    page = Path(unquote(urlparse(url).path)).read_text()
    for rule in all_rules():  # every rule's anchor exists on that page
        assert f"\n## {rule.id} {rule.slug}\n" in page


def test_serve_defaults_links_to_its_own_rules_pages():
    from reviewbot import config
    from reviewbot.commands.serve import _public_url

    assert _public_url({"service": {"public_url": "https://rb.example.org/"}}, "0.0.0.0", 8080) == \
        "https://rb.example.org"
    assert _public_url({}, "127.0.0.1", 8080) == "http://127.0.0.1:8080"
    code = ("import os; from reviewbot import config; from reviewbot.rules import rule_url;"
            "config.apply_rules_url({}, default='http://127.0.0.1:8080/rules/');"
            "print(rule_url('MOD001', 'module-self-pin'))")
    env = {k: v for k, v in __import__("os").environ.items() if k != "REVIEWBOT_RULES_URL"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == "http://127.0.0.1:8080/rules/MOD001"
    assert config  # imported for the default above

