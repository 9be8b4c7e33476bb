"""reviewbot worker [--config FILE] [--threads N] [--metrics-port P]: review jobs in their own process.

Jobs are pull/merge requests and list series (queued by the list follower of a `serve`, with
the series' raw messages: the worker needs the configuration, not the mirror).  With a
``[queue] url`` (Redis) it pops job ids from huey's queue; without one it claims jobs from the
database table (SQLite or PostgreSQL).  Either way a job is claimed by a
compare-and-set in the database, so any number of workers on any number of machines can run.
SIGTERM/SIGINT: stop taking jobs, finish running ones (``[service] grace`` seconds), give the
rest back to the queue.
"""

from __future__ import annotations

import logging
import signal
import threading

from reviewbot import config
from reviewbot.errors import InputError


def add_parser(sub):
    p = sub.add_parser("worker", help="review queued pull/merge requests and list series (scale-out worker process)",
                       description="Take review jobs from the queue ([queue] url, else the database "
                       "table): pull/merge requests (reviewed and posted on the forge) and list series "
                       "(reviewed and answered by mail as [lists.NAME] says); run as many as you like.")
    p.add_argument("--config", metavar="FILE", help="reviewbot.toml (default $REVIEWBOT_CONFIG)")
    p.add_argument("--threads", type=int, default=2, metavar="N", help="jobs reviewed at once (default 2)")
    p.add_argument("--data-dir", metavar="DIR", help="where the SQLite database lives (embedded mode)")
    p.add_argument("--metrics-port", type=int, metavar="PORT", help="serve Prometheus /metrics on this port")
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.add_argument("--log-format", default="json", choices=("json", "text"))
    return p


def run(args) -> int:
    from reviewbot.service import logs
    from reviewbot.service.app import Service

    if args.threads < 1:
        raise InputError("worker", "--threads must be at least 1")
    if args.metrics_port is not None and not 0 < args.metrics_port < 65536:
        raise InputError("worker", f"--metrics-port {args.metrics_port} is not a TCP port")
    logs.setup(args.log_level, args.log_format)
    cfg = config.load(args.config)
    if args.data_dir:
        cfg = dict(cfg, data_dir=args.data_dir)
    config.apply_rules_url(cfg)
    service = Service(cfg, workers=args.threads, follow=False)
    if args.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(args.metrics_port, addr="0.0.0.0", registry=service.metrics.registry)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    service.start()
    logging.getLogger("reviewbot.worker").info("worker ready", extra={"threads": args.threads})
    while not stop.wait(3600):
        pass
    service.stop()
    return 0
