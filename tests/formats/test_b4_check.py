"""`reviewbot b4-check` run by b4 0.16's own check runner (b4/review/checks.py) on real mails.

b4 runs the command in the repository's top directory with the message on stdin and parses
stdout with `_run_external_cmd`; its TUI keeps one cell per (patch, tool) and decodes
`details` with json.loads to list one line per finding; its cache stores rows in SQLite.
Every test here goes through those b4 functions, not through our own parsing.  Tests marked
`real` let b4 start the command as a process; the others (`inproc`) swap b4's process runner
for an in-process call of the same CLI, only to keep the suite fast.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import io
import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys

import pytest

b4 = pytest.importorskip("b4")
b4_checks = pytest.importorskip("b4.review.checks")

from reviewbot.cli import main  # noqa: E402

from tests.conftest import mbox_messages  # noqa: E402
from tests.helpers import DATA  # noqa: E402
from tests.report import fixture  # noqa: E402

CMD = f"{shlex.quote(sys.executable)} -m reviewbot.cli b4-check --select MOD001"
SERIES_CMD = CMD + " --series"
MAX5970 = DATA / "b4check" / "max5970-v1.mbox"  # a real linux-leds thread: cover, 2 patches, replies


def _msg(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def _msgid(msg) -> str:
    return str(msg["Message-Id"]).strip("<> ")


def _plain_zram() -> bytes:
    """A real patch mail (zram 2/2) that MOD001 flags four times, without reviewbot-ignore lines."""
    return re.sub(rb"(?m)^reviewbot-ignore:.*\n", b"", fixture.PATCH.read_bytes())


def _thread() -> list[email.message.EmailMessage]:
    return [_msg(m) for m in mbox_messages(MAX5970)]


def _details(result: dict) -> list[dict]:
    """What b4's details view does with the `details` string (_render_detail_lines)."""
    got = json.loads(result["details"])
    assert isinstance(got, list) and all(isinstance(e, dict) for e in got)
    return got


@pytest.fixture
def inproc(monkeypatch):
    """b4._run_command, for our command only, as an in-process call of reviewbot.cli.main."""
    real = b4._run_command

    def run(cmdargs, stdin=None, rundir=None, **kw):
        if cmdargs[:3] != [sys.executable, "-m", "reviewbot.cli"]:
            return real(cmdargs, stdin=stdin, rundir=rundir, **kw)
        out, err = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        with monkeypatch.context() as m:
            m.setattr(sys, "stdin", type("In", (), {"buffer": io.BytesIO(stdin or b"")})())
            os.chdir(rundir or cwd)
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    code = main(cmdargs[3:])
            finally:
                os.chdir(cwd)
        return code, out.getvalue().encode(), err.getvalue().encode()

    monkeypatch.setattr(b4, "_run_command", run)


