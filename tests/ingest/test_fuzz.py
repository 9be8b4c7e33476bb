"""Property: mutated real patches never make an exception escape the parser, engine or reporters.

Real patches (dev-corpus cases in tests/data/ingest/fuzz/, and the real QP/base64 mails) are
mutated the way mail and editors damage patches: lines dropped, duplicated, swapped or
truncated, hunk header numbers changed, random bytes and CRLF inserted.  The only failures
allowed are DiffError (parser) and InputError (ingest): both end the CLI with a one-line
message.  Everything the engine accepts must also render as text and JSON.
"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reviewbot import engine
from reviewbot.diffparse import DiffError, find_diff, parse_diff_lenient
from reviewbot.errors import InputError
from reviewbot.ingest import b4 as b4src
from reviewbot.report import jsonout, terminal
from tests.conftest import DATA

PATCHES = [p.read_bytes() for p in sorted((DATA / "ingest/fuzz").glob("*.patch"))] + [
    (DATA / "ingest/qp-noise-110.eml").read_bytes()]


def _mutate(data: bytes, ops: list[tuple[str, int, int, bytes]]) -> bytes:
    lines = data.split(b"\n")
    for op, i, j, junk in ops:
        if not lines:
            break
        i %= len(lines)
        j %= len(lines)
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "truncate":
            lines = lines[:i] + [lines[i][: j % (len(lines[i]) + 1)]]
        elif op == "hunk":  # change one number of a hunk header
            heads = [k for k, ln in enumerate(lines) if ln.startswith(b"@@ ")]
            if heads:
                k = heads[i % len(heads)]
                lines[k] = re.sub(rb"\d+", lambda m: str(j % 40).encode(), lines[k], count=1 + j % 4)
        elif op == "junk":
            lines.insert(i, junk)
        elif op == "crlf":
            lines[i] += b"\r"
        elif op == "prefix":  # turn a line into another diff line kind
            lines[i] = junk[:1] + lines[i][1:]
    return b"\n".join(lines)


OPS = st.lists(st.tuples(st.sampled_from(["drop", "dup", "swap", "truncate", "hunk", "junk", "crlf", "prefix"]),
                         st.integers(0, 10_000), st.integers(0, 10_000),
                         st.one_of(st.binary(max_size=40), st.sampled_from(
                             [b"+", b"-", b" ", b"\\", b"@@ -1 +1 @@", b"diff --git a/x.c b/x.c", b"--- a/x.c",
                              b"+++ b/x.c", b"GIT binary patch", b"-- ", b"---"]))),
               min_size=1, max_size=6)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(PATCHES) - 1), ops=OPS)
@example(index=1, ops=[("truncate", 1539, 220, b"")])  # found: an empty Subject: header crashed split_mbox
def test_mutated_patches_never_raise(index, ops):
    data = _mutate(PATCHES[index], ops)
    try:
        parse_diff_lenient(find_diff(data.decode("utf-8", "replace")))
    except DiffError:
        pass
    try:
        all_series = b4src.series_from_mbox_bytes(data, "fuzz.patch")
    except InputError as exc:
        assert str(exc).isprintable()  # one line, no control characters
        return
    for series in all_series:
        review = engine.review(series)
        json.loads(jsonout.format_review(review, show_all=True))
        terminal.format_review(review, show_all=True)
