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
  (`err_put`, `out_put_node`, `put_device`, `err_mod_put`) for one that is not, and a `goto`
  moved from a label the hunk shows below it (one that runs a put) to a label out of sight:
  the ladder runs its labels in order, so the new one lies past the put;
- a `goto` into the unwind ladder replaced by a `return` after a get the hunk shows (the
  ladder released it; the failure branch of a register call still owes the put), unless the
  patch moves to `__free()`/`guard()`/`devm_*()` release, or before a put that the main path
  runs just after its `if` (`if (ret) return ret; of_node_put(np);`: the node is held there);
  with the ladder out of sight too, a `goto` into a label that the patch neither shows nor
  changes replaced by a `return` skips whatever that label undoes (smatch's "direct return
  instead of goto"), unless the label names a lock or a memory free (`out_unlock`,
  `err_free_buf`): those are not references;
- an added `return`/`goto` after a get that the function otherwise balances (or balanced
  before the patch removed its put), and a kept exit whose `if` the patch rewrote so that it
  now runs with the reference held (`if (!pdev || !platform_get_drvdata(pdev)) return ...;`);
  with the get out of sight (hunk mode), an added exit (`if (ret) return ret;`, a `goto` to a
  label shown below the put) above a put that the straight fall-through path then runs, when
  the hunk shows the object neither dropped, handed on nor tested for NULL before the exit,
  nor taken or assigned between the exit and the put: the normal path drops the reference
  there, so the function holds it where the new exit leaves (a `goto` to a label out of sight
  too, unless the label's name says it puts something or names the object: `err_put`,
  `out_node`; and an added `break` between a loop body's get and its put, when the code the
  hunk shows after the loop returns without naming the object);
- a removed second stage of a two-stage release of the kernel-API table (`mdiobus_unregister()`
  then `mdiobus_free()`, `phy_device_remove()` then `phy_device_free()`): the first stage only
  undoes the registration, the memory's reference is never dropped;
- a removed put of a local, with no later put, reassignment or return of it, in the function's
  outermost block or in a loop body or `if` branch with more code after it (`ret =
  of_address_to_resource(np, 0, &res); of_node_put(np); if (ret < 0) ...`): every exit after
  it now keeps the reference, and each round of a loop leaks one;
- a put moved from the straight path into the branch that follows it and exits
  (`r = of_platform_populate(...); put_device(&pdev->dev); if (r) { ...; return r; }` becomes
  `if (r) { put_device(&pdev->dev); return r; }`): the path that goes on past the branch no
  longer drops the reference, unless the patch puts it elsewhere too or the code after the
  branch still uses the object (the old put was premature);
- a removed put, in a teardown function (`*_remove()`, `*_release()`, `*_disconnect()`, ...),
  of a reference kept in a structure member (`put_device(usb3->host_dev)`), or a removed
  `devm_add_action_or_reset()` whose callback only put its argument: the stored reference
  is never dropped (tree mode: unless another teardown step or devm action of the file does);
- a failed get whose error path now runs the put (`if (!try_module_get(m)) goto err_put;`):
  a put of a reference that was never taken;
- a put that the patch leaves right after an unconditional `return`/`goto`/`break`/`continue`
  of the same block: it never runs (a put moved below its return);
- a get of the table (`x = getter(...)`) moved up, in one hunk, above a `return` it used to
  follow: that return now leaves with the reference;
- a bare get (`get_device(&x->dev)`, `kref_get(&x->ref)`) added right before a constructor
  (`*_alloc()`, `*_create()`, `*_new()`, not a lookup, not one that publishes the object)
  returns that object: the caller already owns the reference `device_initialize()`/
  `kref_init()` made, and this one is never dropped;
- a declaration that loses its scope-based cleanup (`struct device_node *np __free(device_node)
  = ...` -> `struct device_node *np = ...`, the reference classes of `include/linux/cleanup.h`
  users) while the patch adds no put or hand-off of the variable: every exit of its scope
  keeps the reference the cleanup dropped (reported at the new declaration).

`for_each_*` iterators left early are MOD030 `iterator-ref-leak`'s.  The getters and their puts
come from the kernel-API table (`checks/data/refs.tsv`).
A removed put of the object a release callback releases (`put_device(dev)` in
`foo_release(struct device *dev)`) ran at a count of zero: removing it is no leak.
A removed put that was itself an over-put where it stood (MOD019's detectors run on the old
code: a put after `fd_install()`/`filp_close()`/an unregister, of a `__free()` variable, of
a match-table callback's node, in a failed get's branch, ...) is the fix of one: not reported.
A reference a call of the table consumes (`fd_install()`, `drm_sched_job_add_dependency()` even
when it fails; `dma_buf_fd()` only when it succeeds) is not leaked by the exits after that call.
In tree mode a patch that gives a function its first put does not own the leaks its unchanged
exits had before (the old function is judged as the new one is).
A reference the function leaves in a longer-lived place is owned there, not leaked: stored in a
structure field, an out-parameter or a file-scope variable, or published by a register call
(`device_add()`, `i2c_new_client_device()`).  On a successful return it is not reported (a
low-confidence "who drops it?" when the file shows no release of it); on an error exit it is
reported unless the file drops it elsewhere (then a low-confidence question: does the caller's
unwind?).  A failed register published nothing: its failure branch still owes the put.  A
reference a function keeps on success and another function of the file drops (taken in probe
or open, put in remove or release) is not reported on the successful exit either.  Nor is a
reference handed, before the exit, to a call that is also given a release callback of the code
shown that drops it (`iscsi_boot_create_target(..., phba, ..., release)`), unless the exit
tests that the call made nothing; an exit under `if (!p)` where the get counted `p` or
dereferenced it (`drm_dev_get(p->dev)`) and `p` was not set again; or a put of the local a
getter that counts its argument returned (`fence = dma_fence_get(x)`, then `dma_fence_put(fence)`);
nor an unwind that calls a function of the code shown that puts the object by the same name
(`fail_remove: sbp2_remove(unit);`).  A local set once to a member (`dev = &layout->dev`) is
held by that structure like the member itself.

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

