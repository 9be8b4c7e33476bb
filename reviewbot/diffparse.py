"""Parse a patch's diff text into FileDiffs with unidiff.

Handles renames, new/deleted files, binary patches, CRLF mail and '\\ No newline at end of
file'.  Hunk line counts are checked strictly by unidiff: a truncated hunk is an error.
"""

from __future__ import annotations

import gc
import re
import threading
import types

import unidiff.patch
from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from reviewbot.model import DiffLine, FileDiff, Hunk

_DIFF_START = re.compile(r"^(diff --git |--- \S|Index: )", re.M)


class DiffError(ValueError):
    pass


def diff_offset(body: str) -> int | None:
    """Where the diff part of a patch body starts (a character offset), or None."""
    m = _DIFF_START.search(body)
    return m.start() if m else None


def find_diff(body: str) -> str:
    """The diff part of a patch body ('' when there is none)."""
    m = _DIFF_START.search(body)
    if not m:
        return ""
    text = body[m.start():]
    # A signature ('-- \n') after the last hunk is not part of the diff: from the first such
    # line to the end (what `re.sub(r"\n-- \n(?:.*\n?)*\Z", "\n", text)` removes; that
    # pattern matches any rest of the text, and a search for its start is quicker).
    cut = text.find("\n-- \n")
    if cut >= 0:
        text = text[:cut] + "\n"
    return text


def _strip_prefix(path: str | None) -> str | None:
    if path is None or path == "/dev/null":
        return None
    if path.startswith(("a/", "b/")):
        return path[2:]
    return path


def parse_diff(diff_text: str) -> tuple[FileDiff, ...]:
    """Parse a unified diff.  Raises DiffError on a malformed diff."""
    files, problems = parse_diff_lenient(diff_text)
    if problems:
        raise DiffError(problems[0])
    return files


def parse_diff_lenient(diff_text: str) -> tuple[tuple[FileDiff, ...], tuple[str, ...]]:
    """Parse a diff file by file: a damaged file is reported, the others are kept.

    Raises DiffError only when no file at all can be read.
    """
    if not diff_text.strip():
        return (), ()
    text = diff_text.replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    try:
        return _parse(text), ()
    except DiffError as whole:
        chunks = [c for c in re.split(r"(?m)^(?=diff --git )", text) if c.startswith("diff --git ")]
        if len(chunks) < 2:
            raise whole
    files: list[FileDiff] = []
    problems: list[str] = []
    for chunk in chunks:
        try:
            files.extend(_parse(chunk))
        except DiffError as exc:
            problems.append(str(exc))
    if not files:
        raise DiffError(problems[0])
    return tuple(files), tuple(problems)


# unidiff's words -> what the author of the patch can act on
_REASONS = (
    ("Hunk is shorter than expected", "a hunk ends before the line counts of its @@ header "
                                      "(truncated diff or wrong hunk counts)"),
    ("Hunk is longer than expected", "a hunk has more lines than its @@ header says (wrong hunk counts)"),
    ("Hunk diff line expected", "unexpected line inside a hunk (wrong hunk counts?)"),
)


def _file_name(text: str) -> str | None:
    m = re.search(r"^diff --git a/\S+ b/(\S+)|^\+\+\+ (?:b/)?(\S+)", text, re.M)
    if not m:
        return None
    return m.group(1) or m.group(2)


def _malformed(text: str, exc: Exception) -> DiffError:
    raw = " ".join(str(exc).split())
    reason = next((why for key, why in _REASONS if raw.startswith(key)), raw or exc.__class__.__name__)
    if reason.startswith("unexpected line") and ":" in raw:
        reason += ": " + repr(raw.split(":", 1)[1].strip()[:60])  # repr: no control characters
    name = _file_name(text)
    return DiffError(f"{name}: malformed diff: {reason}" if name else f"malformed diff: {reason}")


_KINDS = frozenset("+- ")
_UNIDIFF_PARSE_HUNK = unidiff.patch.PatchedFile._parse_hunk


