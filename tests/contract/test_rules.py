"""The rule contract (CONTRIBUTING.md, "Add a rule"), checked for every rule in checks/.

- every rule module under checks/<family>/ (modules starting with `_` are helpers) is listed in
  `checks.ALL` exactly once, and ALL lists nothing else;
- IDs (`MOD001`) and slugs (kebab-case) are unique; the ID's prefix is the family's, declared
  as the first word of the family package's docstring (`MOD: module ownership ...`);
- REDIRECTS point at existing rules and never shadow a live ID or slug;
- every docstring has the required sections (rules.REQUIRED_SECTIONS) and a reference list;
- every rule has tests/checks/<family>/test_<module or slug>.py with test_fires_* and test_quiet_*.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections import Counter
from pathlib import Path

import pytest

from reviewbot.checks import ALL
from reviewbot.rules import REDIRECTS, REQUIRED_SECTIONS

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ROOT / "checks"


def _rule_module_names() -> list[str]:
    names = []
    for path in sorted(CHECKS.rglob("*.py")):
        rel = path.relative_to(CHECKS).with_suffix("")
        if any(part.startswith("_") for part in rel.parts) or "__pycache__" in path.parts:
            continue  # helpers (_util.py, _apis.py) and package __init__ files
        names.append("reviewbot.checks." + ".".join(rel.parts))
    return names


RULE_MODULES = _rule_module_names()
BY_NAME = {m.__name__: m for m in ALL}


def _ids(mod_names):
    return [n.rsplit(".", 1)[-1] for n in mod_names]


def test_every_rule_module_is_listed_in_all_exactly_once():
    listed = Counter(m.__name__ for m in ALL)
    twice = sorted(n for n, c in listed.items() if c > 1)
    assert not twice, f"listed more than once in checks.ALL: {twice}"
    missing = sorted(set(RULE_MODULES) - set(listed))
    assert not missing, f"rule modules not listed in checks.ALL (checks/__init__.py): {missing}"
    top = sorted(n for n in RULE_MODULES if n.count(".") != 3)
    assert not top, f"rule modules must sit in a family package, checks/<family>/<slug>.py: {top}"
    stray = sorted(set(listed) - set(RULE_MODULES))
    assert not stray, f"checks.ALL lists modules that are not rule modules under checks/<family>/: {stray}"


def test_ids_and_slugs_are_unique():
    ids = Counter(m.RULE.id for m in ALL)
    slugs = Counter(m.RULE.slug for m in ALL)
    assert [i for i, c in ids.items() if c > 1] == []
    assert [s for s, c in slugs.items() if c > 1] == []


def test_redirects_point_at_existing_rules():
    ids = {m.RULE.id for m in ALL}
    live = ids | {m.RULE.slug for m in ALL}
    for old, new in REDIRECTS.items():
        assert new in ids, f"REDIRECTS[{old!r}] -> {new!r}: no such rule"
        assert old not in live, f"REDIRECTS[{old!r}]: an old name must not be a live ID or slug"


@pytest.mark.parametrize("name", RULE_MODULES, ids=_ids(RULE_MODULES))
def test_rule_metadata(name):
    mod = importlib.import_module(name)
    rule = mod.RULE
    family = name.split(".")[2]
    fam_doc = (importlib.import_module(f"reviewbot.checks.{family}").__doc__ or "").strip()
    m = re.match(r"^([A-Z]{2,5}):", fam_doc)
    assert m, f"checks/{family}/__init__.py docstring must start with the family's ID prefix ('MOD: ...')"
    assert re.fullmatch(rf"{m.group(1)}\d{{3}}", rule.id), f"{rule.id}: ID family does not match checks/{family}/"
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.slug), f"{rule.id}: slug {rule.slug!r} is not kebab-case"
    assert callable(getattr(mod, "check", None)), f"{rule.id}: no check() function"


@pytest.mark.parametrize("name", RULE_MODULES, ids=_ids(RULE_MODULES))
def test_rule_docs_have_the_required_sections(name):
    rule = importlib.import_module(name).RULE
    doc = rule.doc
    assert doc.summary and len(doc.summary) <= 120, f"{rule.id}: first docstring line is the summary"
    assert doc.missing_sections() == [], f"{rule.id}: missing sections {doc.missing_sections()} " \
                                         f"(required: {', '.join(REQUIRED_SECTIONS)})"
    refs = [ln for ln in doc.sections["References"].splitlines() if ln.lstrip().startswith(("- ", "* "))]
    assert refs, f"{rule.id}: References needs at least one '- ' item (Documentation/ path, lore link, commit)"
    assert doc.code_blocks("Example"), f"{rule.id}: Example needs a code block"


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("name", RULE_MODULES, ids=_ids(RULE_MODULES))
def test_rule_has_fire_and_quiet_tests(name):
    _, _, family, module = name.split(".")
    rule = importlib.import_module(name).RULE
    # tests/checks/<family>/test_<module>.py, or test_<slug in snake_case>.py
    candidates = [ROOT / "tests" / "checks" / family / f"test_{stem}.py"
                  for stem in dict.fromkeys((module, rule.slug.replace("-", "_")))]
    path = next((c for c in candidates if c.is_file()), candidates[0])
    assert path.is_file(), f"{rule.id}: no tests at {' or '.join(str(c.relative_to(ROOT)) for c in candidates)}"
    funcs = _test_functions(path)
    assert any(f.startswith("test_fires_") for f in funcs), f"{path.relative_to(ROOT)}: no test_fires_*"
    assert any(f.startswith("test_quiet_") for f in funcs), f"{path.relative_to(ROOT)}: no test_quiet_*"


@pytest.mark.parametrize("name", _ids(RULE_MODULES))
def test_trigger_is_a_tuple_of_substrings(name):
    """TRIGGER: the literal strings without which the rule has nothing to say (engine gate)."""
    mod = importlib.import_module(f"reviewbot.checks.module.{name}")
    trigger = getattr(mod, "TRIGGER", None)
    assert isinstance(trigger, tuple) and trigger, f"{name}: TRIGGER must be a non-empty tuple"
    assert all(isinstance(t, str) and t for t in trigger), f"{name}: TRIGGER holds non-empty strings only"
