"""A rule that declares TRIGGER_PER_FILE runs, in hunk mode, on the patch without the C files that
hold none of its TRIGGER strings (other files stay); a rule without it, and tree mode, see every
file.  And for the rules
that declare it, the findings are the same as when they see the whole patch: every real patch
under tests/data and examples/ (and the dev and mined corpus when ../shared is there) is
reviewed both ways (the per-file way also runs the rule's novelty views on only the C files
it found something in)."""

from __future__ import annotations

import logging
import types
from pathlib import Path

import pytest

from reviewbot import engine, pipeline
from reviewbot.context import Context, FileImages
from reviewbot.errors import InputError
from reviewbot.model import Level
from reviewbot.registry import all_checks
from reviewbot.rules import Rule
from tests.helpers import ROOT, SHARED, diff

_DOC = """Per-file trigger probe.

## What it does
Records the files it is shown.
## Why is this bad?
It is a test.
## Example
```c
probe();
```
## Use instead
```c
nothing();
```
## References
- none
"""

SERIES = diff("""\
    --- a/drivers/a.c
    +++ b/drivers/a.c
    @@ -1,3 +1,4 @@ static int a_probe(struct device *dev)
     {
    +\tfoo_put(dev);
     \treturn 0;
     }
    --- a/drivers/b.c
    +++ b/drivers/b.c
    @@ -1,3 +1,4 @@ static int b_probe(struct device *dev)
     {
    +\tbar(dev);
     \treturn 0;
     }
    --- a/drivers/Makefile
    +++ b/drivers/Makefile
    @@ -1,1 +1,2 @@
     obj-y += a.o
    +obj-y += b.o
    --- a/drivers/c.h
    +++ b/drivers/c.h
    @@ -1,1 +1,2 @@ struct c {
     \tint x;
    +\tvoid (*foo_put)(void);
    """)


def _probe(trigger, per_file):
    seen = []
    mod = types.SimpleNamespace(
        RULE=Rule.from_doc(_DOC, id="TST002", slug="per-file-probe", level=Level.WARNING),
        TRIGGER=trigger,
        check=lambda patch, ctx: seen.append([fd.path for fd in patch.files]) or (),
    )
    if per_file:
        mod.TRIGGER_PER_FILE = True
    return mod, seen


def test_only_the_c_files_holding_a_trigger_are_shown():
    mod, seen = _probe(("foo_put",), per_file=True)
    engine.review(SERIES, checks=(mod,))
    assert seen == [["drivers/a.c", "drivers/Makefile", "drivers/c.h"]]


def test_the_patch_itself_when_every_c_file_holds_one():
    mod, seen = _probe(("int",), per_file=True)  # section headers of a.c and b.c, a line of c.h
    engine.review(SERIES, checks=(mod,))
    assert seen == [["drivers/a.c", "drivers/b.c", "drivers/Makefile", "drivers/c.h"]]


def test_without_the_declaration_every_file_is_shown():
    mod, seen = _probe(("foo_put",), per_file=False)
    engine.review(SERIES, checks=(mod,))
    assert seen == [["drivers/a.c", "drivers/b.c", "drivers/Makefile", "drivers/c.h"]]


def test_tree_mode_shows_the_whole_patch():
    """Tree mode's path count judges whole images: no file is left out there."""
    mod, seen = _probe(("THIS_MODULE",), per_file=True)
    ctx = Context(mode="tree", files={"drivers/b.c": FileImages(pre="int a;\n", post=".owner = THIS_MODULE,\n")})
    engine.review(SERIES, checks=(mod,), context_for=lambda p: ctx)
    assert seen[0] == ["drivers/a.c", "drivers/b.c", "drivers/Makefile", "drivers/c.h"]


def _sources() -> list[Path]:
    out = sorted((ROOT / "tests" / "data").rglob("*.patch")) + sorted((ROOT / "examples").glob("*.patch"))
    assert len(out) > 50
    return out


def _findings(paths: list[Path], per_file: bool) -> list[tuple]:
    out = []
    with pytest.MonkeyPatch.context() as mp:
        if not per_file:  # every rule sees the whole patch, and so do its novelty views
            mp.setattr(engine._Triggers, "files_with", lambda self, trigger: self._patch)
            mp.setattr(engine, "_with_findings", lambda patch, findings: patch)
        for path in paths:
            try:
                all_series = pipeline.load([str(path)], errors=[])
            except InputError:
                continue
            for series in all_series:
                review = pipeline.review_series(series)
                out += [(str(path), f.patch_index, f.rule.id, f.path, f.line, f.side.value, f.message,
                         f.effective_confidence.value) for f in review.findings]
    return out


def _same_both_ways(paths: list[Path]) -> int:
    assert any(getattr(m, "TRIGGER_PER_FILE", False) for m in all_checks())
    logging.disable(logging.CRITICAL)
    try:
        whole = _findings(paths, False)
        per_file = _findings(paths, True)
    finally:
        logging.disable(logging.NOTSET)
    assert per_file == whole
    return len(whole)


def test_same_findings_per_file_and_whole_on_the_test_patches():
    assert _same_both_ways(_sources()) > 20


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="../shared/corpus not present (clean clone)")
def test_same_findings_per_file_and_whole_on_the_corpus():
    paths = sorted((SHARED / "corpus" / "dev" / "cases").glob("*.patch")) + \
        sorted((SHARED / "corpus" / "mined" / "cases").glob("*.patch"))
    assert _same_both_ways(paths) > 20
