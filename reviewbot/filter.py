"""Which findings a front end shows or posts: one policy, one decision.

Every front end (the terminal, JSON, SARIF and rdjson reports, b4-check, the mail replies of
`reviewbot watch`, the forge reviews, the patchwork checks) asks a ``Policy`` instead of
deciding itself.  A finding is reportable when it is not suppressed, its level is at least
``min_level`` and its confidence at least ``min_confidence`` (``include_low`` lowers that to
low, as `--all` does).  Suppressed findings that pass the same cut are listed apart by the
reports that show suppressions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from reviewbot.model import Confidence, Finding, Level


@dataclass(frozen=True)
class Policy:
    min_level: Level = Level.CHECK
    min_confidence: Confidence = Confidence.MEDIUM
    include_low: bool = False

    @classmethod
    def report(cls, show_all: bool = False) -> "Policy":
        """The reports and b4-check: every level; low confidence only with --all."""
        return cls(include_low=show_all)

    @property
    def confidence_floor(self) -> Confidence:
        return Confidence.LOW if self.include_low else self.min_confidence

    def admits(self, level: Level, confidence: Confidence) -> bool:
        """Level and confidence are at least the policy's."""
        return level.rank <= self.min_level.rank and confidence.rank <= self.confidence_floor.rank

    def passes(self, f: Finding) -> bool:
        """The finding's level and confidence pass (suppression aside)."""
        return self.admits(f.effective_level, f.effective_confidence)

    def shown(self, findings: Iterable[Finding]) -> list[Finding]:
        """What is reported, in order."""
        return [f for f in findings if not f.suppressed and self.passes(f)]

    def suppressed(self, findings: Iterable[Finding]) -> list[Finding]:
        """What authors suppressed, cut the same way (listed apart by the reports)."""
        return [f for f in findings if f.suppressed and self.passes(f)]

    def held_back(self, findings: Iterable[Finding]) -> list[Finding]:
        """Unsuppressed findings below the confidence cut (the terminal report counts them)."""
        return [f for f in findings if not f.suppressed and f.effective_level.rank <= self.min_level.rank
                and f.effective_confidence.rank > self.confidence_floor.rank]
