"""Mail and epoch builders for the watch tests.

- `patch_mail()` writes a list mail around a diff; `foo_diff()` makes a one-hunk diff whose
  added lines the test chooses (MOD001 fires on `try_module_get(THIS_MODULE)`).
- `Epoch` appends messages to a bare git/N.git with git plumbing, exactly as public-inbox
  lays them out (one commit per message, one blob `m`), for tests that need control over
  arrival times, duplicates or a new epoch without running the MDA.
"""

from __future__ import annotations

import email.utils
import subprocess
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "watch"
LIST_ADDR = "testlist@example.org"


def foo_diff(added: list[str], path: str = "drivers/foo/foo.c") -> str:
    body = "".join(f"+\t{line}\n" if line else "+\n" for line in added)
    return (f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
            f"@@ -10,5 +10,{5 + len(added)} @@ static int foo_open(struct inode *inode, struct file *file)\n"
            " {\n \tstruct foo *foo = inode->i_private;\n \n" + body +
            " \tfile->private_data = foo;\n \treturn 0;\n")


def patch_mail(msgid: str, subject: str, diff: str | None, *, frm: str = "Ann Author <ann@example.org>",
               refs: tuple[str, ...] = (), date: str | None = None, message: str = "Fix a thing.",
               notes: str = "") -> bytes:
    head = [f"From: {frm}", f"To: {LIST_ADDR}", f"Date: {date or email.utils.formatdate()}",
            f"Subject: {subject}", f"Message-Id: <{msgid}>"]
    if refs:
        head += [f"In-Reply-To: <{refs[-1]}>", "References: " + " ".join(f"<{r}>" for r in refs)]
    body = message + "\n"
    if diff is not None:
        body += "\nSigned-off-by: " + frm + "\n---\n" + (notes + "\n" if notes else "") + diff
    return ("\n".join(head) + "\n\n" + body).encode()


def zram_mail(msgid: str, subject: str = "[PATCH] zram: fix races of sysfs attribute removal and usage") -> bytes:
    """The real zram self-pin patch (MOD001 fires 4 times) as a list mail with a new identity."""
    raw = (DATA / "zram-sysfs-self-pin.patch").read_text()
    head, _, body = raw.partition("\n\n")
    keep = [ln for ln in head.splitlines() if ln.startswith(("From:", "Date:"))]
    return ("\n".join(keep + [f"To: {LIST_ADDR}", f"Subject: {subject}", f"Message-Id: <{msgid}>"])
            + "\n\n" + body).encode()


class Epoch:
    """A bare public-inbox v2 epoch repository written with git plumbing."""

    def __init__(self, inbox: Path, n: int = 0):
        self.path = inbox / "git" / f"{n}.git"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            self._git("init", "-q", "--bare", str(self.path), cwd=None)

    def _git(self, *args: str, input: bytes | None = None, cwd: Path | None | str = "repo", env=None) -> str:
        cmd = ["git"] + (["--git-dir", str(self.path)] if cwd == "repo" else []) + list(args)
        return subprocess.run(cmd, input=input, capture_output=True, check=True, env=env).stdout.decode().strip()

    def add(self, raw: bytes, when: float) -> str:
        import os

        blob = self._git("hash-object", "-w", "--stdin", input=raw)
        tree = self._git("mktree", input=f"100644 blob {blob}\tm\n".encode())
        try:
            parent = ["-p", self._git("rev-parse", "-q", "--verify", "refs/heads/master")]
        except subprocess.CalledProcessError:
            parent = []
        stamp = f"{int(when)} +0000"
        env = dict(os.environ, GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@example.org", GIT_AUTHOR_DATE=stamp,
                   GIT_COMMITTER_NAME="list", GIT_COMMITTER_EMAIL=LIST_ADDR, GIT_COMMITTER_DATE=stamp)
        commit = self._git("commit-tree", tree, *parent, "-m", "msg", env=env)
        self._git("update-ref", "refs/heads/master", commit)
        return commit
