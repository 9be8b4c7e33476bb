"""The JSON contract (version 1, shown in the README).  Keep it stable: other tools parse it; it only
ever grows by new optional keys."""

from __future__ import annotations

import json

from reviewbot.model import Finding, Review
from reviewbot.filter import Policy
from reviewbot.report.base import fingerprints


def finding_dict(f: Finding, fingerprint: str | None = None) -> dict:
    return {
        "rule": f.rule.id,
        "slug": f.rule.slug,
        "level": f.effective_level.value.lower(),
        "confidence": f.effective_confidence.value,
        "path": f.path,
        "line": f.line,
        "side": f.side.value,
        "message": f.message,
        "patch": {"index": f.patch_index, "msgid": f.patch_msgid, "subject": f.patch_subject},
        "fingerprint": fingerprint or f.fingerprint,
    }


def review_dict(review: Review, show_all: bool = False) -> dict:
    s = review.series
    policy = Policy.report(show_all)
    findings = policy.shown(review.findings)
    suppressed = policy.suppressed(review.findings)
    fps = fingerprints(findings + suppressed)  # unique in the document
    doc = {
        "version": 1,
        "series": {"subject": s.subject, "msgid": s.msgid, "revision": s.revision, "base": s.base,
                   "context": review.context},
        "findings": [finding_dict(f, fp) for f, fp in zip(findings, fps)],
        "notes": list(review.notes),
    }
    if suppressed:
        doc["suppressed"] = [dict(finding_dict(f, fp), reason=f.suppressed)
                             for f, fp in zip(suppressed, fps[len(findings):])]
    return doc


def format_review(review: Review, show_all: bool = False) -> str:
    return json.dumps(review_dict(review, show_all), indent=2, ensure_ascii=False) + "\n"
