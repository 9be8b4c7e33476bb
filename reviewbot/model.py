"""Core data types: a Series of Patches, each Patch's diff as FileDiffs, and Findings.

Everything here is frozen or treated as read-only after construction; checks receive these
objects and must not mutate them.
"""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from reviewbot.rules import Rule


class Level(enum.Enum):
    """checkpatch's words.  CHECK is off by default, as in checkpatch without --strict."""

    ERROR = "ERROR"
    WARNING = "WARNING"
    CHECK = "CHECK"

    @property
    def rank(self) -> int:
        return {"ERROR": 0, "WARNING": 1, "CHECK": 2}[self.value]


class Confidence(enum.Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"high": 0, "medium": 1, "low": 2}[self.value]


class Scope(enum.Enum):
    HUNK = "hunk"
    PATCH = "patch"
    SERIES = "series"


class Side(enum.Enum):
    NEW = "new"
    OLD = "old"


C_SUFFIXES = (".c", ".h")


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a hunk.  kind is '+', '-' or ' '."""

    kind: str
    text: str
    old_no: int | None
    new_no: int | None

    @property
    def added(self) -> bool:
        return self.kind == "+"

    @property
    def removed(self) -> bool:
        return self.kind == "-"


@dataclass(frozen=True, slots=True)
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    section: str  # the text after @@ ... @@: usually the enclosing function header
    lines: tuple[DiffLine, ...]
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # sides, once

    def new_side(self) -> list[DiffLine]:
        """Context and added lines: the post-image fragment this hunk shows."""
        got = self._memo.get("new")  # inline memo: called about ten times per hunk
        if got is None:
            got = self._memo["new"] = tuple([ln for ln in self.lines if ln.kind != "-"])
        return list(got)

    def old_side(self) -> list[DiffLine]:
        """Context and removed lines: the pre-image fragment this hunk shows."""
        got = self._memo.get("old")
        if got is None:
            got = self._memo["old"] = tuple([ln for ln in self.lines if ln.kind != "+"])
        return list(got)


@dataclass(frozen=True, slots=True)
class FileDiff:
    """One file of a patch (the view of one file a check reads)."""

    path: str  # target path (source path for a deleted file)
    old_path: str | None
    hunks: tuple[Hunk, ...]
    is_new: bool = False
    is_deleted: bool = False
    is_rename: bool = False
    is_binary: bool = False
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # added/removed, once

    @property
    def is_c(self) -> bool:
        return self.path.endswith(C_SUFFIXES)

    def lines(self) -> Iterator[DiffLine]:
        for h in self.hunks:
            yield from h.lines

    def added(self) -> list[DiffLine]:
        return list(_of_kind(self, "+"))

    def removed(self) -> list[DiffLine]:
        return list(_of_kind(self, "-"))


def _of_kind(fd: FileDiff, kind: str) -> tuple[DiffLine, ...]:
    """The lines of `fd` of one kind, in diff order: computed once per file (it never changes)."""
    got = fd._memo.get(kind)
    if got is None:
        got = fd._memo[kind] = tuple([ln for h in fd.hunks for ln in h.lines if ln.kind == kind])
    return got


@dataclass(frozen=True, slots=True)
class Patch:
    """One patch of a series: mail metadata, commit message, notes below '---', parsed diff."""

    index: int  # 1-based position in the series (0 = cover letter, never reviewed)
    subject: str
    msgid: str | None
    author: str
    message: str  # the commit message (above '---')
    notes: str  # the part below '---' before the diff (diffstat, changelog, directives)
    diff: str
    files: tuple[FileDiff, ...]
    problems: tuple[str, ...] = ()  # files of the diff that could not be read (skipped)
    origin: str = ""  # the file (or '<stdin>') the mail was read from
    diff_line: int | None = None  # line of `origin` where the diff starts (1-based), if known
    commit: str | None = None  # the commit id `git format-patch` wrote in its `From <sha>` line

    @property
    def c_files(self) -> tuple[FileDiff, ...]:
        return tuple(f for f in self.files if f.is_c and not f.is_binary)


@dataclass(frozen=True, slots=True)
class Series:
    subject: str
    msgid: str | None
    revision: int
    base: str | None
    patches: tuple[Patch, ...]
    cover: str = ""  # cover letter body, if any
    change_id: str | None = None
    notes: tuple[str, ...] = ()
    source: str = ""  # what the user named (file, Message-Id, range) for messages
    expected: int | None = None  # the n of [PATCH k/n] (None: not a numbered series)
    missing: tuple[int, ...] = ()  # indices k of [PATCH k/n] that did not arrive

    @property
    def complete(self) -> bool:
        """Every patch of [PATCH k/n] arrived (a lone cover letter is not a complete series)."""
        return bool(self.patches) and not self.missing


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule's verdict on one changed line.  The message never contains the location."""

    rule: "Rule"
    path: str | None
    line: int | None
    message: str
    side: Side = Side.NEW
    text: str = ""  # the flagged line's text (for fingerprint and quoting)
    confidence: Confidence | None = None  # None: the rule's default
    level: Level | None = None  # None: the rule's default
    patch_index: int = 0
    patch_msgid: str | None = None
    patch_subject: str = ""
    suppressed: str | None = None  # reason, when an author directive suppresses it
    diff_kind: str = ""  # the diff line it sits on: '+', '-' or ' ' (the engine sets it; '': none known)

    @property
    def effective_level(self) -> Level:
        return self.level or self.rule.level

    @property
    def effective_confidence(self) -> Confidence:
        return self.confidence or self.rule.confidence

    @property
    def fingerprint(self) -> str:
        """Stable across re-runs and new revisions: no line number in it."""
        norm = re.sub(r"\s+", " ", self.text).strip()
        key = "\0".join((self.rule.id, self.path or "", norm, self.message))
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def sort_key(self) -> tuple:
        return (self.patch_index, self.path or "", self.line or 0, self.side.value, self.rule.id, self.message)


@dataclass(frozen=True, slots=True)
class Review:
    """The result of running the checks over one Series."""

    series: Series
    context: str  # "tree" | "hunks"
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = field(default=())

    def shown(self, include_low: bool = False, include_check: bool = True) -> list[Finding]:
        """What is reported by default: not suppressed, not low confidence (reviewbot.filter)."""
        from reviewbot.filter import Policy

        return Policy(min_level=Level.CHECK if include_check else Level.WARNING,
                      include_low=include_low).shown(self.findings)
