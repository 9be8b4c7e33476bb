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

The subsystems' own get/put wrappers (`nvme_put_ctrl()`, `drm_gem_object_get()`, `cec_put_device()`:
`checks/data/wrappers.tsv`, generated from the 6.12 tree by scripts/gen_wrappers.py, method in
`checks/data/wrappers.md`) answer `get()` and `of_kind()` too (`rows()` is refs.tsv alone,
`wrapper_rows()` the wrappers, `is_wrapper(name)`, `wrapped(name)` the table call underneath).

Its counterpart, `checks/data/borrowed.tsv` (columns and method: `checks/data/borrowed.md`),
lists accessors that return a pointer WITHOUT a reference: a `lookup` row finds an object by a
key and takes none (`acpi_fetch_acpi_dev()`, `__dev_get_by_name()`, `get_cpu_device()`); a
`conversion` row derives the pointer from its argument (`interface_to_usbdev()`,
`dev_of_node()`), so the argument's owner may hold a reference on it.

A third table, `checks/data/teardown.tsv` (`checks/data/teardown.md`), lists what an unbind
must stop before the driver data goes: set-ups with callbacks (IRQs, work, timers, user-facing
registrations, notifiers), their synchronous teardowns and devm twins
(`kapi.torn_down_by("free_irq")`, `kapi.teardown_of("devm_request_irq")`).  A fourth,
`checks/data/devres_undo.tsv` (`checks/data/devres_undo.md`), lists the devm getters that also
enable, prepare or deassert what they return, and the calls their devres action runs on it
(`kapi.devres_undo_rows()`: `devm_clk_get_enabled()` -> `clk_disable_unprepare()`).

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
WRAPPERS_DATA = DATA.parent / "wrappers.tsv"
# Every putter's name holds one of these (a cheap first test before a name lookup); a wrapper
# whose name holds none (a `*_remove()`, `*_destroy()` that also drops a reference) is a
# teardown, and stays out of the vocabulary.
PUT_HINTS = ("put", "unref", "unregister", "free", "release", "detach", "close",  # filp_close()
             "disconnect")  # phy_disconnect(): phy_detach() and the handler

_ARG = lazyre.compile(r"^arg(\d+)")
_PAREN = lazyre.compile(r"\([^()]*\)")
_NAME = lazyre.compile(r"[A-Za-z_]\w*")
_SHORT_PUTS = frozenset({"fput", "fdput", "kfree"})
_CLEANUP = frozenset({"__free", "no_free_ptr", "return_ptr"})  # scope-based release, not calls
_DROPS = lazyre.compile(r"drops arg(\d+)")
_AND_ARG = lazyre.compile(r"\(and arg(\d+)\b")


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
    calls: str = ""  # wrappers.tsv: the table call (or wrapper) the wrapper's body makes
    via: str = ""  # wrappers.tsv: where on the argument `@` the reference lives (`&@->kref`)

    @property
    def returns_ref(self) -> bool:
        return self.ref_on.startswith("return")

    @property
    def ref_arg(self) -> int | None:
        """0-based index of the argument that gains (or, for a putter, loses) the reference."""
        m = _ARG.match(self.ref_on)
        return int(m.group(1)) - 1 if m else None

    @property
    def ref_args(self) -> tuple[int, ...]:
        """0-based arguments that gain a reference: `ref_arg` and any `(and argN ...)` of the
        table (`device_link_add()`: the link it returns holds its consumer and its supplier)."""
        if self.ref_arg is None:
            return ()
        more = _AND_ARG.findall(self.ref_on)
        return (self.ref_arg,) + tuple(int(m) - 1 for m in more if int(m) - 1 != self.ref_arg)

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
        if self.kind == "lookup" and not self.returns_ref and "(" in self.ref_on and not self.is_iterator:
            return "int"  # of_parse_phandle_with_args(): 0 and the node in an out-argument, or an errno
        if self.kind == "lookup" or "NULL" in self.on_error:
            return "null"
        if self.returns_ref:
            return "null"  # usb_alloc_urb(), of_get_parent(): a new pointer, NULL when there is none
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
                     evidence=f["evidence"], calls=f.get("calls", ""), via=f.get("via", ""))
                 for f in _records(text))


