"""kill -9 under load: serve (+ two workers) as real processes, a stream of signed deliveries
and list mail, processes killed with SIGKILL at seeded random points and started again.

List series are queue jobs like PRs: the follower queues them, the workers review them and
send the replies over SMTP to the list's server (which archives what it accepts, as a list
with public-inbox does).  Asserted in both modes (embedded SQLite; PostgreSQL + Redis with two
`reviewbot worker`s): every PR reviewed (its job done), every list series reviewed once, every
delivery recorded, no finding posted twice on a PR, one summary comment per PR, each mail reply
recorded once and received by the list's SMTP server exactly once.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter

import httpx
import sqlalchemy as sa

from reviewbot.forge import posting
from reviewbot.forge import tables as F
from reviewbot.watch import tables as W
from tests.service.harness import REPO, Cluster
from tests.service.servers import deliver, pr_payload

PRS = 10
MAILS = 5


def send(cluster: Cluster, client: httpx.Client, body: bytes, delivery: str) -> int:
    """Deliver like GitHub does: retried until a 2xx (the server may be restarting or answer 503)."""
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            r = deliver(client, cluster.url, body, delivery)
            assert r.status_code < 500 or r.status_code == 503, r.text
            if r.status_code < 300:
                return r.status_code
        except httpx.TransportError:
            pass
        if not cluster.server.alive():
            cluster.server.start(wait=False)
        time.sleep(0.1)
    raise AssertionError(f"delivery {delivery} never accepted")


def chaos(cluster: Cluster, seed: int, victims: list, prs: int = PRS, mails: int = MAILS) -> dict:
    """Deliver ``prs`` PRs (some twice) and ``mails`` list mails; SIGKILL ``victims`` in turn at
    seeded random steps, each started again at once (the server before the next delivery)."""
    rng = random.Random(seed)
    numbers = cluster.add_prs(prs)
    deliveries: list[str] = []
    victims = list(victims)
    rng.shuffle(victims)
    kill_at = sorted(rng.sample(range(1, prs), len(victims)))
    mail_at = set(rng.sample(range(prs), mails))
    killed = Counter()
    t0 = time.monotonic()
    with httpx.Client(timeout=10) as client:
        for step, n in enumerate(numbers):
            body = pr_payload(REPO, n, cluster.fake.prs[(REPO, n)].head)
            did = str(uuid.UUID(int=rng.getrandbits(128)))
            deliveries.append(did)
            send(cluster, client, body, did)
            if rng.random() < 0.3:  # GitHub redelivers: answered, never queued twice
                send(cluster, client, body, did)
            if step in mail_at:
                cluster.add_mail()
            if step in kill_at:
                victim = victims.pop()
                time.sleep(rng.uniform(0.0, 0.4))  # somewhere inside a review, a walk or a post
                victim.kill()
                killed[victim.name] += 1
                victim.start(wait=False)
    t_sent = time.monotonic()
    # a process that hit a failpoint is started again (supervise), as its service manager would
    cluster.wait_for(lambda: cluster.scalar(sa.select(sa.func.count()).select_from(F.jobs).where(
        F.jobs.c.state == "done")) == prs + cluster.mails, 90, "every PR and list series reviewed", supervise=True)
    cluster.wait_for(lambda: cluster.scalar(sa.select(sa.func.count()).select_from(W.jobs)) == cluster.mails,
                     60, "every list series recorded", supervise=True)
    cluster.wait_for(lambda: cluster.scalar(sa.select(sa.func.count()).select_from(W.outbox).where(
        W.outbox.c.status != "sent")) == 0, 30, "every reply sent", supervise=True)
    for p in cluster.procs:
        if not p.alive():
            p.start()
    print(f"sent in {t_sent - t0:.1f} s, drained {time.monotonic() - t_sent:.1f} s later; killed {dict(killed)}")
    return {"deliveries": deliveries, "killed": killed}


def assert_nothing_lost_nothing_twice(cluster: Cluster, run: dict, prs: int) -> None:
    fake = cluster.fake
    recorded = {r.delivery_id for r in cluster.rows(sa.select(F.deliveries.c.delivery_id))}
    assert set(run["deliveries"]) <= recorded
    jobs = cluster.rows(sa.select(F.jobs.c.forge, F.jobs.c.state))
    assert Counter(j.forge for j in jobs) == {"github": prs, "list": cluster.mails}
    assert {j.state for j in jobs} == {"done"}
    for n in range(1, prs + 1):
        comments = fake.review_comments.get((REPO, n), [])
        fps = Counter(posting.fingerprint_in(c["body"]) for c in comments)
        assert all(v == 1 for v in fps.values()), f"PR {n}: a finding posted twice: {fps}"
        expect = 0 if n % 3 == 0 else 4  # clean.diff / the zram diff (MOD001 x4)
        assert len(fps) == expect, f"PR {n}: {len(fps)} inline comments, expected {expect}"
        summaries = [c for c in fake.issue_comments.get((REPO, n), []) if posting.SUMMARY_MARKER in c["body"]]
        assert len(summaries) <= 1, f"PR {n}: {len(summaries)} summary comments"
    series = cluster.rows(sa.select(W.jobs.c.root, W.jobs.c.status))
    assert len(series) == cluster.mails and {s.status for s in series} <= {"done"}
    assert len({s.root for s in series}) == cluster.mails
    out = cluster.rows(sa.select(W.outbox.c.msgid, W.outbox.c.status))
    assert len(out) == cluster.mails and {o.status for o in out} == {"sent"}  # one reply per zram patch
    received = Counter(cluster.list_server.msgids())
    assert received == {o.msgid: 1 for o in out}, f"replies received by the list: {received}"
    assert fake.violations == []


def crash_once(procs, tmp_path, point: str):
    """The first of ``procs`` to reach ``point`` SIGKILLs itself there (reviewbot.watch.faults):
    after-post (a job posted, its outcome not recorded), mid-send (the list's relay accepted a
    reply, the outbox row not marked sent)."""
    marker = tmp_path / f"crashed-{point}"
    for p in procs:
        once = [x for x in (p.env.get("REVIEWBOT_SERVICE_CRASH_ONCE"), f"{point}:{marker}") if x]
        p.env = dict(p.env, REVIEWBOT_SERVICE_CRASH_ONCE=",".join(once))
    return marker


def confirmed_from_archive(cluster: Cluster) -> int:
    """Replies the follower found in the list archive instead of sending them again (logged as
    each is confirmed: a later kill in the same round loses the round's summary)."""
    return sum(p.log.read_text().count("send confirmed by the archive") for p in cluster.procs)


def retried_jobs(cluster: Cluster) -> int:
    return cluster.scalar(sa.select(sa.func.count()).select_from(F.jobs).where(F.jobs.c.attempts > 1))


def reviewed_in(proc, kind: str) -> int:
    """Jobs of ``kind`` ('github' | 'list') a process logged as done (one JSON object per line)."""
    return sum(1 for line in proc.log.read_text().splitlines()
               if line.startswith("{") and f'"forge": "{kind}"' in line and '"state": "done"' in line)


def test_kill9_embedded_sqlite(tmp_path):
    cluster = Cluster(tmp_path, smtp=True)
    marker = crash_once([cluster.server], tmp_path, "after-post")
    mid_send = crash_once([cluster.server], tmp_path, "mid-send")
    cluster.start()
    try:
        run = chaos(cluster, seed=7, victims=[cluster.server] * 3)
        assert run["killed"] == {"serve": 3}
        assert_nothing_lost_nothing_twice(cluster, run, PRS)
        assert marker.exists() and retried_jobs(cluster) >= 1
        assert mid_send.exists() and confirmed_from_archive(cluster) >= 1
        assert cluster.server.terminate(30) in (0, -15)  # SIGTERM (uvicorn re-raises it after a clean stop)
        assert '"service stopped"' in cluster.server.log.read_text().splitlines()[-3]
    finally:
        cluster.stop()


def test_kill9_scale_out_postgres_redis(tmp_path, pg_url, redis_url):
    cluster = Cluster(tmp_path, db_url=pg_url, queue_url=redis_url, workers=2, smtp=True)
    marker = crash_once(cluster.workers, tmp_path, "after-post")
    mid_send = crash_once(cluster.workers, tmp_path, "mid-send")
    cluster.start()
    try:
        w0, w1 = cluster.workers
        run = chaos(cluster, seed=11, victims=[cluster.server, w0, w1, w0])
        assert run["killed"] == {"serve": 1, "worker0": 2, "worker1": 1}
        assert_nothing_lost_nothing_twice(cluster, run, PRS)
        assert marker.exists() and retried_jobs(cluster) >= 1
        assert mid_send.exists() and confirmed_from_archive(cluster) >= 1
        assert reviewed_in(cluster.server, "list") == reviewed_in(cluster.server, "github") == 0
        assert sum(reviewed_in(w, "list") for w in cluster.workers) >= cluster.mails  # the workers did
        for p in cluster.procs:
            assert p.terminate(30) in (0, -15)
    finally:
        cluster.stop()


def test_embedded_restart_takes_back_its_claims_at_once(tmp_path):
    """Embedded mode: the serve process dies (kill -9) holding a claim; the restarted process
    (another instance) gives the job back at start instead of waiting out the 60 s lease."""
    cluster = Cluster(tmp_path, lists=False, lease=60.0)
    marker = crash_once([cluster.server], tmp_path, "after-post")
    cluster.start()
    try:
        (n,) = cluster.add_prs(1)
        with httpx.Client(timeout=10) as client:
            assert deliver(client, cluster.url, pr_payload(REPO, n, cluster.fake.prs[(REPO, n)].head),
                           "d-1").status_code == 202
        cluster.wait_for(lambda: not cluster.server.alive(), 30, "the failpoint killed serve after its post")
        assert marker.exists()
        cluster.server.start()
        cluster.wait_for(lambda: retried_jobs(cluster) == 1 and cluster.scalar(sa.select(F.jobs.c.state)) == "done",
                         20, "the job given back and done by the new instance")
        assert "queued again at once" in cluster.server.log.read_text()
        fps = Counter(posting.fingerprint_in(c["body"]) for c in cluster.fake.review_comments[(REPO, n)])
        assert list(fps.values()) == [1, 1, 1, 1]  # posted before the kill, nothing posted twice
    finally:
        cluster.stop()
