"""Added puts that drop a reference nobody holds on that path (MOD019's over-put findings).

Written from what the kernel-API table (checks/data/refs.tsv, via `_kapi`/`_apis`) says each
call does to a reference, not from case shapes:

- *already dropped*: an earlier call on the same path released it: a putter of the same object
  (`device_unregister()` is `device_del()` + `put_device()`), a lookup that drops its `@from` /
  `@prev` argument (`of_get_next_child(np, prev)`, `pci_get_device(v, d, from)`), a table
  putter that hands the reference over or tears the object down (`fd_install(fd, file)`
  "consumes the file refcount", `filp_close()` ends in `fput()`);
- *iterator-owned*: the loop variable of a `for_each_*` iterator is put by the iterator itself
  at the next step; a put in the body is needed only when the loop is left (break/return/goto),
  and never in a `_scoped` loop (the cleanup attribute puts it);
- *borrowed*: the object is the function's own parameter (or `to_*()`/`container_of()` of
  it) and the function never takes a reference on it: the caller owns that reference (the
  device a driver core callback is given, the object a `*_register()` is handed).  Some
  helpers do consume their caller's reference on failure, so a helper's put is a
  low-confidence question, unless the function is a driver-core callback or the put is on
  the path that returns success (shown up to that exit) of a driver-model device parameter;
- *given node* (`given_node`): the same for a `struct device_node *`/`struct fwnode_handle *`
  parameter, and for the node of a parsed phandle specifier the function is handed
  (`struct of_phandle_args *args`: an `of_xlate()` callback; its caller puts `args->np`);
- *put while still published*: the object (or its embedded device) was handed to someone who
  keeps the pointer (an IRQ's `dev_id`, drvdata, a structure member) earlier on the same path.

Each finding is a tuple (put call, message[, confidence]); the rule builds the Finding.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel, flow
from reviewbot.analysis.clex import norm
from reviewbot.checks import _kapi as kapi
from reviewbot.checks._message import short
from reviewbot.checks.module import _apis, _ownership, _put_paths, _refpaths, _stored
from reviewbot.model import Confidence

# Functions whose job is to drop references they are given (their parameter is theirs to put).
_CONSUMER_FN = lazyre.compile(r"(put|release|free|destroy|unref|cleanup|clean_up|drop|done|exit|fini|teardown|"
                          r"delete|kill|unregister|unbind|detach|disconnect|remove_\w*child|"
                          r"_del\b|dispose|finish|complete)", re.I)
# Accessors that give a pointer without a reference.
_BORROW = lazyre.compile(r"^\(?\s*(to_\w+|container_of|\w+_from_\w+|dev_to_\w+|kobj_to_\w+|"
                     r"\w+_of_dev)\s*\(\s*&?\s*(?P<p>\w+)")
# Calls that publish a pointer for later use (the callee or its callbacks keep it), with the
# argument that carries it (negative: from the end).
_PUBLISH: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^(devm_)?request_(threaded_|any_context_)?irq$"), -1),  # dev_id
    (re.compile(r"^(\w+_set_drvdata|\w+_set_clientdata|\w+_set_devdata)$"), -1),
    (re.compile(r"^kthread_(run|create)\w*$"), 1),
    (re.compile(r"^(list_add\w*|hlist_add\w*)$"), 0),
    (re.compile(r"^(xa_store|radix_tree_insert)$"), 2),
    (re.compile(r"^idr_alloc\w*$"), 1),
)


def _published_arg(c) -> str | None:
    for pat, k in _PUBLISH:
        if pat.match(c.name):
            return c.args[k] if -len(c.args) <= k < len(c.args) else None
    return None


_PLAIN_PUT = lazyre.compile(r"put")  # put_device, kobject_put, pci_dev_put ... (not unregister/free)


def _family(name: str) -> str | None:
    r = kapi.get(name)
    if r is not None:
        return r.family
    return None


def _kind(name: str) -> str | None:
    r = kapi.get(name)
    return r.kind if r is not None else None


def _base_var(obj: str) -> str:
    return re.split(r"->|\.", norm(obj).lstrip("&*"))[0]


def _block_of(node):
    b = node.parent
    while b is not None and b.type != "compound_statement":
        b = b.parent
    return b


def _unconditional_in(node, blk) -> bool:
    """`node` runs whenever its enclosing block `blk` runs (no if/loop/switch in between; the
    condition of an `if` always runs)."""
    child = node
    for anc in cmodel.ancestors(node):
        if anc == blk:
            return True
        if anc.type == "if_statement" and child == anc.child_by_field_name("condition"):
            child = anc
            continue
        if anc.type in ("if_statement", "while_statement", "for_statement", "do_statement",
                        "switch_statement", "conditional_expression", "case_statement", "else_clause"):
            return False
        child = anc
    return False


def _runs_before(q, p) -> bool:
    """q runs on every path that reaches p: q is unconditional in a block enclosing p, with
    no `else`, no jump and no label (a join of other paths) between them."""
    blk = _block_of(q.node)
    if blk is None or not cmodel.contains(blk, p.node) or not _unconditional_in(q.node, blk):
        return False
    for anc in cmodel.ancestors(p.node):
        if anc == blk:
            break
        if anc.type in ("else_clause",):
            return False
    qs = next((c for c in blk.named_children if cmodel.contains(c, q.node)), None)
    ps = next((c for c in blk.named_children if cmodel.contains(c, p.node)), None)
    if qs is None or ps is None:
        return False
    if qs.start_byte == ps.start_byte:
        return True
    sib = qs.next_named_sibling
    while sib is not None and sib.start_byte < ps.start_byte:
        if sib.type in ("return_statement", "goto_statement", "break_statement", "continue_statement",
                        "labeled_statement"):
            return False
        sib = sib.next_named_sibling
    return ps.type != "labeled_statement"


def _rewritten(func, var: str, lo: int, hi: int) -> bool:
    """`var` is assigned (or a getter takes a new reference on it) between lines lo and hi."""
    for n in func._walk():
        if n.type in ("assignment_expression", "init_declarator") and lo < flow.line_of(n) < hi:
            left = n.child_by_field_name("left") or n.child_by_field_name("declarator")
            if left is not None and re.search(r"(?<![\w>.])%s$" % re.escape(var), cmodel._fold(cmodel._text(left))):
                return True
    return False


def _result_into(q, var: str) -> bool:
    """The call `q` stores its result in `var` (`child = device_get_next_child_node(dev, child)`):
    the lookup dropped the old reference of `var` and `var` now holds the new one it returns."""
    node = q.node.parent
    while node is not None and node.type in ("parenthesized_expression", "cast_expression"):
        node = node.parent
    if node is None or node.type not in ("assignment_expression", "init_declarator"):
        return False
    left = node.child_by_field_name("left") or node.child_by_field_name("declarator")
    return left is not None and re.search(r"(?<![\w>.])%s$" % re.escape(var),
                                          cmodel._fold(cmodel._text(left))) is not None


def _publishes_only(name: str) -> bool:
    """`device_add()`, `kobject_add()`, `cdev_add()`: they publish an object someone else
    initialised; the reference the caller must drop on failure is that initialiser's."""
    r = kapi.get(name)
    return r is not None and r.kind == "register" and name.endswith("_add")


def _gets_of(func, obj: str, before: int) -> list:
    return [g for g in _refpaths.gets(func) if g.call.line < before and _apis.same_object(g.obj, obj)
            and not _publishes_only(g.call.name)]


def _drops(c) -> list[tuple[str, str]]:
    """(object, how) the call `c` drops a reference on."""
    out = []
    if _apis.is_putter(c.name):
        row = kapi.get(c.name)
        if not (row and any("still" in r for r in row.release)):
            obj = _apis.put_object(c.name, list(c.args))
            if obj:
                out.append((obj, f"{c.name}() already dropped that reference"))
    row = kapi.get(c.name)
    if row is not None and row.kind == "putter" and not _apis.is_putter(c.name) \
            and row.ref_arg is not None and row.ref_arg < len(c.args):
        # a table putter no balance rule pairs: a hand-off that consumes the reference
        # (`fd_install(fd, file)`: "This consumes the file refcount") or a teardown that
        # drops it (`filp_close()` = ... + `fput()`)
        how = "took over" if "consumed" in row.ref_on else "already dropped"
        out.append((norm(c.args[row.ref_arg]), f"{c.name}() {how} that reference"))
    if row is not None and row.drops_arg is not None and row.drops_arg < len(c.args):
        a = c.args[row.drops_arg]
        if a.strip() != "NULL":
            what = re.search(r"@(\w+)", row.ref_on)
            arg = "@" + what.group(1) if what else "argument"
            out.append((norm(a), f"{c.name}() (it drops its {arg}) already dropped that reference"))
    return out


