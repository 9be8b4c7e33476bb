#!/usr/bin/env python3
"""Write docs/rules.md (the page every finding links to) from the rule docstrings.

    .venv/bin/python scripts/gen_rule_docs.py          # regenerate
    .venv/bin/python scripts/gen_rule_docs.py --check  # exit 1 if docs/rules.md is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

from reviewbot.registry import all_rules
from reviewbot.render import render

OUT = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def generate() -> str:
    return render("docs/rules.md.j2", rules=all_rules())


def main(argv: list[str]) -> int:
    text = generate()
    if "--check" in argv:
        if not OUT.is_file() or OUT.read_text() != text:
            print(f"{OUT} is stale: run scripts/gen_rule_docs.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
