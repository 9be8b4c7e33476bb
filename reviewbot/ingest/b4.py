"""The one module that talks to b4 (pinned b4==0.16.*; its library API is not declared stable).

Mail in, Series out: local mbox bytes go through liblore's split (as b4.mailsplit_bytes()), a Message-Id or lore
URL through b4.get_pi_thread_by_msgid(); LoreMailbox.get_series() decides revision, cover
letter and completeness.  We never thread mail ourselves beyond bucketing an mbox by the
thread root named in its headers, so that an mbox of unrelated patches gives one series each,
and joining unthreaded `git format-patch` output into its series (ingest/grouping.py).
A Series carries b4's completeness: the n of [PATCH k/n] and the indices that did not arrive.
The speed-ups and import-time workarounds for b4 0.16 live in ingest/b4compat.py.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import re
from email.message import EmailMessage

from reviewbot import budget
from reviewbot.diffparse import DiffError, diff_offset, find_diff, parse_diff_lenient
from reviewbot.errors import InputError
from reviewbot.ingest import b4compat, grouping, headers
from reviewbot.model import Patch, Series

b4 = b4compat.install()  # b4, with the speed-ups written for its version (reviewbot.ingest.b4compat)
import liblore.utils  # noqa: E402  (b4's mail library: after b4, which set up the deferrals)

_SYNTHETIC = "@reviewbot.invalid"
logging.getLogger("b4").setLevel(logging.CRITICAL + 1)  # b4 logs to stderr; we report in notes


def configure(midmask: str | None = None) -> None:
    """Load b4's config (git config b4.*), optionally overriding b4.midmask.

    Re-read on every fetch: b4.parse_msgid() rewrites the midmask in b4's global config when a
    lore URL names another host, so a cached config could point the next fetch elsewhere.
    """
    overrides = {"b4.midmask": midmask} if midmask else {}
    b4.setup_config(argparse.Namespace(config=overrides))
    b4.LORENODE = None  # rebuild the HTTP node for the (new) midmask


class _RemoteErrors(logging.Handler):
    """b4.get_pi_thread_by_msgid() logs a fetch failure and returns None: keep the error.

    That is the only way to tell "the server has no such message" (HTTP 404) from "the server
    cannot be reached" without re-implementing the fetch.
    """

    def __init__(self):
        super().__init__(logging.CRITICAL)
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.errors += [a for a in (record.args or ()) if isinstance(a, BaseException)]


def _fetch_thread(msgid: str, source: str) -> list[EmailMessage]:
    handler = _RemoteErrors()
    blog = logging.getLogger("b4")
    blog.addHandler(handler)
    level, propagate = blog.level, blog.propagate
    blog.setLevel(logging.CRITICAL)
    blog.propagate = False  # b4's own messages must not reach the user's stderr
    try:
        msgs = b4.get_pi_thread_by_msgid(msgid, nocache=True, quiet=False)
    except Exception as exc:  # anything else liblore/requests raise
        raise InputError(source, f"cannot fetch thread: {_one_line(exc)}") from None
    finally:
        blog.removeHandler(handler)
        blog.setLevel(level)
        blog.propagate = propagate
    base = _server()
    for exc in handler.errors:
        status = getattr(exc, "status_code", None)
        if status == 404:
            break
        if status is not None:
            raise InputError(source, f"{base} answered HTTP {status}") from None
        raise InputError(source, f"cannot reach {base}: {_one_line(exc)}") from None
    if not msgs:
        raise InputError(source, f"no message with this Message-Id at {base}")
    return msgs


def _server() -> str:
    return str(b4.get_main_config().get("midmask", "")).replace("/%s", "") or "the configured public-inbox"


def _one_line(exc: BaseException) -> str:
    text = headers.printable(str(exc))
    # liblore wraps requests' errors: keep the innermost reason, not the whole chain.
    m = re.search(r"\[Errno -?\d+\] ([^'\")]+)|(Connection refused|timed out|Name or service not known)", text)
    if m:
        return (m.group(1) or m.group(2)).strip()
    return text[:200] or exc.__class__.__name__


def _as_mbox(data: bytes) -> bytes:
    if data.startswith(b"From "):
        return data
    return b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + data


def mail_parser():
    """What split_mbox() parses each mail with (liblore.utils.parse_message's parser, with the
    headers parsed once: headers.parse_bytes_once).  One for several split_mbox() calls (the
    files of a directory) parses a header value they share (the thread's In-Reply-To, the
    list's Cc) once for all of them."""
    return headers.parse_bytes_once(liblore.utils.emlpolicy)


def split_mbox(data: bytes, source: str, parse=None) -> list[EmailMessage]:
    """Split mbox (or single-mail) bytes into messages; give Message-Id-less mail a stable id.
    `parse`: a mail_parser() to share with other calls."""
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # bare CRs too: see b4compat.normalise_line_ends
    if not data.strip():
        raise InputError(source, "empty input")
    budget.check_message_sizes(data, source)
    was_mbox = data.startswith(b"From ")
    try:
        # b4.mailsplit_bytes() is liblore's split + parse; split here to keep where each mail is.
        raws = grouping.split(_as_mbox(grouping.separate(data)))
        parse = parse or mail_parser()
        msgs = [parse(raw.data) for raw in raws]
    except Exception as exc:
        raise InputError(source, f"cannot split mail: {_one_line(exc)}") from None
    for i, (raw, msg) in enumerate(zip(raws, msgs)):
        budget.check_mime_depth(msg, source)
        _trim_references(msg)
        # separate()/_as_mbox() added one separator line before each mail of a non-mbox input
        msg.reviewbot_origin = _origin(raw, msg, raw.line - (0 if was_mbox else i + 1), source)
    headers.parse_headers_once(msgs)
    out = []
    for i, msg in enumerate(msgs):
        if not b4.LoreMessage.get_clean_msgid(msg):
            digest = hashlib.sha1(_raw_for_digest(msg)).hexdigest()[:16]
            del msg["Message-Id"]
            msg["Message-Id"] = f"<{digest}.{i}{_SYNTHETIC}>"
        if not msg.get("Subject"):
            del msg["Subject"]  # an empty Subject: header is still a header (at most one allowed)
            msg["Subject"] = "[PATCH] (no subject)"
        out.append(msg)
    return out


def _origin(raw: grouping.RawMail, msg: EmailMessage, line: int, source: str) -> tuple[str, int | None, str | None]:
    """(file, line of the file where the mail's diff starts, commit id) for a mail of `source`.

    The line is known only where the diff stands as-is in the file: not in a MIME mail, nor
    under quoted-printable or base64.
    """
    diff_line = None
    cte = str(msg.get("Content-Transfer-Encoding", "")).strip().lower()
    if not msg.is_multipart() and cte not in ("quoted-printable", "base64"):
        text = raw.data.decode("utf-8", "replace")
        offset = diff_offset(text)
        if offset is not None:
            diff_line = line + text.count("\n", 0, offset)
    return source, diff_line, grouping.commit_of(raw.separator)


def _trim_references(msg: EmailMessage) -> None:
    """Keep the first and the last msg-ids of a References header longer than
    budget.MAX_REFERENCES (the thread root and the nearest parents: all threading needs).  b4
    de-duplicates the list in quadratic time, and the email package parses a long header
    slowly; read unparsed here (raw_items) so the long one is never parsed."""
    raw = [v for k, v in msg.raw_items() if k.lower() == "references"]
    if not raw or sum(len(v) for v in raw) < 40 * budget.MAX_REFERENCES:
        return
    ids = re.findall(r"<[^<>\s]{1,998}>", " ".join(str(v) for v in raw))
    if len(ids) <= budget.MAX_REFERENCES:
        return
    half = budget.MAX_REFERENCES // 2
    del msg["References"]
    msg["References"] = " ".join(ids[:half] + ids[-half:])


def _raw_for_digest(msg: EmailMessage) -> bytes:
    """The message's bytes for its synthetic Message-Id; when the email package cannot write
    it again (8-bit junk in a MIME preamble), its headers and payloads, walked without recursion."""
    try:
        return msg.as_bytes()
    except (UnicodeError, ValueError, LookupError, RecursionError):
        pass
    out, stack = [], [msg]
    while stack:
        part = stack.pop()
        out += [f"{k}: {v}" for k, v in part.items()]
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend(reversed(payload))
        else:
            out.append(str(payload))
    return "\n".join(out).encode("utf-8", "replace")


def _thread_root(msg: EmailMessage) -> str:
    refs = re.findall(r"<([^>]+)>", str(msg.get("References", "")))
    if refs:
        return refs[0]
    irt = re.findall(r"<([^>]+)>", str(msg.get("In-Reply-To", "")))
    if irt:
        return irt[0]
    return b4.LoreMessage.get_clean_msgid(msg) or ""


def _subject_info(subject: str) -> tuple[int, int, int, bool]:
    lsub = b4.LoreSubject(subject)
    return lsub.revision, lsub.counter, lsub.expected, lsub.reply


def series_from_messages(msgs: list[EmailMessage], source: str, revision: int | None = None,
                         errors: list[InputError] | None = None) -> list[Series]:
    """Group messages by thread root and let b4 build each thread's series.

    With `errors` given, a thread that cannot be read is recorded there and the others are
    still returned (an mbox of many series loses nothing to one damaged mail).
    """
    headers.parse_headers_once(msgs)  # fetched threads; split_mbox() did it for local mail
    try:
        return _series_from_messages(msgs, source, revision, errors)
    finally:
        headers.forget_headers(msgs)


def _series_from_messages(msgs: list[EmailMessage], source: str, revision: int | None,
                          errors: list[InputError] | None) -> list[Series]:
    groups = thread_groups(msgs)
    result = []
    for msgs_in_thread in groups:
        try:
            series = thread_series(msgs_in_thread, source, revision)
        except InputError as exc:
            if errors is None or len(groups) == 1:
                raise
            errors.append(exc)
            continue
        if series is not None:
            result.append(series)
    if not result:
        if errors:
            raise errors.pop(0)
        raise InputError(source, "no patches found (no mail with a diff)")
    return result


def thread_groups(msgs: list[EmailMessage]) -> list[list[EmailMessage]]:
    """The messages of each series, in the order the load reviews them (grouping.group)."""
    return grouping.group(msgs, _thread_root, _subject_info)


def thread_series(msgs_in_thread: list[EmailMessage], source: str, revision: int | None) -> Series | None:
    """One thread's series (None: replies or mail without a diff only)."""
    lmbx = b4.LoreMailbox()
    for msg in msgs_in_thread:
        try:
            lmbx.add_message(msg)
        except Exception as exc:  # b4 rejects some malformed mail
            raise InputError(source, f"cannot read message: {_one_line(exc)}") from None
    if not lmbx.series:
        return None  # replies and mail without a diff
    if revision is not None and revision not in lmbx.series:
        have = ", ".join(f"v{r}" for r in sorted(lmbx.series))
        raise InputError(source, f"no revision v{revision} in this thread (have {have})")
    b4compat.skip_patch_ids(lmbx)
    lser = lmbx.get_series(revision=revision, codereview_trailers=False)
    if lser is None:
        return None
    return _to_series(lser, sorted(lmbx.series), source)


def _clean_id(msgid: str | None) -> str | None:
    if not msgid or msgid.endswith(_SYNTHETIC):
        return None
    return msgid


def _split_body(body: str, diff: str) -> tuple[str, str]:
    """(commit message, notes below '---' and above the diff); `diff` is find_diff(body)."""
    head = body[: len(body) - len(diff)] if diff else body
    m = re.search(r"^---[ \t]*$", head, re.M)
    if m:
        return head[: m.start()].rstrip() + "\n", head[m.end():].strip("\n")
    return head.rstrip() + "\n", ""


def _to_patch(index: int, lmsg, source: str) -> Patch:
    body = lmsg.body or ""
    diff = find_diff(body)
    message, notes = _split_body(body, diff)
    subject = headers.printable(lmsg.full_subject)
    where = f"{source} (patch {index}: {subject})" if source else subject
    budget.check_hunks(diff, where)
    try:
        files, problems = parse_diff_lenient(diff)
    except DiffError as exc:
        raise InputError(where, str(exc)) from None
    author = headers.format_address(lmsg.fromname or "", lmsg.fromemail or "")
    origin, diff_line, commit = getattr(lmsg.msg, "reviewbot_origin", ("", None, None))
    return Patch(index=index, subject=lmsg.full_subject, msgid=_clean_id(lmsg.msgid), author=author,
                 message=message, notes=notes, diff=diff, files=files,
                 origin=origin, diff_line=diff_line, commit=commit,
                 problems=tuple(f"patch {index}: skipped {p}" for p in problems))


def _to_series(lser, revisions: list[int], source: str) -> Series:
    notes = []
    patches = []
    missing = []
    for i, lmsg in enumerate(lser.patches[1:], start=1):
        if lmsg is None:
            missing.append(i)
            continue
        patches.append(_to_patch(i, lmsg, source))
    if missing and lser.expected > 1:
        notes.append(f"series incomplete: patch(es) {', '.join(map(str, missing))} of {lser.expected} missing")
    if len(revisions) > 1:
        notes.append(f"thread has revisions {', '.join('v%d' % r for r in revisions)}; reviewed v{lser.revision}")
    cover = lser.patches[0]
    root = cover or next((p for p in lser.patches[1:] if p is not None), None)
    # b4 finds a cover letter that replies to the previous revision only in get_series(), after
    # it took subject and base-commit from patch 1: take them from the cover ourselves.
    if cover is not None and cover.subject:
        subject = cover.subject
    else:
        subject = lser.subject if lser.subject and lser.subject != "(untitled)" else (root.subject if root else "")
    base = lser.base_commit
    if base is None and cover is not None:
        m = re.search(r"^base-commit: .*?([\da-f]{7,40})\s*$", cover.body or "", flags=re.I | re.M)
        base = m.group(1) if m else None
    return Series(subject=subject, msgid=_clean_id(root.msgid) if root else None,
                  revision=lser.revision or 1, base=base, patches=tuple(patches),
                  cover=cover.body if cover else "", change_id=getattr(lser, "change_id", None),
                  notes=tuple(notes), source=source, expected=lser.expected or None, missing=tuple(missing))


def series_from_mbox_bytes(data: bytes, source: str, revision: int | None = None,
                           errors: list[InputError] | None = None) -> list[Series]:
    return series_from_messages(split_mbox(data, source), source, revision, errors)


def series_from_msgid(msgid: str, revision: int | None = None, midmask: str | None = None) -> Series:
    """Fetch a thread from the public-inbox that b4.midmask names and build its series.

    `msgid` may be bare, in <>, or a lore/public-inbox URL (b4.parse_msgid(); a URL on another
    host than b4.midmask fetches from that host).  Always fetched fresh (nocache): a second
    review must see a v2 or a late patch that arrived since the first.
    """
    configure(midmask)
    clean = b4.parse_msgid(msgid)
    if not clean or "@" not in clean:
        raise InputError(msgid, "not a Message-Id or message URL")
    b4.LORENODE = None  # parse_msgid() may have changed the midmask
    msgs = _fetch_thread(clean, msgid)
    series = series_from_messages(msgs, msgid, revision)
    # The thread may hold several postings; prefer the one containing the requested message.
    for s in series:
        if s.msgid == clean or any(p.msgid == clean for p in s.patches):
            return s
    return series[0]
