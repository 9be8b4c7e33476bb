"""The leased queue on SQLite (fast, in-process): claims are compare-and-set with a fencing
token, dead workers' jobs come back after the lease, a lost claim records nothing, shutdown
gives jobs back, and the broker is re-fed when its messages were lost."""

from __future__ import annotations

import json
import logging

import pytest

from reviewbot import db
from reviewbot.forge.events import JobSpec
from reviewbot.service import logs, migrate
from reviewbot.service.queue import MAX_ATTEMPTS, LeasedQueue
from reviewbot.service.runner import Runner


class Clock:
    def __init__(self):
        self.t = 1_800_000_000.0

    def __call__(self):
        return self.t


class ListBroker:
    """A broker that loses messages on demand (as a Redis restart would)."""

    def __init__(self):
        self.ids: list[int] = []

    def push(self, job_id):
        self.ids.append(job_id)

    def pop(self):
        return self.ids.pop(0) if self.ids else None

    def depth(self):
        return len(self.ids)


@pytest.fixture
def queue(tmp_path):
    url = f"sqlite:///{tmp_path / 'q.db'}"
    migrate.upgrade(url)
    return LeasedQueue(db.connect(url), clock=Clock())


def spec(n: int, head: str = "a" * 40) -> JobSpec:
    return JobSpec(forge="github", repo="acme/x", project="acme/x", number=n, head_sha=head)


def test_claim_is_exclusive_and_fenced(queue):
    _, jid = queue.submit("github", "d1", "pull_request", spec(1))
    job = queue.claim_id(jid)
    assert job is not None and job.attempts == 1
    assert queue.claim_id(jid) is None and queue.claim() is None  # nobody else gets it
    queue.clock.t += 100  # its worker died: no heartbeat for longer than the lease
    assert queue.reclaim(lease=60) == [jid]
    again = queue.claim()
    assert again.id == jid and again.attempts == 2
    assert not queue.is_current(job) and queue.is_current(again)
    assert queue.complete(job, "done") is False  # the old claim records nothing
    assert queue.complete(again, "done") is True
    assert queue.state(jid) == "done"


def test_heartbeat_keeps_the_lease_and_poison_jobs_fail(queue):
    _, jid = queue.submit("github", "d1", "pull_request", spec(1))
    job = queue.claim()
    for _ in range(5):
        queue.clock.t += 30
        queue.heartbeat([job])
        assert queue.reclaim(lease=60) == []
    for _ in range(MAX_ATTEMPTS - 1):
        queue.clock.t += 100
        assert queue.reclaim(lease=60) == [jid]
        job = queue.claim()
    queue.clock.t += 100
    assert queue.reclaim(lease=60) == []
    assert queue.state(jid) == "failed"


def test_requeue_on_shutdown_does_not_count_an_attempt(queue):
    _, jid = queue.submit("github", "d1", "pull_request", spec(1))
    job = queue.claim()
    assert queue.requeue(job)
    assert queue.claim().attempts == 1


def test_lost_broker_messages_are_pushed_again(queue):
    queue.broker = ListBroker()
    ids = [queue.submit("github", f"d{n}", "pull_request", spec(n))[1] for n in (1, 2, 3)]
    assert queue.broker.ids == ids
    queue.broker.ids.clear()  # Redis restarted without persistence
    assert queue.redeliver(older_than=10) == 0  # too young: intake may still be pushing
    queue.clock.t += 11
    assert queue.redeliver(older_than=10) == 3 and queue.broker.ids == ids
    assert queue.redeliver(older_than=10) == 0  # the queue is not empty: nothing doubled


def test_runner_records_outcomes_and_logs_json(queue, capsys):
    logs.setup("info", "json")
    seen = []
    runner = Runner(queue, lambda job: (seen.append(job.id), ("done", "ok"))[1], threads=1)
    _, jid = queue.submit("github", "d1", "pull_request", spec(7))
    job = queue.claim()
    assert runner.run_job(job) == "done" and seen == [jid]
    line = [json.loads(x) for x in capsys.readouterr().err.splitlines() if '"job 1 done"' in x][0]
    assert line["pr"] == "acme/x#7" and line["state"] == "done" and line["level"] == "info"
    logging.getLogger().handlers.clear()


def test_runner_survives_a_crashing_job(queue):
    def boom(job):
        raise RuntimeError("bug")

    runner = Runner(queue, boom, threads=1)
    _, jid = queue.submit("github", "d1", "pull_request", spec(1))
    assert runner.run_job(queue.claim()) == "failed"
    assert queue.state(jid) == "failed"


def test_runner_gives_back_a_job_the_database_cut_short(queue):
    """The database going away mid-review is not the job's fault: the job is given back (not
    failed, the attempt not counted) and the worker thread lives on to review it later."""
    import time

    import sqlalchemy as sa

    calls = []

    def flaky(job):
        calls.append(job.id)
        if len(calls) == 1:
            raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("database away"))
        return "done", "ok"

    runner = Runner(queue, flaky, threads=1, poll=0.05)
    _, jid = queue.submit("github", "d1", "pull_request", spec(1))
    runner.start()
    try:
        end = time.monotonic() + 10
        while queue.state(jid) != "done" and time.monotonic() < end:
            time.sleep(0.02)
    finally:
        runner.stop()
    assert queue.state(jid) == "done" and calls == [jid, jid]
    from reviewbot.forge import tables

    with queue.engine.connect() as c:
        assert c.execute(sa.select(tables.jobs.c.attempts).where(tables.jobs.c.id == jid)).scalar() == 1


def test_an_old_head_delivered_last_does_not_lose_the_new_head(queue):
    """Deliveries come out of order: the PR is at B, but a (re)delivery of the older head A
    arrives after B's and supersedes it.  A's review finds the PR at B, goes stale and queues B
    again (follow_head), so B is reviewed and posted once."""
    from reviewbot.forge.jobs import Processor
    from reviewbot.forge.settings import ForgeSettings
    from tests.forge.fakes import DATA, Clock as ForgeClock, FakeGitHub

    a, b = "a" * 40, "b" * 40
    fclock = ForgeClock()
    fake = FakeGitHub(fclock)
    fake.add_pr("acme/x", 1, (DATA / "zram-sysfs-self-pin.diff").read_text(), b)
    for delivery, head in (("d1", a), ("d2", b), ("d3-redelivered", a)):
        queue.submit("github", delivery, "pull_request", spec(1, head))
    proc = Processor({}, ForgeSettings(github_token=FakeGitHub.TOKEN), transport=fake.transport(), min_interval=0,
                     sleep=fclock.sleep, clock=fclock.time, is_current=queue.is_current,
                     follow_head=queue.follow_head)
    outcomes = []
    while (job := queue.claim()) is not None:
        state, result = proc(job)
        assert queue.complete(job, state, result)
        outcomes.append((job.spec.head_sha, state))
    assert outcomes == [(a, "stale"), (b, "done")]
    assert len(fake.review_comments[("acme/x", 1)]) == 4 and fake.violations == []
    assert queue.follow_head(spec(1, b)) is None  # done: nothing queued again