A removed put is a leak only if a get is still unmatched on its path: one that follows a put
of the same object on the same straight path (a second put, a put after an unregister, after
a lookup that dropped its `@from`) fixes an over-put, and one that ends a loop body (tree mode:
a `for_each_*` loop over that cursor) was the iterator's to drop.

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

A removed put of the firmware node of the function's own parameter device
(`of_node_put(pdev->dev.of_node)`), or of a node the function is given as a parameter
(`of_node_put(np)`, `fwnode_handle_put(fwnode)`), with no get in sight is reported at low
confidence: the caller holds that reference, so the put was most likely one too many.  A
teardown function is recognised by its name; a stored reference released through a helper of
another file is a false positive in tree mode too.

A put the patch moves further down, past an unchanged exit it used to precede (`put(np); if
(!pdev) return ...;` becomes `if (!pdev) return ...; put(np);`), is reported at the put (tree
mode: at that exit): the exit now keeps the reference.

A removed put right before `return x;` of the same object is not reported (the reference goes
to the caller with the pointer), nor one before a `goto L` whose label is out of sight and
named for a put of that very object (`goto err_put_codec` after `put_device(codec_dev)`: the
unwind puts it, so the removed put was a second one).

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

import dataclasses
import functools
import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel, flow
from reviewbot.checks import _intent
from reviewbot.checks import _kapi as kapi
from reviewbot.checks._hunks import hunk_names, hunks, kind_text, names_on, replacement
from reviewbot.checks._message import short
from reviewbot.checks.module import _apis, _cleanup_put, _cocci, _dropped_puts, _exit_leaks, _extra_get, _ownership, _refdiff, _refpaths, _release_cb, _stored, _unwind
from reviewbot.analysis.clex import norm, statements
from reviewbot.context import Context
from reviewbot.model import Confidence, DiffLine, Finding, Level, Patch, Side
from reviewbot.rules import Rule

RULE = Rule.from_doc(__doc__, id="MOD003", slug="get-without-put-on-exit", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("unbalanced-error-path",),
                     engines=("python", "coccinelle"))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("put", "unref", "goto", "__free") + _apis.PUTTER_TOKENS + tuple(sorted(_apis.BY_GETTER))  # `goto err_put;`, `goto` -> `return`, `out_unref`, a get moved
# What it says about a C file depends on that file (and the commit message) alone: it runs
# only on the files that hold a TRIGGER string (reviewbot.engine).
TRIGGER_PER_FILE = True
# Tree mode decides from the whole functions (a removed put inside a `for_each_*` loop, a put
# whose @from lookup dropped it): the hunk-only run would report what the tree rules out.
TREE_VERDICT = True




def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    found = list(_python(patch, ctx)) if ctx.engine_on("python") else []
    cocci = list(_cocci.findings(RULE, patch, ctx, found, keep=functools.partial(_cocci_leak_stands, ctx, {}, patch=patch)))
    if ctx.has_tree:
        # tree mode: the path count judges the exit leaks (a finding the other engines made at an
        # exit of a function it walked, with no new leak near by, is not one), and adds those
        # the post-image's paths newly have
        verdicts = _Verdicts(patch, ctx)
        found = [f for f in found if not _refuted(f, verdicts)]
        cocci = [f for f in cocci if _kept_in_field(f) or not _refuted(f, verdicts)]
        cocci = [f for f in cocci if not _told_by_python(f, found, ctx)]
    out = list(_at_rewrites(patch, found + cocci))
    if ctx.engine_on("python") and ctx.has_tree:
        out += _refdiff.findings(RULE, patch, ctx, ("leak",), found + cocci)
    # the engine keeps a rule's first finding at a line: the surest one goes first (a leak of
    # the reference the function took, before a question about one kept in a structure)
    yield from sorted(out, key=lambda f: f.effective_confidence.rank)


def _kept_in_field(f: Finding) -> bool:
    """A Coccinelle leak of a reference kept in a field of a local structure (its "field"
    kind: `priv->client = ...`, then an exit that fails the function): the path count takes
    the store for a hand-off and cannot judge it, so it does not refute it."""
    m = re.search(r"leaks the reference from \w+\(\) \((\w+->[\w.>-]+)\)$", f.message)
    return m is not None and f.message.startswith(_cocci._LEAK)


