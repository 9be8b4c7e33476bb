"""The list follower: walk epochs into `seen`, assemble series with b4, run each job once.

Durability (docs/design.md): a batch of messages is recorded in `seen` and the epoch cursor
moves in the same transaction, so a crash loses nothing and replays nothing twice.  A job
(list, root Message-Id, revision) and its outbox rows are written in one transaction, so a
series is reviewed once and every reply it needs is recorded before anything is sent.
"""

from __future__ import annotations

import email.header
import email.parser
import email.policy
import email.utils
import hashlib
import json
import logging
import re
import subprocess
import time
from dataclasses import dataclass, field, fields, replace
from typing import Callable, Protocol

import git
import sqlalchemy as sa

from reviewbot import db, pipeline
from reviewbot import engine as checks_engine
from reviewbot.errors import InputError
from reviewbot.ingest import b4 as b4src
from reviewbot.ingest import headers
from reviewbot.model import Finding, Review, Series
from reviewbot.watch import patchwork_post as pwposter
from reviewbot.patchwork import tables as PT
from reviewbot.report import email as mailreport
from reviewbot.watch import epochs, lock, outbox
from reviewbot.watch import tables as T
from reviewbot.watch.faults import crash_point
from reviewbot.watch.policy import ListPolicy

log = logging.getLogger("reviewbot.watch")

_SKIPPED = {"own": "our own mail", "ignored": "sender in ignore_senders", "reply": "a reply (Re: subject)"}
_REPLY = re.compile(r"^\s*(?:re|aw|sv|antw|wg|fwd?)\s*(?:\[\d+\])?\s*:", re.I)
BATCH = 200  # messages per transaction while walking


@dataclass
class Stats:
    messages: int = 0  # new messages recorded in seen
    duplicates: int = 0  # Message-Id already seen (public-inbox keeps duplicates)
    replayed: int = 0  # messages skipped while replaying a rewritten epoch
    replays: int = 0  # epochs whose history was rewritten (purge)
    series: int = 0  # jobs run
    waiting: int = 0  # incomplete series still inside their quiet period
    errors: int = 0  # unreadable mail, reviews that raised, failed fetches
    replies: int = 0  # replies recorded in the outbox
    written: int = 0
    sent: int = 0
    confirmed: int = 0  # unconfirmed sends found in the archive
    deferred: int = 0  # embargo / rate limit
    failed: int = 0  # send attempts that failed (kept, retried with backoff)
    checks: int = 0  # patchwork checks posted
    checks_found: int = 0  # checks patchwork had already (posted before a restart)
    checks_waiting: int = 0  # patches patchwork has not shown yet (it lags the list)
    checks_dropped: int = 0  # patches patchwork never showed: given up
    check_errors: int = 0  # patchwork calls that failed (kept, retried with backoff)
    dropped_recipients: int = 0  # To/Cc addresses of patch mails not copied (max_copied)
    locked: str = ""  # another follower holds the list's lease: who
    # mails not reviewed, each logged with its reason; reason -> mails for /metrics (not in
    # line(): the round's summary line is a scripting contract)
    skipped: int = field(default=0, metadata={"line": False})
    skip_reasons: dict[str, int] = field(default_factory=dict, metadata={"line": False})

    def line(self) -> str:
        return ", ".join(f"{f.name} {getattr(self, f.name)}" for f in fields(self)
                         if getattr(self, f.name) and f.metadata.get("line", True))

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped += n
        self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + n


def _headers(raw: bytes):
    return email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)


def _text(value) -> str:
    if value is None:
        return ""
    try:
        return str(email.header.make_header(email.header.decode_header(str(value))))
    except Exception:  # undecodable encoded-words: keep the raw header
        return str(value)


def _msgid(h, blob: str) -> str:
    m = re.search(r"<([^<>\s]+)>", str(h.get("Message-Id", "")))
    return m.group(1) if m else f"{blob}@reviewbot.invalid"


