"""Score the checks against a labelled corpus (DESIGN.md §2 "Evaluation semantics").

Each manifest record is reviewed exactly as `reviewbot review FILE --format json` would
(defaults, no tree).  A positive is detected when some finding has the expected path, the same
side and a line within ±3 of an expected line; a negative is a false positive when it produces
any finding at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from reviewbot import pipeline
from reviewbot.errors import InputError
from reviewbot.report.jsonout import review_dict

TOLERANCE = 3


@dataclass
class CaseResult:
    id: str
    kind: str
    rule: str
    unsure: bool
    ok: bool  # positive: detected; negative: silent
    findings: list[dict] = field(default_factory=list)
    error: str | None = None


def review_file(path: Path) -> list[dict]:
    findings: list[dict] = []
    for series in pipeline.load([str(path)]):
        findings += review_dict(pipeline.review_series(series))["findings"]
    return findings


def _detected(expected: list[dict], findings: list[dict]) -> bool:
    for exp in expected:
        side = "new" if "new_line" in exp else "old"
        line = exp.get("new_line", exp.get("old_line"))
        for f in findings:
            if f["path"] == exp["path"] and f["side"] == side and abs(f["line"] - line) <= TOLERANCE:
                return True
    return False


def score_case(root: Path, rec: dict) -> CaseResult:
    res = CaseResult(id=rec["id"], kind=rec["kind"], rule=rec.get("rule", "none"),
                     unsure=bool(rec.get("unsure")), ok=False)
    try:
        res.findings = review_file(root / rec["file"])
    except InputError as exc:
        res.error = str(exc)
    if rec["kind"] == "positive":
        res.ok = _detected(rec.get("expected_lines", []), res.findings)
    else:
        res.ok = not res.findings
    return res


def run(corpus: Path) -> list[CaseResult]:
    manifest = json.loads((corpus / "manifest.json").read_text())
    return [score_case(corpus, rec) for rec in manifest]


def summary(results: list[CaseResult], include_unsure: bool = True) -> dict:
    rs = [r for r in results if include_unsure or not r.unsure]
    pos = [r for r in rs if r.kind == "positive"]
    neg = [r for r in rs if r.kind == "negative"]
    detected = sum(r.ok for r in pos)
    fps = sum(not r.ok for r in neg)
    per_rule: dict[str, dict] = {}
    for r in rs:
        row = per_rule.setdefault(r.rule, {"positives": 0, "detected": 0, "negatives": 0, "false_positives": 0})
        if r.kind == "positive":
            row["positives"] += 1
            row["detected"] += r.ok
        else:
            row["negatives"] += 1
            row["false_positives"] += not r.ok
    return {
        "positives": len(pos), "detected": detected,
        "recall": detected / len(pos) if pos else 0.0,
        "negatives": len(neg), "false_positives": fps,
        "false_positive_rate": fps / len(neg) if neg else 0.0,
        "per_rule": dict(sorted(per_rule.items())),
        "missed": [r.id for r in pos if not r.ok],
        "noisy": [r.id for r in neg if not r.ok],
        "errors": {r.id: r.error for r in rs if r.error},
    }
