"""checks/data/devres_undo.tsv through checks/_kapi.py: devm getters whose devres action undoes an enable."""

from pathlib import Path

import pytest

from reviewbot.checks import _kapi as kapi

KERNEL = Path("/work/linux-6.12")


def test_rows_parse_with_undo_and_redo_calls():
    rows = kapi.devres_undo_rows()
    assert {r.devm for r in rows} >= {"devm_clk_get_enabled", "devm_clk_get_prepared",
                                      "devm_reset_control_get_shared_deasserted"}
    for r in rows:
        assert r.devm.startswith("devm_") and r.undo and r.redo, r
        assert r.on == "return" or r.out_arg is not None, r
    (bulk,) = [r for r in rows if r.devm == "devm_clk_bulk_get_all_enable"]
    assert bulk.out_arg == 2 and "clk_bulk_disable_unprepare" in bulk.undo


def test_parse_of_a_table_given_as_text():
    text = ("devm\ton\tundo\tredo\tdefined_in\tevidence\n"
            "devm_foo_get_enabled\treturn\tfoo_disable|foo_put\tfoo_enable\ta.c:1\ta.c:2\n")
    (row,) = kapi.parse_devres_undo(text)
    assert (row.devm, row.undo, row.redo, row.out_arg) == ("devm_foo_get_enabled", ("foo_disable", "foo_put"),
                                                            ("foo_enable",), None)


@pytest.mark.skipif(not (KERNEL / "drivers").is_dir(), reason="needs a Linux 6.12 tree at /work/linux-6.12")
def test_definitions_and_devres_releases_are_in_linux_6_12():
    for r in kapi.devres_undo_rows():
        path, line = r.defined_in.split(":")
        text = (KERNEL / path).read_text(encoding="utf-8").splitlines()
        assert r.devm in text[int(line) - 1], r
        path, line = r.evidence.split(":")
        text = (KERNEL / path).read_text(encoding="utf-8").splitlines()
        assert r.undo[0] in text[int(line) - 1], r
