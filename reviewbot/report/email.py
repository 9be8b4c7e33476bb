"""0-day-style plain-text replies to patch mails.

One reply per patch that has findings, as short as the kernel test robot's: `Re: <subject>`,
In-Reply-To the patch, References root + patch, our own Message-Id chosen before anything is
sent, each flagged line quoted once with a little of its hunk and every finding on it, then
per rule its summary, a few lines of why and its link (plain text, no Markdown), tags only as
`| Reported-by:` / `| Closes:` (bare trailers in a reply are applied to the patch by `b4 am`),
and a one-line footer on suppressing a finding.
Reporters never import checks: findings arrive with their Rule attached.
"""

from __future__ import annotations

import datetime
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as mail_policy

from reviewbot import __version__
from reviewbot.model import Finding, Hunk, Patch, Series, Side
from reviewbot.render import render
from reviewbot.report.base import rules_used
from reviewbot.rules import rules_url

QUOTE_BEFORE = 3  # hunk lines quoted above the flagged line
QUOTE_AFTER = 1


@dataclass(frozen=True)
class Delta:
    """What changed since the previous revision's findings (matched by fingerprint)."""

    previous_revision: int
    new: frozenset[str]  # fingerprints not seen in the previous revision
    kept: frozenset[str]
    resolved: tuple[str, ...]  # one-line descriptions of previous findings that are gone


@dataclass(frozen=True)
class ReplyContext:
    sender: str  # From: "reviewbot <bot@example.org>"
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    root_msgid: str | None = None  # cover letter or first patch of the series
    archive_url: str = "https://lore.kernel.org/r"  # where the list (and our reply) is archived
    docs_url: str = field(default_factory=rules_url)
    revision: int = 1
    context: str = "hunks"
    delta: Delta | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)


def make_msgid(sender: str, *key: str) -> str:
    """Our Message-Id, derived from what the reply is about, so it is fixed before sending."""
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or "reviewbot.invalid"
    digest = hashlib.sha256("\0".join(key).encode()).hexdigest()[:20]
    return f"<reviewbot-{digest}@{domain}>"


def _strip_re(subject: str) -> str:
    return re.sub(r"^\s*(?:re|aw|sv)\s*:\s*", "", subject, flags=re.I)


def _first_name(author: str) -> str:
    name = email.utils.parseaddr(author)[0].strip()
    if "," in name:  # "Last, First"
        name = name.split(",", 1)[1].strip()
    return name.split()[0] if name else ""


def link(archive_url: str, msgid: str) -> str:
    return f"{archive_url.rstrip('/')}/{msgid.strip('<>').replace('/', '%2F')}/"


def _find_hunk(patch: Patch, f: Finding) -> tuple[Hunk, int] | None:
    for fd in patch.files:
        if fd.path != f.path and fd.old_path != f.path:
            continue
        for h in fd.hunks:
            for i, ln in enumerate(h.lines):
                no = ln.old_no if f.side is Side.OLD else ln.new_no
                if no == f.line and (ln.kind != "+" if f.side is Side.OLD else ln.kind != "-"):
                    return h, i
    return None


def quote(patch: Patch, f: Finding) -> list[str]:
    """The flagged line with a few lines of its hunk above it, as '> ' quoted diff lines."""
    found = _find_hunk(patch, f)
    if found is None:
        return [f"> {'-' if f.side is Side.OLD else '+'}{f.text}"] if f.text else []
    hunk, idx = found
    start = max(0, idx - QUOTE_BEFORE)
    out = []
    if start == 0:
        old_len = f",{hunk.old_len}" if hunk.old_len != 1 else ""
        new_len = f",{hunk.new_len}" if hunk.new_len != 1 else ""
        out.append(f"> @@ -{hunk.old_start}{old_len} +{hunk.new_start}{new_len} @@ {hunk.section}".rstrip())
    else:
        out.append("> [...]")
    for ln in hunk.lines[start: idx + QUOTE_AFTER + 1]:
        out.append(f"> {ln.kind}{ln.text}".rstrip())
    return out