def already_dropped(view, added) -> Iterator[tuple[object, str]]:
    """Added puts on a path where an earlier call already dropped the same reference."""
    func = view.new
    calls = func.calls()
    for p in added:
        obj = _apis.put_object(p.name, list(p.args))
        if not obj or p.name == "kfree":
            continue
        var = _base_var(obj)
        for q in calls:
            if q.line >= p.line or q is p:
                continue
            hit = next(((o, how) for o, how in _drops(q) if _apis.same_object(o, obj)), None)
            if hit is None or _other_refs(q, p) or _distinct_counters(hit[0], obj):
                continue
            if q.name != p.name and kapi.get(q.name) is not None and kapi.get(q.name).kind == "putter" \
                    and _family(q.name) != _family(p.name):
                continue  # different kinds of reference on one object (module + device)
            if not _runs_before(q, p) or _rewritten(func, var, q.line, p.line) or _unseen_between(view, q.line, p.line) \
                    or _result_into(q, var):
                continue
            if _on_failure_of(q, p):
                continue  # `fd = dma_buf_fd(buf, f); if (fd < 0) { dma_buf_put(buf); ...`: nothing consumed
            if _erased_from_table(func, obj, p.line):
                continue  # a table's slot held its own reference
            gets = _gets_of(func, obj, p.line)
            if any(q.line < g.call.line < p.line for g in gets):
                continue  # a new reference in between
            if not _apis.is_putter(q.name) and any(g.call.line < q.line and _kind(g.call.name) == "getter"
                                                   for g in gets) and not _failed_consumer(func, q, p, obj):
                continue  # `of_node_get(from)` for the lookup to drop: the caller keeps its own
            prior = [c for c in calls if c.line < p.line and c is not p and _runs_before(c, p)
                     and any(_apis.same_object(o, obj) for o, _ in _drops(c))]
            if gets and len(prior) < len(gets):
                continue  # a keep-alive get: one more put is owed
            if len(prior) < 2 and _stored_one_too(func, obj, p.line):
                continue  # the lookup's reference and a stored one: two puts owed
            if "unregister" in q.name and (gets or _named_lookups(func, obj, q.line)):
                continue  # the registration's reference and the lookup's
            yield p, f"{p.name}({short(obj, 20)}) after {hit[1]}"
            break


def _failed_consumer(func, q, p, obj: str) -> bool:
    """q consumes the reference even when it fails (the table: `consumed even on error`,
    `drm_sched_job_add_dependency()`: "@fence is consumed in both the success and error
    cases"), p sits in the branch that tests q's result, and the function puts the object
    nowhere else: the get before q was taken for q, not kept for the caller, so the put in
    the failure branch is the reference q already dropped."""
    row = kapi.get(q.name)
    if row is None or "even on error" not in row.ref_on or not _ownership.under_result_test(q, p.node):
        return False
    return not any(c is not p and c.line != p.line and _apis.is_putter(c.name)
                   and _apis.same_object(_apis.put_object(c.name, list(c.args)), obj) for c in func.calls())


def _on_failure_of(q, p) -> bool:
    """q consumes the reference only when it succeeds (the table says `consumed on success`)
    and p sits under a test of q's result (`if (fd < 0)`, `if (ret)`): q may have failed."""
    row = kapi.get(q.name)
    return row is not None and "on success" in row.ref_on and _ownership.under_result_test(q, p.node)


def _attach_and_creation(a: str, b: str) -> bool:
    """Do putters `a` and `b` drop two different references: one answers only getters (an extra
    reference taken on an existing object: `phy_detach()` answers phy_attach_direct(),
    phy_connect(), ...) and the other only inits (the reference the object was made with:
    `phy_device_free()` answers get_phy_device(), phy_device_create())?  xgbe-phy-v2.c
    xgbe_phy_free_phy_device() detaches, removes and frees: both are owed.  Not put_device(),
    which answers both kinds."""
    def kinds(putter: str) -> set:
        row = kapi.get(putter)
        if row is None or row.kind != "putter":
            return set()
        return {_kind(g) for g in row.release if re.fullmatch(r"\w+", g)} - {None}
    ka, kb = kinds(a), kinds(b)
    return (ka, kb) in (({"getter"}, {"init"}), ({"init"}, {"getter"}))


def iterator_owned(view, added, line_text) -> Iterator[tuple[object, str]]:
    """Added puts of a `for_each_*` loop variable inside the loop, on a path that goes round again."""
    iters = {r.name: r for r in kapi.iterators()}
    for p in added:
        obj = _apis.put_object(p.name, list(p.args))
        if not obj:
            continue
        for anc in cmodel.ancestors(p.node):
            if anc.type not in ("while_statement", "for_statement", "do_statement"):
                continue
            step = _head_drops(anc, obj)
            if step:
                if not _leaves_loop_after(p, anc):
                    yield p, (f"{p.name}({short(obj, 20)}) and the loop goes on: {step}() in the "
                              f"loop's head drops it at the next step")
                break
            if anc.type != "while_statement":
                continue
            head = line_text(flow.line_of(anc)) or ""
            m = re.search(r"\b(\w*for_each\w*)\s*\(", head)
            if not m or m.group(1) not in iters:
                break
            row = iters[m.group(1)]
            args = cmodel.split_args(clex.balanced(head, m.end())) if head.count("(") else ()
            k = row.ref_arg
            if k is None or k >= len(args) or not _apis.same_object(args[k], obj):
                break
            if _extra_get_in_body(view.new, anc, obj, p):
                break  # `info.of_node = of_node_get(node);` ... `of_node_put(node);`: that get's
            if "_scoped" in row.name:
                yield p, (f"{p.name}({short(obj, 20)}) in a {row.name}() loop: the cleanup "
                          f"attribute puts it too")
            elif not _leaves_loop_after(p, anc):
                yield p, (f"{p.name}({short(obj, 20)}) and the loop goes on: {row.name}() "
                          f"drops it again at the next step")
            break


def _extra_get_in_body(func, loop, obj: str, p) -> bool:
    """Does the loop body take a reference of its own on the cursor before the put `p`, on
    every path to it (a getter of the table on it: `info.of_node = of_node_get(node);` before
    a failed i2c_new_client_device(); drivers/i2c/busses/i2c-powermac.c)?  The put drops that
    one; the iterator's stays for its next step."""
    body = loop.child_by_field_name("body")
    if func is None or body is None:
        return False
    for c in func.calls():
        if c.line >= p.line or not cmodel.contains(body, c.node):
            continue
        row = kapi.get(c.name)
        if row is None or row.kind != "getter" or row.ref_arg is None or row.ref_arg >= len(c.args):
            continue
        if _apis.same_object(norm(c.args[row.ref_arg]), obj) and _runs_before(c, p):
            return True
    return False


def _head_drops(loop, obj: str) -> str | None:
    """The lookup in the head of a plain loop that drops its `@from`/`@prev` argument, given
    the put object: `while ((pdev = pci_get_device(v, d, pdev)))`, `for (np = ...; np;
    np = of_find_compatible_node(np, ...))` (the loop walks its cursor, as for_each_* does)."""
    head = " ".join(cmodel._text(n) for n in (loop.child_by_field_name(f) for f in ("condition", "update"))
                    if n is not None)
    return _put_paths.drops(head, obj)


def _leaves_loop_after(p, loop) -> bool:
    """After p, does every path leave the loop (break/return/goto) or re-take the variable?
    The statements of a `case` are siblings too, and a `break` there leaves only the switch:
    the walk goes on after it."""
    node = p.node
    while True:
        stmt = node
        while stmt.parent is not None and stmt.parent.type not in ("compound_statement", "case_statement") \
                and stmt.parent != loop:
            stmt = stmt.parent
        blk = stmt.parent
        if blk is None or blk == loop:
            return False
        sib = stmt.next_named_sibling
        after = None
        while sib is not None:
            t = cmodel._text(sib).strip()
            if re.match(r"^break\b", t) and _switch_within(blk, loop) is not None:
                after = _switch_within(blk, loop)
                break
            if re.match(r"^(break|return|goto)\b", t):
                return True
            if re.match(r"^continue\b", t):
                return False
            if not re.match(r"^(if|while|for|switch|do)\b", t) and re.search(
                    r"\b(of_node_get|fwnode_handle_get|pci_dev_get|get_device|no_free_ptr)\s*\(|[^=!<>]=[^=]", t):
                return True  # the variable is re-taken or reassigned: not ours to judge
            sib = sib.next_named_sibling
        if after is not None:
            node = after  # on after the switch the break leaves
            continue
        if blk.parent == loop:
            return False  # end of the loop body: round again
        node = blk


def _switch_within(node, loop):
    """The switch statement between `node` and `loop` that a `break` at `node` leaves, if any."""
    cur = node
    while cur is not None and cur != loop:
        if cur.type == "switch_statement":
            return cur
        if cur.type in ("for_statement", "while_statement", "do_statement"):
            return None
        cur = cur.parent
    return None


def _is_whole(obj: str, var: str) -> bool:
    """`obj` is `var` itself or its embedded device/kobject (`&var->dev`, `var->dev.kobj`)."""
    return re.fullmatch(r"%s((->|\.)(dev|kobj))*" % re.escape(var), norm(obj).lstrip("&")) is not None


def _param_text(header: str) -> list[str]:
    """The parameter declarations of a function header.  A hunk's section line is cut at 80
    characters (git's funcname context): its last, maybe cut, parameter is left out."""
    m = re.search(r"\w+\s*\((?P<a>[^()]*)\)\s*\{?\s*$", header.strip())
    if m:
        return m.group("a").split(",")
    m = re.search(r"\w+\s*\((?P<a>[^()]*)$", header.strip())
    return m.group("a").split(",")[:-1] if m else []


def _params(header: str) -> list[str]:
    out = []
    for a in _param_text(header):
        n = re.search(r"(\w+)\s*(\[\s*\])?\s*$", a.strip())
        if n and n.group(1) not in ("void",) and re.search(r"\*", a):
            out.append(n.group(1))
    return out


def _all_params(header: str) -> list[str]:
    """Every parameter name, in order (pointer or not)."""
    return [n.group(1) for a in _param_text(header) if (n := re.search(r"(\w+)\s*(\[\s*\])?\s*$", a.strip()))]


