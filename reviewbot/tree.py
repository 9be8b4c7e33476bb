"""Tree mode: give the checks whole files from a kernel git clone instead of bare hunks.

Two ways in, both through GitPython, both falling back to hunk context with a note:

* ``--tree DIR`` with a mailed series (``review_with_tree``): a temporary worktree of DIR is
  made at the series' base (``base-commit:``, else DIR's HEAD; the notes say which), and the
  patches are applied one by one with ``git apply --index`` (``--3way`` when that fails) and
  committed, so each patch's pre-image is the commit before it and its post-image the commit
  it made.  The worktree is *sparse by construction*: ``--no-checkout`` plus a ``read-tree``
  of the base, and only the files a patch touches are checked out, so a full kernel clone costs
  well under a second.  It is removed on every exit path (errors, KeyboardInterrupt).
  A base commit that DIR does not have, or a patch that does not apply, ends tree context for
  that patch and the rest of the series: they are checked on their hunks, and the Review's
  notes say so.
* ``--git A..B`` (``review_git_series``) and ``--tree`` with a series whose patches *are*
  commits of DIR (git format-patch Message-Ids carry the commit id): nothing is applied, the
  pre-image of a file is ``parent:path`` and the post-image ``commit:path``.

When git applied a patch at other lines than the mail says (offsets, a 3-way merge), the
checks get the diff as git applied it, so that every line number agrees with the images; the
notes say that line numbers then refer to the tree.

What a check receives (``reviewbot.context.Context``, mode ``"tree"``):

``files``
    ``{path: FileImages(pre, post)}`` for every non-binary file the patch touches (``pre`` is
    None for a new file, ``post`` None for a deleted one; a renamed file under both names).
``extra``
    Other files, keyed by their path (``Context.read(path)``): the Makefile (or Kbuild) and the
    Kconfig file of each touched ``.c`` file, the headers it includes with ``"..."``, and the
    other sources of the same composite module.  Each at most 256 KiB, 2 MiB per patch.
    And file-level facts, keyed ``"<fact>:<path>"`` for each touched C file ``path``
    (a fact is absent when it could not be established):

    ``kconfig.symbol:P``  the CONFIG_ symbol (without ``CONFIG_``) that builds P's object
    ``kconfig.type:P``    ``tristate`` or ``bool`` (``def_*`` folded in)
    ``kconfig.file:P``    the Kconfig file that defines the symbol
    ``makefile.line:P``   the Makefile line(s) naming P's object (``obj-...`` last), newline-separated
    ``modular:P``         ``yes`` (obj-m or a tristate symbol), ``no`` (obj-y, a bool symbol),
                          ``unknown``
    ``module.name:P``     the module (``.ko`` stem) P is linked into
    ``module.objects:P``  the sources of that module, newline-separated
    ``includes:P``        the headers P includes that exist in the tree, newline-separated
    ``owner-structs:P``   ``"<struct> <member> <header>"`` per line: struct types with a
                          ``struct module *`` member, declared in the headers P includes
                          (breadth-first, depth 3, at most 200 headers)
    ``owner-wrappers:P``  ``"<name> <header>"`` per line: macros and static inline functions of
                          those headers that pass ``THIS_MODULE`` (directly or through another
                          such wrapper), e.g. ``platform_driver_register``
    ``tree.base``         the commit the series was applied to (or the first commit's parent)
    ``tree.commit``       the commit holding this patch's post-images
"""

from __future__ import annotations

import email.utils
import os
import posixpath
import re
import shutil
import tempfile
from dataclasses import replace
from types import MappingProxyType
from reviewbot import engine
from reviewbot.context import Context, FileImages
from reviewbot.diffparse import DiffError, parse_diff_lenient
from reviewbot.errors import InputError
from reviewbot.model import FileDiff, Patch, Review, Series

MAX_EXTRA_FILE = 256 * 1024
MAX_EXTRA_TOTAL = 2 * 1024 * 1024
INCLUDE_DEPTH = 3
MAX_HEADERS = 200

# git format-patch: Message-Id: <COMMIT-ID.TIMESTAMP.git.AUTHOR>
_COMMIT_MSGID = re.compile(r"^<?([0-9a-f]{40}|[0-9a-f]{64})\.\d+\.git\.")
# Hooks of the user's clone must not run on our scratch commits.
_NO_HOOKS = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.hooksPath", "GIT_CONFIG_VALUE_0": "/dev/null"}


