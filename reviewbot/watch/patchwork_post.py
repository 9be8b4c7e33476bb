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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable
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
    from reviewbot.patchwork.settings import PatchworkTarget
    from reviewbot.watch.follow import Stats
    from reviewbot.watch.policy import ListPolicy

log = logging.getLogger("reviewbot.patchwork")

MAX_ATTEMPTS = 10
CLAIM_LEASE = 1800.0  # s: a 'posting' row of a process we cannot check is taken back after this


def backoff(attempts: int) -> float:
    return min(60.0 * 2 ** max(attempts - 1, 0), 6 * 3600.0)


def lookup_pause(lookups: int) -> float:
    """Seconds before looking for a patch patchwork did not have yet: 1, 2, 4 ... 30 minutes."""
    return min(60.0 * 2 ** max(lookups - 1, 0), 1800.0)


@dataclass(frozen=True)
class Poster:
    """One list's patchwork checks: what the functions below need of the follower that owns it."""

    eng: sa.Engine
    list_name: str
    target: "PatchworkTarget | None"  # where to post (None: the list posts no checks)
    results_url: str  # the results site: a check links to its series page there ...
    archive_url: str  # ... else to the patch in the list archive
    now: Callable[[], float]
    stats: "Stats"  # the follower's counters: checks, checks_found, checks_waiting, ...

    @classmethod
    def of(cls, p: "ListPolicy", eng: sa.Engine, now: Callable[[], float], stats: "Stats") -> "Poster":
        return cls(eng=eng, list_name=p.name, target=p.patchwork, results_url=p.results_url,
                   archive_url=p.archive_url, now=now, stats=stats)


def target_url(ps: Poster, job_id: int, msgid: str) -> str:
    if ps.results_url:
        return f"{ps.results_url.rstrip('/')}/series/{job_id}"
    return f"{ps.archive_url.rstrip('/')}/{quote(msgid, safe='@.+-_=')}/"


def records(ps: Poster, s: Series, findings: Iterable[Finding], job_id: int, now: float) -> list[dict]:
    """One row per patch of ``s`` (its check from the findings reported on it)."""
    if ps.target is None:
        return []
    found = list(findings)
    out = []
    for patch in s.patches:
        if not patch.msgid:
            continue
        c = check_for([f for f in found if f.patch_index == patch.index], target_url(ps, job_id, patch.msgid))
        out.append(dict(list=ps.list_name, job_id=job_id, patch_msgid=patch.msgid, state=c.state,
                        description=c.description, target_url=c.target_url, context=c.context, status="queued",
                        attempts=0, lookups=0, not_before=now, created=now))
    return out


def _set(ps: Poster, row_id: int, expect: str | None = None, **values) -> bool:
    q = PT.checks.update().where(PT.checks.c.id == row_id)
    if expect is not None:
        q = q.where(PT.checks.c.status == expect)
    with ps.eng.begin() as c:
        return c.execute(q.values(**values)).rowcount == 1


def reconcile(ps: Poster) -> None:
    """'posting' rows whose claimer is gone (or took longer than CLAIM_LEASE): queued again.
    The next flush reads the patch's checks before posting, so a check that went out is found."""
    k = PT.checks.c
    me, now = process_owner(), ps.now()
    with ps.eng.connect() as c:
        rows = c.execute(sa.select(k.id, k.claimed_by, k.claimed_at).where(
            k.list == ps.list_name, k.status == "posting")).all()
    for r in rows:
        if r.claimed_by is None or claimer_dead(r.claimed_by, me) or (r.claimed_at or 0) < now - CLAIM_LEASE:
            _set(ps, r.id, expect="posting", status="queued", not_before=now)


def _client(ps: Poster) -> Patchwork:
    pw = ps.target
    return Patchwork(pw.url, pw.token, project=pw.project)


