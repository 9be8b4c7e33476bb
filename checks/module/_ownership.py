"""Who owns a reference at a function's exit, when the function does not drop it (MOD003).

A reference is not leaked at an exit when something longer-lived holds it (a structure field,
an out-parameter, a file-scope variable, a registered device), when it was handed on (driver
data, a completion callback, a work item), when another function of the file drops it (taken
in probe or open, put in remove or release), or when the code before the exit shows it is
already gone (`if (np) { ...; return; }`, the lookup as a loop's test).  These questions are
answered from the code shown: a hunk's fragment, a new file, or the whole function in tree mode.
"""

from __future__ import annotations

import re

from reviewbot import lazyre
from reviewbot.analysis import cmodel, flow
from reviewbot.analysis.clex import norm, pointee_struct
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _apis, _refpaths
from reviewbot.checks.module._refcount import _params

ERROR_RETURN = lazyre.compile(r"^\(?\s*(-\s*E[A-Z0-9]+|NULL|ERR_PTR\(.*\)|false)\s*\)?$")

_STATUS_VARS = frozenset({"ret", "err", "rc", "error", "status", "res", "retval", "result", "rv", "r"})


def success_exit(j) -> bool:
    """A `return` that reports success: nothing to unwind on it (`return;`, `return 0;`,
    `return priv;`), unlike an error code or a status variable that may carry one."""
    if j.kind != "return":
        return False
    v = j.value.strip("() ")
    if not v:
        return True
    if v in _STATUS_VARS:
        return _tested_zero(j, v)
    if ERROR_RETURN.match(v) or v.startswith("-"):
        return False
    return not re.search(r"\b(ERR_PTR|PTR_ERR|dev_err_probe)\s*\(", v)


def _tested_zero(j, var: str) -> bool:
    """`retval = usb_add_hcd(...); if (retval == 0) { ...; return retval; }` (ohci-pxa27x.c):
    a status returned in the arm of an `if` that found it zero (`!ret`, `ret == 0`, or the
    `else` of `if (ret)`), not set again on the way, is a success."""
    v = re.escape(var)
    zero = re.compile(r"^\(*\s*(?:!\s*%s|%s\s*==\s*0|0\s*==\s*%s)\s*\)*$" % (v, v, v))
    nonzero = re.compile(r"^\(*\s*(?:%s|%s\s*!=\s*0|%s\s*<\s*0)\s*\)*$" % (v, v, v))
    n = j.node
    while n is not None and n.parent is not None and n.type != "function_definition":
        p = n.parent
        if p.type == "if_statement":
            cond = re.sub(r"\s+", " ", cmodel._text(p.child_by_field_name("condition")) or "").strip()
            cons, alt = p.child_by_field_name("consequence"), p.child_by_field_name("alternative")
            arm = cons if cons is not None and cmodel.contains(cons, j.node) else \
                alt if alt is not None and cmodel.contains(alt, j.node) else None
            if arm is not None and ((arm == cons and zero.match(cond)) or (arm != cons and nonzero.match(cond))):
                before = cmodel._text(arm)[:j.node.start_byte - arm.start_byte]
                return re.search(r"(?<![\w>.])%s\s*=[^=]" % v, before) is None
        n = p
    return False


def success_of_status(func: cmodel.Function, g: _refpaths.Get, j) -> bool:
    """`if (ret) { put(x); ... }  return ret;`: the status exit after a block that drops the
    reference when the status is an error keeps it only on success."""
    if j.kind != "return" or j.value.strip("() ") not in _STATUS_VARS:
        return False
    var = j.value.strip("() ")
    blk = j.node.parent
    if blk is None or blk.type != "compound_statement":
        return False
    for sib in blk.named_children:
        if sib.start_byte >= j.node.start_byte:
            break
        if sib.type != "if_statement" or flow.line_of(sib) <= g.call.line:
            continue
        cond = cmodel._text(sib.child_by_field_name("condition"))
        if not re.search(r"(?<![\w>.])%s\b" % re.escape(var), cond):
            continue
        cons = sib.child_by_field_name("consequence")
        calls = flow.calls_in(cons)
        jump = cons if cons is not None and cons.type == "goto_statement" else None
        if jump is not None:  # `if (retval) goto err_put_module;`: the unwind there drops it
            calls = calls + flow.chain_calls(func, cmodel._text(jump.child_by_field_name("label")))[0]
        later = " ".join(cmodel._text(n) for n in blk.named_children
                         if sib.end_byte <= n.start_byte < j.node.start_byte)
        if _refpaths.puts_of(calls, g.obj, g.api.putters) and not re.search(r"\b%s\s*=[^=]" % re.escape(var), later):
            return True
    return False


_POSITIVE_TEST = r"^\(\s*(?:%s|%s\s*!=\s*NULL|!\s*IS_ERR(?:_OR_NULL)?\(\s*%s\s*\))\s*\)$"
_NEGATIVE_TEST = r"^\(\s*(?:!\s*%s|%s\s*==\s*NULL|IS_ERR(?:_OR_NULL)?\(\s*%s\s*\))\s*\)$"


def known_null_here(func: cmodel.Function, g: _refpaths.Get, j) -> bool:
    """Does the exit follow, in the same block, an `if (x)` (or `!IS_ERR(x)`) whose body always
    leaves (an `else` runs with x NULL): then x holds no reference at the exit.  Or is the exit
    in the `else` of such a test: x is NULL (an error pointer) there."""
    if _in_not_found_branch(func, g, j) or _base_tested_null(func, g, j) or _accessor_tested_null(func, g, j):
        return True
    for _, body in _found_branches(func, g, j):
        last = body.named_children[-1] if body is not None and body.type == "compound_statement" \
            and body.named_children else body
        if last is not None and last.type in ("return_statement", "goto_statement"):
            return True
    return False


