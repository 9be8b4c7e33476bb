"""Added puts in the branch where a conditional get failed (MOD019's over-put findings).

A path fact from the kernel-API table (`checks/data/refs.tsv` via `_kapi`): some getters may
fail, and then hold nothing: `try_module_get()` ("returns false: no ref taken"),
`kobject_get_unless_zero()` / `kref_get_unless_zero()` (the put is owed "only if" they
succeeded), `scsi_device_get()` ("non-zero return: nothing held"), `fops_get()` (NULL: no
ref).  A put of the same object inside the branch taken when the get failed (or after an
`if (get(x)) return ...;` that left on success) drops a reference this path never took: the object is already on its way out, and the put underflows it.

Each finding is a tuple (put call, message); the rule builds the Finding.
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import cmodel, flow
from reviewbot.analysis.clex import norm
from reviewbot.checks._message import short
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _apis, _refpaths


@functools.cache
def _conditional() -> dict[str, tuple[kapi.Row, bool]]:
    """getter name -> (row, fails_when_true): the arg-style getters that may take nothing."""
    out = {}
    for r in kapi.of_kind("getter"):
        if r.ref_arg is None:
            continue
        text = r.on_error + " " + " ".join(r.release)
        if "non-zero" in r.on_error:
            out[r.name] = (r, True)
        elif re.search(r"no ref|nothing held|only if", text):
            out[r.name] = (r, False)
    return out


def _failed_branch_get(p, obj: str):
    """The conditional getter on obj whose failure branch holds p, or None."""
    for anc in cmodel.ancestors(p.node):
        if anc.type == "function_definition":
            return None
        if anc.type == "if_statement":
            cons = anc.child_by_field_name("consequence")
            alt = anc.child_by_field_name("alternative")
            cond = anc.child_by_field_name("condition")
            in_cons = cons is not None and cmodel.contains(cons, p.node)
            in_alt = alt is not None and cmodel.contains(alt, p.node)
            if cond is not None and (in_cons or in_alt):
                text = cmodel._fold(cmodel._text(cond))
                for c, fails_when_true, negated in _gets_tested(cond, text, obj):
                    if "||" in text or ("&&" in text and not in_cons):
                        continue  # which operand decided is not known (`a && !get(x)` holds in the branch)
                    failed = in_cons if (negated != fails_when_true) else in_alt
                    if failed:
                        return c
                c = _result_tested(anc, text, in_cons, in_alt, obj)
                if c is not None:
                    return c
    return None


def _gets_tested(cond, text: str, obj: str):
    """(call, fails_when_true, negated) of each conditional getter of `obj` called in the
    condition `cond` (`text`: its folded text)."""
    for c in flow.calls_in(cond):
        hit = _conditional().get(c.name)
        if hit is None:
            continue
        row, fails_when_true = hit
        k = row.ref_arg
        if k >= len(c.args) or not _apis.same_object(c.args[k], obj):
            continue
        yield c, fails_when_true, re.search(r"!\s*\(?\s*%s\s*\(" % re.escape(c.name), text) is not None


def _jumps(node) -> bool:
    """The statement always leaves: `return ...;`, `goto L;`, or a block ending in one."""
    while node is not None and node.type == "compound_statement":
        kids = [k for k in node.named_children if k.type != "comment"]
        node = kids[-1] if kids else None
    return node is not None and node.type in ("return_statement", "goto_statement")


def _after_success_exit(p, obj: str):
    """The conditional getter on obj of an earlier `if (get(obj)) return ...;` (no else) in a
    block that holds p: the code after it runs only when the get failed (`ublk_get_device()`:
    `if (kobject_get_unless_zero(k)) return ub; return NULL;`)."""
    for anc in cmodel.ancestors(p.node):
        if anc.type == "function_definition":
            return None
        if anc.parent is None or anc.parent.type != "compound_statement":
            continue
        sib = anc if anc.type == "labeled_statement" else anc.prev_named_sibling
        while sib is not None:
            if sib.type == "labeled_statement":
                break  # a label between: a goto of the success branch may land there
            if sib.type == "if_statement" and sib.child_by_field_name("alternative") is None \
                    and _jumps(sib.child_by_field_name("consequence")):
                cond = sib.child_by_field_name("condition")
                text = cmodel._fold(cmodel._text(cond))
                for c, fails_when_true, negated in _gets_tested(cond, text, obj):
                    if "||" in text or "&&" in text:
                        break
                    if negated == fails_when_true:
                        return c  # the branch that left was the success one
            sib = sib.prev_named_sibling
    return None


_TEST = lazyre.compile(r"^\(?\s*(?P<neg>!\s*)?(?P<v>\w+)\s*(?P<cmp><\s*0|!=\s*0|==\s*0)?\s*\)?$")


def _result_tested(if_node, cond: str, in_cons: bool, in_alt: bool, obj: str):
    """`ret = scsi_device_get(sdev); if (ret) {`: the getter whose result the `if` right after
    it tests, when p sits in the branch where that result means failure."""
    m = _TEST.match(cond.strip())
    prev = if_node.prev_named_sibling
    if m is None or prev is None or prev.type != "expression_statement":
        return None
    for c in flow.calls_in(prev):
        hit = _conditional().get(c.name)
        if hit is None or (c.lhs or "").strip() != m.group("v"):
            continue
        row, fails_when_true = hit
        if row.ref_arg >= len(c.args) or not _apis.same_object(c.args[row.ref_arg], obj):
            continue
        truthy = not (m.group("neg") or (m.group("cmp") or "").startswith("=="))
        if m.group("cmp") and m.group("cmp").startswith("<"):
            truthy = True
        failed = in_cons if truthy == fails_when_true else in_alt
        return c if failed else None
    return None


def put_after_failed_get(view, added) -> Iterator[tuple]:
    for p in added:
        obj = _apis.put_object(p.name, list(p.args))
        if not obj:
            continue
        g = _failed_branch_get(p, obj) or _after_success_exit(p, obj)
        if g is None:
            continue
        if p.name not in kapi.releases(g.name):
            continue  # another kind of reference on the same object
        if any(h.call.line < p.line and h.call.line != g.line and _apis.same_object(h.obj, obj)
               for h in _refpaths.gets(view.new)):
            continue  # a reference taken elsewhere in the function: that one may be what is put
        yield p, (f"{p.name}({short(obj, 20)}) where {g.name}() failed: it took no reference "
                  f"to drop")