def is_complete(series: Series) -> bool:
    """Every patch of the series arrived (Series.complete); a lone cover is incomplete."""
    return series.complete


class SeriesQueue(Protocol):
    """Where a follower in the service puts settled series (reviewbot.service.queue.LeasedQueue)."""

    def series_exists(self, list_name: str, key: str, revision: int) -> bool: ...

    def submit_series(self, list_name: str, key: str, revision: int, identity: str, payload: bytes,
                      meta: str) -> int | None: ...


class Follower:
    """Without a ``queue`` (`reviewbot watch`) each settled series is reviewed in this process;
    with one (`reviewbot serve`) it becomes a job on the service's queue, carrying the thread's
    raw messages, and a worker reviews it (``review_job``)."""

    def __init__(self, policy: ListPolicy, engine: sa.Engine, now: Callable[[], float] = time.time,
                 queue: SeriesQueue | None = None):
        self.p = policy
        self.eng = engine
        self.now = now
        self.queue = queue
        self.stats = Stats()
        self.outbox = outbox.Outbox.of(policy, engine, now, self.stats)  # this list's replies
        self.checks = pwposter.Poster.of(policy, engine, now, self.stats)  # this list's patchwork checks
        self.recorded_rules: list[str] = []  # rule of each mailable finding of the last series recorded
        self.patchwork = None  # a reviewbot.patchwork.client.Patchwork to post with (default: from the policy)

    # -- mirror ---------------------------------------------------------------------------
    def fetch(self) -> None:
        """Update the mirror with public-inbox-fetch; a failure is logged and counted, the walk
        of what is already mirrored goes on."""
        try:
            res = subprocess.run(["public-inbox-fetch", "-q", "-C", str(self.p.inbox)], capture_output=True,
                                 text=True, timeout=1800)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.stats.errors += 1
            log.error("list=%s fetch failed: %s", self.p.name, exc)
            return
        if res.returncode != 0:
            self.stats.errors += 1
            log.error("list=%s fetch failed (exit %d): %s", self.p.name, res.returncode,
                      res.stderr.strip().splitlines()[-1:] or "")

    # -- walk -----------------------------------------------------------------------------
    def _cursor(self, n: int) -> str | None:
        with self.eng.connect() as c:
            return c.execute(sa.select(T.cursors.c.commit).where(
                T.cursors.c.list == self.p.name, T.cursors.c.epoch == n)).scalar()

    def walk(self) -> None:
        found = epochs.epochs(self.p.inbox)
        if not found:
            self.stats.errors += 1
            log.error("list=%s %s is not a public-inbox v2 inbox (no git/N.git)", self.p.name, self.p.inbox)
            return
        for n, path in found:
            repo = git.Repo(path)
            try:
                head = epochs.tip(repo)
                if head is None:
                    continue
                cursor = self._cursor(n)
                replay = epochs.needs_replay(repo, cursor, head)
                if replay:
                    self.stats.replays += 1
                    log.warning("list=%s epoch %d: history rewritten (purge?); replaying, skipping seen",
                                self.p.name, n)
                batch: list[epochs.Mail] = []
                for mail in epochs.walk(repo, n, cursor, replay):
                    batch.append(mail)
                    if len(batch) >= BATCH:
                        self._record(n, batch, replay)
                        batch = []
                if batch:
                    self._record(n, batch, replay)
            finally:
                repo.close()

    def _record(self, n: int, batch: list[epochs.Mail], replay: bool) -> None:
        parsed = []
        for mail in batch:
            if mail.raw:
                h = _headers(mail.raw)
                parsed.append((mail, h, _msgid(h, mail.blob)))
            else:
                self.stats.skip("empty")
                log.info("list=%s skipped commit %s: empty message", self.p.name, mail.commit[:12],
                         extra={"list": self.p.name, "reason": "empty"})
        with self.eng.begin() as c:
            ids = [mid for _, _, mid in parsed]
            known = set()
            for i in range(0, len(ids), 500):
                known |= set(c.execute(sa.select(T.seen.c.msgid).where(
                    T.seen.c.list == self.p.name, T.seen.c.msgid.in_(ids[i:i + 500]))).scalars())
            for mail, h, mid in parsed:
                if mid in known:
                    if replay:
                        self.stats.replayed += 1
                    else:
                        self.stats.duplicates += 1
                        log.info("list=%s duplicate Message-Id <%s> (commit %s)", self.p.name, mid, mail.commit[:12])
                    continue
                known.add(mid)
                row = self._seen_row(mail, h, mid)
                c.execute(T.seen.insert().values(**row))
                if row["kind"] != "post":
                    self.stats.skip(row["kind"])
                    log.info("list=%s skipped <%s>: %s", self.p.name, mid, _SKIPPED[row["kind"]],
                             extra={"list": self.p.name, "reason": row["kind"]})
                self.stats.messages += 1
            crash_point("mid-walk")
            # the Message-Ids above are in the same transaction as the cursor move
            last = batch[-1].commit
            upd = c.execute(T.cursors.update().where(T.cursors.c.list == self.p.name, T.cursors.c.epoch == n)
                            .values(commit=last))
            if upd.rowcount == 0:
                c.execute(T.cursors.insert().values(list=self.p.name, epoch=n, commit=last))

    def _seen_row(self, mail: epochs.Mail, h, mid: str) -> dict:
        sender = email.utils.parseaddr(_text(h.get("From")))[1].lower()
        subject = _text(h.get("Subject")).replace("\n", " ")
        if sender and sender == self.p.own_address:
            kind = "own"
        elif sender and self.p.ignored_sender(sender):
            kind = "ignored"
        elif _REPLY.match(subject):
            kind = "reply"
        else:
            kind = "post"
        root = b4src._thread_root(h) or mid  # the adapter's notion of a thread root
        return dict(list=self.p.name, msgid=mid, epoch=mail.epoch, blob=mail.blob, root=root[:500], kind=kind,
                    state="new" if kind == "post" else "done", arrived=mail.arrived, sender=sender[:500],
                    subject=subject, raw=mail.raw if kind == "post" else None)

    # -- series ---------------------------------------------------------------------------
    def assemble(self) -> None:
        with self.eng.connect() as c:
            rows = c.execute(sa.select(T.seen.c.msgid, T.seen.c.root, T.seen.c.raw, T.seen.c.arrived).where(
                T.seen.c.list == self.p.name, T.seen.c.kind == "post", T.seen.c.state == "new")
                .order_by(T.seen.c.arrived)).all()
        groups: dict[str, list] = {}
        for r in rows:
            groups.setdefault(r.root, []).append(r)
        for root, posts in groups.items():
            self._settle(root, posts)

    def _settle(self, root: str, posts: list) -> None:
        source = f"{self.p.name}:<{root}>"
        msgs, readable = [], []
        for r in posts:
            try:
                msgs += b4src.split_mbox(r.raw, f"{self.p.name}:<{r.msgid}>")
                readable.append(r)
            except InputError as exc:
                self.stats.errors += 1
                self.stats.skip("unreadable")
                log.warning("list=%s skipped unreadable mail: %s", self.p.name, exc,
                            extra={"list": self.p.name, "reason": "unreadable"})
        errors: list[InputError] = []
        try:
            found = b4src.series_from_messages(msgs, source, errors=errors) if msgs else []
        except InputError as exc:  # no patch in this thread (questions, bot reports) or unreadable
            reason = "no-patch" if exc.reason.startswith("no patches found") else "unreadable"
            self.stats.skip(reason, len(readable))
            (log.info if reason == "no-patch" else log.warning)(
                "list=%s skipped thread <%s> (%d mail(s)): %s", self.p.name, root, len(readable), exc.reason,
                extra={"list": self.p.name, "reason": reason})
            found = []
        for exc in errors:
            self.stats.errors += 1
            self.stats.skip("unreadable")
            log.warning("list=%s skipped: %s", self.p.name, exc, extra={"list": self.p.name, "reason": "unreadable"})
        last = max(r.arrived for r in posts)
        arrived = {r.msgid: r.arrived for r in posts}
        raws = {r.msgid: r.raw for r in posts}
        settled = True
        for s in found:
            key = s.msgid or root
            if self._job_exists(key, s.revision):
                continue
            complete = is_complete(s)
            if not complete and self.now() - last < self.p.quiet_minutes * 60:
                settled = False
                self.stats.waiting += 1
                continue
            if self.queue is None:
                self.review_and_record(s, key, complete, arrived, raws, last)
            else:
                self._enqueue(s, key, root, readable)
        if settled:
            with self.eng.begin() as c:
                c.execute(T.seen.update().where(T.seen.c.list == self.p.name,
                                                T.seen.c.msgid.in_([r.msgid for r in posts]))
                          .values(state="done", raw=None))

    def _job_exists(self, root: str, revision: int) -> bool:
        with self.eng.connect() as c:
            if c.execute(sa.select(T.jobs.c.id).where(T.jobs.c.list == self.p.name, T.jobs.c.root == root,
                                                      T.jobs.c.revision == revision)).first() is not None:
                return True
        return self.queue is not None and self.queue.series_exists(self.p.name, root, revision)

    def _enqueue(self, s: Series, key: str, root: str, posts: list) -> None:
        """The series as a queue job: the (readable) raw messages of its thread, so no mirror is
        needed to review it (``review_job`` rebuilds the same Series with the same b4 code)."""
        payload, meta = series_payload([(r.msgid, r.arrived, r.raw) for r in posts], root)
        sender = email.utils.parseaddr(s.patches[0].author)[1].lower() if s.patches else ""
        ident = ("change-id", s.change_id) if s.change_id else ("subject", s.subject, sender)
        identity = hashlib.sha1("\0".join(ident).encode("utf-8", "surrogateescape")).hexdigest()
        job_id = self.queue.submit_series(self.p.name, key, s.revision, identity, payload, meta)
        if job_id is not None:
            self.stats.series += 1
            log.info("list=%s queued <%s> v%d as job %d (%d message(s))", self.p.name, key, s.revision, job_id,
                     len(json.loads(meta)["messages"]), extra={"list": self.p.name, "series": key, "job": job_id})

    def review_job(self, key: str, revision: int, payload: bytes, meta: str,
                   fence: Callable[[sa.Connection], bool]) -> tuple[str, str]:
        """A queued series (``_enqueue``): rebuild it from its messages, review, record the job and
        its replies under ``fence`` (the queue claim, checked in the recording transaction), then
        hand this job's replies to the outbox.  (state, result) for the queue."""
        info = json.loads(meta)
        arrived, raws, msgs = {}, {}, []
        pos = 0
        try:
            for m in info["messages"]:
                raw = payload[pos:pos + m["size"]]
                pos += m["size"]
                arrived[m["msgid"]], raws[m["msgid"]] = m["arrived"], raw
                msgs += b4src.split_mbox(raw, f"{self.p.name}:<{m['msgid']}>")
            found = b4src.series_from_messages(msgs, f"{self.p.name}:<{info.get('root', key)}>", revision=revision)
        except InputError as exc:
            return "failed", f"series <{key}> v{revision} cannot be rebuilt: {exc}"
        found = [s for s in found if (s.msgid or info.get("root", key)) == key]
        if not found:
            return "failed", f"series <{key}> v{revision} not found in its {len(msgs)} message(s)"
        s = found[0]
        last = max(arrived.values(), default=self.now())
        job_id, what, ok = self.review_and_record(s, key, is_complete(s), arrived, raws, last, fence=fence)
        if job_id is None:
            return "superseded", what
        try:
            self.outbox.flush(job_id=job_id)
        except Exception as exc:  # noqa: BLE001 - the replies are recorded: the follower's flush retries
            log.warning("list=%s replies of <%s> v%d recorded, not sent yet: %s", self.p.name, key, revision,
                        f"{exc.__class__.__name__}: {exc}", extra={"list": self.p.name, "series": key})
            what += f"; replies left to the follower's next flush ({exc.__class__.__name__}: {exc})"
        try:
            pwposter.flush(self.checks, job_id=job_id, client=self.patchwork)
        except Exception as exc:  # noqa: BLE001 - the checks are recorded: the follower's flush retries
            log.warning("list=%s checks of <%s> v%d recorded, not posted yet: %s", self.p.name, key, revision,
                        f"{exc.__class__.__name__}: {exc}", extra={"list": self.p.name, "series": key})
        return ("done" if ok else "failed"), what

    def mailable(self, review: Review) -> list[Finding]:
        return self.p.policy.shown(review.findings)

    def _previous(self, s: Series, sender: str):
        """The latest reviewed earlier revision of the same series (change-id, else subject+author)."""
        j = T.jobs.c
        same = (j.change_id == s.change_id) if s.change_id else sa.and_(j.subject == s.subject, j.sender == sender)
        with self.eng.connect() as c:
            return c.execute(sa.select(j.revision, j.findings).where(
                j.list == self.p.name, j.status == "done", j.revision < s.revision, same)
                .order_by(j.revision.desc()).limit(1)).first()

    def review_and_record(self, s: Series, key: str, complete: bool, arrived: dict, raws: dict, last: float,
                          fence: Callable[[sa.Connection], bool] | None = None) -> tuple[int | None, str, bool]:
        """Review ``s`` and record its job and replies in one transaction (with ``fence``: only
        while it answers True in that transaction).  (watch job id, what happened, reviewed
        without error); the id of the earlier record when the series was recorded before;
        (None, why, False) when the fence said no.
        """
        sender = email.utils.parseaddr(s.patches[0].author)[1].lower() if s.patches else ""
        review, error = None, None
        try:
            review = pipeline.review_series(s, pipeline.Options(tree=self.p.tree, tree_ref=self.p.tree_ref,
                                                                       select=self.p.select,
                                                                       ignore=self.p.ignore))
        except Exception as exc:  # logged and recorded, never mailed
            error = f"{exc.__class__.__name__}: {exc}"
            self.stats.errors += 1
            log.exception("list=%s review of <%s> v%d failed", self.p.name, key, s.revision)
        findings = self.mailable(review) if review else []
        delta = None
        prev = self._previous(s, sender) if review and s.revision > 1 else None
        if prev is not None:
            before = {d["fp"]: d["desc"] for d in json.loads(prev.findings)}
            now_fps = {f.fingerprint for f in findings}
            delta = mailreport.Delta(previous_revision=prev.revision,
                                     new=frozenset(now_fps - set(before)), kept=frozenset(now_fps & set(before)),
                                     resolved=tuple(d for fp, d in before.items() if fp not in now_fps))
        replies = []
        for patch in (s.patches if review else ()):
            mine = [f for f in findings if f.patch_index == patch.index]
            if not mine or not patch.msgid:
                continue
            replies.append(self._reply(
                s, review, patch.msgid, patch.author, raws.get(patch.msgid), arrived.get(patch.msgid, last),
                lambda ctx, mid, patch=patch, mine=mine: mailreport.build_reply(
                    patch, mine, replace(ctx, delta=delta), mid)))
        if review and not replies and self.p.summary and s.msgid and s.patches:
            root_raw = raws.get(s.msgid)
            subject = _text(_headers(root_raw).get("Subject")) if root_raw else f"[PATCH v{s.revision}] {s.subject}"
            checked = sorted(m.RULE.id for m in checks_engine.select_checks(self.p.select, self.p.ignore))
            replies.append(self._reply(
                s, review, s.msgid, s.patches[0].author, root_raw, arrived.get(s.msgid, last),
                lambda ctx, mid: mailreport.build_summary(s, subject, ctx, mid, checked)))
        now = self.now()
        try:
            with self.eng.begin() as c:
                if fence is not None and not fence(c):
                    return None, "the queue claim was lost (superseded or taken back): nothing recorded", False
                job_id = c.execute(T.jobs.insert().values(
                    list=self.p.name, root=key, revision=s.revision, subject=s.subject, change_id=s.change_id,
                    sender=sender, status="error" if error else "done", complete=complete,
                    findings=json.dumps([_finding_record(f, s) for f in findings]),
                    error=error, created=now)).inserted_primary_key[0]
                for row in replies:
                    c.execute(T.outbox.insert().values(job_id=job_id, created=now, **row))
                for row in pwposter.records(self.checks, s, findings, job_id, now) if review else ():
                    c.execute(PT.checks.insert().values(**row))
        except sa.exc.IntegrityError:  # another follower (or an earlier claim) recorded it first
            log.info("list=%s job <%s> v%d already recorded", self.p.name, key, s.revision)
            with self.eng.connect() as c:
                job_id = c.execute(sa.select(T.jobs.c.id).where(T.jobs.c.list == self.p.name, T.jobs.c.root == key,
                                                                T.jobs.c.revision == s.revision)).scalar()
            return job_id, "recorded before: nothing recorded twice", True
        crash_point("after-record")
        self.recorded_rules = [f.rule.id for f in findings]  # for the service's metrics
        self.stats.series += 1
        self.stats.replies += len(replies)
        what = (f"{len(findings)} finding(s) to mail, {len(replies)} repl{'y' if len(replies) == 1 else 'ies'}"
                + (f" (review failed: {error})" if error else ""))
        log.info("list=%s reviewed <%s> v%d%s: %s", self.p.name, key, s.revision,
                 "" if complete else " (incomplete, quiet period over)", what,
                 extra={"list": self.p.name, "series": key, "revision": s.revision})
        return job_id, what, error is None

    def _recipients(self, author_addr: str, raw: bytes | None) -> tuple[list[str], list[str]]:
        """(To, Cc) of a reply: the author, then per `reply_to` the list, our configured `cc`
        and the To/Cc of the patch mail, of which at most `max_copied` are kept (a patch
        mail with 500 addresses must not make us mail 500 people); the rest are dropped
        with a log line.  Our own address is never a recipient, nor any address twice."""
        author = email.utils.parseaddr(author_addr)
        author_s = headers.format_address(*author)
        orig: list[str] = []
        if raw:
            h = _headers(raw)
            orig = [headers.format_address(*a) for a in
                    email.utils.getaddresses([_text(v) for k in ("To", "Cc") for v in h.get_all(k, [])]) if a[1]]
        mine = [self.p.address] if self.p.address else []
        if self.p.reply_to == "author":
            to, cc, copied = [author_s], list(self.p.cc), []
        elif self.p.reply_to == "list":
            to, cc, copied = (mine or orig[:1]), list(self.p.cc), []
        else:
            to, cc, copied = [author_s], mine + list(self.p.cc), orig
        seen = {self.p.own_address}
        out_to, out_cc, dropped = [], [], []
        for dst, src, cap in ((out_to, to, None), (out_cc, cc, None), (out_cc, copied, self.p.max_copied)):
            taken = 0
            for a in src:
                addr = email.utils.parseaddr(a)[1].lower()
                if not addr or addr in seen:
                    continue
                seen.add(addr)
                if cap is not None and taken >= cap:
                    dropped.append(addr)
                    continue
                taken += cap is not None
                dst.append(a)
        if dropped:
            self.stats.dropped_recipients += len(dropped)
            log.warning("list=%s reply to %s: %d address(es) of the patch mail's To/Cc dropped "
                        "(max_copied = %d): %s", self.p.name, author[1], len(dropped), self.p.max_copied,
                        headers.printable(", ".join(dropped[:5]) + (", ..." if len(dropped) > 5 else "")),
                        extra={"list": self.p.name})
        return out_to, out_cc

    def _reply(self, s: Series, review: Review, parent_msgid: str, author: str, raw: bytes | None,
               arrived: float, build) -> dict:
        """An outbox row for a reply to `parent_msgid`; `build(ctx, msgid)` makes the mail."""
        to, cc = self._recipients(author, raw)
        msgid = mailreport.make_msgid(self.p.sender, self.p.name, parent_msgid, str(s.revision))
        ctx = mailreport.ReplyContext(sender=self.p.sender, to=tuple(to), cc=tuple(cc), root_msgid=s.msgid,
                                      archive_url=self.p.archive_url, docs_url=self.p.docs_url,
                                      revision=s.revision, context=review.context)
        msg = build(ctx, msgid)
        rcpts = [email.utils.parseaddr(a)[1] for a in to + cc]
        return dict(msgid=msgid, list=self.p.name, patch_msgid=parent_msgid,
                    author=email.utils.parseaddr(author)[1].lower(), recipients=json.dumps(rcpts),
                    raw=msg.as_bytes(), status="queued", attempts=0,
                    not_before=max(self.now(), arrived + self.p.embargo_hours * 3600))

    # -- one round ------------------------------------------------------------------------
    def run_once(self, hold: bool = False, ttl: float = 900.0) -> Stats:
        """One round: fetch, walk, confirm, assemble and review, send.  With `hold` the lease on
        the list is kept for the next round (the loop), else released at the end."""
        ok, holder = lock.acquire(self.eng, self.p.name, self.now(), ttl)
        if not ok:
            self.stats.locked = holder
            log.warning("list=%s is followed by %s: skipping this round", self.p.name, holder)
            return self.stats
        try:
            if self.p.fetch:
                self.fetch()
            # sends whose sender is gone, judged before the walk: whatever such a sender handed
            # the relay is in the archive by then (if the list archives it), so the walk sees it
            abandoned = self.outbox.abandoned()
            self.walk()
            self.outbox.reconcile(abandoned)  # sends that were not confirmed: in the archive now?
            self.assemble()
            self.outbox.flush()
            pwposter.reconcile(self.checks)  # checks whose poster died: the flush looks on the patch first
            pwposter.flush(self.checks, client=self.patchwork)
        finally:
            if not hold:
                lock.release(self.eng, self.p.name)
        return self.stats


