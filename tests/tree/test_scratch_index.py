"""The scratch index tree mode writes itself (no `git update-index` process per series) is the
index git writes for the same entries, byte for byte, and git reads it back."""

from __future__ import annotations

import os
import subprocess

from reviewbot.tree.apply import write_index
from tests.tree.conftest import GIT_ENV


def _git(repo, *args, env=None, stdin=None):
    return subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV, **(env or {})}, input=stdin,
                          capture_output=True, check=True).stdout


def test_the_index_is_the_one_git_update_index_writes(tmp_path):
    repo = tmp_path / "repo"
    (repo / "drivers" / "foo").mkdir(parents=True)
    (repo / "drivers" / "foo" / "foo-core.c").write_text("int x;\n")
    (repo / "drivers" / "foo" / "Makefile").write_text("obj-m += foo.o\n")
    (repo / "include").mkdir()
    (repo / "include" / "foo.h").write_text("#define FOO 1\n")
    (repo / "scripts").mkdir()
    (repo / "scripts" / "run.sh").write_text("#!/bin/sh\n")
    (repo / "scripts" / "run.sh").chmod(0o755)
    (repo / "scripts" / "link").symlink_to("run.sh")
    (repo / "a-name-longer-than-eight-bytes-so-padding-varies.txt").write_text("x\n")
    _git(tmp_path, "init", "-q", str(repo))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    rows = [ln.split("\t") for ln in _git(repo, "ls-tree", "-r", "HEAD").decode().splitlines()]
    entries = [(path.encode(), int(meta.split()[0], 8), meta.split()[2]) for meta, path in rows]
    assert {m for _, m, _ in entries} == {0o100644, 0o100755, 0o120000}
    info = "".join(f"{m:o} {oid}\t{p.decode()}\0" for p, m, oid in entries).encode()
    theirs, mine = tmp_path / "index.git", tmp_path / "index.mine"
    _git(repo, "update-index", "--add", "-z", "--index-info", env={"GIT_INDEX_FILE": str(theirs)}, stdin=info)
    write_index(str(mine), entries[::-1])  # any order in, sorted out
    assert mine.read_bytes() == theirs.read_bytes()
    listed = _git(repo, "ls-files", "-s", env={"GIT_INDEX_FILE": str(mine)}).decode()
    assert listed == _git(repo, "ls-files", "-s", env={"GIT_INDEX_FILE": str(theirs)}).decode()
    assert len(listed.splitlines()) == len(entries)
