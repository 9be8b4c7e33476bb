"""Checks to patchwork the way replies go to the list (reviewbot.watch.outbox).

A series' checks are recorded in the transaction that records its job (``records``), one row
per patch, before anything is posted.  ``flush`` then, for each row that is due: claims it
(queued -> posting, compare-and-set), finds the patch by Message-Id (patchwork lags the list:
not there yet, the row waits with a growing pause; still not there ``give_up_hours`` after the
review, the series' rows are dropped with a log line), reads the patch's checks and posts ours
only if it is not among them, then marks the row.  A crash between the POST and the mark
leaves the row 'posting'; ``reconcile`` queues it again once its claimer is gone, and the next
flush finds the check on the patch and marks it 'found': one check per patch, never two.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Iterable
from urllib.parse import quote

import httpx
import sqlalchemy as sa

from reviewbot.forge.http import ForgeError
from reviewbot.forge.queue import claimer_dead, process_owner
from reviewbot.model import Finding, Series
from reviewbot.patchwork import tables as PT
from reviewbot.patchwork.checks import Check, check_for
from reviewbot.patchwork.client import NoToken, Patchwork
from reviewbot.watch import tables as T
from reviewbot.watch.faults import crash_point

if TYPE_CHECKING:
    from reviewbot.watch.follow import Follower

log = logging.getLogger("reviewbot.patchwork")

MAX_ATTEMPTS = 10
CLAIM_LEASE = 1800.0  # s: a 'posting' row of a process we cannot check is taken back after this


def backoff(attempts: int) -> float:
    return min(60.0 * 2 ** max(attempts - 1, 0), 6 * 3600.0)


def lookup_pause(lookups: int) -> float:
    """Seconds before looking for a patch patchwork did not have yet: 1, 2, 4 ... 30 minutes."""
    return min(60.0 * 2 ** max(lookups - 1, 0), 1800.0)


def target_url(fw: "Follower", job_id: int, msgid: str) -> str:
    if fw.p.results_url:
        return f"{fw.p.results_url.rstrip('/')}/series/{job_id}"
    return f"{fw.p.archive_url.rstrip('/')}/{quote(msgid, safe='@.+-_=')}/"


def records(fw: "Follower", s: Series, findings: Iterable[Finding], job_id: int, now: float) -> list[dict]:
    """One row per patch of ``s`` (its check from the findings reported on it)."""
    if fw.p.patchwork is None:
        return []
    found = list(findings)
    out = []
    for patch in s.patches:
        if not patch.msgid:
            continue
        c = check_for([f for f in found if f.patch_index == patch.index], target_url(fw, job_id, patch.msgid))
        out.append(dict(list=fw.p.name, job_id=job_id, patch_msgid=patch.msgid, state=c.state,
                        description=c.description, target_url=c.target_url, context=c.context, status="queued",
                        attempts=0, lookups=0, not_before=now, created=now))
    return out


def _set(fw: "Follower", row_id: int, expect: str | None = None, **values) -> bool:
    q = PT.checks.update().where(PT.checks.c.id == row_id)
    if expect is not None:
        q = q.where(PT.checks.c.status == expect)
    with fw.eng.begin() as c:
        return c.execute(q.values(**values)).rowcount == 1


def reconcile(fw: "Follower") -> None:
    """'posting' rows whose claimer is gone (or took longer than CLAIM_LEASE): queued again.
    The next flush reads the patch's checks before posting, so a check that went out is found."""
    k = PT.checks.c
    me, now = process_owner(), fw.now()
    with fw.eng.connect() as c:
        rows = c.execute(sa.select(k.id, k.claimed_by, k.claimed_at).where(
            k.list == fw.p.name, k.status == "posting")).all()
    for r in rows:
        if r.claimed_by is None or claimer_dead(r.claimed_by, me) or (r.claimed_at or 0) < now - CLAIM_LEASE:
            _set(fw, r.id, expect="posting", status="queued", not_before=now)


def _client(fw: "Follower") -> Patchwork:
    pw = fw.p.patchwork
    return Patchwork(pw.url, pw.token, project=pw.project)


