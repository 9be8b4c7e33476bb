"""Races of the intake on a real PostgreSQL (READ COMMITTED, several connections at once), and
the embedded mode's give-back of a dead instance's claims (SQLite).

- deliveries with different ids for the same PR and head at the same instant: every delivery
  recorded, one job;
- pushes of different heads of one PR at the same instant: exactly one job left active;
- revisions of one list series queued at the same instant: only the newest is reviewed.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections import Counter

import sqlalchemy as sa

from reviewbot import db
from reviewbot.forge import tables as F
from reviewbot.forge.events import JobSpec
from reviewbot.forge.queue import ACTIVE, HOST
from reviewbot.service import migrate
from reviewbot.service.queue import LeasedQueue

N = 8


def at_once(fn, args: list) -> list:
    gate = threading.Barrier(len(args))
    out = [None] * len(args)

    def run(i, a):
        gate.wait()
        out[i] = fn(*a)

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def pg_queue(pg_url: str) -> LeasedQueue:
    migrate.upgrade(pg_url)
    return LeasedQueue(db.connect(pg_url))


def spec(head: str, n: int = 1) -> JobSpec:
    return JobSpec(forge="github", repo="acme/x", project="acme/x", number=n, head_sha=head)


def jobs(queue: LeasedQueue) -> list:
    with queue.engine.connect() as c:
        return c.execute(sa.select(F.jobs.c.id, F.jobs.c.head_sha, F.jobs.c.number, F.jobs.c.state)).all()


def test_same_head_at_the_same_instant_records_every_delivery_once(pg_url):
    queue = pg_queue(pg_url)
    for round_ in range(3):
        got = at_once(queue.submit, [("github", f"d{round_}-{i}", "pull_request", spec("a" * 40, round_))
                                     for i in range(N)])
        assert all(fresh for fresh, _ in got), got
        assert len({jid for _, jid in got}) == 1, got  # one job for all of them
    with queue.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(F.deliveries)).scalar() == 3 * N
    assert len(jobs(queue)) == 3
    replay = queue.submit("github", "d0-0", "pull_request", spec("a" * 40, 0))
    assert replay == (False, None)


def test_heads_racing_leave_one_active_job(pg_url):
    queue = pg_queue(pg_url)
    for round_ in range(3):
        at_once(queue.submit, [("github", f"h{round_}-{i}", "pull_request", spec(f"{i:040x}", round_))
                               for i in range(N)])
        states = Counter(j.state for j in jobs(queue) if j.number == round_)
        assert sum(states[s] for s in ACTIVE) == 1 and states["superseded"] == N - 1, states


def test_list_revisions_racing_leave_the_newest(pg_url):
    queue = pg_queue(pg_url)
    got = at_once(queue.submit_series, [("testlist", f"v{r}@example.org", r, "same-series", b"", "{}")
                                        for r in range(1, N + 1)])
    assert all(got)
    with queue.engine.connect() as c:
        rows = c.execute(sa.select(F.jobs.c.number, F.jobs.c.state).where(F.jobs.c.forge == "list")).all()
    assert {r.number for r in rows if r.state in ACTIVE} == {N}, rows


def test_embedded_gives_back_a_dead_instances_claims_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'q.db'}"
    migrate.upgrade(url)
    queue = LeasedQueue(db.connect(url))
    ids = [queue.submit("github", f"d{n}", "pull_request", spec("b" * 40, n))[1] for n in range(4)]
    claimed = [queue.claim() for _ in ids]
    gone = subprocess.Popen(["true"])
    gone.wait()
    owners = {ids[0]: f"{HOST}:{gone.pid}:dead",  # its process is gone
              ids[1]: f"{HOST}:{os.getpid()}:previous",  # this pid, an earlier instance (pid 1 in a container)
              ids[2]: f"{HOST}:{os.getppid()}:alive",  # another live process: its lease decides
              ids[3]: queue.owner}  # this process: running here
    with queue.engine.begin() as c:
        for jid, owner in owners.items():
            c.execute(F.jobs.update().where(F.jobs.c.id == jid).values(claimed_by=owner))
    assert sorted(queue.release_dead()) == ids[:2]
    assert [queue.state(i) for i in ids] == ["queued", "queued", "running", "running"]
    assert queue.release_dead() == []
    assert not queue.complete(claimed[0], "done")  # the dead instance's claim records nothing
    again = queue.claim()
    assert again.id == ids[0] and again.attempts == 2