def borrowed(view, added, header: str, text: str = "") -> Iterator[tuple[object, str]]:
    """Added puts of the function's own parameter (or `to_*()`/`container_of()` of it) in a
    function that takes no reference on it.  `text`: the file (a teardown may drop what a
    set-up function of the file took and kept: `_kept_by_setup()`)."""
    func = view.new
    name = view.name or ""
    if not header or _CONSUMER_FN.search(name):
        return
    params = _params(header) + [c for c in [flow.cut_param(header, func.text)] if c]
    if not params:
        return
    borrowed_vars = {p: p for p in params}
    accessor: dict[str, str] = {}  # `rdev = to_rio_dev(dev)`: rdev -> to_rio_dev
    # The function is itself a table register call whose failure leaves the object to the
    # caller (`spi_register_controller()`: the caller puts the controller on error).
    own_row = kapi.get(name)
    own_ref_param = None
    if own_row is not None and own_row.kind == "register" and own_row.ref_on_failure \
            and own_row.ref_arg is not None and not own_row.devres:
        every = _all_params(header)
        own_ref_param = every[own_row.ref_arg] if own_row.ref_arg < len(every) else None
    for n in func._walk():
        if n.type == "init_declarator" or n.type == "assignment_expression":
            left = n.child_by_field_name("declarator") or n.child_by_field_name("left")
            right = n.child_by_field_name("value") or n.child_by_field_name("right")
            if left is None or right is None:
                continue
            lv = re.sub(r"^[\s*]+", "", cmodel._fold(cmodel._text(left)))
            m = _BORROW.match(cmodel._fold(cmodel._text(right)).replace("$", " "))
            if m and m.group("p") in params and re.fullmatch(r"\w+", lv):
                borrowed_vars[lv] = m.group("p")
                accessor.setdefault(lv, m.group(1))
    calls = func.calls()
    for p in added:
        if not _PLAIN_PUT.search(p.name) or p.name in ("module_put", "of_node_put", "fwnode_handle_put", "fput"):
            continue
        obj = _apis.put_object(p.name, list(p.args))
        if not obj:
            continue
        var = _base_var(obj)
        if var not in borrowed_vars or re.search(r"->\w+->|\.\w+->", norm(obj)):
            continue  # a member's own reference is not the parameter's
        if not _is_whole(obj, var):
            continue
        if _gets_of(func, obj, 10 ** 9) or _rewritten(func, var, 0, p.line) and var in params:
            continue
        if any(c.name in _apis.BY_GETTER and not _publishes_only(c.name)
               and any(_apis.same_object(a, obj) for a in c.args) for c in calls):
            continue
        if _taken_by_callee(func, obj, p.name):
            continue  # a helper of the code shown took it on the argument this function passed
        if _deleted_before(calls, obj, p, borrowed_vars):
            continue  # `cdev_device_del(&slave->cdev, &slave->dev); put_device(dev);`: an unregister
        owner = borrowed_vars[var]
        if _GIVES_UP.search(name) and (_kept_by_setup(func, text, obj, p.name, accessor.get(var))
                                       or _inverse_of_accessor(obj, var, owner)
                                       and _kept_by_setup(func, text, owner, p.name, None)):
            continue  # a bus remove() drops what its probe() took
        if owner == own_ref_param:
            yield p, (f"{p.name}({short(obj, 20)}) inside {name}(): when {name}() fails its caller "
                      f"still owns {owner} and drops it ({own_row.on_error.split(' (')[0]}), so this is a "
                      f"second put")
            continue
        if _callback_shape(header):
            conf = Confidence.MEDIUM
        elif var == owner and _typed_params(header).get(var) in _MODEL_DEVICES \
                and _GIVES_UP.search(name) is None and _success_exit_shown(view, p):
            # it returns success having dropped a reference it was handed: a helper that
            # consumes its caller's reference on failure does so on its error path only
            conf = Confidence.MEDIUM
        else:
            conf = Confidence.LOW
        yield p, (f"{p.name}({short(obj, 20)}) drops a reference {name}() never took: "
                  f"{owner} belongs to its caller"), conf


# The first half of an unregister (device_unregister() is device_del() then put_device()):
# the device argument's position.
_DEL_HALF = {"device_del": 0, "cdev_device_del": 1, "kobject_del": 0}


def _deleted_before(calls, obj: str, p, borrowed: dict[str, str]) -> bool:
    """fsi-core.c fsi_master_remove_slave(dev): `cdev_device_del(&slave->cdev, &slave->dev);
    put_device(dev);` with `slave = to_fsi_slave(dev)` (`borrowed`: local -> the parameter it was
    reached from): the function deletes the device it is handed, then drops the registration's
    reference: the two halves of an unregister, not a put of a reference it never took."""
    for c in calls:
        i = _DEL_HALF.get(c.name)
        if i is None or c.line > p.line or i >= len(c.args):
            continue
        a = norm(c.args[i])
        base = _apis.base_object(a)
        # the device itself, or the device of what an accessor reached from it (`&slave->dev`)
        if _apis.same_object(a, obj) or borrowed.get(base, base) == _apis.base_object(obj) != base \
                and re.fullmatch(r"&\w+->dev", a):
            return True
    return False


def _inverse_of_accessor(obj: str, var: str, param: str) -> bool:
    """`mdev = to_mcb_device(dev)`, then `put_device(&mdev->dev)`: the address of a member of
    what a container_of() accessor reached from the parameter, put by the putter of the
    parameter's own type, is the parameter again (the accessor's inverse), so a set-up's
    `get_device(dev)` counted that object (mcb-core.c mcb_probe()/mcb_remove())."""
    return var != param and re.fullmatch(r"&\s*%s\s*->\s*\w+" % re.escape(var), norm(obj)) is not None


def _taken_by_callee(func, obj: str, putter: str) -> bool:
    """Does `func` pass `obj` to another function of the code shown that takes a reference on
    that parameter with a getter `putter` answers (`adapter = foo_adapter_init(netdev, pdev)`,
    whose body keeps `adapter->pdev = pci_dev_get(pdev)`)?  The helper took the reference for
    its caller, which then owns the put (et131x.c of 6.12, et131x_pci_setup()'s unwind)."""
    def answers(getter: str) -> bool:
        api = _apis.BY_GETTER.get(getter)
        return api is not None and putter in api.putters
    sibs = {s.name: s for s in cmodel.siblings_of(func) if s.name != func.name}
    for c in func.calls():
        sib = sibs.get(c.name)
        if sib is None:
            continue
        params = _all_params(" ".join(sib.text.split("{", 1)[0].split()))
        for i, a in enumerate(c.args):
            if i < len(params) and _apis.same_object(a, obj) and any(
                    answers(g.name) and any(_apis.base_object(x) == params[i] for x in g.args)
                    for g in sib.calls()):
                return True
    return False


def _kept_by_setup(func, text: str, obj: str, putter: str, accessor: str | None) -> bool:
    """Does another function of the file take a reference, with a getter `putter` answers, on
    the same object: on the same parameter expression (`get_device(dev)` in a bus probe:
    ntb_transport.c ntb_transport_bus_probe()/_remove()), or on what it reaches through the
    same accessor of its own parameter (`rdev = to_rio_dev(dev); rio_dev_get(rdev)`:
    rio_device_probe()/_remove())?  The pair of callbacks of one object: a teardown drops what
    its set-up took and kept."""
    def answers(getter: str) -> bool:
        api = _apis.BY_GETTER.get(getter)
        return api is not None and putter in api.putters
    if text and obj:
        own = func.text if func is not None else ""
        for m in re.finditer(r"\b(\w+)\s*\(\s*%s\s*\)" % re.escape(obj).replace("\\&", "&\\s*"), text):
            if answers(m.group(1)) and text[m.start():m.end()] not in own:
                return True
    if not accessor:
        return False
    for sib in cmodel.siblings_of(func):
        if sib.name == func.name:
            continue
        bound = {a.left for a in sib.assignments()
                 if re.fullmatch(r"\w+", a.left) and re.match(r"^\(?\s*%s\s*\(" % re.escape(accessor), a.right)}
        if bound and any(answers(c.name) and any(_apis.base_object(a) in bound for a in c.args) for c in sib.calls()):
            return True
    return False


# Names of functions whose job may be to give up what they are handed, beyond `_CONSUMER_FN`
# (a bus `remove()` drops what its `probe()` took; `*_unlink_device()`, `*_close()`, ...).
_GIVES_UP = lazyre.compile(r"(remove|unlink|uninit|deinit|close|stop|shutdown|disable|unprepare|unmap|"
                           r"(^|_)next(_|$))", re.I)
# The driver model's devices, which the core hands down borrowed (its own parameter, not one
# derived through an accessor: a work item or a `*_from_*()` result may carry a reference
# handed over with it).
_MODEL_DEVICES = ("device", "platform_device", "i2c_client", "spi_device", "pci_dev", "usb_interface")


# Helpers whose contract may be to consume their caller's reference when they fail (a
# register or add helper): a `return ret;` after their put may be that failure.
_MAY_CONSUME = lazyre.compile(r"(register|(^|_)add(_|$)|attach|create|(^|_)new(_|$)|alloc|populate)", re.I)


def _indent(text: str) -> int:
    return len(text.expandtabs(8)) - len(text.expandtabs(8).lstrip())


def _success_exit_shown(view, p) -> bool:
    """p is on a path that ends in a success exit (`return 0;`, `return;`, the function's end),
    and, in hunk mode, the hunk shows that path up to the exit (no unseen line between)."""
    if not _on_success_path(p) and (_MAY_CONSUME.search(view.name or "") or not _falls_to_final_return(view, p)):
        return False
    if _bare_return_in_branch(p):
        return False  # `if (!base) { pr_err(...); put; return; }`: a void function's failure exit
    if not view.partial:
        return True
    ln = view.by_new.get(p.line)
    if ln is None:
        return False
    ind = _indent(ln.text)
    n = p.line + 1
    while n in view.by_new:
        t = view.by_new[n].text
        if t.rstrip() == "}" and not t[:1].isspace():
            return True  # the function's closing brace
        if re.match(r"\s*return\b", t) and _indent(t) <= ind:
            return True
        n += 1
    return False


