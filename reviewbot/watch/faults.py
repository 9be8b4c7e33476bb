"""Fault injection for the crash tests (failpoints, inert unless a variable is set).

REVIEWBOT_WATCH_CRASH_AT=<point> kills the process with SIGKILL (as `kill -9` would) whenever
it reaches that point: mid-walk (inside a walk transaction), after-record (a job and its replies
committed, nothing sent), mid-send (the relay accepted a reply, not yet marked sent),
mid-check (patchwork stored a check, not yet marked posted).

REVIEWBOT_SERVICE_CRASH_ONCE=<point>:<marker file>[,<point>:<marker file>...] kills only the
first process to reach <point> (the one that creates the marker), so a service that is started
again goes on: the points above, and after-post (reviewbot.service.runner: a job posted, its
outcome not recorded).
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("REVIEWBOT_WATCH_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    crash_once(name)


def crash_once(point: str) -> None:
    for spec in os.environ.get("REVIEWBOT_SERVICE_CRASH_ONCE", "").split(","):
        name, _, marker = spec.partition(":")
        if name != point or not marker:
            continue
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        os.kill(os.getpid(), signal.SIGKILL)
