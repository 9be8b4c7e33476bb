"""reviewbot rules: list every rule (ID, slug, level, summary)."""

from __future__ import annotations

from reviewbot.registry import all_rules


def add_parser(sub):
    return sub.add_parser("rules", help="list the rules")


def run(args) -> int:
    for r in all_rules():
        print(f"{r.id}  {r.slug:<34} {r.level.value:<7}  {r.doc.summary}")
    return 0