def _bare_return_in_branch(p) -> bool:
    """p sits in an `if` branch whose next exit is a bare `return;`."""
    if not any(a.type == "if_statement" for a in cmodel.ancestors(p.node)):
        return False
    st = _stmt_in_block(p.node)
    sib = st.next_named_sibling if st is not None else None
    while sib is not None:
        inner = _unlabel_node(sib)
        if inner.type == "return_statement":
            return cmodel._fold(cmodel._text(inner)).strip(" ;") == "return"
        sib = sib.next_named_sibling
    return False


def _falls_to_final_return(view, p) -> bool:
    """p is a top-level statement the main flow falls into (not only an unwind label's
    gotos) and the next exit is a `return <variable>;` (`return ret;`): it runs on the
    success path too."""
    st = _stmt_in_block(p.node)
    if st is None or st.type == "labeled_statement":
        return False
    blk = st.parent
    if view.partial:
        ln = view.by_new.get(p.line)
        if ln is None or _indent(ln.text) != 8:
            return False  # a hunk's fragment does not say where the function's body is
    elif blk.parent is None or blk.parent.type != "function_definition":
        return False
    prev = st.prev_named_sibling
    while prev is not None:
        if view.partial and _unseen_between(view, flow.line_of(prev), p.line):
            return False
        inner = _unlabel_node(prev)
        if inner.type in ("return_statement", "goto_statement"):
            return False  # only the gotos to a label below reach p
        if prev.type != "labeled_statement":
            break
        prev = prev.prev_named_sibling
    if prev is None and view.partial:
        return False
    sib = st.next_named_sibling
    while sib is not None:
        inner = _unlabel_node(sib)
        if inner.type == "return_statement":
            val = cmodel._fold(cmodel._text(inner))[len("return"):].strip(" ;")
            return re.fullmatch(r"\w+", val) is not None and val not in ("NULL", "false") and not val.startswith("E")
        if inner.type in ("goto_statement", "break_statement", "continue_statement"):
            return False
        sib = sib.next_named_sibling
    return False


# The node member of a parsed phandle specifier: a function given `struct of_phandle_args *`
# (an `of_xlate()` callback, an `irq_domain` or DMA translation) reads what its caller parsed;
# the caller puts `args->np` after the call (`_of_phy_get()`, `of_dma_request_slave_channel()`,
# `reset_control_get()` paths of 6.12).
_SPEC_NODE = {"of_phandle_args": "np", "fwnode_reference_args": "fwnode"}
_NODE_TYPES = {"of_node_put": "device_node", "fwnode_handle_put": "fwnode_handle"}


def _typed_params(header: str) -> dict[str, str]:
    """Parameter name -> struct type of the `struct T *name` parameters of a header."""
    out = {}
    for a in _param_text(header):
        m = re.search(r"\bstruct\s+(\w+)\s*\*\s*(?:const\s+)?(\w+)\s*$", a.strip())
        if m:
            out[m.group(2)] = m.group(1)
    return out


def _cut_typed_param(header: str, text: str) -> dict[str, str]:
    """The last parameter of a section line git cut at 80 characters
    (`foo_xlate(const struct of_phandle_args *spe`): its type, and its name as the code names it."""
    m = re.search(r"\bstruct\s+(\w+)\s*\*\s*\w*$", (header or "").rstrip())
    name = flow.cut_param(header, text) if m else None
    return {name: m.group(1)} if name else {}


def given_node(view, added, header: str) -> Iterator[tuple[object, str]]:
    """Added `of_node_put()`/`fwnode_handle_put()` of a node the function is handed: its own
    `struct device_node *`/`struct fwnode_handle *` parameter, or the node of a
    `struct of_phandle_args *`/`struct fwnode_reference_args *` parameter, when the function
    takes no reference on it and never reassigns it.  The caller holds that reference (its
    `for_each_child_of_node()` drops it at the next step, its `of_parse_phandle_with_args()`
    result is put after the call).  Medium confidence when the put is on a success path the
    view shows to its exit; on an error path only a question (some helpers consume their
    caller's reference on failure)."""
    func = view.new
    name = view.name or ""
    if not header or _CONSUMER_FN.search(name) or _GIVES_UP.search(name):
        return
    own = kapi.get(name)
    if own is not None and (own.drops_arg is not None or own.kind == "putter"):
        return  # `of_find_node_by_name(from, ...)`: dropping its argument is its contract
    typed = {**_typed_params(header), **_cut_typed_param(header, func.text)}
    xlate = _XLATE.search(name) is not None
    if not typed and not xlate:
        return
    calls = func.calls()
    for p in added:
        want = _NODE_TYPES.get(p.name)
        obj = _apis.put_object(p.name, list(p.args)) if want else None
        m = re.fullmatch(r"(\w+)(?:->(\w+))?", norm(obj or ""))
        if m is None:
            continue
        var, member = m.groups()
        ty = typed.get(var)
        if member is None and ty == want:
            what = f"{var} is its caller's"
        elif member is not None and _SPEC_NODE.get(ty) == member:
            what = f"the caller parsed {var} and puts {var}->{member} after the call"
        elif member == "np" and ty is None and xlate and not _declared(func, var):
            # the rest of the header is out of sight: an `*_xlate()` callback is handed the
            # specifier its caller parsed (`of_xlate(..., const struct of_phandle_args *args)`)
            what = f"an {name}() callback is handed {var} by its caller, which puts {var}->np"
        else:
            continue
        if _rewritten(func, obj, 0, 10 ** 9) or (member and _fills(calls, var)):
            continue  # reassigned (`args->np = of_parse_phandle(...)`): a node of its own
        if _gets_of(func, obj, 10 ** 9) or any(c is not p and (_drops_arg_of(c, obj) or _gets_arg(c, obj))
                                               for c in calls):
            continue  # a reference of its own, or a lookup it hands the node to
        params = _ownership._params(func)
        if member is None and var in params and _ownership.consumed_from_callers(func, params.index(var), (p.name,)):
            continue  # the file's callers hand it a reference of theirs to drop
        conf = Confidence.MEDIUM if _success_exit_shown(view, p) else Confidence.LOW
        yield p, (f"{p.name}({short(obj, 20)}) drops a reference {name}() never took: {what}"), conf


_XLATE = lazyre.compile(r"(^|_)(of_)?xlate(_|$)")


def _declared(func, var: str) -> bool:
    """`var` is declared or assigned in the function as shown (a local, not a parameter)."""
    return re.search(r"(?<![\w>.])%s\s*(=[^=]|;|\[)" % re.escape(var), func.text) is not None \
        or re.search(r"\bstruct\s+\w+\s*\*?\s*%s\b" % re.escape(var), func.text) is not None


_PARSES = lazyre.compile(r"(parse|phandle|(^|_)get(_|$)|find|lookup|xlate)")


def _fills(calls, var: str) -> bool:
    """`var` (a specifier pointer) is handed whole to a parse or lookup call, which fills it
    (`of_parse_phandle_with_args(np, ..., index, args)` sets args->np with a reference)."""
    return any(_PARSES.search(c.name) and any(norm(a) == var for a in c.args) for c in calls)


def _gets_arg(c, obj: str) -> bool:
    """`of_node_get(obj)` (also as `x->np = of_node_get(obj)`): a getter of the table on it."""
    row = kapi.get(c.name)
    return row is not None and row.kind == "getter" and any(
        i < len(c.args) and norm(c.args[i]).lstrip("&") == obj for i in (row.ref_args or (0,)))


def _drops_arg_of(c, obj: str) -> bool:
    row = kapi.get(c.name)
    return row is not None and row.drops_arg is not None and row.drops_arg < len(c.args) \
        and norm(c.args[row.drops_arg]) == obj


# Signatures of driver-core callbacks: the core (or the iterator that calls them) holds the
# device for the whole call and keeps using it afterwards, so the callee has no reference of
# its own to drop: PM ops and probe/remove (`(struct device *)`, `(struct platform_device *)`,
# `(struct i2c_client *)`), bus/class iterators and match functions (`(struct device *, void *)`),
# sysfs show/store (`(struct device *, struct device_attribute *, ...)`).
# A lone device parameter is a callback only when the name says which one (a helper
# `foo_port_register(struct platform_device *pdev)` has the same signature).
_DEV = r"\(\s*(const\s+)?struct\s+(device|platform_device|i2c_client|spi_device|pci_dev|usb_interface)\s*\*\s*\w+\s*"
_CALLBACK_SIG = lazyre.compile(
    _DEV + r"(,\s*(const\s+)?void\s*\*\s*\w+\s*\)|,\s*struct\s+device_attribute\s*\*|"
    r",\s*(const\s+)?struct\s+device_driver\s*\*\s*\w+\s*\)|,\s*struct\s+kobj_uevent_env\s*\*|"
    r",\s*const\s+struct\s+(pci|i2c|spi|usb)_device_id\s*\*\s*\w+\s*\))")
_LONE_DEV_CALLBACK = lazyre.compile(
    r"(probe|remove|shutdown|suspend|resume|freeze|thaw|poweroff|restore|prepare|"
    r"runtime_\w+|_noirq|_late|_early)\s*" + _DEV + r"\)")


