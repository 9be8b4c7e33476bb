"""Fixtures for the list follower: a follower factory over a temp database, a controllable
clock, and a real SMTP server (aiosmtpd on 127.0.0.1) that can hand mail to public-inbox-mda."""

from __future__ import annotations

import email
import threading
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from reviewbot import db
from reviewbot.watch import tables as T
from reviewbot.watch.follow import Follower
from reviewbot.watch.policy import ListPolicy, Smtp
from tests.lore import inbox as pi_inbox


class Clock:
    def __init__(self, t: float = 1_800_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_follower(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'watch.db'}"

    def make(inbox: Path, **kw) -> Follower:
        p = ListPolicy(name="testlist", inbox=inbox, outbox_dir=tmp_path / "outbox",
                       sender="reviewbot <bot@reviewbot.example>", address="testlist@example.org")
        return Follower(replace(p, **kw), db.create_all(url), clock)

    make.url = url
    return make


def rows(follower: Follower, table: sa.Table, **where) -> list:
    with follower.eng.connect() as c:
        q = sa.select(table)
        for k, v in where.items():
            q = q.where(table.c[k] == v)
        return c.execute(q).all()


@pytest.fixture
def public_inbox(tmp_path):
    missing = pi_inbox.missing_tools()
    if missing:
        pytest.skip(f"public-inbox not installed (no {', '.join(missing)}); run scripts/system-deps.sh")
    pi = pi_inbox.PublicInbox(tmp_path / "pi")
    pi.init()
    return pi


class Sink:
    """The list's SMTP server: keeps every message; with `inbox`, delivers it to the archive
    through public-inbox-mda before answering 250 (as a list server would)."""

    def __init__(self, inbox: pi_inbox.PublicInbox | None):
        self.inbox = inbox
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse: str | None = None  # e.g. "451 4.3.0 try again later"
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        raw = envelope.original_content or envelope.content
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), raw))
        if self.inbox is not None:
            msgid = email.message_from_bytes(raw)["Message-ID"].strip().strip("<>")
            self.inbox.deliver(raw, msgid)
        return "250 OK"

    def msgids(self) -> list[str]:
        return [email.message_from_bytes(raw)["Message-ID"].strip() for _, raw in self.messages]


def _serve(inbox):
    from aiosmtpd.controller import Controller

    sink = Sink(inbox)
    port = pi_inbox.free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    sink.smtp = Smtp(host="127.0.0.1", port=port, timeout=10)
    try:
        yield sink
    finally:
        ctl.stop()


@pytest.fixture
def smtp_sink():
    """An SMTP server that only keeps what it receives."""
    yield from _serve(None)


@pytest.fixture
def list_server(public_inbox):
    """An SMTP server acting as the list: what it accepts lands in `public_inbox`."""
    yield from _serve(public_inbox)


__all__ = ["Clock", "Sink", "rows", "T"]
