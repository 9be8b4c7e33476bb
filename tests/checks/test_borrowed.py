"""checks/data/borrowed.tsv through checks/_kapi.py: the accessors that return a pointer without a reference."""

from reviewbot.checks import _kapi as kapi


def test_rows_parse_and_name_a_put_of_the_returned_pointer():
    rows = kapi.borrowed_rows()
    assert len(rows) >= 20
    for r in rows:
        assert r.kind in ("lookup", "conversion"), r
        assert "%s" in r.wrong_put, r
        assert kapi.is_putter(r.wrong_put.split("(")[0]), r  # the put is a real putter


def test_no_accessor_is_also_a_reference_taking_api():
    assert not [r.name for r in kapi.borrowed_rows() if kapi.takes_ref(r.name)]


def test_lookup_and_its_twin():
    r = kapi.borrowed("acpi_fetch_acpi_dev")
    assert (r.kind, r.twin) == ("lookup", "acpi_get_acpi_dev")
    assert kapi.borrowed("interface_to_usbdev").kind == "conversion"
    assert kapi.borrowed("get_device") is None


def test_parse_of_a_table_given_as_text():
    text = "function\tkind\tfamily\twrong_put\ttwin\tdefined_in\tevidence\n" \
           "foo_peek\tlookup\tdevice\tput_device(%s)\t-\tdrivers/foo.c:1\treturn foo;\n"
    (row,) = kapi.parse_borrowed(text)
    assert (row.name, row.twin, row.defined_in) == ("foo_peek", None, "drivers/foo.c:1")
