"""Output that cannot be written, through the console script a user runs (reviewbot.stdout_guard).

A reader gone (`| head -1`): no traceback, and the exit status is the review's.  A full disk
(/dev/full) or a closed stdout: one line on stderr and exit status 2, with stdout block-buffered
(a user's shell) or not (PYTHONUNBUFFERED): the console script's quick exit must not hide a
flush that fails."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.clirun import CONSOLE, ROOT

PATCH = "examples/zram-sysfs-self-pin.patch"  # 4 findings: exit status 1
FULL = "reviewbot: <stdout>: cannot write the output: No space left on device"

needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")


def _env(buffered: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    return env


def _console(argv, stdout, buffered=True, stdin=b""):
    return subprocess.run([str(CONSOLE), *argv], input=stdin, stdout=stdout, stderr=subprocess.PIPE,
                          cwd=ROOT, env=_env(buffered), timeout=300, check=False)


@needs_dev_full
@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("argv", [("review", PATCH), ("review", "--terse", PATCH),
                                  ("review", "--format", "json", PATCH), ("b4-check",)],
                         ids=["text", "terse", "json", "b4-check"])
def test_a_full_disk_is_one_line_and_status_2(argv, buffered):
    stdin = (ROOT / PATCH).read_bytes() if argv == ("b4-check",) else b""
    with open("/dev/full", "wb") as full:
        got = _console(argv, full, buffered, stdin)
    assert got.returncode == 2, got.stderr
    assert got.stderr.decode().splitlines() == [FULL]


def test_a_closed_stdout_is_one_line_and_status_2():
    got = subprocess.run(f'exec "{CONSOLE}" review {PATCH} >&-', shell=True, cwd=ROOT,
                         capture_output=True, env=_env(True), timeout=300, check=False)
    assert got.returncode == 2, got.stderr
    assert got.stderr.decode().splitlines() == ["reviewbot: <stdout>: closed: nowhere to write the output"]


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("argv", [("review", PATCH), ("review", "--format", "json", PATCH),
                                  ("review", "--terse", PATCH), ("review", "-j", "2", PATCH, PATCH)],
                         ids=["text", "json", "terse", "jobs"])
def test_a_reader_gone_keeps_the_review_status_and_says_nothing(argv, buffered):
    """The reader has left before the first byte is written (what `| head -1` does sooner or
    later): every write meets a closed pipe."""
    r, w = os.pipe()
    os.close(r)
    try:
        got = _console(argv, w, buffered)
    finally:
        os.close(w)
    assert got.returncode == 1, got.stderr  # the findings' status, as if the output were read
    assert got.stderr == b""


def test_head_reads_the_first_line_and_the_status_is_kept():
    got = subprocess.run(f'"{CONSOLE}" review --format json --all tests/data/checks/device-ref-imbalance '
                         '| head -c 1; echo " ${PIPESTATUS[0]}"', shell=True, executable="/bin/bash",
                         cwd=ROOT, capture_output=True, env=_env(True), timeout=300, check=False)
    assert got.stdout.decode() == "{ 1\n" and got.stderr == b""


@needs_dev_full
@pytest.mark.parametrize("argv,status", [(("review", PATCH), 2), (("review", "no/such.patch"), 2)],
                         ids=["output-error", "input-error"])
def test_a_full_stderr_costs_the_message_not_the_status(argv, status):
    with open("/dev/full", "wb") as full:
        got = subprocess.run([str(CONSOLE), *argv], stdout=full, stderr=full, cwd=ROOT, env=_env(True),
                             timeout=300, check=False)
    assert got.returncode == status


def test_a_stderr_reader_gone_keeps_the_status():
    r, w = os.pipe()
    os.close(r)
    try:
        got = subprocess.run([str(CONSOLE), "review", "no/such.patch"], stdout=subprocess.DEVNULL, stderr=w,
                             cwd=ROOT, env=_env(True), timeout=300, check=False)
    finally:
        os.close(w)
    assert got.returncode == 2


@pytest.mark.parametrize("argv", [("review", "-"), ("b4-check",)], ids=["review", "b4-check"])
def test_a_closed_stdin_is_one_line_and_status_2(argv):
    got = subprocess.run(f'exec "{CONSOLE}" {" ".join(argv)} <&-', shell=True, cwd=ROOT,
                         capture_output=True, env=_env(True), timeout=300, check=False)
    assert got.returncode == 2, got.stderr
    assert got.stderr.decode().splitlines() == ["reviewbot: <stdin>: closed: nothing to read"]
