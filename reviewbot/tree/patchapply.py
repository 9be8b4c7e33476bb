"""``git apply --cached`` done in Python, for the plain patches it can decide exactly.

Most mailed patches reviewed against a newer tree do not apply, and a ``git apply`` process
per patch cost more than the rest of tree mode's bookkeeping.  This module applies a git diff
to the blobs of the scratch index the way git's ``apply.c`` does without options: each hunk's
pre-image (its context and removed lines) must match the image byte for byte, searched from
the line the hunk names outward (that line, one after, one before, two after, ...); a hunk
that starts at line 0 or 1 must match at the top, one without trailing context at the end;
lines a hunk produced cannot be matched again by a later hunk; no fuzz, no whitespace
leniency.  The first failure gives git's message (``patch failed: PATH:LINE``, ``PATH: does
not exist in index``, ``PATH: already exists in index``).

Anything else returns None, and the caller asks git: renames, copies, mode changes, binary
patches, ``\\ No newline at end of file``, traditional (non-git) diffs, quoted or odd paths, a
path patched twice, hunk counts that do not add up, text git could read as another header.
``tests/tree/test_patchapply.py`` holds both against git.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

_DIFF_GIT = re.compile(rb"diff --git a/([^\s\"]+) b/([^\s\"]+)\n")
_INDEX = re.compile(rb"index [0-9a-f]+\.\.[0-9a-f]+(?: (\d+))?\n")
_HUNK = re.compile(rb"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_REGULAR = (0o100644, 0o100755)


@dataclass(frozen=True)
class Hunk:
    oldpos: int
    newpos: int
    pre: tuple[bytes, ...]  # the lines it expects (context and removed), each ending in \n
    post: tuple[bytes, ...]  # the lines it leaves
    trailing: int  # context lines after its last change


@dataclass(frozen=True)
class FilePatch:
    path: str
    is_new: bool
    is_delete: bool
    new_mode: int | None
    old_mode: int | None
    hunks: tuple[Hunk, ...]


def _lines(data: bytes) -> list[bytes]:
    """`data` cut after each \\n (the last line may lack one), as git's image is."""
    if b"\r" not in data:
        return data.splitlines(keepends=True)  # the same cuts, at C speed
    parts = data.split(b"\n")
    out = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def _safe(path: str) -> bool:
    parts = path.split("/")
    return all(p not in ("", ".", "..") and p.lower() != ".git" for p in parts)


def _mode(text: bytes) -> int:
    text = text.strip()
    return int(text, 8) if text.isdigit() and b"8" not in text and b"9" not in text else -1


def parse(diff: bytes) -> list[FilePatch] | None:
    """The file patches of a git diff, or None when it is not one this module decides."""
    lines = _lines(diff)
    n = len(lines)
    i = 0
    while i < n and not lines[i].startswith(b"diff --git "):  # text before the diff
        if lines[i].startswith((b"@@ -", b"--- ", b"+++ ")):
            return None
        i += 1
    files: list[FilePatch] = []
    seen: set[str] = set()
    while i < n and lines[i].startswith(b"diff --git "):
        m = _DIFF_GIT.fullmatch(lines[i])
        if m is None or m.group(1) != m.group(2):
            return None
        raw = m.group(1)
        try:
            path = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if path in seen or not _safe(path):
            return None
        seen.add(path)
        i += 1
        is_new = is_delete = False
        new_mode = old_mode = None
        while i < n and not lines[i].startswith(b"--- "):
            ln = lines[i]
            if ln.startswith(b"index "):
                im = _INDEX.fullmatch(ln)
                if im is None:
                    return None
                if im.group(1):
                    old_mode = int(im.group(1), 8)
            elif ln.startswith(b"new file mode ") and not is_new:
                is_new, new_mode = True, _mode(ln[14:])
            elif ln.startswith(b"deleted file mode ") and not is_delete:
                is_delete, old_mode = True, _mode(ln[18:])
            else:
                return None  # renames, copies, mode changes, binary patches, anything unknown
            i += 1
        if i + 1 >= n or is_new and is_delete or -1 in (new_mode, old_mode):
            return None
        want_old = b"--- /dev/null\n" if is_new else b"--- a/" + raw + b"\n"
        want_new = b"+++ /dev/null\n" if is_delete else b"+++ b/" + raw + b"\n"
        if lines[i] != want_old or lines[i + 1] != want_new:
            return None
        i += 2
        hunks: list[Hunk] = []
        total_old = total_new = 0
        while i < n and lines[i].startswith(b"@@ -"):
            hm = _HUNK.match(lines[i])
            if hm is None or not lines[i].endswith(b"\n"):
                return None
            oldpos, newpos = int(hm.group(1)), int(hm.group(3))
            old = 1 if hm.group(2) is None else int(hm.group(2))
            new = 1 if hm.group(4) is None else int(hm.group(4))
            total_old += old
            total_new += new
            i += 1
            pre: list[bytes] = []
            post: list[bytes] = []
            changed = False
            trailing = 0
            while old or new:
                if i >= n or old < 0 or new < 0:
                    return None
                ln = lines[i]
                if not ln.endswith(b"\n"):
                    return None
                first = ln[:1]
                if first == b" " or ln == b"\n":
                    body = ln[1:] if first == b" " else b"\n"
                    pre.append(body)
                    post.append(body)
                    old -= 1
                    new -= 1
                    trailing += 1
                elif first == b"-":
                    pre.append(ln[1:])
                    old -= 1
                    changed, trailing = True, 0
                elif first == b"+":
                    post.append(ln[1:])
                    new -= 1
                    changed, trailing = True, 0
                else:  # '\ No newline at end of file' or a corrupt line: git decides
                    return None
                i += 1
            if not changed or i < n and lines[i].startswith(b"\\"):
                return None
            hunks.append(Hunk(oldpos, newpos, tuple(pre), tuple(post), trailing))
        if not hunks or is_new and total_old or is_delete and total_new:
            return None
        files.append(FilePatch(path, is_new, is_delete, new_mode, old_mode, tuple(hunks)))
    if not files:
        return None
    for ln in lines[i:]:  # what follows the last hunk (a mail signature): nothing git reads as a patch
        if ln.startswith((b"diff --git ", b"@@ -", b"--- ", b"+++ ")):
            return None
    return files