def _told_by_python(f: Finding, found: list[Finding], ctx: Context) -> bool:
    """A Coccinelle leak of a reference the function never drops, that a Python finding in the
    same function already reports ("return leaks the reference from X() (obj)"): one leak is
    one finding (xilinx-tpg.c xtpg_parse_of(): `ports` is put on no path)."""
    m = re.search(r"leaks the reference from (\w+\(\) \(.*\))$", f.message)
    if m is None or not f.message.startswith(_cocci._LEAK):
        return False
    same = [g for g in found if g.path == f.path and g.side is f.side and g.message.endswith(m.group(1))]
    if not same:
        return False
    text = ctx.post(f.path) if f.side is Side.NEW else ctx.pre(f.path)
    cf = cmodel.parse(text) if text else None
    func = cf.function_at(f.line) if cf is not None else None
    if func is None:
        return False
    obj = m.group(1).split("() (", 1)[1][:-1]
    if obj.endswith("…"):
        return False
    same = [g for g in same if func.start <= g.line <= func.end]
    if any(_apis.is_putter(c.name) and _apis.same_object(_apis.put_object(c.name, list(c.args)), obj)
           for c in func.calls()):
        # the function drops it somewhere: each leaking exit tells its own path, but a return
        # the get reaches only through labels is the end of the gotos the path analysis judged
        # one by one (am65-cpsw-nuss.c: `goto err_pm_clear` ... `err_pm_clear: ...; return ret;`)
        api = m.group(1).split("()", 1)[0]
        gets = [g for g in _refpaths.gets(func) if g.call.name == api and _apis.same_object(g.obj, obj)]
        exits = [j for j in func.jumps() if j.kind == "return" and j.line == f.line]
        gotos = {j.line for j in func.jumps() if j.kind == "goto"}
        return bool(gets and exits and any(g.line in gotos for g in same)) and all(
            _exit_leaks._only_by_goto(g.call.node, exits[0].node) for g in gets if g.call.line < f.line)
    return bool(same)


def _at_rewrites(patch: Patch, findings: list[Finding]) -> Iterator[Finding]:
    """A finding on a removed line that the patch rewrote (`-put(child);` `+put(np);`) points
    at what the patch wrote there: the line a reviewer reads in the new code."""
    files = {fd.path: fd for fd in patch.c_files}
    for f in findings:
        fd = files.get(f.path)
        if f.side is Side.OLD and fd is not None:
            ln = next((x for h in fd.hunks for x in h.lines if x.removed and x.old_no == f.line), None)
            new = replacement(fd, ln)
            if new is not None:
                f = dataclasses.replace(f, line=new.new_no, side=Side.NEW, text=new.text.rstrip())
        yield f


class _Verdicts:
    """{path: _refdiff.verdict} of the patch's C files, each walked on first use: only a file
    with an exit-leak finding to judge needs its functions' paths counted."""

    def __init__(self, patch: Patch, ctx: Context):
        self._fds = {fd.path: fd for fd in patch.c_files}  # the last of a path, as a dict made from them
        self._ctx = ctx
        self._done: dict = {}

    def get(self, path):
        if path not in self._done:
            fd = self._fds.get(path)
            self._done[path] = None if fd is None else _refdiff.verdict(fd, self._ctx)
        return self._done[path]


def _refuted(f: Finding, verdicts: _Verdicts) -> bool:
    """An exit-leak finding (the path analysis' "return leaks the reference from ...", the
    Coccinelle path's "an exit path leaks the reference from ...") the path count refutes, or a
    removed put it counted as an over-put of the pre-image."""
    if f.line is None:
        return False
    if "leaves the reference held on this exit path" in f.message and f.side.value == "old":
        v = verdicts.get(f.path)
        return v is not None and v.was_overput(f.line)  # the removed put was one too many: removing it fixes that
    if "leaks the reference from" not in f.message:
        return False
    v = verdicts.get(f.path)
    return v is not None and v.refutes(f.side.value, f.line)


def _given_by_caller(func: cmodel.Function, obj: str) -> bool:
    """Is `obj` (`phy`, `&phy->mdio.dev`) a parameter's object that the function never sets?
    The reference a failed registration leaves is the creator's: `fwnode_mdiobus_phy_device_register(bus,
    phy, ...)` returns phy_device_register()'s error to its caller, whose `clean_phy:` runs
    phy_device_free(); `register_virtio_device(dev)` initialises the caller's `dev->dev` and, like
    device_register(), leaves the put after a failure to the caller."""
    return _ownership.callers_object(func, obj)


