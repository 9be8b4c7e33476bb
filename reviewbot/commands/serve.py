"""reviewbot serve [--host H] [--port N] [--config FILE] [--workers N]: webhooks, list follower, review workers."""

from __future__ import annotations

import logging
import os

from reviewbot import config
from reviewbot.errors import InputError


def add_parser(sub):
    p = sub.add_parser("serve", help="receive GitHub/GitLab webhooks, follow lists, review both",
                       description="Run the webhook receiver (POST /webhooks/github, POST "
                       "/webhooks/gitlab, GET /healthz), the follower of the configured lists and the "
                       "review workers in one process. "
                       "Secrets and tokens come from REVIEWBOT_* environment variables.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--config", metavar="FILE", help="reviewbot.toml (default $REVIEWBOT_CONFIG; none is fine)")
    p.add_argument("--workers", type=int, default=2, metavar="N",
                   help="review worker threads (default 2; 0: receiver only, for `reviewbot worker` processes)")
    p.add_argument("--data-dir", metavar="DIR", help="where the SQLite database lives (default: data_dir of the "
                   "config, $REVIEWBOT_DATA_DIR or ~/.local/share/reviewbot)")
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.add_argument("--log-format", default="json", choices=("json", "text"), help="one JSON object per line (default)")
    p.add_argument("--no-follow", action="store_true", help="do not follow the configured lists in this process")
    return p


def _public_url(cfg: dict, host: str, port: int) -> str:
    url = str((cfg.get("service") or {}).get("public_url") or "").rstrip("/")
    if url:
        return url
    if host in ("0.0.0.0", "::", ""):
        import socket

        host = socket.getfqdn()
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


def run(args) -> int:
    """The service (reviewbot.service.app): intake, /metrics, /readyz, pages, workers, list follower."""
    import uvicorn

    from reviewbot.service import logs
    from reviewbot.service.app import Service

    if not 0 < args.port < 65536:
        raise InputError("serve", f"--port {args.port} is not a TCP port")
    if args.workers < 0:
        raise InputError("serve", "--workers must be 0 (receiver only) or more")
    logs.setup(args.log_level, args.log_format)
    cfg = config.load(args.config)
    if args.data_dir:
        cfg = dict(cfg, data_dir=args.data_dir)
    # rule links point at this service's own /rules/ pages unless rules_url says otherwise
    config.apply_rules_url(cfg, default=f"{_public_url(cfg, args.host, args.port)}/rules/")
    service = Service(cfg, workers=args.workers, follow=not args.no_follow)
    app = service.app()
    log = logging.getLogger("reviewbot.serve")
    if not service.forge.github_webhook_secret:
        log.warning("REVIEWBOT_GITHUB_WEBHOOK_SECRET is not set: /webhooks/github refuses everything")
    if not service.forge.gitlab_webhook_token:
        log.warning("REVIEWBOT_GITLAB_WEBHOOK_TOKEN is not set: /webhooks/gitlab refuses everything")
    pages = cfg.get("pages") or {}
    if not os.environ.get(pages.get("token_env") or "REVIEWBOT_PAGES_TOKEN") and not pages.get("public"):
        log.warning("the results pages answer loopback clients only: set REVIEWBOT_PAGES_TOKEN (a read-only "
                    "token) or [pages] public = true to open them to others")
    # SIGTERM: uvicorn stops accepting, drains requests, then the lifespan stops the workers
    # header/body timeouts, keep-alive, connection cap: [server] (reviewbot.service.limits)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False,
                log_config=None, timeout_graceful_shutdown=service.settings.grace,
                **service.limits.uvicorn_options())
    return 0
