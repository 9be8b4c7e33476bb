"""Counters the forge code increments (reviews, findings, post failures); /metrics can read them."""

from __future__ import annotations

import threading
from collections import Counter


class Counters:
    """Thread-safe named counters, e.g. ``counters.inc("post_failures", forge="github")``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._c: Counter[tuple] = Counter()

    def inc(self, name: str, n: int = 1, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self._c[key] += n

    def get(self, name: str, **labels: str) -> int:
        with self._lock:
            if labels:
                return self._c[(name, tuple(sorted(labels.items())))]
            return sum(v for (n, _), v in self._c.items() if n == name)

    def snapshot(self) -> dict[tuple, int]:
        with self._lock:
            return dict(self._c)
