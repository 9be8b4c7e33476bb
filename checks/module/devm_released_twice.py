"""Memory or a registration that devres manages is also released by hand.

## What it does
Flags an added `kfree(x)` (`kvfree`, `kfree_sensitive`) of memory that the same function, or
the file for a struct member such as `priv->buf`, allocates with a `devm_k*()` allocator; and an
added plain teardown (`free_irq()`, `iio_device_unregister()`, `unregister_netdev()`,
`pm_runtime_disable()`, ...: the table `checks/data/teardown.tsv`) of an object that the file
sets up with the devm twin (`devm_request_irq()`, `devm_iio_device_register()`,
`devm_register_netdev()`, `devm_pm_runtime_enable()`) on the same argument.  Also a conversion to
the devm twin (`kzalloc()` -> `devm_kzalloc()`, `request_irq()` -> `devm_request_irq()`,
`spi_alloc_host()` -> `devm_spi_alloc_host()`, `clk_get()` -> `devm_clk_get()`: a refcounted
object whose put the tables name) that leaves the plain release of the same object in place: in
the same function (an error exit), or for a member or an IRQ anywhere in the file (in hunk
mode: as far as the hunks show it).

Also flags the undo a managed getter's devres action runs, run by hand on what that getter
returned (the table `checks/data/devres_undo.tsv`): `clk_disable_unprepare(priv->clk)` of a
`devm_clk_get_enabled()` clock in remove() or on a probe error exit (not in a suspend/resume
callback, and not when the same function enables it again after: a bracket), or
`reset_control_assert()` of a `devm_reset_control_get_shared_deasserted()` reset; and a
conversion to such a getter (`devm_clk_get()` -> `devm_clk_get_enabled()`, the driver's own
`clk_prepare_enable()` removed) that leaves the driver's disables in place (tree mode: in the
file; hunk mode: the patch removes none).

## Why is this bad?
Devres releases everything it manages when the driver unbinds, after `.remove()`.  Freed or
unregistered by hand as well, the object is released twice: a double `kfree()`, a second
`free_irq()` ("Trying to free already-free IRQ"), an unregister of an interface that is already
gone, an unbalanced runtime-PM disable count.  The usual fix removes the manual call.

## Example
```diff
 static void foo_remove(struct platform_device *pdev)
 {
 	struct foo *foo = platform_get_drvdata(pdev);
 
 	foo_hw_off(foo);
+	kfree(foo->buf);
 }
 
 static int foo_probe(struct platform_device *pdev)
 {
 	...
 	foo->buf = devm_kzalloc(&pdev->dev, FOO_BUF_SIZE, GFP_KERNEL);
```

## Use instead
```c
static void foo_remove(struct platform_device *pdev)
{
	struct foo *foo = platform_get_drvdata(pdev);

	foo_hw_off(foo);	/* foo->buf is devm memory: devres frees it */
}
```
Or allocate with `kzalloc()` if its lifetime must end earlier, and free it where it ends.

A teardown that the same function undoes again at its own level (`pm_runtime_disable(dev);
...; pm_runtime_enable(dev);` around a register write) is a bracket, not reported; nor is a teardown of an object the same function set up with the
plain call (`clk_hw_register(NULL, &p->hw)` ... `clk_hw_unregister(&p->hw)` on its unwind)
when another function of the file uses the devm twin on a same-named object.

## Known problems
A variable that holds devm memory on one path and plain memory on another is reported when the
file shows no plain allocation of it.  In hunk mode only allocations and set-ups the patch
shows are seen.

## Confidence
Medium.

## References
- `Documentation/driver-api/driver-model/devres.rst`
- `kernel/irq/devres.c`: `devm_free_irq()` ("the function to use ... instead of free_irq()")
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel
from reviewbot.analysis.clex import CallStmt, balanced, norm, statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _devres_undo, _devm_dropped, _devres_owned
from reviewbot.checks.module._devm import DEVM_ALLOCATORS
from reviewbot.checks.module._refs import enclosing_function
from reviewbot.checks._hunks import hunk_names, kind_text, names_on, shown_new

RULE = Rule.from_doc(__doc__, id="MOD036", slug="devm-released-twice", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("devm-lifetime",))
TRIGGER = ("free", "unregister", "remove", "_del", "deregister", "pm_runtime_disable", "devm_")
# What it says about a C file depends on that file (and the commit message) alone: it runs
# only on the files that hold a TRIGGER string (reviewbot.engine).
TRIGGER_PER_FILE = True
TREE_VERDICT = True

_FREES = frozenset({"kfree", "kvfree", "kfree_sensitive", "kvfree_sensitive"})
_DEVM_ALLOC = lazyre.compile(r"(?<![\w>.])(?P<var>[\w>.\[\]-]+)\s*=\s*(?:\([^()]*\)\s*)?(?:%s)\s*\("
                             % "|".join(sorted(DEVM_ALLOCATORS, key=len, reverse=True)))
_PLAIN_ALLOC = r"(?<![\w>.])%s\s*=\s*(?:\([^()]*\)\s*)?(?!devm_)\w*(?:alloc|dup|asprintf|get_free_page)\w*\s*\("
_TRIVIAL = frozenset({"", "0", "NULL", "dev", "true", "false"})


@functools.lru_cache(maxsize=8)  # asked with the whole file per free call of a new file
def _devm_vars(text: str) -> frozenset[str]:
    return frozenset(norm(m.group("var")) for m in _DEVM_ALLOC.finditer(text))


def _managed_calls(text: str) -> dict[str, list[list[str]]]:
    """devm twin -> argument lists (normalised) of its calls in `text`."""
    twins = {r.devm for r in kapi.teardown_rows() if r.devm and r.kind in ("irq", "interface", "deferred")}
    out: dict[str, list[list[str]]] = {}
    for m in re.finditer(r"\b(devm_\w+|dmaenginem_\w+)\s*\(", text):
        if m.group(1) not in twins or _in_devm_definition(text, m.start()):
            continue
        j, depth = m.end(), 1
        while j < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        out.setdefault(m.group(1), []).append([norm(a) for a in cmodel.split_args(text[m.end():j - 1])])
    return out


def _in_devm_definition(text: str, pos: int) -> bool:
    """Is `pos` inside (or the name of) a function that is itself a devres API (`int
    devm_pm_runtime_set_active_enabled(struct device *dev) { ...; return
    devm_pm_runtime_enable(dev); }` in drivers/base/power/runtime.c)?  Its calls manage the
    device its caller passes in, not a device of the file."""
    return (clex.defining_function(text, pos) or "").startswith(("devm_", "dmaenginem_"))


def _function_before(text: str, line_no: int) -> str:
    """The file's text from the opening `{` (column 0) of the function around line `line_no`
    (1-based) up to that line."""
    lines = text.splitlines()[:line_no - 1]
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith("}"):
            return ""
        if lines[i].startswith("{"):
            return "\n".join(lines[i:])
    return ""


def _names_a_release(fd, h) -> bool:
    """Does a word of the hunk's new side name a free or a teardown of the table?  The call of
    a statement (CallStmt) is its first word, a whole word of its lines: without one, the
    hunk's statements need not be joined."""
    return hunk_names(fd, h, "new", _FREES) or hunk_names(fd, h, "new", kapi.teardown_names())


