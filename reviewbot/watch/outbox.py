"""The outbox: replies are recorded (follow.py) before they leave, and marked after.  Each
Follower owns one ``Outbox``: its list's name, relay, limits, clock, database and counters.

queued -> written   dry-run: an .eml file named after the Message-Id (rewriting it is harmless)
queued -> sending -> sent   SMTP: 'sending' is committed before the relay is contacted.
A row still 'sending' after a crash is confirmed if its Message-Id reached the list archive
(our reply Cc's the list, and the walk records every archived Message-Id), else sent again
with the same Message-Id.  'sending' names its process (``claimed_by``): the follower's
reconcile touches only rows whose sender is gone (a dead pid on this host) or took longer than
``send_lease`` seconds, never a reply a live worker of the service is handing to the relay.
A relay that refuses or times out leaves the row queued with an exponential backoff; after
MAX_ATTEMPTS it is marked 'failed' (kept, logged, never dropped).
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import os
import re
import smtplib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import sqlalchemy as sa

from reviewbot.forge.queue import claimer_dead, process_owner
from reviewbot.watch import tables as T
from reviewbot.watch.faults import crash_point

if TYPE_CHECKING:
    from reviewbot.watch.follow import Stats
    from reviewbot.watch.policy import ListPolicy, Smtp

log = logging.getLogger("reviewbot.watch")

MAX_ATTEMPTS = 10
BACKOFF_MAX = 6 * 3600.0


def backoff(attempts: int) -> float:
    return min(60.0 * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def eml_path(outbox_dir: Path, msgid: str) -> Path:
    return outbox_dir / (re.sub(r"[^A-Za-z0-9._@+-]", "_", msgid.strip("<>")) + ".eml")


def write_eml(outbox_dir: Path, msgid: str, raw: bytes) -> Path:
    """Write atomically (a temporary file of this writer, then rename): two processes writing
    the same reply at once (a worker and the follower's flush) both leave the whole file."""
    outbox_dir.mkdir(parents=True, exist_ok=True)
    path = eml_path(outbox_dir, msgid)
    fd, tmp = tempfile.mkstemp(dir=outbox_dir, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


class _Relay:
    """One SMTP connection per flush, opened on first use."""

    def __init__(self, cfg: "Smtp"):
        self.cfg = cfg
        self.conn: smtplib.SMTP | None = None

    def send(self, sender: str, rcpts: list[str], raw: bytes) -> None:
        if self.conn is None:
            conn = smtplib.SMTP(self.cfg.host, self.cfg.port, timeout=self.cfg.timeout)
            if self.cfg.starttls:
                conn.starttls()
            if self.cfg.user:
                conn.login(self.cfg.user, self.cfg.password)
            self.conn = conn
        # smtplib sends bytes as they are: SMTP needs CRLF line ends (the .eml files keep LF)
        # RFC 6531/6532: an address with a UTF-8 local part needs the relay's SMTPUTF8
        options = ["SMTPUTF8"] if not all(a.isascii() for a in [sender, *rcpts]) else []
        refused = self.conn.sendmail(sender, rcpts, re.sub(rb"\r?\n", b"\r\n", raw), mail_options=options)
        if refused:
            log.warning("relay refused some recipients: %s", refused)

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                pass


@dataclass
class Outbox:
    """One list's replies: what the outbox functions need of the follower that owns it."""

    eng: sa.Engine
    list_name: str
    sender: str  # the From: address
    smtp: "Smtp | None"  # None: dry-run, replies are written as .eml files
    outbox_dir: Path
    max_per_hour: int
    max_per_author_per_day: int
    max_recipients_per_hour: int  # the rate limit also counts people mailed (0: no limit)
    now: Callable[[], float]
    stats: "Stats"  # the follower's counters: written, sent, confirmed, deferred, failed

    @classmethod
    def of(cls, p: "ListPolicy", eng: sa.Engine, now: Callable[[], float], stats: "Stats") -> "Outbox":
        return cls(eng=eng, list_name=p.name, sender=p.sender, smtp=p.smtp, outbox_dir=p.outbox_dir,
                   max_per_hour=p.max_per_hour, max_per_author_per_day=p.max_per_author_per_day,
                   max_recipients_per_hour=p.max_recipients_per_hour, now=now,
                   stats=stats)

    def send_lease(self) -> float:
        """Seconds after which a 'sending' row of a process we cannot check is taken as abandoned."""
        return 2 * (self.smtp.timeout if self.smtp else 30.0) + 60.0

    def abandoned(self) -> list[int]:
        """'sending' rows whose sender is gone (a dead pid on this host; a previous instance of this
        process) or took longer than ``send_lease``: never a reply a live worker is sending."""
        o = T.outbox.c
        me, now = process_owner(), self.now()
        with self.eng.connect() as c:
            rows = c.execute(sa.select(o.id, o.claimed_by, o.claimed_at).where(
                o.list == self.list_name, o.status == "sending")).all()
        return [r.id for r in rows if r.claimed_by is None or claimer_dead(r.claimed_by, me)
                or (r.claimed_at or 0) < now - self.send_lease()]

    def reconcile(self, ids: list[int] | None = None) -> None:
        """Abandoned 'sending' rows (``ids``, else found now): sent if the archive has them, else
        queued again (sent again with the same Message-Id)."""
        o, s = T.outbox.c, T.seen.c
        ids = self.abandoned() if ids is None else ids
        if not ids:
            return
        with self.eng.begin() as c:
            rows = c.execute(sa.select(o.id, o.msgid).where(o.id.in_(ids), o.status == "sending")).all()
            for r in rows:
                archived = c.execute(sa.select(s.msgid).where(s.list == self.list_name,
                                                              s.msgid == r.msgid.strip("<>"))).first()
                if archived:
                    self.stats.confirmed += 1
                    # said now, not only in the round's summary: a process killed later in the
                    # round would take the summary with it
                    log.info("list=%s %s: send confirmed by the archive", self.list_name, r.msgid)
                    c.execute(T.outbox.update().where(o.id == r.id, o.status == "sending")
                              .values(status="sent", done_at=self.now()))
                else:
                    log.warning("list=%s %s: send not confirmed before a restart; sending again "
                                "(same Message-Id)", self.list_name, r.msgid)
                    c.execute(T.outbox.update().where(o.id == r.id, o.status == "sending").values(status="queued"))

    def _count_since(self, c, since: float, author: str | None = None) -> int:
        o = T.outbox.c
        q = sa.select(sa.func.count()).select_from(T.outbox).where(
            o.list == self.list_name, o.status.in_(("sent", "written")), o.done_at > since)
        if author is not None:
            q = q.where(o.author == author)
        return c.execute(q).scalar() or 0

    def _recipients_since(self, c, since: float) -> int:
        """Recipients of the replies sent (or written) since `since`: the rate limit counts people
        mailed as well as mails."""
        o = T.outbox.c
        rows = c.execute(sa.select(o.recipients).where(
            o.list == self.list_name, o.status.in_(("sent", "written")), o.done_at > since)).scalars()
        return sum(len(json.loads(r or "[]")) for r in rows)

    def _rate_limited(self, author: str, recipients: int = 0) -> bool:
        now = self.now()
        with self.eng.connect() as c:
            if self.max_per_hour and self._count_since(c, now - 3600) >= self.max_per_hour:
                return True
            per_author = self.max_per_author_per_day
            if per_author and self._count_since(c, now - 86400, author) >= per_author:
                return True
            if self.max_recipients_per_hour and \
                    self._recipients_since(c, now - 3600) + recipients > self.max_recipients_per_hour:
                return True
        return False

    def _set(self, row_id: int, expect: str | None = None, **values) -> bool:
        """Update a row; with `expect`, only if its status still is that (compare-and-set, so two
        followers sharing a database never both take the same reply)."""
        q = T.outbox.update().where(T.outbox.c.id == row_id)
        if expect is not None:
            q = q.where(T.outbox.c.status == expect)
        with self.eng.begin() as c:
            return c.execute(q.values(**values)).rowcount == 1

    def flush(self, job_id: int | None = None) -> None:
        """Send (or write) the queued replies that are due: the list's, or only those of one job."""
        o = T.outbox.c
        q = sa.select(T.outbox).where(o.list == self.list_name, o.status == "queued")
        if job_id is not None:
            q = q.where(o.job_id == job_id)
        with self.eng.connect() as c:
            rows = c.execute(q.order_by(o.id)).all()
        sender = email.utils.parseaddr(self.sender)[1]
        relay = None if self.smtp is None else _Relay(self.smtp)
        try:
            for row in rows:
                if row.not_before > self.now() or self._rate_limited(row.author,
                                                                     len(json.loads(row.recipients or "[]"))):
                    self.stats.deferred += 1
                    continue
                if relay is None:
                    # rewriting the same file is harmless
                    path = write_eml(self.outbox_dir, row.msgid, row.raw)
                    if not self._set(row.id, expect="queued", status="written", done_at=self.now()):
                        continue
                    self.stats.written += 1
                    log.info("list=%s wrote %s", self.list_name, path)
                    continue
                if not self._set(row.id, expect="queued", status="sending", attempts=row.attempts + 1,
                                 claimed_by=process_owner(), claimed_at=self.now()):
                    continue  # another follower took it
                try:
                    relay.send(sender, json.loads(row.recipients), row.raw)
                except (smtplib.SMTPException, OSError) as exc:
                    self.stats.failed += 1
                    attempts = row.attempts + 1
                    status = "failed" if attempts >= MAX_ATTEMPTS else "queued"
                    log.warning("list=%s send %s failed (attempt %d): %s: %s", self.list_name, row.msgid,
                                attempts, exc.__class__.__name__, exc)
                    self._set(row.id, status=status, last_error=f"{exc.__class__.__name__}: {exc}",
                              not_before=self.now() + backoff(attempts))
                    relay.close()
                    relay = _Relay(self.smtp)
                    continue
                crash_point("mid-send")
                self._set(row.id, status="sent", done_at=self.now())
                self.stats.sent += 1
                log.info("list=%s sent %s", self.list_name, row.msgid)
        finally:
            if relay is not None:
                relay.close()
