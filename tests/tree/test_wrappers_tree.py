"""checks/data/wrappers.tsv agrees with the Linux 6.12 tree it was generated from.

Every row: the name is defined at `defined_in`, the quoted evidence is a line of that
definition, and the generator's semantic test (scripts/gen_wrappers.py) still makes that
definition a wrapper of the row's kind.  Needs a 6.12 tree: REVIEWBOT_LINUX_TREE or
/work/linux-6.12 (skipped without one).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from reviewbot.checks import _kapi as kapi

ROOT = Path(__file__).resolve().parents[2]
TREE = Path(os.environ.get("REVIEWBOT_LINUX_TREE", "/work/linux-6.12"))
DATA = kapi.DATA.parent / "wrappers.tsv"


@pytest.fixture(scope="module")
def tree():
    if not (TREE / "include" / "linux" / "kref.h").is_file():
        pytest.skip(f"no Linux 6.12 tree at {TREE} (set REVIEWBOT_LINUX_TREE)")
    return TREE


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen_wrappers", ROOT / "scripts" / "gen_wrappers.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


ROWS = kapi.parse(DATA.read_text(encoding="utf-8"))


def test_every_row_is_its_definition_in_the_tree(tree, gen):
    bases = gen.table_bases()
    via = {f["function"]: f["via"] for f in _fields()}
    for r in ROWS:  # the wrappers are bases of wrappers of wrappers
        if r.kind != "lookup":
            bases[r.name] = gen.Base(r.name, r.kind, r.family, r.ref_arg, "NULL" in r.on_error, via[r.name])
    by_file: dict[str, list] = {}
    for r in ROWS:
        by_file.setdefault(r.defined_in.rsplit(":", 1)[0], []).append(r)
    wrong = []
    for path, rows in sorted(by_file.items()):
        text = (tree / path).read_text(encoding="utf-8", errors="replace")
        funcs = {(f.name, f.line): f for f in gen.functions(path, text)}
        for r in rows:
            line = int(r.defined_in.rsplit(":", 1)[1])
            f = funcs.get((r.name, line))
            if f is None:
                wrong.append(f"{r.name}: no definition at {r.defined_in}")
                continue
            if not any(_fold(ln) == _fold(r.evidence) for ln in f.raw_lines):
                wrong.append(f"{r.name}: {r.evidence!r} is not a line of its body")
            w = gen.classify(f, bases)
            if w is None or w.kind != r.kind or f"arg{w.arg + 1}" != r.ref_on and r.kind != "lookup":
                wrong.append(f"{r.name}: {r.defined_in} is no longer a {r.kind} on {r.ref_on}: {w}")
    assert not wrong, "\n".join(wrong[:20])


def _fold(s: str) -> str:
    return " ".join(s.split())


def _fields() -> list[dict[str, str]]:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, ln.split("\t"))) for ln in lines[1:] if ln.strip()]


def test_the_families_are_the_wrapped_calls():
    core = {r.name: r for r in kapi.rows()}
    by_name = {r.name: r for r in ROWS}
    for f in _fields():
        base = core.get(f["calls"]) or by_name.get(f["calls"])
        assert base is not None, f["function"]
        assert base.family == f["family"], (f["function"], f["calls"])
