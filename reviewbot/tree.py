"""Tree mode: give the checks whole files from a kernel git clone instead of bare hunks.

Two ways in, both through git's plumbing (``_Store``), both falling back to hunk context with a note:

* ``--tree DIR`` with a mailed series (``review_with_tree``): the series is applied on top of
  its base (``base-commit:``, else the configured ref, default DIR's HEAD; a configured ref
  also stands in for a base DIR lacks; the notes say which) one patch at a time with
  ``git apply --cached`` (``--3way`` when that fails), so each patch's pre-image is exactly
  what the patches before it left and its post-image what it made.  The patches are applied
  in a scratch area of our own, never in the user's checkout: a private index
  (``GIT_INDEX_FILE`` in a temporary directory) that holds only the files the series touches,
  and a private object directory (``GIT_OBJECT_DIRECTORY``, the clone's objects as an
  alternate) that receives the blobs git writes.  Nothing is checked out and nothing is
  committed, so a full kernel clone costs what the touched files cost; the directory is
  removed on every exit path (errors, KeyboardInterrupt).  The clone is read-only to us: its
  objects, refs, index and work tree are byte for byte what they were.  All reads go through
  one long-lived ``git cat-file --batch`` per repository (per review, or per ``session()``).
  A base commit that DIR does not have, or a patch that does not apply, ends tree context for
  that patch and the rest of the series: they are checked on their hunks, and the Review's
  notes say so.
* ``--git A..B`` (``review_git_series``) and ``--tree`` with a series whose patches *are*
  commits of DIR (git format-patch Message-Ids carry the commit id): nothing is applied, the
  pre-image of a file is ``parent:path`` and the post-image ``commit:path``.

When git applied a patch at other lines than the mail says (offsets, a 3-way merge), the
checks get the diff as git applied it, so that every line number agrees with the images; the
notes say so, and the findings are moved back to the lines of the diff as posted.

What a check receives (``reviewbot.context.Context``, mode ``"tree"``):

``files``
    ``{path: FileImages(pre, post)}`` for every non-binary file the patch touches (``pre`` is
    None for a new file, ``post`` None for a deleted one; a renamed file under both names).
``extra``
    Other files, keyed by their path (``Context.read(path)``): the Makefile (or Kbuild) and the
    Kconfig file of each touched ``.c`` file, the headers it includes from its own directory,
    and the other sources of the same composite module.  Each at most 256 KiB, 2 MiB per patch.
    And file-level facts, keyed ``"<fact>:<path>"`` for each touched C file ``path``
    (a fact is absent when it could not be established):

    ``kconfig.symbol:P``  the CONFIG_ symbol (without ``CONFIG_``) that builds P's object
    ``kconfig.type:P``    ``tristate`` or ``bool`` (``def_*`` folded in)
    ``kconfig.file:P``    the Kconfig file that defines the symbol
    ``makefile.line:P``   the Makefile line(s) naming P's object (``obj-...`` last), newline-separated
    ``modular:P``         ``yes`` (obj-m or a tristate symbol), ``no`` (obj-y, a bool symbol),
                          ``unknown``
    ``module.name:P``     the module (``.ko`` path without the suffix) P is linked into
    ``module.objects:P``  the sources of that module, newline-separated
    ``includes:P``        the headers P includes that exist in the tree, newline-separated
    ``owner-structs:P``   ``"<struct> <member> <header>"`` per line: struct types with a
                          ``struct module *`` member, declared in the headers P includes
                          (breadth-first, depth 3, at most 200 headers)
    ``owner-wrappers:P``  ``"<name> <header>"`` per line: macros and static inline functions of
                          those headers that pass ``THIS_MODULE`` (directly or through another
                          such wrapper), e.g. ``platform_driver_register``
    ``tree.base``         the commit the series was applied to (or the first commit's parent)
    ``tree.commit``       (``--git`` and commits of the tree only) the patch's own commit
"""

from __future__ import annotations

import atexit
import contextlib
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping

from reviewbot import engine
from reviewbot.context import Context, FileImages
from reviewbot.diffparse import DiffError, parse_diff_lenient
from reviewbot.errors import InputError
from reviewbot.model import FileDiff, Patch, Review, Series, Side

MAX_EXTRA_FILE = 256 * 1024
MAX_EXTRA_TOTAL = 2 * 1024 * 1024
INCLUDE_DEPTH = 3
MAX_HEADERS = 200

# git format-patch: Message-Id: <COMMIT-ID.TIMESTAMP.git.AUTHOR>
_COMMIT_MSGID = re.compile(r"^<?([0-9a-f]{40}|[0-9a-f]{64})\.\d+\.git\.")
# Hooks of the user's clone never run for us; paths are paths, not globs.
_GIT_ENV = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.hooksPath", "GIT_CONFIG_VALUE_0": "/dev/null",
            "GIT_LITERAL_PATHSPECS": "1"}


