"""docs/rules.md is the page every finding links to (Rule.help_uri): it must exist and be current."""

import subprocess
import sys

from reviewbot.registry import all_rules
from tests.helpers import ROOT


def test_rules_page_is_generated_from_the_current_docstrings():
    res = subprocess.run([sys.executable, str(ROOT / "scripts/gen_rule_docs.py"), "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_every_help_uri_anchor_is_a_heading_of_the_page(monkeypatch):
    monkeypatch.setenv("REVIEWBOT_RULES_URL", (ROOT / "docs/rules.md").as_uri())  # the shipped page
    page = (ROOT / "docs/rules.md").read_text()
    for rule in all_rules():
        anchor = rule.help_uri.split("#", 1)[1]
        assert f"\n## {rule.id} {rule.slug}\n" in page
        assert anchor == f"{rule.id.lower()}-{rule.slug}"