def _short(sha: str) -> str:
    return sha[:12]


def _series_text(series: Series) -> str:
    return "\n".join([series.cover] + [p.message for p in series.patches])


def _open(tree_dir: str):
    import git  # GitPython

    try:
        return git.Repo(tree_dir, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise InputError(tree_dir, "not a git repository (tree mode needs a kernel git clone)") from None


# ----------------------------------------------------------------------------- entry points

def review_with_tree(series: Series, tree_dir: str, checks) -> Review:
    """Review `series` with whole-file context from the git clone `tree_dir`."""
    repo = _open(tree_dir)
    try:
        commits = series_commits(repo, series)
        if commits:
            return _review_commits(series, repo, tree_dir, commits, checks)
        return _review_applied(series, repo, tree_dir, checks)
    finally:
        repo.close()


def review_git_series(series: Series, repo_dir: str, checks) -> Review:
    """A series made from commits of `repo_dir` (``--git``): images straight from the commits."""
    repo = _open(repo_dir)
    where = repo.working_tree_dir or repo_dir
    try:
        commits = series_commits(repo, series)
        if not commits:
            note = f"commits of {series.source or 'the series'} not found in {where}: hunk context only"
            return engine.review(series, checks=checks, notes=[note])
        return _review_commits(series, repo, where, commits, checks)
    finally:
        repo.close()


def patch_commit(patch: Patch) -> str | None:
    """The commit id a git format-patch Message-Id carries, if any."""
    m = _COMMIT_MSGID.match(patch.msgid or "")
    return m.group(1) if m else None


def series_commits(repo, series: Series) -> dict[int, str] | None:
    """{patch index: commit} when every patch is a (non-merge) commit of `repo`, else None."""
    out: dict[int, str] = {}
    for p in series.patches:
        sha = patch_commit(p)
        if sha is None:
            return None
        try:
            commit = repo.commit(sha)
        except Exception:  # gitdb BadName / BadObject / ValueError: not in this repository
            return None
        if len(commit.parents) > 1:
            return None
        out[p.index] = commit.hexsha
    return out or None


# ----------------------------------------------------------------------------- commit mode

def _review_commits(series: Series, repo, where: str, commits: dict[int, str], checks) -> Review:
    reader = _Reader(repo)
    text = _series_text(series)
    contexts: dict[int, Context] = {}
    first = repo.commit(commits[series.patches[0].index])
    base = first.parents[0].hexsha if first.parents else None
    for p in series.patches:
        commit = repo.commit(commits[p.index])
        parent = commit.parents[0].hexsha if commit.parents else None
        contexts[p.index] = _context(reader, p, parent, commit.hexsha, base or commit.hexsha, text)
    shas = [commits[p.index] for p in series.patches]
    span = _short(shas[0]) if len(shas) == 1 else f"{_short(shas[0])}..{_short(shas[-1])}"
    note = f"tree: commits {span} of {where} (pre-image: parent, post-image: commit)"
    return engine.review(series, context_for=lambda p: contexts[p.index], checks=checks,
                         context_mode="tree", notes=[note])


# ----------------------------------------------------------------------------- apply mode

def _resolve(repo, rev: str) -> str | None:
    import git

    try:
        return repo.git.rev_parse("--verify", "--quiet", f"{rev}^{{commit}}")
    except git.GitCommandError:
        return None


def _review_applied(series: Series, repo, tree_dir: str, checks) -> Review:
    text = _series_text(series)
    notes: list[str] = []
    if series.base:
        base = _resolve(repo, series.base)
        if base is None:
            notes.append(f"base {_short(series.base)} not found in {tree_dir}: hunk context only")
            return engine.review(series, checks=checks, notes=notes)
        notes.append(f"tree: base {_short(base)} (base-commit:) in {tree_dir}")
    else:
        base = _resolve(repo, "HEAD")
        if base is None:
            notes.append(f"{tree_dir} has no HEAD commit: hunk context only")
            return engine.review(series, checks=checks, notes=notes)
        notes.append(f"tree: no base-commit: in the series; applied to HEAD {_short(base)} of {tree_dir}")
    reader = _Reader(repo)
    contexts: dict[int, Context] = {}
    patches = list(series.patches)
    with _Worktree(repo, base) as wt:
        prev = base
        for i, patch in enumerate(patches):
            if not patch.diff.strip():
                continue
            error = wt.apply(patch, reader, prev)
            if error:
                rest = f"patch {patch.index}" if i == len(patches) - 1 else \
                    f"patches {patch.index}-{patches[-1].index}"
                notes.append(f"patch {patch.index} does not apply to {_short(base)} in {tree_dir} "
                             f"({error}): hunk context only for {rest}")
                break
            post = wt.commit(patch)
            applied = _as_applied(repo, reader, patch, prev, post)
            if applied is not patch:
                patches[i] = applied
                notes.append(f"patch {patch.index} applied at other lines than the mail shows: "
                             f"its line numbers refer to the tree at {_short(base)}")
            contexts[patch.index] = _context(reader, applied, prev, post, base, text)
            prev = post
    if len(patches) and any(a is not b for a, b in zip(patches, series.patches)):
        series = replace(series, patches=tuple(patches))
    hunks = Context(series_text=text)
    return engine.review(series, context_for=lambda p: contexts.get(p.index, hunks), checks=checks,
                         context_mode="tree" if contexts else "hunks", notes=notes)


def _git_error(exc) -> str:
    lines = [ln.strip().removeprefix("stderr:").strip().strip("'\"") for ln in (exc.stderr or "").splitlines()]
    lines = [ln for ln in lines if ln]
    errs = [ln for ln in lines if ln.startswith("error:")]
    msg = (errs or lines or ["git apply failed"])[0]
    return msg.removeprefix("error:").strip().strip("'\"")


class _Worktree:
    """A detached, not-checked-out worktree at `base`; removed on every exit."""

    def __init__(self, repo, base: str):
        self.repo = repo
        self.base = base
        self.tmp = tempfile.mkdtemp(prefix="reviewbot-tree-")
        self.path = os.path.join(self.tmp, os.path.basename(self.tmp))
        self.admin = os.path.join(repo.common_dir, "worktrees", os.path.basename(self.path))
        self.checked_out: set[str] = set()
        self.g = None

    def __enter__(self) -> "_Worktree":
        import git

        try:
            with self.repo.git.custom_environment(**_NO_HOOKS):
                self.repo.git.worktree("add", "--detach", "--no-checkout", self.path, self.base)
            self.g = git.Git(self.path)
            self.g.update_environment(**_NO_HOOKS)
            self.g.read_tree(self.base)  # full index, empty working directory
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        import git

        try:
            self.repo.git.worktree("remove", "--force", "--force", self.path)
        except git.GitCommandError:
            pass
        finally:
            gitdir = os.path.join(self.admin, "gitdir")
            try:
                ours = open(gitdir, encoding="utf-8").read().strip().startswith(self.path)
            except OSError:
                ours = False
            if ours:
                shutil.rmtree(self.admin, ignore_errors=True)
            shutil.rmtree(self.tmp, ignore_errors=True)

    def apply(self, patch: Patch, reader: "_Reader", head: str) -> str:
        """Apply `patch` to index and files; '' on success, else git's reason."""
        import git

        need = sorted({p for fd in patch.files for p in (fd.old_path, fd.path)
                       if p and p not in self.checked_out and reader.exists(head, p)})
        if need:
            self.g.checkout(head, "--", *need)
            self.checked_out.update(need)
        name = os.path.join(self.tmp, f"patch-{patch.index}.diff")
        with open(name, "w", encoding="utf-8", errors="surrogateescape", newline="") as fh:
            fh.write(patch.diff)
        try:
            self.g.apply("--index", "--whitespace=nowarn", name)
        except git.GitCommandError as first:
            try:
                self.g.apply("--3way", "--whitespace=nowarn", name)
            except git.GitCommandError:
                return _git_error(first)
        self.checked_out.update(fd.path for fd in patch.files)
        return ""

    def commit(self, patch: Patch) -> str:
        name, addr = email.utils.parseaddr(patch.author)
        env = {"GIT_AUTHOR_NAME": name or addr or "unknown", "GIT_AUTHOR_EMAIL": addr or "unknown@invalid",
               "GIT_COMMITTER_NAME": "reviewbot", "GIT_COMMITTER_EMAIL": "reviewbot@invalid"}
        message = patch.message.strip() or patch.subject or "patch"
        self.g.commit("-q", "--no-verify", "--allow-empty", "--allow-empty-message",
                      "--cleanup=verbatim", "-m", message, env=env)
        return self.g.rev_parse("HEAD")


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


def _as_applied(repo, reader: "_Reader", patch: Patch, pre: str, post: str) -> Patch:
    """`patch` itself when its line numbers fit the images, else the diff git made of it."""
    if all(fd.is_binary or _lines_agree(fd, reader.text(pre, fd.old_path or fd.path) if not fd.is_new else None,
                                         reader.text(post, fd.path) if not fd.is_deleted else None)
           for fd in patch.files):
        return patch
    renames = "-M" if any(fd.is_rename for fd in patch.files) else "--no-renames"
    raw = repo.git.diff(pre, post, renames, "--no-color", "--no-ext-diff", "--full-index",
                        stdout_as_string=False)
    try:
        files, problems = parse_diff_lenient(raw.decode("utf-8", "replace"))
    except DiffError:
        return patch
    return replace(patch, files=files, problems=patch.problems + tuple(
        f"patch {patch.index}: skipped {p}" for p in problems))


# ----------------------------------------------------------------------------- reading the tree

_SCANS: dict[str, "_HeaderScan"] = {}
_MAKEFILES: dict[str, list] = {}


class _Reader:
    """Files of commits, through GitPython's persistent cat-file; trees and blobs cached."""

    def __init__(self, repo):
        self.repo = repo
        self._trees: dict[tuple[str, str], object] = {}
        self._blobs: dict[str, str] = {}
        # content-addressed (blob id), so shared by every review of the process
        if len(_SCANS) > 20000:
            _SCANS.clear()
        if len(_MAKEFILES) > 5000:
            _MAKEFILES.clear()
        self.scans = _SCANS
        self.makefiles = _MAKEFILES

    def _tree(self, commit: str, d: str):
        key = (commit, d)
        if key not in self._trees:
            if not d:
                tree = self.repo.commit(commit).tree
            else:
                parent = self._tree(commit, posixpath.dirname(d))
                try:
                    tree = parent / posixpath.basename(d) if parent is not None else None
                except KeyError:
                    tree = None
                if tree is not None and tree.type != "tree":
                    tree = None
            self._trees[key] = tree
        return self._trees[key]

    def blob(self, commit: str | None, path: str | None):
        if commit is None or not path:
            return None
        tree = self._tree(commit, posixpath.dirname(path))
        if tree is None:
            return None
        try:
            obj = tree / posixpath.basename(path)
        except KeyError:
            return None
        return obj if obj.type == "blob" else None

    def exists(self, commit: str, path: str) -> bool:
        return self.blob(commit, path) is not None

    def text(self, commit: str | None, path: str | None) -> str | None:
        obj = self.blob(commit, path)
        if obj is None:
            return None
        if obj.hexsha not in self._blobs:
            self._blobs[obj.hexsha] = obj.data_stream.read().decode("utf-8", "replace")
        return self._blobs[obj.hexsha]

    def grep_config(self, commit: str, symbol: str) -> str | None:
        """The Kconfig file defining `symbol` (a tree-wide git grep, the slow fallback)."""
        import git

        try:
            out = self.repo.git.grep("-l", "-E", f"^[[:space:]]*(menu)?config[[:space:]]+{symbol}[[:space:]]*$",
                                     commit, "--", "*Kconfig*")
        except git.GitCommandError:
            return None
        for line in out.splitlines():
            return line.split(":", 1)[1] if ":" in line else line
        return None


# ----------------------------------------------------------------------------- contexts and facts

def _context(reader: _Reader, patch: Patch, pre: str | None, post: str, base: str, series_text: str) -> Context:
    files: dict[str, FileImages] = {}
    extra: dict[str, str] = {"tree.base": base, "tree.commit": post}
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


def _add_file(reader: _Reader, commit: str, path: str, extra: dict, files: dict, budget: list) -> None:
    if path in extra or path in files:
        return
    text = reader.text(commit, path)
    if text is None or len(text) > MAX_EXTRA_FILE or len(text) > budget[0]:
        return
    budget[0] -= len(text)
    extra[path] = text


def _file_facts(reader: _Reader, commit: str, path: str, text: str, extra: dict, files: dict,
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


def _resolve_include(reader: _Reader, commit: str, src: str, quote: str, name: str) -> str | None:
    cands = []
    if quote == '"':
        cands.append(posixpath.normpath(posixpath.join(posixpath.dirname(src), name)))
    if not name.startswith("asm/"):
        cands += [posixpath.normpath("include/" + name), posixpath.normpath("include/uapi/" + name)]
    for c in cands:
        if not c.startswith("..") and reader.exists(commit, c):
            return c
    return None


def _direct_includes(reader: _Reader, commit: str, src: str, text: str) -> list[str]:
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
        self.includes = [(m.group(1), m.group(2).strip()) for m in _INCLUDE.finditer(text)]
        code = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n") or " ", text)
        self.structs = _owner_structs(code) if _OWNER_MEMBER.search(code) else []
        self.macros: dict[str, str] = {}
        self.wrappers: set[str] = set()
        for m in _DEFINE.finditer(code):
            body = m.group(3)
            self.macros[m.group(1)] = body
            if re.search(r"\bTHIS_MODULE\b", body) and not re.search(r"\bTHIS_MODULE\b", m.group(2)):
                self.wrappers.add(m.group(1))
        if "THIS_MODULE" in code:
            self.wrappers.update(_inline_wrappers(code))


_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)\n]*)\)((?:[^\n]*\\\n)*[^\n]*)", re.M)
_STRUCT_OPEN = re.compile(r"\bstruct\s+(\w+)\s*\{")
_OWNER_MEMBER = re.compile(r"\bstruct\s+module\s*\*\s*(?:const\s+)?(\w+)\s*(?:;|__\w+\s*;)")
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


