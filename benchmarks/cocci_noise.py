#!/usr/bin/env python3
"""Noise in tree mode: review ordinary patches that apply to a kernel tree, with both engines,
and count the findings each engine adds (default output, as a list would see them).

    .venv/bin/python benchmarks/cocci_noise.py --tree /work/linux-6.12 [--patches 200] [MBOX]

The Python engine's findings do not depend on Coccinelle (the Coccinelle findings are added
after them, never in their place), so one run gives both counts: "python" is every finding
but the Coccinelle ones, "union" is all of them.  Series that do not apply to the tree are
skipped (they would be reviewed on their hunks, where nothing changes).
"""

from __future__ import annotations

import argparse
import collections
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reviewbot import pipeline  # noqa: E402
from reviewbot.checks.module import _cocci  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mbox", nargs="?", default=str(ROOT.parent / "shared/corpus/noise/patches.mbox"))
    ap.add_argument("--tree", required=True)
    ap.add_argument("--patches", type=int, default=200)
    args = ap.parse_args(argv)
    series = [s for s in pipeline.load([args.mbox], errors=[]) if any(p.c_files for p in s.patches)]
    opts = pipeline.Options(tree=args.tree)
    reviewed = skipped = 0
    counts: collections.Counter = collections.Counter()
    rows = []
    cpu, wall = _cpu(), time.monotonic()
    for s in series:
        if reviewed >= args.patches:
            break
        review = pipeline.review_series(s, opts)
        if review.context != "tree" or any("does not apply" in n for n in review.notes):
            skipped += 1
            continue
        reviewed += len(s.patches)
        for f in review.shown():
            engine = "cocci" if _cocci.is_cocci_message(f.message) else "python"
            counts[engine] += 1
            rows.append(f"{engine:6} {f.rule.id} {f.path}:{f.line} ({f.side.value}) {f.message}  <- {f.patch_subject[:60]}")
    cpu, wall = _cpu() - cpu, time.monotonic() - wall
    print("\n".join(rows))
    print(f"tree-mode noise on {reviewed} patches ({skipped} series skipped: not applying): "
          f"python {counts['python']}, coccinelle adds {counts['cocci']}, union {counts['python'] + counts['cocci']}; "
          f"{cpu / max(reviewed, 1):.2f} s CPU, {wall / max(reviewed, 1):.2f} s wall per patch")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
