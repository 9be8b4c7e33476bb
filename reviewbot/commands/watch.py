"""reviewbot watch [--once] [--config FILE] [--inbox PATH] [--dry-run-outbox DIR] [--db FILE]

Follows the public-inbox lists of [lists.NAME] in the config, or one inbox named by --inbox
(which needs no config file).  Prints one summary line per list and round.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import replace
from pathlib import Path

from reviewbot import config
from reviewbot.errors import InputError

log = logging.getLogger("reviewbot.watch")


def add_parser(sub):
    p = sub.add_parser("watch", help="follow public-inbox lists and reply to new series by mail",
                       description="Walk the public-inbox v2 mirrors of the configured lists (or "
                       "--inbox PATH), review every new complete series once, and write replies "
                       "as .eml files (dry-run, the default) or send them (lists that opted in).")
    p.add_argument("--once", action="store_true", help="one round, then exit (default: loop)")
    p.add_argument("--config", metavar="FILE", help="reviewbot.toml (default: $REVIEWBOT_CONFIG)")
    p.add_argument("--inbox", metavar="PATH", help="follow this public-inbox v2 inbox directory "
                   "(the one holding git/N.git) instead of the configured lists")
    p.add_argument("--list", dest="only", action="append", default=[], metavar="NAME",
                   help="only these configured lists")
    p.add_argument("--dry-run-outbox", metavar="DIR", help="never send: write every reply as an .eml file in DIR")
    p.add_argument("--db", metavar="FILE", help="SQLite database file (default: [database] url or "
                   "<data_dir>/reviewbot.db)")
    p.add_argument("--interval", type=float, metavar="SECONDS", help="pause between rounds without --once")
    p.add_argument("-v", "--verbose", action="count", default=0, help="log progress to stderr (-vv: debug)")
    return p


def _policies(args, cfg):
    from reviewbot.watch import epochs, policy

    if args.inbox:
        inbox = Path(args.inbox).expanduser().resolve()
        if not inbox.is_dir():
            raise InputError(args.inbox, "no such directory")
        if not epochs.is_inbox(inbox):
            raise InputError(args.inbox, "not a public-inbox v2 inbox (no git/N.git inside)")
        name = inbox.name
        section = dict((cfg.get("lists") or {}).get(name) or {}, inbox=str(inbox))
        lists = [policy.list_policy(name, section, cfg)]
    else:
        lists = policy.load_lists(cfg)
        if args.only:
            unknown = set(args.only) - {p.name for p in lists}
            if unknown:
                raise InputError("--list", f"not in the configuration: {', '.join(sorted(unknown))}")
            lists = [p for p in lists if p.name in args.only]
        if not lists:
            raise InputError("watch", "no lists to follow: add [lists.NAME] to the config or use --inbox PATH")
    if args.dry_run_outbox:
        out = Path(args.dry_run_outbox).expanduser()
        lists = [replace(p, smtp=None, outbox_dir=out) for p in lists]
    for p in lists:
        for key in p.extra:
            log.warning("[lists.%s]: unknown key %r ignored", p.name, key)
    return lists


def run(args) -> int:
    # imported here: `reviewbot review` should not pay for SQLAlchemy and GitPython
    from reviewbot import db
    from reviewbot.watch import lock, policy
    from reviewbot.watch.follow import follower

    logging.basicConfig(level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    cfg = config.load(args.config)
    config.apply_rules_url(cfg)
    url = f"sqlite:///{Path(args.db).expanduser().resolve()}" if args.db else config.database_url(cfg)
    lists = _policies(args, cfg)
    pause = args.interval if args.interval is not None else policy.interval(cfg)
    ttl = max(3 * pause, 900.0)  # the lease outlives a slow round
    failed = []  # --once: lists whose round had errors (exit status 1)
    try:
        while True:
            for p in lists:
                t0 = time.monotonic()
                try:
                    stats = follower(p, url).run_once(hold=not args.once, ttl=ttl)
                except Exception as exc:  # a bad round is logged and retried next round, never a crash loop
                    if args.once:
                        raise InputError(p.name, f"{exc.__class__.__name__}: {exc}") from None
                    log.exception("list=%s round failed", p.name)
                    continue
                if args.once and stats.errors:
                    failed.append(p.name)
                if not args.once and not stats.line():
                    continue  # a daemon says nothing when nothing happened
                mode = f"dry-run to {p.outbox_dir}" if p.dry_run else f"sending via {p.smtp.host}"
                print(f"{p.name}: {stats.line() or 'nothing new'} ({mode}, {time.monotonic() - t0:.2f} s)",
                      flush=True)
            if args.once:
                if failed:  # every failure of a round is a non-zero exit, not just a log line
                    print(f"reviewbot: errors in {', '.join(failed)} (see the log above)", file=sys.stderr)
                    return 1
                return 0
            time.sleep(max(pause, 1.0))
    finally:
        if not args.once:
            for p in lists:
                lock.release(db.connect(url), p.name)
