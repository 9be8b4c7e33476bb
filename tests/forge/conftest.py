from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot.forge.events import JobSpec
from reviewbot.forge.queue import Job
from tests.forge.fakes import DATA, Clock, FakeGitHub, FakeGitLab

ZRAM = (DATA / "zram-sysfs-self-pin.diff").read_text()
HEAD1 = "1" * 40
HEAD2 = "2" * 40
HEAD3 = "3" * 40


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake_github(clock):
    fake = FakeGitHub(clock)
    yield fake
    assert fake.violations == []


@pytest.fixture
def fake_gitlab(clock):
    fake = FakeGitLab(clock)
    yield fake
    assert fake.violations == []


def job(forge: str, repo: str, number: int, head: str, project: str | None = None,
        installation_id: int | None = None, job_id: int = 1) -> Job:
    return Job(id=job_id, spec=JobSpec(forge=forge, repo=repo, project=project or repo, number=number,
                                       head_sha=head, installation_id=installation_id), attempts=1)


def data(name: str) -> Path:
    return DATA / name