_ACCESSOR_OF = r"^\(?\s*(?:to_\w+|container_of|\w+_to_\w+)\s*\(\s*&?\s*%s\s*[,)]"


def _accessor_tested_null(func: cmodel.Function, g: _refpaths.Get, j) -> bool:
    """`dev = bus_find_device_by_name(...); if (dev) rdev = to_rio_dev(dev); ... if (!rdev)
    return -ENODEV;` (rio_mport_cdev.c): after the get, `rdev` is set only to the found object's
    container (container_of() of a non-NULL pointer is not NULL), unconditionally or under the
    get's own found test, and was NULL before: where a test finds it NULL, the get found
    nothing."""
    if not re.fullmatch(r"\w+", g.obj):
        return False
    pos = re.compile(_POSITIVE_TEST % ((re.escape(g.obj),) * 3))
    acc = re.compile(_ACCESSOR_OF % re.escape(g.obj))
    ifs = flow.enclosing_if(j.node)
    cons = ifs.child_by_field_name("consequence") if ifs is not None else None
    if cons is None or not cmodel.contains(cons, j.node):
        return False
    m = re.match(_NEGATIVE_TEST % ((r"(\w+)",) + (r"\1",) * 2),
                 cmodel._fold(cmodel._text(ifs.child_by_field_name("condition"))))
    var = m.group(1) or m.group(2) or m.group(3) if m else None
    if not var or var == g.obj:
        return False
    sets = [a for a in func.assignments() if a.left == var]
    before = [a for a in sets if a.line <= g.call.line]
    if not before or any(a.right.strip() not in ("NULL", "0") for a in before):
        return False  # not known NULL before the get
    after = [a for a in sets if g.call.line < a.line <= j.line and not _refpaths.other_arm_of_if(a.node, g.call.node)]
    if not after:
        return False
    for a in after:
        if not acc.match(a.right.strip()):
            return False
        n = a.node.parent
        while n is not None and not cmodel.contains(n, g.call.node):
            if n.type in ("while_statement", "for_statement", "do_statement", "switch_statement"):
                return False
            if n.type == "if_statement" and not pos.match(cmodel._fold(cmodel._text(n.child_by_field_name("condition")))):
                return False  # set under another condition: it may stay NULL with the object found
            n = n.parent
    return True




def _in_not_found_branch(func: cmodel.Function, g: _refpaths.Get, j) -> bool:
    """`x = get(); if (x) {...} else { ...; return ...; }`: the exit is where x is NULL.  Also
    for a get on an argument (`if (c) drm_connector_get(c); ... if (!c) return true;`): a NULL
    object took no reference."""
    if not re.fullmatch(r"[\w>.\-]+", g.obj):
        return False
    pat = re.compile(_POSITIVE_TEST % ((re.escape(g.obj),) * 3))
    neg = re.compile(_NEGATIVE_TEST % ((re.escape(g.obj),) * 3))
    for n in func._walk():
        if n.type != "if_statement" or not g.call.line < flow.line_of(n):
            continue
        cond = cmodel._fold(cmodel._text(n.child_by_field_name("condition")))
        alt, cons = n.child_by_field_name("alternative"), n.child_by_field_name("consequence")
        if alt is not None and cmodel.contains(alt, j.node) and pat.match(cond):
            return True
        if cons is not None and cmodel.contains(cons, j.node) and neg.match(cond):
            # `if (!pn) { ...; if (err) return err; pn = of_node_get(np); }`: NULL until reassigned
            before = cmodel._text(cons)[:j.node.start_byte - cons.start_byte]
            if not re.search(r"\b%s\s*=[^=]" % re.escape(g.obj), before):
                return True
    return False


def _base_tested_null(func: cmodel.Function, g: _refpaths.Get, j) -> bool:
    """`if (minor) drm_dev_get(minor->dev); ... if (!minor) return ...;`: the get dereferences
    `minor` to name its object, so where a later test finds `minor` NULL (and nothing set it
    since the get) the get was never taken.  The same for a get on the pointer it is given
    (`etnaviv_iommu_context_get(ctx)`): NULL there, it counted nothing."""
    m = re.match(r"^&?\s*\(?\s*(\w+)\s*->", g.obj)
    if m:
        base = m.group(1)
    elif g.api.ref.startswith("arg") and re.fullmatch(r"\w+", g.obj):
        base = g.obj  # `if (ctx) etnaviv_iommu_context_get(ctx); ... if (!ctx) return 0;`
    else:
        return False
    neg = re.compile(_NEGATIVE_TEST % ((re.escape(base),) * 3))
    for n in func._walk():
        if n.type != "if_statement" or not g.call.line < flow.line_of(n):
            continue
        cons = n.child_by_field_name("consequence")
        if cons is None or not cmodel.contains(cons, j.node):
            continue
        if not neg.match(cmodel._fold(cmodel._text(n.child_by_field_name("condition")))):
            continue
        if not any(a.left == base and g.call.line < a.line <= j.line for a in func.assignments()):
            return True
    return False


def _block_of(node):
    """The compound statement (or `case` section) whose direct statement holds `node`."""
    while node is not None and node.parent is not None and node.parent.type not in ("compound_statement",
                                                                                     "case_statement"):
        node = node.parent
    return node.parent if node is not None else None


