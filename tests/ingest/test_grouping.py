"""Unthreaded `git format-patch` output is one series, as b4 would build it (issue: the README's
own `git format-patch -N --stdout | reviewbot review -` and `-o DIR` examples became N one-patch
"series", each with a false `series incomplete` note)."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.cli.clirun import run
from tests.ingest import fprepo


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return fprepo.build(tmp_path_factory.mktemp("fp"))


def _docs(out: str) -> list[dict]:
    """One pretty-printed object for one series, else JSON Lines."""
    try:
        return [json.loads(out)]
    except ValueError:
        return [json.loads(line) for line in out.splitlines() if line.strip()]


def _one_series(res, patches: int = 3) -> dict:
    docs = _docs(res.out)
    assert len(docs) == 1, res.out
    doc = docs[0]
    assert doc["notes"] == [], doc["notes"]
    assert sorted(f["patch"]["index"] for f in doc["findings"]) == list(range(1, patches + 1))
    return doc


def test_stdin_format_patch_is_one_series(repo):
    res = run("review", "-", "--format", "json", stdin=fprepo.format_patch(repo, "-3", "--stdout"))
    assert res.rc == 1, res.err
    _one_series(res)


def test_directory_from_format_patch_o_is_one_series(repo, tmp_path):
    fprepo.format_patch(repo, "-3", "-o", str(tmp_path / "outgoing"))
    res = run("review", str(tmp_path / "outgoing"), "--format", "json")
    _one_series(res)


def test_directory_with_cover_letter_takes_its_subject(repo, tmp_path):
    fprepo.format_patch(repo, "-3", "--cover-letter", "-o", str(tmp_path / "out"))
    cover = next((tmp_path / "out").glob("0000-*"))
    cover.write_text(cover.read_text().replace("*** SUBJECT HERE ***", "foo: pin the module in its fops"))
    doc = _one_series(run("review", str(tmp_path / "out"), "--format", "json"))
    assert doc["series"]["subject"] == "foo: pin the module in its fops"


def test_cat_of_patch_files_reads_every_patch(repo, tmp_path):
    fprepo.format_patch(repo, "-3", "-o", str(tmp_path / "o"))
    data = b"".join(p.read_bytes() for p in sorted((tmp_path / "o").iterdir()))
    _one_series(run("review", "-", "--format", "json", stdin=data))


def test_files_joined_without_from_lines_are_split(repo, tmp_path):
    """Mails saved from a mail client (no mbox `From ` line) and joined with cat."""
    fprepo.format_patch(repo, "-3", "-o", str(tmp_path / "o"))
    data = b"".join(p.read_bytes().split(b"\n", 1)[1] for p in sorted((tmp_path / "o").iterdir()))
    assert not data.startswith(b"From ")
    _one_series(run("review", "-", "--format", "json", stdin=data))


def test_real_gap_is_still_reported(repo, tmp_path):
    fprepo.format_patch(repo, "-3", "-o", str(tmp_path / "o"))
    (next((tmp_path / "o").glob("0002-*"))).unlink()
    docs = _docs(run("review", str(tmp_path / "o"), "--format", "json").out)
    assert len(docs) == 1
    assert docs[0]["notes"] == ["series incomplete: patch(es) 2 of 3 missing"]
    assert sorted(f["patch"]["index"] for f in docs[0]["findings"]) == [1, 3]


def test_two_series_of_the_same_shape_stay_apart(repo):
    """The same three patches posted twice: the numbering repeats, so two series."""
    data = fprepo.format_patch(repo, "-3", "--stdout")
    docs = _docs(run("review", "-", "--format", "json", stdin=data + data).out)
    assert len(docs) == 2
    assert all(d["notes"] == [] and len(d["findings"]) == 3 for d in docs)


def _other_author(repo, tmp_path):
    clone = tmp_path / "clone"
    shutil.copytree(repo, clone)
    fprepo.git(clone, "commit", "-q", "--amend", "--author=Other Person <other@example.org>", "--no-edit")
    return clone


def _split(mbox: bytes) -> list[bytes]:
    return [b"From " + m for m in re.split(rb"(?m)^From ", mbox) if m]


def test_a_maintainers_series_with_patches_of_several_authors_is_one(repo, tmp_path):
    """git format-patch keeps each patch's author in From:; the series is still one."""
    doc = _one_series(run("review", "-", "--format", "json",
                          stdin=fprepo.format_patch(_other_author(repo, tmp_path), "-3", "--stdout")))
    assert doc["findings"][2]["patch"]["subject"].startswith("[PATCH 3/3]")


def test_someone_elses_patch_between_is_not_joined(repo, tmp_path):
    mine = _split(fprepo.format_patch(repo, "-3", "--stdout"))
    theirs = _split(fprepo.format_patch(_other_author(repo, tmp_path), "-3", "--stdout"))
    unrelated = theirs[0].replace(b"[PATCH 1/3]", b"[PATCH]")
    data = mine[0] + mine[1] + unrelated + theirs[2]
    docs = _docs(run("review", "-", "--format", "json", stdin=data).out)
    assert [d["notes"] for d in docs] == [["series incomplete: patch(es) 3 of 3 missing"], [],
                                          ["series incomplete: patch(es) 1, 2 of 3 missing"]]


def test_a_quoted_from_line_in_a_commit_message_is_not_a_new_mail(repo, tmp_path):
    clone = tmp_path / "clone"
    shutil.copytree(repo, clone)
    fprepo.git(clone, "commit", "-q", "--amend", "-m",
               "foo: pin the module in foo_write\n\nReported in this mail:\n\nFrom: Someone <s@example.org>\n"
               "Subject: foo_write oopses\nDate: Mon, 1 Jan 2026 00:00:00 +0000\n\nSigned-off-by: A <a@example.org>")
    data = fprepo.format_patch(clone, "-1", "--stdout").split(b"\n", 1)[1]
    docs = _docs(run("review", "-", "--format", "json", stdin=data).out)
    assert len(docs) == 1 and len(docs[0]["findings"]) == 1
