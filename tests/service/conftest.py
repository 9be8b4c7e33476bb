"""Fixtures of the service tests: private PostgreSQL and Redis servers (skipped, with the reason,
only when the Debian binaries are missing), the fake GitHub over HTTP, a list inbox."""

from __future__ import annotations

import shutil

import pytest

from tests.service.servers import Postgres, Redis, pg_bindir


@pytest.fixture(scope="session")
def postgres():
    if pg_bindir() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed: run scripts/system-deps.sh")
    pg = Postgres().start()
    yield pg
    pg.cleanup()


@pytest.fixture(scope="session")
def redis_server():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed: run scripts/system-deps.sh")
    r = Redis().start()
    yield r
    r.stop()


@pytest.fixture
def pg_url(postgres):
    """A fresh database on the session's cluster for each test."""
    import uuid

    import sqlalchemy as sa

    name = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(postgres.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield postgres.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def redis_url(redis_server):
    import redis

    r = redis.Redis.from_url(redis_server.url)
    r.flushall()
    r.close()
    return redis_server.url
