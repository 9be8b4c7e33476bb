"""Assemble the service from configuration: one code path for the embedded and the scale-out set.

  embedded (default)   SQLite file in the data dir, jobs claimed straight from the table,
                       `reviewbot serve` = webhook receiver + list follower + N worker threads;
                       at start (and every reconciler round) jobs claimed by a process that is
                       gone, such as this process's previous instance after a kill -9, are
                       queued again at once instead of after their lease
  scale-out            [database] url = "postgresql+psycopg://..."  and  [queue] url = "redis://..."
                       `reviewbot serve --workers 0` replicas take webhooks (and one of them
                       follows the lists: a lease in the database), `reviewbot worker` processes
                       review; every process runs the (idempotent) reconciler.

Both kinds of job go through one queue: a webhook's PR/MR, and a list series that the follower
settled (``forge = "list"``, the thread's raw messages on the row); ``Service.handle`` picks the
forge Processor or ``ListJobs``.  Every process reads the whole configuration, so a worker
rebuilds the list's reply policy and SMTP relay from [lists.NAME], [watch] and [smtp].

[service] keys (all optional): lease = 60 (s without a heartbeat before a running job is taken
back), grace = 20 (s a stopping process lets running jobs finish), reconcile_every = 5,
redeliver_after = 10, api_min_interval = 1.0 (s between API mutations; GitHub asks for 1),
follow_lists = true.  $REVIEWBOT_QUEUE_URL overrides [queue] url.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import JSONResponse

from reviewbot import config, db
from reviewbot.errors import InputError

log = logging.getLogger("reviewbot.service")


@dataclass(frozen=True)
class ServiceSettings:
    queue_url: str | None = None
    lease: float = 60.0
    grace: float = 20.0
    reconcile_every: float = 5.0
    redeliver_after: float = 10.0
    api_min_interval: float = 1.0
    follow_lists: bool = True
    review_budget_seconds: float = 60.0  # CPU seconds per job (reviewbot.budget; 0: none)

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> "ServiceSettings":
        sec = cfg.get("service") or {}
        known = {"lease", "grace", "reconcile_every", "redeliver_after", "api_min_interval", "follow_lists",
                 "review_budget_seconds"}
        if unknown := set(sec) - known - {"public_url"}:
            raise InputError("[service]", f"unknown key(s): {', '.join(sorted(unknown))}")
        url = os.environ.get("REVIEWBOT_QUEUE_URL") or (cfg.get("queue") or {}).get("url") or None
        if url and not url.startswith(("redis://", "rediss://", "unix://")):
            raise InputError("[queue] url", f"expected redis://HOST:PORT/DB, not {url!r}")
        try:
            vals = {k: float(sec[k]) for k in known - {"follow_lists"} if k in sec}
        except (TypeError, ValueError):
            raise InputError("[service]", "lease, grace, reconcile_every, redeliver_after, "
                             "api_min_interval and review_budget_seconds are numbers of seconds") from None
        if vals.get("lease", 60.0) <= 0:
            raise InputError("[service]", "lease must be positive")
        return cls(queue_url=url, follow_lists=bool(sec.get("follow_lists", True)), **vals)


class ListFollowers:
    """The list follower as a thread; only the holder of each list's lease walks it.  Settled
    series go to the queue (``queue``), where any worker reviews them."""

    def __init__(self, cfg: dict[str, Any], url: str, queue=None, counters=None):
        from reviewbot.forge.metrics import Counters
        from reviewbot.watch import policy

        self.url = url
        self.queue = queue
        self.counters = counters if counters is not None else Counters()
        self.lists = policy.load_lists(cfg)
        self.pause = max(0.2, policy.interval(cfg))
        self.ttl = max(3 * self.pause, 30.0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.lists:
            self._thread = threading.Thread(target=self._loop, name="reviewbot-follower", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        from reviewbot.watch import lock

        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            for p in self.lists:
                with contextlib.suppress(Exception):
                    lock.release(db.connect(self.url), p.name)

    def _loop(self) -> None:
        from reviewbot.watch.follow import follower

        while not self._stop.is_set():
            for p in self.lists:
                if self._stop.is_set():
                    break
                t0 = time.monotonic()
                try:
                    stats = follower(p, self.url, queue=self.queue).run_once(hold=True, ttl=self.ttl)
                except Exception as exc:  # noqa: BLE001 - a bad round is logged and retried next round
                    log.warning("list %s: round failed: %s", p.name, f"{exc.__class__.__name__}: {exc}",
                                extra={"list": p.name})
                    continue
                for reason, n in stats.skip_reasons.items():
                    self.counters.inc("mails_skipped", n, list=p.name, reason=reason)
                if stats.dropped_recipients:
                    self.counters.inc("recipients_dropped", stats.dropped_recipients, list=p.name)
                if stats.line():
                    log.info("list %s: %s", p.name, stats.line(),
                             extra={"list": p.name, "series": stats.series, "replies": stats.replies,
                                    "seconds": round(time.monotonic() - t0, 3)})
            self._stop.wait(self.pause)


class Service:
    """Everything one process runs; ``start``/``stop`` around the HTTP server or a signal wait."""

    def __init__(self, cfg: dict[str, Any], *, workers: int = 2, follow: bool = True, **processor_kw):
        from reviewbot.forge.metrics import Counters
        from reviewbot.forge.settings import ForgeSettings, repo_config
        from reviewbot.service import migrate
        from reviewbot.service.metrics import Metrics
        from reviewbot.service.lists import ListJobs
        from reviewbot.service.queue import HueyBroker, LeasedQueue
        from reviewbot.service.limits import ServerLimits
        from reviewbot.web.results import RecordingProcessor
        from reviewbot.service.runner import Reconciler, Runner

        self.cfg = cfg
        self.settings = ServiceSettings.from_config(cfg)
        self.forge = ForgeSettings.from_env(cfg)
        self.limits = ServerLimits.from_config(cfg)
        for repo in cfg.get("repos") or {}:  # a bad [repos."x"] table stops the start, not a job later
            repo_config(cfg, repo)
        self.url = config.database_url(cfg)
        try:
            migrate.upgrade(self.url)
        except sa.exc.OperationalError as exc:
            raise InputError("database", f"cannot reach {safe_url(self.url)}: {one_line(exc)}") from None
        s = self.settings
        self.broker = HueyBroker(s.queue_url) if s.queue_url else None
        self.queue = LeasedQueue(db.connect(self.url), self.broker)
        self.counters = Counters()
        processor_kw.setdefault("min_interval", s.api_min_interval)
        self.processor = RecordingProcessor(cfg, self.forge, is_current=self.queue.is_current,
                                            follow_head=self.queue.follow_head,
                                            counters=self.counters, engine=self.queue.engine, **processor_kw)
        self.lists = ListJobs(cfg, self.queue, self.counters)
        self.metrics = Metrics(self.counters, self.queue)
        self.runner = Runner(self.queue, self.handle, threads=workers, lease=s.lease, grace=s.grace,
                             observe=self.metrics.observe,
                             review_budget=s.review_budget_seconds) if workers > 0 else None
        # embedded: one SQLite file, so every claimer runs on this host and a dead one can be seen
        self.embedded = self.broker is None and self.queue.engine.dialect.name == "sqlite"
        self.reconciler = Reconciler(self.queue, lease=s.lease, every=s.reconcile_every,
                                     redeliver=s.redeliver_after, release_dead=self.embedded)
        self.followers = (ListFollowers(cfg, self.url, self.queue, self.counters)
                          if follow and s.follow_lists else None)

    def handle(self, job) -> tuple[str, str]:
        """One job of either kind: a list series or a forge PR/MR."""
        return self.lists(job) if job.spec.forge == "list" else self.processor(job)

    def describe(self) -> str:
        q = self.broker.describe() if self.broker else "in-process (database table)"
        return (f"database {safe_url(self.url)}, queue {q}, "
                f"{self.runner.threads if self.runner else 0} worker thread(s), "
                f"{len(self.followers.lists) if self.followers else 0} list(s) followed")

    def start(self) -> None:
        self.reconciler.run_once() if self._db_ok() else None
        self.reconciler.start()
        if self.runner:
            self.runner.start()
        if self.followers:
            self.followers.start()
        log.info("service started: %s", self.describe())

    def stop(self) -> None:
        log.info("service stopping")
        if self.followers:
            self.followers.stop()
        if self.runner:
            self.runner.stop()
        self.reconciler.stop()
        self.processor.close()
        log.info("service stopped")

    def _db_ok(self) -> bool:
        try:
            with self.queue.engine.connect() as c:
                c.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.DBAPIError:
            return False

    def app(self):
        """The FastAPI app: intake (reviewbot.server), /metrics, /readyz, the results pages."""
        from reviewbot.server import create_app
        from reviewbot.service.limits import BodyTimeout
        from reviewbot.service.metrics import ops_router
        from reviewbot.web.pages import pages_router

        @contextlib.asynccontextmanager
        async def lifespan(app):
            self.start()
            try:
                yield
            finally:
                self.stop()

        app = create_app(self.forge, self.queue, counters=self.counters, lifespan=lifespan,
                         routers=(ops_router(self.metrics, self.queue), pages_router(self.cfg, self.queue.engine)))
        app.add_middleware(BodyTimeout, seconds=self.limits.body_timeout)

        @app.exception_handler(sa.exc.DBAPIError)
        async def database_away(request: Request, exc: sa.exc.DBAPIError) -> JSONResponse:
            # nothing is acknowledged that is not recorded: the sender retries later.  Only when
            # the database is really away: an error about the statement (a value it cannot
            # store) would fail again on every retry, so it is not a 503 with Retry-After.
            if not isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)) or \
                    isinstance(exc.orig, (OverflowError, TypeError, ValueError)):
                log.error("database refused a statement: %s %s: %s", request.method, request.url.path,
                          one_line(exc))
                return JSONResponse({"status": "error", "detail": "internal error"}, status_code=500)
            log.warning("database unreachable: %s %s answered 503", request.method, request.url.path)
            return JSONResponse({"status": "unavailable", "detail": "database unreachable; retry later"},
                                status_code=503, headers={"Retry-After": "30"})

        from starlette.exceptions import HTTPException as StarletteHTTPException

        @app.exception_handler(StarletteHTTPException)
        async def html_errors(request: Request, exc: StarletteHTTPException):
            """A browser gets an HTML error page; the API paths keep their JSON errors."""
            from fastapi.exception_handlers import http_exception_handler

            from reviewbot.web.pages import error_page

            api = request.url.path.startswith(("/webhooks/", "/metrics", "/healthz", "/readyz"))
            if not api and "text/html" in request.headers.get("accept", ""):
                return error_page(exc.status_code, str(exc.detail))
            return await http_exception_handler(request, exc)

        return app


def one_line(exc: sa.exc.DBAPIError) -> str:
    """The driver's error on one line (psycopg adds hints on further lines)."""
    return " ".join(str(getattr(exc, "orig", exc)).split())[:240]


def safe_url(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return "(unparsable URL)"
