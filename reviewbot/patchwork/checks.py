"""The check reviewbot posts on a patch, from the findings it reported on that patch.

state: ``success`` (nothing reported), ``warning`` (findings), ``fail`` (an ERROR-level
finding); description: counts by rule, e.g. ``MOD001 x4, MOD012 x1``; context: ``reviewbot``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from reviewbot.model import Finding, Level

CONTEXT = "reviewbot"
URL_MAX = 200  # patchwork's target_url column


@dataclass(frozen=True)
class Check:
    state: str
    description: str
    target_url: str | None = None
    context: str = CONTEXT

    def body(self) -> dict[str, Any]:
        return {"state": self.state, "context": self.context, "description": self.description,
                "target_url": self.target_url}

    def matches(self, existing: dict[str, Any]) -> bool:
        """``existing`` (a check read from patchwork) is this check: posted before."""
        return (existing.get("context") == self.context and existing.get("state") == self.state
                and (existing.get("description") or "") == self.description)


def check_for(findings: Iterable[Finding], target_url: str | None = None) -> Check:
    """The check of one patch from the findings reported on it (already filtered by policy)."""
    found = list(findings)
    if not found:
        return Check("success", "no findings", _url(target_url))
    state = "fail" if any(f.effective_level is Level.ERROR for f in found) else "warning"
    counts = Counter(f.rule.id for f in found)
    desc = ", ".join(f"{rule} x{n}" for rule, n in sorted(counts.items()))
    return Check(state, desc, _url(target_url))


def _url(url: str | None) -> str | None:
    return url if url and len(url) <= URL_MAX else None
