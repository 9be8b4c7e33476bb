"""reviewbot db upgrade|current [--config FILE]: the database schema (Alembic migrations)."""

from __future__ import annotations

from reviewbot import config
from reviewbot.errors import InputError


def add_parser(sub):
    p = sub.add_parser("db", help="database schema: upgrade to the newest migration, or show the current one",
                       description="Apply the Alembic migrations in reviewbot/migrations to the configured "
                       "database ([database] url or $REVIEWBOT_DATABASE_URL; default the SQLite file in "
                       "the data dir).  `serve` and `worker` also upgrade at start.")
    p.add_argument("action", choices=("upgrade", "current"))
    p.add_argument("--config", metavar="FILE", help="reviewbot.toml (default $REVIEWBOT_CONFIG)")
    p.add_argument("--data-dir", metavar="DIR", help="where the SQLite database lives")
    return p


def run(args) -> int:
    import sqlalchemy as sa  # here: `reviewbot --help` and `review` do not pay for SQLAlchemy

    from reviewbot.service import migrate
    from reviewbot.service.app import one_line, safe_url

    cfg = config.load(args.config)
    if args.data_dir:
        cfg = dict(cfg, data_dir=args.data_dir)
    url = config.database_url(cfg)
    try:
        if args.action == "current":
            print(f"{safe_url(url)}: {migrate.current(url) or 'empty (no migration applied)'} (newest {migrate.head()})")
            return 0
        before, after = migrate.upgrade(url)
    except sa.exc.OperationalError as exc:
        raise InputError("database", f"cannot reach {safe_url(url)}: {one_line(exc)}") from None
    except sa.exc.ArgumentError as exc:
        raise InputError("database", f"bad database URL: {exc}") from None
    print(f"{safe_url(url)}: {before or 'empty'} -> {after}" if before != after else f"{safe_url(url)}: already at {after}")
    return 0
