"""The durable in-process job queue: a database table plus worker threads in the serve process.

``JobQueue`` is the small interface the intake and the workers use; ``DbQueue`` keeps jobs
in ``forge_jobs`` (SQLite by default, any SQLAlchemy URL), so a crash loses nothing: on
start, jobs a dead worker left ``running`` are queued again.  A later deployment can put a
huey/Redis queue behind the same interface.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Protocol

import sqlalchemy as sa

from reviewbot.forge import tables
from reviewbot.forge.events import JobSpec

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
HOST = socket.gethostname()[:100]


@dataclass(frozen=True)
class Job:
    id: int
    spec: JobSpec
    attempts: int
    ref: str | None = None  # list jobs: the series' root Message-Id
    payload: bytes | None = None  # list jobs: the thread's raw messages
    meta: str | None = None  # list jobs: JSON (reviewbot.watch.follow.series_payload)


_OWNER: dict[int, str] = {}


def process_owner() -> str:
    """Who claims: ``host:pid:instance``, one per process (a restarted process that got the same
    pid, as a container's pid 1 does, is still another instance)."""
    pid = os.getpid()
    if pid not in _OWNER:
        _OWNER[pid] = f"{HOST}:{pid}:{uuid.uuid4().hex[:12]}"
    return _OWNER[pid]


def claimer_dead(claimed_by: str | None, me: str) -> bool:
    """Is the process that claimed a job (``host:pid:instance``) gone?  Only a claimer on this
    host can be checked: an unknown or remote one is never declared dead (its lease decides)."""
    if not claimed_by:
        return False
    host, _, rest = claimed_by.partition(":")
    pid = rest.partition(":")[0]
    if host != HOST or not pid.isdigit() or claimed_by == me:
        return False
    if int(pid) == os.getpid():
        return True  # this pid, another instance: this process's previous life (pid 1 in a container)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def job_from_row(row, attempts: int) -> Job:
    spec = JobSpec(forge=row.forge, repo=row.repo, project=row.project, number=row.number,
                   head_sha=row.head_sha, installation_id=row.installation_id)
    return Job(id=row.id, spec=spec, attempts=attempts, ref=row.ref, payload=row.payload, meta=row.meta)


def new_job(spec: JobSpec, now: float) -> dict:
    """The row of a freshly queued forge job."""
    return dict(forge=spec.forge, repo=spec.repo, project=spec.project, number=spec.number, head_sha=spec.head_sha,
                installation_id=spec.installation_id, state="queued", attempts=0, created_at=now, updated_at=now)


def insert_ignore(conn: sa.Connection, table: sa.Table, values: dict) -> int | None:
    """INSERT that does nothing on a unique conflict (waiting for a concurrent insert of the same
    key to commit or roll back); the new row's id, or None when the row existed."""
    name = conn.dialect.name
    if name in ("postgresql", "sqlite"):
        if name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        res = conn.execute(insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id))
        return res.scalar()
    try:
        with conn.begin_nested():
            return conn.execute(table.insert().values(**values)).inserted_primary_key[0]
    except sa.exc.IntegrityError:
        return None


def lock_pr(conn: sa.Connection, *key) -> None:
    """PostgreSQL: serialize the enqueues of one PR/MR (or one list series) until commit.  SQLite
    needs nothing: a write transaction already holds the database's only write lock."""
    if conn.dialect.name == "postgresql":
        k = int.from_bytes(hashlib.sha1("\0".join(map(str, key)).encode()).digest()[:8], "big", signed=True)
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": k})


class JobQueue(Protocol):
    def submit(self, forge: str, delivery: str, event: str, spec: JobSpec | None,
               reason: str = "") -> tuple[bool, int | None]:
        """Record a delivery and enqueue its job atomically; (False, None) for a replay."""

    def claim(self) -> Job | None: ...

    def finish(self, job_id: int, state: str, result: str = "") -> None: ...

    def is_current(self, job: Job) -> bool:
        """False once a newer head of the same PR/MR has been queued."""

    def depth(self) -> int: ...


