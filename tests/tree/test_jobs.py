"""`reviewbot review -j N --tree DIR` and `--git`: the same output as -j 1 (tests/cli/test_jobs.py
has the hunk-mode cases)."""

from __future__ import annotations

import re

from tests.cli.clirun import run_console


def _mbox(kernel_repo, tmp_path):
    names = sorted(kernel_repo.cases)
    assert len(names) > 8
    path = tmp_path / "cases.mbox"
    path.write_text("".join(kernel_repo.cases[n].mbox.rstrip("\n") + "\n\n" for n in names))
    return path


def test_tree_mode_j2_prints_what_j1_prints(kernel_repo, tmp_path):
    mbox = _mbox(kernel_repo, tmp_path)
    scratch = tmp_path / "tmp"  # where the processes' private directories go: empty at the end
    scratch.mkdir()
    for fmt in ("text", "json"):
        one = run_console("review", "--tree", str(kernel_repo.path), "--format", fmt, str(mbox),
                          env={"TMPDIR": str(scratch)})
        two = run_console("review", "-j", "2", "--tree", str(kernel_repo.path), "--format", fmt, str(mbox),
                          env={"TMPDIR": str(scratch)})
        assert one.rc == 1 and "tree" in one.out and one.out.count("MOD0") >= 4, one.err
        assert (two.rc, two.out, two.err) == (one.rc, one.out, one.err)
    assert list(scratch.iterdir()) == []  # the workers removed theirs too


def test_git_range_with_jobs(kernel_repo, tmp_path):
    mbox = _mbox(kernel_repo, tmp_path)
    args = ("--git", f"{kernel_repo.base}..series-2", "--repo", str(kernel_repo.path), "--format", "json",
            str(mbox))
    one = run_console("review", *args)
    two = run_console("review", "-j", "2", *args)
    assert one.rc == 1 and '"context": "tree"' in one.out, one.err

    def stable(text: str) -> str:  # git format-patch Message-Ids carry the time of the run
        return re.sub(r"\.\d+\.git\.", ".T.git.", text)

    assert (two.rc, stable(two.out), two.err) == (one.rc, stable(one.out), one.err)
