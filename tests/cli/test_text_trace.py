"""Text output a maintainer can trace: every finding's patch, commit and line at a glance.

Issue "feels like the kernel's own tools": `#2:` was the patch index rather than the line in
the patch; `--git` printed no `Commit <sha> ("subject")`; an mbox of many threads printed a
`total:` per thread, no thread header, no progress and no final summary; `--terse`/`--emacs`
on a range gave an intermediate commit's line numbers.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess

import pytest

from tests.cli.clirun import CONSOLE, run
from tests.ingest import fprepo

N = 30


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    return fprepo.build_many(tmp_path_factory.mktemp("many"), N)


def _shas(repo) -> list[str]:
    return fprepo.git(repo, "rev-list", "--reverse", f"HEAD~{N + 1}..HEAD").split()


def test_git_range_of_30_commits_names_commit_patch_line_for_each_finding(many):
    res = run("review", "--git", f"HEAD~{N + 1}", "--repo", str(many))
    assert res.rc == 1, res.err
    out = res.out
    shas = _shas(many)
    stream = fprepo.format_patch(many, "--stdout", "--no-signature", "--thread=shallow", "--numbered",
                                 "--notes", f"HEAD~{N + 1}..HEAD").decode().splitlines()
    blocks = re.findall(r'^Commit ([0-9a-f]{12}) \("([^"]*)"\)\n(WARNING:MOD001 [^\n]*)\n#(\d+): FILE: '
                        r'(drivers/foo/foo_(\d+)\.c):(\d+):\n(\+[^\n]*)\n', out, re.M)
    assert len(blocks) == N, out
    for sha, subject, _head, no, path, i, line, quote in blocks:
        i = int(i)
        assert sha == shas[i - 1][:12] and subject == f"foo: pin the module in foo_op{i}"
        assert int(line) == fprepo.FINDING_LINE
        assert stream[int(no) - 1] == quote == "+\tif (!try_module_get(THIS_MODULE))"
    assert out.count("total:") == 1 and out.rstrip().splitlines()[-1].startswith(
        f"total: 0 errors, {N} warnings, 0 checks, {N + 1} patches")


@pytest.mark.parametrize("flag", ["--terse", "--emacs"])
def test_terse_and_emacs_on_a_range_use_the_last_commits_lines(many, flag):
    out = run("review", "--git", f"HEAD~{N + 1}", "--repo", str(many), flag, "-q").out
    locs = dict(re.findall(r"^(drivers/foo/foo_\d+\.c):(\d+): WARNING:MOD001", out, re.M))
    assert len(locs) == N
    assert locs["drivers/foo/foo_1.c"] == str(fprepo.FINDING_LINE + 3)  # moved by the last commit
    for path, line in locs.items():
        at_tip = (many / path).read_text().splitlines()[int(line) - 1]
        assert at_tip == "\tif (!try_module_get(THIS_MODULE))", (path, line)


def _mbox_of_threads(many, tmp_path) -> bytes:
    """N one-patch threads (separate Message-Ids, no threading), like a list archive."""
    out = b""
    for k in range(3):  # HEAD (no finding), HEAD~1, HEAD~2
        out += fprepo.format_patch(many, "-1", "--stdout", f"HEAD~{k}")
    return out


def test_mbox_has_a_header_per_series_and_one_summary(many, tmp_path):
    res = run("review", "-", stdin=_mbox_of_threads(many, tmp_path))
    out = res.out
    headers = re.findall(r'^Series \("([^"]*)"\) v1, 1 patch\n=+$', out, re.M)
    assert len(headers) == 2, out  # the two threads with findings (the third one has none)
    assert out.count("total:") == 1
    assert out.rstrip().splitlines()[-1].startswith("total: 0 errors, 2 warnings, 0 checks, 3 patches in 3 series")


def test_notes_of_series_without_findings_are_counted_not_listed(many, tmp_path):
    data = fprepo.format_patch(many, "-2", "--stdout", "HEAD~1")  # 2 patches, 2 findings
    # a series of two of which only the clean 1/2 came
    clean = fprepo.format_patch(many, "-1", "--stdout", "HEAD").replace(b"[PATCH]", b"[PATCH 1/2]")
    out = run("review", "-", stdin=data + clean).out
    assert "NOTE: 1 note on series without findings (-v lists them)" in out
    verbose = run("review", "-v", "-", stdin=data + clean).out
    assert "NOTE: series incomplete: patch(es) 2 of 2 missing" in verbose


def test_progress_line_on_a_terminal_for_large_input(many, tmp_path):
    data = b"".join(fprepo.format_patch(many, "-1", "--stdout", f"HEAD~{k}") for k in range(0, N + 1))
    data = data * 4  # 124 one-patch threads: large
    master, slave = pty.openpty()
    proc = subprocess.run([str(CONSOLE), "review", "-q", "-"], input=data, stdout=subprocess.PIPE,
                          stderr=slave, timeout=300, check=False)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    assert proc.returncode == 1
    assert re.search(rb"\rreviewing 124/124 series \(100\.0%\)", err), err[-300:]
    assert b"reviewing" not in proc.stdout
    piped = subprocess.run([str(CONSOLE), "review", "-q", "-"], input=data, capture_output=True, timeout=300,
                           check=False)
    assert piped.stderr == b""  # not a terminal: no progress


def test_noise_mbox_report_is_short_and_traceable():
    """2,059 ordinary patches from 18 lists: the report used to be 3,668 lines (a `total:`
    per thread, 1,501 incomplete notes).  Now one header per thread with findings, one total."""
    from pathlib import Path

    from tests.helpers import SHARED

    mbox = Path(os.environ.get("REVIEWBOT_SHARED") or SHARED) / "corpus/noise/patches.mbox"
    if not mbox.is_file():
        pytest.skip(f"{mbox} is missing (../shared beside the checkout)")
    res = run("review", "-q", str(mbox))
    lines = res.out.splitlines()
    assert len(lines) < 100, res.out
    assert res.out.count("total:") == 1 and re.match(r"total: \d+ errors, \d+ warnings, \d+ checks, 2059 patches in "
                                                      r"\d+ series", lines[-1])
    assert re.search(r"^NOTE: \d+ notes on series without findings \(-v lists them\)$", res.out, re.M)
    heads = re.findall(r"(?m)^(WARNING|ERROR|CHECK):", res.out)
    under = re.findall(r"(?m)^Series \(.*\n=+\n(?:(?:WARNING|ERROR|CHECK):.*\n#\d+: FILE: .*\n[-+].*\n\n)+", res.out)
    assert heads and sum(b.count("#") for b in under) >= len(heads)  # each finding under its thread's header