def _kept_releases(fd, ctx: Context) -> Iterator[Finding]:
    """A set-up converted to its devm twin (`kzalloc()` -> `devm_kzalloc()`, `request_irq()` ->
    `devm_request_irq()`) while its plain release of the same object stays in the file (the
    hunks' new side; in tree mode the post-image): devres releases it a second time."""
    table = _devm_dropped.twins()
    post = ctx.post(fd.path)
    scope = post if post is not None else shown_new(fd)
    for h in fd.hunks:
        if not any(ln.added and "devm_" in ln.text for ln in h.lines):
            continue
        removed = "\n".join(st.text for st in statements(h.old_side()) if any(ln.removed for ln in st.lines))
        for st in statements(h.new_side()):
            if not st.any_added or "devm_" not in st.text:
                continue
            for m in re.finditer(r"\b(devm_\w+)\s*\(", st.text):
                row = table.get(m.group(1)) or _devm_dropped._by_name(m.group(1))
                if row is None or row[2] not in ("memory", "irq", "interface", "resource", "ref"):
                    continue
                plain, names, kind = row
                if kind in ("resource", "ref"):
                    names = tuple(sorted(_devres_owned._releases_of(plain)))
                    a = re.match(r"^\s*(?:[\w\s\*]*?\s\**)?([\w>.\[\]-]+)\s*=\s*(?:\([^()]*\)\s*)?%s\s*\("
                                 % re.escape(m.group(1)), st.text)
                    if not names or a is None:
                        continue
                if not re.search(r"(?<![\w>.])%s\s*\(" % re.escape(plain), removed):
                    continue  # not a conversion of this hunk
                args = [norm(a) for a in cmodel.split_args(balanced(st.text, m.end()))]
                if kind in ("resource", "ref"):
                    pat = r"^\s*(?:%s)\s*\(\s*&?\s*%s\s*[,)]" % ("|".join(map(re.escape, names)),
                                                               _devres_owned._leaf_pat(a.group(1)))
                elif kind == "memory":
                    a = _DEVM_ALLOC.search(st.text)
                    if a is None:
                        continue
                    pat = r"^\s*(?:%s)\s*\(\s*%s\s*\)\s*;" % ("|".join(_FREES), re.escape(norm(a.group("var"))))
                else:
                    if len(args) < 2:
                        continue
                    key = args[1]  # the IRQ, or the object registered (after the device)
                    if key in _TRIVIAL:
                        continue
                    pat = r"^\s*(?:%s)\s*\(\s*%s\s*[,)]" % ("|".join(map(re.escape, names)), re.escape(key).replace(
                        r"\ ", r"\s*"))
                key_text = norm(a.group("var") if kind == "memory" else a.group(1)) if kind in (
                    "memory", "resource", "ref") else args[1]
                where = scope if "->" in key_text or "." in key_text else _function_around(
                    post, st.first.new_no) if post is not None and st.first.new_no else "\n".join(
                    ln.text for ln in h.new_side())
                hit = re.search(pat, where, re.M)
                if hit is None:
                    continue
                yield RULE.finding(fd.path, st.line_of(re.escape(m.group(1))),
                                   f"{m.group(1)}() in place of {plain}() while "
                                   f"{hit.group(0).strip().split('(')[0]}() of {key_text} stays: devres "
                                   f"releases it again after that")
                break


