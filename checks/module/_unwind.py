"""Jumps a patch retargets, and the unwind steps that no longer run (MOD003, second detector).

A `goto` replaced in place by another jump (a `goto` elsewhere, or a `return`):
`retargets(fd, view)` compares the puts the old and the new jump run and says what changed:
a put the old path ran that the new one skips (`skipped`), a put the new path runs after a
get that failed there (`unowed`), or, in hunk mode with the unwind code out of sight, a
label named for a put that the jump no longer goes to (`label`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel, flow
from reviewbot.checks.module import _apis, _refpaths
from reviewbot.model import DiffLine


@dataclass(frozen=True)
class Retarget:
    line: DiffLine  # the new jump
    where: str  # "goto" | "return": what the new jump is
    kind: str  # "skipped" | "unowed" | "label"
    name: str  # the put (for "label": the label the jump no longer goes to)
    obj: str = ""  # the object of the put
    seen: bool = True  # the new jump's target is in sight (hunk mode: a label the hunks show)


def retargets(fd, view: flow.FuncView, label_evidence: bool = True) -> Iterator[Retarget]:
    """What each retargeted `goto` of `view` changes in the unwind path: for each jump, a
    `label` verdict alone, or at most one `skipped` then at most one `unowed`.  Without
    `label_evidence` (the changelog explains an over-put, or a cleanup now drops it) a label
    name is not taken as evidence."""
    if view.old is None or view.new is None:
        return
    old_j, new_j = jump_nodes(view.old), jump_nodes(view.new)
    old_alias, new_alias = flow.Aliases.of(view.old), flow.Aliases.of(view.new)
    for h in view.hunks:
        for rem, add in clex.replacements(h):
            ojs = [(ln, old_j[ln.old_no]) for ln in rem if ln.old_no in old_j]
            njs = [(ln, new_j[ln.new_no]) for ln in add if ln.new_no in new_j]
            if len(ojs) != 1 or len(njs) != 1:
                continue
            (oln, oj), (nln, nj) = ojs[0], njs[0]
            if oj.type != "goto_statement":
                continue
            where = "goto" if nj.type == "goto_statement" else "return"
            old_puts, old_found = puts_for(view.old, oj)
            new_puts, new_found = puts_for(view.new, nj)
            if view.partial and not old_puts and not new_puts and label_evidence:
                named = put_label_skipped(fd, view, oj, nj)
                if named:
                    yield Retarget(nln, where, "label", named)
                    continue
                unseen = unwind_skipped(fd, view, oj, nj)
                if unseen:
                    yield Retarget(nln, where, "unwind", unseen)
                    continue
            if not old_found:
                continue
            failed_old = _refpaths.failed_get_at(view.old, oj)
            failed_new = _refpaths.failed_get_at(view.new, nj)
            # puts the new path no longer runs
            for p in old_puts:
                pobj = _apis.put_object(p.name, list(p.args))
                if any(_refpaths.same_ref(pobj, f, old_alias, oln.old_no) for f in failed_old):
                    continue  # not owed: the get failed on this path
                if any(_apis.same_object(_apis.put_object(q.name, list(q.args)), pobj) for q in new_puts):
                    continue
                if pobj == "THIS_MODULE":
                    continue
                if any(part_of(pobj, _apis.put_object(q.name, list(q.args))) for q in new_puts):
                    continue  # a member of an object the new path releases as a whole
                seen = new_found or (where == "goto" and label_past(view, oj, nj, nln))
                yield Retarget(nln, where, "skipped", p.name, pobj, seen)
                break
            # puts the new path runs for a reference its failed get never took
            if not new_found:
                continue
            for p in new_puts:
                pobj = _apis.put_object(p.name, list(p.args))
                if not any(_refpaths.same_ref(pobj, f, new_alias, nln.new_no) for f in failed_new):
                    continue
                if any(_apis.same_object(_apis.put_object(q.name, list(q.args)), pobj) for q in old_puts):
                    continue
                yield Retarget(nln, where, "unowed", p.name, pobj)
                break


def label_past(view: flow.FuncView, oj, nj, nln: DiffLine) -> bool:
    """Hunk mode: is the new target of a retargeted `goto` known to lie past the old one?
    An unwind ladder runs its labels in order, so a jump to a later label skips the earlier
    steps.  The order is known when one hunk shows the jump and, below it, the old label
    (still in the post image), and the new label is nowhere in sight: a label between the
    two would be shown, so the new one lies past the old (a backward jump out of an unwind
    path is not an unwind)."""
    old_label = cmodel._text(oj.child_by_field_name("label"))
    new_label = cmodel._text(nj.child_by_field_name("label"))
    if not old_label or not new_label or old_label == new_label:
        return False
    is_label = lambda name: re.compile(r"^\s*%s\s*:(?!:)" % re.escape(name))
    old_re, new_re = is_label(old_label), is_label(new_label)
    if any(new_re.match(ln.text) for h in view.hunks for ln in h.lines):
        return False
    for h in view.hunks:
        lines = [ln for ln in h.lines if ln.kind != "-"]
        if nln not in lines:
            continue
        after = lines[lines.index(nln) + 1:]
        return any(old_re.match(ln.text) and ln.kind == " " for ln in after)
    return False


# An unwind label named for dropping a reference: `err_put`, `out_put_node`, `put_device`,
# `err_mod_put`, `out_unref` (a `_`-separated token).
PUT_LABEL = lazyre.compile(r"(^|_)(put|unref)(_|$)")
PUT_GOTO = lazyre.compile(r"\bgoto\s+(\w+_)?(put|unref)(_\w*)?\s*;")
# Labels that undo an acquisition made after the get: unwinding in reverse order, they sit
# before the put label and fall through to it (`goto out_put` -> `goto err_unregister`).
_STEP_LABEL = lazyre.compile(r"(^|_)(unwind|unreg\w*|remove|disable|del|destroy|cancel|stop|detach|"
                         r"deinit|uninit|unmap|unprepare|deassert|teardown)(_|$)")


def jump_nodes(func: cmodel.Function | None) -> dict[int, object]:
    """Line -> node of each `return` and `goto` of `func`."""
    if func is None:
        return {}
    return {j.line: j.node for j in func.jumps() if j.kind in ("return", "goto")}


def _loop_left_bare(view: flow.FuncView, brk, obj: str) -> bool:
    """A `break` leaves its loop (not a switch) for code that the hunks show down to a return
    and that neither names the object nor jumps: nothing after the loop drops it."""
    loop = next((a for a in cmodel.ancestors(brk) if a.type in ("for_statement", "while_statement",
                                                               "do_statement", "switch_statement")), None)
    if loop is None or loop.type == "switch_statement":
        return False
    base = re.escape(re.split(r"->|\.", obj.lstrip("&*"))[0])
    sib, last = loop.next_named_sibling, flow.line_of(loop)
    while sib is not None:
        line = flow.line_of(sib)
        if any(n not in view.by_new for n in range(last + 1, line + 1)):
            return False  # lines the hunks do not show lie between
        text = cmodel._text(sib)
        if re.search(r"(?<![\w>.])%s\b" % base, text) or sib.type in ("labeled_statement", "goto_statement"):
            return False
        if sib.type == "return_statement":
            return True
        last = line + text.count("\n")
        sib = sib.next_named_sibling
    return False


def puts_for(func: cmodel.Function, jump) -> tuple[list[cmodel.Call], bool]:
    """Putter calls that run when `jump` is taken, and whether the target was visible."""
    before = []
    blk = jump.parent
    if blk is not None and blk.type == "compound_statement":  # puts just before, same block
        for sib in blk.named_children:
            if sib.start_byte >= jump.start_byte:
                break
            before.extend(flow.calls_in(sib))
    if jump.type == "return_statement":
        calls = before + flow.calls_in(jump)
        return [c for c in calls if _apis.is_putter(c.name)], True
    label = cmodel._text(jump.child_by_field_name("label"))
    calls, found = flow.chain_calls(func, label)
    return [c for c in before + calls if _apis.is_putter(c.name)], found


def put_label_skipped(fd, view: flow.FuncView, oj, nj) -> str | None:
    """Hunk mode, the unwind code out of sight: a `goto` to a label named for a put now goes
    to a label not so named (or became a `return`).  The label name is the only evidence, so
    the patch must neither remove the old label nor add the new one (a reworked unwind
    chain), and the goto must not sit in the failure branch of a get the hunk shows (skipping
    the put there fixes a double put).  Returns the old label."""
    old_label = cmodel._text(oj.child_by_field_name("label"))
    if not old_label or not PUT_LABEL.search(old_label):
        return None
    new_label = cmodel._text(nj.child_by_field_name("label")) if nj.type == "goto_statement" else ""
    if new_label and (PUT_LABEL.search(new_label) or _STEP_LABEL.search(new_label)):
        return None  # a step label undoes a later acquisition and may fall through to the put
    labels = re.compile(r"^\s*(%s)\s*:" % "|".join(re.escape(x) for x in (old_label, new_label) if x))
    if any(labels.match(ln.text) for h in fd.hunks for ln in h.lines if ln.kind != " "):
        return None  # the unwind chain itself changes
    if any(label_names_put_of(old_label, api) for _, api in _refpaths.failed_gets_at(view.old, oj)):
        return None
    return old_label


_LOCK_LABEL = lazyre.compile(r"(^|_)(unlock|mutex|spin|rcu|lock|free|kfree|vfree|mem|alloc|dealloc)(_|$)")


def unwind_skipped(fd, view: flow.FuncView, oj, nj) -> str | None:
    """Hunk mode: a `goto` into an unwind label that is out of sight replaced in place by a
    `return` (smatch's "direct return instead of goto"): the return leaves without whatever
    the label undoes.  Not when the patch shows or changes the label (the chain is reworked
    or its code is in sight: the other verdicts judge it), when the label names a lock or a memory free (not a reference), or
    when the goto sat in the failure branch of a get the hunk shows.  Returns the label."""
    if nj.type != "return_statement":
        return None
    label = cmodel._text(oj.child_by_field_name("label"))
    if not label or _LOCK_LABEL.search(label):
        return None
    shown = re.compile(r"^\s*%s\s*:(?!:)" % re.escape(label))
    if any(shown.match(ln.text) for h in fd.hunks for ln in h.lines):
        return None
    if _refpaths.failed_gets_at(view.old, oj):
        return None
    return label


# Label words that say "unwind" but not what: `err_put`, `out_put`, `fail_unref`.
_GENERIC_LABEL_WORDS = frozenset({"err", "error", "out", "fail", "failed", "exit", "bail", "put", "unref",
                                  "undo", "label", "cleanup", "free", "ret", "done", "end"})


def label_names_put_of(label: str, api: _apis.Api) -> bool:
    """Could the put that `label` is named for be the put of a reference `api` takes?  A
    generic `err_put` could be any; `put_device`, `out_put_node`, `err_mod_put` name their
    object, and a failed clk_get() does not excuse skipping `put_device`."""
    words = [w for w in label.lower().split("_") if w and w not in _GENERIC_LABEL_WORDS]
    if not words:
        return True
    names = {t for p in api.putters + (api.getter, api.family) for t in p.lower().split("_") if len(t) > 1}
    return any(w == t or (len(w) >= 3 and (t.startswith(w) or w.startswith(t))) for w in words for t in names)


def part_of(member: str, whole: str | None) -> bool:
    """`codec->dev.of_node` is part of `&codec->dev`: the release of the whole drops it."""
    if not whole:
        return False
    base = re.split(r"->|\.", whole.lstrip("&"))[0]
    return bool(base) and re.match(r"&?%s(->|\.)" % re.escape(base), member) is not None


@dataclass(frozen=True)
class HeldAtReturn:
    line: DiffLine  # the new `return`
    put: cmodel.Call  # the put the main path runs after it
    obj: str


def held_at_returns(view: flow.FuncView, returns: frozenset[int]) -> Iterator[HeldAtReturn]:
    """Hunk mode: a `return` that replaces a `goto` into the unwind ladder, in an `if` followed
    (same block) by a put of an object the hunk does not show being taken or assigned between:
    the main path still holds that reference there, and the ladder the goto entered released
    it.  (`if (ret) { ...; return ret; } of_node_put(mdio_node);`)"""
    if view.new is None or not returns:
        return
    nodes = jump_nodes(view.new)
    for line in sorted(returns):
        j, ln = nodes.get(line), view.by_new.get(line)
        if j is None or ln is None or j.type != "return_statement":
            continue
        stmt = j
        while stmt.parent is not None and stmt.parent.type != "if_statement":
            if stmt.parent.type in ("function_definition", "for_statement", "while_statement",
                                    "do_statement", "switch_statement"):
                stmt = None
                break
            stmt = stmt.parent
        if stmt is None or stmt.parent is None:
            continue
        ifs = stmt.parent
        blk = ifs.parent
        if blk is None or blk.type != "compound_statement":
            continue
        between = ""
        for sib in blk.named_children:
            if sib.start_byte <= ifs.start_byte:
                continue
            if sib.type != "expression_statement":
                break  # another branch or jump: the path below is no longer straight
            puts = [c for c in flow.calls_in(sib) if _apis.is_putter(c.name)]
            if puts:
                p = puts[0]
                obj = _apis.put_object(p.name, list(p.args))
                base = re.escape((obj or "").lstrip("&"))
                if obj and obj != "THIS_MODULE" and not re.search(r"(?<![\w>.])%s\s*=[^=]" % base, between):
                    yield HeldAtReturn(ln, p, obj)
                break
            between += cmodel._text(sib) + "\n"


# The jumps a walk down the fall-through path stops at: past them the path is not straight.
_JUMPS = ("return_statement", "goto_statement", "break_statement", "continue_statement")


def _failure_test_of(cond: str, obj: str) -> bool:
    """Does an `||` part of the condition test the object for NULL or an error pointer
    (`!np`, `IS_ERR(dev)`, `np == NULL`)?  Then the branch runs without the reference."""
    base = re.split(r"->|\.", obj.lstrip("&*"))[0]
    cond = cmodel._fold(cond).strip()
    while cond.startswith("(") and clex.balanced(cond, 1) == cond[1:-1]:
        cond = cond[1:-1].strip()  # the `if`'s own parentheses
    for part in re.split(r"\|\|", cond):
        var = _refpaths.null_tested(part).lstrip("*")
        if var:
            if var == base or _apis.same_object(var, obj):
                return True  # the pointer itself (`!np`), not one of its members (`!np->ready`)
    return False


def _puts_below(start, obj_ok) -> tuple[cmodel.Call, str] | None:
    """From the statement `start`, down the straight fall-through path (its later siblings,
    then the later siblings of each enclosing statement, up to the function body): the first
    put of the table, with the code walked before it.  None at a label or a jump (the path
    below is no longer straight), or when the object is written or taken again first."""
    between = ""
    node = start
    while node is not None and node.type != "function_definition":
        blk = node.parent
        if blk is None:
            return None
        if blk.type == "compound_statement":
            sib = node.next_named_sibling
            while sib is not None:
                if sib.type == "comment":
                    sib = sib.next_named_sibling
                    continue
                if sib.type == "labeled_statement" or sib.type in _JUMPS or \
                        any(n.type in _JUMPS + ("labeled_statement",) for n in cmodel.descendants(sib)):
                    return None
                puts = [c for c in flow.calls_in(sib) if _apis.is_putter(c.name)]
                if puts:
                    if sib.type != "expression_statement" and not _guarded_put(sib, puts[0]):
                        return None  # a put in a loop or a branch: not the path's own
                    return (puts[0], between) if obj_ok(puts[0], between) else None
                between += cmodel._text(sib) + "\n"
                sib = sib.next_named_sibling
        elif blk.type in ("switch_statement", "case_statement", "do_statement"):
            return None
        node = blk
    return None


def _guarded_put(stmt, put: cmodel.Call) -> bool:
    """`if (x) put(x);`: a branch that only tests the object it puts (a NULL guard), with no
    `else` and nothing but the put in it."""
    if stmt.type != "if_statement" or stmt.child_by_field_name("alternative") is not None:
        return False
    obj = _apis.put_object(put.name, list(put.args)) or ""
    cond = cmodel._fold(cmodel._text(stmt.child_by_field_name("condition"))).strip("()! ")
    body = stmt.child_by_field_name("consequence")
    return _apis.same_object(cond, obj) and len(flow.calls_in(body)) == 1


def held_at_added_exits(view: flow.FuncView, exits: frozenset[int]) -> Iterator[HeldAtReturn]:
    """Hunk mode: an exit the patch adds (`if (ret) return ret;`, or a `goto` to a label shown
    below a put) in code whose straight fall-through path then runs a put of an object that
    the fragment shows neither dropped, handed on nor tested for NULL above the exit, nor
    taken or assigned between the exit and the put: the function holds that reference where
    the new exit leaves (the normal path drops it later), so the exit keeps it."""
    func = view.new
    if func is None or not exits:
        return
    # a whole function in sight: only a put the function ran before the patch (a context line)
    # shows that it owns the reference on entry (a new function's puts are judged with its gets)
    whole = func.name != cmodel.FRAGMENT_FUNC
    nodes = jump_nodes(func)
    nodes.update({j.line: j.node for j in func.jumps() if j.kind == "break"})
    for line in sorted(exits):
        j, ln = nodes.get(line), view.by_new.get(line)
        if j is None or ln is None:
            continue
        stmt = j
        while stmt.parent is not None and stmt.parent.type not in ("if_statement", "function_definition"):
            if stmt.parent.type in ("for_statement", "while_statement", "do_statement", "switch_statement",
                                    "case_statement"):
                stmt = None
                break
            stmt = stmt.parent
        if stmt is None or stmt.parent is None or stmt.parent.type != "if_statement":
            continue  # an exit of its own (not a branch): the code below it never runs
        ifs = stmt.parent
        cond = cmodel._text(ifs.child_by_field_name("condition"))
        value = cmodel._text(j)

        def obj_ok(put, between, j=j, cond=cond, value=value):
            unseen = False  # a goto to a label the hunks do not show: the path analysis cannot judge it
            obj = _apis.put_object(put.name, list(put.args))
            if not obj or obj == "THIS_MODULE":
                return False
            base = re.escape(re.split(r"->|\.", obj.lstrip("&*"))[0])
            if re.search(r"(?<![\w>.])%s\s*=[^=]" % base, between) or re.search(r"(?<![\w>.])%s\b" % base, value):
                return False  # taken or reassigned below the exit, or returned by it
            if any(_apis.same_object(o, obj) for _, o in _gets_in(between)):
                return False  # the put balances a get below the exit
            if _failure_test_of(cond, obj) or any(_apis.same_object(f, obj) for f in _refpaths.failed_get_at(func, j)):
                return False
            if j.type == "goto_statement":
                label = cmodel._text(j.child_by_field_name("label"))
                calls, found = flow.chain_calls(func, label)
                lab = func.labels().get(label)
                if not found and _unseen_label_may_put(label, obj):
                    return False  # out of sight, and its name may say it drops this reference
                if not found:
                    unseen = True  # out of sight, named for no put: the straight path's put is the only one
                elif lab is None or lab.line < put.line or any(
                        _apis.same_object(_apis.put_object(c.name, list(c.args)), obj)
                        for c in calls if _apis.is_putter(c.name)):
                    return False  # the label is out of sight, above the put, or puts it too
            above = [c for c in func.calls() if c.line < line]
            if not unseen and j.type != "break_statement" and not func.degraded and any(_apis.same_object(g.obj, obj) for g in _refpaths.gets(func)
                                         if g.call.line < line):
                return False  # the get is in sight: the path analysis judges its exits
            if any(_apis.same_object(_apis.put_object(c.name, list(c.args)), obj) for c in above
                   if _apis.is_putter(c.name)) or any(c.name in _apis.HANDOFF_CALLS and any(
                       _apis.same_object(a.lstrip("&"), obj) for a in c.args) for c in above):
                return False  # dropped or handed on above the exit
            if re.search(r"for_each\w*\s*\([^;{]*\b%s\s*\)" % base, func.text):
                return False  # a loop cursor: the iterator's (MOD030)
            return True

        found = _puts_below(ifs, obj_ok)
        if found is None:
            continue
        put, _ = found
        if j.type == "break_statement" and not _loop_left_bare(view, j, _apis.put_object(put.name, list(put.args))):
            continue  # the code after the loop may drop it
        kept = view.by_new.get(put.line)
        if whole and (kept is None or kept.kind != " "):
            continue
        yield HeldAtReturn(ln, put, _apis.put_object(put.name, list(put.args)))


def _unseen_label_may_put(label: str, obj: str) -> bool:
    """Could an unwind label the hunks do not show put `obj`, by its name: one named for a put
    (`err_put`, `out_unref_node`) or for the object (`err_np`, `fail_node` for a node)?"""
    if PUT_LABEL.search(label) or re.search(r"(^|_)(release|rel|free_node|node|np|of)(_|$)", label):
        return True
    words = set(label.lower().split("_"))
    names = re.findall(r"[A-Za-z]\w*", clex.norm(obj).lstrip("&*"))
    return any(n.lower() in words or set(n.lower().split("_")) & words - {"dev", "err", "out"}
               for n in names[:1] + names[-1:])


def _gets_in(text: str) -> list[tuple[str, str]]:
    """(getter, object) of the table's getter calls in a code text."""
    out = []
    for m in _apis.GETTER_NAMES.finditer(text):
        api = _apis.BY_GETTER[m.group(1)]
        args = list(cmodel.split_args(clex.balanced(text, m.end())))
        obj = _apis.ref_object(api, args, None)
        if obj:
            out.append((m.group(1), obj))
    return out
