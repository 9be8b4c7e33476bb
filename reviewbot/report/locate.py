"""Where a finding lives in the *new* tree, for formats that only know new-file lines.

SARIF (GitHub code scanning runs on the head commit), rdjson (reviewdog comments on the new
side) and editor locations (`--terse`/`--emacs`) have no notion of a removed line.  A finding on
a removed line (Side.OLD) is anchored where the removal happened: the first line after it that
the new file still has (or the last one before it, at the end of a hunk).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from reviewbot.model import FileDiff, Finding, Review, Side


_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


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


def _patch(review: Review, f: Finding):
    return next((p for p in review.series.patches if p.index == f.patch_index), None)


def diff_index(diff: str, path: str, side: Side, line: int) -> int | None:
    """0-based line of `diff` (a patch's diff text) showing `path` line `line` of `side`."""
    return _index(diff).at(path, side, line)


@functools.lru_cache(maxsize=8)
def _index(diff: str) -> "_DiffIndex":
    return _DiffIndex(diff)


# The lines that can change what the walk below knows: a file header, a hunk header.  Any
# other line between hunks changes nothing, and inside a hunk only a `diff --git` line or a
# hunk header ends it (a body line starts with " +-\\": a `--- `/`+++ ` line there is one).
_CANDIDATE = re.compile(r"^(?:diff --git |--- |\+\+\+ |@@)", re.M)


class _DiffIndex:
    """(path, side, line) -> the first 0-based line of a diff showing it.  A report asks for
    every finding (a walk per finding is quadratic on a large patch), and usually for a few
    files of a large patch: the diff's headers and hunks are found once (with one search for
    the lines that can start or end a hunk or name a file), and the lines of a path are
    numbered on its first look-up, walking only that path's hunks."""

    def __init__(self, diff: str):
        self._diff = diff
        # path -> [(first, end, old, new, first_at, end_at)]: lines first .. end - 1, the
        # characters first_at .. end_at - 1 of the diff
        self._hunks: dict[str, list[tuple[int, int, int, int, int, int]]] = {}
        self._paths: dict[str, dict[tuple[Side, int], int]] = {}
        cur_old = cur_new = None
        paths: tuple[str, ...] = ()
        hunk = None  # (first body line, old, new, paths, its character offset) of the open hunk
        at, pos = 0, 0
        hunk_match, count = _HUNK.match, diff.count
        for m in _CANDIDATE.finditer(diff):
            start = m.start()
            at += count("\n", pos, start)
            pos = start
            lead = diff[start]
            if hunk is not None:
                if lead in "+-":
                    continue  # a body line
                end = diff.find("\n", start)
                text = diff[start:] if end < 0 else diff[start:end]
                if lead == "@" and hunk_match(text) is None:
                    continue  # an "@@" line that is not a header does not end the hunk
                self._add(hunk, at, start)
                hunk = None
            else:
                end = diff.find("\n", start)
                text = diff[start:] if end < 0 else diff[start:end]
            if lead == "d":  # diff --git: between hunks it changes nothing
                continue
            if lead == "@":
                h = hunk_match(text)
                if h:
                    hunk = (at + 1, int(h.group(1)), int(h.group(2)), paths, len(diff) if end < 0 else end + 1)
                continue
            if lead == "-":
                cur_old = _strip(text[4:])
            else:
                cur_new = _strip(text[4:])
            paths = tuple({cur_new, cur_old} - {None})
        if hunk is not None:
            self._add(hunk, at + count("\n", pos) + 1, len(diff))

    def _add(self, hunk: tuple, end: int, end_at: int) -> None:
        first, old, new, paths, first_at = hunk
        for path in paths:
            self._hunks.setdefault(path, []).append((first, end, old, new, first_at, end_at))

    def at(self, path: str, side: Side, line: int) -> int | None:
        got = self._paths.get(path)
        if got is None:
            got = self._paths[path] = self._number(path)
        return got.get((side, line))

    def _number(self, path: str) -> dict[tuple[Side, int], int]:
        index: dict[tuple[Side, int], int] = {}
        setdefault, OLD, NEW, diff = index.setdefault, Side.OLD, Side.NEW, self._diff
        for first, end, old, new, first_at, end_at in self._hunks.get(path, ()):
            lines = diff[first_at:end_at].split("\n")  # lines first .. end - 1 (and a last '')
            for i in range(first, end):
                kind = lines[i - first][:1]
                if kind == " ":
                    setdefault((OLD, old), i)
                    setdefault((NEW, new), i)
                    old += 1
                    new += 1
                elif kind == "-":
                    setdefault((OLD, old), i)
                    old += 1
                elif kind == "+":
                    setdefault((NEW, new), i)
                    new += 1
        return index


def patch_line(review: Review, f: Finding) -> int | None:
    """The line of the patch file (the mail as read, or git format-patch's output) that `f`
    flags: checkpatch's `#NNN:`.  None when the mail's text was encoded (quoted-printable,
    base64) or the finding has no file line."""
    p = _patch(review, f)
    if p is None or p.diff_line is None or f.path is None or f.line is None:
        return None
    i = diff_index(p.diff, f.path, f.side, f.line)
    return None if i is None else p.diff_line + i


def final_location(review: Review, f: Finding) -> NewLocation | None:
    """Where `f` is after the whole series is applied (the tree an editor has after `git am`
    or at the tip of a `--git` range): its new location moved through the later patches."""
    loc = new_location(review, f)
    if loc is None:
        return None
    path, line = loc.path, loc.line
    for p in review.series.patches:
        if p.index <= f.patch_index:
            continue
        for fd in p.files:
            if (fd.old_path or fd.path) != path or fd.is_binary:
                continue
            path, line = fd.path, _through(fd, line)
    return NewLocation(path, line, loc.removed_line)


def _through(fd: FileDiff, line: int) -> int:
    """Old-file line `line` in the new file of `fd` (a removed line: where the removal is)."""
    delta = 0
    for h in fd.hunks:
        if h.old_len == 0:  # a pure insertion after old line old_start
            if line <= h.old_start:
                break
            delta += h.new_len
            continue
        if line < h.old_start:
            break
        if line >= h.old_start + h.old_len:
            delta += h.new_len - h.old_len
            continue
        for i, ln in enumerate(h.lines):
            if ln.old_no == line:
                if ln.new_no is not None:
                    return ln.new_no
                after = next((x.new_no for x in h.lines[i + 1:] if x.new_no is not None), None)
                return after or max(h.new_start, 1)
    return line + delta


def _strip(path: str) -> str | None:
    path = path.split("\t", 1)[0].strip()
    if path == "/dev/null":
        return None
    return path[2:] if path.startswith(("a/", "b/")) else path
