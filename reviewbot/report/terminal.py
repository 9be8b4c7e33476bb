"""checkpatch-shaped text: `WARNING:MOD002 slug: message`, `#N: FILE: path:line:`, the line."""

from __future__ import annotations

from reviewbot.model import Review
from reviewbot.render import render
from reviewbot.report.base import level_counts, rules_used, shown


def format_review(review: Review, show_all: bool = False, verbose: bool = True) -> str:
    findings = shown(review, show_all)
    return render("terminal/review.txt.j2", findings=findings, notes=list(review.notes),
                  rules=rules_used(findings), verbose=verbose, counts=level_counts(findings),
                  patches=len(review.series.patches), context=review.context)
