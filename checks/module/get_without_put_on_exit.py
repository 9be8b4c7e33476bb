"""A reference taken by a get is not dropped on some exit path of the function.

## What it does
Follows every exit of a function after a successful get (`try_module_get`, `__module_get`,
`fops_get`, `symbol_get`, `i2c_get_adapter`, `get_device`, `of_find_device_by_node` and the
other lookups of the get/put table) and reports the exit that reaches neither the matching put
nor a hand-off of the reference.  `goto` unwind chains are followed label by label.  From the
diff alone it reports what the patch changes on those paths:

- a put removed from an exit path while the exit stays (reported at the removed put), including
  a `module_put(THIS_MODULE)` that balanced a self-pin taken earlier in the function;
- a `goto` retargeted to a label past the put, or replaced by a `return` (reported at the new
  jump); when the unwind code is out of sight, a `goto` that leaves a label named for a put
  (`err_put`, `out_put_node`, `put_device`, `err_mod_put`) for one that is not;
- an added `return`/`goto` after a get that the function otherwise balances;
- a failed get whose error path now runs the put (`if (!try_module_get(m)) goto err_put;`):
  a put of a reference that was never taken.

`for_each_*` iterators left early are MOD030 `iterator-ref-leak`'s.  The getters and their puts
come from the kernel-API table (`checks/data/refs.tsv`).
A reference the function leaves in a longer-lived place is owned there, not leaked: stored in a
structure field, an out-parameter or a file-scope variable, or published by a register call
(`device_add()`, `i2c_new_client_device()`).  On a successful return it is not reported (a
low-confidence "who drops it?" when the file shows no release of it); on an error exit it is
reported unless the file drops it elsewhere (then a low-confidence question: does the caller's
unwind?).  A failed register published nothing: its failure branch still owes the put.  A
reference a function keeps on success and another function of the file drops (taken in probe
or open, put in remove or release) is not reported on the successful exit either.

In tree mode, when Coccinelle (`spatch`) is installed, the whole touched functions of both
images are also searched with semantic patches generated from the get/put table: a lookup's
reference that reaches a `return` unreleased and not handed off, and a registration whose
error path does not release it (its iterator matches go to MOD030).  Only paths the patch
introduces are reported (absent from the pre-image), at the removed put, the added exit or the
added get (`docs/coccinelle.md`).

## Why is this bad?
Each successful get needs exactly one put on every path.  A leaked module reference makes the
module permanently "in use" (`try_stop_module()` fails with `-EWOULDBLOCK`); a leaked device
or node reference keeps the object and its memory alive forever.  A put on the failure path of
the get drops a reference someone else holds: `module_put()` then underflows
(`WARN_ON(ret < 0)`) or the object is freed under its owner.  The `module_put()` kernel-doc:
"If you successfully bump a reference count ... you must call module_put()".

## Example
A patch that drops the put from an error path:
```diff
 	pdev = of_find_device_by_node(np);
 	if (!pdev)
 		return -ENODEV;
 	data = kzalloc(sizeof(*data), GFP_KERNEL);
-	if (!data) {
-		put_device(&pdev->dev);
+	if (!data)
 		return -ENOMEM;
-	}
```

## Use instead
```c
	pdev = of_find_device_by_node(np);
	if (!pdev)
		return -ENODEV;
	data = kzalloc(sizeof(*data), GFP_KERNEL);
	if (!data) {
		put_device(&pdev->dev);
		return -ENOMEM;
	}
```
Or take the reference after the last failure point, or add the put to the unwind label.

## Known problems
In hunk mode only the lines the hunks show are known: a removed put whose get is not shown
is reported at medium confidence, a retargeted `goto` whose new label is not shown at low
confidence.  A `goto err_put` turned into `goto err` trusts the label names: when `err:` is an
earlier unwind step that falls through to `err_put:` (a fix adding a missing step), it is a
false positive; new labels named for a teardown step (`unwind`, `unregister`, `disable`,
`remove`, ...) and patches that add or remove either label are not reported.  A removed put that the changelog explains as a double-put fix is reported at low
confidence.  Hand-offs are recognised by shape (stored into a structure, passed to
`platform_set_drvdata()`, `kthread_run()`, `devm_add_action_or_reset()`, returned, scope-based
`__free()` cleanup); an owner that takes the reference through an unknown helper is a false
positive.

Ownership is judged from the code shown: in hunk mode a release in another function of the
file counts only when the hunks show it (a new file shows all of it); a release in another file
is not seen, so an error exit of a helper whose caller unwinds is a false positive there.
A failure test is recognised as `!x`, `x == NULL`, `IS_ERR(x)`, optionally wrapped in
`WARN_ON()`/`unlikely()`, or a negated predicate on what a register call returned
(`!i2c_client_has_driver(client)`); code after `if (x) { ...; return; }` holds no `x`.  The
release elsewhere is matched by putter and member name (`of_node_put(priv->np)`), so a
same-named local put in another function hides a leak.  Iterator exits are judged on lines: a `break` is reported
only when the rest of the function is shown and neither puts nor keeps the node.

## Confidence
High in tree mode (the whole function is parsed), medium from hunks, low where a label or put
the decision depends on is not shown.

## References
- `include/linux/module.h`, `kernel/module/main.c`: `try_module_get()`/`module_put()` kernel-doc
- `drivers/of/platform.c`: `of_find_device_by_node()` "takes a reference to the embedded struct
  device which needs to be dropped after use"
- da46ee19cbd8 "regulator: core: fix module refcount leak in set_supply()",
  9617cd6f24b2 "block: fix module reference leakage from bdev_open_by_dev error path"
- smatch `check_unwind.c`, `check_direct_return_instead_of_goto.c` (generic, no module refs)
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel, flow
from reviewbot.checks import _intent
from reviewbot.checks._message import short
from reviewbot.checks.module import _apis, _cocci, _ownership, _refpaths
from reviewbot.analysis.clex import statements
from reviewbot.context import Context
from reviewbot.model import Confidence, DiffLine, Finding, Level, Patch, Side
from reviewbot.rules import Rule

RULE = Rule.from_doc(__doc__, id="MOD003", slug="get-without-put-on-exit", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("unbalanced-error-path",),
                     engines=("python", "coccinelle"))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("put", "unref") + _apis.PUTTER_TOKENS  # `goto err_put;` / `goto out_unref;` too

_EXIT = lazyre.compile(r"^(return\b.*;|goto\s+\w+\s*;|\}\s*$)")
_LABEL = lazyre.compile(r"^\w+\s*:$")
_CONTROL = lazyre.compile(r"^(if|for|while|switch|do|else)\b|\b\w+_for_each\w*\s*\(|^for_each\w*\s*\(")



def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    found = list(_python(patch, ctx)) if ctx.engine_on("python") else []
    yield from found
    yield from _cocci.findings(RULE, patch, ctx, found)


def _python(patch: Patch, ctx: Context) -> Iterator[Finding]:
    overput = bool(_intent.explains(patch.message or "", "put"))
    for fd in patch.c_files:
        # (computed on first use) scope-based cleanup or a devm conversion now drops what the
        # removed lines dropped; the get/put calls on the added and removed lines
        cleanup = functools.cache(lambda fd=fd: _cleanup_added(fd))
        calls = functools.cache(lambda putters, fd=fd: _calls_on(fd.added() if putters else fd.removed(), putters))
        # gets the patch removes and does not add back (a rewritten `ret = device_add(d)` line stays)
        gone = functools.cache(lambda fd=fd: [(n, o) for n, o in _calls_on(fd.removed(), False)
                                              if (n, o) not in _calls_on(fd.added(), False)])
        for view in flow.views(fd, ctx, need=_needed):
            # cheap gates first: parse a function only when its hunks show a putter
            shown = view.text() if view.partial else (view.new.text if view.new else view.text())
            if not _apis.has_putter_call(shown) and not _apis.has_putter_call(view.text("-")) \
                    and not _PUT_GOTO.search(view.text("-")):
                continue
            changed, removed = view.text("+-"), view.text("-")
            # the path analysis first: in tree mode, a removed put whose leaking exit it
            # reports is not reported twice (objects it reported go in `reported`)
            reported: set[str] = set()
            exits = []
            if (not view.partial or re.search(r"\b(goto|return)\b", changed)) and \
                    _apis.GETTER_NAMES.search(view.new.text if not view.partial and view.new else shown):
                exits = list(_new_exits(fd, view, ctx, reported))
            if _apis.has_putter_call(removed):
                yield from _removed_puts(fd, view, calls(True), gone(), cleanup(), overput, reported)
            if "goto" in removed:  # a retarget replaces a removed goto
                yield from _retargets(fd, view, cleanup(), overput)
            yield from exits


def _cleanup_added(fd) -> bool:
    added_text = "\n".join(ln.text for ln in fd.added())
    return bool(_apis.CLEANUP_MARKERS.search(added_text) or re.search(r"\bdevm_\w+\s*\(", added_text))


# ------------------------------------------------------------------ removed puts (diff side)

def _calls_on(lines: list[DiffLine], putters: bool) -> list[tuple[str, str]]:
    """(name, object) of the putter (or getter) calls on these lines."""
    out = []
    for st in statements(lines):
        pat = _apis.PUTTER_NAMES if putters else _apis.GETTER_NAMES
        for m in pat.finditer(st.text):
            name = m.group(1)
            args = list(cmodel.split_args(clex.balanced(st.text, m.end())))
            if putters:
                obj = _apis.put_object(name, args)
            else:
                api = _apis.BY_GETTER[name]
                lhs = re.match(r"^(?:[\w\s\*]+?\s\**)?([\w>.\-\[\]&]+)\s*=\s*", st.text)
                obj = _apis.ref_object(api, args, lhs.group(1) if lhs else None)
            if obj:
                out.append((name, obj))
    return out


def _removed_puts(fd, view: flow.FuncView, added_puts, removed_gets, cleanup: bool,
                  overput: bool, reported: set[str]) -> Iterator[Finding]:
    new_gets = {g.obj for g in _refpaths.gets(view.new)} if view.new is not None else set()
    for h in view.hunks:
        old = h.old_side()
        stmts = statements(old)
        for i, st in enumerate(stmts):
            if not all(ln.removed for ln in st.lines):
                continue
            m = clex.CallStmt.parse(st.text)
            if not m or not _apis.is_putter(m.name):
                continue
            name = m.name
            obj = _apis.put_object(name, list(cmodel.split_args(m.args)))
            if not obj:
                continue
            if any(_apis.same_object(o, obj) for _, o in added_puts):
                continue  # moved or rewritten, not dropped
            if any(name in _apis.BY_GETTER[g].putters and _apis.same_object(o, obj) for g, o in removed_gets):
                continue  # the get this put answers goes too: a removed pair (MOD019/MOD025)
            if _swapped(h, st):
                continue  # one put replaced by another: MOD019 judges the pair
            if cleanup:
                continue  # __free()/scoped/devm action now drops it
            if not view.partial and any(_apis.same_object(obj, g) for g in reported):
                continue  # tree mode: the path analysis reports the leaking exit
            exit_ok = _on_kept_exit_path(stmts, i, obj)
            if exit_ok is None:
                continue
            if _added_goto_puts(view, h, obj):
                continue  # the put moved into an unwind label the new code jumps to
            conf = Confidence.LOW if overput else (
                Confidence.HIGH if any(_apis.same_object(obj, g) for g in new_gets) else None)
            line = st.line_of(re.escape(name))
            yield RULE.finding(fd.path, line, f"removed {name}({short(obj)}) leaves the reference "
                                              f"held on this exit path", confidence=conf)


def _added_goto_puts(view: flow.FuncView, h, obj: str) -> bool:
    gotos = [m.group(1) for ln in h.lines if ln.added for m in [re.search(r"\bgoto\s+(\w+)", ln.text)] if m]
    if not gotos or view.new is None:
        return False
    for label in gotos:
        calls, found = flow.chain_calls(view.new, label)
        if found and _refpaths.puts_of(calls, obj):
            return True
        if not found and view.partial and _PUT_LABEL.search(label):
            return True  # the label is out of sight, but its name says it drops a reference
    return False


def _swapped(h, st) -> bool:
    """The removed put sits in a -/+ replacement whose added side calls another putter."""
    idx = h.lines.index(st.lines[0])
    # the neighbouring added run (before or after)
    before = [ln for ln in h.lines[max(0, idx - 6):idx] if ln.added]
    after = [ln for ln in h.lines[idx:idx + 8] if ln.added]
    for ln in before + after:
        mm = _apis.PUTTER_NAMES.search(ln.text)
        if mm:
            return True
    return False


def _on_kept_exit_path(stmts, i: int, obj: str) -> bool | None:
    """After the removed put at stmts[i]: does a kept exit follow (only simple statements in
    between), or is the put inside an unwind label section?  None: not an exit path, or a
    kept put of the same object still runs before the exit (a duplicate was removed)."""
    under_label = any(_LABEL.match(s.text) for s in stmts[max(0, i - 4):i]
                      if not any(ln.added for ln in s.lines)) and not any(
        _CONTROL.search(s.text) for s in stmts[max(0, i - 4):i])
    kept_seen = 0
    for st in stmts[i + 1:i + 10]:
        kept = not all(ln.removed for ln in st.lines)
        text = st.text
        if kept:
            m = clex.CallStmt.parse(text)
            if m and _apis.is_putter(m.name) and _apis.same_object(
                    _apis.put_object(m.name, list(cmodel.split_args(m.args))), obj):
                return None
        if _EXIT.match(text):
            if kept:
                return True
            continue  # a removed exit (e.g. the goto that led here): keep looking
        if _LABEL.match(text):
            continue
        if _CONTROL.search(text) or text.endswith("{"):
            return True if under_label and kept_seen else None
        kept_seen += kept
    return True if under_label else None


# ------------------------------------------------------------------ retargeted jumps

def _jump_nodes(func: cmodel.Function | None) -> dict[int, object]:
    if func is None:
        return {}
    return {j.line: j.node for j in func.jumps() if j.kind in ("return", "goto")}


def _puts_for(func, jump, aliases) -> tuple[list[cmodel.Call], bool]:
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


def _retargets(fd, view: flow.FuncView, cleanup: bool, overput: bool) -> Iterator[Finding]:
    if view.old is None or view.new is None:
        return
    old_j, new_j = _jump_nodes(view.old), _jump_nodes(view.new)
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
            old_puts, old_found = _puts_for(view.old, oj, old_alias)
            new_puts, new_found = _puts_for(view.new, nj, new_alias)
            if view.partial and not old_puts and not new_puts and not cleanup and not overput:
                named = _put_label_skipped(fd, view, oj, nj)
                if named:
                    where = "goto" if nj.type == "goto_statement" else "return"
                    yield RULE.finding(fd.path, nln, f"this {where} no longer runs the unwind step "
                                                     f"'{named}', whose name says it drops a reference")
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
                if any(_part_of(pobj, _apis.put_object(q.name, list(q.args))) for q in new_puts):
                    continue  # a member of an object the new path releases as a whole
                if cleanup:
                    break
                conf = Confidence.LOW if (view.partial and not new_found) or overput else (
                    Confidence.HIGH if not view.partial else None)
                where = "goto" if nj.type == "goto_statement" else "return"
                yield RULE.finding(fd.path, nln, f"this {where} skips {p.name}({short(pobj)}) that "
                                                 f"the old unwind path ran", confidence=conf)
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
                yield RULE.finding(fd.path, nln, f"after a failed get this path runs "
                                                 f"{p.name}({short(pobj)}): a put without a get")
                break


# An unwind label named for dropping a reference: `err_put`, `out_put_node`, `put_device`,
# `err_mod_put`, `out_unref` (a `_`-separated token).
_PUT_LABEL = lazyre.compile(r"(^|_)(put|unref)(_|$)")
_PUT_GOTO = lazyre.compile(r"\bgoto\s+(\w+_)?(put|unref)(_\w*)?\s*;")
# Labels that undo an acquisition made after the get: unwinding in reverse order, they sit
# before the put label and fall through to it (`goto out_put` -> `goto err_unregister`).
_STEP_LABEL = lazyre.compile(r"(^|_)(unwind|unreg\w*|remove|disable|del|destroy|cancel|stop|detach|"
                         r"deinit|uninit|unmap|unprepare|deassert|teardown)(_|$)")


def _needed(text: str) -> bool:
    """Does a hunk group show a putter call or a `goto` to a put label (else: nothing to do)?
    (Iterators left early are MOD030's.)"""
    return _apis.has_putter_call(text) or ("goto" in text and _PUT_GOTO.search(text) is not None)


def _put_label_skipped(fd, view: flow.FuncView, oj, nj) -> str | None:
    """Hunk mode, the unwind code out of sight: a `goto` to a label named for a put now goes
    to a label not so named (or became a `return`).  The label name is the only evidence, so
    the patch must neither remove the old label nor add the new one (a reworked unwind
    chain), and the goto must not sit in the failure branch of a get the hunk shows (skipping
    the put there fixes a double put).  Returns the old label."""
    old_label = cmodel._text(oj.child_by_field_name("label"))
    if not old_label or not _PUT_LABEL.search(old_label):
        return None
    new_label = cmodel._text(nj.child_by_field_name("label")) if nj.type == "goto_statement" else ""
    if new_label and (_PUT_LABEL.search(new_label) or _STEP_LABEL.search(new_label)):
        return None  # a step label undoes a later acquisition and may fall through to the put
    labels = re.compile(r"^\s*(%s)\s*:" % "|".join(re.escape(x) for x in (old_label, new_label) if x))
    if any(labels.match(ln.text) for h in fd.hunks for ln in h.lines if ln.kind != " "):
        return None  # the unwind chain itself changes
    if any(_label_names_put_of(old_label, api) for _, api in _refpaths.failed_gets_at(view.old, oj)):
        return None
    return old_label


# Label words that say "unwind" but not what: `err_put`, `out_put`, `fail_unref`.
_GENERIC_LABEL_WORDS = frozenset({"err", "error", "out", "fail", "failed", "exit", "bail", "put", "unref",
                                  "undo", "label", "cleanup", "free", "ret", "done", "end"})


def _label_names_put_of(label: str, api: _apis.Api) -> bool:
    """Could the put that `label` is named for be the put of a reference `api` takes?  A
    generic `err_put` could be any; `put_device`, `out_put_node`, `err_mod_put` name their
    object, and a failed clk_get() does not excuse skipping `put_device`."""
    words = [w for w in label.lower().split("_") if w and w not in _GENERIC_LABEL_WORDS]
    if not words:
        return True
    names = {t for p in api.putters + (api.getter, api.family) for t in p.lower().split("_") if len(t) > 1}
    return any(w == t or (len(w) >= 3 and (t.startswith(w) or w.startswith(t))) for w in words for t in names)


def _part_of(member: str, whole: str | None) -> bool:
    """`codec->dev.of_node` is part of `&codec->dev`: the release of the whole drops it."""
    if not whole:
        return False
    base = re.split(r"->|\.", whole.lstrip("&"))[0]
    return bool(base) and re.match(r"&?%s(->|\.)" % re.escape(base), member) is not None


# ------------------------------------------------------------------ exits after a get



def _leaks(func: cmodel.Function, partial: bool, name: str = "",
           had_puts: bool = False) -> list[tuple[_refpaths.Get, object, str]]:
    """(get, exit node, holder) where the exit keeps the reference.  `holder` is "" for a
    reference only the function holds; "owned" for a successful exit that leaves it in a
    longer-lived object (the question is then who drops it, not whether this exit must);
    "stored" for an error exit that leaves it there (a caller's unwind may drop it)."""
    out = []
    # a `*_get()` helper hands its reference to the caller on success (the caller must put)
    getter_helper = re.search(r"(^|_)get$", name or func.name or "") is not None
    if func is None or func.body is None:
        return out
    jumps = [j for j in func.jumps() if j.kind in ("return", "goto")]
    for g in _refpaths.gets(func):
        if not had_puts and not any(_apis.is_putter(c.name) for c in func.calls()):
            break
        own_puts = [c for c in func.calls() if c.name in g.api.putters and c.line > g.call.line
                    and _apis.same_object(_apis.put_object(c.name, list(c.args)), g.obj)]
        if partial and not own_puts:
            continue  # hunk mode: only when the fragment shows the function balancing it
        if g.api.ref == "ret" and not g.call.lhs:
            continue
        gstmt = g.call.node
        while gstmt is not None and gstmt.parent is not None and gstmt.parent.type != "compound_statement":
            gstmt = gstmt.parent
        block = gstmt.parent if gstmt is not None else None
        if block is None:
            continue
        for j in jumps:
            if j.line <= g.call.line or not cmodel.contains(block, j.node):
                continue
            if getter_helper and j.kind == "return" and not _ownership.ERROR_RETURN.match(j.value):
                continue
            if g.call.in_condition and cmodel.contains(gstmt, j.node) and flow.enclosing_if(j.node) is gstmt:
                continue  # `if (!try_module_get(m)) return ...;`
            if any(_apis.same_object(f, g.obj) for f in _refpaths.failed_get_at(func, j.node)):
                continue
            if any(_apis.same_object(_apis.put_object(c.name, list(c.args)), g.obj)
                   for c in _refpaths.path_puts(func, g.call.line, j.node)):
                continue
            if _refpaths.stored_or_returned(func, g.obj, g.call.line, j.node):
                continue
            if j.kind == "goto":
                calls, found = flow.chain_calls(func, j.label)
                if not found:
                    continue
                if any(_apis.same_object(_apis.put_object(c.name, list(c.args)), g.obj)
                       for c in calls if _apis.is_putter(c.name)):
                    continue
                if any(c.name in _apis.HANDOFF_CALLS for c in calls):
                    continue
            if _ownership.known_null_here(func, g, j) or _ownership.put_in_found_branch(func, g, j):
                continue  # after `if (np) { ...; return ...; }` / `if (np) { ...; put(np); }`
            if _ownership.loop_condition_get(g, j):
                continue  # `while ((x = get(...))) { put(x); ... }`: ends with x NULL
            if _ownership.handed_on(func, g, j):
                continue  # drvdata, a completion callback or a work item owns it now
            success = _ownership.success_exit(j) or _ownership.success_of_status(func, g, j)
            if _ownership.published(g, func) and not (g.api.ref_on_failure and _ownership.in_failure_branch(func, g, j)):
                # owned by a longer-lived object: on success, who drops it?  On an error
                # exit, a caller's unwind may (asked below when the file shows its release)
                out.append((g, j, "owned" if success else "stored"))
                continue
            # a successful exit keeping a reference that another function of the file drops
            # (taken in probe or open, put in remove or release) is not reported either
            out.append((g, j, "kept" if success else ""))
    return out


def _key(g: _refpaths.Get, j) -> tuple:
    return (g.call.name, g.obj, j.kind, j.label, re.sub(r"\s+", "", j.value))


def _new_exits(fd, view: flow.FuncView, ctx: Context, reported: set[str]) -> Iterator[Finding]:
    if view.new is None:
        return
    # tree mode: a function whose last put the patch removed is still one that puts
    had_puts = not view.partial and view.old is not None and any(_apis.is_putter(c.name) for c in view.old.calls())
    new_leaks = _leaks(view.new, view.partial, view.name, had_puts)
    if not new_leaks:
        return
    old_keys = {_key(g, j) for g, j, _ in _leaks(view.old, view.partial, view.name, had_puts)} \
        if view.old is not None else set()
    changed = view.changed()
    shown: list[str] = []  # the file's text as far as it is known, for the owner's release
    seen: set[tuple] = set()
    for g, j, holder in new_leaks:
        # one finding per exit and object (device_initialize() then device_add() of one device)
        if (j.line, re.sub(r"(->|\.)(dev|kobj)$", "", g.obj.lstrip("&"))) in seen:
            continue
        seen.add((j.line, re.sub(r"(->|\.)(dev|kobj)$", "", g.obj.lstrip("&"))))
        released = False
        if holder:
            if not shown:
                shown.append(_ownership.outside(ctx.post(fd.path) or "\n".join(
                    ln.text for h in fd.hunks for ln in h.lines if ln.kind != "-"), view.new, view.partial))
            released = _ownership.released_elsewhere(shown[0], g)
            if holder in ("owned", "kept") and released:
                continue
            if holder == "kept":
                holder = ""  # nothing else drops it: a leak
        ln = view.by_new.get(j.line)
        if view.partial:
            if ln is None or not ln.added:
                continue  # hunk mode: report only exits the patch adds
        elif _key(g, j) in old_keys:
            continue  # tree mode: the leak was there before the patch
        if ln is None:
            ln = next((c for c in changed if c.added), None) or (changed[0] if changed else None)
            if ln is None:
                continue
        where = f"goto {j.label}" if j.kind == "goto" else "return"
        conf = Confidence.HIGH if not view.partial and not view.new.degraded else None
        if view.new.degraded:
            conf = Confidence.LOW if view.partial else None
        anchor_side = Side.OLD if ln.removed else Side.NEW
        if holder == "stored" and released:
            yield RULE.finding(fd.path, ln, f"{where} keeps the {g.call.name}() reference in "
                                            f"{short(g.obj, 24)}: does the caller's unwind drop it?",
                               confidence=Confidence.LOW, side=anchor_side)
            continue
        if holder == "owned":
            yield RULE.finding(fd.path, ln, f"{g.call.name}() reference kept in {short(g.obj, 24)} "
                                            f"after this {where}: who drops it?",
                               confidence=Confidence.LOW, side=anchor_side)
            continue
        reported.add(g.obj)
        yield RULE.finding(fd.path, ln, f"{where} leaks the reference from {g.call.name}() "
                                        f"({short(g.obj, 24)})", confidence=conf, side=anchor_side)
