"""A burst of signed deliveries at a real server process (the 200-delivery cut of
benchmarks/service_burst.py): no 5xx, every PR reviewed exactly once, nothing posted twice."""

from __future__ import annotations

import sqlalchemy as sa

from reviewbot.forge import tables as F
from tests.service.harness import Cluster, burst, done_once, pct


def test_burst_of_200_deliveries_embedded(tmp_path):
    cluster = Cluster(tmp_path, lists=False, validate_openapi=False).start()
    try:
        numbers = cluster.add_prs(200)
        res = burst(cluster, numbers, concurrency=16)
        assert set(res["statuses"]) == {202}, res["statuses"]
        cluster.wait_for(lambda: cluster.scalar(sa.select(sa.func.count()).select_from(F.jobs).where(
            F.jobs.c.state == "done")) == 200, 90, "200 reviews")
        assert done_once(cluster, numbers) == []
        print(f"200 deliveries in {res['seconds']:.2f} s, intake p50 {pct(res['latencies'], 50) * 1000:.1f} ms, "
              f"p99 {pct(res['latencies'], 99) * 1000:.1f} ms")
        m = cluster.metrics()
        assert 'reviewbot_deliveries_total{forge="github"} 200.0' in m
        assert 'reviewbot_jobs{state="done"} 200.0' in m
        assert 'reviewbot_findings_total{rule="MOD001"}' in m
        assert "reviewbot_review_seconds_count" in m
    finally:
        cluster.stop()
