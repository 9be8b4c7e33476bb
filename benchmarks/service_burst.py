"""Burst and throughput of the service on loopback (issue 7).

    .venv/bin/python benchmarks/service_burst.py [--deliveries 5000] [--concurrency 32]
        [--mode embedded|scaleout] [--throughput-jobs 300] [--throughput-series 100]

1. Burst: ``--deliveries`` signed `pull_request opened` deliveries (one PR each) from
   ``--concurrency`` client threads at a real `reviewbot serve` process; reports the status
   counts (no 5xx allowed), intake latency p50/p95/p99/max, then waits until every job is done
   and checks each PR was reviewed exactly once with nothing posted twice.
2. Throughput: ``--throughput-jobs`` PR jobs queued while no worker runs, then 1 (and then 2)
   worker(s) started; reviews per second until the queue is empty.  The same for
   ``--throughput-series`` list series (the zram patch, 4 findings, one reply written as .eml
   each): mails archived in the list's epoch, queued by the follower of `serve --workers 0`,
   then reviewed by the workers.
   embedded: workers = review threads of `serve`; scaleout: `reviewbot worker --threads 1`
   processes on PostgreSQL + Redis (needs the Debian binaries, as the tests do).

The fake GitHub (tests/forge/fakes.py, without its OpenAPI validation) runs in this process.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from reviewbot.forge import tables as F  # noqa: E402
from tests.service.harness import Cluster, burst, done_once, pct  # noqa: E402
from tests.service.servers import Postgres, Proc, Redis  # noqa: E402


def done_count(cluster: Cluster, kind: str = "github") -> int:
    return cluster.scalar(sa.select(sa.func.count()).select_from(F.jobs).where(
        (F.jobs.c.state == "done") & (F.jobs.c.forge == kind)))


def queued_count(cluster: Cluster, kind: str) -> int:
    return cluster.scalar(sa.select(sa.func.count()).select_from(F.jobs).where(F.jobs.c.forge == kind))


def make(tmp: Path, mode: str, workers: int, serve_threads: int, backing, lists: bool = False) -> Cluster:
    tmp.mkdir(parents=True, exist_ok=True)
    if mode == "embedded":
        return Cluster(tmp, lists=lists, validate_openapi=False, serve_threads=serve_threads)
    pg, redis = backing
    import uuid

    name = "b_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(pg.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    import redis as r

    r.Redis.from_url(redis.url).flushall()
    c = Cluster(tmp, lists=lists, validate_openapi=False, db_url=pg.url.rsplit("/", 1)[0] + "/" + name,
                queue_url=redis.url, workers=0, serve_threads=0)
    c.workers = [Proc(f"worker{i}", ["worker", "--threads", "1"], c.env, tmp) for i in range(workers)]
    return c


def run_burst(args, backing) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="rb-burst-"))
    cluster = make(tmp, args.mode, 2, 2, backing)
    if args.mode == "scaleout":
        cluster.workers = [Proc(f"worker{i}", ["worker", "--threads", "2"], cluster.env, tmp) for i in range(2)]
    cluster.start()
    try:
        numbers = cluster.add_prs(args.deliveries)
        res = burst(cluster, numbers, args.concurrency)
        lat = res["latencies"]
        print(f"burst ({args.mode}): {args.deliveries} deliveries from {args.concurrency} threads in "
              f"{res['seconds']:.1f} s ({args.deliveries / res['seconds']:.0f}/s); statuses {res['statuses']}")
        print(f"  intake latency: p50 {pct(lat, 50) * 1000:.1f} ms, p95 {pct(lat, 95) * 1000:.1f} ms, "
              f"p99 {pct(lat, 99) * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms")
        t0 = time.monotonic()
        cluster.wait_for(lambda: done_count(cluster) == args.deliveries, 3600, "burst drained")
        print(f"  drained {args.deliveries} reviews {time.monotonic() - t0:.1f} s after the burst ended")
        problems = done_once(cluster, numbers)
        print("  every job done once, nothing posted twice" if not problems else f"  PROBLEMS: {problems[:10]}")
        assert not any(s >= 500 for s in res["statuses"]), "5xx in the burst"
    finally:
        cluster.stop()


def run_throughput(args, backing, workers: int, kind: str = "github") -> float:
    tmp = Path(tempfile.mkdtemp(prefix=f"rb-tp{workers}-"))
    # queue first with no worker, then start the workers and time the drain
    cluster = make(tmp, args.mode, workers, 0, backing, lists=kind == "list")
    cluster.server.start()
    total = args.throughput_jobs if kind == "github" else args.throughput_series
    try:
        numbers = []
        if kind == "github":
            numbers = cluster.add_prs(total)
            res = burst(cluster, numbers, 16)
            assert set(res["statuses"]) == {202}, res["statuses"]
        else:  # the follower of `serve --workers 0` queues them
            for _ in range(total):
                cluster.add_mail()
            cluster.wait_for(lambda: queued_count(cluster, "list") == total, 600, "series queued")
        if args.mode == "embedded":  # the same server, now with review threads
            cluster.server.terminate(30)
            cluster.server.args = ["serve", "--port", str(cluster.server.port), "--workers", str(workers)]
            cluster.server.start()
        else:
            for w in cluster.workers:
                w.start(wait=False)
        # count from the first review (process start-up is not review time)
        cluster.wait_for(lambda: done_count(cluster, kind) > 0, 120, "first review")
        t0, n0 = time.monotonic(), done_count(cluster, kind)
        cluster.wait_for(lambda: done_count(cluster, kind) == total, 3600, "drained")
        rate = (total - n0) / (time.monotonic() - t0)
        if kind == "github":
            assert done_once(cluster, numbers) == []
        else:
            assert len(list(cluster.outbox.glob("*.eml"))) == total
        what = "PR reviews" if kind == "github" else "list series reviews"
        print(f"throughput ({args.mode}): {workers} worker(s): {rate:.1f} {what}/s ({total} jobs)")
        return rate
    finally:
        cluster.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deliveries", type=int, default=5000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--mode", choices=("embedded", "scaleout"), default="embedded")
    ap.add_argument("--throughput-jobs", type=int, default=300)
    ap.add_argument("--throughput-series", type=int, default=100)
    ap.add_argument("--skip-burst", action="store_true")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers on the way out
    backing = None
    if args.mode == "scaleout":
        backing = (Postgres().start(), Redis().start())
    try:
        if not args.skip_burst:
            run_burst(args, backing)
        if args.throughput_jobs:
            for w in (1, 2):
                run_throughput(args, backing, w)
        if args.throughput_series:
            for w in (1, 2):
                run_throughput(args, backing, w, "list")
    finally:
        if backing:
            backing[0].cleanup()
            backing[1].stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
