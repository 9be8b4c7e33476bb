"""Added puts on an unwind path entered after a registration that owns the reference succeeded
(MOD019's over-put findings).

A fact of the kernel-API table (`checks/data/refs.tsv` via `_kapi`): some registrations are
undone by a call that also DROPS the caller's reference (the release column of the
`register` row is itself a putter): `device_register()` / `device_unregister()`,
`platform_device_add()` / `platform_device_unregister()`, `spi_register_controller()` /
`spi_unregister_controller()` ("this function also drops a reference to the controller").
Once such a registration succeeded, the reference belongs to it; so does it when the devm
twin of the registration (checks/data/teardown.tsv's devm column: `devm_spi_register_controller()`)
succeeded, and then devres runs the unregistration when probe fails later or the driver unbinds.

An unwind label reached by a `goto` AFTER the registration's own failure test that puts the
object, with no unregistration (or `*_del()`) before the put on that path, drops a reference
the registration still owns: the object is freed while registered, and the unregistration
puts it again (spi-sprd-adi: `spi_alloc_host()`, `devm_spi_register_controller()`, then a
failed restart-handler registration jumps to `spi_controller_put()`).  The registration's
own failure branch is its `on_error` rule, not judged here; a put on the success path is
`_overput.put_after_register()`.

Each finding is a tuple (put call, message); the rule builds the Finding.
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot.analysis import cmodel
from reviewbot.analysis.clex import norm
from reviewbot.checks import _kapi as kapi
from reviewbot.checks._message import short
from reviewbot.checks.module import _apis


@functools.cache
def _owning() -> dict[str, tuple[str, str, bool]]:
    """registration name -> (plain registration, its unregistration, devm?) for the
    registrations whose unregistration is a putter of the table."""
    out: dict[str, tuple[str, str, bool]] = {}
    for r in kapi.of_kind("register"):
        undo = r.release[0] if len(r.release) == 1 else None
        u = kapi.get(undo) if undo else None
        if u is None or u.kind != "putter" or r.ref_on != "arg1":
            continue
        out[r.name] = (r.name, undo, False)
        t = kapi.teardown_of(r.name)
        if t is not None and t.devm:
            out[t.devm] = (r.name, undo, True)
    return out


def _target(q, devm: bool) -> str | None:
    args = list(q.args[1:] if devm else q.args[:1])
    return norm(args[0]).lstrip("&") if args else None


def _in_failure_test(func, j, q) -> bool:
    """Is the jump `j` inside a branch testing the registration `q` (its call in the condition,
    or the variable its result went into, not assigned again before that test)?"""
    res = norm(q.lhs) if q.lhs else None
    for anc in cmodel.ancestors(j.node):
        if anc.type != "if_statement":
            continue
        cond = anc.child_by_field_name("condition")
        if cond is None:
            continue
        if cmodel.contains(cond, q.node):
            return True
        line = anc.start_point[0] + 1
        if res and re.search(r"(?<![\w>.])%s\b" % re.escape(res), cmodel._text(cond)) and not any(
                a.line > q.line and a.line <= line and norm(a.left) == res for a in func.assignments()):
            return True
    return False


def put_on_unwind_after_register(view, added) -> Iterator[tuple[object, str]]:
    """Added plain puts under an unwind label that a `goto` after the successful registration
    of the same object reaches (see the module's doc)."""
    func = view.new
    if func is None or not added:
        return
    calls = func.calls()
    owning = _owning()
    regs = [q for q in calls if q.name in owning]
    if not regs:
        return
    jumps = [j for j in func.jumps() if j.kind == "goto"]
    for p in added:
        row = kapi.get(p.name)
        obj = _apis.put_object(p.name, list(p.args)) if row is not None and row.kind == "putter" else None
        if not obj:
            continue
        obj = norm(obj).lstrip("&")
        for q in regs:
            plain, undo, devm = owning[q.name]
            if q.line >= p.line or p.name == undo or _target(q, devm) != obj:
                continue
            if any(c.lhs and norm(c.lhs) == obj and c.name.startswith("devm_") for c in calls):
                continue  # a devm-allocated object: devres' own put (MOD036's)
            if any(q.line < c.line and (kapi.get(c.name) and kapi.get(c.name).kind == "getter"
                                        and _apis.same_object(c.args[0] if c.args else "", obj)) for c in calls):
                continue  # a reference of this function's own: the put may be its
            if view.partial and any(n not in view.by_new for n in range(q.line + 1, p.line)):
                continue  # hunk mode: lines out of sight between them
            for j in jumps:
                if j.line <= q.line or _in_failure_test(func, j, q):
                    continue
                path = func.label_path(j.label)
                before = []
                for st in path:
                    if st.start_byte <= p.node.start_byte < st.end_byte:
                        break
                    before.append(st)
                else:
                    continue  # the put is not on this label's path
                if any(st.start_byte <= c.node.start_byte < st.end_byte and re.search(r"_del\b|unregister", c.name)
                       for st in before for c in calls):
                    continue  # unregistered (or deleted) first: the put ends the registration
                how = ("devres runs " + undo + "() when probe fails or the driver unbinds" if devm
                       else undo + "() drops it")
                yield p, (f"{p.name}({short(obj, 20)}) on the unwind after {q.name}() succeeded: the "
                          f"registration owns that reference and {how}, so it is put twice")
                break
            else:
                continue
            break
