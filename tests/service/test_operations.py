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
from reviewbot.service import migrate
from tests.service.harness import REPO, Cluster, done_once
from tests.service.servers import ROOT, deliver, pr_payload

OUTAGE = 30.0  # seconds, the number


def test_database_outage_503_then_recovery(tmp_path, postgres, pg_url):
    """PostgreSQL stopped for 30 s under a trickle of deliveries: every one answers 503 with
    Retry-After (and /readyz 503, /healthz 200); the same process recovers by itself once the
    database is back, and every delivery answered 202 is reviewed exactly once."""
    cluster = Cluster(tmp_path, db_url=pg_url, lists=False, validate_openapi=False).start()
    numbers = cluster.add_prs(5)
    body = {n: pr_payload(REPO, n, cluster.fake.prs[(REPO, n)].head) for n in numbers}
    accepted: dict[str, int] = {}
    try:
        with httpx.Client(timeout=10) as client:
            for n in (1, 2):
                r = deliver(client, cluster.url, body[n], f"d-{n}")
                assert r.status_code == 202, r.text
                accepted[f"d-{n}"] = n
            big = b'{"x": "' + b"a" * (6 * 1024 * 1024) + b'"}'
            assert deliver(client, cluster.url, big, "d-big").status_code == 413
            postgres.stop("fast")
            unavailable = 0
            try:
                t_down = time.monotonic()
                while time.monotonic() - t_down < OUTAGE:
                    n = 3 + unavailable % 2  # the sender keeps trying PRs 3 and 4
                    r = deliver(client, cluster.url, body[n], f"d-{n}")
                    assert r.status_code == 503, (round(time.monotonic() - t_down, 1), r.status_code, r.text)
                    assert int(r.headers["retry-after"]) > 0
                    unavailable += 1
                    if unavailable == 1 or time.monotonic() - t_down > OUTAGE - 3:  # at the start and the end
                        ready = client.get(f"{cluster.url}/readyz")
                        assert ready.status_code == 503 and ready.json()["database"] != "ok"
                        assert client.get(f"{cluster.url}/healthz").status_code == 200  # alive, not ready
                        assert "reviewbot_database_up 0.0" in client.get(f"{cluster.url}/metrics").text
                    time.sleep(1.0)
            finally:
                postgres.start()
            assert unavailable >= OUTAGE / 2, unavailable
            assert cluster.server.alive() and cluster.server.starts == 1  # no restart: it recovers on its own
            for n in (3, 4, 5):  # the retried ones and a new one
                end = time.monotonic() + 30
                while True:
                    r = deliver(client, cluster.url, body[n], f"d-{n}")
                    if r.status_code == 202 or time.monotonic() > end:
                        break
                    assert r.status_code == 503 and int(r.headers["retry-after"]) > 0, r.text
                    time.sleep(0.2)
                assert r.status_code == 202, r.text
                accepted[f"d-{n}"] = n
            assert deliver(client, cluster.url, body[1], "d-1").status_code == 200  # a replay: recorded once
            assert client.get(f"{cluster.url}/readyz").json() == {"status": "ok", "database": "ok", "queue": "ok"}
        cluster.wait_for(lambda: cluster.scalar(sa.select(sa.func.count()).select_from(F.jobs).where(
            F.jobs.c.state == "done")) == len(numbers), 60, "every accepted delivery reviewed")
        assert done_once(cluster, numbers) == []  # one job per PR, each finding posted once
        ids = [r.delivery_id for r in cluster.rows(sa.select(F.deliveries.c.delivery_id))]
        assert sorted(ids) == sorted(accepted)  # nothing answered 503 was recorded, nothing 202 lost
        assert cluster.server.starts == 1
    finally:
        cluster.stop()


def test_db_upgrade_command(tmp_path, pg_url):
    env_cmd = [sys.executable, "-c", "import sys; from reviewbot.cli import main; sys.exit(main())"]
    out = subprocess.run(env_cmd + ["db", "upgrade"], capture_output=True, text=True, cwd=ROOT,
                         env={"REVIEWBOT_DATABASE_URL": pg_url, "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    head = migrate.head()  # the newest revision (0004: patchwork checks)
    assert out.stdout.strip().endswith(f"empty -> {head}")
    again = subprocess.run(env_cmd + ["db", "current"], capture_output=True, text=True, cwd=ROOT,
                           env={"REVIEWBOT_DATABASE_URL": pg_url, "PATH": "/usr/bin:/bin"})
    assert head in again.stdout
    bad = subprocess.run(env_cmd + ["db", "upgrade"], capture_output=True, text=True, cwd=ROOT,
                         env={"REVIEWBOT_DATABASE_URL": "postgresql+psycopg://x@127.0.0.1:1/none",
                              "PATH": "/usr/bin:/bin"})
    assert bad.returncode == 2 and "cannot reach" in bad.stderr and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