def _found_branches(func: cmodel.Function, g: _refpaths.Get, j):
    """`if (x)` / `if (!IS_ERR(x))` statements after the get, closed before the exit, in a block
    that holds the exit: each with its body (an `else` of theirs runs with x NULL); and the
    `else` body of an `if (!x)`."""
    if g.api.ref != "ret" or not re.fullmatch(r"[\w>.\-]+", g.obj):
        return
    pat = re.compile(_POSITIVE_TEST % ((re.escape(g.obj),) * 3))
    neg = re.compile(_NEGATIVE_TEST % ((re.escape(g.obj),) * 3))
    for n in func._walk():
        if n.type != "if_statement":
            continue
        if not (g.call.line < flow.line_of(n) and n.end_byte <= j.node.start_byte):
            continue
        if n.parent is None or not (cmodel.contains(n.parent, j.node) or n.parent == _block_of(g.call.node)):
            continue  # the exit is in the if's block, or after the block the get and the if share
        cond = cmodel._fold(cmodel._text(n.child_by_field_name("condition")))
        if pat.match(cond):
            yield n, n.child_by_field_name("consequence")
        elif neg.match(cond) and n.child_by_field_name("alternative") is not None:
            # `if (!port) { ... } else { ...; fwnode_handle_put(port); }`: the else is the found branch
            alt = n.child_by_field_name("alternative")
            yield n, alt.named_children[-1] if alt.type == "else_clause" and alt.named_children else alt


def put_in_found_branch(func: cmodel.Function, g: _refpaths.Get, j) -> bool:
    """`if (np) { ...; of_node_put(np); }` with the put a statement of that body: after it,
    np is either NULL or dropped."""
    return any(branch_puts(body, g) for _, body in _found_branches(func, g, j))


def branch_puts(body, g: _refpaths.Get, jumps=("return_statement", "goto_statement", "break_statement")) -> bool:
    """Does the branch `body` (a block or one statement) drop the get's object with a statement of
    its own before any of `jumps` leaves it?"""
    for st in body.named_children if body is not None and body.type == "compound_statement" else [body]:
        if st is None or st.type in jumps:
            return False
        if st.type == "expression_statement" and _refpaths.puts_of(flow.calls_in(st), g.obj, g.api.putters):
            return True
    return False


def loop_condition_get(g: _refpaths.Get, j) -> bool:
    """The get is the test of a while/for loop the exit is not in: the loop ended on NULL.  Or
    the get is the last step of a loop body whose condition tests that object and that no
    `break` leaves (`while (child) { ...; child = of_get_next_available_child(np, child); }`):
    the loop, too, ends only when the object is NULL."""
    n = g.call.node
    while n is not None and n.type not in ("while_statement", "for_statement", "compound_statement"):
        n = n.parent
    if n is not None and n.type == "compound_statement" and n.parent is not None \
            and n.parent.type in ("while_statement", "for_statement"):
        return _loop_ends_null(n.parent, g, j)
    if n is not None and n.type == "compound_statement":
        # `x = first(); while (x) { ...; x = next(x); }` then the exit: the same, from the first get
        st = g.call.node
        while st.parent is not None and st.parent != n:
            st = st.parent
        sib = st.next_named_sibling
        while sib is not None and sib.start_byte < j.node.start_byte:
            if sib.type in ("while_statement", "for_statement"):
                return _loop_ends_null(sib, g, j) and re.search(
                    r"\b%s\s*=[^=]" % re.escape(g.obj), cmodel._text(sib.child_by_field_name("body"))) is not None
            sib = sib.next_named_sibling
    if n is None or n.type == "compound_statement" or cmodel.contains(n, j.node):
        return False
    body = n.child_by_field_name("body")
    return body is not None and not cmodel.contains(body, g.call.node)


def _loop_ends_null(loop, g: _refpaths.Get, j) -> bool:
    if cmodel.contains(loop, j.node) or g.api.ref != "ret" or not re.fullmatch(r"\w+", g.obj):
        return False
    cond = loop.child_by_field_name("condition")
    text = cmodel._fold(cmodel._text(cond)).strip("() ") if cond is not None else ""
    if text not in (g.obj, f"{g.obj} != NULL", f"NULL != {g.obj}"):
        return False
    body = loop.child_by_field_name("body")
    return body is None or not breaks_out([body])  # a break would leave it with the object


def breaks_out(nodes) -> bool:
    """Is there, in `nodes`, a `break` of the loop they are the body of (not of an inner loop
    or switch)?"""
    stack = list(nodes)
    while stack:
        x = stack.pop()
        if x.type == "break_statement":
            return True
        if x.type not in ("while_statement", "for_statement", "do_statement", "switch_statement"):
            stack.extend(x.children)
    return False


# Calls that give a reference to a device's driver data, a completion callback or a work item
# (a submitted URB is its completion handler's: rtl8150's async_set_reg_cb() frees it).
_HANDOFF_NAME = lazyre.compile(r"_set_(drvdata|clientdata|intfdata)$|set_callback$|^(queue|schedule)_\w*work\w*$|"
                           r"^call_rcu$|^kthread_(run|create)\w*$|^usb_submit_urb$")


