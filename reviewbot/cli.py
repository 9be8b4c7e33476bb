"""The `reviewbot` console script.  Each subcommand is a module in reviewbot.commands.

Exit status: 0 no findings, 1 findings, 2 usage or input error (one line on stderr).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from reviewbot import __version__
from reviewbot.errors import InputError

# Explicit, ordered list of subcommand modules (reviewbot/commands/<name>.py).
COMMANDS = ("review", "eval", "rules", "explain", "b4-check", "watch", "serve", "worker", "db", "config")
# One-shot batch commands: they get pipeline.batch_gc() (the daemons keep Python's defaults).
_BATCH = ("review", "eval", "b4-check")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors: one line, exit 2
        self.exit(2, f"reviewbot: {message} (see 'reviewbot {self.prog.split()[-1]} --help')\n"
                  if " " in self.prog else f"reviewbot: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """All subcommands, or just `only` (skips importing the others: b4 runs b4-check per patch;
    "" for none: `reviewbot --version`).  Command modules import their heavy dependencies in
    run(), so even the full parser (`reviewbot --help`) loads no b4, Jinja2 or SQLAlchemy."""
    parser = _Parser(prog="reviewbot", description="Review Linux kernel patches for module-ownership "
                     "and object-lifetime bugs.")
    parser.add_argument("--version", action="version", version=f"reviewbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        if only is not None and name != only:
            continue
        mod = importlib.import_module(f"reviewbot.commands.{name.replace('-', '_')}")
        p = mod.add_parser(sub)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        parser = build_parser(argv[0])
    else:  # `--version` exits before any subcommand is looked at; help lists them all
        parser = build_parser("" if argv[:1] == ["--version"] else None)
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    if args.command in _BATCH:
        from reviewbot.pipeline import batch_gc

        batch_gc()
    try:
        return int(args._run(args) or 0)
    except InputError as exc:
        print(f"reviewbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


# Commands whose process ends after its output: the console script leaves them without the
# interpreter's tear-down (see run()).
_QUICK_EXIT = ("review", "b4-check")


def run() -> None:
    """The console script: main(), then the process exit.

    After a batch command the interpreter's own exit frees every object and module one by one
    (a full garbage collection over the series, findings and rule tables it built): ~50 ms of
    CPU, a sixth of a cold `reviewbot review` of a 50-patch series, for memory the kernel frees
    at once.  So `review` and `b4-check` end as the interpreter would up to that point (output
    flushed, atexit handlers run: the tree store's git processes, logging) and then leave with
    os._exit().  Anything unusual (another thread still running, a flush that fails: a closed
    pipe) takes the interpreter's exit as before.  main() itself never exits: tests and
    callers in Python use it."""
    argv = sys.argv[1:]
    if argv[:1] and argv[0] in _BATCH:  # main() sets it after the imports; here before them
        from reviewbot.pipeline import batch_gc

        batch_gc()
    rc = main(argv)
    if argv[:1] and argv[0] in _QUICK_EXIT:
        _quick_exit(rc)
    sys.exit(rc)


def _quick_exit(rc: int) -> None:
    import atexit
    import os
    import threading

    if threading.active_count() != 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # e.g. BrokenPipeError: the interpreter reports it, and sets the status
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        return
    os._exit(rc)


if __name__ == "__main__":
    run()
