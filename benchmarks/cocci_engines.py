#!/usr/bin/env python3
"""Compare the path engines of tree mode on a labelled corpus: Python only, Coccinelle only,
and both (the default), per tag, with CPU seconds per patch.

    .venv/bin/python benchmarks/cocci_engines.py CORPUS --tree /work/linux-6.12 [--split tune|holdout]
    .venv/bin/python benchmarks/cocci_engines.py CORPUS --hunks      # hunk mode (dev: no tree)

"Coccinelle only" keeps the findings the Coccinelle matches produced (checks/module/_cocci.py)
from a run with REVIEWBOT_ENGINES=cocci.  The holdout split prints aggregates only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reviewbot import evaluate  # noqa: E402
from reviewbot.checks.module import _cocci  # noqa: E402


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _run(corpus: Path, tree: str | None, split: str | None, engines: str, only_cocci: bool = False):
    os.environ["REVIEWBOT_ENGINES"] = engines
    cpu, wall = _cpu(), time.monotonic()
    results = evaluate.run(corpus, tree=tree, split=split)
    cpu, wall = _cpu() - cpu, time.monotonic() - wall
    if only_cocci:
        expected = {rec["id"]: rec.get("expected_lines", [])
                    for rec in json.loads((corpus / "manifest.json").read_text())}
        for r in results:
            r.findings = [f for f in r.findings if _cocci.is_cocci_message(f["message"])]
            r.ok = (not r.findings) if r.kind == "negative" else evaluate._detected(expected[r.id], r.findings)
    return results, cpu / max(len(results), 1), wall / max(len(results), 1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--tree")
    ap.add_argument("--split", choices=evaluate.SPLITS)
    args = ap.parse_args(argv)
    rows = []
    for name, engines, only in (("python", "python", False), ("cocci", "cocci", True), ("union", "python,cocci", False)):
        results, cpu, wall = _run(args.corpus, args.tree, args.split, engines, only)
        rows.append((name, evaluate.summary(results), cpu, wall))
    tags = sorted({t for _, s, _, _ in rows for t in s["per_rule"]})
    print(f"{'engine':<8} {'recall':>10} {'FP cases':>10} {'cpu s/patch':>12} {'wall s/patch':>13}")
    for name, s, cpu, wall in rows:
        print(f"{name:<8} {s['detected']:>4}/{s['positives']:<5} {s['false_positives']:>4}/{s['negatives']:<5}"
              f" {cpu:>12.2f} {wall:>13.2f}")
    print()
    print(f"{'tag':<24}" + "".join(f"{n + ' det':>12}{n + ' fp':>11}" for n, *_ in rows))
    for t in tags:
        cells = ""
        for _, s, _, _ in rows:
            r = s["per_rule"].get(t, {})
            cells += f"{r.get('detected', 0):>8}/{r.get('positives', 0):<3}{r.get('false_positives', 0):>7}/{r.get('negatives', 0):<3}"
        print(f"{t:<24}{cells}")
    if args.split != "holdout":
        for name, s, _, _ in rows:
            print(f"{name}: missed {', '.join(s['missed']) or '-'}; noisy {', '.join(s['noisy']) or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
