"""deploy/hooks/pre-commit and pre-push, run by git itself in a scratch repository."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import pytest

from tests.helpers import ROOT

HOOKS = ROOT / "deploy" / "hooks"
CLEAN = "int x;\n"
SELF_PIN = ("int x;\nstatic ssize_t reset_store(struct device *dev)\n{\n"
            "\tif (!try_module_get(THIS_MODULE))\n\t\treturn -ENODEV;\n\treturn 0;\n}\n")


def git(repo, *args, **kw):
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, **kw)


@pytest.fixture
def repo(tmp_path):
    origin = tmp_path / "origin.git"
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    (work / "drivers").mkdir()
    (work / "drivers" / "foo.c").write_text(CLEAN)
    git(work, "add", ".", check=True)
    git(work, "commit", "-qm", "foo: initial", check=True)
    git(work, "remote", "add", "origin", str(origin), check=True)
    git(work, "push", "-q", "origin", "HEAD:refs/heads/master", check=True)
    git(work, "config", "core.hooksPath", str(HOOKS), check=True)
    return work


@pytest.fixture(autouse=True)
def reviewbot_cmd(monkeypatch):
    monkeypatch.setenv("REVIEWBOT", f"{shlex.quote(sys.executable)} -m reviewbot.cli")
    monkeypatch.delenv("REVIEWBOT_HOOK", raising=False)


def test_hooks_are_executable_shell():
    for name in ("pre-commit", "pre-push"):
        assert os.access(HOOKS / name, os.X_OK)
        subprocess.run(["sh", "-n", str(HOOKS / name)], check=True)


def test_pre_commit_blocks_a_self_pin_and_passes_clean_changes(repo, monkeypatch):
    (repo / "drivers" / "foo.c").write_text(SELF_PIN)
    git(repo, "add", ".", check=True)
    blocked = git(repo, "commit", "-qm", "foo: pin")
    assert blocked.returncode == 1
    assert "drivers/foo.c:4: WARNING:MOD001: " in blocked.stdout + blocked.stderr  # git: hook stdout -> stderr
    assert "git commit --no-verify" in blocked.stderr
    monkeypatch.setenv("REVIEWBOT_HOOK", "warn")
    assert git(repo, "commit", "-qm", "foo: pin").returncode == 0
    (repo / "README").write_text("docs only\n")
    git(repo, "add", ".", check=True)
    monkeypatch.delenv("REVIEWBOT_HOOK")
    assert git(repo, "commit", "-qm", "docs").returncode == 0


def test_pre_push_reviews_the_outgoing_range(repo):
    (repo / "drivers" / "foo.c").write_text(SELF_PIN)
    git(repo, "add", ".", check=True)
    git(repo, "commit", "--no-verify", "-qm", "foo: pin the module", check=True)
    blocked = git(repo, "push", "origin", "HEAD:refs/heads/master")
    assert blocked.returncode != 0
    assert "WARNING:MOD001 module-self-pin" in blocked.stdout
    assert "reviewbot: reviewing " in blocked.stderr and "git push --no-verify" in blocked.stderr
    assert git(repo, "ls-remote", "origin", "refs/heads/master").stdout.split()[0] != \
        git(repo, "rev-parse", "HEAD").stdout.strip()
    # A new branch is compared with the remote's master; a fix on top is still blocked for the range.
    git(repo, "fetch", "-q", "origin", check=True)
    new_branch = git(repo, "push", "origin", "HEAD:refs/heads/topic")
    assert new_branch.returncode != 0 and "WARNING:MOD001" in new_branch.stdout


def test_pre_push_lets_clean_ranges_through(repo):
    (repo / "drivers" / "foo.c").write_text(CLEAN + "int y;\n")
    git(repo, "add", ".", check=True)
    git(repo, "commit", "-qm", "foo: add y", check=True)
    pushed = git(repo, "push", "-q", "origin", "HEAD:refs/heads/master")
    assert pushed.returncode == 0, pushed.stderr
