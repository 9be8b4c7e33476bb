"""Executable docs (pylint's lesson): a rule's `Example` fires, `Use instead` is quiet.

Each code block becomes one hunk of a C file (drivers/example/example.c), run through the
engine with only that rule:
- a plain C block becomes added lines (`+`), as if the patch wrote that code;
- a block written as a diff (every line starts with '+', '-' or ' ', and some with '+' or '-')
  is used as the hunk itself: rules about *removing* code show their Example that way.
`Example` must give a finding at default confidence (what would be posted); the first
`Use instead` code block must give none, not even a low-confidence one.  A `Use instead`
written in prose only (no code block) is not executed.

A rule whose docs cannot be executed in hunk mode (it needs the base tree, several files or
the series) opts out with a module-level `DOC_EXAMPLES_EXECUTABLE = False` and says why in a
comment next to it; the opt-out is reported as a skip.
"""

from __future__ import annotations

import importlib

import pytest

from reviewbot import engine
from reviewbot.diffparse import parse_diff
from reviewbot.model import Patch, Series
from tests.contract.test_rules import RULE_MODULES, _ids

PATH = "drivers/example/example.c"


def is_diff_block(code: str) -> bool:
    lines = [ln for ln in code.splitlines() if ln.strip()]
    return bool(lines) and all(ln[0] in "+- " for ln in lines) and any(
        ln[0] in "+-" and not ln.startswith(("++", "--")) for ln in lines)


def hunk_from_block(code: str) -> str:
    """A unified diff (one hunk, checked counts) of PATH from a doc code block."""
    lines = code.rstrip("\n").splitlines()
    if is_diff_block(code):
        body = [ln if ln else " " for ln in lines]
    else:
        body = ["+" + ln for ln in lines]
    old = sum(1 for ln in body if ln[0] in " -")
    new = sum(1 for ln in body if ln[0] in " +")
    start = 100
    header = f"@@ -{start if old else start - 1},{old} +{start},{new} @@"
    return f"--- a/{PATH}\n+++ b/{PATH}\n{header}\n" + "\n".join(body) + "\n"


def series_from_block(code: str) -> Series:
    diff = hunk_from_block(code)
    patch = Patch(index=1, subject="[PATCH] doc example", msgid=None, author="Docs <docs@example.org>",
                  message="doc example\n", notes="", diff=diff, files=parse_diff(diff))
    return Series(subject="doc example", msgid=None, revision=1, base=None, patches=(patch,))


def _module(name):
    mod = importlib.import_module(name)
    if getattr(mod, "DOC_EXAMPLES_EXECUTABLE", True) is False:
        pytest.skip(f"{mod.RULE.id} opts out of executable docs (DOC_EXAMPLES_EXECUTABLE = False)")
    return mod


OPT_OUT = ("(docs that cannot run in hunk mode: set DOC_EXAMPLES_EXECUTABLE = False in the rule module, "
           "with a comment saying why)")


def _show(review) -> str:
    return "\n".join(f"  {f.path}:{f.line} ({f.side.value}, {f.effective_confidence.value}) {f.message}"
                     for f in review.findings) or "  (none)"


@pytest.mark.parametrize("name", RULE_MODULES, ids=_ids(RULE_MODULES))
def test_example_fires(name):
    mod = _module(name)
    blocks = mod.RULE.doc.code_blocks("Example")
    assert blocks, f"{mod.RULE.id}: Example has no code block"
    series = series_from_block(blocks[0])
    review = engine.review(series, checks=(mod,))
    internal = [n for n in review.notes if n.startswith("internal:")]
    assert not internal, internal
    assert review.shown(include_low=False), (
        f"{mod.RULE.id}: its Example does not fire at default confidence; findings:\n{_show(review)}\n"
        f"hunk:\n{hunk_from_block(blocks[0])}{OPT_OUT}")


@pytest.mark.parametrize("name", RULE_MODULES, ids=_ids(RULE_MODULES))
def test_use_instead_is_quiet(name):
    mod = _module(name)
    blocks = mod.RULE.doc.code_blocks("Use instead")
    if not blocks:
        pytest.skip(f"{mod.RULE.id}: Use instead is prose only")
    review = engine.review(series_from_block(blocks[0]), checks=(mod,))
    assert not [n for n in review.notes if n.startswith("internal:")]
    assert not review.shown(include_low=True), (
        f"{mod.RULE.id}: its Use instead fires:\n{_show(review)}\nhunk:\n{hunk_from_block(blocks[0])}{OPT_OUT}")


def test_block_conversion():
    """The converter itself: plain code becomes added lines, a diff block stays a diff."""
    plain = hunk_from_block("a;\n\tb;\n")
    assert plain.splitlines()[2:] == ["@@ -99,0 +100,2 @@", "+a;", "+\tb;"]
    d = hunk_from_block(" int a;\n-\tfoo();\n+\tbar();\n")
    assert d.splitlines()[2:] == ["@@ -100,2 +100,2 @@", " int a;", "-\tfoo();", "+\tbar();"]
    assert not is_diff_block("\tif (x)\n\t\treturn;\n")
    assert parse_diff(d)[0].added()[0].new_no == 101
