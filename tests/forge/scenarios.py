"""Diffs for the scenario tests, derived from the zram self-pin patch (MOD001 fires 4 times)."""

from __future__ import annotations

import re

from tests.forge.conftest import ZRAM


def shifted(diff: str, by: int) -> str:
    """The same change on a base where `by` lines were added above it (a rebase)."""
    def bump(m: re.Match) -> str:
        return f"@@ -{int(m.group(1)) + by},{m.group(2)} +{int(m.group(3)) + by},{m.group(4)} @@"
    return re.sub(r"@@ -(\d+),(\d+) \+(\d+),(\d+) @@", bump, diff)


def without_last_hunks(diff: str, n: int) -> str:
    """Drop the last n hunks (the author removed that part of the change)."""
    parts = re.split(r"(?m)^(?=@@ )", diff)
    return "".join(parts[:-n])


V1 = ZRAM
V2 = shifted(without_last_hunks(ZRAM, 2), 5)  # 3 of the 4 self-pins, 5 lines further down
