"""What every reporter shares: which findings to show and the rules they use."""

from __future__ import annotations

from reviewbot.model import Finding, Level, Review
from reviewbot.rules import Rule


def rules_used(findings: list[Finding]) -> list[Rule]:
    seen: dict[str, Rule] = {}
    for f in findings:
        seen.setdefault(f.rule.id, f.rule)
    return [seen[k] for k in sorted(seen)]


def level_counts(findings: list[Finding]) -> dict[str, int]:
    counts = {lv.value: 0 for lv in Level}
    for f in findings:
        counts[f.effective_level.value] += 1
    return counts


def shown(review: Review, show_all: bool) -> list[Finding]:
    return review.shown(include_low=show_all)
