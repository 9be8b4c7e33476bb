"""`_refs.enclosing_function` / `function_header` answer from a per-hunk index (one pass over
a hunk side); the line-by-line scan they replaced is kept here as the reference.  Every line of
both sides of every hunk of the real test patches (and of the noise mbox when ../shared is
there) gets the same answer, and so does a line of the other side."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewbot import pipeline
from reviewbot.checks.module import _refs
from reviewbot.errors import InputError
from reviewbot.model import DiffLine, Hunk
from tests.helpers import ROOT, SHARED


def _enclosing_scan(hunk, line, side="old"):
    name = ""
    m = re.search(r"(\w+)\s*\(", hunk.section)
    if m:
        name = m.group(1)
    for ln in (hunk.old_side() if side == "old" else hunk.new_side()):
        if ln is line:
            break
        h = re.match(r"^[A-Za-z_][\w\s\*]*?\b(\w+)\s*\([^;]*$", ln.text)
        if h:
            name = h.group(1)
    return name


def _header_scan(hunk, line, side="new"):
    header = hunk.section
    for ln in (hunk.old_side() if side == "old" else hunk.new_side()):
        if ln is line:
            break
        if re.match(r"^[A-Za-z_].*\(", ln.text):
            header = ln.text
    return header


def _compare(hunks) -> int:
    n = 0
    for h in hunks:
        for side in ("old", "new"):
            for ln in h.lines:  # both sides' lines: a line of the other side is read past the end
                assert _refs.enclosing_function(h, ln, side) == _enclosing_scan(h, ln, side)
                assert _refs.function_header(h, ln, side) == _header_scan(h, ln, side)
                n += 1
    return n


def _hunks(paths):
    for path in paths:
        try:
            all_series = pipeline.load([str(path)], errors=[])
        except InputError:
            continue
        for series in all_series:
            for p in series.patches:
                for fd in p.files:
                    yield from fd.hunks


def test_two_functions_in_one_hunk():
    lines = (DiffLine(" ", "\treturn 0;", 10, 10), DiffLine(" ", "}", 11, 11), DiffLine(" ", "", 12, 12),
             DiffLine("-", "static int old_fn(struct device *dev)", 13, None),
             DiffLine("+", "static int new_fn(struct device *dev)", None, 13),
             DiffLine(" ", "{", 14, 14), DiffLine("+", "\tput_device(dev);", None, 15))
    h = Hunk(10, 5, 10, 6, "static int first(void)", lines)
    assert _refs.enclosing_function(h, lines[6], "new") == "new_fn"
    assert _refs.enclosing_function(h, lines[5], "old") == "old_fn"
    assert _refs.enclosing_function(h, lines[0], "old") == "first"
    assert _refs.function_header(h, lines[6]) == "static int new_fn(struct device *dev)"
    assert _compare([h]) == 14


def test_same_answers_on_the_test_patches():
    paths = sorted((ROOT / "tests" / "data").rglob("*.patch")) + sorted((ROOT / "examples").glob("*.patch"))
    assert _compare(_hunks(paths)) > 4_000


def test_same_answers_on_the_noise_mbox():
    noise = SHARED / "corpus" / "noise" / "patches.mbox"
    if not noise.is_file():
        pytest.skip("../shared/corpus/noise is not here (a clean clone): the test patches above still run")
    assert _compare(_hunks([noise])) > 100_000
