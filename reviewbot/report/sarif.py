"""SARIF 2.1.0 for GitHub code scanning (`--format sarif`).

One run for everything reviewed (GitHub rejects several runs of one tool and category in an
upload).  `tool.driver.rules[]` is built from each rule's docstring (the house style):
`shortDescription` = the summary line, `fullDescription` = "Why is this bad?", `help` = the
whole Markdown explanation (templates/_rule.md.j2), `helpUri` = the rule's docs anchor.
`level` follows the finding's Level (ERROR -> error, WARNING -> warning, CHECK -> note),
never a constant.  `partialFingerprints["reviewbot/v1"]` is Finding.fingerprint (no line
number in it) plus `:N`, the occurrence of that fingerprint in the log (as CodeQL's
`primaryLocationLineHash`): the same flagged text twice in one file would otherwise collapse
into one alert.  So alerts survive re-runs and new revisions.  Findings an author suppressed
 stay in the log with a `suppressions` entry, which code scanning shows as
dismissed.  Findings on removed lines are placed where the removal happened in the new file
(report/locate.py); the old line is kept in the result's properties.
"""

from __future__ import annotations

import json
from typing import Iterable
from urllib.parse import quote

from reviewbot import __version__
from reviewbot.model import Confidence, Finding, Level, Review
from reviewbot.render import rule_text
from reviewbot.filter import Policy
from reviewbot.report.base import rules_used
from reviewbot.report.locate import new_location
from reviewbot.rules import Rule, rules_url

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "reviewbot/v1"

LEVELS = {Level.ERROR: "error", Level.WARNING: "warning", Level.CHECK: "note"}
# GitHub's rule properties: problem.severity and precision (how much to trust the rule).
_SEVERITY = {Level.ERROR: "error", Level.WARNING: "warning", Level.CHECK: "recommendation"}
_PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}


def _text(s: str, limit: int = 1024) -> str:
    """One line of plain text; GitHub code scanning takes at most 1024 characters for a rule's
    short and full description."""
    text = " ".join(s.split()) or "-"
    if len(text) > limit:
        text = text[: limit - 4].rsplit(" ", 1)[0] + " ..."
    return text


def rule_descriptor(rule: Rule) -> dict:
    why = rule.doc.sections.get("Why is this bad?", "") or rule.doc.summary
    md = rule_text(rule)
    return {
        "id": rule.id,
        "name": rule.slug,
        "shortDescription": {"text": _text(rule.doc.summary or rule.slug)},
        "fullDescription": {"text": _text(why)},
        "help": {"text": md, "markdown": md},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.level]},
        "properties": {
            "tags": list(dict.fromkeys(("reviewbot", rule.slug, *rule.tags))),  # unique (schema)
            "precision": _PRECISION[rule.confidence],
            "problem.severity": _SEVERITY[rule.level],
        },
    }


def _result(review: Review, f: Finding, rule_index: int, occurrence: int) -> dict:
    res: dict = {
        "ruleId": f.rule.id,
        "ruleIndex": rule_index,
        "level": LEVELS[f.effective_level],
        "message": {"text": f.message},
    }
    props: dict = {"confidence": f.effective_confidence.value, "side": f.side.value,
                   "patch": {"index": f.patch_index, "msgid": f.patch_msgid, "subject": f.patch_subject}}
    loc = new_location(review, f)
    if loc is not None:
        region: dict = {"startLine": loc.line}
        if loc.removed_line is None and f.text.strip():
            region["snippet"] = {"text": f.text}
        res["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": quote(loc.path)},
                                                  "region": region}}]
        if loc.removed_line is not None:
            props["oldLine"] = loc.removed_line
            props["removedText"] = f.text
    res["partialFingerprints"] = {FINGERPRINT_KEY: f"{f.fingerprint}:{occurrence}"}
    if f.suppressed:
        res["suppressions"] = [{"kind": "external", "status": "accepted", "justification": f.suppressed}]
    res["properties"] = props
    return res


def _reported(review: Review, show_all: bool) -> list[Finding]:
    """What is shown plus what authors suppressed (same confidence cut), in review order."""
    return [f for f in review.findings if Policy.report(show_all).passes(f)]


def sarif_log(reviews: Iterable[Review], show_all: bool = False) -> dict:
    reviews = list(reviews)
    per_review = [(r, _reported(r, show_all)) for r in reviews]
    rules = rules_used([f for _, fs in per_review for f in fs])
    index = {r.id: i for i, r in enumerate(rules)}
    seen: dict[str, int] = {}
    results = []
    for r, fs in per_review:
        for f in fs:
            seen[f.fingerprint] = seen.get(f.fingerprint, 0) + 1
            results.append(_result(r, f, index[f.rule.id], seen[f.fingerprint]))
    notes = [n for r in reviews for n in r.notes]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "reviewbot",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": rules_url(),
                "rules": [rule_descriptor(r) for r in rules],
            }},
            "invocations": [{
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "error" if n.startswith("internal:") else "note", "message": {"text": n}}
                    for n in notes],
            }],
            "results": results,
            "properties": {"series": [{
                "subject": r.series.subject, "msgid": r.series.msgid, "revision": r.series.revision,
                "base": r.series.base, "context": r.context} for r in reviews]},
        }],
    }


def format_reviews(reviews: Iterable[Review], show_all: bool = False) -> str:
    return json.dumps(sarif_log(reviews, show_all), indent=2, ensure_ascii=False) + "\n"


def format_review(review: Review, show_all: bool = False) -> str:
    return format_reviews([review], show_all)
