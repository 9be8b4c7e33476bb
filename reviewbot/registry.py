"""The explicit list of check modules (reviewbot.checks.ALL) and rule lookup."""

from __future__ import annotations

from typing import Iterable, Protocol

from reviewbot.model import Finding
from reviewbot.rules import Rule, resolve


class CheckModule(Protocol):
    RULE: Rule

    def check(self, target, ctx) -> Iterable[Finding]: ...


def all_checks() -> tuple[CheckModule, ...]:
    from reviewbot.checks import ALL  # top-level checks/ (or reviewbot/checks in a wheel)

    return ALL


def all_rules() -> tuple[Rule, ...]:
    return tuple(sorted((m.RULE for m in all_checks()), key=lambda r: r.id))


def find_rule(name: str) -> Rule | None:
    return resolve(name, all_rules())
