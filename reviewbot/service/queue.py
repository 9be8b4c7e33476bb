"""The review-job queue of the service: the database is the source of truth, a broker only wakes.

``LeasedQueue`` keeps the review jobs in the database (``forge_jobs``), with what several
processes need: a claim is a compare-and-set ``queued -> running`` that bumps ``attempts``, and
``attempts`` is the fencing token of that claim: heartbeats, ``complete`` and ``is_current``
only act while the row still carries the token.  A running job whose heartbeat (``updated_at``)
is older than the lease is queued again by ``reclaim`` (its worker died), so ``kill -9``
anywhere loses nothing; posting is idempotent by fingerprint, so a re-run posts nothing twice.

List series are jobs of the same table (``forge = "list"``, see reviewbot/forge/tables.py),
claimed and fenced the same way; ``submit_series`` queues one (a newer revision supersedes an
older one in one conditional UPDATE) and ``fence`` checks a claim inside the transaction that
records the series.  ``claimed_by`` names the claiming process: in embedded mode
``release_dead`` gives back at once what a process that is gone had claimed.

Brokers carry only a job id:
  * embedded (no ``[queue] url``): no broker, workers claim the oldest queued row and a
    threading.Event wakes them on intake;
  * ``HueyBroker``: huey's RedisHuey storage (``[queue] url = "redis://..."``); any number of
    ``reviewbot worker`` processes pop ids and claim them by id.  A lost message (Redis
    restarted, a worker killed after the pop) is harmless: the reconciler pushes queued jobs
    again once the Redis queue is empty, and duplicate messages lose the compare-and-set.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Callable

import sqlalchemy as sa

from reviewbot.forge import tables
from reviewbot.forge.events import JobSpec
from reviewbot.forge.queue import (ACTIVE, Job, claimer_dead, insert_ignore, job_from_row, lock_pr, new_job,
                                   process_owner)

log = logging.getLogger("reviewbot.service.queue")

MAX_ATTEMPTS = 5  # a job that killed its worker this often is marked failed, not retried forever


def series_key(key: str) -> str:
    """The ``head_sha`` of a list job: a fixed-size digest of the series' root Message-Id."""
    return hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()


class HueyBroker:
    """Job ids through huey's Redis storage (a Redis list; BRPOP with a 1 s timeout)."""

    def __init__(self, url: str, name: str = "reviewbot"):
        import redis
        from huey import RedisHuey

        self.url = url
        pool = redis.ConnectionPool.from_url(url, health_check_interval=10, socket_timeout=5,
                                             socket_connect_timeout=5)
        self.huey = RedisHuey(name, connection_pool=pool, results=False, blocking=True, read_timeout=1)

        @self.huey.task(name="reviewbot.review_job")
        def review_job(job_id: int) -> int:  # executed by `reviewbot worker`, which claims by id
            return job_id

        self.task = review_job

    def push(self, job_id: int) -> None:
        self.huey.enqueue(self.task.s(int(job_id)))

    def pop(self) -> int | None:
        """The next job id, or None after ~1 s without one."""
        task = self.huey.dequeue()
        return int(task.args[0]) if task is not None else None

    def depth(self) -> int:
        return self.huey.pending_count()

    def ping(self) -> None:
        self.huey.storage.conn.ping()

    def describe(self) -> str:
        return f"huey/redis {self.url.split('@')[-1]}"


