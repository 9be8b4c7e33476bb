"""`reviewbot review -j N`: batch input reviewed in N worker processes, results in input order.

The parent reads every SOURCE and splits each mailbox into threads (what the one-process load
does first); building a thread's series (b4, diff parsing) and reviewing it, the bulk of the
work, run in forked workers, which inherit the parsed messages instead of receiving them.
Each worker returns `finish(review)`: the rendered output, never the series.  The parent puts
the results back in input order and applies the one-process load's rules for damaged threads
(a source whose only thread is unreadable, or with no readable thread at all, is an error;
other damaged threads are listed in `errors`), so `-j N` prints what `-j 1` prints.

A `--git` range and a Message-Id are loaded in the parent as usual; their series are reviewed
in the workers.  Without the fork start method (not Linux) the work runs in this process.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from reviewbot import pipeline
from reviewbot.errors import InputError
from reviewbot.model import Review, Series


@dataclass
class _Source:
    name: str
    units: list[int]  # indexes into _Work.units
    groups: bool  # units are threads to build (an mbox), not series already built


@dataclass
class _Work:
    units: list[Any]  # list of messages of one thread, or a Series
    sources: list[_Source]
    opts: pipeline.Options
    finish: Callable[[Review], Any]


_WORK: _Work | None = None  # set before the fork: the workers inherit it


def review(items: Sequence[str], git_range: str | None, repo: str | None, opts: pipeline.Options,
           errors: list[InputError], jobs: int, finish: Callable[[Review], Any]) -> list[Any]:
    """finish(review) of every series the sources name, in input order (`pipeline.load` order)."""
    from reviewbot.ingest import b4 as b4src
    from reviewbot.ingest import headers
    from reviewbot.ingest import sources

    work = _Work([], [], opts, finish)
    messages = []
    if git_range is not None:
        _add_series(work, git_range, sources.load_git(git_range, repo))
    for item in items:
        local = sources.read_local(item)
        if local is None:
            _add_series(work, item, sources.load(item, revision=opts.revision, midmask=opts.midmask))
            continue
        msgs, name = local
        messages.append(msgs)
        groups = b4src.thread_groups(msgs)
        start = len(work.units)
        work.units += groups
        work.sources.append(_Source(name, list(range(start, len(work.units))), True))
    try:
        results = _run(work, jobs)
    finally:
        for msgs in messages:
            headers.forget_headers(msgs)
    return _in_order(work, results, errors)


def _add_series(work: _Work, name: str, series: list[Series]) -> None:
    start = len(work.units)
    work.units += series
    work.sources.append(_Source(name, list(range(start, len(work.units))), False))


def _run(work: _Work, jobs: int) -> list[tuple[str, Any]]:
    global _WORK
    n = len(work.units)
    if jobs < 2 or n < 2 or "fork" not in multiprocessing.get_all_start_methods():
        _WORK = work
        try:
            return [_one(i) for i in range(n)]
        finally:
            _WORK = None
    _WORK = work
    try:
        pool = multiprocessing.get_context("fork").Pool(min(jobs, n))
        try:
            # small chunks keep the workers equally busy (thread sizes vary a lot), big
            # enough that the round trips do not show
            results = pool.map(_one, range(n), chunksize=max(1, min(16, n // (jobs * 8))))
            pool.close()  # workers end normally: they close what they opened (tree mode's git)
        except BaseException:
            pool.terminate()
            raise
        pool.join()
        return results
    finally:
        _WORK = None


def _one(i: int) -> tuple[str, Any]:
    """('ok', finish(review)), ('none', None) for a thread without patches, ('error', InputError)."""
    from reviewbot.ingest import b4 as b4src

    work = _WORK
    assert work is not None
    unit = work.units[i]
    if isinstance(unit, Series):
        series = unit
    else:
        source = next(s for s in work.sources if s.units and s.units[0] <= i <= s.units[-1])
        try:
            series = b4src.thread_series(unit, source.name, work.opts.revision)
        except InputError as exc:
            return "error", exc
        if series is None:
            return "none", None
    return "ok", work.finish(pipeline.review_series(series, work.opts))


def _in_order(work: _Work, results: list[tuple[str, Any]], errors: list[InputError]) -> list[Any]:
    """The results of the sources in order, with b4.series_from_messages()' error rules."""
    out: list[Any] = []
    for src in work.sources:
        mine = [results[i] for i in src.units]
        if not src.groups:
            out += [value for _, value in mine]
            continue
        got = []
        for kind, value in mine:
            if kind == "error":
                if len(src.units) == 1:
                    raise value
                errors.append(value)
            elif kind == "ok":
                got.append(value)
        if not got:
            if errors:
                raise errors.pop(0)
            raise InputError(src.name, "no patches found (no mail with a diff)")
        out += got
    return out
