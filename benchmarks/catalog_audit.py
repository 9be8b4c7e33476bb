"""Catalog audit: re-run the paraphrases of the rule catalog's triggers and print the table.

benchmarks/catalog/*.patch are paraphrases written from the catalog (each rule's triggers, the
kernel semantics behind them) on real Linux 6.12 code of many subsystems; index.tsv says what each
one is (catalog_make.py writes both from catalog_spec.py).  Each patch is reviewed like a user
would (`reviewbot review --format json`, default output: low confidence hidden), in hunk mode and,
with --tree, in tree mode (not for `fix` patches: they are posted on the defect, which the tree
does not have).  A `bug` is detected when a finding has its path, side and a line within 3 of the
expected line; a `fix` or `ok` patch passes when it draws no finding at all.

    .venv/bin/python benchmarks/catalog_audit.py [--tree /work/linux-6.12] [--markdown]
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CATALOG = HERE / "catalog"
TOL = 3


# Run another version of reviewbot (a `pip install --target DIR` of an older commit): the
# editable install of this checkout is taken out of the import machinery first.
_RUNNER = """import sys
sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, %r)
from reviewbot.cli import main
sys.exit(main())
"""
CODE: str | None = None


def _reviewbot() -> list[str]:
    if CODE:
        return [sys.executable, "-c", _RUNNER % CODE]
    exe = ROOT / ".venv" / "bin" / "reviewbot"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "reviewbot"]


def findings(patch: Path, tree: str | None) -> list[dict]:
    cmd = _reviewbot() + ["review", "--format", "json", str(patch)]
    if tree:
        cmd[-3:-3] = ["--tree", tree]
    out = subprocess.run(cmd, capture_output=True, text=True)
    try:
        return json.loads(out.stdout)["findings"]
    except (ValueError, KeyError):
        return [{"rule": "ERROR", "path": "", "line": 0, "side": "", "message": out.stderr.strip()[-200:]}]


def verdict(row: dict, found: list[dict]) -> str:
    if any(f["rule"] == "ERROR" for f in found):
        return "error"
    if row["kind"] == "bug":
        hits = [f for f in found if f["path"] == row["path"] and f["side"] == row["side"]
                and abs(f["line"] - int(row["line"])) <= TOL]
        return "hit " + ",".join(sorted({f["rule"] for f in hits})) if hits else (
            "miss" + (" (elsewhere: " + ",".join(sorted({f["rule"] for f in found})) + ")" if found else ""))
    return "silent" if not found else "FP " + ",".join(sorted({f["rule"] for f in found}))


def good(v: str) -> bool:
    return v.startswith("hit") or v == "silent"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", help="kernel 6.12 git tree for the tree-mode column")
    ap.add_argument("--only", help="run only ids containing this text")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--code", help="a reviewbot installed with `pip install --target DIR` (another commit) "
                                   "to audit instead of this checkout")
    args = ap.parse_args()
    global CODE
    CODE = args.code
    rows = list(csv.DictReader(open(CATALOG / "index.tsv"), delimiter="\t"))
    if args.only:
        rows = [r for r in rows if args.only in r["id"]]
    table = []
    for r in rows:
        patch = CATALOG / f"{r['id']}.patch"
        hunk = verdict(r, findings(patch, None))
        tree = verdict(r, findings(patch, args.tree)) if args.tree and r["kind"] != "fix" else "n/a"
        table.append(dict(r, hunk=hunk, tree=tree))
    if args.json:
        print(json.dumps(table, indent=1))
        return 0
    print("| id | rule | trigger | kind | paraphrase | hunk | tree |")
    print("|---|---|---|---|---|---|---|")
    for t in table:
        print(f"| {t['id']} | {t['rule']} | {t['trigger']} | {t['kind']} | {t['description']} "
              f"| {t['hunk']} | {t['tree']} |")
    print()
    for kind in ("bug", "fix", "ok"):
        sel = [t for t in table if t["kind"] == kind]
        if not sel:
            continue
        h = sum(good(t["hunk"]) for t in sel)
        tr = [t for t in sel if t["tree"] != "n/a"]
        line = f"{kind}: hunk {h}/{len(sel)}"
        if tr:
            line += f", tree {sum(good(t['tree']) for t in tr)}/{len(tr)}"
        print(line + ("  (detected)" if kind == "bug" else "  (silent)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
