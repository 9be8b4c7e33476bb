"""Fixtures: the fake patchwork on a loopback port, and a follower of a test list with
patchwork configured (its token in the environment) over a temp database and a fake clock."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reviewbot import db
from reviewbot.patchwork.client import Patchwork
from reviewbot.patchwork.settings import PatchworkTarget
from reviewbot.watch.follow import Follower
from reviewbot.watch.policy import ListPolicy
from tests.patchwork.fake import FakePatchwork
from tests.watch.conftest import Clock  # the follower's test clock
from tests.watch.mails import Epoch

TOKEN_ENV = "REVIEWBOT_PATCHWORK_TOKEN"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def patchwork(monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, FakePatchwork.TOKEN)
    fake = FakePatchwork().start()
    yield fake
    fake.stop()
    assert fake.violations == []


@pytest.fixture
def make_follower(tmp_path, clock, patchwork):
    """follower(**policy changes) over one database; its patchwork client does not sleep."""
    url = f"sqlite:///{tmp_path / 'watch.db'}"

    def make(inbox: Path, fast: bool = True, **kw) -> Follower:
        p = ListPolicy(name="testlist", inbox=inbox, outbox_dir=tmp_path / "outbox",
                       sender="reviewbot <bot@reviewbot.example>", address="testlist@example.org",
                       archive_url="https://lore.example.org/testlist",
                       patchwork=PatchworkTarget(url=patchwork.url, project="testlist"))
        fw = Follower(replace(p, **kw), db.create_all(url), clock)
        if fast:
            fw.patchwork = Patchwork(patchwork.url, FakePatchwork.TOKEN, project="testlist", sleep=lambda s: None)
        return fw

    make.url = url
    return make


def publish(inbox: Path, fake: FakePatchwork, mails: list[bytes], when: float, **ingest) -> None:
    """The list archives the mails and patchwork parses them (lagging, as ``ingest`` says)."""
    epoch = Epoch(inbox)
    for raw in mails:
        epoch.add(raw, when)
        fake.ingest(raw, **ingest)