# a device's node set by the file from a lookup or a local, not copied from another device's field
_SETS_NODE = lazyre.compile(r"(?:->|\.)dev\.(?:of_node|fwnode)\s*=\s*(?!NULL\b|dev_of_node\b|dev_fwnode\b)"
                            r"(?![\w>.\-]+(?:->|\.)(?:of_node|fwnode)\s*;)\w+")


def _callback_shape(header: str) -> bool:
    h = header or ""
    return _CALLBACK_SIG.search(h) is not None or _LONE_DEV_CALLBACK.search(h) is not None


def put_while_published(view, added) -> Iterator[tuple[object, str]]:
    """Added puts, on the success path, of a reference taken here after the pointer was handed to
    someone who keeps it (an IRQ's dev_id, drvdata, a list, a structure member)."""
    func = view.new
    calls = func.calls()
    stores = [st for st in _member_stores(func) if not _stack_value(func, st[1])]
    for p in added:
        obj = _apis.put_object(p.name, list(p.args))
        if not obj or not _PLAIN_PUT.search(p.name) or p.name == "module_put":
            continue
        var = _base_var(obj)
        if not _is_whole(obj, var):
            continue  # a member's own reference (`&x->client->dev`) is not x's
        gets = _gets_of(func, obj, p.line)
        node_put = p.name in ("of_node_put", "fwnode_handle_put")
        if node_put and not gets:
            continue  # a node nobody looked up here is borrowed: nothing to say
        if not _on_success_path(p):
            continue  # an error path: the holder goes away too
        published = [(q.line, q.name + "()", q.node) for q in calls
                     if q.line < p.line and not node_put and (a := _published_arg(q)) is not None and _is_whole(a, var)]
        published += [(ln, f"the store into {lhs}", node) for ln, lhs, rhs, node in stores
                      if ln < p.line and _is_whole(rhs, var) and (gets or not node_put)]
        for line, what, node in sorted(published, key=lambda t: t[0]):
            if not (_runs_before_node(node, p) or _stored_each_pass(node, var, p)) \
                    or _rewritten(func, var, line, p.line):
                continue
            if any(line < g.call.line < p.line for g in gets):
                continue
            if _holder_took_ref(calls, var, what, line, p.line):
                continue
            if _holder_inside(calls, var, what, func):
                continue
            if gets and not any(g.call.line < line for g in gets):
                continue  # stored before this code took its reference: not the one kept
            yield p, f"{p.name}({short(obj, 20)}) while {what} still holds the pointer"
            break


def put_before_named_label(view, added) -> Iterator[tuple[object, str]]:
    """Hunk mode: an added put right before `goto L`, L out of sight and named for a put of that
    very object (`put_device(codec_dev); goto err_put_codec;`): the unwind puts it again."""
    if not view.partial:
        return  # tree mode sees the label's code (ladder_twice)
    func = view.new
    labels = set(func.labels())
    for p in added:
        obj = _apis.put_object(p.name, list(p.args))
        st = _stmt_in_block(p.node) if obj and p.name != "kfree" else None
        sib = st.next_named_sibling if st is not None else None
        if sib is None or sib.type != "goto_statement":
            continue
        label = cmodel._text(sib).split()[1].rstrip(";") if len(cmodel._text(sib).split()) > 1 else ""
        if label and label not in labels and _put_paths.label_puts_object(label, obj) \
                and not _extra_ref(func, obj, p.line):
            yield p, f"{p.name}({short(obj, 20)}) right before goto {label}, whose unwind puts it again"


def put_after_register(view, added) -> Iterator[tuple[object, str]]:
    """Added plain puts, on the success path, of an object a registration of the table
    (`device_add()`, `platform_device_add()`, `kobject_init_and_add()`,
    `i2c_new_client_device()`) took earlier on the same path: once it succeeded, the
    registration owns that reference and its release (`device_unregister()`, ...) drops it;
    the put leaves a registered object whose reference is gone (freed under its users, and
    put again at unregistration)."""
    func = view.new
    calls = func.calls()
    lhs = {a.line: a.left for a in func.assignments()}
    for p in added:
        obj = _apis.put_object(p.name, list(p.args))
        if not obj or not _PLAIN_PUT.search(p.name) or _family(p.name) not in ("device", "kobject"):
            continue
        if not _on_success_path(p):
            continue
        for q in sorted((c for c in calls if c.line < p.line), key=lambda c: -c.line):
            row = kapi.get(q.name)
            if row is None or row.kind != "register" or row.family != _family(p.name):
                continue
            target = q.args[0] if row.ref_on == "arg1" and q.args else (
                lhs.get(q.line) if row.ref_on == "return" else None)
            if not target or not (_apis.same_object(target, obj) or _is_whole(obj, norm(target).lstrip("&"))):
                continue
            var = _base_var(obj)
            if not _runs_before(q, p) or _rewritten(func, var, q.line, p.line) or _unseen_between(view, q.line, p.line):
                break
            if _tests_result(p, q, lhs.get(q.line)):
                break  # the put is in the failure branch of the registration: its on_error
            if any(_kind(g.call.name) == "getter" for g in _gets_of(func, obj, p.line)):
                break  # an extra reference of this function's own: the put may be its
            if any(q.line < c.line < p.line and (c.name.endswith("_del") or "unregister" in c.name) for c in calls):
                break  # deleted in between: the put ends the registration
            release = row.release[0] if row.release else "its unregistration"
            yield p, (f"{p.name}({short(obj, 20)}) after {q.name}() succeeded: the registration holds "
                      f"that reference until {release.replace('+', '() + ')}()")
            break


def _tests_result(p, q, res: str | None) -> bool:
    """Is put `p` inside a branch whose condition tests call `q` or the variable its result went
    into (`if (ret) { put(x); ... }`, `if (device_add(d) < 0) { ... }`)?"""
    for anc in cmodel.ancestors(p.node):
        if anc.type != "if_statement":
            continue
        cond = anc.child_by_field_name("condition")
        if cond is None:
            continue
        if cmodel.contains(cond, q.node) or (res and re.search(r"(?<![\w>.])%s\b" % re.escape(res),
                                                                cmodel._text(cond))):
            return True
    return False


def _holder_took_ref(calls, var: str, what: str, after: int, before: int) -> bool:
    """Between the hand-off and the put, a getter of the table took a reference of its own on
    the object, named by the variable or by the member it was stored into (`device_link_add(
    data->dev, dev, ...)`: the link holds its consumer and its supplier until it is deleted):
    the holder keeps the object alive, the put drops this code's reference only."""
    lhs = what[len("the store into "):] if what.startswith("the store into ") else None
    for q in calls:
        if not after < q.line < before:
            continue
        row = kapi.get(q.name)
        if row is None or row.kind != "getter":
            continue
        for i in row.ref_args:
            if i < len(q.args) and (_is_whole(q.args[i], var) or (lhs and norm(q.args[i]) == norm(lhs))):
                return True
    return False


# Accessors of the private area allocated in one piece with the object (spi.c
# __spi_alloc_controller(): kzalloc(size + ctlr_size) and set_devdata(ctlr + ctlr_size);
# netdev_priv(), iio_priv()): memory that goes when the object goes.
_PRIV_AREA = lazyre.compile(r"^(\w+_priv|spi_(controller|master|target|slave)_get_devdata)$")


def _holder_inside(calls, var: str, what: str, func=None) -> bool:
    """The store is into the object's own private area (`ctx = spi_controller_get_devdata(ctlr);
    ctx->dev = &ctlr->dev;`): the holder is freed with the object, never outlives it."""
    if not what.startswith("the store into "):
        return False
    holder = _base_var(what[len("the store into "):])
    return any(q.lhs and norm(q.lhs) == holder and _PRIV_AREA.match(q.name) and q.args
               and _base_var(q.args[0]) == var for q in calls) or _linked_into(func, calls, var, holder)


_LIST_ADD = lazyre.compile(r"^(?:h|ll)?list_add(?:_tail)?(?:_rcu)?$")


def _linked_into(func, calls, var: str, holder: str) -> bool:
    """The holder is linked into a list of the object itself (`list_add_tail(&entry->node,
    &syncobj->ev_fd_list)`, here or in a function of the file given both: drm_syncobj.c
    drm_syncobj_add_eventfd(syncobj, entry)): the pointer is a back-pointer of an entry the
    object owns, which goes before the object does."""
    def links(cs, h: str, o: str) -> bool:
        return any(_LIST_ADD.match(c.name) and len(c.args) >= 2 and _base_var(norm(c.args[0]).lstrip("&")) == h
                   and _base_var(norm(c.args[1]).lstrip("&")) == o for c in cs)
    if func is None:
        return False
    if links(calls, holder, var):
        return True
    funcs = {f.name: f for f in cmodel.siblings_of(func) if f.name != func.name}
    for q in calls:
        helper = funcs.get(q.name)
        if helper is None:
            continue
        params = _ownership._params(helper)
        args = [_base_var(norm(a).lstrip("&")) for a in q.args]
        if holder in args and var in args and args.index(holder) < len(params) and args.index(var) < len(params) \
                and links(helper.calls(), params[args.index(holder)], params[args.index(var)]):
            return True
    return False


def _member_stores(func) -> list[tuple[int, str, str, object]]:
    """`a->b = v;` / `a.b = v;` / `*p = v;`: (line, lhs, rhs, node) of stores a pointer outlives."""
    out = []
    for n in func._walk():
        if n.type != "assignment_expression":
            continue
        left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
        if left is None or right is None:
            continue
        lhs = cmodel._fold(cmodel._text(left))
        if "->" in lhs or "." in lhs or lhs.startswith("*"):
            out.append((flow.line_of(n), lhs, cmodel._fold(cmodel._text(right)), n))
    return out


_LOOPS = ("for_statement", "while_statement", "do_statement")