def describe(f: Finding) -> str:
    """One line naming a finding, used to list resolved findings of an earlier revision."""
    where = f"{f.path}:{f.line}" if f.path else "series"
    return f"{f.rule.id} {f.rule.slug}: {f.message} ({where})"


def build_reply(patch: Patch, findings: list[Finding], ctx: ReplyContext, msgid: str,
                date: str | None = None) -> EmailMessage:
    """The reply to `patch` about `findings` (all on that patch), with Message-Id `msgid`."""
    assert patch.msgid, "a reply needs the patch's Message-Id"
    patch_msgid = f"<{patch.msgid.strip('<>')}>"
    locations: dict[tuple, dict] = {}  # each flagged line quoted once, with all its findings
    for f in findings:
        marker = ""
        if ctx.delta is not None:
            marker = "new" if f.fingerprint in ctx.delta.new else "also in v%d" % ctx.delta.previous_revision
        key = (f.path, f.side, f.line)
        if key not in locations:
            where = (f"{f.path}:{f.line}" + (" (removed line)" if f.side is Side.OLD else "") + ":"
                     if f.path else "commit message:")
            locations[key] = {"where": where, "quote": quote(patch, f), "items": []}
        locations[key]["items"].append({"f": f, "marker": marker, "level": f.effective_level.value,
                                         "confidence": f.effective_confidence.value})
    body = render("email/reply.txt.j2", greeting=_first_name(patch.author), patch=patch,
                  locations=list(locations.values()),
                  rules=rules_used(findings), ctx=ctx, delta=ctx.delta,
                  patch_link=link(ctx.archive_url, patch_msgid), closes=link(ctx.archive_url, msgid),
                  sender=ctx.sender, rule_ids=sorted({f.rule.id for f in findings}), version=__version__)
    return _message(ctx, patch.subject, patch.msgid, msgid, body, date)


def build_summary(series: Series, subject: str, ctx: ReplyContext, msgid: str, checked: list[str],
                  date: str | None = None) -> EmailMessage:
    """For lists that ask for it (`summary = true`): one reply to the series root saying that
    nothing worth mailing was found, and what was run."""
    assert series.msgid, "a summary needs the series root's Message-Id"
    author = series.patches[0].author if series.patches else ""
    body = render("email/summary.txt.j2", greeting=_first_name(author), series=series, ctx=ctx,
                  patch_link=link(ctx.archive_url, series.msgid), checked=checked, version=__version__)
    return _message(ctx, subject, series.msgid, msgid, body, date)


def _message(ctx: ReplyContext, subject: str, parent: str, msgid: str, body: str,
             date: str | None) -> EmailMessage:
    parent = f"<{parent.strip('<>')}>"
    # LF line ends in .eml files; smtplib sends CRLF.  An address with a UTF-8 local part
    # (RFC 6532) goes out as UTF-8: an encoded-word is not allowed inside an address.
    utf8 = not all(a.isascii() for a in (ctx.sender, *ctx.to, *ctx.cc))
    msg = EmailMessage(policy=mail_policy.clone(utf8=True) if utf8 else mail_policy)
    msg["From"] = ctx.sender
    msg["To"] = ", ".join(ctx.to)
    if ctx.cc:
        msg["Cc"] = ", ".join(ctx.cc)
    msg["Subject"] = "Re: " + _strip_re(subject)
    msg["Date"] = date or email.utils.format_datetime(datetime.datetime.now(datetime.timezone.utc))
    msg["Message-ID"] = msgid
    msg["In-Reply-To"] = parent
    refs = [parent]
    if ctx.root_msgid and f"<{ctx.root_msgid.strip('<>')}>" != parent:
        refs.insert(0, f"<{ctx.root_msgid.strip('<>')}>")
    msg["References"] = " ".join(refs)
    msg["X-Mailer"] = f"reviewbot {__version__}"
    for k, v in ctx.extra_headers.items():
        msg[k] = v
    charset = "us-ascii" if body.isascii() else "utf-8"
    msg.set_content(body, charset=charset, cte="8bit" if charset == "utf-8" else "7bit")
    msg["Content-Disposition"] = "inline"
    return msg
