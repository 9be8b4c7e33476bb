#!/usr/bin/env python3
"""Time a 20-patch series in tree mode, with and without the Coccinelle engine.

    .venv/bin/python benchmarks/cocci_series.py --tree /work/linux-6.12 [CORPUS]

The series is made of the tune half's positive cases that apply to the tree, one patch per
file (so that they apply on top of each other), renumbered 1..20 as one Series.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reviewbot import engine, evaluate, pipeline, tree  # noqa: E402


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", type=Path, default=Path("/work/shared/corpus/mined"))
    ap.add_argument("--tree", required=True)
    ap.add_argument("-n", type=int, default=20)
    args = ap.parse_args(argv)
    manifest = json.loads((args.corpus / "manifest.json").read_text())
    patches, paths = [], set()
    for rec in evaluate.select(manifest, "tune", applies=True):
        if rec["kind"] != "positive" or len(patches) >= args.n:
            continue
        (series,) = pipeline.load([str(args.corpus / rec["file"])])
        files = {fd.path for p in series.patches for fd in p.files}
        if files & paths or len(series.patches) != 1:
            continue
        paths |= files
        patches.append(dataclasses.replace(series.patches[0], index=len(patches) + 1))
    series = dataclasses.replace(series, patches=tuple(patches), base=None)
    checks = engine.select_checks()
    for engines in ("python", "python,cocci"):
        os.environ["REVIEWBOT_ENGINES"] = engines
        cpu, wall = _cpu(), time.monotonic()
        review = tree.review_with_tree(series, args.tree, checks)
        cpu, wall = _cpu() - cpu, time.monotonic() - wall
        print(f"{engines:13} {len(patches)} patches: {wall:.1f} s wall, {cpu:.1f} s CPU, "
              f"{len(review.findings)} findings, context {review.context}, load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
