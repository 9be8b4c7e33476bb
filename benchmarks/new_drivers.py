"""New-driver sample: what does the bot say about existing, reviewed drivers posted as new files?

A seeded sample of `drivers/**/*.c` files from a Linux 6.12 tree, each turned into a new-file
patch (`benchmarks/run.py`'s `new_file_patch`, as a driver submission would look), read through
the real mbox ingest and reviewed in hunk mode with every check; the default findings (not
low-confidence, not suppressed) are printed one per line with their file, line and message so
that each can be judged by reading the driver.  These drivers are in mainline: a finding is
either a real defect in 6.12 or a false positive, and most are false positives.

Run:  .venv/bin/python benchmarks/new_drivers.py [--tree /work/linux-6.12] [--n 150] [--seed 13]
      [--rules MOD003,MOD021]  (count only these rules)  [--tree-mode]
`--tree-mode` reviews against the tree instead (its Kconfig, Makefiles and headers): each file is
posted as a two-patch series, the first deleting the file, the second adding it back (a new file
to a tree that lacks it); only the second patch's findings count.
Target (issue 13): at most 2 default findings per 100 files, at least 4 of 5 of them right.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from run import new_file_patch  # noqa: E402

from reviewbot import engine, pipeline  # noqa: E402
from reviewbot.errors import InputError  # noqa: E402
from reviewbot.ingest.b4 import series_from_mbox_bytes  # noqa: E402
from reviewbot.report.jsonout import review_dict  # noqa: E402


def sample(tree: Path, n: int, seed: int) -> list[str]:
    out = subprocess.run(["git", "ls-files", "drivers/"], cwd=tree, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"new_drivers: error: {tree} is not a git tree: {out.stderr.strip()}")
    files = sorted(p for p in out.stdout.split() if p.endswith(".c"))
    return random.Random(seed).sample(files, n)


def findings_for(tree: Path, path: str, tree_mode: bool = False) -> list[dict]:
    lines = (tree / path).read_text(errors="replace").splitlines()
    subject = f"{path.split('/')[-2]}: add {Path(path).stem} driver"
    mail = new_file_patch(subject, [(path, lines)])
    if tree_mode:
        mail = _delete_then_add(path, lines, mail)
    out = []
    for series in series_from_mbox_bytes(mail.encode(), "new-driver-sample"):
        if tree_mode:
            review = pipeline.review_series(series, pipeline.Options(tree=str(tree)))
            out += [f for f in review_dict(review)["findings"] if f["patch"]["index"] == 2]
        else:
            out += review_dict(engine.review(series))["findings"]
    return out


def _delete_then_add(path: str, lines: list[str], add: str) -> str:
    """A 2-patch series: [1/2] deletes `path`, [2/2] is the new-file patch `add`."""
    head, _, rest = add.partition("Subject: [PATCH] ")
    subject, _, body = rest.partition("\n")
    msgid = re.search(r"Message-ID: <([^>]+)>", add).group(1)
    delete = [f"diff --git a/{path} b/{path}\n", "deleted file mode 100644\n", "index 1111111..0000000\n",
              f"--- a/{path}\n", "+++ /dev/null\n", f"@@ -1,{len(lines)} +0,0 @@\n"]
    delete += [f"-{ln}\n" for ln in lines]
    first = (f"{head}Subject: [PATCH 1/2] remove {Path(path).name}\nMessage-ID: <1-{msgid}>\n\n"
             f"Remove it.\n\nSigned-off-by: Bench <bench@example.org>\n---\n" + "".join(delete) + "-- \n2.47.0\n\n")
    body = body.replace(f"Message-ID: <{msgid}>", f"Message-ID: <2-{msgid}>\nIn-Reply-To: <1-{msgid}>")
    return first + f"{head}Subject: [PATCH 2/2] {subject}\n{body}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", default="/work/linux-6.12", help="a Linux 6.12 git tree")
    ap.add_argument("--n", type=int, default=150, help="files sampled (default 150)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--tree-mode", action="store_true", help="review against --tree (Kconfig, Makefiles)")
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
    gave_up = []
    for path in paths:
        try:
            found = [f for f in findings_for(tree, path, args.tree_mode) if not wanted or f["rule"] in wanted]
        except InputError as e:  # the review's time budget: say so, go on with the sample
            gave_up.append(path)
            print(f"GAVE UP {path}: {e}")
            continue
        files_with += bool(found)
        for f in found:
            per_rule[f["rule"]] += 1
            print(f"{f['rule']} {path}:{f['line']}: {f['message']}")
    total = sum(per_rule.values())
    mode = "tree mode" if args.tree_mode else "hunk mode"
    print(f"\n{len(paths)} files (seed {args.seed}, {mode}): {total} default findings "
          f"({100 * total / len(paths):.1f} per 100 files) in {files_with} files; "
          + ", ".join(f"{r} {c}" for r, c in sorted(per_rule.items()))
          + (f"; gave up on {len(gave_up)}: {', '.join(gave_up)}" if gave_up else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
