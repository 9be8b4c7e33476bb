"""One follower per list at a time (docs/design.md, Durability): a lease row in the database.

The lease names host and pid and expires after `ttl` seconds unless renewed.  A follower
takes a lease that expired, or one left by a dead process on the same host (a `kill -9`
must not block the restart until expiry).  Correctness does not depend on the lease: jobs
are unique per (list, root, revision) and outbox rows are claimed by compare-and-set; the
lease only keeps two followers from doing the same walk.
"""

from __future__ import annotations

import os
import socket

import sqlalchemy as sa

from reviewbot.watch import tables as T

HOST = socket.gethostname()[:255]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def acquire(engine: sa.Engine, name: str, now: float, ttl: float) -> tuple[bool, str]:
    """(True, "") when this process holds the lease for `name`, else (False, holder)."""
    me = os.getpid()
    L = T.lock.c
    with engine.begin() as c:
        row = c.execute(sa.select(T.lock).where(L.list == name)).first()
        if row is None:
            try:
                with c.begin_nested():
                    c.execute(T.lock.insert().values(list=name, host=HOST, pid=me, expires=now + ttl))
                return True, ""
            except sa.exc.IntegrityError:
                return False, "another follower (just started)"
        mine = row.host == HOST and row.pid == me
        stale = row.expires < now or (row.host == HOST and not _alive(row.pid))
        if not (mine or stale):
            return False, f"pid {row.pid} on {row.host}"
        upd = c.execute(T.lock.update().where(L.list == name, L.host == row.host, L.pid == row.pid)
                        .values(host=HOST, pid=me, expires=now + ttl))
        return (upd.rowcount == 1), ("" if upd.rowcount == 1 else "another follower")


def release(engine: sa.Engine, name: str) -> None:
    L = T.lock.c
    with engine.begin() as c:
        c.execute(T.lock.delete().where(L.list == name, L.host == HOST, L.pid == os.getpid()))
