"""report.locate's diff index (checkpatch's `#NNN:`) numbers the lines of a path only when a
finding there asks, walking only that path's hunks; the answers must be those of the plain
walk over the whole diff it replaces (kept here as the reference), on every test patch, the
noise mbox when ../shared is there, and diffs shaped to trip a header/body reader."""

from __future__ import annotations

import email
import email.policy
import random
import re

import pytest

from reviewbot.model import Side
from reviewbot.report import locate
from tests.helpers import ROOT, SHARED

_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def _reference(diff: str) -> dict:
    """The whole-diff walk as it was: (path, side, line) -> first 0-based diff line."""
    index: dict = {}
    old = new = 0
    cur_old = cur_new = None
    paths: tuple = ()
    in_hunk = False
    for i, text in enumerate(diff.split("\n")):
        kind = text[:1]
        if not in_hunk or not kind or kind not in " +-\\":
            if text.startswith("diff --git "):
                in_hunk = False
                continue
            if text.startswith("--- "):
                cur_old = locate._strip(text[4:])
            elif text.startswith("+++ "):
                cur_new = locate._strip(text[4:])
            else:
                m = _HUNK.match(text)
                if m:
                    old, new, in_hunk = int(m.group(1)), int(m.group(2)), True
                continue
            paths = tuple({cur_new, cur_old} - {None})
            continue
        for path in paths:
            if kind == " ":
                index.setdefault((path, Side.OLD, old), i)
                index.setdefault((path, Side.NEW, new), i)
            elif kind == "-":
                index.setdefault((path, Side.OLD, old), i)
            elif kind == "+":
                index.setdefault((path, Side.NEW, new), i)
        if kind in " -":
            old += 1
        if kind in " +":
            new += 1
    return index


def _same(diff: str) -> None:
    want = _reference(diff)
    got = locate._DiffIndex(diff)
    paths = {p for p, _, _ in want} | set(got._hunks)
    have = {(p, s, n): i for p in paths for (s, n), i in got._number(p).items()}
    assert have == want
    for (p, s, n), i in list(want.items())[:200]:
        assert locate.diff_index(diff, p, s, n) == i
    assert locate.diff_index(diff, "no/such/file.c", Side.NEW, 1) is None


def _diffs_of(raw: bytes) -> list[str]:
    out = []
    for chunk in re.split(rb"(?m)^From [^\n]*\n", raw):
        if not chunk.strip():
            continue
        msg = email.message_from_bytes(chunk, policy=email.policy.default)
        part = next((p for p in msg.walk() if p.get_content_type() == "text/plain"), None)
        try:
            body = part.get_content() if part is not None else ""
        except (LookupError, ValueError):
            continue
        at = body.find("\ndiff --git ")
        if at >= 0:
            out.append(body[at + 1:])
    return out


def test_every_test_patch():
    files = sorted((ROOT / "tests" / "data").rglob("*.patch")) + sorted((ROOT / "examples").glob("*.patch"))
    diffs = [d for f in files for d in _diffs_of(f.read_bytes())]
    assert len(diffs) > 50
    for diff in diffs:
        _same(diff)


def test_shaped_diffs():
    """Empty and foreign lines inside hunks, '--- '/'+++ ' lines that are body lines, a
    section without ---/+++ (mode change, rename) keeping the paths before it, 'No newline'
    markers, a hunk header with no hunk, a diff that starts mid-hunk."""
    body = ["diff --git a/x.c b/x.c", "--- a/x.c", "+++ b/x.c", "@@ -1,4 +1,4 @@", " a", "-- b", "--- c",
            "+++ d", "", " e", "index 123", " f", "\\ No newline at end of file", "@@ -10 +10,2 @@", "-g",
            "+h", "+i", "diff --git a/y.c b/z.c", "similarity index 90%", "rename from y.c",
            "rename to z.c", "@@ -3,2 +3,2 @@", " j", "-k", "+l", "diff --git a/q b/q", "new file mode 100644",
            "--- /dev/null", "+++ b/q", "@@ -0,0 +1,2 @@", "+m", "+n", "@@ -5 +7 @@", "", "-- ", "2.47.0", ""]
    _same("\n".join(body))
    _same("\n".join(body[4:]))
    _same("\n".join(body[:-6]))
    rng = random.Random(16)
    pool = body + ["@@ -1 +1 @@", "@@ -7,3 +9,3 @@ f()", " ", "+", "-", "x", "--- a/w.c", "+++ b/w.c"]
    for _ in range(3000):
        _same("\n".join(rng.choice(pool) for _ in range(rng.randrange(1, 40))))


@pytest.mark.skipif(not (SHARED / "corpus" / "noise" / "patches.mbox").exists(),
                    reason="needs ../shared/corpus/noise/patches.mbox")
def test_noise_mbox():
    diffs = _diffs_of((SHARED / "corpus" / "noise" / "patches.mbox").read_bytes())
    assert len(diffs) > 1000
    for diff in diffs:
        _same(diff)
