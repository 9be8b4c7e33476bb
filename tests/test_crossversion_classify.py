"""benchmarks/crossversion.py: which one-hunk differences between two kernel trees become cases.
With --extra-puts, a line that differs from one of the other side only by the `{` a put's block
needs (`if (error)` -> `if (error) {`) is trivial: the hunk that adds a put there is a put_added
case (6.12.94 -> 6.12.107 mtdcore.c `add_mtd_device()`); one that changes the condition is not."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import crossversion  # noqa: E402

HUNK = ["\terror = device_register(&mtd->dev);",
        "-\tif (error)", "+\tif (error) {", "+\t\tput_device(&mtd->dev);",
        "\t\tgoto fail_added;", "+\t}", "", "\t/* Add the nvmem provider */"]


def _hunk(lines):
    return {"path": "drivers/mtd/mtdcore.c", "old": 746, "new": 746, "section": "int add_mtd_device(struct mtd_info *mtd)",
            "lines": [ln if ln[:1] in ("+", "-") else " " + ln for ln in lines]}


def test_brace_only_change_is_trivial_with_extra_puts(monkeypatch):
    monkeypatch.setattr(crossversion, "EXTRA_PUTS", [True])
    kind, expect = crossversion.classify(_hunk(HUNK), [])
    assert kind == "put_added"
    assert expect == [{"path": "drivers/mtd/mtdcore.c", "new_line": 748, "text": "put_device(&mtd->dev);"}]


def test_a_changed_condition_is_not_trivial(monkeypatch):
    monkeypatch.setattr(crossversion, "EXTRA_PUTS", [True])
    lines = [ln.replace("+\tif (error) {", "+\tif (error < 0) {") for ln in HUNK]
    assert crossversion.classify(_hunk(lines), []) is None


def test_without_extra_puts_no_put_added(monkeypatch):
    monkeypatch.setattr(crossversion, "EXTRA_PUTS", [False])
    assert crossversion.classify(_hunk(HUNK), []) is None
