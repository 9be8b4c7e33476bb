"""Source -> Series -> Context -> checks -> Review: the one path every front end uses."""

from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass
from typing import Sequence

from reviewbot import budget, engine
from reviewbot.errors import InputError
from reviewbot.model import Review, Series


@dataclass(frozen=True)
class Options:
    tree: str | None = None
    tree_ref: str | None = None  # what --tree reviews against when the series has no base-commit: (HEAD)
    git_repo: str | None = None  # --git: the repository the commits are in (their base tree)
    revision: int | None = None
    midmask: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


def load(items: Sequence[str], git_range: str | None = None, repo: str | None = None,
         opts: Options = Options(), errors: list[InputError] | None = None) -> list[Series]:
    """All series the sources name.  With `errors`, damaged threads are collected, not raised."""
    from reviewbot.ingest import sources  # b4 and requests: at the first load

    series: list[Series] = []
    paused = _BATCH and gc.isenabled()
    if paused:
        gc.disable()
    try:
        if git_range is not None:
            series += sources.load_git(git_range, repo)
        for item in items:
            try:
                with budget.limit(item):
                    series += sources.load(item, revision=opts.revision, midmask=opts.midmask, errors=errors)
            except budget.OutOfBudget as exc:
                raise exc.as_input_error() from None
    finally:
        if paused:
            _settle(series)
            gc.enable()
    return series


# Diff lines loaded at once from which a batch command freezes what it loaded (below: a
# small load, e.g. a test's, is left to the collector).
FREEZE_LINES = 50_000


def _settle(series: list[Series]) -> None:
    """A batch command's load ran with the cyclic collector paused: it makes objects that
    live to the end (a diff line each, messages) and little cyclic garbage.  When it loaded
    many lines they are moved out of the collector's reach (gc.freeze(): reference counting
    still frees them), so that it does not walk them again and again while the review runs
    and at exit (100,000 hunks, 800,000 lines: ~1.5 s of CPU); a small load stays with the
    collector."""
    lines = 0
    for s in series:
        for p in s.patches:
            for f in p.files:
                for h in f.hunks:
                    lines += len(h.lines)
    if lines >= FREEZE_LINES:
        gc.freeze()


def session(opts: Options = Options()):
    """A block in which tree mode keeps its per-repository git plumbing (one `git cat-file
    --batch`, a private object directory) for every series, instead of setting it up and
    removing it per series.  Batch commands wrap their loop in it; without a tree it is free."""
    if not (opts.tree or opts.git_repo):
        return contextlib.nullcontext()
    from reviewbot import tree

    return tree.session()


def batch_gc() -> None:
    """Tune the cyclic garbage collector for a process that loads and reviews in bulk.

    Loading and reviewing build millions of long-lived objects (messages, diff lines, tree
    images, findings) and little cyclic garbage.  At Python's default gen-0 threshold (700)
    the collector keeps walking them: a fifth of the CPU of `reviewbot review` on a large
    mbox.  The CLI's batch commands call this; so should a benchmark of the API.  Long-running
    services keep the defaults.
    """
    global _BATCH
    gc.set_threshold(50_000, 20, 20)
    _BATCH = True


_BATCH = False  # batch_gc() was called: load() pauses the collector (see _settle)


def review_series(series: Series, opts: Options = Options()) -> Review:
    """The review of one series, within the time budget (see reviewbot.budget)."""
    try:
        with budget.limit(series.source or series.subject or "series"):
            return _review_series(series, opts)
    except budget.OutOfBudget as exc:
        raise exc.as_input_error() from None


def _review_series(series: Series, opts: Options) -> Review:
    if not opts.tree and opts.git_repo is None and not any(p.c_files for p in series.patches):
        # No C file: every rule looks at C files (patch scope; tests/contract/test_lazy_rules.py),
        # so the rule modules (a third of the start-up) are not even imported.
        return engine.review(series, checks=())
    checks = engine.select_checks(opts.select, opts.ignore)
    if opts.tree:
        from reviewbot import tree  # tree mode: worktree at the base, full pre/post images

        return tree.review_with_tree(series, opts.tree, checks, ref=opts.tree_ref)
    if opts.git_repo is not None and series.patches:
        from reviewbot import tree  # --git: pre-image parent:path, post-image commit:path

        if all(tree.patch_commit(p) for p in series.patches):
            return tree.review_git_series(series, opts.git_repo, checks)
    return engine.review(series, checks=checks)
