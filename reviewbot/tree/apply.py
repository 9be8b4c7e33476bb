"""Applying a mailed series in a scratch area, and line maps back to the mail.

``Scratch`` is a private index holding only the files the series touches; each patch goes in
as ``git apply --cached`` would put it (``patchapply``, in Python, for plain diffs; git itself
for the rest, and ``--3way`` when the plain apply fails and can work).  When git applied a hunk
at other lines than the mail says, ``as_applied`` gives the checks the diff as applied, and
``as_posted`` moves the findings back to the lines of the diff as posted.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import struct
import subprocess
import tempfile
from dataclasses import replace
from types import MappingProxyType

from reviewbot.diffparse import DiffError, parse_diff_lenient
from reviewbot.model import FileDiff, Patch, Review, Side
from reviewbot.tree import patchapply
from reviewbot.tree.store import Reader, Snap, Store


def _line_maps(applied: FileDiff, posted: FileDiff) -> dict[bool, dict[int, int]]:
    """For each side (True: new), the applied diff's line numbers -> the posted diff's.

    The two diffs show the same change; git may have applied it at an offset (or merged it in
    3-way), so the lines are paired by content, in order (difflib), not by position.
    """
    import difflib

    maps: dict[bool, dict[int, int]] = {}
    for new in (True, False):
        def side(fd: FileDiff):
            lines = [ln for ln in fd.lines() if ln.kind != ("-" if new else "+")]
            return [(ln.kind, ln.text.strip()) for ln in lines], [ln.new_no if new else ln.old_no for ln in lines]
        a_keys, a_nos = side(applied)
        b_keys, b_nos = side(posted)
        pairs: dict[int, int] = {}
        for block in difflib.SequenceMatcher(None, a_keys, b_keys, autojunk=False).get_matching_blocks():
            for k in range(block.size):
                if a_nos[block.a + k] and b_nos[block.b + k]:
                    pairs[a_nos[block.a + k]] = b_nos[block.b + k]
        maps[new] = pairs
    return maps


def _posted_line(line: int, pairs: dict[int, int]) -> int:
    """`line` in the posted diff: its pair, else shifted like the nearest paired line."""
    if line in pairs or not pairs:
        return pairs.get(line, line)
    near = min(pairs, key=lambda n: abs(n - line))
    return line + pairs[near] - near


def as_posted(review: Review, originals: dict[int, tuple[Patch, Patch]]) -> Review:
    """Findings of patches git applied at other lines, moved back to the mail's lines."""
    if not originals:
        return review
    maps: dict[tuple[int, str], dict[bool, dict[int, int]]] = {}
    for index, (posted, applied) in originals.items():
        by_path = {fd.path: fd for fd in posted.files}
        for fd in applied.files:
            if fd.path in by_path and fd is not by_path[fd.path]:
                maps[(index, fd.path)] = _line_maps(fd, by_path[fd.path])
    findings = []
    for f in review.findings:
        m = maps.get((f.patch_index, f.path))
        if m is not None and f.line is not None:
            f = replace(f, line=_posted_line(f.line, m[f.side is Side.NEW]))
        findings.append(f)
    posted = {i: p for i, (p, _) in originals.items()}
    series = replace(review.series, patches=tuple(posted.get(p.index, p) for p in review.series.patches))
    return replace(review, series=series, findings=tuple(findings))


def _git_error(stderr: str) -> str:
    lines = [ln.strip().strip("'\"") for ln in (stderr or "").splitlines()]
    lines = [ln for ln in lines if ln]
    errs = [ln for ln in lines if ln.startswith("error:")]
    msg = (errs or lines or ["git apply failed"])[0]
    return msg.removeprefix("error:").strip().strip("'\"")


_INDEX_LINE = re.compile(r"^index ([0-9a-f]{4,64})\.\.[0-9a-f]+", re.M)


def write_index(path: str, entries: list[tuple[bytes, int, str]]) -> None:
    """A git index (version 2) holding `entries` (path, mode, object id), as `git update-index
    --add --index-info` writes it into a new index: no stat data (nothing is checked out),
    stage 0, sorted by path.  Written here, it costs no process per series."""
    raw = bytes.fromhex(entries[0][2]) if entries else b""
    digest = hashlib.sha256 if len(raw) == 32 else hashlib.sha1
    out = [b"DIRC", struct.pack(">II", 2, len(entries))]
    for name, mode, oid in sorted(entries):
        head = struct.pack(">10I", 0, 0, 0, 0, 0, 0, mode, 0, 0, 0) + bytes.fromhex(oid) + \
            struct.pack(">H", min(len(name), 0xFFF))
        size = len(head) + len(name)
        out += [head, name, b"\0" * (8 - size % 8)]  # 1 to 8 NULs: the entry ends on 8 bytes
    data = b"".join(out)
    with open(path, "wb") as fh:
        fh.write(data + digest(data).digest())


