"""Walk the epoch repositories of a public-inbox v2 inbox with GitPython.

An inbox directory holds git/0.git, git/1.git, ... (a new epoch appears when the previous one
reaches ~1 GB).  Every message is one commit on refs/heads/master whose tree has one blob:
`m` (the raw message) or `d` (a deletion record).  `public-inbox-purge` rewrites history and
leaves an empty `m` in place of the purged message, so an old cursor stops being an ancestor
of the tip: then the epoch is replayed from the start and the caller skips what it has seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import git


@dataclass(frozen=True)
class Mail:
    epoch: int
    commit: str
    blob: str
    raw: bytes
    arrived: float  # committer time: when the archive took the message


def epochs(inbox: Path) -> list[tuple[int, Path]]:
    """(N, path) of every git/N.git, in ascending N."""
    gitdir = inbox / "git"
    out = []
    if gitdir.is_dir():
        for p in gitdir.iterdir():
            m = re.fullmatch(r"(\d+)\.git", p.name)
            if m and p.is_dir():
                out.append((int(m.group(1)), p))
    return sorted(out)


def is_inbox(path: Path) -> bool:
    return bool(epochs(path))


def tip(repo: git.Repo) -> str | None:
    try:
        return repo.commit("refs/heads/master").hexsha
    except (ValueError, git.BadName, git.GitCommandError):
        return None


def needs_replay(repo: git.Repo, cursor: str | None, head: str) -> bool:
    """True when the cursor is gone or no longer an ancestor of the tip (history rewritten)."""
    if cursor is None:
        return False
    try:
        return not repo.is_ancestor(cursor, head)
    except git.GitCommandError:  # the cursor commit no longer exists
        return True


def walk(repo: git.Repo, epoch: int, cursor: str | None, replay: bool) -> Iterator[Mail]:
    """Commits after `cursor` (all of them when replaying), oldest first.

    Deletion records and purged messages come with raw=b"" so the cursor can move past them.
    """
    head = tip(repo)
    if head is None or head == cursor and not replay:
        return
    rev = head if (cursor is None or replay) else f"{cursor}..{head}"
    for commit in repo.iter_commits(rev, reverse=True, first_parent=True):
        tree = commit.tree
        try:
            blob = tree["m"]
        except KeyError:  # 'd': a deletion record, or an unexpected tree
            yield Mail(epoch=epoch, commit=commit.hexsha, blob="", raw=b"", arrived=float(commit.committed_date))
            continue
        raw = blob.data_stream.read()
        if not raw.strip():  # purged: an empty m
            raw = b""
        yield Mail(epoch=epoch, commit=commit.hexsha, blob=blob.hexsha, raw=raw,
                   arrived=float(commit.committed_date))
