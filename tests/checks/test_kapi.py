"""The kernel-API vocabulary (checks/data/refs.tsv) loads and answers the rules' questions."""

import re
from pathlib import Path

import pytest

from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _apis


def test_every_row_loads_with_a_known_kind_and_a_quote():
    rows = kapi.rows()
    assert len(rows) >= 310
    assert {r.kind for r in rows} == {"getter", "lookup", "putter", "register", "init"}
    assert all(r.evidence and ":" in r.defined_in for r in rows)
    assert len({r.name for r in rows}) == len(rows)


def test_queries():
    assert kapi.releases("of_find_device_by_node") == ("put_device", "platform_device_put")
    assert kapi.releases("pci_get_device") == ("pci_dev_put",)
    assert kapi.is_putter("of_node_put") and not kapi.is_putter("of_node_get")
    assert kapi.takes_ref("bus_find_device") and not kapi.takes_ref("put_device")
    dev_reg = kapi.get("device_register")
    assert dev_reg.kind == "register" and dev_reg.ref_on_failure and dev_reg.ref_arg == 0
    assert kapi.get("of_get_next_child").drops_arg == 1
    assert any(r.name == "for_each_child_of_node" for r in kapi.iterators())
    assert kapi.get("no_such_function") is None and kapi.releases("no_such_function") == ()


def test_the_balance_rules_see_the_table():
    """Getters the hand-written list never named are known to MOD003/MOD019 through the table."""
    for name in ("class_find_device", "of_find_node_by_type", "usb_find_interface"):
        if kapi.get(name) and kapi.takes_ref(name):
            assert name in _apis.BY_GETTER
    assert "of_node_put" in _apis.PUTTERS and "pci_dev_put" in _apis.PUTTERS
    assert all(any(h in p for h in _apis.PUTTER_HINTS) for p in _apis.PUTTERS)


# Names a putter row's `release` column may give without a row of their own: patterns over a
# family (`of_find_*`), notes, and rows that were refused: spi_alloc_host/_target (the row made
# MOD019 comment on an ordinary devm conversion; __spi_alloc_controller has one) and
# phy_connect_direct (its device ref belongs to the attachment, phy_disconnect drops it: as a
# getter row it let a put_device() after it pass for a balanced put), dma_request_chan (a
# low-confidence tree-mode MOD003 on the failure branch of the get itself, spi-stm32 in the noise
# corpus: `if (IS_ERR(spi->dma_tx)) { spi->dma_tx = NULL; if (...) goto err; }`).
_UNPAIRED_OK = {"spi_alloc_host", "spi_alloc_target", "phy_connect_direct", "dma_request_chan"}


def test_every_getter_a_putter_names_has_a_row():
    """A putter's pair is a row too, so the balance rules know the get that the put answers."""
    known = {r.name for r in kapi.rows()} | {r.name for r in kapi.wrapper_rows()}
    missing = {}
    for r in kapi.of_kind("putter"):
        for n in r.release:
            if "*" in n or " " in n or n in known or n in _UNPAIRED_OK:
                continue
            missing.setdefault(r.name, []).append(n)
    assert not missing, missing


def test_provider_getters_pair_with_their_putters():
    """The consumer APIs that pin a provider's module: get and put are both in the rules' tables."""
    pairs = {"of_dma_request_slave_channel": "dma_release_channel", "mbox_request_channel": "mbox_free_channel",
             "pwm_get": "pwm_put", "nvmem_cell_get": "nvmem_cell_put",
             "reset_control_get_exclusive": "reset_control_put", "__of_reset_control_get": "reset_control_put",
             "iio_channel_get": "iio_channel_release", "of_clk_get_by_name": "clk_put"}
    for get, put in pairs.items():
        row = kapi.get(get)
        assert row is not None and kapi.takes_ref(get) and put in kapi.releases(get), get
        assert put in _apis.BY_GETTER[get].putters and get in _apis.PUTTERS[put], get
    assert kapi.get("reset_control_get_exclusive").also_module_ref
    assert not kapi.get("iio_channel_get").also_module_ref  # a device reference only
    assert kapi.get("of_dma_request_slave_channel").fails == "errptr" and kapi.get("dma_request_channel").fails == "null"


def test_putters_answering_is_the_inverse_of_putters():
    """putters_answering(g) (what devm_released_twice asks, without building the whole map) is
    exactly the putters whose PUTTERS entry holds g, wrappers included."""
    getters = {a.getter for a in _apis.APIS} | {"not_an_api", "kfree"}
    for g in getters:
        assert _apis.putters_answering(g) == {p for p in _apis.PUTTERS if g in _apis.PUTTERS[p]}, g
    assert "put_device" in _apis.putters_answering("get_device")
    assert not _apis.putters_answering("not_an_api")


KERNEL = Path("/work/linux-6.12")


def _span(lines: list[str], i: int) -> str:
    """The kernel-doc above line i (0-based) and the definition from there to its end."""
    macro = "#define" in lines[i] or (i > 0 and "#define" in lines[i - 1])
    hi = i
    while hi < len(lines) - 1 and hi - i < 400:
        if lines[hi].startswith("}") or (macro and not lines[hi].rstrip().endswith("\\")):
            break
        hi += 1
    return " ".join("\n".join(lines[max(0, i - 40):hi + 1]).split())


@pytest.mark.skipif(not (KERNEL / "include/linux/kref.h").exists(), reason="needs a Linux 6.12 tree at /work/linux-6.12")
def test_every_row_is_where_it_says_in_linux_6_12():
    """defined_in names the line of the definition, and evidence is a line of it (or of its doc)."""
    bad = []
    for r in kapi.rows():
        path, line = r.defined_in.rsplit(":", 1)
        f = KERNEL / path
        if not f.is_file():
            bad.append((r.name, "no such file"))
            continue
        lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
        i = int(line) - 1
        if i >= len(lines) or not re.search(r"\b%s\b" % re.escape(r.name), lines[i]):
            bad.append((r.name, "name not on its line"))
        elif " ".join(r.evidence.split()) not in _span(lines, i):
            bad.append((r.name, "evidence not in the definition"))
    assert not bad, bad
