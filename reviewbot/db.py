"""Database access: SQLAlchemy Core, SQLite by default, PostgreSQL by URL (same code).

Each feature declares its tables on the shared `metadata` in its own module
(e.g. reviewbot/watch/tables.py, reviewbot/forge/tables.py) and calls `connect(url)`.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa

metadata = sa.MetaData()


@functools.lru_cache(maxsize=None)
def connect(url: str) -> sa.Engine:
    """An Engine for `url`; SQLite gets WAL and a busy timeout so processes can share it."""
    if url.startswith("sqlite"):
        eng = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    else:
        eng = sa.create_engine(url, pool_pre_ping=True)
    return eng


def create_all(url: str) -> sa.Engine:
    eng = connect(url)
    metadata.create_all(eng)
    return eng
