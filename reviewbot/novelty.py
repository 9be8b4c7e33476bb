"""Report what the patch introduces, nothing else (0-day's and smatch's "new warnings").

A rule's finding on a patch is kept only when the patch brought it.  For every rule that found
something, the engine also runs it on two views of the same patch:

* the **pre view**: the code before the patch (the hunks' old side; in tree mode the whole
  pre-image) presented as if it were all new;
* the **post view**: the code after the patch (new side / post-image), presented the same way.

A finding whose identity — rule, file, enclosing function, the flagged line's text with its
whitespace folded, and the message without numbers — occurs as often in the pre view as in the
post view was there before: re-indented, moved within its function, or untouched code the
rule happens to see.  Line numbers play no part, so an offset or a re-indent does not make a
finding new.  Findings on the removed side are about what the patch takes away and are kept.

Two more cases introduce nothing: a file the patch deletes, and lines removed together with
the whole function around them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from types import MappingProxyType
from typing import Callable, Iterable

from reviewbot.analysis.clex import function_removed
from reviewbot.context import Context, FileImages
from reviewbot.model import DiffLine, FileDiff, Finding, Hunk, Patch, Side

_WS = re.compile(r"\s+")
_NUM = re.compile(r"\d+")
_FUNC = re.compile(r"^[A-Za-z_][\w\s\*\(\),]*?\b(\w+)\s*\([^;]*$")
_KEYWORDS = frozenset({"if", "for", "while", "switch", "return", "sizeof", "do", "else"})
# Skip the views when no finding's line text is on the old side (see introduced()).  Off only
# in tests/engine/test_novelty_shortcut.py, which checks that the answer is the same.
SHORTCUT = True


def _fold(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _defines(ln: DiffLine) -> str | None:
    """The name of the function whose definition line `ln` is (None: not one)."""
    m = _FUNC.match(ln.text)
    if m and m.group(1) not in _KEYWORDS and not ln.text.rstrip().endswith(";"):
        return m.group(1)
    return None


def _function_of(hunk: Hunk, lines: list[DiffLine], at: int) -> str:
    """The function a line of a hunk side is in: the nearest definition above it, else the
    function git named in the hunk header."""
    for j in range(at, -1, -1):
        name = _defines(lines[j])
        if name is not None:
            return name
    m = re.search(r"(\w+)\s*\(", hunk.section)
    return m.group(1) if m else ""


class _Index:
    """Where each line of a patch is, looked up by number: built once per patch (and view) and
    file, for the files that have a finding only, so that placing a finding costs a dict lookup,
    not a walk over the patch (findings x lines on a patch of many hunks).  The first line in
    patch order wins, as the walk it replaces did."""

    def __init__(self, patch: Patch):
        self.patch = patch
        self._files: dict[str, list[FileDiff]] | None = None
        self._new: dict[str, dict[int, tuple[Hunk, list[DiffLine], int]]] = {}
        self._old_texts: dict[str, set[str]] = {}

    def _files_at(self, path: str) -> list[FileDiff]:
        if self._files is None:
            self._files = {}
            for fd in self.patch.files:
                self._files.setdefault(fd.path, []).append(fd)
        return self._files.get(path, [])

    def new_line(self, path: str, line: int) -> tuple[Hunk, list[DiffLine], int] | None:
        lines = self._new.get(path)
        if lines is None:
            lines = self._new[path] = {}
            for fd in self._files_at(path):
                for h in fd.hunks:
                    side = h.new_side()
                    for i, ln in enumerate(side):
                        lines.setdefault(ln.new_no, (h, side, i))
        return lines.get(line)

    def old_texts(self, path: str) -> set[str]:
        """The folded text of every old-side line under `path` (what a pre view can show)."""
        texts = self._old_texts.get(path)
        if texts is None:
            texts = self._old_texts[path] = {_fold(ln.text) for fd in self._files_at(path) if not fd.is_deleted
                                             for h in fd.hunks for ln in h.lines if ln.kind != "+"}
        return texts


def _as_new(fd: FileDiff, side: str) -> FileDiff:
    """One side of `fd` as an all-added fragment, numbered as that side's image."""
    hunks = []
    drop, new = ("-", True) if side == "new" else ("+", False)
    new_obj, set_ = object.__new__, object.__setattr__  # DiffLine as its __init__ makes it, without the call
    for h in fd.hunks:
        lines = []
        for ln in h.lines:
            if ln.kind != drop:
                d = new_obj(DiffLine)
                set_(d, "kind", "+")
                set_(d, "text", ln.text)
                set_(d, "old_no", None)
                set_(d, "new_no", ln.new_no if new else ln.old_no)
                lines.append(d)
        lines = tuple(lines)
        start, length = (h.new_start, h.new_len) if side == "new" else (h.old_start, h.old_len)
        hunks.append(Hunk(0, 0, start, length, h.section, lines))
    return FileDiff(path=fd.path, old_path=fd.path, hunks=tuple(hunks), is_new=fd.is_new and side == "new",
                    is_binary=fd.is_binary)


