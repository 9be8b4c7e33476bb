"""checkpatch-shaped text, traceable to the patch file and the commit.

Default (like `checkpatch.pl`): `WARNING:MOD002 slug: message`, then `#NNN: FILE: path:line:`
where NNN is the line of the patch file (the mail as read; for `--git`, the `git format-patch`
output), then the flagged line.  Findings are grouped under `Commit <sha> ("subject")`
(checkpatch `--git`) or `Patch n/m ("subject")`, and, when one run reviews several series
(an mbox), under a `Series` line.  Each rule used gets a one-line why and its link at the end
(`-v`: the whole explanation, as plain text; `-q`: nothing), then one `total:` line for the
whole run.  In a run of many series, the notes of series without findings are counted, and
listed only with `-v`.

`--emacs` puts `path:line: ` in front of each header line (checkpatch `--emacs`), `--terse`
prints one line per finding and nothing else: `path:line: WARNING:MOD002: message`
(checkpatch `--terse`, which implies `--emacs`, with `--show-types`: the rule ID is the TYPE).
Those two are for editors and b4's checkpatch scraper, so their locations are where the line
is once the whole series is applied (an editor at the tip of a `--git` range); a finding on a
removed line points where the removal happened (report/locate.py).  In terse mode the caller
prints the review's notes on stderr, so stdout stays one line per finding.
"""

from __future__ import annotations

import re
from typing import Iterable

from reviewbot.model import Finding, Patch, Review
from reviewbot.filter import Policy
from reviewbot.report.base import level_counts, rules_used
from reviewbot.report.locate import final_location, patch_line


def location(review: Review, f: Finding) -> str:
    """`path:line` in the tree the whole series gives (`-:0` without a file line, as checkpatch's `-`)."""
    loc = final_location(review, f)
    return "-:0" if loc is None else f"{loc.path}:{loc.line}"


def _suffix(review: Review, f: Finding) -> str:
    out = ""
    loc = final_location(review, f)
    if loc is not None and loc.removed_line is not None:
        out += f" (on removed line {loc.removed_line})"
    if f.effective_confidence.value != "high":
        out += f" ({f.effective_confidence.value} confidence)"
    return out


def terse_line(review: Review, f: Finding) -> str:
    """`FILE:LINE: LEVEL:TYPE: message`: checkpatch --terse --show-types."""
    return f"{location(review, f)}: {f.effective_level.value}:{f.rule.id}: {f.message}{_suffix(review, f)}"


def format_terse(review: Review, show_all: bool = False) -> str:
    return "".join(terse_line(review, f) + "\n" for f in Policy.report(show_all).shown(review.findings))


def _bare_subject(subject: str) -> str:
    return re.sub(r"^\s*(?:re:\s*)?\[[^\]]*\]\s*", "", subject, flags=re.I).strip()


def patch_header(review: Review, patch: Patch) -> str:
    """`Commit <sha12> ("subject")` (checkpatch --git) or `Patch n/m ("subject")`."""
    if patch.commit:
        return f'Commit {patch.commit[:12]} ("{_bare_subject(patch.subject)}")'
    total = max(len(review.series.patches), patch.index)
    where = f" in {patch.origin}" if patch.origin and patch.origin != review.series.source else ""
    return f'Patch {patch.index}/{total} ("{_bare_subject(patch.subject)}"){where}'


def series_header(review: Review) -> str:
    s = review.series
    n = len(s.patches)
    parts = [f"v{s.revision}", f"{n} patch{'es' if n != 1 else ''}"]
    if s.msgid:
        parts.append(f"<{s.msgid}>")
    return f'Series ("{_bare_subject(s.subject)}") ' + ", ".join(parts)


def _item(review: Review, f: Finding, emacs: bool) -> dict:
    conf = f.effective_confidence.value
    head = f"{f.effective_level.value}:{f.rule.id} {f.rule.slug}: {f.message}" + (
        f" ({conf} confidence)" if conf != "high" else "")
    if emacs:
        head = f"{location(review, f)}: {head}"
    if f.path is None:
        where = "(no file line)"
    else:
        no = patch_line(review, f)
        side = " (removed line)" if f.side.value == "old" else ""
        where = (f"#{no}: " if no is not None else "") + f"FILE: {f.path}:{f.line}:{side}"
    quote = (("-" if f.side.value == "old" else "+") + f.text) if f.text else ""
    return {"head": head, "where": where, "quote": quote}