class DbQueue:
    def __init__(self, engine: sa.Engine, clock: Callable[[], float] = time.time):
        self.engine = engine
        self.clock = clock
        self.wakeup = threading.Event()
        self.owner = process_owner()
        tables.jobs.metadata.create_all(engine, tables=[tables.jobs, tables.deliveries])

    # -- intake --------------------------------------------------------------------------------
    def submit(self, forge: str, delivery: str, event: str, spec: JobSpec | None,
               reason: str = "") -> tuple[bool, int | None]:
        """Record the delivery (one row per delivery id) and enqueue its job, in one transaction.

        (False, None): this delivery id was recorded before (a replay).  Another delivery id for
        the same PR and head, even at the same instant, is recorded too and gets the same job.
        """
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                conn.execute(tables.deliveries.insert().values(
                    forge=forge, delivery_id=delivery, event=event[:64], received_at=now,
                    outcome=("queued" if spec else f"ignored: {reason}")[:200]))
                job_id = self._enqueue(conn, spec, now) if spec else None
        except sa.exc.IntegrityError:  # uq_forge_delivery: the job insert itself never raises
            return False, None
        if job_id is not None:
            self.wakeup.set()
        return True, job_id

    def _enqueue(self, conn: sa.Connection, spec: JobSpec, now: float) -> int:
        """The job of ``spec``: a new row, or the existing one for the same PR and head.

        Every step is one conditional statement, and on PostgreSQL the enqueues of one PR take
        turns (a transaction-scoped advisory lock), so two heads racing leave only the later
        one active, and two deliveries of the same head racing share one job.
        """
        j = tables.jobs
        lock_pr(conn, spec.forge, spec.repo, spec.number)
        same_pr = (j.c.forge == spec.forge) & (j.c.repo == spec.repo) & (j.c.number == spec.number)
        # a newer head supersedes whatever is queued or running for the same PR/MR
        conn.execute(j.update().where(same_pr & (j.c.head_sha != spec.head_sha) & j.c.state.in_(ACTIVE))
                     .values(state="superseded", updated_at=now))
        job_id = insert_ignore(conn, j, new_job(spec, now))
        same = same_pr & (j.c.head_sha == spec.head_sha)
        if job_id is None:
            # reopened with the same head: review again (posting is idempotent); a queued or
            # running job of this head is left as it is
            conn.execute(j.update().where(same & j.c.state.not_in(ACTIVE)).values(
                state="queued", installation_id=spec.installation_id, updated_at=now))
            job_id = conn.execute(sa.select(j.c.id).where(same)).scalar_one()
        return job_id

    # -- workers -------------------------------------------------------------------------------
    def claim(self) -> Job | None:
        j = tables.jobs
        while True:
            with self.engine.begin() as conn:
                row = conn.execute(sa.select(j).where(j.c.state == "queued").order_by(j.c.id).limit(1)).first()
                if row is None:
                    return None
                got = conn.execute(j.update().where((j.c.id == row.id) & (j.c.state == "queued")
                                                    & (j.c.attempts == row.attempts))
                                   .values(state="running", attempts=row.attempts + 1, claimed_by=self.owner,
                                           updated_at=self.clock())).rowcount
            if got:
                return job_from_row(row, row.attempts + 1)

    def finish(self, job_id: int, state: str, result: str = "") -> None:
        j = tables.jobs
        with self.engine.begin() as conn:
            # a job superseded while it ran stays superseded
            conn.execute(j.update().where((j.c.id == job_id) & (j.c.state == "running"))
                         .values(state=state, result=result[:4000], updated_at=self.clock()))

    def is_current(self, job: Job) -> bool:
        j = tables.jobs
        with self.engine.connect() as conn:
            state = conn.execute(sa.select(j.c.state).where(j.c.id == job.id)).scalar()
        return state in ACTIVE

    def depth(self) -> int:
        j = tables.jobs
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(j).where(j.c.state == "queued")).scalar() or 0

    def recover(self) -> int:
        """Queue again what a crashed process left running (call once at start)."""
        j = tables.jobs
        with self.engine.begin() as conn:
            n = conn.execute(j.update().where(j.c.state == "running")
                             .values(state="queued", updated_at=self.clock())).rowcount
        if n:
            log.info("re-queued %d job(s) left running by a previous process", n)
        return n

    def state(self, job_id: int) -> str | None:
        j = tables.jobs
        with self.engine.connect() as conn:
            return conn.execute(sa.select(j.c.state).where(j.c.id == job_id)).scalar()


class Workers:
    """N threads that claim jobs and hand them to ``handle(job, queue) -> (state, result)``."""

    def __init__(self, queue: DbQueue, handle: Callable[[Job], tuple[str, str]], threads: int = 1,
                 poll: float = 2.0):
        self.queue = queue
        self.handle = handle
        self.poll = poll
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, name=f"reviewbot-worker-{i}", daemon=True)
                         for i in range(threads)]

    def start(self) -> None:
        self.queue.recover()
        for t in self._threads:
            t.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.queue.wakeup.set()
        for t in self._threads:
            t.join(timeout)

    def run_once(self) -> bool:
        """Process one queued job in the calling thread; False when the queue is empty."""
        job = self.queue.claim()
        if job is None:
            return False
        try:
            state, result = self.handle(job)
        except Exception as exc:  # a bug in one job must not kill the worker
            log.exception("job %d (%s %s#%d) crashed", job.id, job.spec.forge, job.spec.repo, job.spec.number)
            state, result = "failed", f"internal: {exc.__class__.__name__}: {exc}"
        self.queue.finish(job.id, state, result)
        return True

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.queue.wakeup.clear()  # before looking: a submit from now on wakes the wait below
            try:
                if self.run_once():
                    continue
            except Exception:  # database hiccup: log and keep polling
                log.exception("worker loop error")
            self.queue.wakeup.wait(self.poll)