def _null_skip(st, var: str) -> bool:
    """`if (!var) continue;` (or `== NULL`): the pass ends with `var` NULL."""
    if st.type != "if_statement" or st.child_by_field_name("alternative") is not None:
        return False
    cond = norm(cmodel._text(st.child_by_field_name("condition") or st)).strip("() ")
    body = norm(cmodel._text(st.child_by_field_name("consequence") or st)).strip("{}; ")
    return body == "continue" and cond in ("!" + var, var + "==NULL", var + " == NULL", "NULL==" + var)


def _stored_each_pass(node, var: str, p) -> bool:
    """The store `x->m = var` sits in a loop the put follows, and every pass of that loop that
    leaves `var` non-NULL stores it: the body sets `var`, may skip the pass only when it is
    NULL (`if (!np) continue;`), then stores it, and nothing leaves the loop in between.  After
    the loop `var` is NULL or the pointer the structure keeps (a lookup per child, kept in an
    array: `rdata->reg_node = reg_np;`), so a put of it there drops the kept reference."""
    blk = _block_of(node)
    loop = blk.parent if blk is not None else None
    if loop is None or loop.type not in _LOOPS or cmodel.contains(loop, p.node) or not _runs_before_node(loop, p):
        return False
    stmts = list(blk.named_children)
    at = next((i for i, c in enumerate(stmts) if cmodel.contains(c, node)), None)
    if at is None or stmts[at].type != "expression_statement":
        return False
    setter = next((i for i in range(at - 1, -1, -1) if stmts[i].type in ("expression_statement", "declaration")
                   and re.search(r"(?<![\w>.])%s\s*=[^=]" % re.escape(var), cmodel._text(stmts[i]))), None)
    if setter is None:
        return False
    for st in stmts[setter + 1:at]:
        if _null_skip(st, var):
            continue
        txt = cmodel._text(st)
        if re.search(r"\b(continue|break|goto|return)\b", txt) or re.search(
                r"(?<![\w>.])%s\s*=[^=]" % re.escape(var), txt):
            return False
    return not any(re.search(r"(?<![\w>.])%s\s*=[^=]" % re.escape(var), cmodel._text(st))
                   for st in stmts[at + 1:])


def _stack_value(func, lhs: str) -> bool:
    """`cap.fwnode = x` into a structure the function declares by value: it dies with the
    function, so it keeps nothing (a register call given `&cap` copies what it needs)."""
    m = re.match(r"^(\w+)\.", lhs)
    return m is not None and m.group(1) in _ownership._locals(func)


def _runs_before_node(node, p) -> bool:
    class _C:  # `_runs_before` reads `.node`
        pass
    q = _C()
    q.node = node
    return _runs_before(q, p)


_ERR_VALUE = lazyre.compile(r"^(-\w+|ret|err|error|rc|status|res|result|PTR_ERR\b.*|ERR_PTR\b.*|NULL|false|"
                        r"dev_err_probe\b.*)$")


def _on_success_path(p) -> bool:
    """After p, does the code reach a success exit (`return 0;`, `return;`, the end of the
    function), not an error return or an unwind `goto`?"""
    node = p.node
    while True:
        stmt = node
        while stmt.parent is not None and stmt.parent.type != "compound_statement":
            stmt = stmt.parent
        blk = stmt.parent
        if blk is None:
            return True
        sib = stmt.next_named_sibling
        while sib is not None:
            inner = _unlabel_node(sib)
            if inner.type == "return_statement":
                val = cmodel._fold(cmodel._text(inner))[len("return"):].strip(" ;")
                return not _ERR_VALUE.match(val) and not (val in ("0", "false") and _returns_true_on_success(blk))
            if inner.type == "goto_statement":
                return False
            if inner.type in ("break_statement", "continue_statement"):
                return False
            sib = sib.next_named_sibling
        if blk.parent is None or blk.parent.type == "function_definition":
            return True
        node = blk


def _returns_true_on_success(node) -> bool:
    """Does the function holding `node` end with `return 1;` / `return true;` (rtl8150's
    alloc_all_urbs()): then its `return 0;` is the failure."""
    fn = node
    while fn is not None and fn.type != "function_definition":
        fn = fn.parent
    body = fn.child_by_field_name("body") if fn is not None else None
    kids = [k for k in body.named_children if k.type != "comment"] if body is not None else []
    if not kids or kids[-1].type != "return_statement":
        return False
    return cmodel._fold(cmodel._text(kids[-1]))[len("return"):].strip(" ;()") in ("1", "true")


def _stmt_in_block(node):
    """The statement holding `node` whose parent is a compound statement (or None)."""
    s = node
    while s.parent is not None and s.parent.type != "compound_statement":
        s = s.parent
    return s if s.parent is not None else None


def _distinct_counters(a: str, b: str) -> bool:
    """`&nvmem->dev` and `&nvmem->refcnt`: two members of one object that each carry a count
    (the device's kobject and a kref of its own, drivers/nvmem/core.c __nvmem_device_put()).
    The balance rules name both by the object; one put of each is no second put."""
    base = _apis.base_object(a)
    if not base or base != _apis.base_object(b):
        return False
    def first(e: str) -> str:
        rest = norm(e).lstrip("&")[len(base):]
        m = re.match(r"^(?:->|\.)(\w+)", rest)
        return m.group(1) if m else ""
    fa, fb = first(a), first(b)
    return bool(fa) and bool(fb) and fa != fb


def _other_counter(node, obj: str) -> bool:
    """Every put of `obj` in the statement `node` drops another counter of it (`_distinct_counters`)."""
    puts = [c for c in flow.calls_in(node) if _apis.is_putter(c.name)
            and _apis.same_object(_apis.put_object(c.name, list(c.args)), obj)]
    return bool(puts) and all(_distinct_counters(_apis.put_object(c.name, list(c.args)) or "", obj) for c in puts)


def _puts_obj(node, obj: str, like=None) -> bool:
    """Does the statement `node` put `obj`?  With `like` (a put call), not by a call that drops
    another reference on it (`_other_refs()`)."""
    return node.type == "expression_statement" and any(
        _apis.is_putter(c.name) and _apis.same_object(_apis.put_object(c.name, list(c.args)), obj)
        and not (like is not None and _other_refs(c, like))
        for c in flow.calls_in(node))


def _other_refs(a, b) -> bool:
    """Two puts of one object that drop two references: two putters of which one answers an
    attach and the other the creation (`_attach_and_creation()`), or two calls of one putter
    whose other arguments differ.  A put that takes a resource beside the object drops the reference that
    resource held (`ccw_device_dma_free(cdev, buf, size)` puts the cdev reference
    ccw_device_dma_zalloc() took for `buf`): one per resource, not one per object."""
    if a.name != b.name:
        return _attach_and_creation(a.name, b.name)
    if len(a.args) < 2 or len(a.args) != len(b.args):
        return False
    row = kapi.get(a.name)
    k = row.ref_arg if row is not None and row.ref_arg is not None else 0
    return any(norm(x) != norm(y) for i, (x, y) in enumerate(zip(a.args, b.args)) if i != k)


def _touches(node, var: str) -> bool:
    """An assignment to `var` or a new reference on it (the ladder no longer sees the same ref)."""
    t = cmodel._fold(cmodel._text(node))
    return re.search(r"(?<![\w>.])%s\s*=[^=]" % re.escape(var), t) is not None or (
        _apis.has_getter_call(t) and re.search(r"\b%s\b" % re.escape(var), t) is not None)


def _leaves_a_release(name: str) -> bool:
    """A putter of the table that undoes a registration and leaves the last reference to
    another release (`mdiobus_unregister()`: device_del() only, "memory still needs
    mdiobus_free"): the put after it is its pair, not a second put."""
    row = kapi.get(name)
    return row is not None and any("still" in r for r in row.release)


def _under_holder_test(p, obj: str) -> bool:
    """Does the put sit under a test that a structure's member holds the object
    (`if (qp->cep == cep) { siw_cep_put(cep); qp->cep = NULL; }`, siw_cm.c siw_accept())?  It
    drops the reference the member took when it was stored, which the test says is there:
    another reference than the one a put before the goto dropped."""
    bare = norm(obj).lstrip("&")
    o = re.escape(bare)
    holder = r"[\w>.\-\[\]]*(?:->|\.)\w+"
    # (compiled only for a condition that names the object and tests equality)
    pat = lazyre.gated(r"^\(\s*(?:%s\s*==\s*&?%s|&?%s\s*==\s*%s)\s*\)$" % (holder, o, o, holder), 0, (bare, "=="))
    n = p.node
    while n is not None and n.type != "function_definition":
        par = n.parent
        if par is not None and par.type == "if_statement" and n == par.child_by_field_name("consequence") \
                and pat.match(cmodel._fold(cmodel._text(par.child_by_field_name("condition")))):
            return True
        n = par
    return False