def flush(fw: "Follower", job_id: int | None = None, client: Patchwork | None = None) -> None:
    """Post the recorded checks that are due: the list's, or only those of one job."""
    pw = fw.p.patchwork
    if pw is None:
        return
    k = PT.checks.c
    q = sa.select(PT.checks).where(k.list == fw.p.name, k.status == "queued", k.not_before <= fw.now())
    if job_id is not None:
        q = q.where(k.job_id == job_id)
    with fw.eng.connect() as c:
        rows = c.execute(q.order_by(k.id)).all()
    if not rows:
        return
    own = client is None and fw.patchwork is None
    client = client or fw.patchwork or _client(fw)
    try:
        for row in rows:
            if not _one(fw, client, row):
                break  # patchwork is down (the client retried): the rest waits for the next round
    finally:
        if own:
            client.close()


def _one(fw: "Follower", client: Patchwork, row) -> bool:
    """Handle one row; False when patchwork did not answer or answered 5xx (after retries)."""
    now = fw.now()
    if not _set(fw, row.id, expect="queued", status="posting", claimed_by=process_owner(), claimed_at=now):
        return True  # another process took it, or the series was given up meanwhile
    try:
        patch_id = row.patch_id
        if patch_id is None:
            found = client.patches(row.patch_msgid)
            if not found:
                _not_there(fw, row, now)
                return True
            patch_id = int(found[0]["id"])
            _set(fw, row.id, patch_id=patch_id)
        check = Check(row.state, row.description, row.target_url, row.context)
        posted, got = client.ensure(patch_id, check, after_post=lambda: crash_point("mid-check"))
    except (ForgeError, httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        attempts = row.attempts + 1
        status = "failed" if attempts >= MAX_ATTEMPTS else "queued"
        fw.stats.check_errors += 1
        log.warning("list=%s check on <%s> not posted (attempt %d%s): %s", fw.p.name, row.patch_msgid, attempts,
                    ", giving up" if status == "failed" else "", f"{exc.__class__.__name__}: {exc}")
        _set(fw, row.id, status=status, attempts=attempts, last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
             not_before=now + backoff(attempts))
        down = isinstance(exc, httpx.HTTPError) or isinstance(exc, ForgeError) and not isinstance(exc, NoToken) \
            and (exc.status == 0 or exc.status >= 500)
        return not down
    _set(fw, row.id, status="posted" if posted else "found", check_id=got.get("id"), done_at=fw.now())
    if posted:
        fw.stats.checks += 1
        log.info("list=%s check %s on patch %d <%s>", fw.p.name, row.state, patch_id, row.patch_msgid)
    else:
        fw.stats.checks_found += 1
        log.info("list=%s check on patch %d <%s> was there already (posted before a restart)",
                 fw.p.name, patch_id, row.patch_msgid)
    return True


def _not_there(fw: "Follower", row, now: float) -> None:
    """Patchwork has no patch for the mail (yet): wait, or give the series up."""
    lookups = row.lookups + 1
    if now - row.created < fw.p.patchwork.give_up_hours * 3600:
        fw.stats.checks_waiting += 1
        _set(fw, row.id, status="queued", lookups=lookups, not_before=now + lookup_pause(lookups))
        return
    k, j = PT.checks.c, T.jobs.c
    with fw.eng.begin() as c:
        n = c.execute(PT.checks.update().where(
            k.job_id == row.job_id, k.patch_id.is_(None),
            sa.or_(k.status == "queued", k.id == row.id)).values(status="dropped", done_at=now, lookups=lookups)).rowcount
        job = c.execute(sa.select(j.root, j.revision).where(j.id == row.job_id)).first()
    fw.stats.checks_dropped += n
    log.warning("list=%s series <%s> v%d: patchwork (%s, project %s) never showed %d of its patches in %.0f h; "
                "no check posted for them", fw.p.name, job.root if job else "?", job.revision if job else 0,
                fw.p.patchwork.url, fw.p.patchwork.project, n, fw.p.patchwork.give_up_hours)
