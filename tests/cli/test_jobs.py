"""`reviewbot review -j N`: worker processes, output in input order, the same as -j 1.

The input is every patch under tests/data (each its own thread, many with findings), a thread
whose diff is damaged and a reply without a diff, as one mbox and as a directory.  The console
script runs as a user runs it; stdout, stderr and the exit status must be identical.
tests/tree/test_jobs.py does the same in tree mode and for a --git range.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reviewbot import parallel, pipeline
from reviewbot.errors import InputError
from tests.cli.clirun import ROOT, run, run_console

PATCHES = sorted((ROOT / "tests" / "data").rglob("*.patch"))

DAMAGED = b"""From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: A <a@example.org>
Subject: [PATCH] damaged: hunk shorter than its header
Message-Id: <damaged@example.org>

x
---
diff --git a/drivers/x.c b/drivers/x.c
--- a/drivers/x.c
+++ b/drivers/x.c
@@ -1,5 +1,5 @@
 a
-b
+c

"""

REPLY = b"""From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: B <b@example.org>
Subject: Re: [PATCH] damaged: hunk shorter than its header
Message-Id: <reply@example.org>
In-Reply-To: <nothing-we-have@example.org>

Looks fine.

"""


def _as_mbox(data: bytes) -> bytes:
    if not data.startswith(b"From "):
        data = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + data
    return data.rstrip(b"\n") + b"\n\n"


@pytest.fixture(scope="module")
def mbox(tmp_path_factory) -> Path:
    assert len(PATCHES) > 20
    parts = [_as_mbox(p.read_bytes()) for p in PATCHES]
    parts.insert(len(parts) // 2, DAMAGED)
    parts.insert(3, REPLY)
    path = tmp_path_factory.mktemp("jobs") / "all.mbox"
    path.write_bytes(b"".join(parts))
    return path


@pytest.mark.parametrize("fmt", [["--format", "text"], ["--format", "json"], ["--format", "sarif"],
                                 ["--format", "rdjson"], ["--terse"], ["--all", "-q"]],
                         ids=["text", "json", "sarif", "rdjson", "terse", "all-quiet"])
def test_j2_prints_what_j1_prints(mbox, fmt):
    one = run_console("review", *fmt, str(mbox))
    two = run_console("review", "-j", "2", *fmt, str(mbox))
    assert one.rc == 2 and "damaged" in one.err  # the damaged thread is reported, the rest reviewed
    assert one.out.count("MOD0") > 10
    assert (two.rc, two.out, two.err) == (one.rc, one.out, one.err)


def test_directory_and_several_sources_in_input_order(tmp_path, mbox):
    d = tmp_path / "dir"
    d.mkdir()
    for i, p in enumerate(PATCHES[:12]):
        (d / f"{i:04d}.patch").write_bytes(p.read_bytes())
    args = ("review", "--format", "json", str(d), str(PATCHES[-1]), str(mbox))
    one = run_console(*args)
    two = run_console("review", "-j", "3", *args[1:])
    assert (two.rc, two.out, two.err) == (one.rc, one.out, one.err)


def test_one_series_is_one_pretty_json_document_either_way():
    one = run("review", "--format", "json", str(PATCHES[0]))
    two = run("review", "-j", "2", "--format", "json", str(PATCHES[0]))
    assert one.out.startswith("{\n") and (two.rc, two.out) == (one.rc, one.out)


def test_a_source_without_a_readable_thread_is_the_same_error(tmp_path):
    bad = tmp_path / "bad.mbox"
    bad.write_bytes(DAMAGED + REPLY)
    one = run("review", str(bad))
    two = run("review", "-j", "2", str(bad))
    assert two.one_line_error() == one.one_line_error()


def test_jobs_must_be_positive():
    assert "-j 0" in run("review", "-j", "0", str(PATCHES[0])).one_line_error()


def test_the_work_runs_in_other_processes(mbox):
    """finish() reports the process it ran in: the workers, not the parent."""
    errors: list[InputError] = []
    here = parallel.review([str(mbox)], None, None, pipeline.Options(), [], 1, lambda r: os.getpid())
    assert len(here) > 20 and set(here) == {os.getpid()}
    pids = parallel.review([str(mbox)], None, None, pipeline.Options(), errors, 2, lambda r: os.getpid())
    assert len(pids) == len(here) and os.getpid() not in pids and len(set(pids)) == 2
    assert len(errors) == 1 and "damaged" in str(errors[0])