def handed_on(func: cmodel.Function, g: _refpaths.Get, j) -> bool:
    ifs = flow.enclosing_if(j.node)
    if ifs is not None and "EINPROGRESS" in cmodel._text(ifs.child_by_field_name("condition")):
        return True  # the request was queued: its completion callback drops what it was given
    if g.call.name == "dvb_attach" and any(re.search(r"->|\.", a) and not a.strip().startswith("&")
                                           for a in g.call.args[1:2]):
        # `fe = dvb_attach(tda18212_attach, adap->fe[0], ...)`: a tuner or SEC attach installs its
        # release into the frontend it is given; dvb_frontend_detach() of that frontend drops it
        return True
    base = re.split(r"->|\.", g.obj.lstrip("&*"))[0]
    for c in func.calls():
        if (g.call.line < c.line or c.name.endswith("set_callback")) and c.line <= j.line and \
                _HANDOFF_NAME.search(c.name) and any(
                re.split(r"->|\.", a.strip().lstrip("&*(").strip())[0] == base for a in c.args):
            return True
    return handed_to_release_callback(func, g, j) or handed_to_consumer(func, g, j) or consumed_by_table(func, g, j)


def consumed_by_table(func: cmodel.Function, g: _refpaths.Get, j) -> bool:
    """Between the get and the exit, on the way to it, a call the kernel-API table says
    consumes the reference (`fd_install()`: "This consumes the file refcount";
    `drm_sched_job_add_dependency()`: "@fence is consumed in both the success and error
    cases") takes it over; one that consumes it only on success (`dma_buf_fd()`) does not on
    an exit under the test of its result."""
    for c in _refpaths.path_consumers(func, g.call.line, j.node):
        row = kapi.get(c.name)
        if not _refpaths.same_local(func, _apis.put_object(c.name, list(c.args)), g.obj):
            continue
        if "on success" in row.ref_on and under_result_test(c, j.node):
            continue
        return True
    return False


def under_result_test(c, node) -> bool:
    """Is `node` under an `if` whose condition calls c or tests the variable c's result went into?"""
    res = (c.lhs or "").strip()
    for anc in cmodel.ancestors(node):
        if anc.type == "function_definition":
            break
        if anc.type == "if_statement":
            cond = cmodel._fold(cmodel._text(anc.child_by_field_name("condition")))
            if c.name in cond or res and re.search(r"(?<![\w>.])%s\b" % re.escape(res), cond):
                return True
    return False


def puts_param(helper: cmodel.Function, i: int, putters) -> bool:
    """Does the file's function `helper` drop, with one of `putters`, the reference on its
    i-th parameter (`of_node_put(cpunode)` at the end of g5_pm72_cpufreq_init(cpunode))?"""
    params = _params(helper)
    if i >= len(params) or not params[i]:
        return False
    return any(p.name in putters and norm(_apis.put_object(p.name, list(p.args)) or "") == params[i]
               for p in helper.calls())


def handed_to_consumer(func: cmodel.Function, g: _refpaths.Get, j) -> bool:
    """`cpunode = of_cpu_device_node_get(0); ... rc = g5_pm72_cpufreq_init(cpunode); return rc;`
    (drivers/cpufreq/pmac64-cpufreq.c): between the get and the exit the object is handed to a
    function of the file that puts that parameter itself: the callee consumes the reference."""
    if not re.fullmatch(r"\w+", g.obj or ""):
        return False
    funcs = {f.name: f for f in cmodel.siblings_of(func) if f.name != func.name}
    for c in func.calls():
        if not g.call.line < c.line <= j.line or c.name not in funcs:
            continue
        for i, a in enumerate(c.args):
            if norm(a) == g.obj and puts_param(funcs[c.name], i, set(g.api.putters)):
                return True
    return False


def consumed_from_callers(func: cmodel.Function, i: int, putters) -> bool:
    """Do the file's callers of `func` hand it, as its i-th argument, a reference they took
    (a get of the table on it) and never drop after the call?  Then `func` consumes that
    reference (pmac64-cpufreq.c g5_cpufreq_init() gives g5_pm72_cpufreq_init() its
    of_cpu_device_node_get() node) and its put of the parameter is its owner's."""
    seen = False
    for s in cmodel.siblings_of(func):
        if s.name == func.name:
            continue
        for c in s.calls():
            if c.name != func.name or i >= len(c.args):
                continue
            arg = norm(c.args[i])
            got = [g for g in _refpaths.gets(s) if g.call.line < c.line and g.obj == arg
                   and set(g.api.putters) & set(putters)]
            if not got:
                return False
            if any(p.line > c.line and norm(_apis.put_object(p.name, list(p.args)) or "") == arg
                   for p in _refpaths.puts_of(s.calls(), arg, tuple(putters))):
                return False
            seen = True
    return seen


def handed_to_release_callback(func: cmodel.Function, g: _refpaths.Get, j) -> bool:
    """`scsi_host_get(phba->shost)`, then, before the exit, `iscsi_boot_create_target(kset, 0,
    phba, show, visible, beiscsi_boot_kobj_release)`: the object made keeps `phba` and calls the
    release callback it is given when it goes, and that callback (a function of the code shown)
    drops the reference on the same member.  The reference was handed to the object; its
    teardown (iscsi_boot_destroy_kset() on the unwind) drops it."""
    def root(e: str) -> str:
        return re.split(r"->|\.", e.strip().lstrip("&*(").strip())[0]
    base, member = root(g.obj), _member(g.obj)
    if not base or not member:
        return False
    calls = [c for c in func.calls() if g.call.line < c.line <= j.line and c.name not in g.api.putters
             and any(root(a) == base for a in c.args)]
    if not calls:
        return False
    funcs = {f.name: f for f in cmodel.siblings_of(func) if f.name != func.name}
    ifs = flow.enclosing_if(j.node)
    cond = cmodel._fold(cmodel._text(ifs.child_by_field_name("condition"))) if ifs is not None else ""
    for c in calls:
        lhs = (c.lhs or "").strip()
        if lhs and re.match(_NEGATIVE_TEST % ((re.escape(lhs),) * 3), cond):
            continue  # `if (!boot_kobj) return ...;`: nothing was made to take the reference
        for a in c.args:
            cb = funcs.get(a.strip().lstrip("&"))
            if cb is not None and any(p.name in g.api.putters and _member(_apis.put_object(p.name, list(p.args)) or "")
                                      == member for p in cb.calls()):
                return True
    return False


