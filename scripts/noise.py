#!/usr/bin/env python3
"""Comment rate on ordinary patches: review ../shared/corpus/noise/patches.mbox (hunk mode,
default output) and print findings per 100 patches, per rule, and each finding.

    .venv/bin/python scripts/noise.py [MBOX] [--quiet]
"""

from __future__ import annotations

import collections
import sys
import time
from pathlib import Path

from reviewbot import pipeline
from reviewbot.errors import InputError

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    mbox = args[0] if args else str(ROOT.parent / "shared/corpus/noise/patches.mbox")
    t0 = time.perf_counter()
    errors: list[InputError] = []
    all_series = pipeline.load([mbox], errors=errors)
    patches = sum(len(s.patches) for s in all_series)
    per_rule: collections.Counter = collections.Counter()
    rows = []
    for s in all_series:
        r = pipeline.review_series(s)
        for f in r.shown():
            per_rule[f.rule.id] += 1
            rows.append(f"{f.rule.id} {f.path}:{f.line} ({f.side.value}) {f.message}  <- {f.patch_subject[:70]}")
    dt = time.perf_counter() - t0
    total = sum(per_rule.values())
    if "--quiet" not in argv:
        print("\n".join(rows))
    print(f"noise: {total} findings on {patches} patches = {100 * total / max(patches, 1):.2f} per 100 patches "
          f"({len(errors)} unreadable threads, {dt:.1f} s, {patches / dt:.0f} patches/s)")
    print("per rule: " + (", ".join(f"{k} {v}" for k, v in sorted(per_rule.items())) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