def _parse_hunk(self, header: str, diff, encoding, metadata_only: bool) -> None:
    """unidiff's PatchedFile._parse_hunk without a regular expression and a Line object per
    line: the hunk's lines become reviewbot's DiffLines (kind, text without its line end, old
    and new line number), kept as a tuple on the hunk (`_rb_lines`), and the same errors are
    raised at the same lines.  ('\\ No newline at end of file' and the empty lines after a
    hunk, which unidiff appends as Lines of their own, are not part of a DiffLine hunk.)  The
    per-line work of the load was mostly here (a patch of 100,000 hunks: 800,000 lines).
    tests/ingest/test_diffparse_fast.py compares the result with unidiff's on every diff
    under tests/data."""
    if encoding is not None or metadata_only:
        return _UNIDIFF_PARSE_HUNK(self, header, diff, encoding, metadata_only)
    hunk = unidiff.patch.Hunk(*unidiff.patch.RE_HUNK_HEADER.match(header).groups())
    src, tgt = hunk.source_start, hunk.target_start
    src_end, tgt_end = src + hunk.source_length, tgt + hunk.target_length
    # A DiffLine as its __init__ makes it, its four slots set directly (it is frozen).
    new_obj, set_kind, set_text, set_old, set_new = _MAKE_LINE
    body: list[DiffLine] = []
    add = body.append
    for _, line in diff:
        kind = line[:1]
        if kind == " ":
            old, new = src, tgt
            src += 1
            tgt += 1
        elif kind == "+":
            old, new = None, tgt
            tgt += 1
        elif kind == "-":
            old, new = src, None
            src += 1
        elif kind == "\\":  # '\\ No newline at end of file': not a line of either side
            if src > src_end or tgt > tgt_end:
                raise UnidiffParseError("Hunk is longer than expected")
            if src == src_end and tgt == tgt_end:
                break
            continue
        elif kind == "\r" or kind == "\n":  # RE_HUNK_EMPTY_BODY_LINE: an empty context line
            kind, line = " ", " "
            old, new = src, tgt
            src += 1
            tgt += 1
        else:
            raise UnidiffParseError("Hunk diff line expected: %s" % line)
        if src > src_end or tgt > tgt_end:
            raise UnidiffParseError("Hunk is longer than expected")
        d = new_obj(DiffLine)
        set_kind(d, kind)
        # the line's end: StringIO splits at "\n" only, so this is rstrip("\n").rstrip("\r")
        set_text(d, line[1:].rstrip("\r\n"))
        set_old(d, old)
        set_new(d, new)
        add(d)
        if src == src_end and tgt == tgt_end:
            break
    if src < src_end or tgt < tgt_end:
        raise UnidiffParseError("Hunk is shorter than expected")
    hunk._rb_lines = tuple(body)
    self.append(hunk)


_MAKE_LINE = (object.__new__, DiffLine.kind.__set__, DiffLine.text.__set__,  # type: ignore[attr-defined]
              DiffLine.old_no.__set__, DiffLine.new_no.__set__)  # type: ignore[attr-defined]


class _QuickFile(unidiff.patch.PatchedFile):
    _parse_hunk = _parse_hunk


# unidiff's own PatchSet._parse (files, headers, renames, binary markers) making _QuickFiles:
# the same code with `PatchedFile` bound to the subclass.  unidiff itself is left as it is
# (other code in the process, the tests' fake forges, parse with it).
_parse_files = types.FunctionType(PatchSet._parse.__code__,
                                  dict(PatchSet._parse.__globals__, PatchedFile=_QuickFile),
                                  "_parse", PatchSet._parse.__defaults__, PatchSet._parse.__closure__)


class _QuickSet(PatchSet):
    _parse = _parse_files


def _parse(text: str) -> tuple[FileDiff, ...]:
    """The files of a diff.  The cyclic garbage collector is paused meanwhile: a parse makes
    only objects that live on (a line each; no cycles), which the collector would walk again
    and again (100,000 hunks: 800,000 lines, a sixth of the parse).  Only in the main thread:
    a service parses in several threads, and one that saw the collector paused by another (so
    would not enable it again) but paused it only after the other had enabled it would leave
    it off for good."""
    paused = gc.isenabled() and threading.current_thread() is threading.main_thread()
    if paused:
        gc.disable()
    try:
        return _parse_files_of(text)
    finally:
        if paused:
            gc.enable()


def _parse_files_of(text: str) -> tuple[FileDiff, ...]:
    try:
        ps = _QuickSet(text)
    except Exception as exc:  # UnidiffParseError, and assorted errors on garbage
        raise _malformed(text, exc) from None
    files = []
    for pf in ps:
        src = _strip_prefix(pf.source_file)
        tgt = _strip_prefix(pf.target_file)
        path = tgt or src or pf.path
        hunks = []
        for h in pf:
            # DiffLines from _parse_hunk; Lines only from unidiff's own parser (not used here)
            lines = getattr(h, "_rb_lines", None)
            if lines is None:
                lines = tuple([DiffLine(ln.line_type, ln.value.rstrip("\n").rstrip("\r"), ln.source_line_no,
                                        ln.target_line_no) for ln in h if ln.line_type in _KINDS])
            hunks.append(Hunk(old_start=h.source_start, old_len=h.source_length,
                              new_start=h.target_start, new_len=h.target_length,
                              section=(h.section_header or "").strip(), lines=lines))
        files.append(FileDiff(path=path, old_path=src, hunks=tuple(hunks),
                              is_new=pf.is_added_file, is_deleted=pf.is_removed_file,
                              is_rename=bool(getattr(pf, "is_rename", False)) or (src is not None and tgt is not None and src != tgt),
                              is_binary=bool(getattr(pf, "is_binary_file", False))))
    if not files:
        raise DiffError("no file changes found in the diff")
    return tuple(files)
