"""Bad input: one line on stderr naming the input, exit status 2, never a traceback.

(Unknown Message-Id and unreachable server: tests/lore/test_msgid.py.)
"""

from __future__ import annotations

import os
import random

import pytest

from tests.cli.clirun import run, run_console
from tests.conftest import DATA, mbox_messages


def _patch(series_repo) -> str:
    return series_repo.v1[1].read_text()


def _truncated(series_repo) -> str:
    text = _patch(series_repo)
    return text[: text.index("+\t\treturn -ENODEV;")]  # cut inside the hunk


def _wrong_counts(series_repo) -> str:
    text = _patch(series_repo)
    assert "@@ -6,6 +6,8 @@" in text
    return text.replace("@@ -6,6 +6,8 @@", "@@ -6,9 +6,12 @@")


def _reply(series_repo) -> bytes:
    (reply,) = [m for m in mbox_messages(DATA / "ingest/lore/max5970-v1.mbox")
                if b"Message-ID: <20241031161434.GK10824@google.com>" in m]
    return reply


def _garbage(series_repo) -> bytes:
    return random.Random(1).randbytes(5000)


def _garbage_text(series_repo) -> bytes:
    return bytes(b for b in random.Random(2).randbytes(5000) if b)  # no NUL: not caught as binary


CASES = {
    # name: (file name, content factory, expected reason)
    "empty file": ("empty.patch", lambda r: b"", "empty input"),
    "blank file": ("blank.mbox", lambda r: b"\n\n  \n", "empty input"),
    "mail with no diff": ("reply.eml", _reply, "no patches found (no mail with a diff)"),
    "truncated diff": ("truncated.patch", _truncated, "malformed diff: a hunk ends before the line counts of its @@ header (truncated diff or wrong hunk counts)"),
    "wrong hunk counts": ("counts.patch", _wrong_counts, "malformed diff: unexpected line inside a hunk "
                          "(wrong hunk counts?): '@@ -19,5 +21,6 @@ static long foo_ioctl(struct file *file, u'"),
    "binary garbage": ("garbage.patch", _garbage, "binary file, not a patch or mailbox"),
    "text garbage": ("garbage.mbox", _garbage_text, "no patches found (no mail with a diff)"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file(name, series_repo, tmp_path):
    fname, make, reason = CASES[name]
    content = make(series_repo)
    path = tmp_path / fname
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    line = run("review", str(path)).one_line_error()
    assert line.startswith(f"reviewbot: {path}")
    assert line.endswith(reason), line


@pytest.mark.parametrize("name", ["empty file", "truncated diff", "binary garbage"])
def test_bad_stdin(name, series_repo):
    _, make, reason = CASES[name]
    content = make(series_repo)
    line = run("review", "-", stdin=content.encode() if isinstance(content, str) else content).one_line_error()
    assert line.startswith("reviewbot: <stdin>") and line.endswith(reason), line


def test_directory_with_no_patches(tmp_path):
    (tmp_path / "README").write_text("not a patch\n")
    (tmp_path / "sub").mkdir()
    line = run("review", str(tmp_path)).one_line_error()
    assert line == f"reviewbot: {tmp_path}: directory contains no .patch/.eml/.mbox files"


def test_nonexistent_path(tmp_path):
    path = tmp_path / "no-such.patch"
    assert run("review", str(path)).one_line_error() == f"reviewbot: {path}: no such file, directory or Message-Id"


def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.patch"
    path.write_text("x")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as root: permissions are not enforced")
    assert run("review", str(path)).one_line_error() == f"reviewbot: {path}: Permission denied"


def test_bad_git_range(series_repo, tmp_path):
    line = run("review", "--git", "nosuchref..v1", "--repo", str(series_repo.repo)).one_line_error()
    assert line == "reviewbot: nosuchref..v1: fatal: Not a valid object name nosuchref"
    assert run("review", "--git", "v1..v1", "--repo", str(series_repo.repo)).one_line_error() == \
        "reviewbot: v1..v1: no commits in this range"
    assert run("review", "--git", "HEAD~1", "--repo", str(tmp_path)).one_line_error() == \
        f"reviewbot: {tmp_path}: not a git repository"


def test_usage_errors_are_one_line():
    assert run("review").one_line_error() == "reviewbot: review: nothing to review: name a SOURCE or --git REV_RANGE"
    assert "invalid choice: 'xml'" in run("review", "--format", "xml", "x.patch").one_line_error()
    assert "unrecognized arguments" in run("review", "--no-such-option", "x").one_line_error()
    assert run("explain", "MOD999").one_line_error() == "reviewbot: MOD999: no such rule (see 'reviewbot rules')"
    assert "no manifest.json" in run("eval", "/nonexistent").one_line_error()


def test_bad_input_through_the_console_script(tmp_path):
    """The real process: exit status 2 and one line, also when Python itself is involved."""
    path = tmp_path / "empty.patch"
    path.write_bytes(b"")
    res = run_console("review", str(path))
    assert res.one_line_error() == f"reviewbot: {path}: empty input"


def test_a_damaged_thread_in_an_mbox_does_not_hide_the_others(series_repo, tmp_path):
    """Two threads, one damaged: the good one is reviewed, the damaged one reported, exit 2."""
    mbox = tmp_path / "two.mbox"
    damaged = _truncated(series_repo).replace("Message-Id: <", "Message-Id: <damaged.")
    damaged = damaged.replace("In-Reply-To: <", "In-Reply-To: <damaged.").replace("References: <", "References: <damaged.")
    mbox.write_bytes(b"".join(f.read_bytes() for f in series_repo.v1) + damaged.encode())
    res = run("review", "--format", "json", str(mbox))
    assert res.rc == 2
    assert res.json()["findings"]  # the intact series was reviewed
    assert len(res.err.splitlines()) == 1 and "malformed diff" in res.err


def test_mail_with_an_empty_subject_header_is_reviewed(series_repo, tmp_path):
    path = tmp_path / "nosubject.patch"
    text = _patch(series_repo)
    path.write_text(text.replace(text[text.index("Subject:"):text.index("\n", text.index("Subject:"))], "Subject:"))
    res = run("review", "--format", "json", str(path))
    assert res.rc == 1, res.err
    assert res.json()["series"]["subject"] == "(no subject)"