def _cocci_leak_stands(ctx: Context, parsed: dict, m, patch: Patch | None = None) -> bool:
    """A Coccinelle leak path stands unless what the reference's owner does says the exit holds
    nothing: the exit follows `if (x) {...; put(x);}` or sits in its `else` (x NULL), it is in the
    get's own failure branch, the loop the get tests has ended, or the reference was stored,
    returned or handed on (the same ownership rules as the Python path analysis); a reference
    the function never drops is one finding, not one per exit.  A failed registration's path
    stands unless its branch drops the object under another name (`dev = &ffa_dev->dev; ...
    put_device(dev);`)."""
    if m.kind not in ("leak", "register", "field", "take"):
        return True
    if m.path not in parsed:
        text = ctx.post(m.path)
        parsed[m.path] = cmodel.parse(text) if text else None
    cf = parsed[m.path]
    func = cf.function_at(m.get_line) if cf is not None else None
    if func is None or func.body is None:
        return True
    if m.kind == "field":
        return not _field_dropped_by_helper(func, m)
    if m.kind == "take":
        return not _take_handed_on(func, m)
    if m.kind == "register":
        objs = [norm(c.args[0]) for c in func.calls() if c.line == m.get_line and c.name == m.api and c.args]
        if any(c.name.startswith("devm_") and c.lhs and c.line < m.get_line and any(
                _refpaths.same_local(func, c.lhs, o) for o in objs) for c in func.calls()):
            return False  # `host = devm_spi_alloc_host(...)`: devres drops the reference
        if objs and all(_given_by_caller(func, o) for o in objs):
            return False  # the caller made the object and holds its first reference: its unwind puts it
        return not any(
            _apis.is_putter(p.name) and m.get_line < p.line < m.exit_line and c.args
            and _refpaths.same_local(func, _apis.put_object(p.name, list(p.args)), norm(c.args[0]))
            for c in func.calls() if c.line == m.get_line and c.name == m.api for p in func.calls())
    gets = [g for g in _refpaths.gets(func) if g.call.line == m.get_line and g.call.name == m.api]
    jumps = [j for j in func.jumps() if j.line == m.exit_line and j.kind in ("return", "goto")]
    if not jumps and m.exit_line == func.end and func.body.children:
        if _endless(func.body):
            return False  # `while (1) { ... }` left only by its returns: no path reaches the brace
        # a void function's end: the path falls off its closing brace
        jumps = [cmodel.Jump("return", func.end, node=func.body.children[-1])]
    if not gets and any(c.line == m.get_line and c.name == m.api and _refpaths.cleanup_owned(
            func, c, _apis.ref_object(_apis.BY_GETTER[c.name], list(c.args), c.lhs) or "")
            for c in func.calls() if c.name in _apis.BY_GETTER):
        return False  # a `__free()` variable owns the reference
    if len(gets) != 1 or not jumps:
        return True
    g, j = gets[0], jumps[0]
    if any(_apis.same_object(f, g.obj) for f in _refpaths.failed_get_at(func, j.node)):
        return False
    if _ownership.known_null_here(func, g, j) or _ownership.put_in_found_branch(func, g, j) \
            or _ownership.loop_condition_get(g, j) or _ownership.handed_on(func, g, j) \
            or _refpaths.stored_or_returned(func, g.obj, g.call.line, j.node):
        return False
    if _ownership.published(g, func) and _ownership.success_exit(j):
        return False
    if _ownership.success_exit(j) and patch is not None and _ownership.enabled_for_good(
            func, g, j, _never_module(ctx, patch, m.path, parsed)):
        return False  # an __init of built-in code left it enabled, running for the kernel's life
    if _ownership.success_exit(j):
        rest = _ownership.outside(ctx.post(m.path) or "", func, False)
        if _ownership.put_from_drvdata(func, g, rest) or _ownership.kept_by_object_made(func, g, j, rest):
            return False  # kept on success, dropped by the file's teardown (ohci-sm501.c, sh_vou.c)
    if _ownership.success_of_status(func, g, j) and any(
            (row := kapi.get(c.name)) is not None and row.kind == "register" and c.args
            and g.call.line < c.line < j.line and _refpaths.same_local(func, c.args[0], g.obj) for c in func.calls()):
        return False  # `ret = platform_device_add(x); if (ret) put(x); return ret;`: registered on success
    if any(not _apis.same_object(po, g.obj) and _refpaths.same_local(func, po, g.obj)
           for po in (_apis.put_object(c.name, list(c.args)) for c in _refpaths.path_puts(func, g.call.line, j.node))):
        return False  # put under another name on the way (`ndns = to_ndns(found); put_device(&ndns->dev)`)
    if _ownership.guarded_put_before(func, g, j):
        return False  # `out: if (phydev) phy_disconnect(phydev); return ret;`: x is valid there
    if j.kind == "return" and _ownership.dropped_by_helper(func, g, _exit_leaks._calls_before(j.node)):
        return False  # `err: ushc_clean_up(ushc); return ret;`, whose body frees ushc->int_urb (ushc.c)
    if not _exit_leaks.puts_anywhere(func, g):
        once = parsed.setdefault("never put", set())
        if (m.path, m.get_line) in once:
            return False
        once.add((m.path, m.get_line))
    return True


def _endless(body) -> bool:
    """Does the function body end in a loop that only a return or goto leaves (`while (1)`,
    `for (;;)`, no `break` of its own)?  of_graph_get_next_endpoint() in drivers/of/property.c:
    the closing brace after it is never reached."""
    last = [n for n in body.named_children if n.type != "comment"][-1:]
    if not last or last[0].type not in ("while_statement", "for_statement", "do_statement"):
        return False
    loop = last[0]
    if loop.type == "for_statement":
        head = cmodel._text(loop).split(")", 1)[0]
        if not re.fullmatch(r"for\s*\(\s*;\s*;\s*", head):
            return False
    else:
        cond = cmodel._text(loop.child_by_field_name("condition")).strip("() \t")
        if cond not in ("1", "true"):
            return False
    return not _ownership.breaks_out(loop.named_children)


