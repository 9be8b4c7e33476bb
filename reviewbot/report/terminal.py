"""checkpatch-shaped text.

Default (like `checkpatch.pl`): `WARNING:MOD002 slug: message`, `#N: FILE: path:line:`, the
flagged line, then each rule's explanation once.  `--emacs` puts `path:line: ` in front of each
header line (checkpatch `--emacs`), `--terse` prints one line per finding and nothing else:
`path:line: WARNING:MOD002: message` (checkpatch `--terse`, which implies `--emacs`, with
`--show-types`: the rule ID is the TYPE).  Editors' compilation modes and b4's checkpatch
scraper (b4/review/checks.py `_run_builtin_checkpatch`) read those lines.  Locations are in the
new file; a finding on a removed line points where the removal happened (report/locate.py).
In terse mode the caller prints the review's notes on stderr, so stdout stays one line per
finding.
"""

from __future__ import annotations

from reviewbot.model import Finding, Review
from reviewbot.report.base import level_counts, rules_used, shown
from reviewbot.report.locate import new_location


def location(review: Review, f: Finding) -> str:
    """`path:line` in the new tree (`-:0` for a finding without a file line, as checkpatch's `-`)."""
    loc = new_location(review, f)
    return "-:0" if loc is None else f"{loc.path}:{loc.line}"


def _suffix(review: Review, f: Finding) -> str:
    out = ""
    loc = new_location(review, f)
    if loc is not None and loc.removed_line is not None:
        out += f" (on removed line {loc.removed_line})"
    if f.effective_confidence.value != "high":
        out += f" ({f.effective_confidence.value} confidence)"
    return out


def terse_line(review: Review, f: Finding) -> str:
    """`FILE:LINE: LEVEL:TYPE: message`: checkpatch --terse --show-types."""
    return f"{location(review, f)}: {f.effective_level.value}:{f.rule.id}: {f.message}{_suffix(review, f)}"


def format_terse(review: Review, show_all: bool = False) -> str:
    return "".join(terse_line(review, f) + "\n" for f in shown(review, show_all))


def format_review(review: Review, show_all: bool = False, verbose: bool = True,
                  emacs: bool = False, terse: bool = False) -> str:
    if terse:
        return format_terse(review, show_all)
    from reviewbot.render import render  # Jinja2: only to render (not --terse)

    findings = shown(review, show_all)
    prefixes = [f"{location(review, f)}: " if emacs else "" for f in findings]
    return render("terminal/review.txt.j2", findings=findings, prefixes=prefixes, notes=list(review.notes),
                  rules=rules_used(findings), verbose=verbose, counts=level_counts(findings),
                  patches=len(review.series.patches), context=review.context)