def _function_around(text: str, line_no: int) -> str:
    """The function of `text` (column-0 braces) that holds line `line_no` (1-based)."""
    lines = text.splitlines()
    i = line_no - 1
    start = next((k for k in range(min(i, len(lines) - 1), -1, -1) if lines[k].startswith("{")), 0)
    end = next((k for k in range(i, len(lines)) if lines[k].startswith("}")), len(lines))
    return "\n".join(lines[start:end + 1])


def _set_up_again(h, stmts, k: int, st, setup: str, arg: str) -> bool:
    """The function runs the plain set-up again on the same object after the teardown, at its level
    (`pm_runtime_disable(dev); ...regmap_write()...; pm_runtime_enable(dev);`,
    drivers/iio/magnetometer/af8133j.c af8133j_set_scale()): a temporary bracket that leaves it
    as devres expects, not a release of what devres manages."""
    fn = enclosing_function(h, st.first, "new")
    again = re.compile(r"^%s\s*\(\s*%s\s*[,)]" % (re.escape(setup), re.escape(arg)))
    # at the teardown's own level: on every path past it (`if (ret) pm_runtime_enable(dev);`
    # only on failure is pm_runtime_force_suspend()'s shape, which keeps it torn down)
    return any(s.indent == st.indent and again.match(s.text) for s in stmts[k + 1:]
               if enclosing_function(h, s.first, "new") == fn)