def _blocks(review: Review, findings: list[Finding], emacs: bool) -> list[dict]:
    """The findings of one review, grouped by patch: [{header, items}]."""
    by_patch = {p.index: p for p in review.series.patches}
    labelled = len(review.series.patches) > 1 or any(p.commit for p in review.series.patches)
    out: list[dict] = []
    for f in findings:
        if not out or out[-1]["index"] != f.patch_index:
            patch = by_patch.get(f.patch_index)
            header = patch_header(review, patch) if patch is not None and labelled else None
            out.append({"index": f.patch_index, "header": header, "items": []})
        out[-1]["items"].append(_item(review, f, emacs))
    return out


def format_reviews(reviews: Iterable[Review], show_all: bool = False, verbose: bool = False,
                   quiet: bool = False, emacs: bool = False, terse: bool = False) -> str:
    """The text report of a whole run: every series, the rules' explanations once, one total."""
    reviews = list(reviews)
    if terse:
        return "".join(format_terse(r, show_all) for r in reviews)
    many = len(reviews) > 1
    series, all_findings, hidden_notes = [], [], 0
    suppressed = low = patches = 0
    policy = Policy.report(show_all)
    for review in reviews:
        findings = policy.shown(review.findings)
        all_findings += findings
        patches += len(review.series.patches)
        suppressed += sum(1 for f in review.findings if f.suppressed)
        low += len(policy.held_back(review.findings))
        notes = list(review.notes)
        if many and not findings and not verbose:
            hidden_notes += len(notes)
            continue
        if not findings and not notes:
            continue
        series.append({"header": series_header(review) if many else None,
                       "blocks": _blocks(review, findings, emacs), "notes": notes})
    contexts = sorted({r.context for r in reviews}) or ["hunks"]
    return _text(series, rules_used(all_findings), verbose=verbose, quiet=quiet, counts=level_counts(all_findings),
                 patches=patches, nseries=len(reviews), suppressed=suppressed, low=low,
                 hidden_notes=hidden_notes, context="/".join(contexts))


def _text(series: list[dict], rules: list, verbose: bool, quiet: bool, counts: dict[str, int], patches: int,
          nseries: int, suppressed: int, low: int, hidden_notes: int, context: str) -> str:
    """The report's text.  Plain Python, not a template: Jinja2 (its import and the template's
    compile, ~40 ms) was a fifth of the start-up of every `reviewbot review`; -v still renders
    each rule's explanation from templates/_rule.txt.j2."""
    from reviewbot.render import first_sentence

    out: list[str] = []
    for s in series:
        if s["header"]:
            out += [s["header"], "=" * min(len(s["header"]), 72)]
        for b in s["blocks"]:
            if b["header"]:
                out.append(b["header"])
            for it in b["items"]:
                out += [it["head"], it["where"]] + ([it["quote"]] if it["quote"] else []) + [""]
        out += [f"NOTE: {note}" for note in s["notes"]]
        if s["notes"]:
            out.append("")
    text = "".join(ln + "\n" for ln in out)
    if rules and not quiet:
        if verbose:
            from reviewbot.render import rule_plain  # Jinja2: the whole explanation of each rule

            text += "".join("-" * 72 + "\n" + rule_plain(rule) for rule in rules) + "-" * 72 + "\n"
        else:
            text += "".join(f"{rule.id} {rule.slug}: "
                            f"{first_sentence(rule.doc.sections.get('Why is this bad?', rule.doc.summary))}\n"
                            f"  {rule.help_uri}\n" for rule in rules)
            text += "(-v explains each rule; reviewbot explain RULE)\n"
    if hidden_notes:
        text += (f"NOTE: {hidden_notes} note{'s' if hidden_notes != 1 else ''} on series without findings "
                 f"(-v lists them)\n")
    text += (f"total: {counts['ERROR']} errors, {counts['WARNING']} warnings, {counts['CHECK']} checks, "
             f"{patches} patch{'es' if patches != 1 else ''}" + (f" in {nseries} series" if nseries > 1 else "")
             + (f", {suppressed} suppressed" if suppressed else "")
             + (f", {low} low-confidence not shown (--all)" if low else "") + f" ({context} context)\n")
    return text


def format_review(review: Review, show_all: bool = False, verbose: bool = False, quiet: bool = False,
                  emacs: bool = False, terse: bool = False) -> str:
    return format_reviews([review], show_all, verbose=verbose, quiet=quiet, emacs=emacs, terse=terse)
