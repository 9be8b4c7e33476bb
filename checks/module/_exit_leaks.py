"""Exits that keep a reference the function took (MOD003, third detector: the path analysis).

`leaks(func, partial)` walks each get of a function to each later `return`/`goto` in its
block and keeps the exits where nothing drops the reference on the way (no put on the path
or in the label's code, not stored or returned, not a failed get, not handed on);
`new_leaks(fd, view, ctx)` keeps those the patch introduces and says where to report them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel, flow
from reviewbot.analysis.clex import norm
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _apis, _ownership, _refpaths
from reviewbot.context import Context
from reviewbot.model import DiffLine
from reviewbot.checks._hunks import kind_text


@dataclass(frozen=True)
class Leak:
    get: _refpaths.Get
    exit: cmodel.Jump  # a `return` or `goto`
    holder: str  # "": only the function held it; "owned" / "kept": a successful exit leaves it
    # in a longer-lived object / to another function of the file; "stored": an error exit does


@dataclass(frozen=True)
class NewLeak:
    leak: Leak
    line: DiffLine  # where to report it
    kind: str  # "leak"; "owned": kept in an object, who drops it?; "question": stored on an
    # error exit, and the file releases it elsewhere: does the caller's unwind drop it?


def leaks(func: cmodel.Function | None, partial: bool, name: str = "", had_puts: bool = False,
          old_puts: tuple[str, ...] = (), unwound: frozenset[int] = frozenset()) -> list[Leak]:
    """Each (get, exit) of `func` where the exit keeps the reference, with its holder.  `holder` is "" for a
    reference only the function holds; "owned" for a successful exit that leaves it in a
    longer-lived object (the question is then who drops it, not whether this exit must);
    "stored" for an error exit that leaves it there (a caller's unwind may drop it).
    `unwound`: lines of returns that replace a `goto` into the unwind ladder (hunk mode): the
    ladder released what was taken before the jump, so a get shown before one is owed there
    even when the fragment shows no put of it."""
    out = []
    # a `*_get()` helper hands its reference to the caller on success (the caller must put)
    # (or the definition of a getter of the table: gpiod_request() keeps the module and device
    # references it took for its caller's gpiod_free())
    getter_helper = re.search(r"(^|_)get$", name or func.name or "") is not None \
        or (name or func.name or "") in _apis.BY_GETTER
    if func is None or func.body is None:
        return out
    jumps = [j for j in func.jumps() if j.kind in ("return", "goto")]
    for g in _refpaths.gets(func):
        only_unwound = False
        if not had_puts and not any(_apis.is_putter(c.name) for c in func.calls()):
            if not unwound:
                break
            only_unwound = True
        own_puts = [c for c in func.calls() if c.name in g.api.putters and c.line > g.call.line
                    and _apis.same_object(_apis.put_object(c.name, list(c.args)), g.obj)]
        if partial and not own_puts and not any(_apis.same_object(o, g.obj) for o in old_puts):
            if not unwound:
                continue  # hunk mode: only when the fragment shows the function balancing it (or
                # balancing it before the patch removed that put)
            only_unwound = True
        if g.api.ref == "ret" and not g.call.lhs:
            continue
        if _devm_made(func, g):
            continue  # `ctrl = devm_spi_alloc_host(...)`: devres drops what a failed register leaves
        gstmt = g.call.node
        while gstmt is not None and gstmt.parent is not None and gstmt.parent.type != "compound_statement":
            gstmt = gstmt.parent
        block = gstmt.parent if gstmt is not None else None
        if block is None:
            continue
        for j in jumps:
            if j.line <= g.call.line or not cmodel.contains(block, j.node):
                continue
            if only_unwound and j.line not in unwound:
                continue
            if getter_helper and j.kind == "return" and not _ownership.ERROR_RETURN.match(j.value):
                continue
            if _other_case(g.call.node, j.node) or _other_arm(g.call.node, j.node):
                continue  # `case A: x = get(); ...; break; default: return -EINVAL;`, `#if`/`#else`
            if j.kind == "return" and _only_by_goto(g.call.node, j.node):
                continue  # `return mux; err_put: put(pdev); return ERR_PTR(ret);`: the gotos are judged
            if g.call.in_condition and cmodel.contains(gstmt, j.node) and flow.enclosing_if(j.node) == gstmt \
                    and _tests_failure(gstmt, g):
                continue  # `if (!try_module_get(m)) return ...;`, `if (scsi_device_get(sdev)) goto out;`
            if g.call.in_condition and not cmodel.contains(gstmt, j.node) and _put_in_success_branch(gstmt, g):
                continue
            if any(_apis.same_object(f, g.obj) for f in _refpaths.failed_get_at(func, j.node)):
                continue
            if any(_refpaths.same_local(func, _apis.put_object(c.name, list(c.args)), g.obj)
                   or _returned_name(func, g, j, c) for c in _refpaths.path_puts(func, g.call.line, j.node)):
                continue
            if _refpaths.stored_or_returned(func, g.obj, g.call.line, j.node):
                continue
            if _container_freed(func, g, j):
                continue
            if j.kind == "goto":
                calls, found = flow.chain_calls(func, j.label)
                if not found:
                    continue
                if any(_refpaths.same_local(func, _apis.put_object(c.name, list(c.args)), g.obj)
                       or _returned_name(func, g, j, c) for c in calls if _apis.is_putter(c.name)):
                    continue
                if any(_container_put(c, g) for c in calls):
                    continue  # `err_put: zfcp_ccw_adapter_put(adapter);` after kref_get(&adapter->ref)
                if _ownership.dropped_by_own_release(func, g, j, calls):
                    continue  # `out: put_device(&dev->dev);` runs the release set here, which puts it
                if any(c.name in _apis.HANDOFF_CALLS for c in calls) or _ownership.dropped_by_helper(func, g, calls):
                    continue
                if _main_flow_label(func, j.label, g.obj):
                    continue  # `goto add_properties;` skips ahead in the main flow: its exits are judged each
            if j.kind == "return" and _ownership.dropped_by_helper(func, g, _calls_before(j.node)):
                continue  # `fail_remove: sbp2_remove(unit); return -ENOMEM;`
            if j.kind == "return" and _ownership.dropped_by_own_release(func, g, j, _calls_before(j.node)):
                continue
            if _ownership.known_null_here(func, g, j) or _ownership.put_in_found_branch(func, g, j):
                continue  # after `if (np) { ...; return ...; }` / `if (np) { ...; put(np); }`
            if _ownership.loop_condition_get(g, j):
                continue  # `while ((x = get(...))) { put(x); ... }`: ends with x NULL
            if _ownership.handed_on(func, g, j):
                continue  # drvdata, a completion callback or a work item owns it now
            success = _ownership.success_exit(j) or _ownership.success_of_status(func, g, j)
            if not success and _ownership.initialised_for_caller(func, g, j):
                out.append(Leak(g, j, "caller"))
                continue
            if _ownership.pinned_on_purpose(func, g, j) or (j.kind == "return" and _ownership.per_member_get(g, j)):
                out.append(Leak(g, j, "owned"))
                continue
            if success and _ownership.registered_on_path(func, g, j):
                out.append(Leak(g, j, "owned"))
                continue
            if _ownership.published(g, func) and not (g.api.ref_on_failure and _ownership.in_failure_branch(func, g, j)):
                # owned by a longer-lived object: on success, who drops it?  On an error
                # exit, a caller's unwind may (asked below when the file shows its release)
                out.append(Leak(g, j, "owned" if success else "stored"))
                continue
            # a successful exit keeping a reference that another function of the file drops
            # (taken in probe or open, put in remove or release) is not reported either
            out.append(Leak(g, j, "kept" if success else ""))
    return out


_PUT_NAME = lazyre.compile(r"(?:^|_)(?:put|unref)$")


def _devm_made(func, g: _refpaths.Get) -> bool:
    """A register call's object that a devm allocator made before it (`ctrl =
    devm_spi_alloc_host(...)`, then `spi_register_controller(ctrl)`, spi-stm32.c): the reference
    a failed registration leaves is devres's to drop, as the Coccinelle register path judges."""
    row = kapi.get(g.call.name)
    if row is None or row.kind != "register":
        return False
    return any(c.name.startswith("devm_") and c.lhs and c.line < g.call.line
               and _refpaths.same_local(func, c.lhs, g.obj) for c in func.calls())


def _container_put(c, g: _refpaths.Get) -> bool:
    """Is `c` a put the tables lack, by the kernel's naming (`*_put()`, `*_unref()`), given the
    object whose member the get counted (`kref_get(&adapter->ref)`, then the unwind's
    `zfcp_ccw_adapter_put(adapter)`, a kref_put() wrapper of another file: zfcp_aux.c)?"""
    if _apis.is_putter(c.name) or not _PUT_NAME.search(c.name) or g.api.family not in ("kref", "device", "kobject"):
        return False
    base = _apis.base_object(g.obj)
    return bool(base) and base != norm(g.obj).lstrip("&") and any(norm(a).lstrip("&") == base for a in c.args)


_FREES = ("kfree", "kvfree", "kfree_sensitive", "vfree")


def _container_freed(func, g: _refpaths.Get, j) -> bool:
    """`ctx = kzalloc(...); kref_init(&ctx->ref); ... err_ctx: kfree(ctx);`: a bare kref counts
    nothing but its container's users, and none has it before the object is shared: freeing the
    container on the way to the exit (on the path, or in the label's code) ends it, and with it
    a kref_get() taken on it since (kfd_process.c create_process()).  Only the
    kref family: a kobject or device has a release of its own (`never_kfree`)."""
    if g.api.family != "kref" or kapi.get(g.call.name) is None or kapi.get(g.call.name).kind not in ("init", "getter"):
        return False  # kref_init() or a kref_get() on it (kfd_process.c: the unwind frees the process)
    base = _apis.base_object(g.obj)
    if not base or base == g.obj.lstrip("&"):
        return False  # the count is not a member of a container the function can free

    def frees(c) -> bool:
        return c.name in _FREES and bool(c.args) and norm(c.args[0]) == base
    end = flow.line_of(j.node)
    for c in func.calls():
        if g.call.line < c.line <= end and frees(c):
            blk = c.node.parent
            while blk is not None and blk.type != "compound_statement":
                blk = blk.parent
            if blk is not None and cmodel.contains(blk, j.node):
                return True
    if j.kind == "goto":
        calls, _found = flow.chain_calls(func, j.label)
        return any(frees(c) for c in calls)
    return False
def _returned_name(func, g: _refpaths.Get, j, put) -> bool:
    """`fence = dma_fence_get(new_plane_state->fence)`, then `dma_fence_put(fence)`: a getter
    that counts its argument returns that object, so the local it sets names it too until it
    is set again (intel_atomic_plane.c add_dma_resv_fences(): the put under `error:`).  Not
    set again between the get and the exit, nor between the exit's label and the put."""
    lhs = (g.call.lhs or "").strip()
    if not g.api.ref.startswith("arg") or not re.fullmatch(r"\w+", lhs) or put.name not in g.api.putters:
        return False
    if clex.norm(_apis.put_object(put.name, list(put.args)) or "") != lhs:
        return False
    lab = func.labels().get(j.label) if j.kind == "goto" else None
    spans = [(g.call.line, j.line)] + ([(lab.line, put.line)] if lab is not None else [])
    return not any(a.left == lhs and lo < a.line <= hi for a in func.assignments() for lo, hi in spans)


_TEARDOWN = lazyre.compile(r"(release|free|put|destroy|unref)", re.I)


def _torn_down_with_holder(func, g: _refpaths.Get, j) -> bool:
    """`try_module_get(driver->owner)`, then `tty = alloc_tty_struct(driver, idx)`, and the
    unwind the goto reaches runs `release_tty(tty, idx)`: the object built from the pinned
    holder is torn down there, and with it what it took over (tty_io.c: release_one_tty()
    puts `driver->owner`).  The caller also checks that the file drops the reference through
    that member elsewhere (`released_elsewhere`)."""
    base = re.split(r"->|\.", g.obj.lstrip("&*"))[0]
    if not base or base == g.obj.lstrip("&*"):
        return False  # the reference is on the variable itself, not on a member of a holder
    built = {c.lhs for c in func.calls() if c.lhs and re.fullmatch(r"\w+", c.lhs)
             and g.call.line < c.line < j.line and any(a.strip() == base for a in c.args)}
    if not built:
        return False
    if j.kind == "goto":
        calls, found = flow.chain_calls(func, j.label)
    else:
        calls, found = _calls_before(j.node), True
    return found and any(_TEARDOWN.search(c.name) and c.args and c.args[0].strip() in built for c in calls)


def _calls_before(node) -> list:
    """The calls of the statements that run right before the statement `node` sits in, in its
    block, back to the label that starts that stretch (or the block's start)."""
    stmt = node
    while stmt.parent is not None and stmt.parent.type != "compound_statement":
        stmt = stmt.parent
    out = []
    sib = stmt.prev_named_sibling
    while sib is not None:
        if sib.type in ("return_statement", "goto_statement"):
            break
        out.extend(flow.calls_in(sib))
        if sib.type == "labeled_statement":
            break
        sib = sib.prev_named_sibling
    if stmt.type == "labeled_statement":
        out.extend(flow.calls_in(stmt))
    return out


_WRAPPED = lazyre.compile(r"^(?:unlikely|likely|WARN_ON(?:_ONCE)?)\s*\((.*)\)$", re.S)


def _tests_failure(if_node, g: _refpaths.Get) -> bool:
    """Is `if_node`'s condition exactly the get's failure: `!f(x)` for a getter that returns
    true / the object on success, `f(x)` for one that returns 0 on success (its table row says
    "non-zero return: nothing held")?  Any other condition is not followed."""
    return _get_test(if_node, g) == "failure"


def _get_test(if_node, g: _refpaths.Get) -> str:
    """"failure" or "success" when `if_node`'s condition is exactly the get's call, negated or
    not (see _tests_failure); "" for any other condition."""
    cond = cmodel._fold(cmodel._text(if_node.child_by_field_name("condition"))).strip()
    while cond.startswith("(") and cond.endswith(")") or _WRAPPED.match(cond):
        m = _WRAPPED.match(cond)
        cond = (m.group(1) if m else cond[1:-1]).strip()
    negated = cond.startswith("!")
    cond = cond.lstrip("!").strip()
    # `if (isci_get_device(idev) == NULL)`, `if (get(x) != NULL)`: a comparison with NULL or 0
    cmp = re.fullmatch(r"(.+?)\s*(==|!=)\s*(?:NULL|0)", cond, re.S)
    if cmp and not negated and cmp.group(1).strip() == cmodel._fold(cmodel._text(g.call.node)).strip():
        cond, negated = cmp.group(1).strip(), cmp.group(2) == "=="
    if cond != cmodel._fold(cmodel._text(g.call.node)).strip():
        return _conjunct_test(if_node, g)
    if g.api.ref_on_failure:
        return ""  # device_register(): the failure branch still owes the put
    row = kapi.get(g.call.name)
    status = g.api.fails == "int" or (row is not None and "non-zero" in row.on_error)
    return "failure" if negated != status else "success"


def _conjuncts(node) -> list:
    """The operands of a chain of `&&` (through parentheses)."""
    while node is not None and node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    if node is not None and node.type == "binary_expression" \
            and cmodel._text(node.child_by_field_name("operator")) == "&&":
        return _conjuncts(node.child_by_field_name("left")) + _conjuncts(node.child_by_field_name("right"))
    return [node] if node is not None else []


def _conjunct_test(if_node, g: _refpaths.Get) -> str:
    """`if (dev->driver && try_module_get(dev->driver->owner)) {...}`: the get is one operand of
    an `&&` chain, tested for success, so the then-branch is where it succeeded and the other
    way past the if is where it failed or never ran: "success", else ""."""
    parts = _conjuncts(if_node.child_by_field_name("condition"))
    if len(parts) < 2 or g.api.ref_on_failure:
        return ""
    me = cmodel._fold(cmodel._text(g.call.node)).strip()
    row = kapi.get(g.call.name)
    status = g.api.fails == "int" or (row is not None and "non-zero" in row.on_error)
    for part in parts:
        text = cmodel._fold(cmodel._text(part)).strip()
        if text == me:
            return "" if status else "success"
    return ""


def _put_in_success_branch(gstmt, g: _refpaths.Get) -> bool:
    """`if (!of_parse_phandle_with_args(..., &spec)) { ...; of_node_put(spec.np); }`: the get
    is the if's test and the branch where it succeeded drops the reference before falling
    through, so past the if nothing is held on either branch."""
    if gstmt is None or gstmt.type != "if_statement":
        return False
    test = _get_test(gstmt, g)
    body = gstmt.child_by_field_name("consequence" if test == "success" else "alternative") if test else None
    if body is not None and body.type == "else_clause":
        body = body.named_children[-1] if body.named_children else None
    return body is not None and _ownership.branch_puts(
        body, g, ("return_statement", "goto_statement", "break_statement", "continue_statement"))


def reached_after(func, node, target, first_line: int) -> bool:
    """Can `target` run after `node`: straight on, or through a `goto` at `first_line` or later
    to a label whose code reaches it?  Code under an unwind label that the code after `node`
    never jumps to (it returns first) runs only on the paths before it."""
    if not _only_by_goto(node, target):
        return True
    return any(j.kind == "goto" and j.line >= first_line and any(
        st.start_byte <= target.start_byte < st.end_byte for st in func.label_path(j.label)) for j in func.jumps())


def _only_by_goto(get_node, exit_node) -> bool:
    """Does an unconditional jump (`return`, `goto`, a loop body's `continue`/`break`) stand
    between the get and the exit in their common block, so that the exit is reached from the
    get only through a label after it?
    The `goto`s to that label are exits of their own, judged with the label's code
    (lpc32xx-dmamux.c: `return mux;` then `err_put_pdev:`)."""
    anc = set()
    n = get_node
    while n is not None:
        anc.add(n.id)
        n = n.parent
    js = exit_node
    while js.parent is not None and js.parent.id not in anc:
        js = js.parent
    blk = js.parent
    if blk is None or blk.type != "compound_statement":
        return False
    gs = get_node
    while gs.parent is not None and gs.parent.id != blk.id:
        gs = gs.parent
    sib = gs.next_named_sibling
    while sib is not None and sib.id != js.id:
        if sib.type in ("return_statement", "goto_statement", "continue_statement", "break_statement"):
            return True
        sib = sib.next_named_sibling
    return False


def _other_case(get_node, exit_node) -> bool:
    """Are the get and the exit in different `case` sections of one switch, the get's section
    ending in `break`/`return` (no fall-through): the exit never runs after the get."""
    def case_of(n):
        while n is not None and n.type != "case_statement":
            if n.type in ("function_definition", "switch_statement"):
                return None
            n = n.parent
        return n
    cg, cj = case_of(get_node), case_of(exit_node)
    if cg is None or cj is None or cg == cj or cg.parent != cj.parent or cg.start_byte > cj.start_byte:
        return False
    last = [c for c in cg.named_children if c.type != "comment"][-1:]
    return bool(last) and last[0].type in ("break_statement", "return_statement")


_PREPROC = ("preproc_if", "preproc_ifdef", "preproc_elif", "preproc_elifdef")
_ARM = ("preproc_else", "preproc_elif", "preproc_elifdef")


def _other_arm(get_node, exit_node) -> bool:
    """Are the get and the exit in different arms of one `#if`/`#ifdef` ... `#else`: one build
    compiles only one of them, so the exit never runs after the get."""
    n = exit_node
    while n is not None and n.type != "function_definition":
        p = n.parent
        if p is not None and p.type in _PREPROC and n.type in _ARM and cmodel.contains(p, get_node) \
                and not cmodel.contains(n, get_node):
            return True  # the exit in a later arm than the get's (the exit follows the get)
        n = p
    return False


def _main_flow_label(func: cmodel.Function, label: str, obj: str) -> bool:
    """Is the code at `label` more of the function's main flow than an unwind: it branches to
    other exits (`if (rv) goto err;`) or ends by returning the object to the caller?"""
    stmts = func.label_path(label)
    base = re.split(r"->|\.", obj.lstrip("&*"))[0]
    for st in stmts:
        for n in cmodel.descendants(st):
            if n.type == "if_statement" and any(k.type in ("return_statement", "goto_statement")
                                                for k in cmodel.descendants(n)):
                return True
    last = stmts[-1] if stmts else None
    while last is not None and last.type == "labeled_statement":
        last = last.named_children[-1] if last.named_children else None
    return last is not None and last.type == "return_statement" and \
        re.search(r"\b%s\b" % re.escape(base), cmodel._text(last)[len("return"):]) is not None


def puts_anywhere(func: cmodel.Function, g: _refpaths.Get) -> bool:
    """Does the function drop the get's reference anywhere (any path)?"""
    return any(c.name in g.api.putters and _apis.same_object(_apis.put_object(c.name, list(c.args)), g.obj)
               for c in func.calls())


def key(leak: Leak) -> tuple:
    """The same leak before and after the patch (line numbers aside)."""
    g, j = leak.get, leak.exit
    return (g.call.name, g.obj, j.kind, j.label, re.sub(r"\s+", "", j.value))


def unwound_returns(fd, view: flow.FuncView) -> frozenset[int]:
    """Hunk mode: new lines of `return`s that replace a `goto` (one for one) of the old image:
    each skips the whole unwind ladder the goto entered.  None when the patch moves the
    function to scope-based or devm-managed release (`__free()`, `guard()`, `devm_*()`),
    which makes a direct return correct."""
    managed = fd._memo.get("unwound-managed")  # per file, not per function of it
    if managed is None:
        added = kind_text(fd, "+")
        managed = fd._memo["unwound-managed"] = bool(
            _apis.CLEANUP_MARKERS.search(added) or re.search(r"\bdevm_\w+\s*\(|\b(scoped_)?guard\s*\(", added))
    if managed:
        return frozenset()
    out = set()
    for h in view.hunks:
        for rem, add in clex.replacements(h):
            gotos = [ln for ln in rem if re.match(r"^\s*goto\s+\w+\s*;\s*$", ln.text)]
            rets = [ln for ln in add if re.match(r"^\s*return\b", ln.text)]
            if len(gotos) == 1 and len(rets) == 1 and len(rem) == 1 and len(add) == 1 \
                    and not _label_only_returns(h, gotos[0].text.split()[1].rstrip(";")):
                out.add(rets[0].new_no)
    return frozenset(out)


def added_exits(fd, view: flow.FuncView) -> frozenset[int]:
    """Hunk mode: new lines of the `return`s and `goto`s the patch adds, other than the
    one-for-one replacements of a `goto` (`unwound_returns`); none when the patch moves the
    function to scope-based or devm-managed release."""
    if view.new is None:
        return frozenset()
    swapped = unwound_returns(fd, view)
    if fd._memo.get("unwound-managed"):
        return frozenset()  # (memoised for the file by unwound_returns)
    return frozenset(j.line for j in view.new.jumps() if j.kind in ("return", "goto", "break") and j.line not in swapped
                     and (ln := view.by_new.get(j.line)) is not None and ln.added)


def _label_only_returns(hunk, label: str) -> bool:
    """The old image shows `label:` and nothing but a return after it (no call): the goto
    skipped no unwind, so a return in its place skips none either."""
    old = [ln.text for ln in hunk.lines if ln.kind != "+"]
    for i, text in enumerate(old):
        if re.match(r"^\s*%s\s*:" % re.escape(label), text):
            for body in old[i + 1:]:
                if re.match(r"^\s*return\b", body):
                    return True
                if re.search(r"\w\s*\(", body):
                    return False
            return False
    return False


def new_leaks(fd, view: flow.FuncView, ctx: Context) -> Iterator[NewLeak]:
    """The leaks of the function after the patch that the patch introduces: in hunk mode at an
    exit it adds, in tree mode one that was not there before.  One per exit and object."""
    if view.new is None:
        return
    # tree mode: a function whose last put the patch removed is still one that puts
    had_puts = not view.partial and view.old is not None and any(_apis.is_putter(c.name) for c in view.old.calls())
    # hunk mode: the puts the old fragment showed (a patch that removes the put and adds an exit)
    old_puts = tuple(_apis.put_object(c.name, list(c.args)) or "" for c in view.old.calls()
                     if _apis.is_putter(c.name)) if view.partial and view.old is not None else ()
    found = leaks(view.new, view.partial, view.name, had_puts or bool(old_puts), old_puts,
                  unwound_returns(fd, view) if view.partial else frozenset())
    if not found:
        return
    # tree mode: the old function judged as the new one is (a function the patch gives its first
    # put is one that puts: an exit that leaked before, unchanged, is not the patch's leak)
    old_keys = {key(lk) for lk in leaks(view.old, view.partial, view.name, had_puts or not view.partial)} \
        if view.old is not None else set()
    changed = view.changed()
    shown: list[str] = []  # the file's text as far as it is known, for the owner's release
    seen: set[tuple] = set()
    built_in = None  # asked once, when a leak needs it
    for lk in found:
        g, j, holder = lk.get, lk.exit, lk.holder
        # one finding per exit and object (device_initialize() then device_add() of one device)
        if (j.line, re.sub(r"(->|\.)(dev|kobj)$", "", g.obj.lstrip("&"))) in seen:
            continue
        seen.add((j.line, re.sub(r"(->|\.)(dev|kobj)$", "", g.obj.lstrip("&"))))
        if not view.partial and not puts_anywhere(view.new, g):
            if ("never put", g.call.line) in seen:
                continue  # a reference the function never drops: one finding, at its first exit
            seen.add(("never put", g.call.line))
        if built_in is None:
            from reviewbot.checks.module._builtin import never_module
            built_in = never_module(ctx, None, fd)
        if _ownership.permanent_registration(view.new, g, j, holder, built_in):
            continue  # an __init of built-in code registered it for the kernel's life
        if _ownership.enabled_for_good(view.new, g, j, built_in):
            continue  # ... or left it enabled, running for the kernel's life
        released = False
        if holder:
            if not shown:
                shown.append(_ownership.outside(ctx.post(fd.path) or "\n".join(
                    ln.text for h in fd.hunks for ln in h.lines if ln.kind != "-"), view.new, view.partial))
            released = _ownership.released_elsewhere(shown[0], g) or (
                holder == "kept" and _ownership.own_putter_elsewhere(shown[0], g))
            if holder in ("owned", "kept") and released:
                continue
            if holder == "kept" and _ownership.kept_by_object_made(view.new, g, j, shown[0]):
                continue  # given to the object a call made on it; teardown puts that object's member
            if holder == "kept":
                holder = ""  # nothing else drops it: a leak
        elif j.kind in ("goto", "return") and _torn_down_with_holder(view.new, g, j):
            if not shown:
                shown.append(_ownership.outside(ctx.post(fd.path) or "\n".join(
                    ln.text for h in fd.hunks for ln in h.lines if ln.kind != "-"), view.new, view.partial))
            if _ownership.released_elsewhere(shown[0], g):
                continue
        ln = view.by_new.get(j.line)
        if view.partial:
            if ln is not None and not ln.added:
                # a kept exit whose `if` the patch rewrote now runs on other paths
                ifs = flow.enclosing_if(j.node)
                cond = view.by_new.get(flow.line_of(ifs)) if ifs is not None else None
                ln = cond if cond is not None and cond.added else None
            if ln is None or not ln.added:
                continue  # hunk mode: report only exits the patch adds
        elif key(lk) in old_keys:
            continue  # tree mode: the leak was there before the patch
        if ln is None:
            ln = next((c for c in changed if c.added), None) or (changed[0] if changed else None)
            if ln is None:
                continue
        kind = "question" if holder == "stored" and released or holder == "caller" else \
            "owned" if holder == "owned" else "leak"
        yield NewLeak(Leak(g, j, holder), ln, kind)