def _set_up_plainly_before(h, stmts, k: int, st, setup: str, keys: set[str]) -> bool:
    """The same function set the object up with the plain call before this teardown
    (`clk_hw_register(NULL, &pll_clk->hw)`, then `clk_hw_unregister(&pll_clk->hw)` on its unwind;
    drivers/clk/axs10x/pll_clock.c, whose probe path uses devm_clk_hw_register() on another
    object of the same name): the teardown releases that registration, not the managed one."""
    fn = enclosing_function(h, st.first, "new")
    for s in stmts[:k]:
        if enclosing_function(h, s.first, "new") != fn:
            continue
        m = re.search(r"\b%s\s*\(" % re.escape(setup), s.text)
        if m and keys & {norm(a) for a in cmodel.split_args(balanced(s.text, m.end()))}:
            return True
    return False


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        if not fd.is_deleted and "devm_" in kind_text(fd, "+"):
            yield from _kept_releases(fd, ctx)
    for fd in patch.c_files:
        post = ctx.post(fd.path)
        scope = post if post is not None else shown_new(fd)
        if fd.is_deleted or "devm_" not in scope:
            continue
        for line, msg in (*_devres_undo.added_undos(fd, scope, post), *_devres_undo.kept_undos(fd, scope, post),
                          *(_devres_undo.converted_enable(fd) if post is None else ())):
            yield RULE.finding(fd.path, line, msg)
    for fd in patch.c_files:
        if fd.is_deleted:
            continue
        if not (names_on(fd, "new", _FREES) or names_on(fd, "new", kapi.teardown_names())):
            continue  # no hunk's new side names one (see _names_a_release)
        post = ctx.post(fd.path)
        shown = shown_new(fd)
        scope = post if post is not None else shown
        managed = None
        for h in fd.hunks:
            if not any(ln.added for ln in h.lines):
                continue
            if not _names_a_release(fd, h):
                continue
            stmts = statements(h.new_side())
            for k, st in enumerate(stmts):
                if not st.any_added:
                    continue
                call = CallStmt.parse(st.text)
                if call is None or (call.name not in _FREES and not kapi.torn_down_by(call.name)):
                    continue  # neither a free nor a teardown of the table: nothing below applies
                args = [norm(a) for a in cmodel.split_args(call.args)]
                if call.name in _FREES and len(args) == 1:
                    var = args[0]
                    fn = enclosing_function(h, st.first, "new")
                    before = "\n".join(s.text for s in stmts[:k] if enclosing_function(h, s.first, "new") == fn)
                    if post is not None and st.first.new_no:
                        before = _function_before(post, st.first.new_no) or before
                    same_fn = var in _devm_vars(before)
                    member = ("->" in var or "." in var) and var in _devm_vars(scope)
                    if not (same_fn or member):
                        continue
                    if re.search(_PLAIN_ALLOC % re.escape(var), scope if member else before):
                        continue  # also holds plain memory on some path
                    yield RULE.finding(fd.path, st.line_of(re.escape(call.name)),
                                       f"{call.name}({var}) of devm memory: devres frees it again when probe "
                                       f"fails or the driver unbinds")
                    continue
                rows = kapi.torn_down_by(call.name)
                if not rows or rows[0].kind == "ref":
                    continue
                if rows[0].kind == "deferred" and call.name != "pm_runtime_disable":
                    continue  # cancelling twice is harmless
                managed = _managed_calls(scope) if managed is None else managed
                keys = {a for a in args if a not in _TRIVIAL}
                if call.name == "pm_runtime_disable":
                    keys = set(args)
                for r in rows:
                    if r.kind == "irq":  # free_irq(irq, id) / devm_request_irq(dev, irq, ...): the same IRQ
                        hit = next((a for a in managed.get(r.devm or "", ()) if args and a[1:2] == args[:1]), None)
                    else:
                        hit = next((a for a in managed.get(r.devm or "", ()) if keys & set(a)), None)
                    if hit is not None and args and _set_up_again(h, stmts, k, st, r.setup, args[0]):
                        break  # `pm_runtime_disable(dev); ...; pm_runtime_enable(dev);`: a bracket
                    if hit is not None and _set_up_plainly_before(h, stmts, k, st, r.setup, keys):
                        break  # `clk_hw_register(NULL, &p->hw)` in this function: its own release
                    if hit is not None:
                        yield RULE.finding(fd.path, st.line_of(re.escape(call.name)),
                                           f"{call.name}() of what {r.devm}() manages: devres runs "
                                           f"{r.teardown[0]}() again when the driver unbinds")
                        break