def _short(sha: str) -> str:
    return sha[:12]


def _series_text(series: Series) -> str:
    return "\n".join([series.cover] + [p.message for p in series.patches])


@dataclass(frozen=True)
class _Snap:
    """A state of the tree: a commit plus the blobs that differ from it (None: deleted)."""

    commit: str
    overlay: Mapping[str, str | None] = field(default_factory=dict)


# ----------------------------------------------------------------------------- entry points

def review_with_tree(series: Series, tree_dir: str, checks, ref: str | None = None) -> Review:
    """Review `series` with whole-file context from the git clone `tree_dir`, applied to its
    `base-commit:`, else to `ref` (a branch, tag or commit of the clone; default HEAD).  A
    base the clone lacks means hunk context, unless a `ref` is given: then the ref, with a note."""
    with _store(tree_dir) as store:
        commits = series_commits(store, series)
        if commits:
            return _review_commits(series, store, tree_dir, commits, checks)
        return _review_applied(series, store, tree_dir, checks, ref)


def review_git_series(series: Series, repo_dir: str, checks) -> Review:
    """A series made from commits of `repo_dir` (``--git``): images straight from the commits."""
    with _store(repo_dir) as store:
        where = store.work_dir or repo_dir
        commits = series_commits(store, series)
        if not commits:
            note = f"commits of {series.source or 'the series'} not found in {where}: hunk context only"
            return engine.review(series, checks=checks, notes=[note])
        return _review_commits(series, store, where, commits, checks)


def patch_commit(patch: Patch) -> str | None:
    """The commit id a git format-patch Message-Id carries, if any."""
    m = _COMMIT_MSGID.match(patch.msgid or "")
    return m.group(1) if m else None


def series_commits(store: "_Store", series: Series) -> dict[int, str] | None:
    """{patch index: commit} when every patch is a (non-merge) commit of the repository, else None."""
    out: dict[int, str] = {}
    for p in series.patches:
        sha = patch_commit(p)
        commit = store.commit(sha) if sha else None
        if commit is None or len(commit[1]) > 1:
            return None
        out[p.index] = commit[0]
    return out or None


# ----------------------------------------------------------------------------- commit mode

def _review_commits(series: Series, store: "_Store", where: str, commits: dict[int, str], checks) -> Review:
    reader = _Reader(store)
    text = _series_text(series)
    contexts: dict[int, Context] = {}
    first, parents = store.commit(commits[series.patches[0].index]) or ("", ())
    base = parents[0] if parents else first
    for p in series.patches:
        commit, parents = store.commit(commits[p.index]) or ("", ())
        parent = _Snap(parents[0]) if parents else None
        contexts[p.index] = _context(reader, p, parent, _Snap(commit), text,
                                     {"tree.base": base, "tree.commit": commit})
    shas = [commits[p.index] for p in series.patches]
    span = _short(shas[0]) if len(shas) == 1 else f"{_short(shas[0])}..{_short(shas[-1])}"
    note = f"tree: commits {span} of {where} (pre-image: parent, post-image: commit)"
    return engine.review(series, context_for=lambda p: contexts[p.index], checks=checks,
                         context_mode="tree", notes=[note])


# ----------------------------------------------------------------------------- apply mode

def _resolve(store: "_Store", rev: str) -> str | None:
    commit = store.commit(rev)
    return commit[0] if commit else None


def _review_applied(series: Series, store: "_Store", tree_dir: str, checks, ref: str | None = None) -> Review:
    text = _series_text(series)
    notes: list[str] = []
    base = _resolve(store, series.base) if series.base else None
    if series.base and base is not None:
        notes.append(f"tree: base {_short(base)} (base-commit:) in {tree_dir}")
    elif series.base and ref is None:
        notes.append(f"base {_short(series.base)} not found in {tree_dir}: hunk context only")
        return engine.review(series, checks=checks, notes=notes)
    else:  # no base-commit:, or one the clone lacks while a ref is configured: the ref
        rev = ref or "HEAD"
        base = _resolve(store, rev)
        if base is None:
            notes.append(f"{tree_dir} has no {rev} commit: hunk context only")
            return engine.review(series, checks=checks, notes=notes)
        why = (f"base {_short(series.base)} not found in {tree_dir}" if series.base
               else "no base-commit: in the series")
        notes.append(f"tree: {why}; applied to {rev} {_short(base)} of {tree_dir}")
    reader = _Reader(store)
    contexts: dict[int, Context] = {}
    patches = list(series.patches)
    with _Scratch(store, patches) as scratch:
        snap = _Snap(base)
        for i, patch in enumerate(patches):
            if not patch.diff.strip():
                continue
            error, post = scratch.apply(patch, reader, snap)
            if post is None:
                rest = f"patch {patch.index}" if i == len(patches) - 1 else \
                    f"patches {patch.index}-{patches[-1].index}"
                notes.append(f"patch {patch.index} does not apply to {_short(base)} in {tree_dir} "
                             f"({error}): hunk context only for {rest}")
                break
            applied = _as_applied(store, reader, patch, snap, post)
            if applied is not patch:
                patches[i] = applied
                notes.append(f"patch {patch.index} applied at other lines than the mail shows "
                             f"(tree {_short(base)}); findings point at the lines of the mail")
            contexts[patch.index] = _context(reader, applied, snap, post, text, {"tree.base": base})
            snap = post
    originals = {b.index: (b, a) for a, b in zip(patches, series.patches) if a is not b}
    if originals:
        series = replace(series, patches=tuple(patches))
    hunks = Context(series_text=text)
    review = engine.review(series, context_for=lambda p: contexts.get(p.index, hunks), checks=checks,
                           context_mode="tree" if contexts else "hunks", notes=notes)
    return _as_posted(review, originals)


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


