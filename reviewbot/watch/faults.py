"""Fault injection for the crash tests (a failpoint, inert unless the variable is set).

REVIEWBOT_WATCH_CRASH_AT=<point> kills the process with SIGKILL (as `kill -9` would) when it
reaches that point: mid-walk (inside a walk transaction), after-record (a job and its replies
committed, nothing sent), mid-send (the relay accepted a reply, not yet marked sent).
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("REVIEWBOT_WATCH_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
