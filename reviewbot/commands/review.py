"""reviewbot review SOURCE... [--git RANGE [--repo DIR]] [--tree DIR] [--format F] [--all] [--diff-mode M]"""

from __future__ import annotations

import importlib
import json
import sys

from reviewbot.errors import InputError

FORMATS = ("text", "json", "sarif", "rdjson")
DIFF_MODES = ("diff_context", "changed", "added")  # reviewbot.filter.DiffMode (imported late: start-up)
# The reporter module of each format, imported only when chosen: start-up pays for Jinja2
# only when it renders (text, sarif), and `reviewbot --help` for none of them.
_REPORTER = {"text": "terminal", "json": "jsonout", "sarif": "sarif", "rdjson": "rdjson"}
# One document for all series (GitHub wants one SARIF run; reviewdog one DiagnosticResult).
_WHOLE_RUN = ("sarif", "rdjson")


def add_parser(sub):
    p = sub.add_parser("review", help="review a patch, mbox, directory, git range or Message-Id",
                       description="Review SOURCE(s): a .patch/.eml/.mbox file, a directory of "
                       ".patch files, '-' for stdin, a Message-Id or lore URL, or --git RANGE.")
    p.add_argument("sources", nargs="*", metavar="SOURCE")
    p.add_argument("--git", dest="git_range", metavar="REV_RANGE", help="review each commit of a git range")
    p.add_argument("--repo", metavar="DIR", help="repository for --git (default: current directory)")
    p.add_argument("--tree", metavar="DIR", help="kernel git tree: analyse full functions at the series' base")
    p.add_argument("--tree-ref", metavar="REF", help="with --tree: the branch or commit of DIR to apply a series "
                   "without base-commit: to (default: HEAD)")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--all", action="store_true", help="also show low-confidence findings")
    p.add_argument("--diff-mode", choices=DIFF_MODES, default="diff_context",
                   help="which lines' findings to show: any line the diff shows (diff_context, the "
                   "default), added and removed lines (changed), or added lines only (added)")
    p.add_argument("--revision", type=int, metavar="N", help="series revision to review (default: latest)")
    p.add_argument("--midmask", metavar="URL", help="public-inbox URL mask for Message-Ids, e.g. "
                   "https://lore.kernel.org/all/%%s (default: git config b4.midmask)")
    p.add_argument("--select", action="append", default=[], metavar="RULE", help="run only these rules")
    p.add_argument("--ignore", action="append", default=[], metavar="RULE", help="skip these rules")
    p.add_argument("-q", "--quiet", action="store_true", help="text: no rule explanations")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="text: each rule's whole explanation, and the notes of series without findings")
    p.add_argument("--terse", action="store_true", help="text: one 'FILE:LINE: LEVEL:RULE: message' "
                   "line per finding (checkpatch --terse); notes go to stderr on a terminal or with -v")
    p.add_argument("--emacs", action="store_true", help="text: 'FILE:LINE: ' before each finding (checkpatch --emacs)")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="review in N worker processes (mbox, directory, --git range); output in input order")
    p.add_argument("--patchwork", metavar="URL", help="print the patchwork check each patch would get "
                   "(context reviewbot) instead of the report")
    p.add_argument("--patchwork-project", metavar="NAME", help="with --patchwork: only patches of this project")
    p.add_argument("--post", action="store_true", help="with --patchwork: post the checks the patches do not "
                   "have yet (token from $REVIEWBOT_PATCHWORK_TOKEN)")
    return p


class _Progress:
    """`reviewing 120/2059 series (5.8%)` on stderr, redrawn in place: only when stderr is a
    terminal, the output is text and the input is large (LARGE patches or more)."""

    LARGE = 100

    def __init__(self, all_series: list, fmt: str):
        self.total = len(all_series)
        patches = sum(len(s.patches) for s in all_series)
        self.on = fmt == "text" and patches >= self.LARGE and sys.stderr.isatty()
        self.n = 0

    def step(self) -> None:
        self.n += 1
        if self.on and (self.n == 1 or self.n % 10 == 0 or self.n == self.total):
            sys.stderr.write(f"\rreviewing {self.n}/{self.total} series ({100 * self.n / self.total:.1f}%)")
            sys.stderr.flush()

    def done(self) -> None:
        if self.on:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _check_tree_ref(tree: str | None, ref: str) -> None:
    """--tree-ref names a commit of the --tree clone (one-line error otherwise)."""
    import subprocess

    if not tree:
        raise InputError("--tree-ref", "goes with --tree DIR")
    if not ref.strip() or ref.startswith("-"):
        raise InputError("--tree-ref", f"{ref!r} is not a branch or commit name")
    try:
        got = subprocess.run(["git", "-C", tree, "rev-parse", "--verify", "--quiet", "--end-of-options",
                              f"{ref}^{{commit}}"], capture_output=True, text=True)
    except OSError as exc:
        raise InputError("--tree-ref", f"cannot run git: {exc.strerror}") from None
    if got.returncode != 0 and "not a git repository" in got.stderr:
        raise InputError(tree, "not a git repository")
    if got.returncode != 0:
        raise InputError("--tree-ref", f"{ref!r} is not a commit of {tree}")


