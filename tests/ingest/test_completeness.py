"""A Series carries what b4 knows about completeness: the n of [PATCH k/n] (`expected`), the
indices that did not arrive (`missing`) and `complete`; the follower reads these, not the notes."""

from __future__ import annotations

import re

import pytest

from reviewbot.ingest import b4 as b4src
from reviewbot.ingest.sources import load_git
from reviewbot.watch.follow import is_complete
from tests.ingest import fprepo


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return fprepo.build(tmp_path_factory.mktemp("fp"))


def _mails(mbox: bytes) -> list[bytes]:
    return [m for m in re.split(rb"(?m)^(?=From [0-9a-f]{40} )", mbox) if m]


def test_unthreaded_format_patch_is_complete(repo):
    (series,) = b4src.series_from_mbox_bytes(fprepo.format_patch(repo, "-3", "--stdout"), "<stdin>")
    assert (series.expected, series.missing, series.complete) == (3, (), True)
    assert is_complete(series)


def test_a_lost_patch_is_missing(repo):
    mails = _mails(fprepo.format_patch(repo, "-3", "--stdout"))
    assert len(mails) == 3
    (series,) = b4src.series_from_mbox_bytes(mails[0] + mails[2], "<stdin>")
    assert (series.expected, series.missing, series.complete) == (3, (2,), False)
    assert not is_complete(series)
    assert [p.index for p in series.patches] == [1, 3]
    assert "series incomplete: patch(es) 2 of 3 missing" in series.notes  # the text users see


def test_a_single_patch_is_not_numbered(repo):
    (series,) = b4src.series_from_mbox_bytes(fprepo.format_patch(repo, "-1", "--stdout"), "<stdin>")
    assert series.missing == () and series.complete
    assert series.expected in (None, 1)


def test_git_range_is_complete(repo):
    (series,) = load_git("HEAD~3..HEAD", str(repo))
    assert (series.expected, series.missing, series.complete) == (3, (), True)
