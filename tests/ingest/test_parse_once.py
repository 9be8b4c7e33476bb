"""headers.parse_bytes_once() parses a mail that is not MIME as its header block plus the rest
set as the payload; it must give exactly what the email package's BytesParser gives (the
reference, liblore's parse_message): headers, payload, defects, MIME structure and content
type of every part.  Compared on every mail under tests/data (and ../shared's corpus when it is
there), on seeded mutations of them (empty lines, colons, bare CRs, MIME headers, 8-bit bytes
put into the headers and bodies), and on the edge cases written out below."""

from __future__ import annotations

import email.parser
import random
from pathlib import Path

import pytest

from reviewbot.ingest import b4 as b4src  # noqa: F401  (liblore after b4's deferrals)
from reviewbot.ingest import grouping, headers

import liblore.utils  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpus"
POLICY = liblore.utils.emlpolicy


def _state(msg) -> list:
    return [(list(part._headers), None if part.is_multipart() else part._payload,
             [type(d).__name__ for d in part.defects], part._unixfrom, part.preamble, part.epilogue,
             part._default_type, part.get_content_type())
            for part in (msg.walk() if msg.is_multipart() else [msg])]


def _outcome(parse, raw: bytes):
    try:
        return _state(parse(raw))
    except Exception as exc:  # the same failure, if any
        return ("error", type(exc).__name__)


def _mails(paths) -> list[bytes]:
    out = []
    for p in paths:
        data = p.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if not data.startswith(b"From "):
            data = grouping.SEPARATOR + data
        out += [m.data for m in grouping.split(data)]
    return out


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".patch", ".mbox", ".eml") and p.is_file())


_EDGES = [
    b"Subject: x\n\nbody\n",
    b"Subject: x\n\n",
    b"\n\nno headers at all\n",
    b"Subject: x\nnot a header\n\nbody\n",
    b"Subject: x\n folded\n\nbody\nwith\n\nempty lines\n",
    b"Subject: x\r\n\r\nbody\r\n",
    b"Subject: x\rFrom: y\n\nbody\n",
    b"Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nhi\n--b--\n",
    b"Subject: x\nContent-Type: message/rfc822\n\nSubject: inner\n\nbody\n",
    b"Subject: x\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\xc3\xa9t\xff\n",
    b"Subject: \xff\xfe\n\nbody without a last newline",
    b"From nobody Thu Jan  1 00:00:00 1970\nSubject: x\n\nbody\n",
    b"Subject: x\n\n\n\nbody after empty lines\n",
]


def _mutants(mails: list[bytes], seed: int, count: int) -> list[bytes]:
    rnd = random.Random(seed)
    pieces = [b"\n", b"\n\n", b"x", b":", b" ", b"\r", b"\xff", b"garbage line\n", b"MIME-Version: 1.0\n",
              b"Content-Type: multipart/mixed; boundary=x\n", b"Content-Type: message/rfc822\n"]
    out = []
    for raw in mails[:count]:
        b = bytearray(raw)
        for _ in range(rnd.randint(1, 4)):
            # mostly in and around the header block, where the fast path decides
            k = rnd.randrange(min(len(b), rnd.choice([300, 1500, len(b)])) + 1) if b else 0
            b[k:k] = rnd.choice(pieces)
        out.append(bytes(b))
    return out


def _compare(mails: list[bytes]) -> list[bytes]:
    fast = headers.parse_bytes_once(POLICY)
    whole = email.parser.BytesParser(policy=POLICY).parsebytes
    return [raw for raw in mails if _outcome(fast, raw) != _outcome(whole, raw)]


def test_same_as_the_parser_on_test_mail_and_mutants():
    mails = _mails(_files(ROOT / "tests" / "data")) + _EDGES
    assert len(mails) > 100
    differ = _compare(mails + _mutants(mails, 1, 2000) + _mutants(mails, 2, 2000))
    assert not differ, differ[0][:300]


def test_fast_path_taken_for_plain_mail():
    """The comparison above means something only if the fast path runs: a plain patch mail's
    body is not fed through the parser (its payload is the very text after the header block)."""
    raw = b"Subject: [PATCH] x\nFrom: A <a@example.org>\n\n" + b"+line\n" * 1000
    calls = []
    whole = email.parser.BytesParser(policy=POLICY).parsebytes

    def parse(data: bytes):
        return headers.parse_mail(data, whole=lambda part: calls.append(len(part)) or whole(part))

    msg = parse(raw)
    assert calls == [len(b"Subject: [PATCH] x\nFrom: A <a@example.org>\n\n")]
    assert msg.get_payload() == "+line\n" * 1000
    mime = b"Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nhi\n--b--\n"
    parse(mime)
    assert calls[-1] == len(mime)  # MIME: the whole mail through the parser


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/corpus not present (clean clone)")
def test_same_as_the_parser_on_the_shared_corpus():
    mails = _mails(_files(SHARED))
    assert mails
    differ = _compare(mails + _mutants(mails, 3, 1500))
    assert not differ, differ[0][:300]