class LeasedQueue:
    def __init__(self, engine: sa.Engine, broker: HueyBroker | None = None, clock: Callable[[], float] = time.time):
        self.engine = engine
        self.clock = clock
        self.broker = broker
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
            if self.broker is not None:
                self.push([job_id])
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

    def push(self, ids: list[int]) -> int:
        """Hand ids to the broker; a failure is logged, the reconciler pushes them again later."""
        n = 0
        for i in ids:
            try:
                self.broker.push(i)
                n += 1
            except Exception as exc:  # noqa: BLE001 - Redis down: the row is recorded, the reconciler retries
                log.warning("queue: broker push of job %d failed (%s); the reconciler retries", i,
                            f"{exc.__class__.__name__}: {exc}", extra={"job": i})
                break
        return n

    def follow_head(self, spec: JobSpec) -> int | None:
        """A review found its PR at ``spec.head_sha``, not at its own head: queue that head unless
        its job is queued, running, done or failed (a delivery of an older head that came last
        superseded it, or its delivery never came).  The new job supersedes other queued heads.
        None when nothing was queued."""
        j = tables.jobs
        now = self.clock()
        same_pr = (j.c.forge == spec.forge) & (j.c.repo == spec.repo) & (j.c.number == spec.number)
        with self.engine.begin() as conn:
            lock_pr(conn, spec.forge, spec.repo, spec.number)
            job_id = insert_ignore(conn, j, new_job(spec, now))
            if job_id is None:
                job_id = conn.execute(j.update().where(
                    same_pr & (j.c.head_sha == spec.head_sha) & j.c.state.in_(("superseded", "stale")))
                    .values(state="queued", updated_at=now).returning(j.c.id)).scalar()
            if job_id is not None:
                conn.execute(j.update().where(same_pr & (j.c.head_sha != spec.head_sha) & (j.c.state == "queued"))
                             .values(state="superseded", updated_at=now))
        if job_id is not None:
            self.wakeup.set()
            if self.broker is not None:
                self.push([job_id])
        return job_id

    # -- list series -------------------------------------------------------------------------------
    def series_exists(self, list_name: str, key: str, revision: int) -> bool:
        """A job for this series revision was queued before (whatever became of it)."""
        j = tables.jobs
        with self.engine.connect() as conn:
            return conn.execute(sa.select(j.c.id).where(
                (j.c.forge == "list") & (j.c.repo == list_name) & (j.c.number == revision)
                & (j.c.head_sha == series_key(key)))).first() is not None

    def submit_series(self, list_name: str, key: str, revision: int, identity: str, payload: bytes,
                      meta: str) -> int | None:
        """Queue a list series (its thread's raw messages on the row); None when it was queued
        before.  A newer revision of the same series (``identity``: change-id, else subject and
        author) supersedes an older one still queued or running, in one conditional UPDATE."""
        j = tables.jobs
        now = self.clock()
        with self.engine.begin() as conn:
            lock_pr(conn, "list", list_name, identity)
            same = (j.c.forge == "list") & (j.c.repo == list_name) & (j.c.project == identity)
            conn.execute(j.update().where(same & (j.c.number < revision) & j.c.state.in_(ACTIVE))
                         .values(state="superseded", updated_at=now))
            # a revision that comes after a newer one (an old thread settling late) is recorded,
            # never reviewed; the enqueues of one series take turns, so this read is not racy
            newer = conn.execute(sa.select(j.c.id).where(same & (j.c.number > revision)).limit(1)).first()
            state = "superseded" if newer else "queued"
            job_id = insert_ignore(conn, j, dict(
                forge="list", repo=list_name, project=identity, number=revision, head_sha=series_key(key),
                ref=key[:500], payload=payload, meta=meta, state=state, attempts=0, created_at=now,
                updated_at=now, result="a newer revision was queued first" if newer else None))
        if job_id is not None and not newer:
            self.wakeup.set()
            if self.broker is not None:
                self.push([job_id])
        return job_id

    def fence(self, conn: sa.Connection, job: Job) -> bool:
        """Inside the caller's transaction: True while ``job``'s claim holds, and it keeps holding
        until that transaction ends (the row is locked: a reclaim or supersede waits for it)."""
        return conn.execute(tables.jobs.update().where(self._mine(job)).values(updated_at=self.clock())).rowcount == 1

    # -- claims ----------------------------------------------------------------------------------
    def claim(self) -> Job | None:
        """Embedded mode: compare-and-set the oldest queued job ``queued -> running``."""
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

    def claim_id(self, job_id: int) -> Job | None:
        """Compare-and-set one job ``queued -> running``; None when it is not queued (done, taken)."""
        j = tables.jobs
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(j).where(j.c.id == job_id)).first()
            if row is None or row.state != "queued":
                return None
            got = conn.execute(j.update().where((j.c.id == job_id) & (j.c.state == "queued")
                                                & (j.c.attempts == row.attempts))
                               .values(state="running", attempts=row.attempts + 1, claimed_by=self.owner,
                                       updated_at=self.clock())).rowcount
        return job_from_row(row, row.attempts + 1) if got else None

    def _mine(self, job: Job):
        j = tables.jobs
        return (j.c.id == job.id) & (j.c.state == "running") & (j.c.attempts == job.attempts)

    def complete(self, job: Job, state: str, result: str = "") -> bool:
        """Record the outcome; False when the claim was lost (reclaimed, superseded)."""
        with self.engine.begin() as conn:
            return conn.execute(tables.jobs.update().where(self._mine(job)).values(
                state=state, result=result[:4000], updated_at=self.clock())).rowcount == 1

    def requeue(self, job: Job) -> bool:
        """Give a claimed job back (graceful shutdown); the attempt is not counted."""
        with self.engine.begin() as conn:
            ok = conn.execute(tables.jobs.update().where(self._mine(job)).values(
                state="queued", attempts=job.attempts - 1, updated_at=self.clock())).rowcount == 1
        if ok and self.broker is not None:
            self.push([job.id])
        return ok

    def heartbeat(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        now = self.clock()
        with self.engine.begin() as conn:
            for job in jobs:
                conn.execute(tables.jobs.update().where(self._mine(job)).values(updated_at=now))

    def is_current(self, job: Job) -> bool:
        """Still ours to post: running under this claim (not superseded, not reclaimed)."""
        j = tables.jobs
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(j.c.state, j.c.attempts).where(j.c.id == job.id)).first()
        return row is not None and row.state == "running" and row.attempts == job.attempts

    # -- reconciler ------------------------------------------------------------------------------
    def reclaim(self, lease: float) -> list[int]:
        """Queue again the running jobs whose heartbeat is older than ``lease`` seconds."""
        j = tables.jobs
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(j.c.id, j.c.attempts).where(
                (j.c.state == "running") & (j.c.updated_at < self.clock() - lease))).all()
        return self._take_back(rows, "left by a dead worker: queued again")

    def release_dead(self) -> list[int]:
        """Embedded mode (one SQLite file: every claimer runs on this host): queue again at once
        the running jobs whose claiming process is gone (a previous instance of this process
        after a kill -9, or a dead `reviewbot worker`), without waiting for their lease."""
        j = tables.jobs
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(j.c.id, j.c.attempts, j.c.claimed_by).where(
                (j.c.state == "running") & (j.c.claimed_by != self.owner))).all()
        return self._take_back([r for r in rows if claimer_dead(r.claimed_by, self.owner)],
                               "its worker is gone: queued again at once")

    def _take_back(self, rows, what: str) -> list[int]:
        """Compare-and-set each (id, attempts) ``running -> queued`` (``failed`` after
        MAX_ATTEMPTS claims: a job that kills its worker is not retried forever)."""
        if not rows:
            return []
        j = tables.jobs
        now = self.clock()
        back = []
        with self.engine.begin() as conn:
            for r in rows:
                dead = r.attempts >= MAX_ATTEMPTS
                got = conn.execute(j.update().where((j.c.id == r.id) & (j.c.state == "running")
                                                    & (j.c.attempts == r.attempts))
                                   .values(state="failed" if dead else "queued", updated_at=now,
                                           **({"result": f"gave up after {r.attempts} attempts whose "
                                               "worker died"} if dead else {}))).rowcount
                if got and not dead:
                    back.append(r.id)
                if got:
                    log.warning("reconciler: job %d %s", r.id, "failed for good" if dead else what,
                                extra={"job": r.id})
        if back and self.broker is not None:
            self.push(back)
        if back:
            self.wakeup.set()
        return back

    def redeliver(self, older_than: float) -> int:
        """Broker mode: the Redis queue is empty but queued rows older than ``older_than`` s exist
        (a message was lost): push them again."""
        if self.broker is None or self.broker.depth() > 0:
            return 0
        j = tables.jobs
        now = self.clock()
        with self.engine.connect() as conn:
            ids = list(conn.execute(sa.select(j.c.id).where(
                (j.c.state == "queued") & (j.c.updated_at < now - older_than)).order_by(j.c.id)).scalars())
        if ids:
            with self.engine.begin() as conn:  # touched, so the next round waits again
                conn.execute(j.update().where(j.c.id.in_(ids) & (j.c.state == "queued")).values(updated_at=now))
            log.info("reconciler: %d queued job(s) without a broker message: pushed again", len(ids))
        return self.push(ids)

    # -- observation -----------------------------------------------------------------------------
    def depth(self) -> int:
        j = tables.jobs
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(j).where(j.c.state == "queued")).scalar() or 0

    def state(self, job_id: int) -> str | None:
        j = tables.jobs
        with self.engine.connect() as conn:
            return conn.execute(sa.select(j.c.state).where(j.c.id == job_id)).scalar()

    def oldest_age(self) -> float:
        j = tables.jobs
        with self.engine.connect() as conn:
            t = conn.execute(sa.select(sa.func.min(j.c.created_at)).where(j.c.state == "queued")).scalar()
        return max(0.0, self.clock() - t) if t is not None else 0.0

    def states(self) -> dict[str, int]:
        j = tables.jobs
        with self.engine.connect() as conn:
            return dict(conn.execute(sa.select(j.c.state, sa.func.count()).group_by(j.c.state)).all())
