"""Database schema by Alembic migrations (reviewbot/migrations/), for SQLite and PostgreSQL alike.

``upgrade(url)`` brings any database to the newest revision; `serve` and `worker` call it at
start and ``reviewbot db upgrade`` runs it by hand.  On PostgreSQL an advisory lock makes
processes that start together take turns.  A database made before migrations existed (by
``db.create_all``, which `watch` and the forge tests still use) is stamped at the first
revision, whose schema it has, and upgraded from there.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from reviewbot import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
BASELINE = "0001"
_LOCK_KEY = 0x72657669  # pg_advisory_xact_lock key ("revi")


def target_metadata() -> sa.MetaData:
    from reviewbot.forge import tables as _forge  # noqa: F401  (register their tables)
    from reviewbot.patchwork import tables as _patchwork  # noqa: F401
    from reviewbot.web import results as _results  # noqa: F401
    from reviewbot.watch import tables as _watch  # noqa: F401

    return db.metadata


def _config(conn: sa.Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def current(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.connect(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def upgrade(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade to ``revision``; returns (before, after)."""
    from alembic import command

    engine = db.connect(url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        insp = sa.inspect(conn)
        cfg = _config(conn)
        before = _revision(conn)
        if before is None and insp.has_table("forge_jobs") or before is None and insp.has_table("watch_jobs"):
            command.stamp(cfg, BASELINE)
        command.upgrade(cfg, revision)
        after = _revision(conn)
    return before, after


def _revision(conn: sa.Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()