def _as_posted(review: Review, originals: dict[int, tuple[Patch, Patch]]) -> Review:
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


class _Scratch:
    """A private index (GIT_INDEX_FILE in the store's private directory) with only the files
    the series touches, staged from the base in one `git update-index` before the first patch.

    The user's index, working tree, refs and worktree list are never touched, and the blobs
    `git apply` writes go to the store's private object directory; the index is removed on
    exit, whatever ends the review.
    """

    def __init__(self, store: "_Store", patches=()):
        self.store = store
        fd, self.index = tempfile.mkstemp(prefix="index-", dir=store.tmp)
        os.close(fd)
        os.unlink(self.index)  # git writes it (an empty file is not an index)
        self.env = dict(store.env, GIT_INDEX_FILE=self.index)
        self.paths = sorted({p for patch in patches for fd in patch.files for p in (fd.old_path, fd.path) if p})
        self.staged: set[str] = set()

    def __enter__(self) -> "_Scratch":
        return self

    def __exit__(self, *exc) -> None:
        for name in (self.index, self.index + ".lock"):
            with contextlib.suppress(OSError):
                os.unlink(name)

    def _git(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=self.store.cwd, env=self.env, input=stdin,
                              capture_output=True, check=False)

    def _can_merge(self, patch: Patch) -> bool:
        """Could `git apply --3way` do what the plain apply could not?  Not when no file of the
        patch names a pre-image blob (its `index OLD..NEW` line) that the repository has: git
        then fails with "repository lacks the necessary blob", so we spare the attempt (most
        old patches against a newer tree)."""
        olds = _INDEX_LINE.findall(patch.diff)
        return len(olds) != 0 and bool(self.store.read_many(o for o in olds if o.strip("0")))

    def apply(self, patch: Patch, reader: "_Reader", snap: _Snap) -> tuple[str, _Snap | None]:
        """(error, None) or ('', the state after `patch`)."""
        paths = sorted({p for fd in patch.files for p in (fd.old_path, fd.path) if p})
        info = []
        for p in dict.fromkeys([*paths, *self.paths]):  # the whole series' files, once
            if p in self.staged:
                continue
            self.staged.add(p)
            entry = reader.entry(snap.commit, p)  # not staged yet: unchanged since the base
            if entry:
                info.append(f"{entry[1]:o} {entry[0]}\t{p}\0")
        if info:
            done = self._git("update-index", "--add", "-z", "--index-info", stdin="".join(info).encode(
                "utf-8", "surrogateescape"))
            if done.returncode:
                return _git_error(done.stderr.decode("utf-8", "replace")), None
        diff = patch.diff.encode("utf-8", "surrogateescape")
        first = self._git("apply", "--cached", "--whitespace=nowarn", stdin=diff)
        if first.returncode and (not self._can_merge(patch) or self._git(
                "apply", "--cached", "--3way", "--whitespace=nowarn", stdin=diff).returncode):
            return _git_error(first.stderr.decode("utf-8", "replace")), None
        staged = {}
        listed = self._git("ls-files", "-s", "-z", "--", *paths).stdout.decode("utf-8", "surrogateescape")
        for line in listed.split("\0"):
            meta, _, path = line.partition("\t")
            if path:
                staged[path] = meta.split()[1]
        overlay = dict(snap.overlay)
        overlay.update({p: staged.get(p) for p in paths})
        return "", _Snap(snap.commit, MappingProxyType(overlay))


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


def _as_applied(store: "_Store", reader: "_Reader", patch: Patch, pre: _Snap, post: _Snap) -> Patch:
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


# ----------------------------------------------------------------------------- reading the tree

_SCANS: dict[str, "_HeaderScan"] = {}
_MAKEFILES: dict[str, list] = {}
_TREES: dict[str, dict[str, tuple[int, str]]] = {}


