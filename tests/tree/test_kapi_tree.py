"""The kernel-API table (checks/data/refs.tsv) agrees with the Linux 6.12 source it describes.

Every row names where the API is defined (`defined_in` = path:line) and quotes one line of its
kernel-doc or body (`evidence`).  Against the Debian linux-source-6.12 tarball: the name is at
that line (or its macro/prototype continues there), the quote is a real line of that file near
the definition, and every call the table says releases a reference is itself defined somewhere
in the files the table names or is a row of its own.
"""

from __future__ import annotations

import re

import pytest

from reviewbot.checks import _kapi as kapi
from tests.tree.conftest import extract_members

ROWS = kapi.rows()
PATHS = tuple(sorted({r.defined_in.rsplit(":", 1)[0] for r in ROWS}))


@pytest.fixture(scope="module")
def tree():
    return extract_members(PATHS)


def _fold(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def test_every_row_is_where_the_table_says(tree):
    wrong = []
    for r in ROWS:
        path, line = r.defined_in.rsplit(":", 1)
        lines = (tree / path).read_text(errors="replace").splitlines()
        n = int(line)
        near = lines[max(0, n - 3):n + 2]
        if not any(re.search(r"\b%s\b" % re.escape(r.name), ln) for ln in near):
            wrong.append(f"{r.name}: not at {r.defined_in}")
    assert not wrong, "\n".join(wrong)


def test_every_quote_is_a_line_of_its_file(tree):
    missing = []
    for r in ROWS:
        path, _ = r.defined_in.rsplit(":", 1)
        text = _fold((tree / path).read_text(errors="replace"))
        quote = _fold(r.evidence.strip().rstrip("…").rstrip("."))
        if quote[:60] not in text:
            missing.append(f"{r.name}: {r.evidence!r} not in {path}")
    assert not missing, "\n".join(missing[:20])


def test_releases_are_known_calls(tree):
    known = {r.name for r in ROWS}
    sources = "\n".join((tree / p).read_text(errors="replace") for p in PATHS)
    unknown = []
    for r in ROWS:
        for call in kapi.releases(r.name):
            if call not in known and not re.search(r"\b%s\s*\(" % re.escape(call), sources):
                unknown.append(f"{r.name} -> {call}")
    assert not unknown, "\n".join(unknown)
