"""Write the catalog paraphrases (benchmarks/catalog/*.patch and index.tsv) from their edit specs.

Each spec in benchmarks/catalog_spec.py names a rule of the catalog, the trigger it paraphrases,
whether it is a defect (`bug`: must draw a finding at the changed line), the paraphrase of its fix
(`fix`: the reverse of a bug patch, must stay silent) or a legitimate look-alike (`ok`: must stay
silent), a real file of Linux 6.12 and the edits a developer would post.  This script applies the
edits to the file of the tree given with --tree and writes a git-style patch per spec (3 lines
of context, the function in the @@ header as git does).  `catalog_audit.py` re-runs them.

    .venv/bin/python benchmarks/catalog_make.py --tree /work/linux-6.12
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from catalog_spec import SPECS  # noqa: E402

OUT = HERE / "catalog"
HUNK_RE = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def _span(text: str, func: str | None) -> tuple[int, int]:
    """Character span of function `func` (its definition line to the closing brace at col 0)."""
    if not func:
        return 0, len(text)
    m = re.search(r"^[A-Za-z_][^\n;]*\b" + re.escape(func) + r"\([^;{]*?\)\s*\n\{", text, re.M | re.S)
    if not m:
        raise SystemExit(f"catalog_make: function {func} not found")
    end = text.find("\n}\n", m.end())
    return m.start(), end + 3


def apply(text: str, spec: dict) -> str:
    s, e = _span(text, spec.get("func"))
    body = text[s:e]
    for op in spec["edits"]:
        kind, anchor = op[0], op[1]
        n = body.count(anchor)
        if n != 1:
            raise SystemExit(f"catalog_make: {spec['id']}: anchor {anchor!r} found {n} times")
        if kind == "replace":
            body = body.replace(anchor, op[2])
        elif kind == "after":
            body = body.replace(anchor, anchor + op[2])
        elif kind == "before":
            body = body.replace(anchor, op[2] + anchor)
        elif kind == "delete":
            body = body.replace(anchor, "")
        else:
            raise SystemExit(f"catalog_make: unknown edit {kind}")
    return text[:s] + body + text[e:]


def diff(path: str, old: list[str], new: list[str]) -> str:
    out = []
    for ln in difflib.unified_diff(old, new, f"a/{path}", f"b/{path}", n=3):
        m = HUNK_RE.match(ln)
        if m:
            start = int(m.group(1)) - 1
            fn = next((old[k].rstrip()[:80] for k in range(start - 1, -1, -1)
                       if re.match(r"[A-Za-z_$]", old[k])), "")
            ln = f"{m.group(0)} {fn}\n" if fn else ln
        out.append(ln)
    return "".join(out)


def expected(old: list[str], new: list[str], side: str, at: str | None = None) -> int:
    """1-based line of the first change on `side`: the first added line (new) or removed (old);
    with `at`, the first changed line of that side that contains `at` (a move: git may show
    either block as the moved one, the finding belongs on the call)."""
    sm = difflib.SequenceMatcher(None, old, new)  # as unified_diff() matches
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        lo, hi, lines = (j1, j2, new) if side == "new" else (i1, i2, old)
        for k in range(lo, hi):
            if at is None or at in lines[k]:
                return k + 1
    raise SystemExit("catalog_make: no change on that side")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", required=True)
    args = ap.parse_args()
    tree = Path(args.tree)
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.patch"):
        old.unlink()
    rows = ["id\trule\ttrigger\tkind\tpath\tside\tline\tdescription"]
    specs = []
    for spec in SPECS:  # each defect's fix (its reverse, posted on the defect) must stay silent
        specs.append(spec)
        if spec["kind"] == "bug":
            specs.append(dict(spec, id=spec["id"] + ".fix", kind="fix", side=None,
                              subject="Revert \"" + spec["subject"] + "\"",
                              desc="the fix of " + spec["id"]))
    for spec in specs:
        text = (tree / spec["path"]).read_text(errors="replace")
        changed = apply(text, spec)
        a, b = text.splitlines(keepends=True), changed.splitlines(keepends=True)
        reverse = spec["kind"] == "fix"     # the fix: the defect's reverse, posted on the defect
        if reverse:
            a, b = b, a
        side = spec.get("side") or ("old" if reverse else "new")
        line = expected(a, b, side, spec.get("at")) if spec["kind"] == "bug" else 0
        body = spec.get("body", spec["desc"])
        patch = (f"From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
                 f"From: Catalog Audit <audit@example.org>\n"
                 f"Subject: [PATCH] {spec['subject']}\n\n{body}\n\n"
                 f"Signed-off-by: Catalog Audit <audit@example.org>\n---\n"
                 f"diff --git a/{spec['path']} b/{spec['path']}\n"
                 + diff(spec["path"], a, b) + "-- \n2.39.5\n")
        (OUT / f"{spec['id']}.patch").write_text(patch)
        rows.append("\t".join([spec["id"], spec["rule"], spec["trigger"], spec["kind"], spec["path"],
                               side, str(line), spec["desc"]]))
    (OUT / "index.tsv").write_text("\n".join(rows) + "\n")
    print(f"{len(specs)} patches in {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