def _parse_tree(data: bytes) -> dict[str, tuple[int, str]]:
    """A raw git tree object: {name: (mode, object id)}."""
    out = {}
    i = 0
    while i < len(data):
        sp = data.index(b" ", i)
        nul = data.index(b"\0", sp)
        out[data[sp + 1:nul].decode("utf-8", "surrogateescape")] = (int(data[i:sp], 8), data[nul + 1:nul + 21].hex())
        i = nul + 21
    return out


class _Store:
    """One repository's git plumbing: a private object directory and one `git cat-file --batch`.

    The user's repository is read-only to reviewbot.  Every git command of tree mode runs with
    GIT_OBJECT_DIRECTORY set to a private directory (removed by close()) and the repository's
    objects as an alternate (GIT_ALTERNATE_OBJECT_DIRECTORIES), so the blobs `git apply` and
    `--3way` write land there, never in the repository.  All reads (commits, trees, blobs,
    `REV^{commit}` look-ups) go through one long-lived `git cat-file --batch` with the same
    environment, which sees both.  Inside session() a store serves every series reviewed
    against the same repository; outside, each review opens and closes its own.
    """

    def __init__(self, tree_dir: str):
        import git  # GitPython: finding the repository (and its common dir) the way we always have

        try:
            repo = git.Repo(tree_dir, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise InputError(tree_dir, "not a git repository (tree mode needs a kernel git clone)") from None
        try:
            self.work_dir = repo.working_tree_dir
            self.cwd = repo.working_tree_dir or repo.git_dir
            common = os.path.abspath(getattr(repo, "common_dir", None) or repo.git_dir)
        finally:
            repo.close()
        self.pid = os.getpid()
        self.tmp = tempfile.mkdtemp(prefix="reviewbot-tree-")
        objects = os.path.join(self.tmp, "objects")
        os.makedirs(os.path.join(objects, "info"))
        os.makedirs(os.path.join(objects, "pack"))
        self.env = dict(os.environ, **_GIT_ENV, GIT_OBJECT_DIRECTORY=objects,
                        GIT_ALTERNATE_OBJECT_DIRECTORIES=os.path.join(common, "objects"))
        for name in ("GIT_INDEX_FILE", "GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR"):
            self.env.pop(name, None)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None

    def close(self) -> None:
        if self.pid != os.getpid():  # a forked worker: the parent's to close
            return
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def git(self, *args: str) -> bytes:
        """stdout of a git command in this environment (b'' when it fails)."""
        done = subprocess.run(["git", *args], cwd=self.cwd, env=self.env, capture_output=True, check=False)
        return b"" if done.returncode else done.stdout

    def _batch(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self.cwd, env=self.env,
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL)
        return self._proc

    def read_many(self, names) -> dict[str, tuple[str, str, bytes]]:
        """{name: (object id, type, content)} of the names git has (ids, or `REV^{commit}`)."""
        names = [n for n in dict.fromkeys(names) if n and "\n" not in n]
        out: dict[str, tuple[str, str, bytes]] = {}
        with self._lock:
            for start in range(0, len(names), 500):  # well under the pipe's buffer: no deadlock
                chunk = names[start:start + 500]
                proc = self._batch()
                proc.stdin.write("".join(f"{n}\n" for n in chunk).encode("utf-8", "surrogateescape"))
                proc.stdin.flush()
                for n in chunk:
                    head = proc.stdout.readline()
                    if not head:
                        raise InputError(self.cwd, "git cat-file --batch ended unexpectedly")
                    parts = head.split()
                    if len(parts) != 3 or parts[1] == b"missing":  # '<name> missing' / 'ambiguous'
                        continue
                    size = int(parts[2])
                    data = proc.stdout.read(size + 1)
                    out[n] = (parts[0].decode(), parts[1].decode(), data[:size])
        return out

    def read(self, name: str) -> tuple[str, str, bytes] | None:
        return self.read_many([name]).get(name)

    def commit(self, rev: str) -> tuple[str, tuple[str, ...]] | None:
        """(commit id, parent ids) of a revision, None when the repository has no such commit."""
        got = self.read(f"{rev}^{{commit}}")
        if got is None:
            return None
        head = got[2].split(b"\n\n", 1)[0].decode("utf-8", "replace").split("\n")
        return got[0], tuple(ln[7:].strip() for ln in head if ln.startswith("parent "))

    def tree_of(self, commit: str) -> str | None:
        got = self.read(f"{commit}^{{commit}}")
        if got is None or not got[2].startswith(b"tree "):
            return None
        return got[2][5:got[2].index(b"\n")].decode()


_STORES: dict[str, _Store] = {}
_SESSIONS = 0
_STORES_LOCK = threading.Lock()


@contextlib.contextmanager
def session():
    """Keep one _Store per repository for every review inside the block (batch commands)."""
    global _SESSIONS
    with _STORES_LOCK:
        _SESSIONS += 1
    try:
        yield
    finally:
        with _STORES_LOCK:
            _SESSIONS -= 1
            done = [] if _SESSIONS else list(_STORES.values())
            if not _SESSIONS:
                _STORES.clear()
        for store in done:
            store.close()


@contextlib.contextmanager
def _store(tree_dir: str):
    key = os.path.abspath(tree_dir)
    with _STORES_LOCK:
        store = _STORES.get(key) if _SESSIONS else None
        own = store is None and not _SESSIONS
    if store is None:
        store = _Store(tree_dir)
        if not own:
            _close_at_exit()
            with _STORES_LOCK:
                store = _STORES.setdefault(key, store)
    try:
        yield store
    finally:
        if own:
            store.close()


def _close_stores() -> None:
    for store in list(_STORES.values()):
        store.close()  # only those this process opened


_FINALIZING: set[int] = set()  # processes whose multiprocessing exit runs _close_stores


def _close_at_exit() -> None:
    """A multiprocessing worker ends without atexit: its stores close in its exit function."""
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is not None and os.getpid() not in _FINALIZING:
        _FINALIZING.add(os.getpid())
        mp_util.Finalize(None, _close_stores, exitpriority=0)


def _forget_stores() -> None:
    """In a forked child: the parent's stores are the parent's; this process opens its own."""
    global _STORES, _STORES_LOCK
    _STORES, _STORES_LOCK = {}, threading.Lock()


atexit.register(_close_stores)
os.register_at_fork(after_in_child=_forget_stores)


class _Reader:
    """Files of tree states, read through the store's `git cat-file --batch`.  Trees are
    parsed from raw objects and, like header scans, cached by object id for the whole process."""

    def __init__(self, store: _Store):
        self.store = store
        self._roots: dict[str, str] = {}
        self._blobs: dict[str, str] = {}
        for cache, limit in ((_SCANS, 20000), (_MAKEFILES, 5000), (_TREES, 20000)):
            if len(cache) > limit:
                cache.clear()
        self.scans = _SCANS
        self.makefiles = _MAKEFILES

    def _raw(self, sha: str) -> bytes:
        got = self.store.read(sha)
        return got[2] if got else b""

    def _dir(self, commit: str, d: str) -> dict[str, tuple[int, str]] | None:
        if commit not in self._roots:
            root = self.store.tree_of(commit)
            if root is None:
                return None
            self._roots[commit] = root
        sha = self._roots[commit]
        for part in d.split("/") if d else ():
            if sha not in _TREES:
                _TREES[sha] = _parse_tree(self._raw(sha))
            entry = _TREES[sha].get(part)
            if entry is None or entry[0] != 0o40000:
                return None
            sha = entry[1]
        if sha not in _TREES:
            _TREES[sha] = _parse_tree(self._raw(sha))
        return _TREES[sha]

    def entry(self, commit: str, path: str) -> tuple[str, int] | None:
        """(blob id, mode) of `path` in `commit`."""
        entries = self._dir(commit, posixpath.dirname(path))
        found = entries.get(posixpath.basename(path)) if entries else None
        if found is None or found[0] & 0o170000 not in (0o100000, 0o120000):
            return None
        return found[1], found[0]

    def prefetch(self, shas) -> None:
        """Read many blobs in one round trip to the store's `git cat-file --batch`."""
        want = [s for s in dict.fromkeys(shas) if s and s not in self._blobs]
        if len(want) < 2:
            return
        for sha, (_id, _kind, data) in self.store.read_many(want).items():
            self._blobs[sha] = data.decode("utf-8", "replace")

    def blob_id(self, snap: _Snap | None, path: str | None) -> str | None:
        if snap is None or not path:
            return None
        if path in snap.overlay:
            return snap.overlay[path]
        entry = self.entry(snap.commit, path)
        return entry[0] if entry else None

    def exists(self, snap: _Snap, path: str) -> bool:
        return self.blob_id(snap, path) is not None

    def text(self, snap: _Snap | None, path: str | None) -> str | None:
        sha = self.blob_id(snap, path)
        if sha is None:
            return None
        if sha not in self._blobs:
            self._blobs[sha] = self._raw(sha).decode("utf-8", "replace")
        return self._blobs[sha]

    def grep_config(self, snap: _Snap, symbol: str) -> str | None:
        """The Kconfig file defining `symbol` (a tree-wide git grep, the slow fallback)."""
        out = self.store.git("grep", "-l", "-E", f"^[[:space:]]*(menu)?config[[:space:]]+{symbol}[[:space:]]*$",
                             snap.commit, "--", "*Kconfig*").decode("utf-8", "surrogateescape")
        for line in out.splitlines():
            return line.split(":", 1)[1] if ":" in line else line
        return None


# ----------------------------------------------------------------------------- contexts and facts

def _context(reader: _Reader, patch: Patch, pre: _Snap | None, post: _Snap, series_text: str,
             facts: dict[str, str]) -> Context:
    files: dict[str, FileImages] = {}
    extra: dict[str, str] = dict(facts)
    budget = [MAX_EXTRA_TOTAL]
    for fd in patch.files:
        if fd.is_binary:
            continue
        before = None if fd.is_new else reader.text(pre, fd.old_path or fd.path)
        after = None if fd.is_deleted else reader.text(post, fd.path)
        files[fd.path] = FileImages(before, after)
    for fd in patch.files:  # a renamed file is found by its old name too
        if fd.old_path and fd.old_path != fd.path and fd.path in files:
            files.setdefault(fd.old_path, files[fd.path])
    for fd in patch.files:
        if fd.is_c and not fd.is_binary:
            at = pre if fd.is_deleted else post
            text = files[fd.path].pre if fd.is_deleted else files[fd.path].post
            if at is not None and text is not None:
                _file_facts(reader, at, fd.path, text, extra, files, budget)
    return Context(mode="tree", files=MappingProxyType(files), extra=MappingProxyType(extra),
                   series_text=series_text)


def _add_file(reader: _Reader, commit: _Snap, path: str, extra: dict, files: dict, budget: list) -> None:
    if path in extra or path in files:
        return
    text = reader.text(commit, path)
    if text is None or len(text) > MAX_EXTRA_FILE or len(text) > budget[0]:
        return
    budget[0] -= len(text)
    extra[path] = text


def _file_facts(reader: _Reader, commit: _Snap, path: str, text: str, extra: dict, files: dict,
                budget: list) -> None:
    d = posixpath.dirname(path)
    includes = _direct_includes(reader, commit, path, text)
    if includes:
        extra[f"includes:{path}"] = "\n".join(includes)
    for h in includes:
        if posixpath.dirname(h) == d:
            _add_file(reader, commit, h, extra, files, budget)
    structs, wrappers = _owner_facts(reader, commit, includes)
    if structs:
        extra[f"owner-structs:{path}"] = "\n".join(structs)
    if wrappers:
        extra[f"owner-wrappers:{path}"] = "\n".join(wrappers)
    if not path.endswith(".c"):
        return
    build = _build_facts(reader, commit, path)
    if build is None:
        extra[f"modular:{path}"] = "unknown"
        return
    mk, how, symbol, lines, module, objects = build
    _add_file(reader, commit, mk, extra, files, budget)
    extra[f"makefile.line:{path}"] = "\n".join(lines)
    extra[f"module.name:{path}"] = module
    extra[f"module.objects:{path}"] = "\n".join(objects)
    for src in objects:
        _add_file(reader, commit, src, extra, files, budget)
    kind = {"m": "tristate", "y": "bool"}.get(how)
    if symbol:
        extra[f"kconfig.symbol:{path}"] = symbol
        found = _kconfig(reader, commit, d, symbol)
        if found:
            kfile, kind = found
            extra[f"kconfig.file:{path}"] = kfile
            if kind:
                extra[f"kconfig.type:{path}"] = kind
            _add_file(reader, commit, kfile, extra, files, budget)
        else:
            kind = None
    modular = {"m": "yes", "y": "no"}.get(how) or {"tristate": "yes", "bool": "no"}.get(kind or "", "unknown")
    extra[f"modular:{path}"] = modular


# -- includes and headers

_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]', re.M)