class Scratch:
    """A private index (GIT_INDEX_FILE in the store's private directory) with only the files
    the series touches, staged from the base before the first patch.

    Its entries are kept here (`state`); a plain git diff is applied to them in Python
    (``patchapply``: git's rules, git's messages) and only what that cannot decide goes to
    `git apply --cached` (then `--3way` when that fails and can work), on the index written
    out from `state` (see write_index) and read back after.  The user's index, working tree,
    refs and worktree list are never touched; the blobs `git apply` writes, and those made
    here, go to the store's private object directory; the index is removed on exit, whatever
    ends the review.
    """

    def __init__(self, store: "Store", patches=()):
        self.store = store
        fd, self.index = tempfile.mkstemp(prefix="index-", dir=store.tmp)
        os.close(fd)
        os.unlink(self.index)  # git writes it (an empty file is not an index)
        self.env = dict(store.env, GIT_INDEX_FILE=self.index)
        self.paths = sorted({p for patch in patches for fd in patch.files for p in (fd.old_path, fd.path) if p})
        self.state: dict[str, tuple[str, int] | None] = {}  # staged path -> (object id, mode), None: absent
        self._written = False  # is the index file what `state` says?

    def __enter__(self) -> "Scratch":
        return self

    def __exit__(self, *exc) -> None:
        for name in (self.index, self.index + ".lock"):
            with contextlib.suppress(OSError):
                os.unlink(name)

    def _git(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
        self.store.flush()
        return subprocess.run(["git", *args], cwd=self.store.cwd, env=self.env, input=stdin,
                              capture_output=True, check=False)

    def _can_merge(self, patch: Patch) -> bool:
        """Could `git apply --3way` do what the plain apply could not?  Not when no file of the
        patch names a pre-image blob (its `index OLD..NEW` line) that the repository has: git
        then fails with "repository lacks the necessary blob", so we spare the attempt (most
        old patches against a newer tree)."""
        olds = _INDEX_LINE.findall(patch.diff)
        return len(olds) != 0 and bool(self.store.has_many(o for o in olds if o.strip("0")))

    def _in_process(self, diff: bytes, reader: "Reader"):
        files = patchapply.parse(diff) if self.store.plain_apply else None
        if files is None:
            return None
        return patchapply.apply(files, self.state.get, reader.data,
                                lambda: [p for p, e in self.state.items() if e])

    def apply(self, patch: Patch, reader: "Reader", snap: Snap) -> tuple[str, Snap | None]:
        """(error, None) or ('', the state after `patch`)."""
        paths = sorted({p for fd in patch.files for p in (fd.old_path, fd.path) if p})
        for p in dict.fromkeys([*paths, *self.paths]):  # the whole series' files, once
            if p not in self.state:  # not staged yet: unchanged since the base
                self.state[p] = reader.entry(snap.commit, p)
                self._written = False
        diff = patch.diff.encode("utf-8", "surrogateescape")
        done = self._in_process(diff, reader)
        if done is not None and (not done[0] or not self._can_merge(patch)):
            error, files = done
            if error:
                return error, None
            for p, got in files.items():
                self.state[p] = None if got is None else (reader.add_blob(got[1]), got[0])
            self._written = False
            return "", self._snap(snap, paths)
        if not self._written:
            write_index(self.index, [(p.encode("utf-8", "surrogateescape"), e[1], e[0])
                                     for p, e in self.state.items() if e])
        if done is not None:  # git's plain apply would fail with done[0]: only --3way can work
            if self._git("apply", "--cached", "--3way", "--whitespace=nowarn", stdin=diff).returncode:
                return done[0], None
        else:
            first = self._git("apply", "--cached", "--whitespace=nowarn", stdin=diff)
            if first.returncode and (not self._can_merge(patch) or self._git(
                    "apply", "--cached", "--3way", "--whitespace=nowarn", stdin=diff).returncode):
                return _git_error(first.stderr.decode("utf-8", "replace")), None
        state: dict[str, tuple[str, int] | None] = dict.fromkeys(self.state)
        listed = self._git("ls-files", "-s", "-z").stdout.decode("utf-8", "surrogateescape")
        for line in listed.split("\0"):
            meta, _, path = line.partition("\t")
            if path:
                mode, oid = meta.split()[:2]
                state[path] = (oid, int(mode, 8))
        self.state, self._written = state, True
        return "", self._snap(snap, paths)

    def _snap(self, snap: Snap, paths: list[str]) -> Snap:
        overlay = dict(snap.overlay)
        overlay.update({p: (self.state.get(p) or (None,))[0] for p in paths})
        return Snap(snap.commit, MappingProxyType(overlay))


def _lines_agree(fd: FileDiff, pre: str | None, post: str | None) -> bool:
    """Do the diff's old/new line numbers point at these lines of the images?"""
    old = pre.split("\n") if pre is not None else []
    new = post.split("\n") if post is not None else []
    for ln in fd.lines():
        if ln.kind != "+" and ln.old_no and (ln.old_no > len(old) or old[ln.old_no - 1].rstrip("\r") != ln.text):
            return False
        if ln.kind != "-" and ln.new_no and (ln.new_no > len(new) or new[ln.new_no - 1].rstrip("\r") != ln.text):
            return False
    return True


def _find(lines: list[str], block: list[str], near: int) -> int | None:
    """0-based start of `block` in `lines`, searching outward from `near` (as git apply does)."""
    if not block:
        return max(0, min(near, len(lines)))
    for d in range(len(lines) + 1):
        for at in ((near - d, near + d) if d else (near,)):
            if 0 <= at <= len(lines) - len(block) and lines[at:at + len(block)] == block:
                return at
        if near - d < 0 and near + d > len(lines):
            break
    return None


def _shifted(fd: FileDiff, pre: str | None, post: str | None) -> FileDiff | None:
    """`fd` with each hunk renumbered to where its lines are in the images, when they are there
    unchanged (git applied it at an offset); None when they are not (a 3-way merge)."""
    if pre is None or post is None:
        return None
    old = [ln.rstrip("\r") for ln in pre.split("\n")]
    new = [ln.rstrip("\r") for ln in post.split("\n")]
    hunks = []
    for h in fd.hunks:
        o = _find(old, [ln.text for ln in h.lines if ln.kind != "+"], max(h.old_start - 1, 0))
        n = _find(new, [ln.text for ln in h.lines if ln.kind != "-"], max(h.new_start - 1, 0))
        if o is None or n is None:
            return None
        lines, on, nn = [], o + 1, n + 1
        for ln in h.lines:
            lines.append(replace(ln, old_no=on if ln.kind != "+" else None, new_no=nn if ln.kind != "-" else None))
            on += ln.kind != "+"
            nn += ln.kind != "-"
        hunks.append(replace(h, old_start=o + 1 if h.old_len else o, new_start=n + 1 if h.new_len else n,
                             lines=tuple(lines)))
    return replace(fd, hunks=tuple(hunks))


def as_applied(store: "Store", reader: "Reader", patch: Patch, pre: Snap, post: Snap) -> Patch:
    """`patch` itself when its line numbers fit the images, else the diff git made of it."""
    files = []
    changed = False
    for fd in patch.files:
        old_path = fd.old_path or fd.path
        a = None if fd.is_new else reader.blob_id(pre, old_path)
        b = None if fd.is_deleted else reader.blob_id(post, fd.path)
        if fd.is_binary or a is None or b is None:
            files.append(fd)
            continue
        pre_text, post_text = reader.text(pre, old_path), reader.text(post, fd.path)
        if _lines_agree(fd, pre_text, post_text):
            files.append(fd)
            continue
        moved = _shifted(fd, pre_text, post_text)
        if moved is not None:  # applied at an offset: the same hunks, renumbered
            files.append(moved)
            changed = True
            continue
        raw = store.git("diff", a, b, "--no-color", "--no-ext-diff").decode("utf-8", "replace")
        at = raw.find("\n@@")
        body = f"diff --git a/{old_path} b/{fd.path}\n--- a/{old_path}\n+++ b/{fd.path}" + raw[at:] if at >= 0 else ""
        try:
            (git_fd,) = parse_diff_lenient(body)[0]
        except (DiffError, ValueError):
            files.append(fd)
            continue
        files.append(replace(fd, hunks=git_fd.hunks))
        changed = True
    return replace(patch, files=tuple(files)) if changed else patch
