"""reviewbot.diffparse replaces unidiff's hunk parser (PatchedFile._parse_hunk, a regular
expression and a Line() call per diff line) with a quicker one: it must give the same Line
objects and raise the same errors at the same places.  Every diff under tests/data, and each
damaged a few ways (CRLF line ends, cut short, blank lines inserted, a line without a prefix),
is parsed with both; the results (or the error) must be equal.
"""

from __future__ import annotations

from pathlib import Path

import unidiff
import unidiff.patch

from reviewbot import diffparse

ROOT = Path(__file__).resolve().parents[2]


def _dump(text: str):
    try:
        ps = unidiff.PatchSet(text)
    except Exception as exc:  # noqa: BLE001  (the error itself is compared)
        return ("error", type(exc).__name__, str(exc))
    return [(pf.source_file, pf.target_file, pf.is_binary_file, pf.diff_line_no,
             [(h.source_start, h.source_length, h.target_start, h.target_length, h.section_header,
               [(ln.line_type, ln.value, ln.source_line_no, ln.target_line_no, ln.diff_line_no) for ln in h])
              for h in pf])
            for pf in ps]


def _variants(text: str) -> list[str]:
    lines = text.split("\n")
    third = len(lines) // 3
    return [text, text.replace("\n", "\r\n"), text[: len(text) // 2], text[: len(text) // 3],
            "\n".join(lines[:third] + ["", ""] + lines[third:]),
            "\n".join(lines[:third] + ["no prefix here"] + lines[third:]),
            text.replace("\n \n", "\n\n"),  # empty context lines, as some mailers leave them
            text + "\\ No newline at end of file\n"]


def test_the_quick_hunk_parser_is_installed():
    assert unidiff.patch.PatchedFile._parse_hunk is diffparse._parse_hunk
    assert diffparse._UNIDIFF_PARSE_HUNK is not diffparse._parse_hunk


def test_same_lines_and_errors_as_unidiff(monkeypatch):
    diffs = [diffparse.find_diff(p.read_text(errors="replace"))
             for p in sorted((ROOT / "tests" / "data").rglob("*.patch"))]
    diffs = [d for d in diffs if d]
    assert len(diffs) > 50
    compared = errors = 0
    for diff in diffs:
        for text in _variants(diff):
            monkeypatch.setattr(unidiff.patch.PatchedFile, "_parse_hunk", diffparse._parse_hunk)
            quick = _dump(text)
            monkeypatch.setattr(unidiff.patch.PatchedFile, "_parse_hunk", diffparse._UNIDIFF_PARSE_HUNK)
            assert quick == _dump(text)
            compared += 1
            errors += quick[0] == "error"
    assert errors > 50 and compared - errors > 100  # both kinds were compared