def _resolve_include(reader: _Reader, commit: _Snap, src: str, quote: str, name: str) -> str | None:
    cands = []
    if quote == '"':
        cands.append(posixpath.normpath(posixpath.join(posixpath.dirname(src), name)))
    if not name.startswith("asm/"):
        cands += [posixpath.normpath("include/" + name), posixpath.normpath("include/uapi/" + name)]
    for c in cands:
        if not c.startswith("..") and reader.exists(commit, c):
            return c
    return None


def _direct_includes(reader: _Reader, commit: _Snap, src: str, text: str) -> list[str]:
    out: list[str] = []
    for m in _INCLUDE.finditer(text):
        h = _resolve_include(reader, commit, src, m.group(1), m.group(2).strip())
        if h and h not in out:
            out.append(h)
    return out


class _HeaderScan:
    """What one header declares that ownership rules care about (cached per blob)."""

    __slots__ = ("includes", "structs", "macros", "wrappers")

    def __init__(self, text: str):
        code = _strip_comments(text)
        self.includes = [(m.group(1), m.group(2).strip()) for m in _INCLUDE.finditer(code)]
        self.structs = _owner_structs(code) if "module" in code and _OWNER_MEMBER.search(code) else []
        self.macros: dict[str, frozenset[str]] = {}  # function-like macro -> identifiers it names
        self.wrappers: set[str] = set()
        for m in _DEFINE.finditer(code):
            body = m.group(3)
            self.macros[m.group(1)] = frozenset(_IDENT.findall(body))
            if "THIS_MODULE" in body and "THIS_MODULE" not in m.group(2) and _THIS_MODULE.search(body):
                self.wrappers.add(m.group(1))
        if "THIS_MODULE" in code:
            self.wrappers.update(_inline_wrappers(code))


