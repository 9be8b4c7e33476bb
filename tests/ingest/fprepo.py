"""A small kernel-style git repository whose commits give findings, and its format-patch output.

Three commits on a base, each adding a self-pin (MOD001) to its own file, so every patch of a
`git format-patch` of the range has exactly one finding, at a known line:

  1/3 foo: pin the module in foo_open     drivers/foo/foo_a.c:FINDING_LINE
  2/3 foo: pin the module in foo_read     drivers/foo/foo_b.c:FINDING_LINE
  3/3 foo: pin the module in foo_write    drivers/foo/foo_c.c:FINDING_LINE
"""

from __future__ import annotations

import subprocess
from pathlib import Path

NAMES = ("a", "b", "c")
VERBS = ("open", "read", "write")
FINDING_LINE = 6


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def source(verb: str, pinned: bool) -> str:
    pin = "\tif (!try_module_get(THIS_MODULE))\n\t\treturn -ENODEV;\n" if pinned else ""
    return ("// SPDX-License-Identifier: GPL-2.0\n#include <linux/module.h>\n\n"
            f"static int foo_{verb}(struct inode *inode, struct file *file)\n{{\n"
            f"{pin}\treturn 0;\n}}\n")


def build(root: Path, author: str = "A U Thor <author@example.org>") -> Path:
    """The repository at root/repo: a base commit and one commit per NAMES."""
    repo = root / "repo"
    (repo / "drivers/foo").mkdir(parents=True)
    git(repo, "init", "-q")
    for name, verb in zip(NAMES, VERBS):
        (repo / f"drivers/foo/foo_{name}.c").write_text(source(verb, False))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "foo: base")
    for name, verb in zip(NAMES, VERBS):
        (repo / f"drivers/foo/foo_{name}.c").write_text(source(verb, True))
        git(repo, "commit", "-q", "-a", f"--author={author}", "-m",
            f"foo: pin the module in foo_{verb}\n\nThe device may go away.\n\nSigned-off-by: {author}")
    return repo


def format_patch(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "format-patch", *args], cwd=repo, check=True, capture_output=True).stdout


def build_many(root: Path, n: int) -> Path:
    """A repository with a base and `n` commits, commit i adding a self-pin to foo_i.c (at
    FINDING_LINE), then one more commit that inserts three lines at the top of foo_1.c (so
    the finding of commit 1 is three lines lower at the tip)."""
    repo = root / "many"
    (repo / "drivers/foo").mkdir(parents=True)
    git(repo, "init", "-q")
    for i in range(1, n + 1):
        (repo / f"drivers/foo/foo_{i}.c").write_text(source(f"op{i}", False))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "foo: base")
    for i in range(1, n + 1):
        (repo / f"drivers/foo/foo_{i}.c").write_text(source(f"op{i}", True))
        git(repo, "commit", "-q", "-a", "-m", f"foo: pin the module in foo_op{i}\n\nSigned-off-by: A <a@example.org>")
    path = repo / "drivers/foo/foo_1.c"
    path.write_text("/*\n * foo: the first file\n */\n" + path.read_text())
    git(repo, "commit", "-q", "-a", "-m", "foo: describe foo_1.c\n\nSigned-off-by: A <a@example.org>")
    return repo
