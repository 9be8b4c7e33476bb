"""The one place that maps a finding to a commentable diff position (forges, inline comments).

A line can carry an inline comment only if the diff shows it inside a hunk.  GitHub wants
``side`` RIGHT (added or context line, new-file number) or LEFT (removed line, old-file
number); GitLab wants ``new_line`` for an added line, ``old_line`` for a removed one and both
for an unchanged context line (reviewdog's ``getOldPosition``).  Anything else is not
commentable and goes to the summary.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewbot.model import DiffLine, FileDiff, Finding, Series, Side


@dataclass(frozen=True, slots=True)
class Position:
    path: str  # new path
    old_path: str  # old path (== path unless renamed; == path for a new file)
    kind: str  # '+', '-' or ' '
    old_line: int | None
    new_line: int | None

    @property
    def github_side(self) -> str:
        return "LEFT" if self.kind == "-" else "RIGHT"

    @property
    def github_line(self) -> int:
        return self.old_line if self.kind == "-" else self.new_line  # type: ignore[return-value]

    def gitlab_lines(self) -> dict[str, int]:
        """new_line for '+', old_line for '-', both for context (GitLab's rule)."""
        if self.kind == "+":
            return {"new_line": self.new_line}
        if self.kind == "-":
            return {"old_line": self.old_line}
        return {"old_line": self.old_line, "new_line": self.new_line}


class DiffMap:
    """Index of (path, side, line number) -> the diff line that shows it."""

    def __init__(self, files: tuple[FileDiff, ...] | list[FileDiff]):
        self._index: dict[tuple[str, Side, int], Position] = {}
        for fd in files:
            old_path = fd.old_path or fd.path
            for ln in fd.lines():
                pos = _position(fd.path, old_path, ln)
                if ln.new_no is not None:
                    self._index.setdefault((fd.path, Side.NEW, ln.new_no), pos)
                if ln.old_no is not None:
                    self._index.setdefault((fd.path, Side.OLD, ln.old_no), pos)
                    if old_path != fd.path:
                        self._index.setdefault((old_path, Side.OLD, ln.old_no), pos)

    @classmethod
    def for_series(cls, series: Series) -> "DiffMap":
        return cls([fd for p in series.patches for fd in p.files])

    def position(self, finding: Finding) -> Position | None:
        """Where the finding can be commented inline, or None (summary only)."""
        if finding.path is None or finding.line is None:
            return None
        return self.lookup(finding.path, finding.side, finding.line)

    def lookup(self, path: str, side: Side, line: int) -> Position | None:
        return self._index.get((path, side, line))


def _position(path: str, old_path: str, ln: DiffLine) -> Position:
    return Position(path=path, old_path=old_path, kind=ln.kind, old_line=ln.old_no, new_line=ln.new_no)
