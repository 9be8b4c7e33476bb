"""Review workers, their heartbeat and the reconciler: threads of `serve` and `reviewbot worker`.

``Runner`` runs N threads; each takes a job (embedded: the oldest queued row; broker mode: an id
popped from Redis, then claimed by id), hands it to the forge ``Processor`` and records the
outcome under its claim.  Each job runs under a CPU-time budget (``[service]
review_budget_seconds``, a cooperative deadline the review engine checks between patches and
rules: signals cannot stop a thread); past it the job ends ``failed`` with the reason, not
retried, and the thread takes the next one.  A heartbeat thread renews the claims of the jobs in flight every
``lease / 3`` seconds, so only a dead process's jobs ever expire.  ``stop()`` (SIGTERM) stops
taking jobs, lets running ones finish for ``grace`` seconds and gives the rest back to the queue.

The database going away does not kill a worker thread: a job whose review or outcome could not
reach the database is given back (or, while the database is still away, left to expire and be
taken back by the reconciler) instead of being recorded as failed; the thread backs off and goes on.

``Reconciler`` (every few seconds, in every process: all its steps are compare-and-set) queues
again what dead workers left and, in broker mode, re-pushes queued jobs whose message was lost.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import sqlalchemy as sa

from reviewbot import budget
from reviewbot.forge.queue import Job
from reviewbot.service.queue import LeasedQueue
from reviewbot.watch.faults import crash_once

log = logging.getLogger("reviewbot.service.worker")

# the database (or its connection) is unreachable: transient, never a verdict on the job
DATABASE_AWAY = (sa.exc.OperationalError, sa.exc.InterfaceError)


def job_fields(job: Job) -> dict:
    s = job.spec
    if s.forge == "list":
        return {"job": job.id, "forge": "list", "list": s.repo, "series": job.ref, "revision": s.number,
                "attempt": job.attempts}
    sep = "#" if s.forge == "github" else "!"
    return {"job": job.id, "forge": s.forge, "repo": s.repo, "pr": f"{s.repo}{sep}{s.number}",
            "head": s.head_sha[:12], "attempt": job.attempts}


class Runner:
    def __init__(self, queue: LeasedQueue, handle: Callable[[Job], tuple[str, str]], *, threads: int = 2,
                 lease: float = 60.0, grace: float = 20.0, poll: float = 2.0,
                 observe: Callable[[Job, str, float], None] | None = None,
                 review_budget: float = budget.DEFAULT_SECONDS):
        self.queue = queue
        self.review_budget = review_budget  # CPU seconds per job (0: none)
        self.handle = handle
        self.threads = max(1, threads)
        self.lease = lease
        self.grace = grace
        self.poll = poll
        self.observe = observe or (lambda job, state, seconds: None)
        self.inflight: dict[int, Job] = {}
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._beat: threading.Thread | None = None

    def start(self) -> None:
        self._workers = [threading.Thread(target=self._loop, name=f"reviewbot-worker-{i}", daemon=True)
                         for i in range(self.threads)]
        for t in self._workers:
            t.start()
        self._beat = threading.Thread(target=self._heartbeat, name="reviewbot-heartbeat", daemon=True)
        self._beat.start()

    def stop(self) -> None:
        """Stop taking jobs; wait up to ``grace`` s for running ones; give back what is left."""
        self._stop.set()
        self.queue.wakeup.set()
        end = time.monotonic() + self.grace
        for t in self._workers:
            t.join(max(0.0, end - time.monotonic()))
        with self._guard:
            left = list(self.inflight.values())
        for job in left:
            if self.queue.requeue(job):
                log.warning("shutdown: job %d given back to the queue", job.id, extra=job_fields(job))
        if self._beat is not None:
            self._beat.join(2)

    # -- one job ---------------------------------------------------------------------------------
    def _take(self) -> Job | None:
        if self.queue.broker is None:
            self.queue.wakeup.clear()  # before looking: a submit from now on wakes the wait
            job = self.queue.claim()
            if job is None:
                self.queue.wakeup.wait(self.poll)
            return job
        job_id = self.queue.broker.pop()  # blocks for up to ~1 s
        return self.queue.claim_id(job_id) if job_id is not None else None

    def run_job(self, job: Job) -> str:
        with self._guard:
            self.inflight[job.id] = job
        t0 = time.monotonic()
        try:
            try:
                with budget.deadline(f"job {job.id}", self.review_budget, "[service] review_budget_seconds"):
                    state, result = self.handle(job)
            except budget.OutOfBudget as exc:  # a pathological input: a verdict on the job, not retried
                log.warning("job %d out of budget: %s", job.id, exc, extra=job_fields(job))
                state, result = "failed", f"out of budget: {exc}"
            except DATABASE_AWAY:
                raise  # not the job's fault: _loop gives it back rather than failing it
            except Exception as exc:  # a bug in one job must not kill the worker
                log.exception("job %d crashed", job.id, extra=job_fields(job))
                state, result = "failed", f"internal: {exc.__class__.__name__}: {exc}"
            seconds = time.monotonic() - t0
            crash_once("after-post")  # posted, not yet recorded: the re-run must post nothing twice
            kept = self.queue.complete(job, state, result)
            log.info("job %d %s", job.id, state if kept else f"{state} (claim lost: not recorded)",
                     extra=dict(job_fields(job), state=state, seconds=round(seconds, 3), result=result[:300]))
            self.observe(job, state if kept else "lost", seconds)
            return state
        finally:
            with self._guard:
                self.inflight.pop(job.id, None)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job = self._take()
            except Exception as exc:  # database or Redis away: log, back off, keep going
                log.warning("worker: cannot take a job: %s", f"{exc.__class__.__name__}: {exc}".splitlines()[0])
                self._stop.wait(self.poll)
                continue
            if job is None:
                continue
            if self._stop.is_set():  # taken while stopping: give it straight back
                self.queue.requeue(job)
                return
            try:
                self.run_job(job)
            except DATABASE_AWAY as exc:
                self._give_back(job, exc)
                self._stop.wait(self.poll)

    def _give_back(self, job: Job, exc: Exception) -> None:
        why = f"{exc.__class__.__name__}: {exc}".splitlines()[0]
        try:
            back = self.queue.requeue(job)
        except DATABASE_AWAY:
            back = False
        log.warning("job %d: database away (%s); %s", job.id, why,
                    "given back to the queue" if back else "left for the reconciler once its lease expires",
                    extra=job_fields(job))

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.lease / 3):
            with self._guard:
                jobs = list(self.inflight.values())
            try:
                self.queue.heartbeat(jobs)
            except Exception as exc:  # noqa: BLE001 - the next beat retries; the lease is 3 beats long
                log.warning("heartbeat failed: %s", str(exc).splitlines()[0])


class Reconciler:
    """``release_dead`` (embedded mode): also give back at once the jobs of claimers that are
    gone (LeasedQueue.release_dead), at start and every round; otherwise only the lease counts."""

    def __init__(self, queue: LeasedQueue, *, lease: float = 60.0, every: float = 5.0, redeliver: float = 10.0,
                 release_dead: bool = False):
        self.queue = queue
        self.release_dead = release_dead
        self.lease = lease
        self.every = every
        self.redeliver_after = redeliver
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> tuple[int, int]:
        back = self.queue.release_dead() if self.release_dead else []
        back += self.queue.reclaim(self.lease)
        pushed = self.queue.redeliver(self.redeliver_after)
        return len(back), pushed

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="reviewbot-reconciler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.run_once()
            except Exception as exc:  # noqa: BLE001 - database away: next round
                log.warning("reconciler round failed: %s", str(exc).splitlines()[0])