@functools.cache
def wrapper_rows() -> tuple[Row, ...]:
    """The subsystems' own get/put wrappers (checks/data/wrappers.tsv, generated from the 6.12
    tree by scripts/gen_wrappers.py): `tty_port_put()`, `nvme_get_ctrl()`, `drm_gem_object_put()`.
    Same columns as refs.tsv (plus `object`, `via`, `calls`; see checks/data/wrappers.md)."""
    if not WRAPPERS_DATA.exists():
        return ()
    have = {r.name for r in rows()}
    return tuple(r for r in parse(WRAPPERS_DATA.read_text(encoding="utf-8"))
                 if r.name not in have and (r.kind != "putter" or any(h in r.name for h in PUT_HINTS)))


def all_rows() -> tuple[Row, ...]:
    """refs.tsv's rows, then the wrappers': the vocabulary the rules see."""
    return rows() + wrapper_rows()


@functools.cache
def _by_name() -> dict[str, Row]:
    return {r.name: r for r in reversed(all_rows())}  # refs.tsv wins a name clash


def get(name: str) -> Row | None:
    return _by_name().get(name)


def is_wrapper(name: str) -> bool:
    """Is `name` a subsystem's wrapper (wrappers.tsv), not an API of the core table?"""
    r = get(name)
    return r is not None and r in _wrapper_set()


@functools.cache
def _wrapper_set() -> frozenset[Row]:
    return frozenset(wrapper_rows())


def wrapped(name: str) -> str:
    """The table API a wrapper comes down to (`drm_gem_object_put` -> `kref_put`); `name` itself
    for a table API or an unknown name."""
    seen = set()
    r = get(name)
    while r is not None and r.calls and r.name not in seen and r in _wrapper_set():
        seen.add(r.name)
        name, r = r.calls, get(r.calls)
    return name


@functools.cache
def ref_members() -> frozenset[str]:
    """The members that hold an object's own count in the wrappers' objects (`ref`, `refcount`,
    `kref`, `refcnt`, `dev`, ...: `&@->ref`): `&x->ref` is x for a balance."""
    out: dict[str, int] = {}
    for r in wrapper_rows():
        m = re.fullmatch(r"&@(?:->|\.)(\w+)", r.via)
        if m and r.family in ("kref", "kobject", "device"):
            out[m.group(1)] = out.get(m.group(1), 0) + 1
    return frozenset(k for k, n in out.items() if n >= 2)


def of_kind(*kinds: str) -> tuple[Row, ...]:
    return tuple(r for r in all_rows() if r.kind in kinds)


@functools.lru_cache(maxsize=4096)  # pure (the tables are fixed); asked for every row at import
def releases(name: str) -> tuple[str, ...]:
    """The calls that drop the reference `name` takes (empty for unknown names and putters)."""
    r = get(name)
    if r is None or r.kind == "putter":
        return ()
    out: list[str] = []
    for alt in r.release:  # "of_node_put(child) only when ...", "mdiobus_unregister then mdiobus_free"
        prose, prev = alt, None
        while prose != prev and "(" in prose:  # innermost first: "(if spi_add_device() failed)"
            prev, prose = prose, _PAREN.sub(" ", prose)
        for w in _NAME.findall(prose):
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


_CALL = lazyre.compile(r"\b([A-Za-z_]\w*)\s*\(")


