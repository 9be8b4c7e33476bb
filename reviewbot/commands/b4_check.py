"""reviewbot b4-check [--series] [--all]: a check command for `b4 review` (b4 0.16).

Enable it in a kernel tree (or globally with --global):

    git config --add b4.review-perpatch-check-cmd 'reviewbot b4-check'
    git config --add b4.review-series-check-cmd 'reviewbot b4-check --series'   # optional

b4 (b4/review/checks.py `_run_external_cmd`) runs the command in the repository's top
directory with one message on stdin and reads a JSON list of
`{"tool", "status": "pass"|"warn"|"fail", "summary", "url", "details"}` from stdout.  Its
check matrix keeps one cell per (patch, tool), so we answer with exactly one row, and put the
findings in `details` as a JSON-encoded *string* holding a list of checkpatch-style entries
(`{"status", "description", "srcline", "url"}`): that is what b4 stores in its cache
(a TEXT column) and what its details view decodes and lists one line per finding.  Notes
(unused `reviewbot-ignore`, skipped files) are entries without a status (a dim bullet).

Status: ERROR -> "fail", WARNING and CHECK -> "warn" (as b4's checkpatch scraper), none ->
"pass".  Suppressed findings are not listed (only counted in the summary); low-confidence
ones only with --all.  The per-patch check sees one mail, so it reviews in hunk mode and
cannot see cover-letter directives; `--series` (run on the cover letter, or on patch 1 of a
series without one) reviews the whole thread, read from b4's local copy (the `thread-blob`
of $B4_TRACKING_FILE) or fetched by Message-Id with b4's own configuration, and reports as
tool "reviewbot-series" so it never overwrites patch 1's per-patch cell.

Bad input (empty stdin, not a mail) answers one "fail" row whose summary is the reason, says
the same on stderr and exits 2: b4 shows that row (it reads stdout whatever the exit status),
which is clearer than its generic "exited with error code 2".  A mail without a diff is a
"pass" (nothing to review).  Otherwise exit status follows the CLI contract: 1 with findings.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import sys
from dataclasses import replace

from reviewbot import pipeline  # b4: imported where mail is read
from reviewbot.diffparse import find_diff
from reviewbot.errors import InputError
from reviewbot.model import Finding, Level, Review, Series
from reviewbot.filter import Policy
from reviewbot.report.base import level_counts
from reviewbot.rules import rules_url

TOOL = "reviewbot"
SERIES_TOOL = "reviewbot-series"


def add_parser(sub):
    p = sub.add_parser("b4-check", help="`b4 review` check command: a patch mail on stdin, JSON rows out",
                       description="Check command for b4 review: reads one patch email on stdin and "
                       "prints b4's JSON check rows.  Enable with: git config --add "
                       "b4.review-perpatch-check-cmd 'reviewbot b4-check'")
    p.add_argument("--series", action="store_true",
                   help="series check (b4.review-series-check-cmd): the cover letter on stdin, the "
                   "whole thread reviewed")
    p.add_argument("--lines", action="store_true",
                   help="for b4.prep-perpatch-check-cmd and b4.am-perpatch-check-cmd: one "
                   "'FILE:LINE: LEVEL:RULE slug: message' line per finding (checkpatch --terse), "
                   "nothing when clean")
    p.add_argument("--all", action="store_true", help="also list low-confidence findings")
    p.add_argument("--diff-mode", choices=("diff_context", "changed", "added"), default="diff_context",
                   help="which lines' findings to list: any line the diff shows (diff_context, the "
                   "default), added and removed lines (changed), or added lines only (added)")
    p.add_argument("--select", action="append", default=[], metavar="RULE", help="run only these rules")
    p.add_argument("--ignore", action="append", default=[], metavar="RULE", help="skip these rules")
    return p


def _status(level: Level) -> str:
    return "fail" if level is Level.ERROR else "warn"


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _entry(f: Finding, label: str = "") -> dict:
    where = f"{f.path}:{f.line}" if f.path else "commit message"
    conf = f.effective_confidence.value
    desc = (f"{label}{where}: {f.effective_level.value}:{f.rule.id} {f.rule.slug}: {f.message}"
            + (f" ({conf} confidence)" if conf != "high" else ""))
    entry = {"status": _status(f.effective_level), "description": desc, "url": f.rule.help_uri}
    if f.text.strip():
        entry["srcline"] = ("-" if f.side.value == "old" else "+") + f.text.expandtabs(8)
    return entry


def _labels(review: Review) -> dict[int, str]:
    total = len(review.series.patches)
    return {p.index: f"[{p.index}/{max(total, p.index)}] " for p in review.series.patches}


def row(review: Review, show_all: bool, tool: str = TOOL, series: bool = False) -> dict:
    """The one b4 check row for a reviewed patch (or a whole series with `series`)."""
    findings = Policy.report(show_all).shown(review.findings)
    suppressed = sum(1 for f in review.findings if f.suppressed)
    labels = _labels(review) if series else {}
    details = [_entry(f, labels.get(f.patch_index, "")) for f in findings]
    details += [{"description": f"note: {n}"} for n in review.notes]
    counts = level_counts(findings)
    parts = [_plural(counts["ERROR"], "error")] if counts["ERROR"] else []
    parts += [_plural(counts["WARNING"], "warning")] if counts["WARNING"] else []
    parts += [_plural(counts["CHECK"], "check")] if counts["CHECK"] else []
    rules = sorted({f.rule.id: f.rule for f in findings}.values(), key=lambda r: r.id)
    if findings:
        summary = ", ".join(parts) + ": " + ", ".join(f"{r.id} {r.slug}" for r in rules)
        if series:
            hit = len({f.patch_index for f in findings})
            summary += f" (in {hit} of {_plural(len(review.series.patches), 'patch', 'patches')})"
    else:
        summary = "no findings" + (f" in {_plural(len(review.series.patches), 'patch', 'patches')}"
                                   if series else "")
    if suppressed:
        summary += f"; {suppressed} suppressed by the author"
    status = "pass"
    if findings:
        status = "fail" if counts["ERROR"] else "warn"
    return {"tool": tool, "status": status, "summary": summary,
            "url": rules[0].help_uri if len(rules) == 1 else rules_url(),
            "details": json.dumps(details, ensure_ascii=False) if details else ""}


def _has_diff(data: bytes, source: str) -> bool:
    from reviewbot import budget

    msg = email.message_from_bytes(data, policy=email.policy.default)  # sizes checked by _one_series
    budget.check_mime_depth(msg, source)
    text = data.decode(errors="replace")
    if not msg.keys() and not find_diff(text):
        raise InputError(source, "not an email: no headers and no diff")
    body = msg.get_body(preferencelist=("plain",)) if msg.is_multipart() else msg
    try:
        text = body.get_content() if body is not None else ""
    except (LookupError, ValueError, AttributeError):
        pass
    text = text if isinstance(text, str) else ""
    return bool(find_diff(text.replace("\r\n", "\n").replace("\r", "\n")))


def _one_series(data: bytes, source: str) -> Series | None:
    from reviewbot.ingest import b4 as b4src

    if not data.strip():
        raise InputError(source, "empty input: b4 passes one patch email on stdin")
    from reviewbot import budget

    budget.check_message_sizes(data, source)
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # bare CRs: one line end for every regex
    if not _has_diff(data, source):
        return None
    (series, *_rest) = b4src.series_from_mbox_bytes(data, source)
    return series


def _pick(series: list[Series], msgid: str) -> Series | None:
    for s in series:
        if s.msgid == msgid or any(p.msgid == msgid for p in s.patches):
            return s
    return None


def _thread_from_b4(data: bytes, why: list[str]) -> Series | None:
    """The series of the cover letter on stdin, from b4's local copy of the thread (the
    `thread-blob` named in $B4_TRACKING_FILE) or else fetched by its Message-Id.  When it is
    found nowhere, `why` gets the reasons."""
    from reviewbot.ingest import b4 as b4src

    msg = email.message_from_bytes(data, policy=email.policy.default)
    msgid = str(msg.get("Message-Id", "")).strip().strip("<>")
    m = re.search(r"\[[^]]*\bv(\d+)\b[^]]*\]", str(msg.get("Subject", "")))
    revision = int(m.group(1)) if m else 1
    tracking = os.environ.get("B4_TRACKING_FILE")
    if tracking:
        try:
            with open(tracking, encoding="utf-8") as fp:
                blob = json.load(fp).get("series", {}).get("thread-blob", "")
        except (OSError, ValueError, AttributeError):
            blob = ""
        if blob:
            import git  # GitPython; b4 runs us in the repository's top directory

            try:
                mbox = git.Repo(".", search_parent_directories=True).git.cat_file(
                    "blob", blob, stdout_as_string=False)
                found = _pick(b4src.series_from_mbox_bytes(mbox, f"b4 thread {blob[:12]}", revision, []),
                              msgid)
                if found is not None:
                    return found
            except (git.GitError, InputError, ValueError) as exc:
                why.append(f"b4's thread copy {blob[:12]}: {exc}")
    else:
        why.append("no b4 thread copy ($B4_TRACKING_FILE)")
    if msgid:
        try:
            found = _pick(pipeline.load([f"<{msgid}>"], opts=pipeline.Options(revision=revision)), msgid)
            if found is None:
                why.append(f"<{msgid}>: not in the fetched thread")
            return found
        except InputError as exc:
            why.append(str(exc))
    else:
        why.append("the cover letter has no Message-Id")
    return None


def _review(series: Series, opts: pipeline.Options, diff_mode: str) -> Review:
    """Review, keeping only the findings on the lines `--diff-mode` asks for."""
    from reviewbot.filter import DiffMode, restrict

    return restrict(pipeline.review_series(series, opts), DiffMode.parse(diff_mode))


def _series_row(data: bytes, show_all: bool, opts: pipeline.Options,
                diff_mode: str = "diff_context") -> tuple[dict, bool]:
    from reviewbot import budget

    if not data.strip():
        raise InputError("<stdin>", "empty input: b4 passes the cover letter on stdin")
    budget.check_message_sizes(data, "<stdin>")
    why: list[str] = []
    series = _thread_from_b4(data, why)
    if series is None:
        series = _one_series(data, "<stdin>")
        if series is None:  # a check that could not run is not a pass
            raise InputError("series", "thread not found, series not checked: " + "; ".join(why))
    review = _review(series, opts, diff_mode)
    return row(review, show_all, SERIES_TOOL, series=True), bool(Policy.report(show_all).shown(review.findings))


def _patch_row(data: bytes, show_all: bool, opts: pipeline.Options,
               diff_mode: str = "diff_context") -> tuple[dict, bool]:
    series = _one_series(data, "<stdin>")
    if series is None:
        return {"tool": TOOL, "status": "pass", "summary": "nothing to review: no diff in this message",
                "url": rules_url(), "details": ""}, False
    # One mail of a series: "patches 1, 3 missing" is expected here, not news.
    review = _review(replace(series, notes=()), opts, diff_mode)
    return row(review, show_all), bool(Policy.report(show_all).shown(review.findings))


def _lines(review: Review, show_all: bool) -> str:
    """`b4 prep --check` and `b4 am` (b4 0.16 LoreMessage.run_local_check) show each stdout
    line as a warning (a failure when it holds `ERROR:`) and each stderr line as a failure, and
    "passed all checks" for no output with exit status 0.  So: one line per finding, nothing
    else; notes (a mail of a series is always "incomplete" here) are never printed."""
    out = []
    for f in Policy.report(show_all).shown(review.findings):
        where = f"{f.path}:{f.line}" if f.path else "commit message"
        if f.path and f.side.value == "old":
            where += " (removed line)"
        conf = f.effective_confidence.value
        out.append(f"{where}: {f.effective_level.value}:{f.rule.id} {f.rule.slug}: {f.message}"
                   + (f" ({conf} confidence)" if conf != "high" else "") + f" [{f.rule.help_uri}]\n")
    return "".join(out)


def _run_lines(data: bytes, args) -> int:
    opts = pipeline.Options(select=tuple(args.select), ignore=tuple(args.ignore))
    try:
        series = _one_series(data, "<stdin>")
    except InputError as exc:
        print(f"cannot review: {exc.reason}", file=sys.stderr)  # b4: a failure, with the reason
        return 2
    if series is None:
        return 0  # no diff: nothing to check
    review = _review(replace(series, notes=()), opts, args.diff_mode)
    text = _lines(review, args.all)
    sys.stdout.write(text)
    return 1 if text else 0


def run(args) -> int:
    if sys.stdin is None:  # `<&-`
        raise InputError("<stdin>", "closed: nothing to read")
    data = sys.stdin.buffer.read()
    if args.lines:
        return _run_lines(data, args)
    tool = SERIES_TOOL if args.series else TOOL
    from reviewbot import budget

    try:
        opts = pipeline.Options(select=tuple(args.select), ignore=tuple(args.ignore))
        try:
            with budget.limit("<stdin>"):  # the whole check: reading the mail included
                result, found = (_series_row if args.series else _patch_row)(data, args.all, opts,
                                                                             args.diff_mode)
        except budget.OutOfBudget as exc:
            raise exc.as_input_error() from None
    except InputError as exc:
        json.dump([{"tool": tool, "status": "fail", "summary": f"cannot review: {exc.reason}",
                    "url": rules_url(), "details": str(exc)}], sys.stdout)
        sys.stdout.write("\n")
        print(f"reviewbot: {exc}", file=sys.stderr)
        return 2
    json.dump([result], sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 1 if found else 0
