"""Author-side suppression (docs/design.md, Suppression): `reviewbot-ignore: MOD003 -- reason`.

Where a directive counts:
- below the `---` of a patch (the notes `git am` drops): that patch only;
- in the cover letter, or in a PR/MR description passed as `extra_text`: the whole series.

A directive names rule IDs or slugs (comma or space separated; old IDs follow REDIRECTS),
never "all", and must give a reason after `--`.  Matching findings are kept with
`Finding.suppressed` set to the reason: JSON and SARIF show them, text, b4 and anything posted
do not.  Every directive that is malformed, has no reason, names an unknown rule or matches
nothing is reported in the review's notes; so is one written in a commit message, where it
would land in git history and is therefore not honoured.

`apply()` is idempotent: it recomputes every verdict and its own notes from scratch, so a
forge job may call it again on an engine Review with the PR description as `extra_text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable

from reviewbot.model import Finding, Review
from reviewbot.rules import REDIRECTS, Rule

KEYWORD = "reviewbot-ignore"
NOTE_PREFIX = f"{KEYWORD} in "  # every note this module writes starts with it (idempotency)

_LINE = re.compile(rf"^[ \t>]*{KEYWORD}\s*:(?P<rest>.*)$", re.M | re.I)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Directive:
    rules: tuple[str, ...]
    reason: str
    patch_index: int | None  # None: series-wide
    where: str
    text: str = ""  # the directive as written, after `reviewbot-ignore:`


def _note(where: str, problem: str, text: str) -> str:
    return f"{NOTE_PREFIX}{where} {problem}: '{text}'"


def parse(text: str, patch_index: int | None, where: str) -> tuple[list[Directive], list[str]]:
    """Directives in `text` and one problem note per line that is not a usable directive."""
    out: list[Directive] = []
    problems: list[str] = []
    for m in _LINE.finditer(text or ""):
        line = m.group("rest").strip()
        names_part, sep, reason = line.partition("--")
        names = [n for n in re.split(r"[\s,]+", names_part.strip()) if n]
        reason = reason.strip()
        bad = [n for n in names if not _NAME.match(n)]
        if not names or bad:
            problems.append(_note(where, f"is malformed (write '{KEYWORD}: RULE[, RULE...] -- reason')", line))
            continue
        if not sep or not reason:
            problems.append(_note(where, "has no reason ('-- why') and is ignored", line))
            continue
        out.append(Directive(tuple(names), reason, patch_index, where, line))
    return out, problems


def resolve_name(name: str, rules: Iterable[Rule]) -> Rule | None:
    """The rule a directive name means: an ID or slug, case-insensitive, through REDIRECTS."""
    key = REDIRECTS.get(name.upper(), REDIRECTS.get(name.lower(), name))
    for r in rules:
        if r.id.upper() == key.upper() or r.slug == key.lower():
            return r
    return None


def _known_rules(review: Review) -> list[Rule]:
    from reviewbot.registry import all_rules  # lazy: the registry imports the check modules

    rules = {r.id: r for r in all_rules()}
    for f in review.findings:
        rules.setdefault(f.rule.id, f.rule)
    return list(rules.values())


def collect(review: Review, extra_text: str = "") -> tuple[list[Directive], list[str]]:
    """Every directive of the series, most specific first (patch notes, then series-wide)."""
    s = review.series
    directives: list[Directive] = []
    problems: list[str] = []
    for p in s.patches:
        d, pr = parse(p.notes, p.index, f"patch {p.index}")
        directives += d
        problems += pr
        in_message, _ = parse(p.message, p.index, f"patch {p.index}")
        for d in in_message:
            if d.text not in (extra_text or ""):  # a PR description doubles as the message
                problems.append(_note(f"the commit message of patch {p.index}", "is not honoured (it "
                                      "would land in git history; put it below the '---' line)", d.text))
    for text, where in ((s.cover, "the cover letter"), (extra_text, "the description")):
        d, pr = parse(text, None, where)
        directives += d
        problems += pr
    return directives, problems


def apply(review: Review, extra_text: str = "") -> Review:
    """Mark findings matched by directives; report unusable and unused directives in notes."""
    findings = [replace(f, suppressed=None) if f.suppressed else f for f in review.findings]
    notes = [n for n in review.notes if not n.startswith(NOTE_PREFIX)]
    directives, problems = collect(review, extra_text)
    if not directives and not problems:
        if len(notes) == len(review.notes) and findings == list(review.findings):
            return review
        return replace(review, findings=tuple(findings), notes=tuple(notes))
    known = _known_rules(review) if directives else []
    targets: list[set[str]] = []  # rule IDs each directive names
    for d in directives:
        ids = set()
        for name in d.rules:
            rule = resolve_name(name, known)
            if rule is None:
                problems.append(_note(d.where, f"names unknown rule '{name}' (use rule IDs or slugs; "
                                      "'all' is not accepted)", d.text))
            else:
                ids.add(rule.id)
        targets.append(ids)
    used = [False] * len(directives)
    out: list[Finding] = []
    for f in findings:
        reason = None
        for i, d in enumerate(directives):
            if d.patch_index not in (None, f.patch_index) or f.rule.id not in targets[i]:
                continue
            used[i] = True
            reason = reason or d.reason  # the most specific directive gives the reason
        out.append(replace(f, suppressed=reason) if reason else f)
    for i, d in enumerate(directives):
        if not used[i] and targets[i]:
            problems.append(_note(d.where, "matches no finding", d.text))
    return replace(review, findings=tuple(out), notes=tuple(notes + problems))