def _never_module(ctx: Context, patch: Patch, path: str, memo: dict) -> bool:
    """Is the file at `path` never a module (asked once per file)?"""
    key = ("never module", path)
    if key not in memo:
        from reviewbot.checks.module._builtin import never_module
        fd = next((f for f in patch.c_files if f.path == path), None)
        memo[key] = fd is not None and never_module(ctx, None, fd)
    return memo[key]


def _take_handed_on(func: cmodel.Function, m) -> bool:
    """A reference taken on an object the function was given (the path matcher's "take" kind)
    that, before the failing exit, went to an owner: `get_device(&cxlmd->dev);
    devm_add_action_or_reset(&port->dev, schedule_detach, cxlmd);` (cxl/port.c) gives it to a
    devres action, which drops it when it runs, on the failure of the add included; stored into
    a structure, returned, or handed on as the Python path analysis judges."""
    gets = [g for g in _refpaths.gets(func) if g.call.line == m.get_line and g.call.name == m.api]
    jumps = [j for j in func.jumps() if j.line == m.exit_line and j.kind in ("return", "goto")]
    if len(gets) != 1 or len(jumps) != 1:
        return False
    g, j = gets[0], jumps[0]
    return _refpaths.stored_or_returned(func, g.obj, g.call.line, j.node) or _ownership.handed_on(func, g, j)


def _field_dropped_by_helper(func: cmodel.Function, m) -> bool:
    """A reference kept in a structure field on an error exit (the path matcher's "field" kind)
    that a function of the file drops on the way: `err: ushc_clean_up(ushc); return ret;`,
    whose body does `usb_free_urb(ushc->int_urb)` (drivers/mmc/host/ushc.c)."""
    gets = [g for g in _refpaths.gets(func) if g.call.line == m.get_line and g.call.name == m.api]
    jumps = [j for j in func.jumps() if j.line == m.exit_line and j.kind in ("return", "goto")]
    if len(gets) != 1 or not jumps:
        return False
    g, j = gets[0], jumps[0]
    calls = _exit_leaks._calls_before(j.node)
    if j.kind == "goto":
        chain, found = flow.chain_calls(func, j.label)
        calls = chain if found else []
    # or drops it itself: `fail: if (hdw) { ...; usb_free_urb(hdw->ctl_write_urb); ... } return
    # NULL;` (pvrusb2-hdw.c); the test is of the structure that holds the field
    return _ownership.dropped_by_helper(func, g, calls) or bool(_refpaths.puts_of(calls, g.obj, g.api.putters))


_JUMP = lazyre.compile(r"^(return\b[^;]*|goto\s+\w+|break|continue)\s*;$")


def _dead_puts(fd) -> Iterator[Finding]:
    """An added put right after an unconditional `return`/`goto`/`break`/`continue` of the same
    block (no label between them): it never runs, so the jump leaves with the reference."""
    if not names_on(fd, "new", _apis.PUTTER_NAMES.names):
        return  # (see below) no hunk names a put
    for h in hunks(fd, added=True):
        lines = h.new_side()
        if not hunk_names(fd, h, "new", _apis.PUTTER_NAMES.names):
            continue  # the put is a statement's first word, a whole word of its lines: none here
        stmts = statements(lines)
        for prev, st in zip(stmts, stmts[1:]):
            if not (st.any_added or prev.any_added) or not _JUMP.match(prev.text):
                continue
            m = clex.CallStmt.parse(st.text)
            if not m or m.cond or not _apis.is_putter(m.name):
                continue
            if prev.indent != st.indent:
                continue  # the jump ends a braceless branch: the put is the next statement
            yield RULE.finding(fd.path, st.first, f"{m.name}() after this {prev.text.split()[0].rstrip(';')} "
                                                  f"never runs: the reference is kept")


_GET_ASSIGN = lazyre.compile(r"^\s*(?:[\w\s\*]+?\s\**)?([\w>.\-\[\]]+)\s*=\s*(\w+)\s*\(")


def _gets_moved_up(fd) -> Iterator[Finding]:
    """A get of the table (`x = getter(...);`) moved up, in the same hunk, above a `return` it
    used to follow: that return now leaves with the reference (unless it puts or returns `x`)."""
    if not names_on(fd, "added", _apis.GETTER_NAMES.names):
        return  # the getter of `x = getter(` is a whole word of an added line: no file line has one
    for h in hunks(fd, added=True, removed=True):
        lines = h.lines
        for i, a in enumerate(lines):
            m = _GET_ASSIGN.match(a.text) if a.added else None
            if not m or m.group(2) not in _apis.BY_GETTER:
                continue
            text = clex.norm(a.text)
            later = next((j for j in range(i + 1, len(lines)) if lines[j].removed
                          and clex.norm(lines[j].text) == text), None)
            if later is None:
                continue
            var = m.group(1)
            for ln in lines[i + 1:later]:
                if ln.removed:
                    continue
                if re.search(r"(?<![\w>.])%s\b" % re.escape(var), ln.text) and not re.match(r"^\s*return\b", ln.text):
                    break  # it is used (or put) on the way: not a plain move above an exit
                if re.match(r"^\s*return\b", ln.text):
                    if not re.search(r"(?<![\w>.])%s\b" % re.escape(var), ln.text):
                        yield RULE.finding(fd.path, ln, f"this return now runs after {m.group(2)}() "
                                                        f"(moved above it) and leaves with the reference in "
                                                        f"{short(var, 24)}")
                    break


