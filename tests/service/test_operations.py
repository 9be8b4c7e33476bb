"""Operations on a real server process over PostgreSQL: the database goes away (intake answers
503, /readyz 503, nothing acknowledged is lost) and comes back (recovery on its own);
/healthz, /metrics, payload size limit, the migrations command."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import sqlalchemy as sa

from reviewbot.forge import tables as F
from tests.service.harness import REPO, Cluster
from tests.service.servers import ROOT, deliver, pr_payload


def test_database_outage_503_then_recovery(tmp_path, postgres, pg_url):
    cluster = Cluster(tmp_path, db_url=pg_url, lists=False, validate_openapi=False).start()
    accepted = []
    try:
        cluster.add_prs(4)
        with httpx.Client(timeout=10) as client:
            r = deliver(client, cluster.url, pr_payload(REPO, 1, cluster.fake.prs[(REPO, 1)].head), "d-1")
            assert r.status_code == 202
            accepted.append(1)
            big = b'{"x": "' + b"a" * (6 * 1024 * 1024) + b'"}'
            assert deliver(client, cluster.url, big, "d-big").status_code == 413
            postgres.stop("fast")
            try:
                r = deliver(client, cluster.url, pr_payload(REPO, 2, cluster.fake.prs[(REPO, 2)].head), "d-2")
                assert r.status_code == 503, r.text
                assert r.headers["retry-after"]
                ready = client.get(f"{cluster.url}/readyz")
                assert ready.status_code == 503 and ready.json()["database"] != "ok"
                assert client.get(f"{cluster.url}/healthz").status_code == 200  # alive, just not ready
                assert "reviewbot_database_up 0.0" in client.get(f"{cluster.url}/metrics").text
            finally:
                postgres.start()
            end = time.monotonic() + 30
            while time.monotonic() < end:  # the sender retries; the server recovers by itself
                r = deliver(client, cluster.url, pr_payload(REPO, 2, cluster.fake.prs[(REPO, 2)].head), "d-2")
                if r.status_code == 202:
                    break
                assert r.status_code == 503
                time.sleep(0.2)
            assert r.status_code == 202
            assert client.get(f"{cluster.url}/readyz").json() == {"status": "ok", "database": "ok", "queue": "ok"}
        cluster.wait_for(lambda: cluster.scalar(sa.select(sa.func.count()).select_from(F.jobs).where(
            F.jobs.c.state == "done")) == 2, 60, "both reviews done")
        ids = {r.delivery_id for r in cluster.rows(sa.select(F.deliveries.c.delivery_id))}
        assert ids == {"d-1", "d-2"}
    finally:
        cluster.stop()


def test_db_upgrade_command(tmp_path, pg_url):
    env_cmd = [sys.executable, "-c", "import sys; from reviewbot.cli import main; sys.exit(main())"]
    out = subprocess.run(env_cmd + ["db", "upgrade"], capture_output=True, text=True, cwd=ROOT,
                         env={"REVIEWBOT_DATABASE_URL": pg_url, "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("empty -> 0002")
    again = subprocess.run(env_cmd + ["db", "current"], capture_output=True, text=True, cwd=ROOT,
                           env={"REVIEWBOT_DATABASE_URL": pg_url, "PATH": "/usr/bin:/bin"})
    assert "0002" in again.stdout
    bad = subprocess.run(env_cmd + ["db", "upgrade"], capture_output=True, text=True, cwd=ROOT,
                         env={"REVIEWBOT_DATABASE_URL": "postgresql+psycopg://x@127.0.0.1:1/none",
                              "PATH": "/usr/bin:/bin"})
    assert bad.returncode == 2 and "cannot reach" in bad.stderr and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
