"""reviewbot.diffparse replaces unidiff's hunk parser (PatchedFile._parse_hunk, a regular
expression and a Line object per diff line) with a quicker one that fills the hunks with
DiffLines: the FileDiffs must be those made from unidiff's own Lines (as diffparse made them
before), and the errors the same.  Every diff under tests/data, and each damaged a few ways
(CRLF line ends, cut short, blank lines inserted, a line without a prefix, '\\ No newline'
markers), is parsed both ways.
"""

from __future__ import annotations

from pathlib import Path

import unidiff
import unidiff.patch

from reviewbot import diffparse
from reviewbot.model import DiffLine

ROOT = Path(__file__).resolve().parents[2]


def _quick(text: str):
    try:
        return diffparse.parse_diff_lenient(text)
    except diffparse.DiffError as exc:
        return ("error", str(exc))


def _reference(text: str):
    """What diffparse made from unidiff's own parse (its Lines, '\\' and empty ones left out)."""
    if not text.strip():
        return (), ()
    try:
        ps = unidiff.PatchSet(text.replace("\r\n", "\n") + ("" if text.endswith("\n") else "\n"))
    except Exception:  # noqa: BLE001  (only whether there is an error: diffparse words it)
        return "error"
    return [[[DiffLine(ln.line_type, ln.value.rstrip("\n").rstrip("\r"), ln.source_line_no, ln.target_line_no)
              for ln in h if ln.line_type in "+- " and ln.line_type]
             for h in pf] for pf in ps]


def _lines(result):
    if result[0] == "error":
        return "error"
    return [[list(h.lines) for h in fd.hunks] for fd in result[0]]


def _variants(text: str) -> list[str]:
    lines = text.split("\n")
    third = len(lines) // 3
    return [text, text.replace("\n", "\r\n"), text[: len(text) // 2], text[: len(text) // 3],
            "\n".join(lines[:third] + ["", ""] + lines[third:]),
            "\n".join(lines[:third] + ["no prefix here"] + lines[third:]),
            text.replace("\n \n", "\n\n"),  # empty context lines, as some mailers leave them
            text + "\\ No newline at end of file\n"]


def test_unidiff_itself_is_left_as_it_is():
    """diffparse parses with subclasses; other code that uses unidiff gets unidiff's Lines."""
    assert unidiff.patch.PatchedFile._parse_hunk is diffparse._UNIDIFF_PARSE_HUNK
    assert diffparse._QuickFile._parse_hunk is diffparse._parse_hunk
    text = diffparse.find_diff((ROOT / "examples" / "zram-sysfs-self-pin.patch").read_text())
    lines = [ln for pf in unidiff.PatchSet(text) for h in pf for ln in h]
    assert lines and all(type(ln) is unidiff.patch.Line for ln in lines)
    assert all(type(ln) is DiffLine for fd in diffparse.parse_diff(text) for h in fd.hunks for ln in h.lines)


def test_same_files_lines_and_errors_as_with_unidiffs_lines(monkeypatch):
    diffs = [diffparse.find_diff(p.read_text(errors="replace"))
             for p in sorted((ROOT / "tests" / "data").rglob("*.patch"))]
    diffs = [d for d in diffs if d]
    assert len(diffs) > 50
    compared = errors = 0
    for diff in diffs:
        for text in _variants(diff):
            quick = _quick(text)
            monkeypatch.setattr(diffparse, "_QuickSet", unidiff.PatchSet)
            slow = _quick(text)  # the whole of diffparse on unidiff's Lines (file by file, messages)
            ref = _reference(text)
            monkeypatch.undo()
            assert quick == slow
            if ref != "error" and quick[0] != "error" and not quick[1]:
                assert _lines(quick) == ref
            compared += 1
            errors += quick[0] == "error" or bool(quick[1])
    assert errors > 50 and compared - errors > 100  # both kinds were compared
