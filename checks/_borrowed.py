"""Accessors that return a pointer without a reference, as data: `checks/data/borrowed.tsv`.

The counterpart of `_kapi` (which lists the calls that take or drop a reference): a `lookup`
row finds an object by a key and never takes a reference (`acpi_fetch_acpi_dev()`,
`__dev_get_by_name()`, `get_cpu_device()`, `phy_find_first()`); a `conversion` row derives the
pointer from its argument (`interface_to_usbdev()`, `dev_of_node()`), so the argument's owner
may hold a reference on it.  Columns and method: `checks/data/borrowed.md`.

    _borrowed.get("acpi_fetch_acpi_dev")  -> Row(kind "lookup", twin "acpi_get_acpi_dev", ...)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "borrowed.tsv"


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    kind: str  # lookup | conversion
    family: str
    wrong_put: str
    twin: str | None
    defined_in: str
    evidence: str


def parse(text: str) -> tuple[Row, ...]:
    lines = text.splitlines()
    header = lines[0].split("\t")
    out = []
    for line in lines[1:]:
        if not line.strip():
            continue
        f = dict(zip(header, line.split("\t")))
        out.append(Row(name=f["function"], kind=f["kind"], family=f["family"], wrong_put=f["wrong_put"],
                       twin=None if f["twin"] == "-" else f["twin"], defined_in=f["defined_in"],
                       evidence=f["evidence"]))
    return tuple(out)


@functools.cache
def rows() -> tuple[Row, ...]:
    return parse(DATA.read_text(encoding="utf-8"))


@functools.cache
def _by_name() -> dict[str, Row]:
    return {r.name: r for r in rows()}


def get(name: str) -> Row | None:
    return _by_name().get(name)
