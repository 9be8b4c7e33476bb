"""The kernel's reference-counting API vocabulary, as data: `checks/data/refs.tsv`.

314 APIs of Linux 6.12 that take, drop, hand over or set up a reference (device, kobject, kref,
module, OF node, fwnode, file, ...), each verified against the 6.12 source with a quoted line
(columns and method: `checks/data/refs.md`).  Rules ask this module, not a list of their own
(`from reviewbot.checks import _kapi as kapi`):

    kapi.get("of_find_device_by_node")       -> Row (kind "lookup", releases ("put_device", ...))
    kapi.releases("pci_get_device")          -> ("pci_dev_put",)
    kapi.is_putter("of_node_put")            -> True
    kapi.of_kind("register")                 -> every register row
    kapi.iterators()                         -> the for_each_* lookups (a node held per round)
    kapi.borrowed("acpi_fetch_acpi_dev")     -> Borrowed (kind "lookup", twin "acpi_get_acpi_dev")

Its counterpart, `checks/data/borrowed.tsv` (columns and method: `checks/data/borrowed.md`),
lists accessors that return a pointer WITHOUT a reference: a `lookup` row finds an object by a
key and takes none (`acpi_fetch_acpi_dev()`, `__dev_get_by_name()`, `get_cpu_device()`); a
`conversion` row derives the pointer from its argument (`interface_to_usbdev()`,
`dev_of_node()`), so the argument's owner may hold a reference on it.

`kind`: getter (takes a ref on an object it is given), lookup (finds and returns a new ref; also
the `for_each_*` iterators), putter, register (publishes an object; see `on_error`), init
(creates the first ref: from then on only the putter may free the object).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from reviewbot import lazyre

DATA = Path(__file__).resolve().parent / "data" / "refs.tsv"
BORROWED_DATA = DATA.parent / "borrowed.tsv"

_ARG = lazyre.compile(r"^arg(\d+)")
_PAREN = lazyre.compile(r"\([^()]*\)")
_SHORT_PUTS = frozenset({"fput", "fdput", "kfree"})
_CLEANUP = frozenset({"__free", "no_free_ptr", "return_ptr"})  # scope-based release, not calls
_DROPS = lazyre.compile(r"drops arg(\d+)")


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    kind: str  # getter | lookup | putter | register | init
    ref_on: str  # "return", "argN" (1-based), with the table's notes
    family: str  # device | kobject | kref | module | of_node | fwnode | file | pci_dev | ...
    release: tuple[str, ...]  # what drops the ref (for a putter: the calls it pairs with)
    on_error: str
    also_module_ref: bool
    defined_in: str
    evidence: str

    @property
    def returns_ref(self) -> bool:
        return self.ref_on.startswith("return")

    @property
    def ref_arg(self) -> int | None:
        """0-based index of the argument that gains (or, for a putter, loses) the reference."""
        m = _ARG.match(self.ref_on)
        return int(m.group(1)) - 1 if m else None

    @property
    def drops_arg(self) -> int | None:
        """0-based argument whose reference the call drops (`of_get_next_child(np, prev)`)."""
        m = _DROPS.search(self.ref_on)
        return int(m.group(1)) - 1 if m else None

    @property
    def is_iterator(self) -> bool:
        return "loop var" in self.ref_on

    @property
    def ref_on_failure(self) -> bool:
        """The caller still owns (and must put) the object when the call failed."""
        e = self.on_error
        return bool(e) and not e.startswith("none") and "kfree" not in e

    @property
    def fails(self) -> str:
        """How a failure shows: 'errptr', 'null', 'int' or '' (cannot fail)."""
        if "ERR_PTR" in self.on_error or (self.kind != "putter" and "ERR_PTR" in self.evidence):
            return "errptr"
        if self.kind == "register" and not self.returns_ref:
            return "int"
        if self.kind == "lookup" or "NULL" in self.on_error:
            return "null"
        return ""

    @property
    def devres(self) -> bool:
        return any("devres" in r for r in self.release)


def _release(text: str) -> tuple[str, ...]:
    out = []
    for part in text.split("|"):
        part = part.strip()
        if part and part != "none":
            out.append(part)
    return tuple(out)


@functools.cache
def rows() -> tuple[Row, ...]:
    return parse(DATA.read_text(encoding="utf-8"))


def _records(text: str):
    """Each row of a TSV table with a header line, as {column: value}."""
    lines = text.splitlines()
    header = lines[0].split("\t")
    for line in lines[1:]:
        if line.strip():
            yield dict(zip(header, line.split("\t")))


def parse(text: str) -> tuple[Row, ...]:
    """The rows of a table in refs.tsv's format (the shipped one: `rows()`)."""
    return tuple(Row(name=f["function"], kind=f["kind"], ref_on=f["ref_on"], family=f["family"],
                     release=_release(f["release"]), on_error=f["on_error"],
                     also_module_ref=f["also_module_ref"] == "yes", defined_in=f["defined_in"],
                     evidence=f["evidence"]) for f in _records(text))


@functools.cache
def _by_name() -> dict[str, Row]:
    return {r.name: r for r in rows()}


def get(name: str) -> Row | None:
    return _by_name().get(name)


def of_kind(*kinds: str) -> tuple[Row, ...]:
    return tuple(r for r in rows() if r.kind in kinds)


def releases(name: str) -> tuple[str, ...]:
    """The calls that drop the reference `name` takes (empty for unknown names and putters)."""
    r = get(name)
    if r is None or r.kind == "putter":
        return ()
    out: list[str] = []
    for alt in r.release:  # "of_node_put(child) only when ...", "mdiobus_unregister then mdiobus_free"
        prose, prev = alt, None
        while prose != prev:  # innermost first: "(if spi_add_device() failed)"
            prev, prose = prose, _PAREN.sub(" ", prose)
        for w in re.findall(r"[A-Za-z_]\w*", prose):
            other = get(w)
            if ("_" in w or w in _SHORT_PUTS) and w not in out and w not in _CLEANUP and \
                    (other is None or other.kind == "putter"):
                out.append(w)
    return tuple(out)


def is_putter(name: str) -> bool:
    r = get(name)
    return r is not None and r.kind == "putter"


def takes_ref(name: str) -> bool:
    """Does a successful call leave the caller holding a reference it must drop?"""
    r = get(name)
    return r is not None and r.kind in ("getter", "lookup", "init", "register") and not r.devres


def iterators() -> tuple[Row, ...]:
    return tuple(r for r in rows() if r.is_iterator)


@dataclass(frozen=True, slots=True)
class Borrowed:
    """A row of borrowed.tsv: an accessor whose pointer must not be put by its caller."""

    name: str
    kind: str  # lookup | conversion
    family: str
    wrong_put: str
    twin: str | None  # the variant that does take a reference
    defined_in: str
    evidence: str


def parse_borrowed(text: str) -> tuple[Borrowed, ...]:
    """The rows of a table in borrowed.tsv's format (the shipped one: `borrowed_rows()`)."""
    return tuple(Borrowed(name=f["function"], kind=f["kind"], family=f["family"], wrong_put=f["wrong_put"],
                          twin=None if f["twin"] == "-" else f["twin"], defined_in=f["defined_in"],
                          evidence=f["evidence"]) for f in _records(text))


@functools.cache
def borrowed_rows() -> tuple[Borrowed, ...]:
    return parse_borrowed(BORROWED_DATA.read_text(encoding="utf-8"))


@functools.cache
def _borrowed_by_name() -> dict[str, Borrowed]:
    return {r.name: r for r in borrowed_rows()}


def borrowed(name: str) -> Borrowed | None:
    return _borrowed_by_name().get(name)