def _owner_facts(reader: _Reader, commit: str, includes: list[str]) -> tuple[list[str], list[str]]:
    """Breadth-first over the include graph: owner-carrying structs and THIS_MODULE wrappers."""
    seen = set(includes)
    queue = [(h, 1) for h in includes]
    scans: list[tuple[str, _HeaderScan]] = []
    while queue and len(scans) < MAX_HEADERS:
        path, depth = queue.pop(0)
        obj = reader.blob(commit, path)
        if obj is None:
            continue
        scan = reader.scans.get(obj.hexsha)
        if scan is None:
            scan = reader.scans[obj.hexsha] = _HeaderScan(reader.text(commit, path) or "")
        scans.append((path, scan))
        if depth >= INCLUDE_DEPTH:
            continue
        for quote, name in scan.includes:
            h = _resolve_include(reader, commit, path, quote, name)
            if h and h not in seen:
                seen.add(h)
                queue.append((h, depth + 1))
    structs = sorted({f"{s} {member} {path}" for path, scan in scans for s, member in scan.structs})
    where: dict[str, str] = {}
    for path, scan in scans:
        for w in sorted(scan.wrappers):
            where.setdefault(w, path)
    macros = [(name, body, path) for path, scan in scans for name, body in scan.macros.items()]
    for _ in range(3):  # macros that call a wrapper are wrappers too (module_platform_driver)
        names = set(where)
        if not names:
            break
        pat = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names))) + r")\b")
        grew = False
        for name, body, path in macros:
            if name not in where and pat.search(body):
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


def _makefile(reader: _Reader, commit: str, d: str) -> tuple[str, list] | None:
    for name in ("Kbuild", "Makefile"):
        path = posixpath.join(d, name) if d else name
        obj = reader.blob(commit, path)
        if obj is None:
            continue
        if obj.hexsha not in reader.makefiles:
            entries = []
            joined = re.sub(r"\\\n", " ", reader.text(commit, path) or "")
            for raw in joined.splitlines():
                line = raw.split("#", 1)[0].strip()
                m = _ASSIGN.match(line)
                if m and m.group(1) not in _NOT_MODULES:
                    cond = m.group(3) or m.group(2)
                    entries.append((m.group(1), cond, m.group(4).split(), " ".join(raw.split())))
            reader.makefiles[obj.hexsha] = entries
        return path, reader.makefiles[obj.hexsha]
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


def _build_facts(reader: _Reader, commit: str, path: str):
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


def _kconfig(reader: _Reader, commit: str, d: str, symbol: str) -> tuple[str, str] | None:
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

