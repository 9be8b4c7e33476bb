"""The review jobs' rows (``forge_jobs``): the ``Job`` a worker gets, who claims it, and the
conditional statements that queue one.

``JobQueue`` is the small interface the webhook intake uses; the one queue behind it is
reviewbot.service.queue.LeasedQueue (claims, leases, fencing, the broker).
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa

from reviewbot.forge.events import JobSpec


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

    def is_current(self, job: Job) -> bool:
        """False once a newer head of the same PR/MR has been queued."""

    def depth(self) -> int: ...