def _view(patch: Patch, ctx: Context, side: str) -> tuple[Patch, Context]:
    files = tuple(_as_new(fd, side) for fd in patch.files if not fd.is_deleted)
    # Coccinelle's matches already compare the pre- and post-image: not part of a view.
    view_ctx = replace(ctx, matches=()) if ctx.matches else ctx
    if ctx.files:
        images = {}
        for fd in patch.files:
            img = ctx.files.get(fd.path) or ctx.files.get(fd.old_path or fd.path)
            if img is not None and not fd.is_deleted:
                images[fd.path] = FileImages(None, img.pre if side == "old" else img.post)
        view_ctx = replace(view_ctx, files=MappingProxyType(images))
    return replace(patch, files=files), view_ctx


class Views:
    """The pre and post views of one patch, made on first use and shared by the rules, with
    the line indexes of the patch and of each view."""

    def __init__(self, patch: Patch, ctx: Context):
        self.patch, self.ctx = patch, ctx
        self._made: dict[str, tuple[Patch, Context]] = {}
        self._indexes: dict[int, _Index] = {}

    def get(self, side: str) -> tuple[Patch, Context]:
        if side not in self._made:
            self._made[side] = _view(self.patch, self.ctx, side)
        return self._made[side]

    def index(self, patch: Patch) -> _Index:
        got = self._indexes.get(id(patch))
        if got is None or got.patch is not patch:
            got = self._indexes[id(patch)] = _Index(patch)
        return got


def _identity(index: _Index, f: Finding) -> tuple | None:
    """(rule, path, function, folded line text, message without numbers), or None when the
    finding does not sit on a new-side line of the indexed patch."""
    if f.path is None or f.line is None or f.side is not Side.NEW:
        return None
    at = index.new_line(f.path, f.line)
    if at is None:
        return None
    h, side, i = at
    return (f.rule.id, f.path, _function_of(h, side, i), _fold(side[i].text), _NUM.sub("#", _fold(f.message)))


def _removed_with_function(patch: Patch, f: Finding) -> bool:
    if f.side is not Side.OLD or f.line is None:
        return False
    for fd in patch.files:
        if fd.path != f.path and fd.old_path != f.path:
            continue
        if fd.is_deleted:
            return True
        for h in fd.hunks:
            old = h.old_side()
            for i, ln in enumerate(old):
                if ln.old_no == f.line:
                    return ln.removed and function_removed(old, i)
    return False


def in_deleted_file(patch: Patch, f: Finding) -> bool:
    return any(fd.is_deleted and f.path in (fd.path, fd.old_path) for fd in patch.files)


def introduced(patch: Patch, findings: list[Finding], views: Views,
               run: Callable[[Patch, Context], Iterable[Finding]]) -> list[Finding]:
    """The findings of one rule on `patch` that the patch introduced (see the module doc).

    The rule runs on the views only when the answer depends on them: a finding is dropped
    only when its identity occurs in the pre view, and an identity's line text must then be
    one of the old-side lines of its file.  When no finding's line text is (the usual case: a
    finding on a line the patch adds or changes), every finding is kept without running the
    rule again."""
    findings = [f for f in findings if not in_deleted_file(patch, f) and not _removed_with_function(patch, f)]
    index = views.index(patch)
    ids = {id(f): _identity(index, f) for f in findings}
    if not any(k is not None and (not SHORTCUT or k[3] in index.old_texts(k[1])) for k in ids.values()):
        return findings
    counts: dict[str, Counter] = {}
    for side in ("old", "new"):
        view_patch, view_ctx = views.get(side)
        view_index = views.index(view_patch)
        counts[side] = Counter(k for k in (_identity(view_index, g) for g in run(view_patch, view_ctx)) if k)
    real = Counter(k for k in ids.values() if k)
    keep_left = {k: max(0, min(n, max(counts["new"][k], n) - counts["old"][k])) for k, n in real.items()}
    out = []
    for f in findings:
        k = ids[id(f)]
        if k is None:
            out.append(f)
        elif keep_left[k] > 0:
            keep_left[k] -= 1
            out.append(f)
    return out