_LINE_COMMENT = re.compile(r"//[^\n]*")


def _strip_comments(text: str) -> str:
    """C comments replaced by a space (str.find, much faster than a lazy regex on big headers)."""
    out = []
    i = 0
    while True:
        a = text.find("/*", i)
        if a < 0:
            break
        b = text.find("*/", a + 2)
        out.append(text[i:a])
        out.append(" ")
        i = len(text) if b < 0 else b + 2
    out.append(text[i:])
    code = "".join(out)
    return _LINE_COMMENT.sub("", code) if "//" in code else code


_IDENT = re.compile(r"[A-Za-z_]\w*")
_THIS_MODULE = re.compile(r"\bTHIS_MODULE\b")
_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)\n]*)\)((?:[^\n]*\\\n)*[^\n]*)", re.M)
_STRUCT_OPEN = re.compile(r"struct\s+(\w+)\s*\{")
_OWNER_MEMBER = re.compile(r"struct\s+module\s*\*\s*(?:const\s+)?(\w+)\s*(?:;|__\w+\s*;)")
_PREPROC = re.compile(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", re.M)


def _block_end(code: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(code)):
        c = code[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(code)


def _owner_structs(code: str) -> list[tuple[str, str]]:
    out = []
    for m in _STRUCT_OPEN.finditer(code):
        end = _block_end(code, m.end() - 1)
        body = code[m.end():end]
        # members of nested named struct definitions belong to those structs
        body = re.sub(r"\bstruct\s+\w+\s*\{[^{}]*\}", " ", body)
        for mm in _OWNER_MEMBER.finditer(body):
            out.append((m.group(1), mm.group(1)))
    return out


_FUNC_HEAD = re.compile(r"(\w+)\s*\([^;{}()]*(?:\([^;{}()]*\)[^;{}()]*)*\)\s*$")


def _inline_wrappers(code: str) -> set[str]:
    """Functions defined in a header whose body passes THIS_MODULE (static inline wrappers)."""
    code = _PREPROC.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), code)
    out = set()
    i = 0
    while True:
        i = code.find("{", i)
        if i < 0:
            break
        end = _block_end(code, i)
        block = code[i:end]
        if "THIS_MODULE" in block:
            head = _FUNC_HEAD.search(code, max(0, i - 400), i)
            if head and head.group(1) not in ("if", "while", "for", "switch", "sizeof"):
                out.add(head.group(1))
        i = end + 1
    return out


