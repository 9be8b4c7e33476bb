"""reviewbot eval CORPUS_DIR [--format text|json]: recall / false-positive rate per rule tag."""

from __future__ import annotations

import json
import os
from pathlib import Path

from reviewbot.errors import InputError


def add_parser(sub):
    p = sub.add_parser("eval", help="score the checks against CORPUS_DIR/manifest.json")
    p.add_argument("corpus", metavar="CORPUS_DIR")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("-v", "--verbose", action="store_true", help="list each case's findings")
    p.add_argument("--tree", metavar="DIR",
                   help="tree mode: score the cases marked applies_to_6_12 against this kernel git clone")
    p.add_argument("--applies", action="store_true",
                   help="only the cases marked applies_to_6_12 (hunk mode; to compare with --tree)")
    p.add_argument("--split", choices=("tune", "holdout"),
                   help="one half of the corpus, divided by mailing list (see reviewbot.evaluate)")
    p.add_argument("--reveal", action="store_true",
                   help="with --split holdout: also name the missed and noisy cases (only when done tuning)")
    return p


def _table(s: dict, title: str) -> list[str]:
    out = [f"{title}: recall {s['detected']}/{s['positives']} = {s['recall']:.1%}, "
           f"false positives {s['false_positives']}/{s['negatives']} = {s['false_positive_rate']:.1%}",
           f"  {'rule tag':<24} {'detected':>9} {'false pos':>10}"]
    for tag, row in s["per_rule"].items():
        out.append(f"  {tag:<24} {row['detected']:>4}/{row['positives']:<4} {row['false_positives']:>5}/{row['negatives']:<4}")
    return out


def run(args) -> int:
    from reviewbot import evaluate  # the pipeline: not at `reviewbot --help`

    corpus = Path(args.corpus)
    if not (corpus / "manifest.json").is_file():
        raise InputError(args.corpus, "no manifest.json in this directory")
    if args.tree and not os.path.isdir(os.path.join(args.tree, ".git")) and not os.path.isfile(
            os.path.join(args.tree, "HEAD")):
        raise InputError(args.tree, "not a git repository")
    try:
        results = evaluate.run(corpus, tree=args.tree, split=args.split, applies=args.applies)
    except (KeyError, ValueError) as exc:
        raise InputError(str(corpus / "manifest.json"), f"malformed manifest: {exc}") from None
    full = evaluate.summary(results, include_unsure=True)
    sure = evaluate.summary(results, include_unsure=False)
    hidden = args.split == "holdout" and not args.reveal
    if hidden:  # measure on the held-out half without reading its cases
        args.verbose = False
        for s in (full, sure):
            s["missed"] = [f"{len(s['missed'])} (hidden)"] if s["missed"] else []
            s["noisy"] = [f"{len(s['noisy'])} (hidden)"] if s["noisy"] else []
            s["errors"] = {k: "(hidden)" for k in s["errors"]}
    if args.format == "json":
        print(json.dumps({"all": full, "without_unsure": sure,
                          "cases": [r.__dict__ for r in results] if args.verbose else None}, indent=2))
        return 0
    lines = _table(full, "all cases") + [""] + _table(sure, "without unsure labels")
    lines += ["", f"missed positives: {', '.join(full['missed']) or 'none'}",
              f"noisy negatives: {', '.join(full['noisy']) or 'none'}"]
    if full["errors"]:
        lines += ["errors:"] + [f"  {k}: {v}" for k, v in full["errors"].items()]
    if args.verbose:
        for r in results:
            for f in r.findings:
                lines.append(f"  {r.id} [{r.kind}]: {f['rule']} {f['path']}:{f['line']} ({f['side']}) {f['message']}")
    print("\n".join(lines))
    return 0
