"""Post a Review on a GitHub pull request.

One review per run (``event: COMMENT``, ``commit_id`` = the reviewed head) whose inline
comments sit only on lines inside hunks (``side`` RIGHT for added/context lines, LEFT for
removed ones; reviewbot.diffmap decides), capped per review; one summary comment per PR,
found again by its hidden marker AND our own user id, edited in place.  A fingerprint already
posted on the PR is never posted again; our threads whose finding is gone are resolved
(GraphQL ``resolveReviewThread``) unless a human replied in them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from reviewbot.diffmap import DiffMap
from reviewbot.forge import posting
from reviewbot.forge.github import GitHub
from reviewbot.forge.http import ForgeError
from reviewbot.model import Finding, Review

log = logging.getLogger(__name__)

MAX_BODY = 65536


@dataclass
class Published:
    inline: int = 0
    summary: str = "none"  # none | created | edited | unchanged
    resolved: int = 0
    already: int = 0
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        s = (f"{self.inline} new inline, {self.already} already posted, summary {self.summary}, "
             f"{self.resolved} resolved")
        return s + "".join(f"; {p}" for p in self.problems)


def publish(gh: GitHub, number: int, head_sha: str, review: Review, findings: list[Finding],
            inline: bool = True, cap: int = 30, problems: list[str] = ()) -> Published:
    me = gh.identity()
    out = Published(problems=list(problems))
    posted = {fp for c in gh.review_comments(number)
              if (c.get("user") or {}).get("id") == me.id and (fp := posting.fingerprint_in(c.get("body")))}
    dmap = DiffMap.for_series(review.series)
    p = posting.plan(findings, dmap, posted, inline, cap)
    out.already = len(p.already)
    if p.inline:
        comments = [{"path": pos.path, "line": pos.github_line, "side": pos.github_side,
                     "body": _cap(posting.comment_body("github", f, p.key[id(f)]))} for f, pos in p.inline]
        body = f"reviewbot found {len(p.inline)} new problem{'s' if len(p.inline) != 1 else ''} at `{head_sha[:12]}`."
        if p.summary_only:
            body += f" {len(p.summary_only)} more {'are' if len(p.summary_only) != 1 else 'is'} listed in the summary comment."
        try:
            gh.create_review(number, head_sha, body, comments)
            out.inline = len(comments)
        except ForgeError as exc:
            if exc.status != 422:
                raise
            # GitHub rejected the whole review (e.g. a line it does not consider part of the diff):
            # nothing was posted, so list the findings in the summary instead
            gh.api.counters.inc("post_failures", forge="github")
            log.error("review on %s#%d rejected: %s", gh.repo, number, exc)
            out.problems.append(f"inline review rejected by GitHub ({exc.status}): findings listed here")
            p.summary_only = [(f, "GitHub refused the inline comment") for f, _ in p.inline] + p.summary_only
            p.inline = []
    out.summary = _summary(gh, number, me.id, head_sha, review, findings, p, out.problems)
    out.resolved = _resolve_stale(gh, number, me.login, p.current)
    return out


def _summary(gh: GitHub, number: int, my_id: int, head_sha: str, review: Review, findings: list[Finding],
             p: posting.Plan, problems: list[str]) -> str:
    mine = [c for c in gh.issue_comments(number)
            if (c.get("user") or {}).get("id") == my_id and posting.SUMMARY_MARKER in (c.get("body") or "")]
    if not mine and not posting.worth_a_summary(review, findings, problems):
        return "none"  # nothing to say and nothing said before: stay quiet
    body = _cap(posting.summary_body("github", review, findings, p, head_sha, problems))
    if not mine:
        gh.create_issue_comment(number, body)
        return "created"
    if mine[0].get("body") == body:
        return "unchanged"
    gh.edit_issue_comment(mine[0]["id"], body)
    return "edited"


def _resolve_stale(gh: GitHub, number: int, my_login: str, current: set[str]) -> int:
    n = 0
    for t in gh.review_threads(number):
        comments = (t.get("comments") or {}).get("nodes") or []
        if t.get("isResolved") or not comments:
            continue
        first = comments[0]
        if ((first.get("author") or {}).get("login")) != my_login:
            continue
        fp = posting.fingerprint_in(first.get("body"))
        if not fp or fp in current:
            continue
        if any((c.get("author") or {}).get("login") != my_login for c in comments[1:]):
            continue  # a human replied: leave the conversation to them
        gh.resolve_thread(t["id"])
        n += 1
    return n


def _cap(body: str) -> str:
    if len(body) <= MAX_BODY:
        return body
    marker_at = body.rfind("<!-- reviewbot:")
    tail = body[marker_at:] if marker_at >= 0 else ""
    return body[: MAX_BODY - len(tail) - 40] + "\n\n… (truncated)\n\n" + tail
