"""What both forge reporters share: hidden markers, the post plan, the Markdown bodies.

A plan takes this run's findings, the fingerprints already posted on the PR/MR (read back from
our own comments: hidden marker AND our author id) and the diff map, and says which findings
get a new inline comment (at most ``cap``, only on lines inside hunks), which are listed in the
summary instead, and which of our earlier threads no longer apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reviewbot.diffmap import DiffMap, Position
from reviewbot.model import Finding, Review
from reviewbot.render import render
from reviewbot.report.base import level_counts, rules_used

SUMMARY_MARKER = "<!-- reviewbot:summary -->"
_FP = re.compile(r"<!-- reviewbot:fp=([0-9a-f]{8,64}(?:\.[0-9]+)?) -->")


def fp_marker(fingerprint: str) -> str:
    return f"<!-- reviewbot:fp={fingerprint} -->"


def fingerprint_in(body: str | None) -> str | None:
    m = _FP.search(body or "")
    return m.group(1) if m else None


def keys(findings: list[Finding]) -> list[tuple[str, Finding]]:
    """Posting keys: the fingerprint, with ``.N`` for the N-th repeat of the same flagged line.

    The fingerprint has no line number (so re-runs and rebases keep it), which makes the same
    line flagged twice in a file one fingerprint; the occurrence index keeps both comments.
    """
    seen: dict[str, int] = {}
    out = []
    for f in findings:
        n = seen.get(f.fingerprint, 0)
        seen[f.fingerprint] = n + 1
        out.append((f.fingerprint if n == 0 else f"{f.fingerprint}.{n}", f))
    return out


@dataclass
class Plan:
    inline: list[tuple[Finding, Position]] = field(default_factory=list)
    summary_only: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, why not inline)
    already: list[Finding] = field(default_factory=list)  # in an inline thread from an earlier run
    current: set[str] = field(default_factory=set)  # posting keys this run found
    key: dict[int, str] = field(default_factory=dict)  # id(finding) -> posting key (inline ones)

    @property
    def overflow(self) -> int:
        return sum(1 for _, why in self.summary_only if why == "overflow")


def plan(findings: list[Finding], dmap: DiffMap, posted: set[str], inline: bool, cap: int) -> Plan:
    keyed = keys(findings)
    p = Plan(current={k for k, _ in keyed})
    for fp, f in keyed:
        if fp in posted:
            p.already.append(f)
            continue
        pos = dmap.position(f) if inline else None
        if not inline:
            p.summary_only.append((f, "inline comments are off for this repository"))
        elif pos is None:
            p.summary_only.append((f, "not on a line of the diff"))
        elif len(p.inline) >= cap:
            p.summary_only.append((f, "overflow"))
        else:
            p.inline.append((f, pos))
            p.key[id(f)] = fp
    return p


def worth_a_summary(review: Review, findings: list[Finding], problems: list[str]) -> bool:
    """Post a first summary only when there is something to say (findings, suppressions, notes)."""
    return bool(findings or problems or review.notes or any(f.suppressed for f in review.findings))


WHAT = {"github": "pull request", "gitlab": "merge request"}


def comment_body(forge: str, f: Finding, key: str) -> str:
    return render(f"{forge}/comment.md.j2", f=f, rule=f.rule, marker=fp_marker(key), what=WHAT[forge])


def summary_body(forge: str, review: Review, findings: list[Finding], p: Plan, head_sha: str,
                 problems: list[str] = ()) -> str:
    listed = [f for f, _ in p.summary_only]
    suppressed = [f for f in review.findings if f.suppressed]
    return render(f"{forge}/summary.md.j2", marker=SUMMARY_MARKER, head=head_sha[:12], findings=findings,
                  counts=level_counts(findings), summary_only=p.summary_only, inline_count=len(p.inline) + len(p.already),
                  overflow=p.overflow, suppressed=suppressed, notes=list(review.notes) + list(problems),
                  rules=rules_used(listed), context=review.context, what=WHAT[forge])