_RELEASE_FIELD = lazyre.compile(r"(.+?)\s*(?:->|\.)\s*release")


def dropped_by_own_release(func: cmodel.Function, g: _refpaths.Get, j, calls) -> bool:
    """`device_initialize(&dev->dev); mcb_bus_get(bus); dev->dev.release = mcb_release_dev;`,
    then the unwind's `put_device(&dev->dev)` (mcb-core.c mcb_device_register()): the function
    set the release of the object its exit puts, and that release, a function of the code
    shown, drops a reference the get's putters answer, held in a member named for the got
    object (`mcb_bus_put(mdev->bus)`).  The last put runs the release, and with it that put:
    the reference went to the object."""
    root = re.split(r"->|\.", g.obj.lstrip("&*( "))[0].strip()
    names = {root, _member(g.obj)} - {"", "dev", "device", "kobj", "kref"}
    if not names:
        return False
    funcs = {f.name: f for f in cmodel.siblings_of(func) if f.name != func.name}
    for a in func.assignments():
        m = _RELEASE_FIELD.fullmatch(a.left)
        cb = funcs.get(a.right.strip().lstrip("&")) if m else None
        if cb is None or a.line > j.line:
            continue
        released = "&" + m.group(1).strip() if not m.group(1).strip().startswith("&") else m.group(1).strip()
        if not any(_apis.is_putter(c.name) and _refpaths.same_local(func, _apis.put_object(c.name, list(c.args)),
                                                                    released) for c in calls):
            continue  # the exit does not drop the object whose release it set
        for p in cb.calls():
            obj = _apis.put_object(p.name, list(p.args)) or ""
            parts = re.split(r"->|\.", obj.lstrip("&*( "))
            if p.name in g.api.putters and len(parts) > 1 and names & {x.strip() for x in parts[1:]}:
                return True  # `mcb_bus_put(mdev->bus)`, `put_device(&sdev->host->dev)`
    return False


def dropped_by_helper(func: cmodel.Function, g: _refpaths.Get, calls) -> bool:
    """One of `calls` (an unwind's) is a function of the code shown that drops the reference by
    the same name (`fail_remove: sbp2_remove(unit);`, whose body ends `scsi_host_put(shost)`:
    drivers/firewire/sbp2.c): the probe's unwind reuses the driver's teardown."""
    funcs = {f.name: f for f in cmodel.siblings_of(func) if f.name != func.name}
    names = set(g.api.putters) | set(kapi.releases(g.call.name))
    if _helper_puts_member_of_arg(func, g, calls, funcs, names):
        return True
    member = _member(g.obj)
    if not member or member in ("dev", "device", "kobj", "kref"):
        return False
    return any(c.name in funcs and any(
        p.name in names and _member(_apis.put_object(p.name, list(p.args)) or "") == member
        for p in funcs[c.name].calls()) for c in calls)


def _member_path(func: cmodel.Function, obj: str) -> tuple[str, str] | None:
    """(base, member) of `&x->m` / `x.m`, also through a local set once to it
    (`dev = &starget->dev`)."""
    o = norm(obj or "").lstrip("&").strip()
    if re.fullmatch(r"\w+", o):
        alias = _refpaths.alias_of(func, o)
        if alias is None:  # `struct device *dev = NULL; ...; dev = &starget->dev;`
            vals = {norm(a.right) for a in func.assignments() if norm(a.left) == o} - {"NULL"}
            alias = vals.pop() if len(vals) == 1 else ""
        o = alias.lstrip("&").strip()
    m = re.fullmatch(r"(\w+)\s*(?:->|\.)\s*(\w+)", o)
    return (m.group(1), m.group(2)) if m else None


def _helper_puts_member_of_arg(func: cmodel.Function, g: _refpaths.Get, calls, funcs, names) -> bool:
    """`scsi_target_destroy(starget)` whose body puts `&starget->dev` (its parameter's member,
    directly or through `dev = &starget->dev`) after `dev = &starget->dev; device_initialize(dev)`:
    the helper is handed the container and drops the member's reference the get took
    (drivers/scsi/scsi_scan.c scsi_alloc_target())."""
    mine = _member_path(func, g.obj)
    if mine is None:
        return False
    base, member = mine
    for c in calls:
        helper = funcs.get(c.name)
        if helper is None:
            continue
        params = _params(helper)
        for p in helper.calls():
            if p.name not in names:
                continue
            theirs = _member_path(helper, _apis.put_object(p.name, list(p.args)) or "")
            if theirs is None or theirs[1] != member or theirs[0] not in params:
                continue
            i = params.index(theirs[0])
            if i < len(c.args) and norm(c.args[i]).strip() == base:
                return True
    return False


