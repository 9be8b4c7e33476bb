"""A pull/merge request's diff as a reviewbot Series (one Patch: the whole PR against its base).

The PR title is the subject, the description the commit message; ``reviewbot-ignore:`` lines in
the description are applied by the job (``suppress.apply(review, extra_text=body)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewbot.diffparse import DiffError, parse_diff_lenient
from reviewbot.model import Patch, Series


@dataclass(frozen=True)
class FileChange:
    """One file of a PR as the list APIs give it (GitHub /files, GitLab /diffs)."""

    old_path: str
    new_path: str
    patch: str | None  # the hunks ('@@ ...' onwards); None: binary or too large to show
    new: bool = False
    deleted: bool = False


def unified(changes: list[FileChange]) -> tuple[str, list[str]]:
    """Rebuild a `git diff` text from per-file hunks; files without hunks are listed as skipped."""
    out: list[str] = []
    skipped: list[str] = []
    for c in changes:
        if not c.patch or not c.patch.lstrip().startswith("@@"):
            if c.patch is None or c.patch.strip():
                skipped.append(f"{c.new_path}: no diff from the API (binary or too large): not reviewed")
            continue
        old = "/dev/null" if c.new else f"a/{c.old_path}"
        new = "/dev/null" if c.deleted else f"b/{c.new_path}"
        out.append(f"diff --git a/{c.old_path} b/{c.new_path}\n")
        if c.new:
            out.append("new file mode 100644\n")
        elif c.deleted:
            out.append("deleted file mode 100644\n")
        out.append(f"--- {old}\n+++ {new}\n")
        body = c.patch if c.patch.endswith("\n") else c.patch + "\n"
        out.append(body)
    return "".join(out), skipped


def to_series(*, title: str, body: str, author: str, base_sha: str | None, diff_text: str,
              source: str, notes: tuple[str, ...] = ()) -> Series:
    try:
        files, problems = parse_diff_lenient(diff_text)
    except DiffError as exc:
        files, problems = (), (f"diff not readable: {exc}",)
    patch = Patch(index=1, subject=title, msgid=None, author=author, message=body or "", notes="",
                  diff=diff_text, files=files, problems=tuple(problems))
    return Series(subject=title, msgid=None, revision=1, base=base_sha, patches=(patch,),
                  notes=tuple(notes), source=source)
