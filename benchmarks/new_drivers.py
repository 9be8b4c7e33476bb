"""New-driver sample: what does the bot say about existing, reviewed drivers posted as new files?

A seeded sample of `drivers/**/*.c` files from a Linux 6.12 tree, each turned into a new-file
patch (`benchmarks/run.py`'s `new_file_patch`, as a driver submission would look), read through
the real mbox ingest and reviewed in hunk mode with every check; the default findings (not
low-confidence, not suppressed) are printed one per line with their file, line and message so
that each can be judged by reading the driver.  These drivers are in mainline: a finding is
either a real defect in 6.12 or a false positive, and most are false positives.

Run:  .venv/bin/python benchmarks/new_drivers.py [--tree /work/linux-6.12] [--n 150] [--seed 13]
      [--rules MOD003,MOD021]  (count only these rules)
Target (issue 13): at most 2 default findings per 100 files, at least 4 of 5 of them right.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from run import new_file_patch  # noqa: E402

from reviewbot import engine  # noqa: E402
from reviewbot.ingest.b4 import series_from_mbox_bytes  # noqa: E402
from reviewbot.report.jsonout import review_dict  # noqa: E402


def sample(tree: Path, n: int, seed: int) -> list[str]:
    out = subprocess.run(["git", "ls-files", "drivers/"], cwd=tree, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"new_drivers: error: {tree} is not a git tree: {out.stderr.strip()}")
    files = sorted(p for p in out.stdout.split() if p.endswith(".c"))
    return random.Random(seed).sample(files, n)


def findings_for(tree: Path, path: str) -> list[dict]:
    lines = (tree / path).read_text(errors="replace").splitlines()
    mail = new_file_patch(f"{path.split('/')[-2]}: add {Path(path).stem} driver", [(path, lines)])
    out = []
    for series in series_from_mbox_bytes(mail.encode(), "new-driver-sample"):
        out += review_dict(engine.review(series))["findings"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", default="/work/linux-6.12", help="a Linux 6.12 git tree")
    ap.add_argument("--n", type=int, default=150, help="files sampled (default 150)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--rules", default="", help="comma-separated rule ids to count (default: all)")
    args = ap.parse_args(argv)
    tree = Path(args.tree)
    if not (tree / "drivers").is_dir():
        print(f"new_drivers: error: no drivers/ under {tree}", file=sys.stderr)
        return 2
    wanted = {r.strip() for r in args.rules.split(",") if r.strip()}
    per_rule: Counter = Counter()
    files_with = 0
    paths = sample(tree, args.n, args.seed)
    for path in paths:
        found = [f for f in findings_for(tree, path) if not wanted or f["rule"] in wanted]
        files_with += bool(found)
        for f in found:
            per_rule[f["rule"]] += 1
            print(f"{f['rule']} {path}:{f['line']}: {f['message']}")
    total = sum(per_rule.values())
    print(f"\n{len(paths)} files (seed {args.seed}): {total} default findings "
          f"({100 * total / len(paths):.1f} per 100 files) in {files_with} files; "
          + ", ".join(f"{r} {c}" for r, c in sorted(per_rule.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
