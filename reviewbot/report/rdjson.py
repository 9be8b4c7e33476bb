"""reviewdog's Diagnostic Format (`--format rdjson`): one DiagnosticResult for the whole run.

    reviewbot review --git origin/master..HEAD --format rdjson \\
        | reviewdog -f=rdjson -reporter=github-pr-review

Only what would be posted is emitted (no suppressed findings; low confidence only with --all),
because reviewdog posts every diagnostic it gets.  Levels map ERROR -> ERROR,
WARNING -> WARNING, CHECK -> INFO; `code` carries the rule ID and its docs URL.  reviewdog
comments on the new side of a diff only, so a finding on a removed line is placed where the
removal happened (report/locate.py) and says which old line it means.  A finding without a
file line (commit message, series) has no location: reviewdog shows it only with
`-filter-mode=nofilter`.  `original_output` is the `--terse` line, for reviewdog's logs.
"""

from __future__ import annotations

import json
from typing import Iterable

from reviewbot.model import Finding, Level, Review
from reviewbot.filter import Policy
from reviewbot.report.locate import new_location
from reviewbot.report.terminal import terse_line
from reviewbot.rules import rules_url

SEVERITY = {Level.ERROR: "ERROR", Level.WARNING: "WARNING", Level.CHECK: "INFO"}
def _source() -> dict:
    return {"name": "reviewbot", "url": rules_url()}


def diagnostic(review: Review, f: Finding) -> dict:
    d: dict = {"message": f.message}
    loc = new_location(review, f)
    if loc is not None:
        if loc.removed_line is not None:
            d["message"] = f"{f.message} (on removed line {loc.removed_line})"
        d["location"] = {"path": loc.path, "range": {"start": {"line": loc.line}}}
    d["severity"] = SEVERITY[f.effective_level]
    d["source"] = _source()
    d["code"] = {"value": f.rule.id, "url": f.rule.help_uri}
    d["original_output"] = terse_line(review, f)
    return d


def result(reviews: Iterable[Review], show_all: bool = False) -> dict:
    return {"source": _source(),
            "diagnostics": [diagnostic(r, f) for r in reviews for f in Policy.report(show_all).shown(r.findings)]}


def format_reviews(reviews: Iterable[Review], show_all: bool = False) -> str:
    return json.dumps(result(reviews, show_all), indent=2, ensure_ascii=False) + "\n"


def format_review(review: Review, show_all: bool = False) -> str:
    return format_reviews([review], show_all)
