"""The JSON contract of DESIGN.md §2 (version 1).  Keep it stable: other tools parse it."""

from __future__ import annotations

import json

from reviewbot.model import Finding, Review
from reviewbot.report.base import shown


def finding_dict(f: Finding) -> dict:
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
        "fingerprint": f.fingerprint,
    }


def review_dict(review: Review, show_all: bool = False) -> dict:
    s = review.series
    findings = shown(review, show_all)
    doc = {
        "version": 1,
        "series": {"subject": s.subject, "msgid": s.msgid, "revision": s.revision, "base": s.base,
                   "context": review.context},
        "findings": [finding_dict(f) for f in findings],
        "notes": list(review.notes),
    }
    suppressed = [f for f in review.findings if f.suppressed and (show_all or f.effective_confidence.value != "low")]
    if suppressed:
        doc["suppressed"] = [dict(finding_dict(f), reason=f.suppressed) for f in suppressed]
    return doc


def format_review(review: Review, show_all: bool = False) -> str:
    return json.dumps(review_dict(review, show_all), indent=2, ensure_ascii=False) + "\n"