def follower(policy: ListPolicy, url: str, now: Callable[[], float] = time.time,
             queue: SeriesQueue | None = None) -> Follower:
    return Follower(policy, db.create_all(url), now, queue)


def series_payload(messages: list[tuple[str, float, bytes]], root: str) -> tuple[bytes, str]:
    """(msgid, arrived, raw) of a thread's messages -> (the raw messages end to end, JSON meta
    with each one's Message-Id, arrival time and size).  Raw mail is kept byte for byte: no mbox
    "From " escaping to get wrong."""
    meta = [{"msgid": mid, "arrived": t, "size": len(raw)} for mid, t, raw in messages]
    return b"".join(raw for _, _, raw in messages), json.dumps({"root": root, "messages": meta})


def _finding_record(f, series) -> dict:
    """What a job keeps of a finding: `fp` and `desc` (what a v2 compares against), and what
    the results pages show (rule, level, confidence, where, the line, patch n/m)."""
    return {"fp": f.fingerprint, "desc": mailreport.describe(f), "rule": f.rule.id,
            "level": f.effective_level.name.lower(), "confidence": f.effective_confidence.value,
            "path": f.path, "line": f.line, "side": f.side.value, "text": f.text, "message": f.message,
            "patch": f.patch_index, "patches": len(series.patches), "patch_msgid": f.patch_msgid}
