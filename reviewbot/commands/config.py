"""reviewbot config check FILE: every problem of a configuration file, one line each."""

from __future__ import annotations

import sys

from reviewbot.errors import InputError


def add_parser(sub):
    p = sub.add_parser("config", help="check a reviewbot.toml",
                       description="reviewbot config check FILE: validate FILE against the configuration "
                       "schema; prints each problem on one line (exit 2), or 'FILE: ok' (exit 0).")
    p.add_argument("action", choices=("check",))
    p.add_argument("file", metavar="FILE")
    return p


def run(args) -> int:
    from reviewbot import config

    cfg = config.read(args.file)
    problems = config.problems(cfg)
    for line in problems:
        print(f"reviewbot: {args.file}: {line}", file=sys.stderr)
    if problems:
        return 2
    try:  # what the features check beyond types (e.g. send = true without an [smtp] relay)
        config.check_features(cfg)
    except InputError as exc:
        print(f"reviewbot: {args.file}: {exc}", file=sys.stderr)
        return 2
    print(f"{args.file}: ok")
    return 0
