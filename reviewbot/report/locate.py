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
    return _diff_lines(diff).get((path, side, line))


@functools.lru_cache(maxsize=8)
def _diff_lines(diff: str) -> dict[tuple[str, Side, int], int]:
    """(path, side, line) -> the first 0-based line of `diff` showing it: built once per patch
    (a report asks for every finding; a walk per finding is quadratic on a large patch)."""
    index: dict[tuple[str, Side, int], int] = {}
    setdefault, OLD, NEW = index.setdefault, Side.OLD, Side.NEW
    old = new = 0
    cur_old = cur_new = None
    paths: tuple[str, ...] = ()  # {cur_new, cur_old} - {None}, made when a header changes them
    in_hunk = False
    for i, text in enumerate(diff.split("\n")):
        kind = text[:1]
        if not in_hunk or not kind or kind not in " +-\\":
            if text.startswith("diff --git "):
                in_hunk = False
                continue
            if text.startswith("--- "):
                cur_old = _strip(text[4:])
            elif text.startswith("+++ "):
                cur_new = _strip(text[4:])
            else:
                m = _HUNK.match(text)
                if m:
                    old, new, in_hunk = int(m.group(1)), int(m.group(2)), True
                continue
            paths = tuple({cur_new, cur_old} - {None})
            continue
        if kind == " ":
            for path in paths:
                setdefault((path, OLD, old), i)
                setdefault((path, NEW, new), i)
            old += 1
            new += 1
        elif kind == "-":
            for path in paths:
                setdefault((path, OLD, old), i)
            old += 1
        elif kind == "+":
            for path in paths:
                setdefault((path, NEW, new), i)
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
