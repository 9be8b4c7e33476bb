"""Budgets that bound what one input may cost: sizes checked before the work, and a time limit.

Every parser and check is meant to run in time linear in its input; the budgets are the
backstop for what slips through (a regular expression or a loop that turns out super-linear on
some hostile shape), so that one mail can never hold a command or a worker for ever:

- ``MAX_HUNKS``: hunks in one patch (a real kernel patch has tens, a tree-wide one a few
  thousand).  Checked by counting hunk headers before the diff is parsed.
  ``REVIEWBOT_MAX_HUNKS`` overrides it (0 = no limit; the benchmarks review 100,000 hunks).
- ``MAX_MESSAGE_BYTES``: one mail of an mbox (vger refuses mail far smaller; an mbox of many
  mails may be as large as it likes).  Checked on the raw bytes before any parsing.
  ``REVIEWBOT_MAX_MAIL_BYTES`` overrides it (0 = no limit).
- ``MAX_MIME_DEPTH``: multipart levels in one mail (real mail has two or three; the email
  package walks them recursively).
- ``MAX_REFERENCES``: msg-ids kept of a longer References header (the first and the last
  halves: the thread root and the nearest parents).
- ``MAX_TRAILER_LINE``: b4's trailer search runs regular expressions that are quadratic in
  the length of a line; longer lines cannot be trailers and are hidden from it.
- a time limit per step (loading one source, reviewing one series) in the CLI's main thread:
  ``REVIEWBOT_TIME_BUDGET`` seconds of CPU (default 60, 0 = none; CPU time, so a busy machine
  does not change the verdict).  Past it the step stops with OutOfBudget, which the commands
  turn into their one-line error (exit status 2).
- a cooperative deadline (``deadline``) for threads, where no signal can interrupt: the CPU
  time of the thread, checked by the engine between patches and between rules (``check``).
  The service's workers run each job under one (``[service] review_budget_seconds``); the CLI's
  ``limit`` sets one too, so the engine's checks also bound a review run in-process.
- one tree-sitter parse: reviewbot.analysis.cmodel.PARSE_SECONDS of CPU (its error recovery can be
  super-linear on damaged code); past it the fragment counts as unparsable.

OutOfBudget is a BaseException so that the ``except Exception`` around each check (and in b4)
cannot swallow it: it ends the step wherever the step was.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from contextvars import ContextVar
from typing import Iterator

from reviewbot.errors import InputError

MAX_HUNKS = 5000
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
MAX_MIME_DEPTH = 20
MAX_MULTIPARTS = 50
MAX_REFERENCES = 200
MAX_TRAILER_LINE = 200
DEFAULT_SECONDS = 60.0


class OutOfBudget(BaseException):
    """A step ran past its time budget."""

    def __init__(self, what: str, seconds: float, setting: str = "REVIEWBOT_TIME_BUDGET"):
        super().__init__(f"{what}: gave up after {seconds:g} s of CPU (time budget, {setting})")
        self.what = what
        self.seconds = seconds
        self.setting = setting

    def as_input_error(self) -> InputError:
        return InputError(self.what, f"gave up after {self.seconds:g} s of CPU: input too costly to review "
                                     f"(time budget, {self.setting})")


# (thread CPU time to stop at, what, seconds, setting) of the innermost running deadline
_deadline: ContextVar[tuple[float, str, float, str] | None] = ContextVar("reviewbot_deadline", default=None)


def _setting(name: str, default: int) -> int:
    """An integer limit from the environment (unset or not a number: `default`; 0: none)."""
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else 1 << 62


def max_hunks() -> int:
    return _setting("REVIEWBOT_MAX_HUNKS", MAX_HUNKS)


def max_message_bytes() -> int:
    return _setting("REVIEWBOT_MAX_MAIL_BYTES", MAX_MESSAGE_BYTES)


def seconds() -> float:
    """The time budget per step, from REVIEWBOT_TIME_BUDGET (0 or negative: no limit)."""
    raw = os.environ.get("REVIEWBOT_TIME_BUDGET", "")
    try:
        return float(raw) if raw.strip() else DEFAULT_SECONDS
    except ValueError:
        return DEFAULT_SECONDS


@contextlib.contextmanager
def limit(what: str, secs: float | None = None) -> Iterator[None]:
    """Raise OutOfBudget in this step if it runs longer than `secs` (default: seconds()).

    A CPU-time timer (ITIMER_PROF, SIGPROF) in the main thread of a process, plus a ``deadline``
    that the engine checks between patches and rules (the only stop in other threads).
    Nested limits keep the outer one: the innermost step owns the budget only when no outer
    one (nor a service job's deadline) is running.
    """
    secs = seconds() if secs is None else secs
    if secs <= 0 or threading.current_thread() is not threading.main_thread() \
            or signal.getitimer(signal.ITIMER_PROF)[0] > 0:
        if _deadline.get() is not None or secs <= 0:
            yield  # an outer step (or the service's job) owns the budget
            return
        with deadline(what, secs):  # a thread: the engine's checks stop it
            yield
        return

    def expired(signum, frame):
        raise OutOfBudget(what, secs)

    previous = signal.signal(signal.SIGPROF, expired)
    signal.setitimer(signal.ITIMER_PROF, secs)
    try:
        with deadline(what, secs):
            yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


@contextlib.contextmanager
def deadline(what: str, secs: float, setting: str = "REVIEWBOT_TIME_BUDGET") -> Iterator[None]:
    """Let ``check()`` raise OutOfBudget once this thread has used `secs` of CPU in the block
    (0 or negative: no limit).  Works in any thread; it stops the work only where ``check()``
    is called.  An outer deadline that ends sooner stays in force."""
    end = time.thread_time() + secs
    outer = _deadline.get()
    if secs <= 0 or (outer is not None and outer[0] <= end):
        yield
        return
    token = _deadline.set((end, what, secs, setting))
    try:
        yield
    finally:
        _deadline.reset(token)


def check() -> None:
    """OutOfBudget when this thread's running deadline has passed; nothing without one."""
    d = _deadline.get()
    if d is not None and time.thread_time() > d[0]:
        raise OutOfBudget(d[1], d[2], d[3])


def check_hunks(diff: str, where: str) -> None:
    """InputError when `diff` holds more than MAX_HUNKS hunk headers (counted, not parsed)."""
    n = diff.count("\n@@ ") + diff.startswith("@@ ")
    limit_ = max_hunks()
    if n > limit_:
        raise InputError(where, f"too large to review: {n} hunks in one patch (limit {limit_})")


def check_mime_depth(msg, where: str) -> None:
    """InputError when `msg` nests multiparts deeper than MAX_MIME_DEPTH (walked without recursion)."""
    stack = [(msg, 1)]
    while stack:
        part, depth = stack.pop()
        if depth > MAX_MIME_DEPTH:
            raise InputError(where, f"MIME parts nested deeper than {MAX_MIME_DEPTH} levels")
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list):
            stack.extend((p, depth + 1) for p in payload)


def check_message_sizes(mbox: bytes, where: str) -> None:
    """InputError when one mail of `mbox` (split at its "From " lines) is over MAX_MESSAGE_BYTES
    or declares more than MAX_MULTIPARTS MIME boundaries (the email package checks every line
    against every open boundary: nesting times size).  Raw bytes, before any parsing."""
    start, largest = 0, max_message_bytes()
    while start < len(mbox):
        nxt = mbox.find(b"\nFrom ", start + 1)
        end = len(mbox) if nxt < 0 else nxt + 1
        if end - start > largest:
            raise InputError(where, f"too large to review: a mail of {end - start} bytes "
                                    f"(limit {largest})")
        mail = mbox[start:end] if start or end < len(mbox) else mbox
        parts = sum(mail.count(b) for b in (b"boundary=", b"BOUNDARY=", b"Boundary="))
        if parts > MAX_MULTIPARTS:
            raise InputError(where, f"MIME parts nested deeper than {MAX_MIME_DEPTH} levels or more than "
                                    f"{MAX_MULTIPARTS} multiparts")
        start = end
