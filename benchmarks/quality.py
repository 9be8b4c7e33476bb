"""Quality in one table: dev, mined (tune and holdout halves), noise; hunk and tree mode; per tag.

    .venv/bin/python benchmarks/quality.py [--shared ../shared] [--tree DIR] [--json]

`--tree DIR` is a git clone of Debian's linux-source-6.12 (one commit; see docs/tree-mode.md);
without it the tree columns are left out.  The held-out half of mined is scored like the others
but its case names are never printed (tune on `tune`, measure on `holdout`).  Noise is the number of
findings on corpus/noise/patches.mbox at default output (hunk mode), per 100 patches; "noise
fixes" are the real fixes in that mbox, reversed (benchmarks/noise_fixes.py: unseen defects).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewbot import evaluate  # noqa: E402
sys.path.insert(0, str(ROOT / "benchmarks"))
import noise_fixes  # noqa: E402


RESULTS: dict[tuple, list] = {}


def score(corpus: Path, tree: str | None, split: str | None, applies: bool) -> dict:
    results = evaluate.run(corpus, tree=tree, split=split, applies=applies)
    RESULTS[(str(corpus), tree, split, applies)] = results
    return evaluate.summary(results, include_unsure=True)


def tree_below_hunk(corpus: Path, tree: str, split: str) -> list[str]:
    """Positives hunk mode detects and tree mode does not (the property: none)."""
    hunk = {r.id: r for r in RESULTS[(str(corpus), None, split, True)]}
    return [r.id for r in RESULTS[(str(corpus), tree, split, True)]
            if r.kind == "positive" and hunk[r.id].ok and not r.ok]


def noise(mbox: Path) -> dict:
    nz = evaluate.noise(mbox)  # the count scripts/noise.py prints
    return {"patches": nz.patches, "findings": len(nz.findings), "per_100": nz.per_100}


def cell(s: dict | None, tag: str | None = None) -> str:
    if s is None:
        return "-"
    row = s if tag is None else s["per_rule"].get(tag)
    if row is None:
        return "-"
    return f"{row['detected']}/{row['positives']} fp {row['false_positives']}/{row['negatives']}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--tree", help="kernel 6.12 git clone for the tree-mode columns")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    corpus = Path(args.shared) / "corpus"
    if not (corpus / "dev" / "manifest.json").is_file():
        print(f"no corpus under {corpus}", file=sys.stderr)
        return 2
    cols: dict[str, dict | None] = {
        "dev": score(corpus / "dev", None, None, False),
        "tune": score(corpus / "mined", None, "tune", False),
        "holdout": score(corpus / "mined", None, "holdout", False),
        "tune applies (hunk)": score(corpus / "mined", None, "tune", True),
        "holdout applies (hunk)": score(corpus / "mined", None, "holdout", True),
    }
    if args.tree:
        cols["tune applies (tree)"] = score(corpus / "mined", args.tree, "tune", True)
        cols["holdout applies (tree)"] = score(corpus / "mined", args.tree, "holdout", True)
    nz = noise(corpus / "noise" / "patches.mbox")
    with tempfile.TemporaryDirectory() as tmp:
        noise_fixes.build(corpus / "noise" / "patches.mbox", Path(tmp), args.tree and Path(args.tree))
        nf = {"hunk": score(Path(tmp), None, None, False)}
        if args.tree:
            nf["tree"] = score(Path(tmp), args.tree, None, True)
    if args.json:
        print(json.dumps({"columns": {k: {x: v[x] for x in ("positives", "detected", "negatives",
                                                              "false_positives", "per_rule")} for k, v in cols.items()},
                          "noise": nz, "noise_fixes": {k: cell(v) for k, v in nf.items()}}, indent=2))
        return 0
    names = list(cols)
    tags = sorted({t for s in cols.values() if s for t in s["per_rule"]})
    width = max(len(n) for n in names) + 2
    print(f"{'':<24}" + "".join(f"{n:>{width}}" for n in names))
    print(f"{'all':<24}" + "".join(f"{cell(cols[n]):>{width}}" for n in names))
    for t in tags:
        print(f"{t:<24}" + "".join(f"{cell(cols[n], t):>{width}}" for n in names))
    print(f"\nnoise: {nz['findings']} findings on {nz['patches']} patches = {nz['per_100']:.2f} per 100 patches")
    print("noise fixes reversed: " + ", ".join(f"{k} {cell(v)}" for k, v in nf.items()))
    if args.tree:
        for split in ("tune", "holdout"):
            below = tree_below_hunk(corpus / "mined", args.tree, split)
            names = ", ".join(below) if split == "tune" else f"{len(below)} (names hidden)"
            print(f"tree mode below hunk mode ({split}): {names if below else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
