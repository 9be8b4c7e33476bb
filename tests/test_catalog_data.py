"""benchmarks/catalog (the catalog audit's paraphrases) stays well formed: every row of
index.tsv has its patch, every patch parses into one file diff of a C file, and every defect
names the line and side its finding must reach.  (The audit itself runs reviewbot on each one:
benchmarks/catalog_audit.py.)"""

from __future__ import annotations

import csv
from pathlib import Path

from tests.helpers import load_case

CATALOG = Path(__file__).resolve().parent.parent / "benchmarks" / "catalog"


def _rows():
    with open(CATALOG / "index.tsv") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_every_row_has_a_parsable_patch():
    rows = _rows()
    assert len(rows) >= 50
    for r in rows:
        series = load_case(CATALOG / f"{r['id']}.patch")
        (patch,) = series.patches
        assert [fd.path for fd in patch.files] == [r["path"]], r["id"]
        assert r["kind"] in ("bug", "fix", "ok"), r["id"]
        if r["kind"] == "bug":
            side_lines = {ln.new_no if r["side"] == "new" else ln.old_no
                          for fd in patch.files for ln in fd.lines() if ln.kind == ("+" if r["side"] == "new" else "-")}
            assert int(r["line"]) in side_lines, r["id"]


def test_every_defect_has_its_fix():
    ids = {r["id"]: r["kind"] for r in _rows()}
    assert all(ids.get(i + ".fix") == "fix" for i, k in ids.items() if k == "bug")
