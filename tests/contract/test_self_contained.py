"""The repository stands on its own: no code, doc or rule text cites a document it does not ship.

Rule docs (and so `reviewbot explain`, mails, pages) cite kernel commits, kernel-doc and lore
links; internal docs cite files of this repository.  The planning documents this project was
started from are not here, so naming them (or their section numbers and source labels) would
send a reader nowhere.
"""

from __future__ import annotations

import re
import subprocess

from tests.helpers import ROOT

FOREIGN = re.compile(r"\b(?:RULES|DESIGN|STYLE)\.md\b|\bS-20\d\d\b|§\s*\d|shared/(?:lore|forge|formats|kapi)/|(?<![\w/.-])forge/README\.md")
TEXT = (".py", ".md", ".j2", ".toml", ".sh", ".txt", ".cfg", ".yaml", ".yml", ".html")


def _tracked() -> list[str]:
    out = subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True)
    if out.returncode:  # not a git checkout (an sdist): walk the tree
        return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    return out.stdout.split()


def test_no_citation_of_documents_outside_the_repository():
    bad = []
    for rel in _tracked():
        if not rel.endswith(TEXT) or rel == "tests/contract/test_self_contained.py" or rel.startswith("tests/data/"):
            continue
        path = ROOT / rel
        if not path.is_file():
            continue
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if FOREIGN.search(line):
                bad.append(f"{rel}:{n}: {line.strip()[:120]}")
    assert not bad, "cites a document the repository does not have:\n" + "\n".join(bad)


def test_explain_cites_nothing_outside_the_repository():
    from reviewbot.registry import all_checks

    for mod in all_checks():
        assert mod.__doc__ and not FOREIGN.search(mod.__doc__), mod.RULE.id  # what explain renders
