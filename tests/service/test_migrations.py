"""The Alembic migrations: a database at the previous revision (0002) with work in it upgrades to
the newest, keeps its rows, and ends with exactly the schema the code declares (SQLite and
PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from reviewbot import db
from reviewbot.forge import tables as F
from reviewbot.service import migrate
from reviewbot.service.queue import LeasedQueue


def upgrade_keeps_work(url: str) -> None:
    assert migrate.upgrade(url, "0002") == (None, "0002")
    with db.connect(url).begin() as c:  # a job queued by the previous version
        c.execute(sa.text("INSERT INTO forge_jobs (forge, repo, project, number, head_sha, state, attempts, "
                          "created_at, updated_at) VALUES ('github', 'acme/x', 'acme/x', 1, :h, 'queued', 0, 1, 1)"),
                  {"h": "a" * 40})
    assert migrate.upgrade(url) == ("0002", migrate.head())
    with db.connect(url).connect() as c:
        diffs = compare_metadata(MigrationContext.configure(c), migrate.target_metadata())
    assert diffs == []  # the migrations build exactly what reviewbot/*/tables.py declare
    queue = LeasedQueue(db.connect(url))
    job = queue.claim()
    assert (job.spec.head_sha, job.ref, job.payload) == ("a" * 40, None, None)
    with db.connect(url).connect() as c:
        assert c.execute(sa.select(F.jobs.c.claimed_by)).scalar() == queue.owner


def test_upgrade_from_0002_sqlite(tmp_path):
    upgrade_keeps_work(f"sqlite:///{tmp_path / 'old.db'}")


@pytest.mark.usefixtures("postgres")
def test_upgrade_from_0002_postgres(pg_url):
    upgrade_keeps_work(pg_url)
