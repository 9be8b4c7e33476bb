"""The accessor table (checks/data/borrowed.tsv) agrees with the Linux 6.12 source it describes:
each no-reference accessor is defined where the table says, and its evidence line is a real line
of that file within 40 lines of the definition."""

from __future__ import annotations

import re

import pytest

from reviewbot.checks import _kapi as kapi
from tests.tree.conftest import extract_members

ROWS = kapi.borrowed_rows()
PATHS = tuple(sorted({r.defined_in.rsplit(":", 1)[0] for r in ROWS}))


@pytest.fixture(scope="module")
def tree():
    return extract_members(PATHS)


def test_every_accessor_is_defined_where_the_table_says_with_its_evidence_near(tree):
    wrong = []
    for r in ROWS:
        path, line = r.defined_in.rsplit(":", 1)
        lines = (tree / path).read_text(errors="replace").splitlines()
        n = int(line)
        if not re.search(r"\b%s\s*\(" % re.escape(r.name), lines[n - 1]):
            wrong.append(f"{r.name}: not at {r.defined_in}")
        near = lines[max(0, n - 31):n + 40]
        if not any(r.evidence.strip() in ln for ln in near):
            wrong.append(f"{r.name}: {r.evidence!r} not near {r.defined_in}")
    assert not wrong, "\n".join(wrong)
