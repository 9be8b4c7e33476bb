"""Which findings a front end shows or posts: one policy, one decision.

Every front end (the terminal, JSON, SARIF and rdjson reports, b4-check, the mail replies of
`reviewbot watch`, the forge reviews, the patchwork checks) asks a ``Policy`` instead of
deciding itself.  A finding is reportable when it is not suppressed, its level is at least
``min_level``, its confidence at least ``min_confidence`` (``include_low`` lowers that to
low, as `--all` does), and the diff line it sits on passes ``diff_mode`` (reviewdog's
filter mode).  Suppressed findings that pass the same cut are listed apart by the reports
that show suppressions.

Diff modes (the engine anchors every finding at a line the diff shows, so these choose
among the diff's lines; a finding on no line, about a patch as a whole, passes every mode):

- ``diff_context`` (default): any line the diff shows, context lines included;
- ``changed``: added and removed lines (a removed put is reported on the line it was on);
- ``added``: added lines only, what the author wrote (reviewdog's default).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Iterable

from reviewbot.model import Confidence, Finding, Level, Review


class DiffMode(enum.Enum):
    DIFF_CONTEXT = "diff_context"
    CHANGED = "changed"
    ADDED = "added"

    @property
    def kinds(self) -> str:
        """The kinds of diff line ('+', '-', ' ') whose findings this mode shows."""
        return {"diff_context": "+- ", "changed": "+-", "added": "+"}[self.value]

    def admits(self, f: Finding) -> bool:
        return not f.diff_kind or f.diff_kind in self.kinds

    @classmethod
    def parse(cls, value: str) -> "DiffMode":
        """The mode named `value`; ValueError naming the choices."""
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"diff mode must be one of {', '.join(CHOICES)}, not {value!r}") from None


CHOICES = tuple(m.value for m in DiffMode)


@dataclass(frozen=True)
class Policy:
    min_level: Level = Level.CHECK
    min_confidence: Confidence = Confidence.MEDIUM
    include_low: bool = False
    diff_mode: DiffMode = DiffMode.DIFF_CONTEXT

    @classmethod
    def report(cls, show_all: bool = False, diff_mode: DiffMode = DiffMode.DIFF_CONTEXT) -> "Policy":
        """The reports and b4-check: every level; low confidence only with --all."""
        return cls(include_low=show_all, diff_mode=diff_mode)

    @property
    def confidence_floor(self) -> Confidence:
        return Confidence.LOW if self.include_low else self.min_confidence

    def admits(self, level: Level, confidence: Confidence) -> bool:
        """Level and confidence are at least the policy's."""
        return level.rank <= self.min_level.rank and confidence.rank <= self.confidence_floor.rank

    def passes(self, f: Finding) -> bool:
        """The finding's level, confidence and diff line pass (suppression aside)."""
        return self.admits(f.effective_level, f.effective_confidence) and self.diff_mode.admits(f)

    def shown(self, findings: Iterable[Finding]) -> list[Finding]:
        """What is reported, in order."""
        return [f for f in findings if not f.suppressed and self.passes(f)]

    def suppressed(self, findings: Iterable[Finding]) -> list[Finding]:
        """What authors suppressed, cut the same way (listed apart by the reports)."""
        return [f for f in findings if f.suppressed and self.passes(f)]

    def held_back(self, findings: Iterable[Finding]) -> list[Finding]:
        """Unsuppressed findings below the confidence cut (the terminal report counts them)."""
        return [f for f in findings if not f.suppressed and f.effective_level.rank <= self.min_level.rank
                and f.effective_confidence.rank > self.confidence_floor.rank and self.diff_mode.admits(f)]


def restrict(review: Review, mode: DiffMode) -> Review:
    """The review with only the findings `mode` admits: for the front ends whose reports take
    their policy from a flag (`reviewbot review --diff-mode`, `b4-check --diff-mode`)."""
    if mode is DiffMode.DIFF_CONTEXT:
        return review
    return replace(review, findings=tuple(f for f in review.findings if mode.admits(f)))