def ladder_twice(view, added) -> Iterator[tuple[object, str]]:
    """An added put on a path whose unwind ladder puts the same reference again: the put is
    followed by a `goto` to a label chain that puts it, or it sits in a label chain that a
    `goto` reaches after already putting it."""
    func = view.new
    labels = func.labels()
    chains = {name: func.label_path(name) for name in labels}
    for p in added:
        obj = _apis.put_object(p.name, list(p.args))
        if not obj or p.name == "kfree" or _leaves_a_release(p.name):
            continue
        var = _base_var(obj)
        st = _stmt_in_block(p.node)
        if st is None:
            continue
        # (a) put, then (straight on, through any labels) a put of it again, or a goto to a
        # label whose chain puts it again
        sib = st.next_named_sibling
        while sib is not None:
            inner = _unlabel_node(sib)
            if _unseen_between(view, p.line, flow.line_of(sib)):
                break  # lines the hunks do not show lie between: they may return or branch
            if _puts_obj(inner, obj, p) and not _other_counter(inner, obj) and not _extra_ref(func, obj, p.line) \
                    and not _undoes_named_step(func, st, obj, p) \
                    and not (
                    "unregister" in p.name and (_named_lookups(func, obj, p.line) or _table_lookup(func, obj, p.line))) \
                    and not _stored_one_too(func, obj, flow.line_of(inner)):
                again = flow.line_of(inner)
                where = "" if sib.type != "labeled_statement" else " (the unwind path falls through to it)"
                yield p, f"{p.name}({short(obj, 20)}) and line {again} puts it again{where}"
                break
            if inner.type == "goto_statement":
                lab = cmodel._text(inner.child_by_field_name("label"))
                chain = chains.get(lab) or []
                if any(_puts_obj(_unlabel_node(s), obj, p) for s in chain) and not any(
                        _touches(_unlabel_node(s), var) for s in chain[:_first_put(chain, obj)]) \
                        and len(_gets_of(func, obj, p.line)) < 2:  # kref_init() + kref_get(): two owed
                    yield p, f"{p.name}({short(obj, 20)}) and then goto {lab}, which puts it again"
                break
            if inner.type in ("return_statement", "break_statement", "continue_statement") or _touches(inner, var):
                break
            sib = sib.next_named_sibling
        # (b) put in a label chain that a goto reaches after already putting it (not an element
        # of an array a loop of the chain walks by another index: `while (--idx >= 0)
        # put(devs[idx]);` starts below the element the goto put)
        if _other_element_in_loop(p, obj):
            continue
        if _under_holder_test(p, obj):
            continue  # `if (qp->cep == cep) { put(cep); qp->cep = NULL; }`: the member's reference
        for name, chain in chains.items():
            if not any(cmodel.contains(s, st) for s in chain):
                continue
            if any(_touches(_unlabel_node(s), var) for s in chain if s.end_byte <= st.start_byte):
                continue
            lead = func.node.text[chain[0].start_byte - func.node.start_byte:st.start_byte - func.node.start_byte] \
                if chain and func.node is not None else b""
            if re.search(rb"(?<![\w>.])%s\s*=[^=]|&\s*%s\b" % (re.escape(var.encode()), re.escape(var.encode())), lead):
                continue  # set again (or filled in through &var) inside the block before the put
            for j in func.jumps():
                if j.kind != "goto" or j.label != name:
                    continue
                g = _stmt_in_block(j.node)
                prev = g.prev_named_sibling if g is not None else None
                while prev is not None and not _touches(_unlabel_node(prev), var) \
                        and not _unseen_between(view, flow.line_of(prev), j.line):
                    if _puts_obj(_unlabel_node(prev), obj, p) and len(_gets_of(func, obj, flow.line_of(prev))) < 2:
                        yield p, (f"{p.name}({short(obj, 20)}) in the {name} unwind path: the goto at "
                                  f"line {j.line} already put it")
                        break
                    # control reaches the goto from a label, and never past a jump: what comes
                    # before either is not on its path (vchiq's `return 1; fail_open: ...`)
                    stop = prev.type == "labeled_statement" or _unlabel_node(prev).type in (
                        "return_statement", "goto_statement", "break_statement", "continue_statement")
                    prev = None if stop else prev.prev_named_sibling
                else:
                    continue
                break
            else:
                continue
            break


def _unseen_between(view, a: int, b: int) -> bool:
    """Hunk mode: do lines the hunks do not show lie between new lines a and b?  What is
    there may return, branch or take a new reference, so no straight path is known."""
    return view.partial and any(n not in view.by_new for n in range(a + 1, b))


def _other_element_in_loop(p, obj: str) -> bool:
    """Is `obj` an array element (`devs[idx]`) and the put inside a loop whose header steps
    that index: each round puts another element (cc770_isa.c `while (--idx >= 0)`)."""
    m = re.search(r"\[\s*(\w+)\s*\]", obj)
    if not m:
        return False
    for anc in cmodel.ancestors(p.node):
        if anc.type in ("while_statement", "for_statement", "do_statement"):
            body = anc.child_by_field_name("body")
            head = cmodel._text(anc)[:body.start_byte - anc.start_byte] if body is not None else ""
            if re.search(r"(?:--|\+\+)\s*%s\b|\b%s\s*(?:--|\+\+|[-+]=)" % ((re.escape(m.group(1)),) * 2), head):
                return True
        if anc.type == "function_definition":
            break
    return False


_UNWIND_PREFIX = lazyre.compile(r"^(?:err|error|out|fail|failed|free|put|undo|unwind|bad)_+")


def _undoes_named_step(func, st, obj: str, p) -> bool:
    """Is the put under an unwind label named after a call of the function that was given the
    object (`err_set_unmap:` after `dma_set_unmap(txd, unmap)`, which takes a reference of its
    own for the descriptor)?  By the kernel's unwind naming the label undoes that step: its put
    drops that step's reference, and the put below it the function's own."""
    if st is None or st.type != "labeled_statement":
        return False
    label = cmodel._text(st.child_by_field_name("label"))
    stem = _UNWIND_PREFIX.sub("", label)
    if stem == label or len(stem) < 4:
        return False
    return any(c.line < p.line and c.name != p.name and c.name.endswith(stem)
               and any(_apis.same_object(a, obj) for a in c.args) for c in func.calls())


def _extra_ref(func, obj: str, before: int) -> bool:
    """Two puts of obj may both be owed before `before`: the function takes two references on
    it (a lookup and a `get_device()`, say), or a keep-alive get on an object it already holds
    (`spi_controller_get(host)` before `spi_unregister_controller(host)`: the unregister drops
    the owner's reference, the last put the keep-alive one)."""
    gets = _gets_of(func, obj, before)
    return len(gets) >= 2 or any(_kind(g.call.name) == "getter" for g in gets) or \
        _stored_one_too(func, obj, before)


def _table_lookup(func, obj: str, before: int) -> bool:
    """`dev = class_find_device(...); ...; device_unregister(dev); ...; put_device(dev);`
    (gpiolib-sysfs.c gpiod_unexport()): a lookup of the table gave the function a reference of
    its own beside the registration's; the unregister drops the registration's, the put the
    lookup's."""
    return any(_kind(g.call.name) == "lookup" for g in _gets_of(func, obj, before))


_LOOKUP_NAME = lazyre.compile(r"(?:^|_)(?:get|find|lookup)(?:_|$)")
_NOT_A_REF = lazyre.compile(r"drvdata|platdata|_get_parent$")


def _named_lookups(func, obj: str, before: int) -> list[int]:
    """Lines before `before` where obj is assigned from a call the table does not know but whose
    name says it finds or gets an object (`rpmsg_find_device()` wraps device_find_child(),
    `__foo_get_pdev_from_target()`): by the kernel's naming, the caller gets a reference.
    The table's borrowed accessors (`__dev_get_by_name()`) and driver-data getters do not count.
    Else a function of the same text that returns a reference it took (`_local_lookups`)."""
    var = _base_var(obj)
    calls = [c for c in func.calls() if c.line < before and (c.lhs or "").strip() == var
             and kapi.get(c.name) is None and kapi.borrowed(c.name) is None]
    named = [c.line for c in calls if _LOOKUP_NAME.search(c.name) and not _NOT_A_REF.search(c.name)]
    if not calls:
        return [func.start] if _callers_pass_lookups(func, var) else []
    if named:
        return named
    local = _local_lookups(func)
    return [c.line for c in calls if c.name in local]


def _callers_pass_lookups(func, var: str) -> bool:
    """`var` is a parameter of `func`, and every call of `func` in the code shown passes what a
    lookup just returned (drivers/base/memory.c: `mem = find_memory_block_by_id(id);
    remove_memory_block(mem);`, whose `put_device(&memory->dev)` is commented "drop the ref.
    we got via find_memory_block()"): the function is handed the caller's lookup reference
    (the caller does not put it after the call)."""
    if func.node is None:
        return False
    decl = func.node.child_by_field_name("declarator")
    while decl is not None and decl.type != "function_declarator":
        decl = decl.child_by_field_name("declarator")
    plist = decl.child_by_field_name("parameters") if decl is not None else None
    names = [m.group(1) if (m := re.search(r"(\w+)\s*(\[[^\]]*\])?\s*$", cmodel._text(p))) else ""
             for p in (plist.named_children if plist is not None else [])]
    if var not in names:
        return False
    k = names.index(var)
    sites = [(f, c) for f in cmodel.siblings_of(func) if f.name != func.name
             for c in f.calls() if c.name == func.name and len(c.args) > k]
    return bool(sites) and all(_passes_its_lookup(f, c, c.args[k]) for f, c in sites)


def _passes_its_lookup(f, call, arg: str) -> bool:
    """At `call` in `f`, `arg` holds a reference `f` took (a get, or a lookup assigned to it
    before the call) and does not put after the call: the reference goes to the callee."""
    var = _base_var(arg)
    if any(_apis.is_putter(q.name) and q.line > call.line
           and _base_var(_apis.put_object(q.name, list(q.args)) or "") == var for q in f.calls()):
        return False
    if _gets_of(f, arg, call.line):
        return True
    return re.fullmatch(r"\w+", norm(arg)) is not None and any(
        (a.lhs or "").strip() == var and a.line < call.line and a.name != call.name
        and (a.name in _local_lookups(f) or (_LOOKUP_NAME.search(a.name) is not None
                                             and not _NOT_A_REF.search(a.name) and kapi.borrowed(a.name) is None))
        for a in f.calls())