def _owner_facts(reader: _Reader, commit: _Snap, includes: list[str]) -> tuple[list[str], list[str]]:
    """Breadth-first over the include graph: owner-carrying structs and THIS_MODULE wrappers."""
    seen = set(includes)
    level, depth = list(includes), 1
    scans: list[tuple[str, _HeaderScan]] = []
    while level and len(scans) < MAX_HEADERS:
        ids = [(h, reader.blob_id(commit, h)) for h in level[:MAX_HEADERS - len(scans)]]
        reader.prefetch(sha for _, sha in ids if sha not in reader.scans)
        nxt = []
        for path, sha in ids:
            if sha is None:
                continue
            scan = reader.scans.get(sha)
            if scan is None:
                scan = reader.scans[sha] = _HeaderScan(reader.text(commit, path) or "")
            scans.append((path, scan))
            if depth >= INCLUDE_DEPTH:
                continue
            for quote, name in scan.includes:
                h = _resolve_include(reader, commit, path, quote, name)
                if h and h not in seen:
                    seen.add(h)
                    nxt.append(h)
        level, depth = nxt, depth + 1
    structs = sorted({f"{s} {member} {path}" for path, scan in scans for s, member in scan.structs})
    where: dict[str, str] = {}
    for path, scan in scans:
        for w in sorted(scan.wrappers):
            where.setdefault(w, path)
    macros = [(name, idents, path) for path, scan in scans for name, idents in scan.macros.items()]
    for _ in range(3):  # macros that call a wrapper are wrappers too (module_platform_driver)
        names = set(where)
        grew = False
        for name, idents, path in macros:
            if name not in where and not idents.isdisjoint(names):
                where[name] = path
                grew = True
        if not grew:
            break
    wrappers = sorted(f"{name} {path}" for name, path in where.items())
    return structs, wrappers