@pytest.fixture
def topdir(tmp_path):
    """A git repository for b4 to run the check in (it always runs in the top directory)."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    # A dead public-inbox: the series check must not reach the network in these tests.
    subprocess.run(["git", "-C", str(tmp_path), "config", "b4.midmask", "http://127.0.0.1:9/all/%s"], check=True)
    return tmp_path


def test_findings_become_one_row_with_one_detail_per_finding(topdir):
    msg = _msg(_plain_zram())
    results = b4_checks.run_perpatch_checks([(_msgid(msg), msg)], [CMD], str(topdir))
    (row,) = results[_msgid(msg)]
    assert row["tool"] == "reviewbot" and row["status"] == "warn"
    assert re.fullmatch(r"\d+ warnings: MOD001 module-self-pin", row["summary"])
    assert row["url"] == "https://reviewbot.example.org/rules/MOD001"  # the one rule-link setting
    details = _details(row)
    assert len(details) == int(row["summary"].split()[0]) >= 2
    assert {d["status"] for d in details} == {"warn"}
    assert details[0]["description"].startswith(f"{fixture.PATH}:1725: WARNING:MOD001 module-self-pin: ")
    assert details[0]["srcline"] == "+" + "\tif (!try_module_get(THIS_MODULE))".expandtabs(8)


def test_clean_patches_pass_and_b4_cache_round_trips(topdir, inproc):
    patches = [(_msgid(m), m) for m in _thread() if re.match(r"\[PATCH [12]/2\]", str(m["Subject"]))]
    assert len(patches) == 2
    results = b4_checks.run_perpatch_checks(patches, [CMD], str(topdir))
    for mid, _ in patches:
        (row,) = results[mid]
        assert (row["tool"], row["status"], row["summary"], row["details"]) == ("reviewbot", "pass", "no findings", "")
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    conn.executescript(b4_checks.SCHEMA_SQL)
    zram = _msg(_plain_zram())
    results.update(b4_checks.run_perpatch_checks([(_msgid(zram), zram)], [CMD], str(topdir)))
    for mid, rows in results.items():
        b4_checks.store_results(conn, mid, rows)
    assert b4_checks.get_cached_results(conn, list(results)) == results


def test_author_suppression_below_the_dashes_is_honoured(topdir, inproc):
    msg = _msg(fixture.PATCH.read_bytes())  # says 'reviewbot-ignore: module-self-pin -- ...'
    (row,) = b4_checks.run_perpatch_checks([(_msgid(msg), msg)], [CMD], str(topdir))[_msgid(msg)]
    assert row["status"] == "pass"
    assert re.fullmatch(r"no findings; \d+ suppressed by the author", row["summary"])
    notes = [d["description"] for d in _details(row)]
    assert all("status" not in d for d in _details(row))
    assert any("names unknown rule 'TST003'" in n for n in notes)


def test_bad_input_is_a_fail_row_with_the_reason(topdir, inproc):
    broken = re.sub(rb"(?m)^ \tmutex_lock\(&zram_index_mutex\);\n", b"", _plain_zram(), count=1)
    msg = _msg(broken)
    (row,) = b4_checks.run_perpatch_checks([(_msgid(msg), msg)], [CMD], str(topdir))[_msgid(msg)]
    assert row["tool"] == "reviewbot" and row["status"] == "fail"
    assert row["summary"].startswith("cannot review: ") and "malformed diff" in row["summary"]


def test_exit_status_and_stderr_on_empty_input():
    proc = subprocess.run([sys.executable, "-m", "reviewbot.cli", "b4-check"], input=b"", capture_output=True)
    assert proc.returncode == 2
    (row,) = json.loads(proc.stdout)
    assert row["status"] == "fail" and "empty input" in row["summary"]
    assert proc.stderr.decode().strip() == "reviewbot: <stdin>: empty input: b4 passes one patch email on stdin"


def test_mail_without_a_diff_passes(topdir, inproc):
    cover = next(m for m in _thread() if "0/2" in str(m["Subject"]))
    (row,) = b4_checks.run_perpatch_checks([(_msgid(cover), cover)], [CMD], str(topdir))[_msgid(cover)]
    assert row["status"] == "pass" and row["summary"] == "nothing to review: no diff in this message"


def _series_thread(tmp_path, directive: str) -> tuple[email.message.EmailMessage, bytes]:
    """A cover letter (with `directive`) and the zram patch as 1/1 replying to it."""
    cover = (b"From: Luis Chamberlain <mcgrof@kernel.org>\nSubject: [PATCH 0/1] zram: sysfs races\n"
             b"Message-Id: <cover-zram@example.org>\nDate: Sat, 6 Mar 2021 02:20:34 +0000\n\n"
             b"Fix races of sysfs attribute removal and usage.\n\n" + directive.encode() + b"\n")
    patch = _plain_zram().replace(b"[PATCH 2/2]", b"[PATCH 1/1]").replace(
        b"Message-Id: <", b"In-Reply-To: <cover-zram@example.org>\nReferences: <cover-zram@example.org>\nMessage-Id: <", 1)
    sep = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
    return _msg(cover), sep + cover + b"\n" + sep + patch


def _tracking(topdir, tmp_path, mbox: bytes) -> dict[str, str]:
    blob = subprocess.run(["git", "-C", str(topdir), "hash-object", "-w", "--stdin"], input=mbox,
                          capture_output=True, check=True).stdout.decode().strip()
    path = tmp_path / "tracking.json"
    path.write_text(json.dumps({"series": {"thread-blob": blob}}))
    return {"B4_TRACKING_FILE": str(path)}


def test_series_check_sees_cover_letter_directives(topdir, tmp_path):
    cover, mbox = _series_thread(tmp_path, "reviewbot-ignore: MOD001 -- kernfs active references pin zram")
    env = _tracking(topdir, tmp_path, mbox)
    (row,) = b4_checks.run_series_checks((_msgid(cover), cover), [SERIES_CMD], str(topdir), extra_env=env)
    assert row["tool"] == "reviewbot-series" and row["status"] == "pass"
    assert re.fullmatch(r"no findings in 1 patch; \d+ suppressed by the author", row["summary"])
    # The per-patch check cannot see the cover letter: it still reports them.
    patch = _msg(mbox.split(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n")[2])
    (prow,) = b4_checks.run_perpatch_checks([(_msgid(patch), patch)], [CMD], str(topdir))[_msgid(patch)]
    assert prow["status"] == "warn"


def test_series_check_lists_findings_with_patch_labels(topdir, tmp_path, inproc):
    cover, mbox = _series_thread(tmp_path, "reviewbot-ignore: MOD003 -- not in this series")
    env = _tracking(topdir, tmp_path, mbox)
    (row,) = b4_checks.run_series_checks((_msgid(cover), cover), [SERIES_CMD], str(topdir), extra_env=env)
    assert row["status"] == "warn"
    assert re.fullmatch(r"\d+ warnings: MOD001 module-self-pin \(in 1 of 1 patch\)", row["summary"])
    details = _details(row)
    assert details[0]["description"].startswith(f"[1/1] {fixture.PATH}:1725: WARNING:MOD001")
    assert any("reviewbot-ignore in the cover letter matches no finding" in d["description"] for d in details)


def test_unreachable_series_check_is_not_a_pass(topdir):
    """No b4 thread copy and the public-inbox unreachable: the series was not checked."""
    cover = next(m for m in _thread() if "0/2" in str(m["Subject"]))
    (row,) = b4_checks.run_series_checks((_msgid(cover), cover), [SERIES_CMD], str(topdir))
    assert row["tool"] == "reviewbot-series" and row["status"] == "fail"
    assert row["summary"].startswith("cannot review: thread not found, series not checked: ")
    assert "no b4 thread copy" in row["summary"] and "cannot reach http://127.0.0.1:9/all" in row["summary"]


def test_real_thread_from_b4_copy(topdir, tmp_path, inproc):
    cover = next(m for m in _thread() if "0/2" in str(m["Subject"]))
    env = _tracking(topdir, tmp_path, MAX5970.read_bytes())
    (row,) = b4_checks.run_series_checks((_msgid(cover), cover), [SERIES_CMD], str(topdir), extra_env=env)
    assert (row["status"], row["summary"]) == ("pass", "no findings in 2 patches")


@pytest.mark.parametrize("rev, summary", [
    ("v1", r"\d+ warnings: MOD001 module-self-pin \(in 2 of 2 patches\)"),
    ("v2", r"\d+ warnings: MOD001 module-self-pin \(in 3 of 3 patches\)"),
])
def test_series_check_fetches_the_thread_by_message_id(public_inbox, series_repo, tmp_path, rev, summary):
    """No b4 thread copy: the cover's Message-Id is fetched from the public-inbox b4 is set up
    for; v1 and v2 share one thread, and each cover letter gets its own revision reviewed."""
    repo = tmp_path / "tree"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "config", "b4.midmask", public_inbox.midmask], check=True)
    cover = _msg(getattr(series_repo, rev)[0].read_bytes())
    (row,) = b4_checks.run_series_checks((_msgid(cover), cover), [SERIES_CMD], str(repo))
    assert row["tool"] == "reviewbot-series" and row["status"] == "warn"
    assert re.fullmatch(summary, row["summary"]), row["summary"]
