"""Added puts of a reference a structure keeps, on the success path (MOD019's over-put findings).

An ownership fact: a reference stored in a structure member (`priv->np = of_parse_phandle(...)`)
belongs to the structure, and the function that tears the structure down (`*_remove()`,
`*_release()`, a devm action given the member) drops it.  A put of `x->m` before a successful
return of a function that is not that teardown leaves the member pointing at an object whose
reference is gone: every later use of `->m` is a use after put, and the teardown puts it a
second time.  Reported when this function stored a getter's reference in `->m` and the file
shows the teardown's release of `->m` (tree mode: the whole file; hunk mode: what the hunks
show), unless the function clears the member after the put (`x->m = NULL`), the put is in a
loop, or it is on an error path (probe failed: the teardown never runs).  A `module_put()` of
an owner member, and an embedded object (`&x->urb`), are not kept references.

Judged on the old code too (`_overput_judge.was_overput`): removing such a put is the fix of
one, not a leak.  Each finding is a tuple (put call, message).
"""

from __future__ import annotations

from typing import Iterator

from reviewbot.checks._message import short
from reviewbot.analysis import cmodel
from reviewbot.checks.module import _apis, _overput, _refpaths, _stored


def put_of_kept_member(view, added, text: str) -> Iterator[tuple[object, str]]:
    func = view.new
    if func is None or _stored.teardown(func.name):
        return
    for p in added:
        obj = _apis.put_object(p.name, list(p.args))
        member = _stored.member_of(obj) if obj else None
        if member is None or p.name == "kfree" or p.name.startswith("module_put"):
            continue  # `module_put(x->owner)`: a module reference, not one the structure keeps
        if not _overput._on_success_path(p) or _in_unwind(p):
            continue
        if obj.startswith("&"):
            continue  # `&x->urb`: an object the structure embeds, not a pointer it keeps
        stores = [g for g in _refpaths.gets(func) if g.call.line < p.line and _apis.same_object(g.obj, obj)]
        if len(stores) != 1 or stores[0].api.ref != "ret" or not _stored_here(func, stores[0], obj):
            continue  # not this function's store of a getter's reference (or two references taken)
        if any(a.type in ("for_statement", "while_statement", "do_statement") for a in cmodel.ancestors(p.node)):
            continue  # inside a loop: not the one put before the successful return
        var = _apis.base_object(obj)
        if _overput._rewritten(func, var, p.line, 10 ** 9):
            continue  # cleared or replaced after the put: the structure no longer holds it
        if not _stored.released_in(text, member, teardown_only=True):
            continue
        yield p, (f"{p.name}({short(obj, 20)}) on the success path while the structure keeps "
                  f"->{member}: its teardown puts it again, and any later use is after the put")


def _in_unwind(p) -> bool:
    """Is the put in an unwind section: after a label that follows the function's last
    `return` (`return; out: ...; put(x);`, also inside a block there: `out: if (priv) {...}`),
    a path only a `goto` reaches?"""
    stmt = _overput._stmt_in_block(p.node)
    while stmt is not None:
        node = stmt
        while node is not None:
            if node.type == "labeled_statement":
                return True
            if node.type == "return_statement":
                return False
            node = node.prev_named_sibling
        # `out: if (priv) { ...; put(x); }`: on in the enclosing block
        stmt = _overput._stmt_in_block(stmt.parent) if stmt.parent is not None else None
    return False


def _stored_here(func, g, obj: str) -> bool:
    """Did this function store the getter's result in the member (`x->m = getter(...)`)?"""
    lhs = (g.call.lhs or "").strip()
    return bool(lhs) and ("->" in lhs or "." in lhs) and _apis.same_object(lhs, obj)

