"""The installed b4 running reviewbot as its per-patch check: `b4 prep --check`
(b4.prep-perpatch-check-cmd) and `b4 am -k` (b4.am-perpatch-check-cmd).

b4 shows every stdout line of such a command as a warning (a failure with `ERROR:`) and every
stderr line as a failure.  Issue: `reviewbot b4-check` there showed raw JSON, and the
"series incomplete" note of a one-patch mail was counted as an error.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.clirun import CONSOLE
from tests.ingest import fprepo

B4 = Path(sys.executable).parent / "b4"
LINES_CMD = f"{shlex.quote(str(CONSOLE))} b4-check --lines"
TERSE_CMD = f"{shlex.quote(str(CONSOLE))} review --terse -"
FINDING = re.compile(r"reviewbot: drivers/foo/foo_(\w)\.c:6: WARNING:MOD001 module-self-pin: try_module_get\(THIS_MODULE\) "
                     r"pins the module from its own code \[https://reviewbot\.example\.org/rules/MOD001\]")

pytestmark = pytest.mark.skipif(not B4.exists(), reason="b4 is not installed in this environment")


def _b4(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(B4), "--offline-mode", *args], cwd=repo, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.fixture
def prep_branch(tmp_path):
    """A b4 prep branch holding a clean commit and two that pin the module."""
    repo = fprepo.build(tmp_path)
    fprepo.git(repo, "reset", "-q", "--hard", "HEAD~3")
    res = _b4(repo, "prep", "-n", "foo-pins", "-f", "HEAD")
    assert res.returncode == 0, res.stderr
    for name, verb in (("a", "open"), ("b", "read")):
        (repo / f"drivers/foo/foo_{name}.c").write_text(fprepo.source(verb, True))
        fprepo.git(repo, "commit", "-q", "-a", "-m", f"foo: pin the module in foo_{verb}\n\nSigned-off-by: A <a@example.org>")
    (repo / "drivers/foo/README").write_text("foo\n")
    fprepo.git(repo, "add", "-A")
    fprepo.git(repo, "commit", "-q", "-m", "foo: add a README\n\nSigned-off-by: A <a@example.org>")
    return repo


@pytest.mark.parametrize("cmd", [LINES_CMD, TERSE_CMD])
def test_b4_prep_check_shows_findings_and_no_note_is_an_error(prep_branch, cmd):
    fprepo.git(prep_branch, "config", "b4.prep-perpatch-check-cmd", cmd)
    res = _b4(prep_branch, "prep", "--check")
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    if cmd == LINES_CMD:
        assert [m.group(1) for m in FINDING.finditer(out)] == ["a", "b"], out
    else:
        assert len(re.findall(r"reviewbot: drivers/foo/foo_\w\.c:6: WARNING:MOD001: ", out)) == 2, out
    assert "Success: 1, Warning: 2, Error: 0" in out  # "series incomplete" is no error
    assert "{" not in out  # no raw JSON


def test_b4_am_runs_the_per_patch_check(prep_branch, tmp_path):
    fprepo.git(prep_branch, "config", "b4.am-perpatch-check-cmd", LINES_CMD)
    outdir = tmp_path / "patches"
    fprepo.git(prep_branch, "format-patch", "-q", "--thread=shallow", "--cover-letter", "-o", str(outdir), "HEAD~3")
    mbox = tmp_path / "series.mbox"
    mbox.write_bytes(b"".join(p.read_bytes() for p in sorted(outdir.iterdir())))
    cover = re.search(r"(?im)^Message-ID: <([^>]+)>", (outdir / "0000-cover-letter.patch").read_text()).group(1)
    res = _b4(prep_branch, "am", "-k", "-m", str(mbox), "-o", str(tmp_path / "am"), cover)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert [m.group(1) for m in FINDING.finditer(out)] == ["a", "b"], out
    assert out.count("reviewbot: passed all checks") == 1  # the README patch
