"""reviewbot explain RULE [--markdown]: one rule's documentation, as plain text (or its Markdown)."""

from __future__ import annotations

import sys

from reviewbot.errors import InputError
from reviewbot.registry import find_rule


def add_parser(sub):
    p = sub.add_parser("explain", help="explain a rule (by ID or slug)")
    p.add_argument("rule", metavar="RULE")
    p.add_argument("--markdown", action="store_true", help="the Markdown source (as forges and SARIF show it)")
    return p


def run(args) -> int:
    from reviewbot.render import rule_plain, rule_text  # Jinja2: not at `reviewbot --help`

    rule = find_rule(args.rule)
    if rule is None:
        raise InputError(args.rule, "no such rule (see 'reviewbot rules')")
    sys.stdout.write((rule_text if args.markdown else rule_plain)(rule))
    return 0