def registered_on_path(func: cmodel.Function, g: _refpaths.Get, j) -> bool:
    """`device_initialize(fdev); ...; rc = device_add(fdev); if (rc < 0) goto ...; return 0;`
    (idxd cdev.c): a register call given the object the init counted, between the init and a
    successful exit, published it; the reference is the registration's now (its unregister
    drops it).  `cdev_device_add(cdev, dev)` registers the device it is given too."""
    if g.api.family not in ("device", "kobject"):
        return False
    for c in func.calls():
        row = kapi.get(c.name)
        if row is None or row.kind != "register" or not g.call.line < c.line < j.line:
            continue
        if any(_refpaths.same_local(func, a, g.obj) for a in c.args):
            return True
    return False


def published(g: _refpaths.Get, func: cmodel.Function) -> bool:
    """Is the reference held by something that outlives the function: the object lives in a
    structure (`priv->np = of_parse_phandle(...)`, `*out = ...`, a `device_add(&priv->dev)`)
    or a file-scope variable, or a register call published it (the unregister drops it)?"""
    row = kapi.get(g.call.name)
    if row is not None and row.kind == "register" and not row.returns_ref:
        return True
    obj = g.obj.lstrip("&")
    lhs = (g.call.lhs or "").strip()
    if g.api.ref != "ret" and row is not None and row.kind == "getter" and re.search(r"->|\.|^\*", lhs):
        return True  # `cdev->gdev = gpio_device_get(gdev)`: the getter returns the object, kept there
    if g.api.ref != "ret" and not (row is not None and row.kind == "init"):
        return False  # try_module_get(x->owner), get_device(&x->dev): the object, not a holder
    if obj.startswith("*") or "->" in obj or "." in obj or "[" in obj:
        return True
    # `dev = &layout->dev; device_initialize(dev);` (nvmem/layouts.c): the local names a member
    alias = _refpaths.alias_of(func, obj) if re.fullmatch(r"\w+", obj) else None
    if alias and ("->" in alias or "." in alias):
        return True
    # a file-scope variable: the whole function is shown and does not declare it
    return func.name != cmodel.FRAGMENT_FUNC and re.fullmatch(r"\w+", obj) is not None and obj not in _locals(func)


def in_failure_branch(func: cmodel.Function, g: _refpaths.Get, j) -> bool:
    """Is the exit in the branch that tests the get's own result (`err = device_register(d);
    if (err) return err;`)?  A failed register published nothing: the caller still owns the
    object and must put it."""
    ifs = flow.enclosing_if(j.node)
    if ifs is None:
        return False
    cond = ifs.child_by_field_name("condition")
    if cond is None:
        return False
    if cmodel.contains(cond, g.call.node):
        return True
    lhs = g.call.lhs
    if not lhs or re.search(r"(?<![\w>.])%s\b" % re.escape(lhs), cmodel._text(cond)) is None:
        return False
    # the status still holds the register's result: not reassigned since (`ret = other();`)
    return not _refpaths.status_reassigned(func, lhs, g.call.line, flow.line_of(ifs), g.call.node)


def _locals(func: cmodel.Function) -> set[str]:
    """Names the function declares (parameters and locals)."""
    if "locals" not in func._cache:
        out = set()
        for n in func._walk():
            if n.type in ("declaration", "parameter_declaration"):
                for d in n.children_by_field_name("declarator"):
                    while d is not None and d.type != "identifier":
                        d = d.child_by_field_name("declarator")
                    if d is not None:
                        out.add(cmodel._text(d))
        func._cache["locals"] = out
    return func._cache["locals"]


def _member(obj: str) -> str:
    """The last member of a stored reference (`priv->np` -> `np`, `&d->port_dev` -> `port_dev`)."""
    return re.split(r"->|\.", obj.lstrip("&*").rstrip("]"))[-1].split("[")[0]


def released_elsewhere(text: str, g: _refpaths.Get) -> bool:
    """Does the code shown (a new file, or the post-image in tree mode) drop the stored
    reference somewhere: a putter of the get's family called on the same member, in remove(),
    a .release, an unregister or an unwind?"""
    member = _member(g.obj)
    if not member or member in ("dev", "device", "kobj", "kref"):
        member = _member(re.sub(r"(->|\.)(dev|device|kobj|kref)$", "", g.obj.lstrip("&")))
    if not member:
        return False
    names = set(g.api.putters) | set(kapi.releases(g.call.name))
    putters = "|".join(map(re.escape, sorted(names)))
    if re.search(r"\b(%s)\s*\([^;]*\b%s\b" % (putters, re.escape(member)), text):
        return True
    # through a local: `owner = serial->type->driver.owner; ...; module_put(owner);`
    for alias in set(re.findall(r"\b(\w+)\s*=\s*[\w>.\-]*(?:->|\.)%s\s*;" % re.escape(member), text)):
        if re.search(r"\b(%s)\s*\(\s*%s\s*\)" % (putters, re.escape(alias)), text):
            return True
    return False


def own_putter_elsewhere(text: str, g: _refpaths.Get) -> bool:
    """The object was created here (an `init` row), and a putter of its own, one that answers
    this API and few others (`usb_put_hcd()` for usb_create_hcd()), is called in the rest of the
    file (`text`, the function itself left out): remove() drops the object the probe made and
    kept, reached through the driver's data (vhci_hcd.c: `usb_put_hcd(vhci_hcd_to_hcd(
    vhci->vhci_hcd_hs))`)."""
    row = kapi.get(g.call.name)
    if row is None or row.kind != "init":
        return False  # a lookup's reference (i2c_get_adapter()) must be traced to its put
    own = [p for p in g.api.putters if len(_apis.PUTTERS.get(p, ())) <= 3]
    if not own:
        return False  # a family putter (put_device(), of_node_put()) names no particular API
    return re.search(r"\b(?:%s)\s*\(" % "|".join(map(re.escape, own)), text) is not None


