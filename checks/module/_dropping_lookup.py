"""Added lookups that drop a reference on their `@from`/`@prev` argument the caller does not
hold (MOD019's over-put by a lookup).

`of_find_node_by_name(from, ...)`, `of_find_compatible_node()`, `of_find_matching_node()`,
`of_get_next_child(np, prev)`, `pci_get_device(..., from)`: the API table marks the argument
they drop ("drops argN").  Passing a node nobody took a reference on (the device's own
`dev->of_node`, `dev_of_node(dev)`, a local copied from one) drops the device's reference:
an over-put, reported unless an `of_node_get()` of it runs just before.  Replacing in place a
lookup that does not drop (`of_get_child_by_name(np, ...)`) by one that does, on the same
argument, is reported too (the classic "of_find_node_by_name() puts its @from" bug).
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel
from reviewbot.checks import _kapi as kapi
from reviewbot.checks._hunks import names_on

# A device's own firmware node: the device holds that reference, not the function.
_DEVICE_NODE = lazyre.compile(r"^(?:\w+(?:->|\.))+(?:dev(?:->|\.))?of_node$|^dev_of_node\(.*\)$|"
                              r"^(?:\w+(?:->|\.))+(?:dev(?:->|\.))?fwnode$|^dev_fwnode\(.*\)$")
_CALL = lazyre.compile(r"\b(\w+)\s*\(")


def _dropping_calls(text: str) -> Iterator[tuple[str, str]]:
    """(lookup, argument text) for each call in `text` that drops one of its arguments."""
    for m in _CALL.finditer(text):
        row = kapi.get(m.group(1))
        if row is None or row.drops_arg is None or row.is_iterator:
            continue
        args = cmodel.split_args(clex.balanced(text, m.end()))
        if row.drops_arg < len(args):
            yield m.group(1), clex.norm(args[row.drops_arg])


def _origin(lines, var: str) -> str | None:
    """The right-hand side of the last shown assignment (or initialisation) of local `var`."""
    pat = re.compile(r"(?<![\w>.])%s\s*=\s*([^;=][^;]*);" % re.escape(var))
    found = None
    for ln in lines:
        if ln.removed:
            continue
        m = pat.search(ln.text)
        if m:
            found = clex.norm(m.group(1))
    return found


@functools.cache
def _dropping_names() -> tuple[frozenset[str], re.Pattern]:
    """The lookups _dropping_calls() reports (a call that drops an argument, not an iterator),
    and a pattern that finds any of them in a text (a line without one has no such call)."""
    names = frozenset(r.name for r in kapi.all_rows()
                      if (row := kapi.get(r.name)) is not None and row.drops_arg is not None and not row.is_iterator)
    return names, re.compile("|".join(map(re.escape, sorted(names))) or "(?!)")


def overputs(fd) -> Iterator[tuple[object, str]]:
    """(added line, message) for each added dropping lookup of a reference not held."""
    names, named = _dropping_names()
    if not names_on(fd, "added", names):
        return  # a call's name is a whole word of its line: no added line calls one
    for h in fd.hunks:
        lines = h.lines
        replaced = None
        for i, ln in enumerate(lines):
            if not ln.added or not named.search(ln.text):
                continue
            if replaced is None:
                replaced = {id(ln): rem for rem, add in clex.replacements(h) for ln in add}
            for name, arg in _dropping_calls(ln.text):
                if arg in ("NULL", "0") or not arg:
                    continue
                before = lines[:i]
                if any(re.search(r"\b(of_node_get|fwnode_handle_get)\s*\(\s*%s\s*\)" % re.escape(arg), b.text)
                       for b in before if not b.removed):
                    continue  # the reference it drops was taken for it
                origin = arg if _DEVICE_NODE.match(arg) else None
                if origin is None and re.fullmatch(r"\w+", arg):
                    src = _origin(before, arg)
                    origin = src if src and _DEVICE_NODE.match(src) else None
                if origin is not None:
                    yield ln, (f"{name}() drops a reference on {arg} ({origin}), which this code never took: "
                               f"the device's node is put once too often")
                    continue
                rem = replaced.get(id(ln))
                if rem and any(not list(_dropping_calls(r.text)) and _lookup_on(r.text, arg) for r in rem):
                    yield ln, (f"{name}() replaces a lookup that kept {arg}: it drops the reference on "
                               f"{arg}, which the old call left alone")


def _lookup_on(text: str, arg: str) -> bool:
    """Does `text` call a lookup of the table with `arg` as its first argument?"""
    for m in _CALL.finditer(text):
        row = kapi.get(m.group(1))
        if row is not None and row.kind == "lookup":
            args = cmodel.split_args(clex.balanced(text, m.end()))
            if args and clex.norm(args[0]) == arg:
                return True
    return False
