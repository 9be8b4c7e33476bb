"""The entry points of tree mode: a mailed series applied to a clone (``review_with_tree``),
or commits of the clone (``review_git_series``, and ``--tree`` with the tree's own commits)."""

from __future__ import annotations

import re
from dataclasses import replace

from reviewbot import engine
from reviewbot.context import Context
from reviewbot.model import Patch, Review, Series
from reviewbot.tree.apply import Scratch, as_applied, as_posted
from reviewbot.tree.contexts import build_context
from reviewbot.tree.store import Reader, Snap, Store, open_store

# git format-patch: Message-Id: <COMMIT-ID.TIMESTAMP.git.AUTHOR>
_COMMIT_MSGID = re.compile(r"^<?([0-9a-f]{40}|[0-9a-f]{64})\.\d+\.git\.")


def _short(sha: str) -> str:
    return sha[:12]


def _series_text(series: Series) -> str:
    return "\n".join([series.cover] + [p.message for p in series.patches])


# ----------------------------------------------------------------------------- entry points

def review_with_tree(series: Series, tree_dir: str, checks, ref: str | None = None) -> Review:
    """Review `series` with whole-file context from the git clone `tree_dir`, applied to its
    `base-commit:`, else to `ref` (a branch, tag or commit of the clone; default HEAD).  A
    base the clone lacks means hunk context, unless a `ref` is given: then the ref, with a note."""
    with open_store(tree_dir) as store:
        commits = series_commits(store, series)
        if commits:
            return _review_commits(series, store, tree_dir, commits, checks)
        return _review_applied(series, store, tree_dir, checks, ref)


def review_git_series(series: Series, repo_dir: str, checks) -> Review:
    """A series made from commits of `repo_dir` (``--git``): images straight from the commits."""
    with open_store(repo_dir) as store:
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


def series_commits(store: "Store", series: Series) -> dict[int, str] | None:
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

def _review_commits(series: Series, store: "Store", where: str, commits: dict[int, str], checks) -> Review:
    reader = Reader(store)
    text = _series_text(series)
    contexts: dict[int, Context] = {}
    first, parents = store.commit(commits[series.patches[0].index]) or ("", ())
    base = parents[0] if parents else first
    for p in series.patches:
        commit, parents = store.commit(commits[p.index]) or ("", ())
        parent = Snap(parents[0]) if parents else None
        contexts[p.index] = build_context(reader, p, parent, Snap(commit), text, base, commit)
    shas = [commits[p.index] for p in series.patches]
    span = _short(shas[0]) if len(shas) == 1 else f"{_short(shas[0])}..{_short(shas[-1])}"
    note = f"tree: commits {span} of {where} (pre-image: parent, post-image: commit)"
    return engine.review(series, context_for=lambda p: contexts[p.index], checks=checks,
                         context_mode="tree", notes=[note])


# ----------------------------------------------------------------------------- apply mode

def _resolve(store: "Store", rev: str) -> str | None:
    commit = store.commit(rev)
    return commit[0] if commit else None


def _review_applied(series: Series, store: "Store", tree_dir: str, checks, ref: str | None = None) -> Review:
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
    reader = Reader(store)
    contexts: dict[int, Context] = {}
    patches = list(series.patches)
    with Scratch(store, patches) as scratch:
        snap = Snap(base)
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
            applied = as_applied(store, reader, patch, snap, post)
            if applied is not patch:
                patches[i] = applied
                notes.append(f"patch {patch.index} applied at other lines than the mail shows "
                             f"(tree {_short(base)}); findings point at the lines of the mail")
            contexts[patch.index] = build_context(reader, applied, snap, post, text, base)
            snap = post
    originals = {b.index: (b, a) for a, b in zip(patches, series.patches) if a is not b}
    if originals:
        series = replace(series, patches=tuple(patches))
    hunks = Context(series_text=text)
    review = engine.review(series, context_for=lambda p: contexts.get(p.index, hunks), checks=checks,
                           context_mode="tree" if contexts else "hunks", notes=notes)
    return as_posted(review, originals)
