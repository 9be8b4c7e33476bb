"""Git objects for tree mode: a read-only view of the user's clone.

``Store`` is one repository's plumbing (a private object directory, one long-lived
``git cat-file --batch``); ``Reader`` reads files of tree states (``Snap``: a commit plus the
blobs a series changed) through it, caching parsed trees by object id; ``session()`` keeps one
store per repository for every review inside the block.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import functools
import hashlib
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import zlib
from dataclasses import dataclass, field
from typing import Mapping

from reviewbot.errors import InputError

# Hooks of the user's clone never run for us; paths are paths, not globs.
# a Kconfig symbol grep_config() finds in the index; a `config`/`menuconfig` line, as git
# grep's [[:space:]] reads it (the symbol, and only blanks around it)
_PLAIN_SYMBOL = re.compile(r"[A-Za-z0-9_]+")
_CONFIG_LINE = re.compile(r"[ \t\n\r\f\v]*(?:menu)?config[ \t\n\r\f\v]+([^ \t\n\r\f\v]+)[ \t\n\r\f\v]*$")

_GIT_ENV = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.hooksPath", "GIT_CONFIG_VALUE_0": "/dev/null",
            "GIT_LITERAL_PATHSPECS": "1"}


@dataclass(frozen=True)
class Snap:
    """A state of the tree: a commit plus the blobs that differ from it (None: deleted)."""

    commit: str
    overlay: Mapping[str, str | None] = field(default_factory=dict)


_SCANS: dict[str, "HeaderScan"] = {}
_MAKEFILES: dict[str, list] = {}
_TREES: dict[str, dict[str, tuple[int, str]]] = {}
_ENTRIES: dict[tuple[str, str], tuple[str, int] | None] = {}  # (commit, path) -> entry(): commits do not change
INCLUDES: dict[tuple, tuple] = {}  # reviewbot.tree.headers: the resolved includes of a header blob at a commit
# Blobs read, by object id, across series (the revisions of a series touch the same files of the
# same base): an object's content never changes.  Least recently used first; BLOB_BYTES in all.
_BLOBS: "collections.OrderedDict[str, bytes]" = collections.OrderedDict()
BLOB_BYTES = 64 << 20
_BLOB_SIZE = [0]
_BLOB_LOCK = threading.Lock()


def _remember_blob(sha: str, data: bytes) -> None:
    with _BLOB_LOCK:
        if sha in _BLOBS or len(data) > BLOB_BYTES // 8:
            return
        _BLOBS[sha] = data
        _BLOB_SIZE[0] += len(data)
        while _BLOB_SIZE[0] > BLOB_BYTES:
            _BLOB_SIZE[0] -= len(_BLOBS.popitem(last=False)[1])


def _kept_blob(sha: str) -> bytes | None:
    with _BLOB_LOCK:
        data = _BLOBS.get(sha)
        if data is not None:
            _BLOBS.move_to_end(sha)
        return data


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


class Store:
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
        self._check: subprocess.Popen | None = None  # `git cat-file --batch-check`: existence only
        self._commits: dict[str, tuple[str, tuple[str, ...]]] = {}  # full commit id -> (id, parents)
        self._trees: dict[str, str | None] = {}  # commit id -> its root tree id
        self._configs: dict[str, dict[str, str]] = {}  # commit id -> config_index()
        self.hash_len = 40  # hex digits of an object id (64: a SHA-256 repository), from the first read
        self._pending: dict[str, bytes] = {}  # blobs made in Python (tree.patchapply), not yet written
        self._pending_lock = threading.Lock()

    def close(self) -> None:
        if self.pid != os.getpid():  # a forked worker: the parent's to close
            return
        for attr in ("_proc", "_check"):
            proc = getattr(self, attr)
            setattr(self, attr, None)
            if proc is None:
                continue
            with contextlib.suppress(OSError):
                proc.stdin.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @functools.cached_property
    def plain_apply(self) -> bool:
        """May tree.patchapply stand in for `git apply`?  Not when the clone's configuration
        makes git ignore whitespace, nor without a work tree."""
        return self.work_dir is not None and not self.git("config", "--get", "apply.ignoreWhitespace")

    def add_blob(self, data: bytes) -> str:
        """The object id of a blob with `data`; it is written to the private object directory
        before the next git command (flush), and served from memory until then."""
        kind = hashlib.sha256 if self.hash_len == 64 else hashlib.sha1
        oid = kind(b"blob %d\0" % len(data) + data).hexdigest()
        self._pending[oid] = data
        return oid

    def pending(self, oid: str) -> bytes | None:
        return self._pending.get(oid)

    def flush(self) -> None:
        """Write the blobs add_blob() made as loose objects (git commands may need them)."""
        if not self._pending:
            return
        objects = self.env["GIT_OBJECT_DIRECTORY"]
        with self._pending_lock:  # written before they leave the dict: readers find them either way
            done = list(self._pending.items())
            for oid, data in done:
                d = os.path.join(objects, oid[:2])
                path = os.path.join(d, oid[2:])
                if os.path.exists(path):
                    continue
                os.makedirs(d, exist_ok=True)
                tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
                with open(tmp, "wb") as fh:
                    fh.write(zlib.compress(b"blob %d\0" % len(data) + data, 1))
                os.replace(tmp, path)
            for oid, _ in done:
                del self._pending[oid]

    def config_index(self, commit: str) -> dict[str, str]:
        """{symbol: the first Kconfig file (git grep's order) with a line defining it} of a
        commit's tree: one grep for every `config`/`menuconfig` line, kept per commit."""
        got = self._configs.get(commit)
        if got is None:
            out = self.git("grep", "-a", "-z", "-E", r"^[[:space:]]*(menu)?config[[:space:]]+[^[:space:]]+[[:space:]]*$",
                           commit, "--", "*Kconfig*", globs=True).decode("utf-8", "surrogateescape")
            got = {}
            for line in out.split("\n"):  # (not splitlines(): a form feed is a blank here)
                name, _, content = line.partition("\0")
                m = _CONFIG_LINE.match(content)
                if m:
                    got.setdefault(m.group(1), name.split(":", 1)[1] if ":" in name else name)
            self._configs[commit] = got
        return got

    def git(self, *args: str, globs: bool = False) -> bytes:
        """stdout of a git command in this environment (b'' when it fails).  `globs`: its
        pathspecs are patterns (`*Kconfig*`), not the literal paths every other command names."""
        self.flush()
        env = self.env if not globs else {k: v for k, v in self.env.items() if k != "GIT_LITERAL_PATHSPECS"}
        done = subprocess.run(["git", *args], cwd=self.cwd, env=env, capture_output=True, check=False)
        return b"" if done.returncode else done.stdout

    def _batch(self, check: bool = False) -> subprocess.Popen:
        attr, mode = ("_check", "--batch-check") if check else ("_proc", "--batch")
        proc = getattr(self, attr)
        if proc is None or proc.poll() is not None:
            proc = subprocess.Popen(["git", "cat-file", mode], cwd=self.cwd, env=self.env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            setattr(self, attr, proc)
        return proc

    def has_many(self, names) -> set[str]:
        """The names (ids, or `REV^{commit}`) of objects git has, without reading them."""
        names = [n for n in dict.fromkeys(names) if n and "\n" not in n]
        if self._pending and any(oid.startswith(n) for oid in list(self._pending) for n in names):
            self.flush()  # an (abbreviated) id names a blob made here: git must see it
        out: set[str] = set()
        with self._lock:
            for start in range(0, len(names), 500):
                chunk = names[start:start + 500]
                proc = self._batch(check=True)
                proc.stdin.write("".join(f"{n}\n" for n in chunk).encode("utf-8", "surrogateescape"))
                proc.stdin.flush()
                for n in chunk:
                    head = proc.stdout.readline()
                    if not head:
                        raise InputError(self.cwd, "git cat-file --batch-check ended unexpectedly")
                    parts = head.split()
                    if len(parts) == 3 and parts[1] != b"missing":
                        out.add(n)
        return out

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
                    self.hash_len = len(parts[0])
        return out

    def read(self, name: str) -> tuple[str, str, bytes] | None:
        return self.read_many([name]).get(name)

    def commit(self, rev: str) -> tuple[str, tuple[str, ...]] | None:
        """(commit id, parent ids) of a revision, None when the repository has no such commit."""
        return self.commits([rev]).get(rev)

    def commits(self, revs) -> dict[str, tuple[str, tuple[str, ...]]]:
        """commit() of many revisions in one round trip: {rev: (commit id, parent ids)} of those
        the repository has.  A commit named by its full id is read once per store (commits do not
        change; HEAD and other names are resolved each time)."""
        revs = list(dict.fromkeys(revs))
        out = {r: self._commits[r] for r in revs if r in self._commits}
        got = self.read_many(f"{r}^{{commit}}" for r in revs if r not in out)
        for r in revs:
            raw = got.get(f"{r}^{{commit}}")
            if raw is None or r in out:
                continue
            head = raw[2].split(b"\n\n", 1)[0].decode("utf-8", "replace").split("\n")
            out[r] = raw[0], tuple(ln[7:].strip() for ln in head if ln.startswith("parent "))
            self._trees[raw[0]] = raw[2][5:raw[2].index(b"\n")].decode() if raw[2].startswith(b"tree ") else None
            if r == raw[0]:
                self._commits[r] = out[r]
        return out

    def tree_of(self, commit: str) -> str | None:
        if commit not in self._trees:
            got = self.read(f"{commit}^{{commit}}")
            tree = got[2][5:got[2].index(b"\n")].decode() if got and got[2].startswith(b"tree ") else None
            if got is None or got[0] != commit:
                return tree  # a name, not an id: not cached
            self._trees[commit] = tree
        return self._trees[commit]


_STORES: dict[str, Store] = {}
_SESSIONS = 0
_STORES_LOCK = threading.Lock()


@contextlib.contextmanager
def session():
    """Keep one Store per repository for every review inside the block (batch commands)."""
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
def open_store(tree_dir: str):
    key = os.path.abspath(tree_dir)
    with _STORES_LOCK:
        store = _STORES.get(key) if _SESSIONS else None
        own = store is None and not _SESSIONS
    if store is None:
        store = Store(tree_dir)
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


class Reader:
    """Files of tree states, read through the store's `git cat-file --batch`.  Trees are
    parsed from raw objects and, like header scans, cached by object id for the whole process."""

    def __init__(self, store: Store):
        self.store = store
        self._roots: dict[str, str] = {}
        self._blobs: dict[str, str] = {}
        self._data: dict[str, bytes] = {}  # raw blobs read for tree.patchapply
        for cache, limit in ((_SCANS, 20000), (_MAKEFILES, 5000), (_TREES, 20000), (_ENTRIES, 200000),
                             (INCLUDES, 50000)):
            if len(cache) > limit:
                cache.clear()
        self.scans = _SCANS
        self.makefiles = _MAKEFILES

    def _raw(self, sha: str) -> bytes:
        made = self.store.pending(sha)
        if made is not None:
            return made
        got = self.store.read(sha)
        return got[2] if got else b""

    def _blob(self, sha: str) -> bytes:
        """_raw() of a blob, kept across series by its whole object id (see _BLOBS)."""
        data = _kept_blob(sha)
        if data is not None:
            return data
        data = self._raw(sha)
        if data and self._whole_id(sha):
            _remember_blob(sha, data)
        return data

    def _whole_id(self, sha: str) -> bool:
        return len(sha) == self.store.hash_len and all(c in "0123456789abcdef" for c in sha)

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
        key = (commit, path)
        if key in _ENTRIES:
            return _ENTRIES[key]
        entries = self._dir(commit, posixpath.dirname(path))
        found = entries.get(posixpath.basename(path)) if entries else None
        if found is None or found[0] & 0o170000 not in (0o100000, 0o120000):
            out = None
        else:
            out = found[1], found[0]
        if entries is not None or commit in self._roots:  # an unknown commit is not remembered
            _ENTRIES[key] = out
        return out

    def prefetch(self, shas) -> None:
        """Read many blobs in one round trip to the store's `git cat-file --batch`."""
        want = [s for s in dict.fromkeys(shas) if s and s not in self._blobs]
        for sha in want:
            kept = _kept_blob(sha)
            if kept is not None:
                self._blobs[sha] = kept.decode("utf-8", "replace")
        want = [s for s in want if s not in self._blobs]
        if len(want) < 2:
            return
        for sha, (_id, kind, data) in self.store.read_many(want).items():
            self._blobs[sha] = data.decode("utf-8", "replace")
            if kind == "blob" and self._whole_id(sha):
                _remember_blob(sha, data)

    def blob_id(self, snap: Snap | None, path: str | None) -> str | None:
        if snap is None or not path:
            return None
        if path in snap.overlay:
            return snap.overlay[path]
        entry = self.entry(snap.commit, path)
        return entry[0] if entry else None

    def exists(self, snap: Snap, path: str) -> bool:
        return self.blob_id(snap, path) is not None

    def text(self, snap: Snap | None, path: str | None) -> str | None:
        sha = self.blob_id(snap, path)
        if sha is None:
            return None
        if sha not in self._blobs:
            raw = self._data.get(sha)
            self._blobs[sha] = (self._blob(sha) if raw is None else raw).decode("utf-8", "replace")
        return self._blobs[sha]

    def data(self, sha: str) -> bytes:
        """A blob's bytes (cached for the reader's series)."""
        if sha not in self._data:
            self._data[sha] = self._blob(sha)
        return self._data[sha]

    def add_blob(self, data: bytes) -> str:
        """A blob made here (a post-image applied in Python): its id, readable from now on."""
        oid = self.store.add_blob(data)
        self._data[oid] = data
        return oid

    def grep_config(self, snap: Snap, symbol: str) -> str | None:
        """The Kconfig file defining `symbol` (a tree-wide git grep, the slow fallback): the
        first file, in git grep's order, with a line `config SYMBOL` / `menuconfig SYMBOL`.
        A plain symbol is looked up in the index of every such line of the commit, made by
        one grep and kept by the store (the same answer: tests/tree/test_grep_config.py)."""
        if _PLAIN_SYMBOL.fullmatch(symbol):
            return self.store.config_index(snap.commit).get(symbol)
        return self.grep_config_one(snap, symbol)

    def grep_config_one(self, snap: Snap, symbol: str) -> str | None:
        """grep_config() by a grep for this symbol alone."""
        out = self.store.git("grep", "-l", "-E", f"^[[:space:]]*(menu)?config[[:space:]]+{symbol}[[:space:]]*$",
                             snap.commit, "--", "*Kconfig*", globs=True).decode("utf-8", "surrogateescape")
        for line in out.splitlines():
            return line.split(":", 1)[1] if ":" in line else line
        return None
