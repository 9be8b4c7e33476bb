"""Prometheus ``/metrics`` and ``/readyz`` for `serve` (and `reviewbot worker --metrics-port`).

Counters of this process (the forge's ``Counters``: deliveries, reviews, findings by rule,
API errors, job failures) are exported as ``reviewbot_<name>_total``; the review latency is a
histogram observed by the workers; the queue (depth, age of the oldest queued job, jobs per
state, list series reviewed, outbox) is read from the database at scrape time, so any replica
reports the whole system's queue.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from reviewbot.forge.metrics import Counters
from reviewbot.service.queue import LeasedQueue
from reviewbot.watch import tables as W

log = logging.getLogger("reviewbot.service.metrics")

# forge Counters name -> (metric, help)
COUNTERS = {
    "deliveries": ("deliveries", "webhook deliveries recorded"),
    "deliveries_replayed": ("deliveries_replayed", "webhook deliveries that were replays"),
    "deliveries_rejected": ("deliveries_rejected", "webhook deliveries refused (signature/token)"),
    "reviews": ("reviews", "pull/merge requests reviewed and posted"),
    "findings": ("findings", "findings posted, by rule"),
    "job_failures": ("job_failures", "review jobs that failed (API gave up, no credentials)"),
    "post_failures": ("post_failures", "reviews the forge refused to post"),
    "api_errors": ("api_errors", "forge API calls that failed for good"),
    "comments_posted": ("comments_posted", "inline comments posted"),
    "rate_limited": ("rate_limited", "forge API rate-limit waits"),
    "mails_skipped": ("mails_skipped", "list mails the follower did not review, by reason"),
    "recipients_dropped": ("recipients_dropped", "patch-mail To/Cc addresses a reply did not copy (max_copied)"),
}


class Collector:
    def __init__(self, counters: Counters, queue: LeasedQueue):
        self.counters = counters
        self.queue = queue

    def describe(self):
        return []

    def collect(self):
        fams: dict[str, CounterMetricFamily] = {}
        for (name, labels), value in sorted(self.counters.snapshot().items()):
            if name not in COUNTERS:
                continue
            metric, help_ = COUNTERS[name]
            keys = [k for k, _ in labels]
            fam = fams.get(metric)
            if fam is None:
                fam = fams[metric] = CounterMetricFamily(f"reviewbot_{metric}", help_, labels=keys)
            fam.add_metric([v for _, v in labels], value)
        yield from fams.values()
        try:
            yield from self._database()
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail because the DB is away
            log.warning("metrics: database unreachable: %s", str(exc).splitlines()[0])
            up = GaugeMetricFamily("reviewbot_database_up", "1 when the database answered the scrape")
            up.add_metric([], 0)
            yield up

    def _database(self):
        states = self.queue.states()
        g = GaugeMetricFamily("reviewbot_jobs", "forge review jobs by state", labels=["state"])
        for state, n in sorted(states.items()):
            g.add_metric([state], n)
        yield g
        depth = GaugeMetricFamily("reviewbot_queue_depth", "queued review jobs", labels=["queue"])
        depth.add_metric(["forge"], states.get("queued", 0))
        if self.queue.broker is not None:
            try:
                depth.add_metric(["broker"], self.queue.broker.depth())
            except Exception:  # noqa: BLE001 - Redis away: /readyz says so
                pass
        yield depth
        age = GaugeMetricFamily("reviewbot_queue_oldest_age_seconds", "age of the oldest queued review job")
        age.add_metric([], self.queue.oldest_age())
        yield age
        with self.queue.engine.connect() as c:
            series = dict(c.execute(sa.select(W.jobs.c.status, sa.func.count()).group_by(W.jobs.c.status)).all())
            outbox = dict(c.execute(sa.select(W.outbox.c.status, sa.func.count()).group_by(W.outbox.c.status)).all())
            failing = c.execute(sa.select(sa.func.count()).select_from(W.outbox).where(
                W.outbox.c.status.in_(("queued", "sending")) & W.outbox.c.last_error.is_not(None))).scalar()
        s = GaugeMetricFamily("reviewbot_list_series", "list series reviewed, by status", labels=["status"])
        for k, n in sorted(series.items()):
            s.add_metric([k], n)
        yield s
        o = GaugeMetricFamily("reviewbot_outbox", "mail replies by status", labels=["status"])
        for k, n in sorted(outbox.items()):
            o.add_metric([k], n)
        yield o
        f = GaugeMetricFamily("reviewbot_outbox_failing", "replies whose last send attempt failed")
        f.add_metric([], failing or 0)
        yield f
        up = GaugeMetricFamily("reviewbot_database_up", "1 when the database answered the scrape")
        up.add_metric([], 1)
        yield up


class Metrics:
    """One registry per process (tests build several apps in one interpreter)."""

    def __init__(self, counters: Counters, queue: LeasedQueue):
        self.registry = CollectorRegistry()
        self.registry.register(Collector(counters, queue))
        self.latency = Histogram("reviewbot_review_seconds", "time to review and post one job", ["forge", "state"],
                                 buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
                                 registry=self.registry)

    def observe(self, job, state: str, seconds: float) -> None:
        self.latency.labels(job.spec.forge, state).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def readiness(queue: LeasedQueue) -> dict[str, str]:
    """'ok' or the error, per dependency: the database, and the broker when there is one."""
    out = {}
    try:
        with queue.engine.connect() as c:
            c.execute(sa.text("SELECT 1"))
        out["database"] = "ok"
    except Exception as exc:  # noqa: BLE001
        out["database"] = f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}"
    if queue.broker is not None:
        try:
            queue.broker.ping()
            out["queue"] = "ok"
        except Exception as exc:  # noqa: BLE001
            out["queue"] = f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}"
    else:
        out["queue"] = out["database"]  # embedded: the queue is a table
    return out


def ops_router(metrics: Metrics, queue: LeasedQueue) -> APIRouter:
    router = APIRouter()

    @router.get("/metrics")
    def prometheus() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/readyz")
    def readyz() -> JSONResponse:
        checks = readiness(queue)
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", **checks}, status_code=200 if ok else 503)

    return router