class Calls:
    r"""`re.compile(r"\b(name1|name2|...)\s*\(")` for a set of names, without the alternation:
    one scan for identifiers followed by `(` and a set lookup, so that the ~1,000 names of the
    vocabulary (table and wrappers) cost what 10 would.  Offers what the rules use of the
    pattern: search, match, finditer (group(1) is the name)."""

    def __init__(self, names):
        self.names = frozenset(names)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None):
        names = self.names
        return (m for m in _CALL.finditer(text, pos, len(text) if endpos is None else endpos)
                if m.group(1) in names)

    def search(self, text: str, pos: int = 0, endpos: int | None = None):
        return next(self.finditer(text, pos, endpos), None)

    def match(self, text: str, pos: int = 0):
        m = _CALL.match(text, pos)
        return m if m is not None and m.group(1) in self.names else None



TEARDOWN_DATA = DATA.parent / "teardown.tsv"


@dataclass(frozen=True, slots=True)
class Teardown:
    """A row of teardown.tsv: a set-up whose callbacks (or memory) an unbind must stop before the
    driver data goes, the synchronous teardown that stops them, and the managed (devm) twin."""

    setup: str
    kind: str  # irq | deferred | interface | notifier | ref
    teardown: tuple[str, ...]
    devm: str | None  # the devm_* twin of `setup`; devres runs its teardown AFTER .remove()
    note: str


def parse_teardown(text: str) -> tuple[Teardown, ...]:
    """The rows of a table in teardown.tsv's format (the shipped one: `teardown_rows()`)."""
    return tuple(Teardown(setup=f["setup"], kind=f["kind"], teardown=_release(f["teardown"]),
                          devm=None if f["devm"] == "-" else f["devm"], note=f["note"])
                 for f in _records(text))


@functools.cache
def teardown_rows() -> tuple[Teardown, ...]:
    return parse_teardown(TEARDOWN_DATA.read_text(encoding="utf-8"))


@functools.cache
def _by_teardown() -> dict[str, tuple[Teardown, ...]]:
    out: dict[str, list[Teardown]] = {}
    for r in teardown_rows():
        for t in r.teardown:
            out.setdefault(t, []).append(r)
    return {k: tuple(v) for k, v in out.items()}


@functools.cache
def teardown_names() -> frozenset[str]:
    """Every call of the table that tears something down (`torn_down_by` knows each)."""
    return frozenset(_by_teardown())


def torn_down_by(name: str) -> tuple[Teardown, ...]:
    """The set-ups that the call `name` tears down (`free_irq` -> request_irq, request_threaded_irq, ...)."""
    return _by_teardown().get(name, ())


def teardown_of(setup: str) -> Teardown | None:
    """The row of a set-up or of its devm twin."""
    return next((r for r in teardown_rows() if setup in (r.setup, r.devm)), None)


DEVRES_UNDO_DATA = DATA.parent / "devres_undo.tsv"


@dataclass(frozen=True, slots=True)
class DevresUndo:
    """A row of devres_undo.tsv: a devm getter that also enables, prepares or deasserts what it
    returns, and the calls its devres action runs on that object at unbind (a driver that runs
    one of them too releases it twice) or that re-acquire it (a bracket, not a release)."""

    devm: str
    on: str  # `return`, or `argN` (1-based): where the managed object comes out
    undo: tuple[str, ...]
    redo: tuple[str, ...]
    defined_in: str
    evidence: str

    @property
    def out_arg(self) -> int | None:
        return int(self.on[3:]) if self.on.startswith("arg") else None


def parse_devres_undo(text: str) -> tuple[DevresUndo, ...]:
    """The rows of a table in devres_undo.tsv's format (the shipped one: `devres_undo_rows()`)."""
    return tuple(DevresUndo(devm=f["devm"], on=f["on"], undo=_release(f["undo"]), redo=_release(f["redo"]),
                            defined_in=f["defined_in"], evidence=f["evidence"]) for f in _records(text))


@functools.cache
def devres_undo_rows() -> tuple[DevresUndo, ...]:
    return parse_devres_undo(DEVRES_UNDO_DATA.read_text(encoding="utf-8"))
