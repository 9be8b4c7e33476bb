"""List series as queue jobs: what a worker (a `serve` thread or a `reviewbot worker`) does with one.

The list follower (reviewbot.watch.follow, with the service's queue) settles a series and
queues it with its thread's raw messages on the job row.  Any worker claims it like a forge job
(compare-and-set, ``attempts`` as the fencing token, heartbeat, reclaim), rebuilds the list's
policy from its own configuration ([lists.NAME], [watch], [smtp]), rebuilds the Series from the
messages with the b4 adapter, reviews it, records the series and its replies in one transaction
that also checks the claim, and hands the replies to the idempotent outbox (unique Message-Id,
compare-and-set sends).  A re-run after a crash records nothing twice and mails nothing twice.
"""

from __future__ import annotations

import logging
from typing import Any

from reviewbot.forge.metrics import Counters
from reviewbot.forge.queue import Job
from reviewbot.service.queue import LeasedQueue

log = logging.getLogger("reviewbot.service.lists")


class ListJobs:
    """``handler(job) -> (state, result)`` for ``forge = "list"`` jobs."""

    def __init__(self, cfg: dict[str, Any], queue: LeasedQueue, counters: Counters | None = None):
        from reviewbot.watch import policy

        self.policies = {p.name: p for p in policy.load_lists(cfg)}
        self.queue = queue
        self.counters = counters or Counters()

    def __call__(self, job: Job) -> tuple[str, str]:
        from reviewbot.watch.follow import Follower

        p = self.policies.get(job.spec.repo)
        if p is None:
            self.counters.inc("job_failures", forge="list")
            return "failed", f"list {job.spec.repo!r} is not configured here ([lists.{job.spec.repo}])"
        if job.ref is None or job.payload is None or job.meta is None:
            self.counters.inc("job_failures", forge="list")
            return "failed", "list job without its messages"
        fw = Follower(p, self.queue.engine)
        state, result = fw.review_job(job.ref, job.spec.number, job.payload, job.meta,
                                      fence=lambda conn: self.queue.fence(conn, job))
        if state == "done":
            self.counters.inc("reviews", forge="list")
            for rule in fw.recorded_rules:  # only when recorded now, not by an earlier claim
                self.counters.inc("findings", rule=rule)
        elif state == "failed":
            self.counters.inc("job_failures", forge="list")
        if fw.stats.dropped_recipients:
            self.counters.inc("recipients_dropped", fw.stats.dropped_recipients, list=p.name)
        if fw.stats.failed:
            self.counters.inc("post_failures", fw.stats.failed, forge="list")
        if fw.stats.check_errors:  # patchwork checks that could not be posted yet (kept, retried)
            self.counters.inc("post_failures", fw.stats.check_errors, forge="patchwork")
        return state, result
