"""Helpers for the one-line messages of findings."""

from __future__ import annotations


def short(s: str, n: int = 28) -> str:
    """An expression cut to fit a one-line message."""
    return s if len(s) <= n else s[: n - 1] + "…"