_FREE_DECL = lazyre.compile(r"\*\s*(\w+)\s+__free\s*\(\s*(\w+)\s*\)")


def _cleanup_dropped(fd) -> Iterator[Finding]:
    """A declaration loses its scope-based cleanup (`struct device_node *np __free(device_node)
    = of_find_node_by_path(...)` -> `struct device_node *np = ...`) and the patch adds no put
    or hand-off of the variable: every exit of its scope keeps the reference the cleanup
    dropped."""
    removed = kind_text(fd, "-")
    if "__free" not in removed:
        return
    added = list(fd.added())
    added_text = "\n".join(ln.text for ln in added)
    for m in _FREE_DECL.finditer(removed):
        var, cls = m.group(1), m.group(2)
        putter = _cleanup_put.CLEANUP_PUTTER.get(cls)
        if putter is None:
            continue  # not a reference class (kfree, a lock guard)
        decl = next((ln for ln in added if "__free" not in ln.text
                     and re.search(r"\*\s*%s\b" % re.escape(var), ln.text)), None)
        if decl is None:
            continue  # the variable is gone, or keeps a cleanup
        v = re.escape(var)
        if any(_apis.same_object(o, var) for _, o in _calls_on(added, True)) or \
                re.search(r"\breturn\s+%s\s*;|[^=!<>]=\s*%s\s*;" % (v, v), added_text):
            continue  # put or handed on by hand: the exit-path rules judge that
        yield RULE.finding(fd.path, decl, f"{var} loses its __free({cls}) cleanup and the patch adds no "
                                          f"{putter}({var}): every exit of its scope keeps the reference")


def _python(patch: Patch, ctx: Context) -> Iterator[Finding]:
    overput = bool(_intent.explains(patch.message or "", "put"))
    for fd in patch.c_files:
        yield from _dead_puts(fd)
        for st, name, obj, fn in _extra_get.added_extra_gets(fd):
            yield RULE.finding(fd.path, st.line_of(re.escape(name)),
                               f"{name}({short(obj)}) right before {fn}() returns it: the caller already owns "
                               f"the reference the constructor made, and this one is never dropped",
                               confidence=Confidence.LOW if overput else None)
        yield from _gets_moved_up(fd)
        yield from _cleanup_dropped(fd)
        # (computed on first use) scope-based cleanup or a devm conversion now drops what the
        # removed lines dropped; the get/put calls on the added and removed lines
        cleanup = functools.cache(lambda fd=fd: _cleanup_added(fd))
        cleanup_lines = functools.cache(lambda fd=fd: _cleanup_lines(fd))
        calls = functools.cache(lambda putters, fd=fd: _calls_on(fd.added() if putters else fd.removed(), putters))
        # gets the patch removes and does not add back (a rewritten `ret = device_add(d)` line stays)
        gone = functools.cache(lambda fd=fd: [(n, o) for n, o in _calls_on(fd.removed(), False)
                                              if (n, o) not in _calls_on(fd.added(), False)])
        for view in (() if _no_view_passes(fd, ctx) else flow.views(fd, ctx, need=_needed)):
            # cheap gates first: parse a function only when its hunks show a putter
            shown = view.text() if view.partial else (view.new.text if view.new else view.text())
            if not _apis.has_putter_call(shown) and not _apis.has_putter_call(view.text("-")) \
                    and not _unwind.PUT_GOTO.search(view.text("-")) and not _goto_to_return(view.text("-+")):
                continue
            changed, removed = view.text("+-"), view.text("-")
            # the path analysis first: in tree mode, a removed put whose leaking exit it
            # reports is not reported twice (objects it reported go in `reported`)
            reported: set[str] = set()
            exits, exit_objs = [], {}
            if (not view.partial or re.search(r"\b(goto|return)\b", changed)) and \
                    _apis.GETTER_NAMES.search(view.new.text if not view.partial and view.new else shown):
                exits = list(_new_exits(fd, view, ctx, reported, exit_objs))
            if _apis.has_putter_call(removed):
                put_objs: set[str] = set()
                # both modes point at the removed put, the line the patch changed (the exit it
                # left may be a line the diff does not show); its exit is not a second finding
                yield from _removed_puts(fd, view, calls(True), gone(), cleanup_lines(), overput, set(), ctx, put_objs)
                if put_objs:
                    exits = [f for f in exits if not any(_apis.same_object(exit_objs.get(id(f)), o)
                                                         for o in put_objs)]
            if "goto" in removed:  # a retarget replaces a removed goto
                yield from _retargets(fd, view, cleanup(), overput)
                if view.partial and not overput:
                    done = {f.line for f in exits}
                    for h in _unwind.held_at_returns(view, _exit_leaks.unwound_returns(fd, view)):
                        if h.line.new_no not in done:
                            yield RULE.finding(fd.path, h.line, f"this return skips the unwind the goto ran, "
                                                                f"with {short(h.obj, 24)} still held: the "
                                                                f"path below drops it ({h.put.name}())")
            if view.partial and not overput and re.search(r"\b(return|goto|break)\b", view.text("+")):
                # an added exit above a put of the fall-through path (the get out of sight, or
                # a path analysis that is unsure only because the fragment parsed badly)
                sure = {f.line for f in exits if f.confidence is not Confidence.LOW}
                for h in _unwind.held_at_added_exits(view, _exit_leaks.added_exits(fd, view)):
                    if h.line.new_no not in sure:
                        exits = [f for f in exits if f.line != h.line.new_no]
                        where = next((w for w in ("return", "break") if re.match(r"\s*%s\b" % w, h.line.text)), "goto")
                        yield RULE.finding(fd.path, h.line, f"this {where} leaves with {short(h.obj, 24)} still "
                                                            f"held: the path below drops it ({h.put.name}())")
            yield from exits
        if "devm_add_action" in kind_text(fd, "-"):
            yield from _removed_actions(fd, ctx, calls(True), overput)


