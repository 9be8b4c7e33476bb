"""A series without C files is reviewed without importing the rule modules (a third of the
start-up of `reviewbot review` of a documentation patch).  That is exact only while every rule
is patch scope: the engine runs a patch-scope rule on the patches that have C files, so on
such a series no rule runs either way.  A series-scope rule would have to change that."""

from __future__ import annotations

import subprocess
import sys

from reviewbot import engine, pipeline
from reviewbot.registry import all_checks
from reviewbot.rules import Scope
from tests.helpers import DATA, ROOT

_DOC_PATCH = """\
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: A <a@example.org>
Subject: [PATCH] docs: fix a typo

Fix it.

Signed-off-by: A <a@example.org>
---
diff --git a/Documentation/x.rst b/Documentation/x.rst
--- a/Documentation/x.rst
+++ b/Documentation/x.rst
@@ -1 +1 @@
-teh
+the
-- 
2.47.0
"""


def test_every_rule_is_patch_scope():
    assert all(mod.RULE.scope is not Scope.SERIES for mod in all_checks())


def test_a_series_without_c_files_imports_no_rule(tmp_path):
    patch = tmp_path / "doc.patch"
    patch.write_text(_DOC_PATCH)
    code = ("import sys\nfrom reviewbot import pipeline\n"
            f"for s in pipeline.load([{str(patch)!r}], errors=[]):\n    pipeline.review_series(s)\n"
            "print(sorted(m for m in sys.modules if m.startswith('reviewbot.checks')))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    code_c = code.replace(repr(str(patch)), repr(str(ROOT / "examples" / "zram-sysfs-self-pin.patch")))
    out = subprocess.run([sys.executable, "-c", code_c], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "reviewbot.checks" in out.stdout  # the control: a C patch does import them


def test_same_review_with_and_without_the_rules(tmp_path):
    """Every test series without a C file: the review (findings, notes) with all rules is the
    one the shortcut gives."""
    (tmp_path / "doc.patch").write_text(_DOC_PATCH)
    paths = [tmp_path / "doc.patch"] + sorted(DATA.rglob("*.patch")) + sorted(DATA.rglob("*.mbox"))
    seen = 0
    for path in paths:
        try:
            all_series = pipeline.load([str(path)], errors=[])
        except Exception:
            continue
        for series in all_series:
            if any(p.c_files for p in series.patches):
                continue
            seen += 1
            short = pipeline.review_series(series)
            full = engine.review(series, checks=all_checks())
            assert (short.findings, short.notes, short.context) == (full.findings, full.notes, full.context)
    assert seen >= 1
