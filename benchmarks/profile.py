#!/usr/bin/env python3
"""Profile reviewbot's hot path with pyinstrument: load + review of an mbox (hunk mode, or
tree mode with --tree REPO), plus the CPU time of each check, so that a slow rule is named.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/profile.py [MBOX] [--tree REPO] [--html FILE]

Default MBOX: ../shared/corpus/noise/patches.mbox.  The call tree (text) goes to stdout.
"""

from __future__ import annotations

import argparse
import collections
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mbox", nargs="?", default=str(ROOT.parent / "shared/corpus/noise/patches.mbox"))
    ap.add_argument("--html", type=Path, help="also write pyinstrument's HTML report here")
    ap.add_argument("--tree", help="tree mode against this kernel git clone (only read)")
    ap.add_argument("--cpu", action="store_true",
                    help="sample on process CPU time, not wall time (a loaded machine makes wall-time "
                         "samples pile up on system calls; slower to run)")
    ap.add_argument("--interval", type=float, default=0.001,
                    help="sampling interval in seconds (default 0.001; 0.01 distorts a long run less)")
    args = ap.parse_args(argv)
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("benchmarks: pyinstrument is not installed: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 2
    logging.disable(logging.CRITICAL)
    from reviewbot import pipeline
    from reviewbot.errors import InputError
    from reviewbot.registry import all_checks

    per_check: collections.Counter = collections.Counter()
    for mod in all_checks():  # per-check CPU time, outside the profiler's sampling
        def timed(*a, _check=mod.check, _id=mod.RULE.id, **k):
            t = time.process_time()
            try:
                return list(_check(*a, **k))
            finally:
                per_check[_id] += time.process_time() - t
        mod.check = timed

    opts = pipeline.Options(tree=args.tree)
    profiler = Profiler(interval=args.interval)
    if args.cpu:
        from pyinstrument.stack_sampler import get_stack_sampler

        get_stack_sampler().timer_func = time.process_time
    c0 = time.process_time()
    profiler.start()
    try:
        all_series = pipeline.load([args.mbox], opts=opts, errors=[])
    except InputError as exc:
        profiler.stop()
        print(f"benchmarks: {exc}", file=sys.stderr)
        return 2
    c1 = time.process_time()
    with pipeline.session(opts):
        for series in all_series:
            pipeline.review_series(series, opts)
    profiler.stop()
    c2 = time.process_time()
    patches = sum(len(s.patches) for s in all_series)
    print(profiler.output_text(unicode=False, color=False))
    print(f"{patches} patches: load {c1 - c0:.2f} s CPU, review {c2 - c1:.2f} s CPU "
          f"(profiler overhead included)")
    print("CPU per check (top 10): " + ", ".join(f"{k} {v:.2f} s" for k, v in per_check.most_common(10)))
    if args.html:
        args.html.write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    sys.exit(main())
