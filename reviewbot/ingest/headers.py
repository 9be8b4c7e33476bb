"""Mail headers: each message's headers parsed once, and addresses made safe to show or send.

email.policy parses a header again on every msg[...] / msg.get(); the messages of an mbox get a
policy whose header factory (`ParsedOnce`) keeps the first parse of each (name, value), for as
long as the Series are being built (`parse_headers_once`, then `forget_headers`).
"""

from __future__ import annotations

import email.header
import functools
import email.headerregistry
import email.policy
import email.utils
import re
from email.message import EmailMessage
from typing import Callable


class ParsedOnce:
    """An email policy header_factory that parses each distinct (name, value) only once.

    email.policy parses a header again on every msg[...] / msg.get(): b4 reads Message-Id,
    References, Subject and Content-Type several times per message, and so do we, which made
    header parsing a third of the load time.  Header objects are immutable str subclasses
    and the parse depends on (name, value) alone, so handing out the first one is the same.
    """

    def __init__(self, factory: email.headerregistry.HeaderRegistry):
        self.factory = factory
        self.parsed: dict[tuple[str, str], object] = {}
        self.classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        """The header class for `name`, made once (HeaderRegistry makes a new one per call)."""
        cls = self.classes.get(name)
        if cls is None:
            cls = self.classes[name] = self.factory[name]
        return cls

    def __call__(self, name: str, value: str):
        header = self.parsed.get((name, value))
        if header is None:  # HeaderRegistry.__call__ is `self[name](name, value)`
            try:
                header = self[name](name, value)
            except ValueError:  # an encoded CR/LF in a display name: the stdlib refuses the header
                header = self[name](name, _clean_addresses(value))
            self.parsed[(name, value)] = header
        return header


def _clean_addresses(value: str) -> str:
    """An address header with its encoded display names decoded, control characters (an
    encoded CR/LF) made spaces, and re-encoded: the same people, a header that parses."""
    out = []
    for name, addr in email.utils.getaddresses([value]):
        try:
            name = str(email.header.make_header(email.header.decode_header(name)))
        except Exception:  # undecodable encoded-words: keep them as text
            pass
        name = printable(name)
        if not addr.isascii():
            out.append(format_address(name, addr))
        else:
            out.append(email.utils.formataddr((name, printable(addr).replace(" ", "")), charset="utf-8"))
    return ", ".join(out)


def parse_headers_once(msgs: list[EmailMessage]) -> None:
    """Give every message (and MIME part) a policy whose header factory is a ParsedOnce.

    One cache per call, so it lives as long as these messages and no longer.
    """
    fast: dict[int, email.policy.EmailPolicy] = {}
    for msg in msgs:
        for part in msg.walk():
            policy = part.policy
            if not isinstance(policy, email.policy.EmailPolicy) or \
                    type(policy.header_factory) is not email.headerregistry.HeaderRegistry:
                continue  # another policy, or already done
            if id(policy) not in fast:
                fast[id(policy)] = policy.clone(header_factory=ParsedOnce(policy.header_factory))
            part.policy = fast[id(policy)]


def parse_bytes_once(policy: email.policy.Policy):
    """A function parsing raw mail bytes as `email.parser.BytesParser(policy=policy)` does, its
    messages already with the ParsedOnce header factory (one cache for all it parses).

    The parser itself reads each mail's Content-Type (and each MIME part's) several times:
    with the factory in place from the start those reads are parsed once per distinct value
    too, not only the reads after parse_headers_once().  For a policy that parse_headers_once()
    would leave alone, the parser as it is."""
    import email.parser

    if isinstance(policy, email.policy.EmailPolicy) and \
            type(policy.header_factory) is email.headerregistry.HeaderRegistry:
        policy = policy.clone(header_factory=ParsedOnce(policy.header_factory))
    return functools.partial(parse_mail, whole=email.parser.BytesParser(policy=policy).parsebytes)


def parse_mail(raw: bytes, whole: Callable[[bytes], EmailMessage]) -> EmailMessage:
    """`whole(raw)` (a BytesParser's parsebytes); for a mail that is not MIME, its header block
    parsed and the rest set as the payload, which is what the parser does with it (line by
    line, in Python: the body of a 27 MB patch is 1.6 million lines)."""
    cut = raw.find(b"\n\n")
    if cut < 0 or b"\r" in raw[:cut]:
        return whole(raw)
    msg = whole(raw[:cut + 2])  # the header block and the empty line that ends it
    if msg.defects or msg.is_multipart() or msg.get_payload() != "" or \
            msg.get_content_maintype() in ("multipart", "message"):
        return whole(raw)  # not (only) headers before that line, or MIME: the parser's way
    msg.set_payload(raw[cut + 2:].decode("ascii", "surrogateescape"))  # as BytesParser decodes
    return msg


def forget_headers(msgs: list[EmailMessage]) -> None:
    """Drop the parsed headers once the Series are built.

    The messages end up in reference cycles (b4's objects), so they wait for a full garbage
    collection; with the cache still attached, each would keep every parsed header and its
    parse tree alive (hundreds of thousands of objects per big mbox) for the collector to walk.
    """
    for msg in msgs:
        for part in msg.walk():
            factory = getattr(part.policy, "header_factory", None)
            if isinstance(factory, ParsedOnce):
                factory.parsed.clear()


def printable(text: str) -> str:
    """Mail text in a one-line error: no line breaks or terminal control characters."""
    return "".join(ch if ch.isprintable() else "?" for ch in " ".join(str(text).split()))


def format_address(name: str, addr: str) -> str:
    """`Name <addr>` for display and for a reply's To:, also for an RFC 6532 address (UTF-8
    local part, which email.utils.formataddr refuses).  Line breaks and other control
    characters never survive (an encoded CR/LF in a From: must not reach a header)."""
    name, addr = printable(name).strip(), printable(addr).strip().replace(" ", "")
    if addr.isascii():
        return email.utils.formataddr((name, addr))
    if not name:
        return addr
    if re.search(r'[()<>@,:;.\"\[\]\\]', name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"