def _apply_hunk(image: list[bytes], patched: list[bool], h: Hunk) -> bool:
    """Apply `h` to `image` in place where git would, or return False (no match)."""
    pre, nr = list(h.pre), len(image)
    size = len(pre)
    match_beginning = h.oldpos <= 1
    match_end = h.trailing == 0
    if match_beginning:
        line = 0
    elif match_end:
        line = nr - size
    else:
        line = h.newpos - 1 if h.newpos else 0
    if line < 0 or line > nr:
        line = nr

    def fits(at: int) -> bool:
        if at + size > nr or match_end and at + size != nr or match_beginning and at:
            return False
        return image[at:at + size] == pre and not any(patched[at:at + size])

    found = None
    if match_beginning or match_end or not size:
        # one position can match (a hunk with no pre-image lines has no trailing context)
        at = 0 if match_beginning else nr - size if match_end else line
        found = at if 0 <= at <= nr and fits(at) else None
    else:
        best = None
        first = pre[0]
        at = -1
        while True:
            try:
                at = image.index(first, at + 1)
            except ValueError:
                break
            if at + size > nr:
                break
            if fits(at):
                rank = 2 * (at - line) - 1 if at > line else 2 * (line - at)  # git: L, L+1, L-1, L+2, ...
                if best is None or rank < best:
                    best, found = rank, at
    if found is None:
        return False
    image[found:found + size] = h.post
    patched[found:found + size] = [True] * len(h.post)
    return True


Entry = tuple[str, int]  # (object id, mode) of an index entry


def apply(files: list[FilePatch], entry: Callable[[str], Entry | None], blob: Callable[[str], bytes],
          staged: Callable[[], object]) -> tuple[str, dict[str, tuple[int, bytes] | None]] | None:
    """Apply `files` to the index that `entry` (path -> entry or None) and `blob` (object id ->
    content) describe: ('', {path: (mode, content) or None when deleted}) when git would apply
    the patch, (git's first error, {}) when it would not, None when only git can tell.
    `staged()` lists the index's paths (asked only for new files: directory/file clashes)."""
    out: dict[str, tuple[int, bytes] | None] = {}
    for f in files:
        ent = entry(f.path)
        if f.is_new:
            if ent is not None:
                return f"{f.path}: already exists in index", {}
            prefix = f.path + "/"
            dirs = {f.path[:k] for k in range(len(f.path)) if f.path[k] == "/"}
            if any(p.startswith(prefix) or p in dirs for p in staged()):
                return None
            image: list[bytes] = []
            mode = f.new_mode
            if mode not in _REGULAR:
                return None
        else:
            if ent is None:
                return f"{f.path}: does not exist in index", {}
            mode = ent[1]
            if mode not in _REGULAR or f.old_mode is not None and f.old_mode not in _REGULAR:
                return None
            data = blob(ent[0])
            if b"".join(f.hunks[0].pre) not in data:  # found nowhere, so not at any line either
                return f"patch failed: {f.path}:{f.hunks[0].oldpos}", {}
            image = _lines(data)
        patched = [False] * len(image)
        for h in f.hunks:
            if not _apply_hunk(image, patched, h):
                return f"patch failed: {f.path}:{h.oldpos}", {}
        data = b"".join(image)
        if f.is_delete:
            if data:
                return None  # git: "removal patch leaves file contents"
            out[f.path] = None
        else:
            out[f.path] = (mode, data)
    return "", out
