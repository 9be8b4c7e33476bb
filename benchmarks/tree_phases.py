#!/usr/bin/env python3
"""Where tree mode's CPU goes: the noise mbox reviewed against a kernel clone, with the CPU
time (process, and the git/spatch children it waited for) of its main steps, and each git or
spatch command's count and CPU.  `--findings FILE` writes every series' findings and notes as
JSON, to compare two versions of the code (same input, same tree: the files must be equal); a
finding is [rule, patch index, path, line, side, message, confidence, suppressed].

    .venv/bin/python benchmarks/tree_phases.py --tree /work/linux-6.12 [MBOX] [--findings out.json]

Default MBOX: ../shared/corpus/noise/patches.mbox.  The wrappers cost a few percent; the
totals are for comparing versions, benchmarks/run.py's throughput table is the measurement.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import json
import logging
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_ACC: dict = collections.defaultdict(lambda: [0, 0.0, 0.0])

# (module, attribute) of the steps measured; a missing one is skipped (the code moves on)
STEPS = [
    ("reviewbot.tree.review", "engine.review", "checks (engine.review, all series)"),
    ("reviewbot.cocci", "_annotate", "  coccinelle step (in engine.review)"),
    ("reviewbot.cocci.anchor", "touched", "    touched functions (parses)"),
    ("reviewbot.tree.apply", "Scratch.apply", "applying the patches"),
    ("reviewbot.tree.apply", "patchapply.apply", "  in Python (tree.patchapply)"),
    ("reviewbot.tree.review", "build_context", "contexts and file facts"),
    ("reviewbot.tree.contexts", "owner_facts", "  owner facts (header walk)"),
    ("reviewbot.tree.review", "as_applied", "diff as applied"),
    ("reviewbot.analysis.cmodel", "parse", "tree-sitter parses (in the above)"),
]


def _children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _wrap(holder, attr: str, label: str) -> None:
    real = getattr(holder, attr)

    def timed(*a, **k):
        c, ch = time.process_time(), _children()
        try:
            return real(*a, **k)
        finally:
            row = _ACC[label]
            row[0] += 1
            row[1] += time.process_time() - c
            row[2] += _children() - ch
    setattr(holder, attr, timed)


def _commands() -> dict:
    stats: dict = collections.defaultdict(lambda: [0, 0.0])
    real = subprocess.run

    def run(args, *a, **k):
        ch = _children()
        try:
            return real(args, *a, **k)
        finally:
            name = " ".join(args[1:3]) if args[0] == "git" else Path(args[0]).name
            stats[name][0] += 1
            stats[name][1] += _children() - ch
    subprocess.run = run
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mbox", nargs="?", default=str(ROOT.parent / "shared/corpus/noise/patches.mbox"))
    ap.add_argument("--tree", required=True, help="a kernel git clone (only read)")
    ap.add_argument("--findings", type=Path, help="write every series' findings and notes here (JSON)")
    args = ap.parse_args(argv)
    logging.disable(logging.CRITICAL)
    from reviewbot import pipeline
    from reviewbot.registry import all_checks

    all_checks()
    pipeline.batch_gc()
    for mod, attr, label in STEPS:
        try:
            holder = importlib.import_module(mod)
            *path, name = attr.split(".")
            for part in path:
                holder = getattr(holder, part)
            _wrap(holder, name, label)
        except (ImportError, AttributeError):
            print(f"(not measured: {mod}.{attr})", file=sys.stderr)
    commands = _commands()
    opts = pipeline.Options(tree=args.tree)
    c0, ch0 = time.process_time(), _children()
    all_series = pipeline.load([args.mbox], opts=opts, errors=[])
    c1 = time.process_time()
    out = []
    with pipeline.session(opts):
        for series in all_series:
            review = pipeline.review_series(series, opts)
            out.append([[f.rule.id, f.patch_index, f.path, f.line, f.side.value, f.message,
                         f.effective_confidence.value, f.suppressed]
                        for f in review.findings] + list(review.notes))
    c2, ch2 = time.process_time(), _children()
    patches = sum(len(s.patches) for s in all_series)
    total = c2 - c0 + ch2 - ch0
    print(f"{patches} patches: load {c1 - c0:.2f} s, review {c2 - c1:.2f} s, git/spatch {ch2 - ch0:.2f} s "
          f"of CPU; {patches / total:.0f} patches per CPU second (without start-up)")
    for label, (n, cpu, child) in sorted(_ACC.items(), key=lambda kv: -kv[1][1]):
        print(f"  {label:42} {n:6} calls {cpu:7.2f} s  children {child:6.2f} s")
    for name, (n, cpu) in sorted(commands.items(), key=lambda kv: -kv[1][1]):
        print(f"  {name:42} {n:6} runs  {cpu:7.2f} s")
    if args.findings:
        args.findings.write_text(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