def _no_view_passes(fd, ctx: Context) -> bool:
    """Tree mode: does the file show that none of its views passes the gate of _python's loop
    (so that its images need no parse)?  A view's text is its function's (in the post-image) or
    its hunks' lines: with no putter named in the post-image nor on any hunk line, and no `goto`
    on a changed line, no view has a putter call, a put label or a goto turned into a return."""
    post = ctx.post(fd.path)
    pre = ctx.pre(fd.old_path or fd.path) if fd.old_path else ctx.pre(fd.path)
    if post is None and pre is None:
        return False  # hunk mode: the views are the hunks' fragments, gated by _needed
    lines = list(fd.lines())
    if any("goto" in ln.text for ln in lines if ln.kind != " "):
        return False
    return not _apis.may_call(post, getters=False) and \
        not _apis.may_call("\n".join(ln.text for ln in lines), getters=False)


def _cleanup_added(fd) -> bool:
    added_text = kind_text(fd, "+")
    return bool(_apis.CLEANUP_MARKERS.search(added_text) or re.search(r"\bdevm_\w+\s*\(", added_text))


_DEVM_CALL = lazyre.compile(r"\bdevm_\w+\s*\(")


def _cleanup_lines(fd) -> list[str]:
    """The added lines that hand a release to scope-based cleanup or devres."""
    return [ln.text for ln in fd.added()
            if _apis.CLEANUP_MARKERS.search(ln.text) or _DEVM_CALL.search(ln.text)]


def _cleaned_up(lines: list[str], obj: str) -> bool:
    """Does one of these cleanup/devres lines name `obj`'s variable (`np __free(device_node)`,
    `devm_add_action_or_reset(dev, put, pdev)`, `x = devm_...()`)?  Then it drops what the
    removed put of `obj` dropped; a devm allocation elsewhere in the file does not."""
    root = re.match(r"[&*(\s]*(\w+)", obj)
    if not root:
        return False
    word = re.compile(r"(?<![\w>.])%s\b" % re.escape(root.group(1)))
    return any(word.search(t) for t in lines)


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


def _removed_puts(fd, view: flow.FuncView, added_puts, removed_gets, cleanup: list[str],
                  overput: bool, reported: set[str], ctx: Context | None = None,
                  put_objs: set[str] | None = None) -> Iterator[Finding]:
    for r in _dropped_puts.removed_puts(view, added_puts, removed_gets, reported, fd, ctx):
        if _cleaned_up(cleanup, r.obj):
            continue  # __free()/scoped/devm action now drops it
        if _own_release(fd, r):
            continue  # a put of the object its release callback releases: the count was zero
        line = r.stmt.line_of(re.escape(r.name))
        if r.kind == "stored":
            conf = Confidence.HIGH if (not view.partial and r.sure) else None
            yield RULE.finding(fd.path, line, f"removed {r.name}({short(r.obj)}) in {view.name}(): the reference "
                                              f"kept in ->{r.member} is no longer dropped",
                               confidence=Confidence.LOW if overput else conf)
            continue
        if r.kind == "narrowed":
            yield RULE.finding(fd.path, line, f"{r.name}({short(r.obj)}) moved into the branch that exits: "
                                              f"the path that goes on past it no longer drops the reference",
                               confidence=Confidence.LOW if overput else None)
            continue
        if r.kind == "below":
            yield RULE.finding(fd.path, line, f"{r.name}({short(r.obj)}) moved below an exit it used to precede: "
                                              f"that exit now keeps the reference",
                               confidence=Confidence.LOW if overput or r.low else None)
            continue
        if r.kind == "main":
            conf = Confidence.HIGH if (not view.partial and r.retaken) else None
            yield RULE.finding(fd.path, line, f"removed {r.name}({short(r.obj)}) with no later put of it: "
                                              f"every exit after it keeps the reference",
                               confidence=Confidence.LOW if overput else conf)
            continue
        conf = Confidence.LOW if overput or r.low else (Confidence.HIGH if r.retaken else None)
        if put_objs is not None:
            put_objs.add(r.obj)
        yield RULE.finding(fd.path, line, f"removed {r.name}({short(r.obj)}) leaves "
                                          f"the reference held on this exit path",
                           confidence=conf)


