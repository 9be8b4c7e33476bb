"""Author-side suppression (DESIGN.md §7): `reviewbot-ignore: MOD003 -- reason`.

A directive goes below the `---` of a patch (applies to that patch), in the cover letter or a
PR description (applies to the series).  The reason is mandatory.  Suppressed findings are kept
(JSON/SARIF show them) but never posted; directives that match nothing are reported in notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from reviewbot.model import Review
from reviewbot.rules import REDIRECTS

_DIRECTIVE = re.compile(r"^\s*reviewbot-ignore:\s*(?P<rules>[A-Za-z0-9_, -]+?)\s*(?:--\s*(?P<reason>.*\S))?\s*$", re.M)


@dataclass(frozen=True)
class Directive:
    rules: tuple[str, ...]
    reason: str
    patch_index: int | None  # None: series-wide
    where: str


def parse(text: str, patch_index: int | None, where: str) -> list[Directive]:
    out = []
    for m in _DIRECTIVE.finditer(text or ""):
        names = tuple(n.strip() for n in re.split(r"[,\s]+", m.group("rules")) if n.strip())
        out.append(Directive(names, (m.group("reason") or "").strip(), patch_index, where))
    return out


def _matches(name: str, rule_id: str, slug: str) -> bool:
    name = REDIRECTS.get(name.upper(), REDIRECTS.get(name.lower(), name))
    return name.upper() == rule_id or name.lower() == slug


def apply(review: Review, extra_text: str = "") -> Review:
    """Mark findings matched by directives; report unused and reason-less directives."""
    s = review.series
    directives = parse(s.cover, None, "cover letter") + parse(extra_text, None, "description")
    for p in s.patches:
        directives += parse(p.notes, p.index, f"patch {p.index}")
    if not directives:
        return review
    notes = list(review.notes)
    used: set[int] = set()
    findings = []
    for f in review.findings:
        hit = None
        for i, d in enumerate(directives):
            if not d.reason:
                continue
            if d.patch_index not in (None, f.patch_index):
                continue
            if any(_matches(n, f.rule.id, f.rule.slug) for n in d.rules):
                hit = i
                break
        if hit is not None:
            used.add(hit)
            f = replace(f, suppressed=directives[hit].reason)
        findings.append(f)
    for i, d in enumerate(directives):
        if not d.reason:
            notes.append(f"reviewbot-ignore in {d.where} has no reason ('-- why'): ignored")
        elif i not in used:
            notes.append(f"unused reviewbot-ignore in {d.where}: {', '.join(d.rules)}")
    return replace(review, findings=tuple(findings), notes=tuple(notes))
