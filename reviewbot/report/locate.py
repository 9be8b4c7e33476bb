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


_EVENT = re.compile(r"^(?![ +\\-])", re.M)  # the start of a line that cannot be a hunk body line


class _DiffIndex:
    """(path, side, line) -> the first 0-based line of a diff showing it.  A report asks for
    every finding (a walk per finding is quadratic on a large patch), and usually for a few
    files of a large patch: the diff's headers and hunks are found once (the lines that can
    end a hunk body, with one search), and the lines of a path are numbered on its first
    look-up, walking only that path's hunks."""

    def __init__(self, diff: str):
        self.lines = lines = diff.split("\n")
        self._hunks: dict[str, list[tuple[int, int, int, int]]] = {}  # path -> [(first, end, old, new)]
        self._paths: dict[str, dict[tuple[Side, int], int]] = {}
        events, pos, at = [], 0, 0
        for m in _EVENT.finditer(diff):
            at += diff.count("\n", pos, m.start())
            pos = m.start()
            events.append(at)
        cur_old = cur_new = None
        paths: tuple[str, ...] = ()
        hunk = None  # (first body line, old, new, paths) of the open hunk
        e, i, n = 0, 0, len(lines)
        while i < n:
            if hunk is None:  # between hunks every line is read as a header
                text = lines[i]
                if text.startswith("diff --git "):
                    i += 1
                    continue
                if text.startswith("--- "):
                    cur_old = _strip(text[4:])
                elif text.startswith("+++ "):
                    cur_new = _strip(text[4:])
                else:
                    m = _HUNK.match(text)
                    if m:
                        hunk = (i + 1, int(m.group(1)), int(m.group(2)), paths)
                    i += 1
                    continue
                paths = tuple({cur_new, cur_old} - {None})
                i += 1
                continue
            # inside a hunk only a line that starts with none of " +-\\" can end it
            while e < len(events) and events[e] < i:
                e += 1
            while e < len(events):
                text = lines[events[e]]
                if text.startswith("diff --git ") or _HUNK.match(text):
                    break
                e += 1
            end = events[e] if e < len(events) else n
            self._add(hunk, end)
            hunk = None
            i = end
        if hunk is not None:
            self._add(hunk, n)

    def _add(self, hunk: tuple, end: int) -> None:
        first, old, new, paths = hunk
        for path in paths:
            self._hunks.setdefault(path, []).append((first, end, old, new))

    def at(self, path: str, side: Side, line: int) -> int | None:
        got = self._paths.get(path)
        if got is None:
            got = self._paths[path] = self._number(path)
        return got.get((side, line))

    def _number(self, path: str) -> dict[tuple[Side, int], int]:
        index: dict[tuple[Side, int], int] = {}
        setdefault, OLD, NEW, lines = index.setdefault, Side.OLD, Side.NEW, self.lines
        for first, end, old, new in self._hunks.get(path, ()):
            for i in range(first, end):
                kind = lines[i][:1]
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
