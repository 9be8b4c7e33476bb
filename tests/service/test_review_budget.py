"""The service's CPU budget per review job (``[service] review_budget_seconds``): a worker thread
cannot be interrupted by a signal, so the engine checks a cooperative deadline between patches
and rules.  A pathological series ends as a failed job with the reason (one attempt, not
retried) and the worker thread goes on to the next job.  Real queue on SQLite, real worker
threads, real list series (the follower queues them, ListJobs reviews them)."""

from __future__ import annotations

import threading
import time
import types

import pytest
import sqlalchemy as sa

from reviewbot import budget, engine, pipeline
from reviewbot.errors import InputError
from reviewbot.forge import tables as F
from reviewbot.model import Level
from reviewbot.rules import Rule
from reviewbot.service.app import ServiceSettings
from reviewbot.service.lists import ListJobs
from reviewbot.service.runner import Runner
from reviewbot.watch import policy
from reviewbot.watch import tables as W
from reviewbot.watch.follow import Follower
from tests.helpers import diff
from tests.service.test_lists import config, rows, service_db
from tests.watch.mails import Epoch, patch_mail, zram_mail


def many_hunks(n: int, path: str = "drivers/foo/foo.c") -> str:
    """One patch of `n` hunks (below the 5,000-hunk size budget), each in its own function."""
    out = [f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"]
    for i in range(n):
        a = 10 + 20 * i
        out.append(f"@@ -{a},4 +{a},7 @@ static int foo{i}_open(struct inode *inode, struct file *file)\n"
                   " {\n \tstruct foo *foo = inode->i_private;\n"
                   "+\tif (!try_module_get(THIS_MODULE))\n+\t\treturn -ENODEV;\n+\tkref_get(&foo->ref);\n"
                   " \tfile->private_data = foo;\n \treturn 0;\n")
    return "".join(out)


def wait_for(cond, what: str, limit: float = 120.0) -> None:
    """Wait on a condition (a guard against a hang, not a speed check)."""
    end = time.monotonic() + limit
    while not cond():
        assert time.monotonic() < end, f"still waiting for {what}"
        time.sleep(0.05)


def test_a_pathological_list_series_fails_with_the_reason_and_the_worker_goes_on(tmp_path):
    now = time.time()
    ep = Epoch(tmp_path / "inbox")
    ep.add(patch_mail("big@example.org", "[PATCH] foo: touch every open", many_hunks(4900)), now)
    ep.add(zram_mail("zram-1@example.org"), now)
    cfg = config(tmp_path, "outbox")
    queue = service_db(tmp_path, "service.db")
    assert Follower(policy.load_lists(cfg)[0], queue.engine, queue=queue).run_once().series == 2
    ids = {j.ref: j.id for j in rows(queue.engine, sa.select(F.jobs.c.id, F.jobs.c.ref))}

    # warm up (imports, grammars) so that the small series' own cost is what its budget meets
    pipeline.review_series(diff("""\
        --- a/drivers/x.c
        +++ b/drivers/x.c
        @@ -1,3 +1,4 @@ static int x_probe(struct device *dev)
         {
        +\tget_device(dev);
         \treturn 0;
         }
        """))
    runner = Runner(queue, ListJobs(cfg, queue), threads=1, poll=0.05, review_budget=0.2)
    runner.start()
    try:
        wait_for(lambda: queue.state(ids["big@example.org"]) not in ("queued", "running")
                 and queue.state(ids["zram-1@example.org"]) not in ("queued", "running"), "both jobs")
    finally:
        runner.stop()
    jobs = {j.ref: j for j in rows(queue.engine, sa.select(F.jobs))}
    big, zram = jobs["big@example.org"], jobs["zram-1@example.org"]
    assert (big.state, big.attempts) == ("failed", 1)
    assert "gave up after 0.2 s of CPU" in big.result and "[service] review_budget_seconds" in big.result
    assert zram.state == "done", zram.result  # the same worker thread reviewed the next series
    watch = {r.root: r for r in rows(queue.engine, sa.select(W.jobs))}
    assert watch["big@example.org"].status == "error" and "review_budget_seconds" in watch["big@example.org"].error
    assert watch["zram-1@example.org"].status == "done"
    assert rows(queue.engine, sa.select(W.outbox.c.msgid))  # zram's replies were written; none for big


def _slow_rule(spent: list[int]):
    doc = ("Slow probe.\n\n## What it does\nBurns CPU.\n## Why is this bad?\nIt is a test.\n"
           "## Example\n```c\nprobe();\n```\n## Use instead\n```c\nnothing();\n```\n## References\n- none\n")

    def check(patch, ctx):
        spent.append(patch.index)
        end = time.thread_time() + 0.02
        while time.thread_time() < end:
            pass
        return ()

    return types.SimpleNamespace(RULE=Rule.from_doc(doc, id="TST002", slug="slow-probe", level=Level.WARNING),
                                 check=check)


def series_of(n: int):
    one = diff("""\
        --- a/drivers/x.c
        +++ b/drivers/x.c
        @@ -1,3 +1,4 @@ static int x_probe(struct device *dev)
         {
        +\tget_device(dev);
         \treturn 0;
         }
        """)
    from dataclasses import replace
    return replace(one, patches=tuple(replace(one.patches[0], index=i + 1) for i in range(n)))


def test_a_slow_check_stops_at_the_job_budget_between_patches(tmp_path):
    """A forge-style job (the engine called directly): 300 patches of 20 ms each would take 6 s;
    the 0.3 s budget stops it after a handful, as a failed job; the next job (2 patches) is done."""
    spent: list[int] = []
    slow = _slow_rule(spent)
    queue = service_db(tmp_path, "q.db")
    from tests.service.test_queue import spec

    def handle(job):
        review = engine.review(series_of(job.spec.number), checks=(slow,))
        return "done", f"{len(review.findings)} finding(s)"

    _, big = queue.submit("github", "d1", "pull_request", spec(300))
    _, small = queue.submit("github", "d2", "pull_request", spec(2))
    runner = Runner(queue, handle, threads=1, poll=0.05, review_budget=0.3)
    runner.start()
    try:
        wait_for(lambda: queue.state(small) not in ("queued", "running"), "the second job")
    finally:
        runner.stop()
    assert queue.state(big) == "failed" and queue.state(small) == "done"
    (result,) = [r.result for r in rows(queue.engine, sa.select(F.jobs.c.result).where(F.jobs.c.id == big))]
    assert result.startswith("out of budget: job ") and "0.3 s of CPU" in result
    assert 1 <= spent.count(1) and len(spent) < 300 + 2  # stopped between patches, long before the end


def test_the_cli_step_budget_stops_a_review_in_a_thread(monkeypatch):
    """Outside the main thread there is no CPU timer: the engine's checks end the step."""
    monkeypatch.setenv("REVIEWBOT_TIME_BUDGET", "0.05")
    spent: list[int] = []
    out: list = []

    def run():
        try:
            pipeline.review_series(series_of(300), pipeline.Options(select=("TST002",)))
        except InputError as exc:
            out.append(exc)

    monkeypatch.setattr(engine, "select_checks", lambda *a, **k: (_slow_rule(spent),))
    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert out and "gave up after 0.05 s of CPU" in str(out[0]) and "REVIEWBOT_TIME_BUDGET" in str(out[0])
    assert len(spent) < 300


def test_the_budget_is_a_service_setting():
    assert ServiceSettings.from_config({}).review_budget_seconds == 60.0
    assert ServiceSettings.from_config({"service": {"review_budget_seconds": 5}}).review_budget_seconds == 5.0
    with pytest.raises(InputError, match="review_budget_seconds"):
        ServiceSettings.from_config({"service": {"review_budget_seconds": "lots"}})


def test_an_outer_deadline_that_ends_sooner_stays_in_force():
    with budget.deadline("outer", 0.001):
        with budget.deadline("inner", 100):
            end = time.thread_time() + 0.01
            while time.thread_time() < end:
                pass
            with pytest.raises(budget.OutOfBudget, match="outer"):
                budget.check()
    budget.check()  # no deadline: nothing to stop
