"""checks/data/teardown.tsv through checks/_kapi.py: what an unbind must stop, and its devm twin."""

import re
import subprocess
from pathlib import Path

import pytest

from reviewbot.checks import _kapi as kapi

KERNEL = Path("/work/linux-6.12")


def test_rows_parse_with_known_kinds_and_teardowns():
    rows = kapi.teardown_rows()
    assert len(rows) >= 60
    for r in rows:
        assert r.kind in ("irq", "deferred", "interface", "notifier", "ref"), r
        assert r.teardown, r
        assert r.devm is None or r.devm.startswith(("devm_", "dmaenginem_")), r


def test_lookups_by_teardown_and_by_devm_twin():
    assert {r.setup for r in kapi.torn_down_by("free_irq")} >= {"request_irq", "request_threaded_irq"}
    assert kapi.teardown_of("devm_request_irq").setup == "request_irq"
    assert kapi.teardown_of("iio_device_register").devm == "devm_iio_device_register"
    assert kapi.torn_down_by("kfree") == ()


def test_parse_of_a_table_given_as_text():
    text = "setup\tkind\tteardown\tdevm\tnote\nfoo_register\tinterface\tfoo_unregister|foo_del\t-\t-\n"
    (row,) = kapi.parse_teardown(text)
    assert (row.setup, row.teardown, row.devm) == ("foo_register", ("foo_unregister", "foo_del"), None)


@pytest.mark.skipif(not (KERNEL / ".git").exists(), reason="needs a Linux 6.12 git tree at /work/linux-6.12")
def test_every_name_is_in_linux_6_12_unless_noted():
    names = {}
    for r in kapi.teardown_rows():
        for n in (r.setup, *r.teardown, r.devm):
            if n:
                names.setdefault(n, r)
    args = ["git", "grep", "-hoF"]
    for n in sorted(names):
        args += ["-e", n + "("]
    out = subprocess.run(args + ["--", "include"],
                         cwd=KERNEL, capture_output=True, text=True).stdout
    found = {w.rstrip("(") for w in out.split()}
    missing = {n for n, r in names.items() if n not in found and r.note == "-"}
    assert not missing, sorted(missing)
    assert all(re.match(r"^[a-z_A-Z0-9]+$", n) for n in names)
