"""Which mails form one series, when the mail itself does not say so by threading.

`git format-patch` without `--thread` (the default), a directory from `git format-patch -o`,
and patch files joined with `cat` carry no References/In-Reply-To: every patch is the root of
its own "thread".  b4 groups such mail the way a maintainer would: by the `[PATCH vN n/m]`
prefix (revision and total), the author, and a cover letter `0/m` of the same shape.  This
module does the same before b4's LoreMailbox sees the mail, so that `git format-patch -2
--stdout | reviewbot review -` is one series of two patches, not two halves each "missing"
the other.  A run of unthreaded numbered patches becomes one group until a patch number
repeats (the next series of the same shape), so a real gap (2/3 absent) is still reported.

It also finds the mail boundaries in text that has none: files saved from a mail client (or
`git format-patch` output with the `From <sha> ...` line cut off) joined into one stream.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Callable

_HEADER = re.compile(rb"^[!-9;-~]+:[ \t]")  # a header field line (RFC 5322 field name)
_CONT = re.compile(rb"^[ \t]+\S")  # a folded header continuation
_FROM_LINE = re.compile(rb"^From \S+.*\d\d:\d\d:\d\d.*\d{4}")  # liblore's mbox separator
_GT_FROM = re.compile(rb"^>+From ")
_SEPARATOR_LINE = re.compile(rb"(?m)^From \S+.*\d\d:\d\d:\d\d.*\d{4}")  # _FROM_LINE at any line start
_GT_FROM_LINES = re.compile(rb"(?m)^>(?=>*From )")  # _GT_FROM at any line start: its first `>`
_COMMIT_FROM = re.compile(rb"^From ([0-9a-f]{40}|[0-9a-f]{64}) Mon Sep 17 00:00:00 2001")
SEPARATOR = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
_PREFIX = re.compile(r"\[([^\]]*\bPATCH\b[^\]]*)\]", re.I)


def _header_block(lines: list[bytes], start: int) -> set[bytes] | None:
    """The lower-cased field names of a mail header block starting at lines[start], or None."""
    names: set[bytes] = set()
    for i in range(start, min(len(lines), start + 200)):
        line = lines[i].rstrip(b"\r\n")
        if not line:
            return names if len(names) >= 3 else None
        if _HEADER.match(line):
            names.add(line.split(b":", 1)[0].lower())
        elif not (_CONT.match(line) and names):
            return None
    return None


def _starts_mail(lines: list[bytes], i: int) -> bool:
    if not lines[i].startswith(b"From: "):
        return False
    names = _header_block(lines, i)
    return bool(names) and b"subject" in names and (b"date" in names or b"message-id" in names)


def separate(data: bytes) -> bytes:
    """Put an mbox `From ` line before each mail of text that has none between its mails.

    Only for input that is not an mbox already (it does not begin with `From `): a new mail
    starts at a `From:` line, at the top or after an empty line, that opens a header block
    with Subject and Date (or Message-Id): the start of a saved mail or of a `git
    format-patch` file without its first line.  A commit message quoting a `From:` line does
    not look like that.  A MIME mail (which may carry another mail as an attachment) is left
    whole.
    """
    if data.startswith(b"From ") or re.search(rb"(?im)^content-type:\s*(multipart|message)/", data):
        return data
    lines = data.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines)
              if line.startswith(b"From: ") and (i == 0 or not lines[i - 1].strip()) and _starts_mail(lines, i)]
    if len(starts) < 2:
        return data
    out = []
    for n, i in enumerate(starts):  # one separator line per mail, nothing else changed
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        out.append(SEPARATOR + b"".join(lines[(0 if n == 0 else i):end]))
    return b"".join(out)


@dataclass(frozen=True, slots=True)
class RawMail:
    data: bytes  # the mail, separator line removed, mboxrd `>From ` unquoted
    line: int  # line of the input where its first header line is (1-based)
    separator: bytes  # its `From ...` line


def split(mbox: bytes) -> list[RawMail]:
    """An mboxrd split exactly like liblore's split_mbox_as_bytes (which b4.mailsplit_bytes
    uses), also keeping where each mail starts and its `From ` line (git format-patch writes
    the commit id there).

    The same as reading the mbox line by line (a `From ` line of 19 characters or more that
    _FROM_LINE matches starts a mail; in a mail's body, not its headers, `>From ` loses one
    `>`; every line ends in a newline, the last one too), done with a search over the whole
    text: a 27 MB patch has 1.6 million lines."""
    mails: list[RawMail] = []
    start, separator, in_header, pos, line_no = 1, b"", False, 0, 1
    for m in _SEPARATOR_LINE.finditer(mbox):
        end = mbox.find(b"\n", m.start())
        end = len(mbox) if end < 0 else end
        if end - m.start() < 19:  # the line with its newline: 20 characters or more
            continue
        if m.start() > pos:
            mails.append(RawMail(_unquote(mbox[pos:m.start()], in_header), start, separator))
        line_no += mbox.count(b"\n", pos, m.start())
        start, separator, in_header, pos = line_no + 1, mbox[m.start():end], True, min(end + 1, len(mbox) + 1)
        line_no += 1
    rest = mbox[pos:] + b"\n"  # the last line gets a newline too (an empty one if the text ended in one)
    if pos <= len(mbox):
        mails.append(RawMail(_unquote(rest, in_header), start, separator))
    return mails


def _unquote(data: bytes, in_header: bool) -> bytes:
    """mboxrd: `>From ` loses one `>` after the mail's headers (up to its first empty line)."""
    cut = 0
    if in_header:
        blank = -1 if data.startswith(b"\n") else data.find(b"\n\n")
        if blank == -1 and not data.startswith(b"\n"):
            return data  # the headers never end
        cut = blank + 2
    if data.find(b">From ", cut) < 0:
        return data  # (each line the pattern matches holds it: one or more `>`, then `From `)
    return data[:cut] + _GT_FROM_LINES.sub(b"", data[cut:])


