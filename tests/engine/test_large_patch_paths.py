"""A large patch goes through two quicker paths than a small one, and must come out the same:

- the diff parser's per-line loop (reviewbot.diffparse: DiffLines made directly, kept as a
  tuple on each hunk) against unidiff's own parser, on one scaled patch of thousands of hunks
  made from every test patch (as benchmarks/run.py makes its hunk-count inputs from real code);
- a batch command's load (pipeline.batch_gc(): the cyclic collector paused while loading, and
  what was loaded frozen when it is large) against the plain load: the same series and the
  same review.
"""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest
import unidiff

from reviewbot import diffparse, pipeline

ROOT = Path(__file__).resolve().parents[2]

_HEAD = ("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
         "From: Bench <bench@example.org>\nDate: Mon, 23 Nov 2026 09:00:00 +0000\n"
         "Subject: [PATCH] treewide: every test patch at once\nMessage-ID: <scaled@test.invalid>\n\n"
         "Every test patch's diff, each under its own directory.\n\n"
         "Signed-off-by: Bench <bench@example.org>\n---\n")


def _scaled(copies: int = 3) -> str:
    """One mail whose diff holds every test patch's files (`copies` times, under other
    directories): ~300 files and their hunks, the real code of the rules' test cases."""
    diffs = []
    for p in sorted((ROOT / "tests" / "data").rglob("*.patch")):
        d = diffparse.find_diff(p.read_text(errors="replace"))
        try:
            diffparse.parse_diff(d)
        except diffparse.DiffError:
            continue  # the damaged ones (tests of the parser's errors)
        if d.startswith("diff --git "):
            diffs.append(d)
    assert len(diffs) > 50
    out = []
    for k in range(copies):
        for i, d in enumerate(diffs):
            out.append(_moved(d, f"s{k}p{i}/"))
    return _HEAD + "".join(out) + "-- \n2.47.0\n"


_HEADERS = re.compile(r"(?m)^(diff --git a/)(\S+)( b/)(\S+)$|^(--- a/|\+\+\+ b/)(\S+)$")


def _moved(diff: str, prefix: str) -> str:
    """`diff` with its files under directory `prefix`."""
    def sub(m: re.Match) -> str:
        if m.group(1):
            return f"{m.group(1)}{prefix}{m.group(2)}{m.group(3)}{prefix}{m.group(4)}"
        return f"{m.group(5)}{prefix}{m.group(6)}"
    return _HEADERS.sub(sub, diff)


def test_scaled_patch_parses_the_same_with_unidiffs_parser(monkeypatch):
    text = diffparse.find_diff(_scaled(copies=5))
    quick = diffparse.parse_diff_lenient(text)
    monkeypatch.setattr(diffparse, "_QuickSet", unidiff.PatchSet)  # unidiff's Lines, made into DiffLines
    slow = diffparse.parse_diff_lenient(text)
    assert quick == slow
    files, problems = quick
    assert not problems and len(files) > 500
    assert sum(len(h.lines) for fd in files for h in fd.hunks) > 10_000


def _outcome(series):
    reviews = [pipeline.review_series(s) for s in series]
    return [(f.rule.id, f.path, f.line, f.side, f.message, f.confidence, f.patch_index)
            for r in reviews for f in r.findings], [r.notes for r in reviews]


@pytest.fixture
def batch(monkeypatch):
    """pipeline.load as a batch command runs it, with a low freeze threshold; the collector's
    state restored afterwards (the rest of the test process keeps its collector)."""
    frozen = gc.get_freeze_count()
    monkeypatch.setattr(pipeline, "_BATCH", True)
    monkeypatch.setattr(pipeline, "FREEZE_LINES", 1_000)
    yield
    gc.unfreeze()
    assert gc.isenabled()
    del frozen


def test_batch_load_freezes_a_large_load_and_reviews_it_the_same(tmp_path, batch, monkeypatch):
    mail = tmp_path / "scaled.mbox"
    mail.write_text(_scaled(copies=1))
    before = gc.get_freeze_count()
    fast = pipeline.load([str(mail)])
    assert gc.isenabled()  # the pause ends with the load
    assert gc.get_freeze_count() > before  # large: frozen
    fast_outcome = _outcome(fast)
    gc.unfreeze()

    monkeypatch.setattr(pipeline, "_BATCH", False)
    plain = pipeline.load([str(mail)])
    assert gc.get_freeze_count() == 0  # not a batch command: nothing frozen
    assert repr(plain) == repr(fast)
    plain_outcome = _outcome(plain)
    assert plain_outcome == fast_outcome
    assert len(fast_outcome[0]) > 20  # the rules had something to say


def test_a_small_batch_load_stays_with_the_collector(tmp_path, batch):
    mail = tmp_path / "one.patch"
    mail.write_text((ROOT / "examples" / "zram-sysfs-self-pin.patch").read_text())
    assert gc.get_freeze_count() == 0
    series = pipeline.load([str(mail)])
    assert series and gc.isenabled() and gc.get_freeze_count() == 0