# -- Makefile and Kconfig

_ASSIGN = re.compile(r"^([A-Za-z0-9_.+/-]+?)-(y|m|objs|\$\(CONFIG_(\w+)\))\s*(?::=|\+=|\?=|=)\s*(.*)$")
_NOT_MODULES = {"ccflags", "asflags", "ldflags", "subdir-ccflags", "subdir", "lib", "extra", "always",
                "hostprogs", "targets", "userprogs", "clean-files", "header-test", "CFLAGS", "AFLAGS"}


def _makefile(reader: _Reader, commit: _Snap, d: str) -> tuple[str, list] | None:
    for name in ("Kbuild", "Makefile"):
        path = posixpath.join(d, name) if d else name
        sha = reader.blob_id(commit, path)
        if sha is None:
            continue
        if sha not in reader.makefiles:
            entries = []
            joined = re.sub(r"\\\n", " ", reader.text(commit, path) or "")
            for raw in joined.splitlines():
                line = raw.split("#", 1)[0].strip()
                m = _ASSIGN.match(line)
                if m and m.group(1) not in _NOT_MODULES:
                    cond = m.group(3) or m.group(2)
                    entries.append((m.group(1), cond, m.group(4).split(), " ".join(raw.split())))
            reader.makefiles[sha] = entries
        return path, reader.makefiles[sha]
    return None


def _find_obj(entries: list, obj: str, depth: int = 0):
    """(how, symbol, lines, module, members) for `obj` in one Makefile's assignments."""
    for prefix, cond, values, line in entries:
        if obj not in values:
            continue
        if prefix == "obj":
            how = cond if cond in ("y", "m") else ""
            return how, "" if how else cond, [line], obj[:-2], [obj]
        if depth < 3:
            found = _find_obj(entries, prefix + ".o", depth + 1)
            if found:
                how, symbol, lines, _, _ = found
                members = [v for p, _c, vals, _l in entries if p == prefix for v in vals if v.endswith(".o")]
                mine = [ln for p, _c, vals, ln in entries if p == prefix and obj in vals]
                return how, symbol, mine + lines, prefix, members
    return None


def _build_facts(reader: _Reader, commit: _Snap, path: str):
    """Which Makefile builds `path` and how: looks in its directory, then up to two parents."""
    d = posixpath.dirname(path)
    rel = posixpath.basename(path)[:-2] + ".o"
    for _ in range(3):
        mk = _makefile(reader, commit, d)
        if mk is not None:
            found = _find_obj(mk[1], rel)
            if found:
                how, symbol, lines, module, members = found
                objects = []
                for o in members:
                    src = posixpath.normpath(posixpath.join(d, o[:-2] + ".c"))
                    if reader.exists(commit, src) and src not in objects:
                        objects.append(src)
                return mk[0], how, symbol, lines, posixpath.normpath(posixpath.join(d, module)), objects
        if not d:
            break
        rel = posixpath.basename(d) + "/" + rel
        d = posixpath.dirname(d)
    return None


_KCONFIG_END = re.compile(r"^(config|menuconfig|choice|endchoice|menu|endmenu|if|endif|source|comment|mainmenu)\b")
_KCONFIG_TYPE = re.compile(r"^\s+(tristate|def_tristate|bool|boolean|def_bool)\b")


def _kconfig_type(text: str, symbol: str) -> str | None:
    """'tristate' / 'bool' / '' for the first definition of `symbol` in `text`; None if absent."""
    lines = text.split("\n")
    head = re.compile(rf"^\s*(menu)?config\s+{re.escape(symbol)}\s*$")
    for i, ln in enumerate(lines):
        if not head.match(ln):
            continue
        for body in lines[i + 1:]:
            if _KCONFIG_END.match(body) or re.match(r"^\s*(---)?help(---)?\s*$", body):
                break
            m = _KCONFIG_TYPE.match(body)
            if m:
                return "tristate" if "tristate" in m.group(1) else "bool"
        return ""
    return None


def _kconfig(reader: _Reader, commit: _Snap, d: str, symbol: str) -> tuple[str, str] | None:
    """(Kconfig file, type) defining `symbol`: the directory and its parents first, then git grep."""
    cands = []
    while True:
        cands.append(posixpath.join(d, "Kconfig") if d else "Kconfig")
        if not d:
            break
        d = posixpath.dirname(d)
    for kfile in cands:
        text = reader.text(commit, kfile)
        if text is not None and symbol in text:
            kind = _kconfig_type(text, symbol)
            if kind is not None:
                return kfile, kind
    kfile = reader.grep_config(commit, symbol)
    if kfile:
        kind = _kconfig_type(reader.text(commit, kfile) or "", symbol)
        if kind is not None:
            return kfile, kind
    return None

