"""Added puts of a pointer a no-reference accessor returned (MOD019's over-put findings).

A path fact from the accessor table (`checks/data/borrowed.tsv` via `checks/_kapi.py`):
the object was found with a call that takes no reference (`acpi_fetch_acpi_dev()`,
`__dev_get_by_name()`, `get_cpu_device()`, `phy_find_first()`, `usb_find_interface()`), every
assignment of the variable in the function is such a call, and the function takes no reference
on it (no getter of the kernel-API table on it): a put of it then drops a reference somebody
else holds.  A `conversion` row (`interface_to_usbdev()`, `dev_of_node()`) derives the pointer
from an object whose owner may hold a reference on it (a probe's `usb_get_dev()` put again by
disconnect through the conversion), so a put of it is only a low-confidence question.

Each finding is a tuple (put call, message[, confidence]); the rule builds the Finding.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import cmodel, flow
from reviewbot.analysis.clex import norm
from reviewbot.checks._message import short
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _apis, _refpaths
from reviewbot.model import Confidence

_CALL = lazyre.compile(r"^(?:\(\s*[\w\s]+\*\s*\))?\s*(?P<name>\w+)\s*\(")
_NULL = lazyre.compile(r"^(NULL|0)$")


def _source(expr: str) -> kapi.Borrowed | None:
    """The accessor row of `expr` (`acpi_fetch_acpi_dev(h)`, `(struct x *)phy_find_first(bus)`)."""
    e = norm(cmodel._fold(expr))
    m = _CALL.match(e)
    return kapi.borrowed(m.group("name")) if m else None


def _assignments(func) -> dict[str, list[tuple[int, str]]]:
    """var -> [(line, right-hand side)] of every plain-variable assignment in the function."""
    out: dict[str, list[tuple[int, str]]] = {}
    for a in func.assignments():
        if re.fullmatch(r"\w+", a.left):
            out.setdefault(a.left, []).append((a.line, a.right))
    return out


def _whole(obj: str, var: str) -> bool:
    """`obj` is `var` or an object embedded in it (`&var->dev`, `&var->mdio.dev`)."""
    o = norm(obj)
    return o == var or re.fullmatch(r"&%s((->|\.)\w+)+" % re.escape(var), o) is not None


def _takes_ref_on(func, var: str, putter: str) -> bool:
    """A getter of the kernel-API table (or a `*get*`/`*hold*` call) is given var or a part of it,
    one whose reference `putter` may drop (phy_connect_direct()'s attach is phy_disconnect()'s to
    drop, not a put_device()'s)."""
    for c in func.calls():
        api = _apis.BY_GETTER.get(c.name)
        if api is not None and putter not in api.putters:
            continue
        row = kapi.get(c.name)
        getter = (row is not None and row.kind in ("getter", "lookup", "init", "register")) \
            or c.name in _apis.BY_GETTER or re.search(r"(^|_)(get|hold|grab|ref)(_|$)", c.name)
        if getter and any(re.search(r"(?<![\w>.])%s\b" % re.escape(var), norm(a)) for a in c.args):
            return True
    return False


def borrowed_lookup(view, added) -> Iterator[tuple]:
    func = view.new
    assigns = None
    for p in added:
        if not re.search(r"put", p.name) or p.name in ("module_put", "kref_put", "fput"):
            continue
        obj = _apis.put_object(p.name, list(p.args))
        if not obj:
            continue
        row = _source(obj)
        var = None
        if row is None:
            if assigns is None:
                assigns = _assignments(func)
            var = re.split(r"->|\.", norm(obj).lstrip("&"))[0]
            if not _whole(obj, var) or var not in assigns:
                continue
            srcs = [(ln, _source(rhs)) for ln, rhs in assigns[var] if not _NULL.match(norm(rhs))]
            before = [(ln, r) for ln, r in srcs if ln < p.line]
            if not before or any(r is None for _, r in srcs):
                continue  # some assignment of var is not a borrowed accessor
            row = before[-1][1]
            if _takes_ref_on(func, var, p.name):
                continue
        elif any(kapi.get(c.name) is not None and kapi.get(c.name).kind in ("getter", "lookup")
                 for c in flow.calls_in(p.node) if c.name not in (p.name, row.name)):
            continue  # `put(get(accessor(x)))`: a balanced pair, not ours
        twin = f"; {row.twin}() is the one that takes a reference" if row.twin else ""
        what = f"{var}, from {row.name}()" if var else f"{row.name}()"
        msg = f"{p.name}({short(obj, 20)}) drops a reference nobody took: {what} returns no reference{twin}"
        if row.kind == "lookup":
            yield p, msg
        else:
            yield p, msg, Confidence.LOW