def _own_release(fd, r) -> bool:
    """Is the removed put one of the object that the release callback it sat in releases
    (`put_device(dev)` in `foo_release(struct device *dev)`)?"""
    first = r.stmt.lines[0]
    h = next((h for h in fd.hunks if first in h.lines), None)
    rel = _release_cb.of(h, side="old") if h is not None else None
    return rel is not None and rel.is_self(r.obj)


def _removed_actions(fd, ctx: Context, added_puts, overput: bool) -> Iterator[Finding]:
    """A removed `devm_add_action_or_reset(dev, put_cb, priv->x)` whose callback only put its
    argument: the stored reference lost its release at unbind."""
    old_text = ctx.pre(fd.old_path or fd.path) if ctx.pre(fd.old_path or fd.path) is not None else \
        "\n".join(t for _, t in cmodel.side_lines(fd.hunks, "old"))
    added = kind_text(fd, "+")
    post = ctx.post(fd.path)
    for r in _stored.removed_actions(fd, old_text):
        member = _stored.member_of(r.obj)
        if member is None or any(_apis.same_object(o, r.obj) for _, o in added_puts):
            continue
        if re.search(r"\b%s\b" % re.escape(r.name), added) or _stored.released_in(added, member):
            continue  # the action (or another release of it) comes back
        if post is not None and _stored.released_in(post, member):
            continue
        conf = Confidence.LOW if overput else None
        yield RULE.finding(fd.path, r.line, f"removed devm action {r.name}({short(r.obj)}): the "
                                            f"reference kept in ->{member} is no longer dropped at unbind",
                           confidence=conf, side=Side.OLD)


def _retargets(fd, view: flow.FuncView, cleanup: bool, overput: bool) -> Iterator[Finding]:
    for r in _unwind.retargets(fd, view, label_evidence=not cleanup and not overput):
        if r.kind == "label":
            yield RULE.finding(fd.path, r.line, f"this {r.where} no longer runs the unwind step "
                                                f"'{r.name}', whose name says it drops a reference")
        elif r.kind == "unwind":
            yield RULE.finding(fd.path, r.line, f"this return skips the unwind at '{r.name}' (not in the "
                                                f"diff): a reference taken above and dropped there stays held")
        elif r.kind == "skipped":
            if cleanup:
                continue
            conf = Confidence.LOW if (view.partial and not r.seen) or overput else (
                Confidence.HIGH if not view.partial else None)
            yield RULE.finding(fd.path, r.line, f"this {r.where} skips {r.name}({short(r.obj)}) that "
                                                f"the old unwind path ran", confidence=conf)
        else:
            yield RULE.finding(fd.path, r.line, f"after a failed get this path runs "
                                                f"{r.name}({short(r.obj)}): a put without a get")


def _needed(text: str) -> bool:
    """Does a hunk group show a putter call or a `goto` to a put label (else: nothing to do)?
    (Iterators left early are MOD030's.)"""
    return _apis.has_putter_call(text) or ("goto" in text and _unwind.PUT_GOTO.search(text) is not None) \
        or ("goto" in text and (_apis.has_getter_call(text) or _GOTO_TO_RETURN.search(text) is not None))


# a removed `goto` next to an added `return` (hunk text as the views give it: "-"/"+" prefixed)
_GOTO_TO_RETURN = lazyre.compile(r"^-\s*goto\s+\w+\s*;\s*\n\+\s*return\b|^\+\s*return\b[^\n]*\n-\s*goto\s+\w+\s*;",
                                 re.M)


def _goto_to_return(changed: str) -> bool:
    """Does the change turn a `goto` into a `return` (a jump that now skips the unwind)?"""
    return "goto" in changed and "return" in changed


def _new_exits(fd, view: flow.FuncView, ctx: Context, reported: set[str],
               objs: dict | None = None) -> Iterator[Finding]:
    for nl in _exit_leaks.new_leaks(fd, view, ctx):
        g, j, ln = nl.leak.get, nl.leak.exit, nl.line
        where = f"goto {j.label}" if j.kind == "goto" else "return"
        anchor_side = Side.OLD if ln.removed else Side.NEW
        if nl.kind == "question":
            yield RULE.finding(fd.path, ln, f"{where} keeps the {g.call.name}() reference in "
                                            f"{short(g.obj, 24)}: does the caller's unwind drop it?",
                               confidence=Confidence.LOW, side=anchor_side)
        elif nl.kind == "owned":
            yield RULE.finding(fd.path, ln, f"{g.call.name}() reference kept in {short(g.obj, 24)} "
                                            f"after this {where}: who drops it?",
                               confidence=Confidence.LOW, side=anchor_side)
        else:
            conf = Confidence.HIGH if not view.partial and not view.new.degraded else None
            if view.new.degraded:
                conf = Confidence.LOW if view.partial else None
            reported.add(g.obj)
            f = RULE.finding(fd.path, ln, f"{where} leaks the reference from {g.call.name}() "
                                          f"({short(g.obj, 24)})", confidence=conf, side=anchor_side)
            if objs is not None:
                objs[id(f)] = g.obj
            yield f
