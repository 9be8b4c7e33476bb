"""The one Review every reporter's golden file is rendered from.

A real patch (tests/data/report/zram-sysfs-self-pin.patch: patch 2/2 of a lore series, with
two `reviewbot-ignore:` lines added below its `---`) and fixed findings from test rules, so
the goldens change only when a reporter changes, not when a check or its docs do.  It covers:
each level (ERROR, WARNING, a CHECK override), a medium- and a low-confidence finding, a
finding on a removed line (old side), one without a file line (commit message), one suppressed
by the author (patch notes) and an unused directive (a note), plus b4's "series incomplete".
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reviewbot import suppress
from reviewbot.model import Confidence, Finding, Level, Review, Scope, Side
from reviewbot.rules import Rule
from tests.helpers import load_case

PATCH = Path(__file__).resolve().parent.parent / "data" / "report" / "zram-sysfs-self-pin.patch"
PATH = "drivers/block/zram/zram_drv.c"


def _doc(summary: str, why: str) -> str:
    return f"""{summary}

## What it does
Flags an added `try_module_get(THIS_MODULE)` in a test fixture.

## Why is this bad?
{why}

## Example
```c
if (!try_module_get(THIS_MODULE))
	return -ENODEV;
```

## Use instead
```c
return do_store(dev, buf, len);
```

## References
- Documentation/process/submitting-patches.rst
"""


ERROR_RULE = Rule.from_doc(_doc("A test rule at ERROR level.", "Errors are almost certainly bugs."),
                           id="TST001", slug="test-error", level=Level.ERROR, tags=("test",))
WARNING_RULE = Rule.from_doc(_doc("A test rule at WARNING level.", "Warnings are likely wrong:\n"
                                  "they span\ntwo lines here."),
                             id="TST002", slug="test-warning", level=Level.WARNING)
CHECK_RULE = Rule.from_doc(_doc("A test rule at CHECK level.", "Checks are taste."),
                           id="TST003", slug="test-check", level=Level.CHECK, scope=Scope.HUNK,
                           confidence=Confidence.MEDIUM)
RULES = (ERROR_RULE, WARNING_RULE, CHECK_RULE)


def findings() -> list[Finding]:
    get = "\tif (!try_module_get(THIS_MODULE))"
    return [
        ERROR_RULE.finding(PATH, 1725, "'zram' pins itself in disksize_store()", text=get),
        WARNING_RULE.finding(PATH, 1794, "reset_store() pins the module it runs in", text=get,
                             confidence=Confidence.MEDIUM),
        WARNING_RULE.finding(PATH, 1768, "module_put() pairs with a self-pin",
                             text="\tmodule_put(THIS_MODULE);", level=Level.CHECK),
        WARNING_RULE.finding(PATH, 2049, "early -ENODEV return replaced by a goto", side=Side.OLD,
                             text="\t\treturn -ENODEV;"),
        CHECK_RULE.finding(PATH, 2055, "hot_add_show() pins the module it runs in", text=get),
        WARNING_RULE.finding(PATH, 2091, "hot_remove_store() pins the module it runs in", text=get,
                             confidence=Confidence.LOW),
        Finding(rule=ERROR_RULE, path=None, line=None, message="no Fixes: tag for a race fix"),
    ]


def review() -> Review:
    series = load_case(PATCH)
    (patch,) = series.patches
    fs = [replace(f, patch_index=patch.index, patch_msgid=patch.msgid, patch_subject=patch.subject)
          for f in findings()]
    fs.sort(key=Finding.sort_key)
    # The directives are real (below the patch's ---); suppress.apply resolves test rules through
    # the findings, and the unused `module-self-pin` one through the registry.
    return suppress.apply(Review(series=series, context="hunks", findings=tuple(fs), notes=series.notes))
