"""Dispatch what the user names on the command line to the right source.

SOURCE is '-' (stdin), a .patch/.eml/.mbox file, a directory of .patch files, a Message-Id or a
lore URL.  `--git REV_RANGE [--repo DIR]` turns each commit of a git range into a patch.
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from pathlib import Path

from reviewbot.errors import InputError
from reviewbot.ingest import b4 as b4src
from reviewbot.model import Series

_MSGID = re.compile(r"^<?[^\s<>/@]+@[^\s<>/@]+>?$")


def looks_like_msgid(arg: str) -> bool:
    return bool(_MSGID.match(arg)) or arg.startswith(("http://", "https://"))


def _read(path: Path, source: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(source, exc.strerror or str(exc)) from None
    _not_binary(data, source)
    return data


def _not_binary(data: bytes, source: str) -> None:
    if b"\0" in data[:8192]:
        raise InputError(source, "binary file, not a patch or mailbox")


def load(arg: str, revision: int | None = None, midmask: str | None = None,
         errors: list[InputError] | None = None) -> list[Series]:
    """Series from one SOURCE.  Damaged threads of a multi-series mbox go to `errors`."""
    local = read_local(arg)
    if local is not None:
        return b4src.series_from_messages(local[0], local[1], revision, errors)
    if looks_like_msgid(arg):
        return [b4src.series_from_msgid(arg, revision=revision, midmask=midmask)]
    raise InputError(arg, "no such file, directory or Message-Id")


def read_local(arg: str) -> tuple[list, str] | None:
    """(messages, source name) of stdin, a file or a directory; None for anything else."""
    if arg == "-":
        if sys.stdin is None:  # `<&-`
            raise InputError("<stdin>", "closed: nothing to read")
        data = sys.stdin.buffer.read()
        _not_binary(data, "<stdin>")
        return b4src.split_mbox(data, "<stdin>"), "<stdin>"
    path = Path(arg)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".patch", ".eml", ".mbox", ".diff") and p.is_file())
        if not files:
            raise InputError(arg, "directory contains no .patch/.eml/.mbox files")
        parse = b4src.mail_parser()  # one for all the files: a header value they share is parsed once
        return [msg for p in files for msg in b4src.split_mbox(_read(p, str(p)), str(p), parse)], arg
    if path.exists():
        return b4src.split_mbox(_read(path, arg), arg), arg
    return None


def load_git(rev_range: str, repo: str | None) -> list[Series]:
    """Each commit of REV_RANGE becomes a patch (git format-patch through GitPython)."""
    import git  # GitPython

    where = repo or "."
    try:
        r = git.Repo(where, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise InputError(where, "not a git repository") from None
    if ".." not in rev_range:
        rev_range = f"{rev_range}..HEAD" if rev_range else "HEAD~1..HEAD"
    start = rev_range.split("..", 1)[0].rstrip(".") or "HEAD"
    try:
        base = r.git.merge_base(start, rev_range.split("..", 1)[1].lstrip(".") or "HEAD")
        mbox = r.git.format_patch("--stdout", "--no-signature", "--thread=shallow", "--numbered", "--notes",
                                  rev_range, stdout_as_string=False)
    except git.GitCommandError as exc:
        raise InputError(rev_range, _git_error(exc)) from None
    if not mbox.strip():
        raise InputError(rev_range, "no commits in this range")
    series = b4src.series_from_mbox_bytes(mbox, rev_range)
    return [replace(s, base=s.base or base, source=rev_range) for s in series]


def _git_error(exc) -> str:
    """git's own message from a GitPython GitCommandError (its stderr is wrapped in quotes)."""
    text = re.sub(r"^\s*stderr: '(.*)'\s*$", r"\1", str(exc.stderr or ""), flags=re.S)
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    return (fatal or lines or ["git format-patch failed"])[0]
