"""grouping.split() finds mails with one search over the whole mbox; it must split exactly as
reading the mbox line by line does (liblore's split_mbox_as_bytes, which b4 uses).  The
line-by-line reader is here as the reference; both run on every file under tests/data and on
edge cases (no separator, separators back to back, at the very end, too short to count,
`>From ` in headers and bodies, text before the first separator, no empty line after the
headers)."""

from __future__ import annotations

import re
from pathlib import Path

from reviewbot.ingest import grouping

ROOT = Path(__file__).resolve().parents[2]
_FROM_LINE = re.compile(rb"^From \S+.*\d\d:\d\d:\d\d.*\d{4}")
_GT_FROM = re.compile(rb"^>+From ")


def _reference(mbox: bytes) -> list[tuple[bytes, int, bytes]]:
    mails, current, in_header, start, separator = [], [], False, 1, b""
    for no, raw_line in enumerate(mbox.split(b"\n"), start=1):
        line = raw_line + b"\n"
        if len(line) >= 20 and _FROM_LINE.match(line):
            if current:
                mails.append((b"".join(current), start, separator))
                current = []
            start, separator, in_header = no + 1, raw_line, True
            continue
        if in_header and line == b"\n":
            in_header = False
        elif not in_header and _GT_FROM.match(line):
            line = line[1:]
        current.append(line)
    if current:
        mails.append((b"".join(current), start, separator))
    return mails


SEP = b"From a@b Thu Jan  1 00:00:00 1970"
EDGES = [b"", b"\n", SEP, SEP + b"\n", SEP + b"\n" + SEP + b"\n", b"From 1 00:00:00 2020\n",
         b"text first\n>From here\n" + SEP + b"\nSubject: x\n>From header\n\n>From body\n>>From deeper\n",
         SEP + b"\nSubject: no body\n>From still a header\n", SEP + b"\n\n>From right away\n" + SEP,
         SEP + b"\nA: b\n\nbody\nFrom x 00:00:00 1999 too short?\nFrom someone@example.org Mon Sep 17 00:00:00 2001\n"]


def test_split_is_the_line_by_line_split():
    inputs = EDGES + [p.read_bytes() for p in sorted((ROOT / "tests" / "data").rglob("*")) if p.is_file()]
    assert len(inputs) > 100
    for data in inputs:
        for variant in (data, SEP + b"\n" + data, data + b"\n" + SEP, data.replace(b"\nFrom ", b"\n>From ")):
            got = [(m.data, m.line, m.separator) for m in grouping.split(variant)]
            assert got == _reference(variant), variant[:200]
