"""The console script (`reviewbot.cli:run`) ends `review` and `b4-check` without the
interpreter's tear-down (reviewbot.cli._quick_exit): the output, the exit status and the atexit
handlers are those of main(); only the freeing of every object and module one by one is left
to the kernel.  A probe object whose __del__ prints at tear-down tells which exit was taken
(no timing).  Other commands, and a process with another thread running, exit as before."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from tests.cli.clirun import ROOT, run

PATCH = "examples/zram-sysfs-self-pin.patch"  # 4 findings: exit status 1
DOC = "tests/data/report/zram-sysfs-self-pin.patch"

_PROBE = """
import atexit, sys, threading, time
from reviewbot import cli

class TearDown:
    def __del__(self):
        sys.stderr.write("probe: torn down\\n")
        sys.stderr.flush()

probe = TearDown()  # freed only by the interpreter's tear-down of this module
atexit.register(lambda: sys.stderr.write("probe: atexit ran\\n"))
if "--thread" in sys.argv:
    sys.argv.remove("--thread")
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
sys.argv[0] = "reviewbot"
cli.run()
"""


def _script(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _PROBE, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)


def test_the_console_script_is_run():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["scripts"]["reviewbot"] == "reviewbot.cli:run"


@pytest.mark.parametrize("argv", [(PATCH,), (PATCH, "--format", "json"), (DOC, "--format", "sarif"),
                                  ("tests/data/checks/device-ref-imbalance", "--terse")], ids=["text", "json", "sarif", "dir"])
def test_review_leaves_without_tear_down_and_prints_what_main_prints(argv):
    want = run("review", *argv)  # main() in this process
    got = _script("review", *argv)
    assert got.returncode == want.rc
    assert got.stdout == want.out  # flushed whole, also through a pipe
    lines = got.stderr.splitlines()
    assert "probe: atexit ran" in lines  # atexit handlers run (the tree store's git processes)
    assert "probe: torn down" not in lines
    assert [ln for ln in lines if not ln.startswith("probe: ")] == want.err.splitlines()


def test_a_large_output_through_a_pipe_is_whole():
    got = _script("review", "tests/data/checks/device-ref-imbalance", "--format", "json", "--all")
    want = run("review", "tests/data/checks/device-ref-imbalance", "--format", "json", "--all")
    assert len(got.stdout) > 4096 and got.stdout == want.out and got.returncode == want.rc


@pytest.mark.parametrize("argv", [("--version",), ("rules",), ("review", "--help")])
def test_other_commands_and_exits_take_the_interpreters_way(argv):
    got = _script(*argv)
    assert got.returncode == 0, got.stderr
    assert "probe: torn down" in got.stderr.splitlines()


def test_another_thread_running_takes_the_interpreters_way():
    got = _script("review", PATCH, "--thread")
    assert got.returncode == 1
    assert "probe: torn down" in got.stderr.splitlines()


def test_an_input_error_keeps_its_status_and_line():
    got = _script("review", "no/such/file.patch")
    assert got.returncode == 2
    assert [ln for ln in got.stderr.splitlines() if not ln.startswith("probe: ")] == \
        ["reviewbot: no/such/file.patch: no such file, directory or Message-Id"]
    assert "probe: torn down" not in got.stderr.splitlines()
