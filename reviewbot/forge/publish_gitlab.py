"""Post a Review on a GitLab merge request.

Positioned discussions (``position_type: text`` with ``base_sha``/``start_sha``/``head_sha``,
``old_path``/``new_path`` and ``new_line`` for an added line, ``old_line`` for a removed one,
both for a context line; reviewbot.diffmap decides), capped per run; one summary note edited
in place (hidden marker AND our user id).  Fingerprints already posted are not posted again;
our discussions whose finding is gone are resolved unless a human replied.
"""

from __future__ import annotations

import logging

from reviewbot.diffmap import DiffMap
from reviewbot.forge import posting
from reviewbot.forge.gitlab import GitLab, MergeRequest
from reviewbot.forge.http import ForgeError
from reviewbot.model import Finding, Review
from reviewbot.forge.publish_github import Published

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000


def publish(gl: GitLab, mr: MergeRequest, review: Review, findings: list[Finding], inline: bool = True,
            cap: int = 30, problems: list[str] = ()) -> Published:
    me = gl.identity()
    out = Published(problems=list(problems))
    discussions = gl.discussions(mr.iid)
    ours = []
    for d in discussions:
        notes = d.get("notes") or []
        if notes and (notes[0].get("author") or {}).get("id") == me and posting.fingerprint_in(notes[0].get("body")):
            ours.append(d)
    posted = {posting.fingerprint_in(d["notes"][0]["body"]) for d in ours}
    dmap = DiffMap.for_series(review.series)
    p = posting.plan(findings, dmap, posted, inline, cap)
    out.already = len(p.already)
    refused = []
    for f, pos in p.inline:
        position = {"position_type": "text", "base_sha": mr.base_sha, "start_sha": mr.start_sha,
                    "head_sha": mr.head_sha, "old_path": pos.old_path, "new_path": pos.path,
                    **pos.gitlab_lines()}
        try:
            gl.create_discussion(mr.iid, posting.comment_body("gitlab", f, p.key[id(f)]), position)
            out.inline += 1
        except ForgeError as exc:
            if exc.status not in (400, 422):
                raise
            gl.api.counters.inc("post_failures", forge="gitlab")
            log.error("discussion on !%d refused: %s", mr.iid, exc)
            refused.append((f, "GitLab refused the inline comment"))
    if refused:
        out.problems.append(f"{len(refused)} inline comment(s) refused by GitLab: listed here")
        p.summary_only = refused + p.summary_only
    out.summary = _summary(gl, mr, me, review, findings, p, out.problems)
    out.resolved = _resolve_stale(gl, mr.iid, me, ours, p.current)
    return out


def _summary(gl: GitLab, mr: MergeRequest, me: int, review: Review, findings: list[Finding],
             p: posting.Plan, problems: list[str]) -> str:
    mine = [n for n in gl.notes(mr.iid) if (n.get("author") or {}).get("id") == me and not n.get("system")
            and posting.SUMMARY_MARKER in (n.get("body") or "")]
    if not mine and not posting.worth_a_summary(review, findings, problems):
        return "none"
    body = posting.summary_body("gitlab", review, findings, p, mr.head_sha, problems)[:MAX_BODY]
    if not mine:
        gl.create_note(mr.iid, body)
        return "created"
    if mine[0].get("body") == body:
        return "unchanged"
    gl.edit_note(mr.iid, mine[0]["id"], body)
    return "edited"


def _resolve_stale(gl: GitLab, iid: int, me: int, ours: list[dict], current: set[str]) -> int:
    n = 0
    for d in ours:
        notes = d["notes"]
        first = notes[0]
        if not first.get("resolvable", True) or first.get("resolved"):
            continue
        if posting.fingerprint_in(first.get("body")) in current:
            continue
        if any((x.get("author") or {}).get("id") != me for x in notes[1:] if not x.get("system")):
            continue  # a human replied
        gl.resolve_discussion(iid, d["id"])
        n += 1
    return n