def flush(ps: Poster, job_id: int | None = None, client: Patchwork | None = None) -> None:
    """Post the recorded checks that are due: the list's, or only those of one job.  Without a
    `client`, one is made for this flush from the list's settings (and closed after)."""
    pw = ps.target
    if pw is None:
        return
    k = PT.checks.c
    q = sa.select(PT.checks).where(k.list == ps.list_name, k.status == "queued", k.not_before <= ps.now())
    if job_id is not None:
        q = q.where(k.job_id == job_id)
    with ps.eng.connect() as c:
        rows = c.execute(q.order_by(k.id)).all()
    if not rows:
        return
    own = client is None
    client = client or _client(ps)
    try:
        for row in rows:
            if not _one(ps, client, row):
                break  # patchwork is down (the client retried): the rest waits for the next round
    finally:
        if own:
            client.close()


def _one(ps: Poster, client: Patchwork, row) -> bool:
    """Handle one row; False when patchwork did not answer or answered 5xx (after retries)."""
    now = ps.now()
    if not _set(ps, row.id, expect="queued", status="posting", claimed_by=process_owner(), claimed_at=now):
        return True  # another process took it, or the series was given up meanwhile
    try:
        patch_id = row.patch_id
        if patch_id is None:
            found = client.patches(row.patch_msgid)
            if not found:
                _not_there(ps, row, now)
                return True
            patch_id = int(found[0]["id"])
            _set(ps, row.id, patch_id=patch_id)
        check = Check(row.state, row.description, row.target_url, row.context)
        posted, got = client.ensure(patch_id, check, after_post=lambda: crash_point("mid-check"))
    except (ForgeError, httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        attempts = row.attempts + 1
        status = "failed" if attempts >= MAX_ATTEMPTS else "queued"
        ps.stats.check_errors += 1
        log.warning("list=%s check on <%s> not posted (attempt %d%s): %s", ps.list_name, row.patch_msgid, attempts,
                    ", giving up" if status == "failed" else "", f"{exc.__class__.__name__}: {exc}")
        _set(ps, row.id, status=status, attempts=attempts, last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
             not_before=now + backoff(attempts))
        down = isinstance(exc, httpx.HTTPError) or isinstance(exc, ForgeError) and not isinstance(exc, NoToken) \
            and (exc.status == 0 or exc.status >= 500)
        return not down
    _set(ps, row.id, status="posted" if posted else "found", check_id=got.get("id"), done_at=ps.now())
    if posted:
        ps.stats.checks += 1
        log.info("list=%s check %s on patch %d <%s>", ps.list_name, row.state, patch_id, row.patch_msgid)
    else:
        ps.stats.checks_found += 1
        log.info("list=%s check on patch %d <%s> was there already (posted before a restart)",
                 ps.list_name, patch_id, row.patch_msgid)
    return True


def _not_there(ps: Poster, row, now: float) -> None:
    """Patchwork has no patch for the mail (yet): wait, or give the series up."""
    lookups = row.lookups + 1
    if now - row.created < ps.target.give_up_hours * 3600:
        ps.stats.checks_waiting += 1
        _set(ps, row.id, status="queued", lookups=lookups, not_before=now + lookup_pause(lookups))
        return
    k, j = PT.checks.c, T.jobs.c
    with ps.eng.begin() as c:
        n = c.execute(PT.checks.update().where(
            k.job_id == row.job_id, k.patch_id.is_(None),
            sa.or_(k.status == "queued", k.id == row.id)).values(status="dropped", done_at=now, lookups=lookups)).rowcount
        job = c.execute(sa.select(j.root, j.revision).where(j.id == row.job_id)).first()
    ps.stats.checks_dropped += n
    log.warning("list=%s series <%s> v%d: patchwork (%s, project %s) never showed %d of its patches in %.0f h; "
                "no check posted for them", ps.list_name, job.root if job else "?", job.revision if job else 0,
                ps.target.url, ps.target.project, n, ps.target.give_up_hours)
