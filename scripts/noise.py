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

from reviewbot import evaluate

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    mbox = args[0] if args else str(ROOT.parent / "shared/corpus/noise/patches.mbox")
    t0 = time.perf_counter()
    nz = evaluate.noise(mbox)
    per_rule = collections.Counter(f.rule.id for f in nz.findings)
    rows = [f"{f.rule.id} {f.path}:{f.line} ({f.side.value}) {f.message}  <- {f.patch_subject[:70]}"
            for f in nz.findings]
    dt = time.perf_counter() - t0
    if "--quiet" not in argv:
        print("\n".join(rows))
    print(f"noise: {len(nz.findings)} findings on {nz.patches} patches = {nz.per_100:.2f} per 100 patches "
          f"({len(nz.errors)} unreadable threads, {dt:.1f} s, {nz.patches / dt:.0f} patches/s)")
    print("per rule: " + (", ".join(f"{k} {v}" for k, v in sorted(per_rule.items())) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
