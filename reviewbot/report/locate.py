"""Where a finding lives in the *new* tree, for formats that only know new-file lines.

SARIF (GitHub code scanning runs on the head commit), rdjson (reviewdog comments on the new
side) and editor locations (`--terse`/`--emacs`) have no notion of a removed line.  A finding on
a removed line (Side.OLD) is anchored where the removal happened: the first line after it that
the new file still has (or the last one before it, at the end of a hunk).
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewbot.model import FileDiff, Finding, Review, Side


@dataclass(frozen=True, slots=True)
class NewLocation:
    path: str
    line: int
    removed_line: int | None = None  # the old-file line number, for a removed-line finding


def _file(review: Review, f: Finding) -> FileDiff | None:
    for p in review.series.patches:
        if p.index != f.patch_index:
            continue
        for fd in p.files:
            if f.path in (fd.path, fd.old_path):
                return fd
    return None


def new_location(review: Review, f: Finding) -> NewLocation | None:
    """The (path, new line) to show `f` at; None for a finding without a file line."""
    if f.path is None or f.line is None:
        return None
    if f.side is Side.NEW:
        return NewLocation(f.path, f.line)
    fd = _file(review, f)
    if fd is None:
        return NewLocation(f.path, f.line, removed_line=f.line)
    for hunk in fd.hunks:
        lines = hunk.lines
        for i, ln in enumerate(lines):
            if ln.kind != "-" or ln.old_no != f.line:
                continue
            after = next((x.new_no for x in lines[i + 1:] if x.new_no is not None), None)
            before = next((x.new_no for x in reversed(lines[:i]) if x.new_no is not None), None)
            line = after or before or max(hunk.new_start, 1)
            return NewLocation(fd.path, line, removed_line=f.line)
    return NewLocation(fd.path, f.line, removed_line=f.line)