def kept_by_object_made(func: cmodel.Function, g: _refpaths.Get, j, text: str) -> bool:
    """`i2c_adap = i2c_get_adapter(nr)`, then `v4l2_i2c_new_subdev_board(v4l2_dev, i2c_adap,
    ...)` before `return 0;`, and remove()'s `i2c_put_adapter(client->adapter)` (sh_vou.c): a
    reference kept on success, given to a call that makes an object on it (the client keeps its
    adapter), or kept by an object the get itself was given (`of_phy_connect(dev, ...)` sets
    `dev->phydev`), and dropped by the file's teardown through that object's member with the
    get's only putter (the API's own pair, not a family putter shared by many objects)."""
    if len(g.api.putters) != 1 or not re.fullmatch(r"\w+", g.obj):
        return False
    put = re.escape(g.api.putters[0])
    # `phydev = of_phy_connect(dev, ...)` attaches to the net_device it is given, and ndo_stop's
    # `phy_disconnect(dev->phydev)` drops it through that holder (bcmasp_intf.c)
    holders = {a.strip() for a in g.call.args if re.fullmatch(r"\s*\w+\s*", a)}
    if any(re.search(r"\b%s\s*\(\s*%s\s*(?:->|\.)\s*\w+\s*\)" % (put, re.escape(h)), text) for h in holders):
        return True
    if not any(g.call.line < c.line < j.line and c.lhs and not _apis.is_putter(c.name) and c.name not in _apis.BY_GETTER
               and any(a.strip() == g.obj for a in c.args) for c in func.calls()):
        # (the call returns what it made: `subdev = v4l2_i2c_new_subdev_board(..., i2c_adap, ...)`)
        return False
    return re.search(r"\b%s\s*\(\s*\w+(?:->|\.)\w+\s*\)" % put, text) is not None


def put_from_drvdata(func: cmodel.Function, g: _refpaths.Get, text: str) -> bool:
    """`hcd = usb_create_hcd(...)` (which sets the device's driver data) kept on probe's
    successful exit, and remove()'s `struct usb_hcd *hcd = platform_get_drvdata(pdev); ...
    usb_put_hcd(hcd);` (ohci-sm501.c): the file's teardown drops the object of the got local's
    type that it reads back from the driver data, with a putter of the get."""
    if not re.fullmatch(r"\w+", g.obj):
        return False
    typ = pointee_struct(func.text, g.obj)
    if typ is None:
        return False
    putters = "|".join(map(re.escape, g.api.putters))
    for m in re.finditer(r"\bstruct\s+%s\s*\*\s*(\w+)\s*=\s*\w*get_drvdata\s*\(" % re.escape(typ), text):
        if re.search(r"\b(?:%s)\s*\(\s*%s\s*[,)]" % (putters, re.escape(m.group(1))), text[m.end():]):
            return True
    return False


def permanent_registration(func: cmodel.Function, g: _refpaths.Get, j, holder: str, built_in: bool) -> bool:
    """dmi_scan.c dmi_init(): `dmi_kobj = kobject_create_and_add("dmi", firmware_kobj)` ("This
    entry should stay even after farther error"), `tables_kobj = kobject_create_and_add(...)`
    then `return 0;`.  An `__init` function of code that is never a module runs once, and what
    a register call put into sysfs or the device model there stays for the kernel's life: kept
    on a successful exit, or in a file-scope variable on an error exit, it is that registration,
    not a leak.  `built_in`: the file is never a module (build facts or its own evidence)."""
    if not built_in or not re.search(r"\b__init\b", func.text.split("{", 1)[0]):
        return False
    row = kapi.get(g.call.name)
    if row is None or row.kind != "register":
        return False
    return success_exit(j) or holder in ("stored", "owned")


_ENABLE = lazyre.compile(r"^\w*_(?:prepare_)?enable$")
_DISABLE = lazyre.compile(r"^\w*_(?:disable|unprepare)\w*$")


def enabled_for_good(func: cmodel.Function, g: _refpaths.Get, j, built_in: bool) -> bool:
    """mips-gic-timer.c gic_clocksource_of_init(): `clk = of_clk_get(node, 0);` ...
    `clk_prepare_enable(clk)` ... `return 0;`.  An `__init` of code that is never a module
    (a TIMER_OF_DECLARE() timer) that returns success with the object still enabled keeps it
    running for the kernel's life: the reference goes with the enable, which nothing could put
    or disable later (a module would have to store it; a failure exit still leaks both)."""
    if not built_in or not re.search(r"\b__init\b", func.text.split("{", 1)[0]) or not success_exit(j):
        return False
    on = [c for c in func.calls() if g.call.line < c.line < j.line and _ENABLE.match(c.name) and c.args
          and _apis.same_object(norm(c.args[0]), g.obj)]
    if not on:
        return False
    return not any(on[0].line < c.line < j.line and _DISABLE.match(c.name) and c.args
                   and _apis.same_object(norm(c.args[0]), g.obj) for c in func.calls())


def outside(text: str, func: cmodel.Function, partial: bool) -> str:
    """The text without the lines of `func` (tree mode: post-image lines; a new file in hunk
    mode: the fragment's lines, numbered as the file's)."""
    if func is None or func.name == cmodel.FRAGMENT_FUNC:
        return text
    lines = text.splitlines()
    return "\n".join(lines[:func.start - 1] + lines[func.end:])


