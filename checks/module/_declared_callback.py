"""Added puts of the node an OF match-table init callback is given (MOD019's over-put findings).

A fact of the OF match-table callers of 6.12: a function registered with `_OF_DECLARE()`
(include/linux/of.h) or a wrapper of it (`CLK_OF_DECLARE()`, `TIMER_OF_DECLARE()`,
`IRQCHIP_DECLARE()`, `OF_DECLARE_1/2()`), or with `IRQCHIP_MATCH()`, is called with a node its
caller holds and puts itself: `timer_probe()` runs it inside
`for_each_matching_node_and_match()` (the iterator drops the node at the next step),
`of_clk_init()` and `of_irq_init()` take `of_node_get(np)` for the call and `of_node_put()` it
after, `platform_irqchip_probe()` passes `pdev->dev.of_node` and a `__free()` parent.  The
callback owns no reference on its node parameters: a put of one without a get of its own
drops the caller's.

The registration line is read from the file (tree mode) or the hunks (it usually sits right
after the function's closing brace).  Each finding is a tuple (put call, message).
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import cmodel
from reviewbot.analysis.clex import norm
from reviewbot.checks.module import _apis, _refpaths

# `CLK_OF_DECLARE(name, "compat", fn)`, `OF_DECLARE_2(table, name, "compat", fn)`,
# `IRQCHIP_MATCH("compat", fn)`: a string compatible, then the callback last.
_REGISTRATION = lazyre.compile(
    r"\b(?P<macro>(?:\w+_)?OF_DECLARE(?:_\w+)?|IRQCHIP_DECLARE|IRQCHIP_MATCH)\s*\("
    r"[^;()]*\"[^\"]*\"\s*,\s*(?P<fn>\w+)\s*\)")
_NODE_PARAM = lazyre.compile(r"struct\s+device_node\s*\*\s*(?P<p>\w+)\s*[,)]")


def registration(text: str, name: str) -> str | None:
    """The match-table macro that registers the function `name` in `text`, if any."""
    if name not in text:
        return None
    return _registrations(text).get(name)


@functools.lru_cache(maxsize=8)
def _registrations(text: str) -> dict[str, str]:
    """Function -> the macro of its first registration in `text`: one scan of a file, not one
    per function of it (a new driver of thousands of functions)."""
    out: dict[str, str] = {}
    for m in _REGISTRATION.finditer(text):
        out.setdefault(m.group("fn"), m.group("macro"))
    return out


def put_of_declared_node(view, added, header: str, file_text: str) -> Iterator[tuple[object, str]]:
    func = view.new
    name = view.name or ""
    macro = registration(file_text, name) if name else None
    if macro is None:
        return
    params = [m.group("p") for m in _NODE_PARAM.finditer(header or "")]
    if not params:
        return
    own = {g.obj for g in _refpaths.gets(func)}
    for c in func.calls():  # `x->np = of_node_get(np)`: a get that returns its argument
        api = _apis.BY_GETTER.get(c.name)
        if api is not None and c.args and (api.ref != "ret" or not api.fails):
            own.add(_apis.ref_object(api, list(c.args), None) or "")
    for p in added:
        obj = _apis.put_object(p.name, list(p.args))
        if p.name != "of_node_put" or not obj or norm(obj) not in params:
            continue
        var = norm(obj)
        if any(_apis.same_object(o, var) for o in own):
            continue  # the callback took a reference of its own
        if any(re.fullmatch(r"%s(\s*__free\(\w+\))?" % re.escape(var), a.left) and a.line < p.line
               for a in func.assignments()):
            continue  # the parameter now names another node
        yield p, (f"{p.name}({var}) in {name}(), a {macro}() callback: its caller holds {var} for "
                  f"the call and puts it itself")