def _local_lookups(func) -> set[str]:
    """Functions of the same text that return a reference they took on what they return:
    drivers/base/bus.c's `bus_to_subsys()` ends `sp = subsys_get(sp); ...; return sp;`."""
    out = set()
    for f in cmodel.siblings_of(func):
        if f.name == func.name or f.body is None:
            continue
        for j in f.jumps():
            val = j.value.strip("() ") if j.kind == "return" else ""
            if re.fullmatch(r"\w+", val) and any(
                    _base_var(g.obj) == val and g.call.line < j.line for g in _refpaths.gets(f)):
                out.add(f.name)
                break
    return out


def _stored_one_too(func, obj: str, before: int) -> bool:
    """`dev = __foo_get_dev_from_target(...)` (a lookup of the table, or a call whose name says
    it gets) then `priv->dev = NULL; put(dev); put(dev);` (mpt3sas's target destroy; ubi's
    detach clears `ubi_devices[ubi_num]`): the lookup's reference and the one the cleared
    member or slot held, one put each.  In a teardown (`bus_remove_driver()`) the lookup's
    and the one its set-up kept: "Decrement the reference count twice, once for the
    bus_to_subsys()" (drivers/base/bus.c)."""
    if _erased_from_table(func, obj, before):
        return True
    got = _named_lookups(func, obj, before) + [g.call.line for g in _gets_of(func, obj, before)]
    if not got:
        return False
    if _stored.teardown(func.name):
        return True  # a teardown's lookup, and the reference its set-up kept (drivers/base/bus.c)
    for n in func._walk():
        if n.type == "assignment_expression" and min(got) < flow.line_of(n) < before:
            lhs = cmodel._fold(cmodel._text(n.child_by_field_name("left")))
            if re.search(r"(->|\.)\w+$|\]$", lhs) and cmodel._text(n.child_by_field_name("right")).strip() == "NULL":
                return True
    return False


_TABLE_ERASE = ("xa_erase", "xa_erase_irq", "xa_erase_bh", "__xa_erase", "idr_remove", "radix_tree_delete")
_TABLE_STORE = ("xa_alloc", "xa_alloc_cyclic", "xa_alloc_irq", "xa_alloc_bh", "xa_store", "xa_insert",
                "idr_alloc", "idr_alloc_cyclic", "idr_alloc_u32", "radix_tree_insert")


def _erased_from_table(func, obj: str, before: int) -> bool:
    """`xa_erase(&fw_device_xa, ...)` before the put: the table's entry held a reference of its
    own, and the put after the erase is the table's, beside the registration's
    (drivers/firewire/core-device.c fw_device_shutdown()).  Where the code shown stores the
    object in that table (`fw_device_get(device); xa_alloc(&fw_device_xa, &minor, device, ...)`),
    only when a plain get comes before the store: a table given no reference of its own leaves
    the put a second one."""
    var = _base_var(obj)
    tables = {norm(c.args[0]) for c in func.calls()
              if c.name in _TABLE_ERASE and c.line < before and c.args}
    if not tables:
        return False
    stores = [(f, c) for f in cmodel.siblings_of(func) for c in f.calls()
              if c.name in _TABLE_STORE and c.args and norm(c.args[0]) in tables
              and var in {_base_var(a) for a in c.args[1:]}]
    if not stores:  # out of sight: the erase says the table held it, unless the code shown uses
        # the table otherwise and never stores in it (xa_load() without a store of its own)
        return not any(c.args and norm(c.args[0]) in tables and c.name not in _TABLE_ERASE
                       for f in cmodel.siblings_of(func) for c in f.calls())
    return any(_base_var(g.obj) == var and g.call.line < c.line and _kind(g.call.name) == "getter"
               for f, c in stores for g in _refpaths.gets(f))  # a plain get, not device_initialize()
    for f in cmodel.siblings_of(func):
        for c in f.calls():
            if c.name not in _TABLE_STORE or not c.args or norm(c.args[0]) not in tables:
                continue
            stored = {_base_var(a) for a in c.args[1:]}
            if var in stored and any(_base_var(g.obj) == var and g.call.line < c.line and _kind(g.call.name) == "getter"
                                     for g in _refpaths.gets(f)):
                return True  # a plain get (not device_initialize(): that one is the registration's)
    return False


def _same_node(a, b) -> bool:
    return a.start_byte == b.start_byte and a.end_byte == b.end_byte and a.type == b.type


def _unlabel_node(node):
    """The statement a (chain of) label(s) introduces; the node itself otherwise."""
    cur = node
    while cur.type == "labeled_statement":
        kids = [c for c in cur.named_children if c.type != "statement_identifier"]
        if not kids:
            return cur
        cur = kids[-1]
    return cur


def _first_put(chain, obj: str) -> int:
    return next((i for i, s in enumerate(chain) if _puts_obj(_unlabel_node(s), obj)), len(chain))


# Pointers a device holds for its own lifetime: its firmware node, ACPI companion and parent.
# For the device a function is given (its parameter: the probed, bound or iterated device) a
# caller that did not take its own reference on them has none to drop.
_FIELD = lazyre.compile(r"^(?P<p>\w+)(->dev\.|->|\.dev\.|\.)(of_node|fwnode|parent)$")
_ACCESSOR = lazyre.compile(r"^(dev_of_node|dev_fwnode|ACPI_COMPANION)\(&?(?P<p>\w+)(->dev|\.dev)?\)$")


# the node or parent of a device reached through the function's parameter (`priv->dev->of_node`,
# `client->dev.parent`): a struct device's own field, whatever structure holds the device
_DEV_FIELD = lazyre.compile(r"^(?P<p>\w+)(?:(?:->|\.)\w+)*(?:->|\.)dev(?:->|\.)(?:of_node|fwnode|parent)$")


def _device_owned(expr: str, params: list[str]) -> bool:
    e = norm(expr)
    m = _FIELD.match(e) or _ACCESSOR.match(e) or _DEV_FIELD.match(e)
    return m is not None and m.group("p") in params


_HOLDS_DEVICE = lazyre.compile(r"^&?\s*(?P<p>\w+)(?:(?:->|\.)\w+)*(?:->|\.)dev$")


def _holds_device(expr: str, params: list[str]) -> bool:
    """`expr` is the device of a parameter (`&pdev->dev`, `vip->dev`, `priv->client->dev`)."""
    m = _HOLDS_DEVICE.match(norm(expr))
    return m is not None and m.group("p") in params


def _get_reaches(func, q, p) -> bool:
    """Can the get `q` run before the put `p`?  Not when it follows the put, nor when the put
    sits under an unwind label only gotos reach and every such goto comes before the get (the
    get is the success path's: `np` is put on the errors before `x->np = of_node_get(np)`)."""
    if q.line >= p.line:
        return False
    from reviewbot.checks.module._devres_owned import _reached_after
    return _reached_after(func, q, p)


def borrowed_from_device(view, added, header: str, text: str = "") -> Iterator[tuple[object, str]]:
    """Added puts of the given device's own firmware node, ACPI companion or parent, taken
    without a get.  Not in a teardown function of a file that sets that field itself from a
    call or a local (`card->dev.of_node = mmc_of_find_child_device(...)`, virtio.c's `dev->dev.of_node
    = np` after of_get_next_available_child(): the driver's reference to drop, on teardown or on
    the unwind of the function that set it)."""
    func = view.new
    params = _params(header) + [c for c in [flow.cut_param(header, func.text)] if c]
    if not params or _CONSUMER_FN.search(view.name or ""):
        return
    if _SETS_NODE.search(text or ""):
        return
    assigned: dict[str, tuple[int, str]] = {}  # var -> (line, device-owned expression)
    taken: list[tuple[object, str]] = []  # (get call, var or expression) given a reference
    # a local that holds the given device (`struct device *dev = &pdev->dev;`, `dev = vip->dev;`)
    # is that device: its node and parent are the device's too
    for a in func.assignments():
        if re.fullmatch(r"\w+", a.left) and a.left not in params and _holds_device(a.right, params) \
                and not any(b.left == a.left and b.line != a.line for b in func.assignments()):
            params = params + [a.left]
    for a in func.assignments():
        if _device_owned(a.left, params):
            return  # the function sets the field itself (with whatever reference it took)
        if re.fullmatch(r"\w+", a.left) and _device_owned(a.right, params):
            assigned[a.left] = (a.line, a.right)
    for g in _refpaths.gets(func):
        taken.append((g.call, g.obj))
        row = kapi.get(g.call.name)
        if row is not None and row.kind == "lookup":
            continue  # a search from the node (`of_graph_get_remote_node(dev->of_node, ...)`)
            # takes its reference on what it finds, not on its arguments
        taken.extend((g.call, norm(a)) for a in g.call.args)
    for p in added:
        if not _PLAIN_PUT.search(p.name) or p.name in ("module_put", "fput", "kref_put"):
            continue
        obj = _apis.put_object(p.name, list(p.args))
        if not obj:
            continue
        expr = obj if _device_owned(obj, params) else None
        if expr is None and obj in assigned and assigned[obj][0] < p.line:
            if _rewritten(func, obj, assigned[obj][0], p.line):
                continue
            expr = assigned[obj][1]
        if expr is None:
            continue
        if any((_apis.same_object(t, obj) or _apis.same_object(t, expr)) and _get_reaches(func, q, p)
               for q, t in taken):
            continue  # a reference was taken on it in this function, on a path to the put
        yield p, (f"{p.name}({short(obj, 20)}) drops a reference nobody took: "
                  f"{short(expr, 28)} belongs to the device")