_KEEP_LOADED = lazyre.compile(r"unload|rmmod|removal of the module|keep\w*\s+(the\s+)?(module|driver)\s+(loaded|pinned)|"
                          r"pin\w*\s+(the\s+)?(module|driver)", re.I)


def pinned_on_purpose(func: cmodel.Function, g, j) -> bool:
    """A module reference kept on a successful return under a comment that says so: "Success.
    If there _PPC, unloading the cpufreq driver would be risky, so disallow it in that case."
    (acpi_processor_notify_smm()).  The pin is the point of the exit, not a leak: at most a
    question of who drops it."""
    if g.api.family != "module" or not success_exit(j):
        return False
    return any(n.type == "comment" and j.line - 8 <= flow.line_of(n) < j.line and
               _KEEP_LOADED.search(cmodel._text(n)) for n in func._walk())


def guarded_put_before(func: cmodel.Function, g, j) -> bool:
    """A put of the object under a test of the object alone (`if (phydev) phy_disconnect(phydev);`)
    between the get and the exit, in a block that holds the exit and with no label between it
    and the exit: every path to the exit runs it, and the path where the test fails holds no
    reference (a path matcher that takes that branch counts a leak that cannot happen)."""
    base = _apis.base_object(g.obj)
    guard = re.compile(_POSITIVE_TEST % ((re.escape(base),) * 3))
    flags = _held_flags(func, g)
    for c in _refpaths.puts_of(func.calls(), g.obj, g.api.putters):
        if not g.call.line < c.line < j.line:
            continue
        ifs = c.node
        while ifs is not None and ifs.type != "if_statement":
            ifs = ifs.parent
        cond = ifs.child_by_field_name("condition") if ifs is not None else None
        ctext = cmodel._fold(cmodel._text(cond)) if cond is not None else ""
        if not guard.match(ctext) and ctext.strip("() ") not in flags:
            continue
        stmt = ifs
        while stmt.parent is not None and stmt.parent.type == "labeled_statement":
            stmt = stmt.parent  # `out_phy_disconnect: if (phydev) ...`
        if stmt.parent is None or not cmodel.contains(stmt.parent, j.node):
            continue
        if any(n.type == "labeled_statement" and ifs.end_byte <= n.start_byte < j.node.start_byte
               for n in func._walk()):
            continue  # a goto may land after the put
        return True
    return False


def _held_flags(func: cmodel.Function, g) -> set[str]:
    """Locals that say whether the object holds the reference: cleared in the get's failure
    branch (ofpart_core.c: `if (!ofpart_node) { ofpart_node = mtd_node; dedicated = false; }`,
    then `if (dedicated) of_node_put(ofpart_node);`)."""
    out = set()
    for a in func.assignments():
        if a.line <= g.call.line or not re.fullmatch(r"\w+", a.left) or a.right not in ("false", "0"):
            continue
        st = a.node.parent if a.node is not None else None
        ifs = flow.enclosing_if(st) if st is not None and st.type == "expression_statement" else None
        cond = ifs.child_by_field_name("condition") if ifs is not None else None
        if cond is not None and _apis.same_object(_refpaths.null_tested(cmodel._fold(cmodel._text(cond))[1:-1]), g.obj) \
                and cmodel.contains(ifs.child_by_field_name("consequence"), a.node):
            out.add(a.left)
    return out


def per_member_get(g, j) -> bool:
    """A get on the cursor of a loop over a collection's members (`for_each_child(ce, child)
    intel_context_get(child);`, i915 eb_select_context()), the exit after the loop: one
    reference per member, kept with the members, not in any local of this function."""
    if not re.fullmatch(r"\w+", _apis.base_object(g.obj) or ""):
        return False
    for anc in cmodel.ancestors(g.call.node):
        if anc.type == "function_definition":
            return False
        if anc.type in ("for_statement", "while_statement"):
            if cmodel.contains(anc, j.node):
                return False
            body = anc.child_by_field_name("body")
            head = cmodel._text(anc)[:body.start_byte - anc.start_byte] if body is not None else ""
            return re.search(r"\b%s\b" % re.escape(_apis.base_object(g.obj)), head) is not None
    return False


def callers_object(func: cmodel.Function, obj: str) -> bool:
    """Is `obj` (`phy`, `&dev->dev`) part of an object the caller passed in, a parameter the
    function never reassigns?"""
    from reviewbot.checks.module._refcount import _params
    base = re.split(r"->|\.", norm(obj).lstrip("&*( "))[0]
    params = _params(func)
    if base and base not in params and re.fullmatch(r"\w+", base):
        # `struct device *dev = &pdev->dev;` (drivers/base/platform.c platform_device_add())
        alias = _refpaths.alias_of(func, base)
        if alias and re.search(r"->|\.", alias):
            return callers_object(func, alias)
    return bool(base) and base in params and not any(a.left == base for a in func.assignments())


def initialised_for_caller(func: cmodel.Function, g: _refpaths.Get, j) -> bool:
    """`register_virtio_device(dev)`: `device_initialize(&dev->dev)` on the caller's object, then
    an error exit.  Like device_register(), whose kernel-doc says the caller must put_device()
    after a failure, such a function leaves the initialised object to its caller: the reference
    is the caller's to drop with the object it made, a question for this function, not a leak."""
    row = kapi.get(g.call.name)
    return row is not None and row.kind == "init" and not success_exit(j) and callers_object(func, g.obj)

