"""Two `reviewbot serve` replicas taking webhooks at once on one PostgreSQL + Redis, two
`reviewbot worker` processes, both replicas configured with the same list.

A stream of signed deliveries is split across both receivers; some deliveries go to BOTH at the
same instant with the same delivery id (a redelivery racing the original), some as two
deliveries with different ids for the same PR and head.  Asserted: a delivery raced against its
redelivery is acknowledged once (one 202, one 200 duplicate) and recorded once; two different
deliveries are both acknowledged and recorded, and share one job; every PR reviewed exactly
once with each finding posted once; every list series reviewed once (by a worker process) with
one reply; only one of the two replicas ever follows the list (the lease in the database).
"""

from __future__ import annotations

import json
import threading
import uuid

import httpx
import sqlalchemy as sa

from reviewbot.forge import tables as F
from reviewbot.watch import tables as W
from tests.service.harness import REPO, Cluster, done_once
from tests.service.servers import deliver, pr_payload

PRS = 9


def both_at_once(urls: list[str], body: bytes, delivery: str | list[str]) -> list[int]:
    """POST the same body to every receiver at the same instant, with the same delivery id or
    one id per receiver; the status codes."""
    gate = threading.Barrier(len(urls))
    codes: list[int] = []
    ids = delivery if isinstance(delivery, list) else [delivery] * len(urls)

    def post(url, did):
        with httpx.Client(timeout=30) as client:
            gate.wait()
            codes.append(deliver(client, url, body, did).status_code)

    threads = [threading.Thread(target=post, args=(u, d)) for u, d in zip(urls, ids, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(codes)


def follower_lines(proc) -> list[dict]:
    """The list-follower rounds a process logged (one JSON object per line)."""
    out = []
    for line in proc.log.read_text().splitlines():
        if line.startswith("{"):
            rec = json.loads(line)
            if rec.get("list") == "testlist" and "replies" in rec:  # the round summaries
                out.append(rec)
    return out


def test_two_receivers_one_follower(tmp_path, pg_url, redis_url):
    cluster = Cluster(tmp_path, db_url=pg_url, queue_url=redis_url, workers=2, replicas=2).start()
    try:
        a, b = cluster.servers
        numbers = cluster.add_prs(PRS)
        sent: dict[str, int] = {}
        with httpx.Client(timeout=30) as client:
            for n in numbers:
                body = pr_payload(REPO, n, cluster.fake.prs[(REPO, n)].head)
                did = str(uuid.uuid4())
                sent[did] = n
                if n % 3 == 1:  # the same delivery id to both replicas at once
                    assert both_at_once(cluster.urls, body, did) == [200, 202], did
                elif n % 3 == 2:  # two deliveries (two ids) of the same PR and head at once
                    other = str(uuid.uuid4())
                    sent[other] = n
                    assert both_at_once(cluster.urls, body, [did, other]) == [202, 202], did
                else:  # alternate receivers
                    r = deliver(client, cluster.urls[n % 2], body, did)
                    assert r.status_code == 202, r.text
                if n % 4 == 0:
                    cluster.add_mail()
        cluster.wait_for(lambda: cluster.scalar(sa.select(sa.func.count()).select_from(F.jobs).where(
            F.jobs.c.state == "done")) == PRS + cluster.mails, 60, "every PR and list series reviewed")
        cluster.wait_for(lambda: cluster.scalar(sa.select(sa.func.count()).select_from(W.jobs).where(
            W.jobs.c.status == "done")) == cluster.mails, 60, "every list series reviewed")
        cluster.wait_for(lambda: cluster.scalar(sa.select(sa.func.count()).select_from(W.outbox).where(
            W.outbox.c.status != "written")) == 0, 30, "every reply written")

        assert done_once(cluster, numbers) == []
        recorded = [r.delivery_id for r in cluster.rows(sa.select(F.deliveries.c.delivery_id))]
        assert sorted(recorded) == sorted(sent)  # each delivery recorded once, the raced ones too
        assert len(sent) > PRS
        served = {line.split('"pr": "')[1].split('"')[0] for w in cluster.workers
                  for line in w.log.read_text().splitlines() if '"state": "done"' in line and '"pr": "' in line}
        assert served == {f"{REPO}#{n}" for n in numbers}  # the reviews ran in the worker processes
        listed = {line.split('"series": "')[1].split('"')[0] for w in cluster.workers
                  for line in w.log.read_text().splitlines() if '"state": "done"' in line and '"forge": "list"' in line}
        assert len(listed) == cluster.mails  # and so did the list series

        assert cluster.mails >= 2
        series = cluster.rows(sa.select(W.jobs.c.root))
        assert len(series) == len({s.root for s in series}) == cluster.mails
        assert len(cluster.rows(sa.select(W.outbox.c.msgid))) == cluster.mails
        assert len(list(cluster.outbox.glob("*.eml"))) == cluster.mails

        holders = cluster.rows(sa.select(W.lock.c.list, W.lock.c.pid))
        assert len(holders) == 1 and holders[0].pid in {a.proc.pid, b.proc.pid}
        leader, other = (a, b) if holders[0].pid == a.proc.pid else (b, a)
        assert sum(r["series"] for r in follower_lines(leader)) == cluster.mails
        skipped = follower_lines(other)  # the other replica never walked the list: it saw the lease
        assert skipped and all("locked" in r["msg"] and r["series"] == 0 for r in skipped), skipped[:3]
        assert any(f"locked pid {leader.proc.pid} " in r["msg"] for r in skipped)
        assert not any("locked" in r["msg"] for r in follower_lines(leader))
        assert cluster.fake.violations == []
    finally:
        cluster.stop()