def commit_of(separator: bytes) -> str | None:
    """The commit id in a `git format-patch` `From <sha> Mon Sep 17 00:00:00 2001` line."""
    m = _COMMIT_FROM.match(separator)
    return m.group(1).decode() if m else None


def _shape(msg: EmailMessage, subject_info: Callable[[str], tuple[int, int, int, bool]]) -> tuple | None:
    """(revision, total, counter) of an unthreaded numbered patch or cover letter, else None."""
    if msg.get("In-Reply-To") or msg.get("References"):
        return None
    subject = str(msg.get("Subject", ""))
    if not _PREFIX.search(subject):
        return None
    revision, counter, expected, reply = subject_info(subject)
    if reply or expected < 2 or counter > expected:
        return None
    return (revision, expected, counter)


def _author(msg: EmailMessage) -> str:
    return email.utils.parseaddr(str(msg.get("From", "")))[1].lower()


class _Run:
    """Unthreaded mails taken as one series so far."""

    def __init__(self, key: str):
        self.key = key
        self.counters: set[int] = set()
        self.authors: set[str] = set()

    def add(self, counter: int, author: str) -> None:
        self.counters.add(counter)
        self.authors.add(author)


def group(msgs: list[EmailMessage], root_of: Callable[[EmailMessage], str],
          subject_info: Callable[[str], tuple[int, int, int, bool]]) -> list[list[EmailMessage]]:
    """Messages bucketed into threads (by `root_of`), unthreaded series joined into one bucket.

    `subject_info(subject)` gives (revision, counter, expected, is_reply), as b4's LoreSubject.
    An unthreaded `[PATCH vN n/m]` (or cover letter `0/m`) joins the open run of the same vN
    and m unless its n is already there, if it comes right after that run's previous mail (as
    `git format-patch` writes a series, whatever the authors of its patches) or has the same
    author as a mail of the run (the same sender's series, interleaved with other mail).
    Buckets keep the order of their first message; messages keep input order.
    """
    buckets: dict[str, list[EmailMessage]] = {}
    runs: dict[tuple[int, int], _Run] = {}
    previous: _Run | None = None
    for msg in msgs:
        root = root_of(msg)
        shape = _shape(msg, subject_info)
        if shape is None or root in buckets:
            buckets.setdefault(root, []).append(msg)
            previous = None
            continue
        revision, expected, counter = shape
        author = _author(msg)
        run = runs.get((revision, expected))
        if run is None or counter in run.counters or (run is not previous and author not in run.authors):
            run = runs[(revision, expected)] = _Run(root)
            buckets[root] = []
        run.add(counter, author)
        buckets[run.key].append(msg)
        previous = run
    return list(buckets.values())