def run(args) -> int:
    from reviewbot import pipeline
    from reviewbot.filter import DiffMode, Policy, restrict

    if not args.sources and args.git_range is None:
        raise InputError("review", "nothing to review: name a SOURCE or --git REV_RANGE")
    if (args.terse or args.emacs) and args.format != "text":
        raise InputError("review", "--terse and --emacs apply to --format text only")
    if args.tree_ref is not None:
        _check_tree_ref(args.tree, args.tree_ref)
    opts = pipeline.Options(tree=args.tree, tree_ref=args.tree_ref, git_repo=(args.repo or ".") if args.git_range is not None else None,
                            revision=args.revision, midmask=args.midmask,
                            select=tuple(args.select), ignore=tuple(args.ignore))
    if (args.post or args.patchwork_project) and not args.patchwork:
        raise InputError("review", "--post and --patchwork-project go with --patchwork URL")
    if args.jobs < 1:
        raise InputError("review", f"-j {args.jobs}: the number of worker processes must be at least 1")
    reporter = importlib.import_module(f"reviewbot.report.{_REPORTER[args.format]}")
    diff_mode = DiffMode.parse(args.diff_mode)
    errors: list[InputError] = []

    def finish(review) -> tuple:
        """(what to print, or the Review for the formats rendered at the end; findings?;
        stderr lines).  With -j N it runs in a worker process."""
        review = restrict(review, diff_mode)
        found = bool(Policy.report(args.all).shown(review.findings))
        if args.format in _WHOLE_RUN or args.patchwork or (args.format == "text" and not args.terse):
            return review, found, []
        if args.format == "json":  # JSON Lines when there are several series: one object each
            line = "" if many is False else json.dumps(reporter.review_dict(review, args.all), ensure_ascii=False) + "\n"
            if many is None:  # -j N: how many series there are is known only at the end
                return (reporter.format_review(review, args.all), line), found, []
            return line or reporter.format_review(review, args.all), found, []
        # --terse: one line per finding, as each series is done.  Notes on stderr only for a
        # person (a terminal, or -v): b4 prep --check and b4 am count every stderr line of a
        # check command as a failure, and a note is not one.
        out = reporter.format_review(review, args.all, terse=True)
        show = not args.quiet and (args.verbose or sys.stderr.isatty())
        return out, found, [f"reviewbot: note: {note}" for note in (review.notes if show else ())]

    with pipeline.session(opts):
        if args.jobs > 1:
            from reviewbot import parallel

            many = None
            progress = _Progress([], args.format)  # off: the workers finish out of order
            results = parallel.review(args.sources, args.git_range, args.repo, opts, errors, args.jobs, finish)
            if args.format == "json" and not args.patchwork:
                results = [(outs[len(results) > 1], found, notes) for outs, found, notes in results]
        else:
            all_series = pipeline.load(args.sources, args.git_range, args.repo, opts, errors)
            many = len(all_series) > 1
            progress = _Progress(all_series, args.format)

            def each():
                for series in all_series:
                    progress.step()
                    yield finish(pipeline.review_series(series, opts))

            results = each()
        found = False
        reviews = []
        for out, found_here, notes in results:
            found = found or found_here
            if args.format in _WHOLE_RUN or args.patchwork or (args.format == "text" and not args.terse):
                reviews.append(out)
                continue
            sys.stdout.write(out)
            for line in notes:
                print(line, file=sys.stderr)
        progress.done()
    if args.patchwork:
        from reviewbot.patchwork import byhand

        byhand.run(reviews, args.patchwork, args.patchwork_project, args.post, args.all, sys.stdout)
    elif args.format in _WHOLE_RUN:
        sys.stdout.write(reporter.format_reviews(reviews, args.all))
    elif args.format == "text" and not args.terse:
        sys.stdout.write(reporter.format_reviews(reviews, args.all, verbose=args.verbose, quiet=args.quiet,
                                                 emacs=args.emacs))
    for exc in errors:  # damaged threads of an mbox: reported, the rest was reviewed
        print(f"reviewbot: {exc}", file=sys.stderr)
    if errors:
        return 2
    return 1 if found else 0
