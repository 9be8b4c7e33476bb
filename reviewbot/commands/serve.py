"""reviewbot serve [--host H] [--port N] [--config FILE] [--workers N]: webhooks + review workers."""

from __future__ import annotations

import contextlib
import logging

from reviewbot import config, db
from reviewbot.errors import InputError


def add_parser(sub):
    p = sub.add_parser("serve", help="receive GitHub/GitLab webhooks and review pull/merge requests",
                       description="Run the webhook receiver (POST /webhooks/github, POST "
                       "/webhooks/gitlab, GET /healthz) and the review workers in one process. "
                       "Secrets and tokens come from REVIEWBOT_* environment variables.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--config", metavar="FILE", help="reviewbot.toml (default $REVIEWBOT_CONFIG; none is fine)")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="review worker threads (default 2)")
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    return p


def build(cfg: dict, workers: int = 2, **processor_kw):
    """The app and its worker pool (also used by tests with a fake forge transport)."""
    from reviewbot.forge import tables  # noqa: F401  (registers the forge tables on db.metadata)
    from reviewbot.forge.jobs import Processor
    from reviewbot.forge.metrics import Counters
    from reviewbot.forge.queue import DbQueue, Workers
    from reviewbot.forge.settings import ForgeSettings, repo_config
    from reviewbot.server import create_app

    settings = ForgeSettings.from_env(cfg)
    for repo in cfg.get("repos") or {}:  # a bad [repos."x"] table stops the start, not a job later
        repo_config(cfg, repo)
    engine = db.create_all(config.database_url(cfg))
    queue = DbQueue(engine)
    counters = Counters()
    processor = Processor(cfg, settings, is_current=queue.is_current, counters=counters, **processor_kw)
    pool = Workers(queue, processor, threads=max(1, workers))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        pool.start()
        try:
            yield
        finally:
            pool.stop()
            processor.close()

    app = create_app(settings, queue, counters=counters, lifespan=lifespan)
    return app, settings, pool


def run(args) -> int:
    import uvicorn

    if not 0 < args.port < 65536:
        raise InputError("serve", f"--port {args.port} is not a TCP port")
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cfg = config.load(args.config)
    app, settings, _ = build(cfg, args.workers)
    log = logging.getLogger("reviewbot.serve")
    if not settings.github_webhook_secret:
        log.warning("REVIEWBOT_GITHUB_WEBHOOK_SECRET is not set: /webhooks/github refuses everything")
    if not settings.gitlab_webhook_token:
        log.warning("REVIEWBOT_GITLAB_WEBHOOK_TOKEN is not set: /webhooks/gitlab refuses everything")
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0
