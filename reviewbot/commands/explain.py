"""reviewbot explain RULE: render one rule's documentation."""

from __future__ import annotations

import sys

from reviewbot.errors import InputError
from reviewbot.registry import find_rule


def add_parser(sub):
    p = sub.add_parser("explain", help="explain a rule (by ID or slug)")
    p.add_argument("rule", metavar="RULE")
    return p


def run(args) -> int:
    from reviewbot.render import rule_text  # Jinja2: not at `reviewbot --help`

    rule = find_rule(args.rule)
    if rule is None:
        raise InputError(args.rule, "no such rule (see 'reviewbot rules')")
    sys.stdout.write(rule_text(rule))
    return 0
