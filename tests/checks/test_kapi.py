"""The kernel-API vocabulary (checks/data/refs.tsv) loads and answers the rules' questions."""

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
