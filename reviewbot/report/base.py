"""What every reporter shares: the rules findings use, counts, fingerprints (which findings are
shown is reviewbot.filter's decision)."""

from __future__ import annotations

import hashlib

from reviewbot.model import Finding, Level
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


def fingerprints(findings: list[Finding]) -> list[str]:
    """One fingerprint per finding, unique among `findings`: Finding.fingerprint (no line
    number: stable across re-runs and revisions); the N-th repeat of the same rule and message
    on identical text in one file gets the same kind of value (16 hex digits) derived from
    the first and N, so the n-th occurrence keeps its identity too."""
    seen: dict[str, int] = {}
    out = []
    for f in findings:
        n = seen.get(f.fingerprint, 0)
        seen[f.fingerprint] = n + 1
        out.append(f.fingerprint if n == 0 else
                   hashlib.sha256(f"{f.fingerprint}\0{n}".encode()).hexdigest()[:16])
    return out

