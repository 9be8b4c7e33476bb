"""remove() frees what a still-registered interface, IRQ handler or deferred callback uses.

## What it does
On unbind the driver core calls `.remove()` and only then releases devres, in reverse order of
acquisition.  Whatever can call into the driver (a user-facing interface: input, misc, netdev,
spi/i2c controller, iio, hwmon, led, ...; an IRQ handler; a work item, timer or tasklet; a
notifier) must be stopped BEFORE remove() frees, unmaps or disables what its callbacks use.
The set-ups, their synchronous teardowns and their devm twins are a table
(`checks/data/teardown.tsv`).  In an unbind function (`*remove*`, `*unbind*`, `*disconnect*`,
`*detach*`, `*exit*`, ...) the rule flags:

- a teardown of the table moved after a statement that frees or disables a resource
  (`kfree`, `*_free*`, `*_destroy*`, `clk_disable_unprepare`, `dma_release_channel`,
  `iounmap`, `*_put*`, `*_disable*`, ...) that it used to precede (or that resource teardown
  moved before it);
- a teardown removed from the unbind function while the patch switches its set-up to the devm
  twin (`request_irq()` -> `devm_request_irq()`, `spi_register_controller()` ->
  `devm_spi_register_controller()`, ...) and the unbind function keeps freeing or disabling
  resources after the point where the teardown was: devres now runs the teardown after all
  of remove(), so the handler or interface runs on freed or disabled state in between; a
  cancel of work, a timer or a tasklet after that point counts too (the handler or the
  interface's callbacks can queue or arm it again after remove() cancelled it);
- (tree mode) a set-up switched to its devm twin (`spi_register_controller()` ->
  `devm_spi_register_controller()`, `request_irq()` -> `devm_request_irq()`) in a file whose
  remove() (disconnect, detach; not a component unbind) never tears it down and disables,
  puts or powers off a resource (memory remove() frees: the added-devm bullet below): devres
  runs the teardown after remove() has returned, with the interface or the handler live over
  what remove() released;
- a teardown of an IRQ or an interface removed from the unbind function with nothing in its
  place, while its (non-devm) set-up stays: the interface stays registered, or the handler
  installed, after the driver data is freed;
- a controller allocation converted from `devm_spi_alloc_host()` (and its `master`,
  `target`, `slave` forms) to the plain allocator while the controller is unregistered
  with the non-devm `spi_unregister_controller()`: that unregister drops the last
  reference and frees the private data remove() is still using; the devm allocator keeps a
  reference until unbind has finished.

- an added devm IRQ, registration or action (`devm_request_irq(dev, irq, fn, 0, name, p)`,
  `devm_led_classdev_register(dev, &p->led)`, `devm_add_action_or_reset(dev, fn, p)`) given
  plain memory that remove(), or an exit of the same function reached after the set-up
  succeeded, frees with `kfree()`: devres unregisters the handler or interface, or runs the
  action, only after that.
- a devm IRQ, interface or deferred callback of the table (`devm_request_irq()`,
  `devm_input_register_device()`, ...) that a probe now sets up before a managed resource it
  used to follow: a clock or reset the devres action disables or asserts
  (`checks/data/devres_undo.tsv`: `devm_clk_get_enabled()`), an enabled regulator, a devm
  action.  Devres undoes in reverse order, so the resource now goes first on unbind (and when
  a later probe step fails) while the handler or interface can still run (tree mode: the whole
  function; hunk mode: as far as the hunks show it).

## Why is this bad?
Devres is released after `.remove()` returns ("devres entries are released in the reverse
order" of acquisition, after the driver's remove callback).  A devm-managed IRQ or interface,
or one unregistered late, can run its handler, ioctl, sysfs or timer callback after remove()
freed its data: use-after-free on unbind.  From the spi fixes: "the private data is freed on
spi_unregister_controller() ... remove() accesses it after unregistering".

## Example
```diff
 static void foo_remove(struct platform_device *pdev)
 {
 	struct foo *foo = platform_get_drvdata(pdev);
 
-	input_unregister_device(foo->input);
 	clk_disable_unprepare(foo->clk);
 	kfree(foo->buf);
+	input_unregister_device(foo->input);
 }
```

## Use instead
```c
static void foo_remove(struct platform_device *pdev)
{
	struct foo *foo = platform_get_drvdata(pdev);

	input_unregister_device(foo->input);	/* no more callbacks from here */
	clk_disable_unprepare(foo->clk);
	kfree(foo->buf);
}
```
Keep `request_irq()` + `free_irq()` (or the plain registration) when remove() tears down what
the handler uses, or convert the whole teardown to devm so that devres runs it in order.

A remove() that turns the IRQ off before its free (`disable_irq()`, which waits for a running
handler, or `devm_free_irq()`/`free_irq()`, on the same IRQ) is not reported.

## Known problems
The rule does not read what the callback uses: a resource it never touches is reported
anyway.  A removed teardown whose set-up the hunk does not show is reported at low
confidence in hunk mode (the set-up may be devm already).  A teardown replaced by a call of a
helper is taken as moved there: in tree mode when the helper's body runs it, in hunk mode when
the helper is named for a teardown (`foo_cleanup()`, `foo_hw_fini()`).

## Confidence
Medium.

## References
- `Documentation/driver-api/driver-model/devres.rst`
- "spi: Fix use-after-free with devm_spi_alloc_*" (Lukas Wunner, 2020) and the per-driver
  "Fix use-after-free on unbind" follow-ups
- `include/linux/interrupt.h`: `devm_request_irq()`; `kernel/irq/devres.c`
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis.clex import CallStmt, balanced, function_removed, norm, statements
from reviewbot.analysis.cmodel import split_args
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module._refs import enclosing_function
from reviewbot.checks._hunks import hunks, kind_text, names_on, shown_new, side_text

RULE = Rule.from_doc(__doc__, id="MOD035", slug="unbind-teardown-order", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("devm-lifetime", "unbind-vs-module-ref"))
# The rule has nothing to say on a patch whose C diff holds none of these.
TRIGGER = ("devm_", "unregister", "free_irq", "remove", "_del", "deregister", "cancel", "del_timer", "timer_",
           "tasklet_kill", "destroy_workqueue", "pm_runtime_disable", "spi_alloc", "_free", "disconnect")
TREE_VERDICT = True

# The driver callbacks that run at unbind (and the helpers they call, by the usual names).
_UNBIND_FN = lazyre.compile(r"remove|unbind|disconnect|detach|_exit|exit_|fini|deinit|teardown|cleanup|uninit")
# Calls that free, unmap or disable what a callback may still use.
_RESOURCE_TEARDOWN = lazyre.compile(
    r"^(?:kv?free\w*|vfree|free_\w+|\w+_free\w*|\w*destroy\w*|\w*unmap\w*|\w*disable\w*|\w+_put\w*|"
    r"\w+_deinit|\w+_exit|\w*power_?off\w*|reset_control_\w*assert|dma_release_channel|\w+_release\w*)$")
_CALL = lazyre.compile(r"^(?:[\w>.\[\]*\s-]+=\s*)?(?:\(\w+\)\s*)?(\w+)\s*\(")


def _call_name(text: str) -> str | None:
    c = CallStmt.parse(text)
    if c is not None and c.cond is None:
        return c.name
    m = _CALL.match(text)
    return m.group(1) if m and m.group(1) not in ("if", "while", "for", "switch", "return") else None


def _teardown_kind(name: str | None) -> str | None:
    rows = kapi.torn_down_by(name) if name else ()
    return rows[0].kind if rows else None


# Runtime PM switched off under a registered interface: its callbacks cannot resume the device.
_POWER_OFF = frozenset({"pm_runtime_disable"})


def _is_resource_teardown(name: str | None, before: str | None = None) -> bool:
    """Does the call `name` free, unmap or disable something that the callbacks stopped by
    `before` (a teardown of the table) may use?"""
    if not name or not _RESOURCE_TEARDOWN.match(name):
        return False
    if name in _POWER_OFF:
        return _teardown_kind(before) == "interface"
    return _teardown_kind(name) is None  # stopping another callback releases nothing it uses


_UNSET = object()


class _Stmt:
    __slots__ = ("key", "fn", "stmt", "_name")

    def __init__(self, key, fn, stmt):
        self.key, self.fn, self.stmt, self._name = key, fn, stmt, _UNSET

    @property
    def changed(self) -> bool:
        """Does the patch add or remove one of its lines?  (Asked of few statements.)"""
        return any(ln.kind != " " for ln in self.stmt.lines)

    @property
    def name(self) -> str | None:
        """The call the statement makes (parsed on first use: most statements are never asked)."""
        if self._name is _UNSET:
            self._name = _call_name(self.stmt.text)
        return self._name


class _Gap:
    """Statements of other functions between two kept ones (see _side): ends a run of one
    function's statements as they did; never a statement of an unbind function."""
    __slots__ = ()
    key = name = stmt = None
    fn = ""  # _UNBIND_FN never matches it
    changed = False


_GAP = _Gap()


def _side(fd, side: str) -> list[_Stmt]:
    """The statements of one side of a file's hunks, in order, with their function (once per
    file and side: the file's memo; both parts of the check read them).

    Both parts read only statements of functions _UNBIND_FN names (the teardown and what runs
    after it in the same function): the statements of other functions are one _GAP each run
    (the end of a function's run stays where it was), and a hunk side in which no function
    name can match (the pattern is in neither its section nor its text) is not joined."""
    key = ("unbind_teardown_order", side == "old")
    got = fd._memo.get(key)
    if got is None:
        out: list = []
        for h in fd.hunks:
            lines = h.old_side() if side == "old" else h.new_side()
            if not _UNBIND_FN.search(h.section) and not _UNBIND_FN.search(side_text(h, side)):
                if out and out[-1] is _GAP:
                    continue
                if _has_code(side_text(h, side)) or statements(lines):
                    out.append(_GAP)
                continue
            for st in statements(lines):
                fn = enclosing_function(h, st.first, side)
                if _UNBIND_FN.search(fn):
                    out.append(_Stmt(norm(st.text), fn, st))
                elif not out or out[-1] is not _GAP:
                    out.append(_GAP)
        got = fd._memo[key] = tuple(out)
    return list(got)


def _has_code(text: str) -> bool:
    """Surely a statement: a line that keeps code once comments are blanked.  Read in order up
    to the first line that holds `/*` or `*/` or starts with `*` (after it, not sure: the
    caller joins the statements): a line before it that is not blank and not a `//` comment
    is code."""
    for line in text.split("\n"):
        t = line.strip()
        if "/*" in t or "*/" in t or t.startswith("*"):
            return False
        if t and not t.startswith("//"):
            return True
    return False


def _once(seq: list[_Stmt]) -> dict[tuple[str, str], int]:
    count: dict[tuple[str, str], int] = {}
    for s in seq:
        count[(s.fn, s.key)] = count.get((s.fn, s.key), 0) + 1
    return {k: i for i, s in enumerate(seq) for k in [(s.fn, s.key)] if count[k] == 1}


def _order_flips(path: str, old: list[_Stmt], new: list[_Stmt]) -> Iterator[Finding]:
    """A teardown of the table that ran before a resource teardown now runs after it."""
    oi, ni = _once(old), _once(new)
    for u_key, u_old in oi.items():
        u = old[u_old]
        if not _UNBIND_FN.search(u.fn) or _teardown_kind(u.name) is None or u_key not in ni:
            continue
        u_new = ni[u_key]
        for x in old[u_old + 1:]:
            if x.fn != u.fn:
                break
            if not _is_resource_teardown(x.name, u.name) or x.name == u.name or (x.fn, x.key) not in ni:
                continue
            x_new = ni[(x.fn, x.key)]
            if x_new > u_new:
                continue  # still after the teardown
            moved = new[u_new] if new[u_new].changed else new[x_new]
            if not moved.changed:
                continue
            line = moved.stmt.line_of(r"\b%s\s*\(" % re.escape(moved.name or ""))
            yield RULE.finding(path, line, f"{u.name}() now runs after {x.name}() in {u.fn}(): until it does, "
                                           f"its callbacks can use what was just released")
            break


def _devm_added(patch: Patch) -> dict[str, tuple]:
    """devm twin -> (path, line) of each added call to one (the first)."""
    out: dict[str, tuple] = {}
    twins = {r.devm for r in kapi.teardown_rows() if r.devm}
    for fd in patch.c_files:
        for ln in fd.added():
            for m in re.finditer(r"\b(devm_\w+|dmaenginem_\w+)\s*\(", ln.text):
                if m.group(1) in twins and m.group(1) not in out:
                    out[m.group(1)] = (fd.path, ln)
    return out


_HELPER_NAME = lazyre.compile(r"(cleanup|clean_up|teardown|tear_down|remove|fini|free|destroy|deinit|uninit|"
                              r"release|shutdown|disable|stop|unregister)")


def _moved_to_helper(h, post: str | None, name: str) -> bool:
    """Does an added line of hunk `h` call a helper that now runs the removed teardown `name`?
    Tree mode: the helper's body in the post-image calls it; hunk mode (the body out of sight):
    the helper is named for a teardown (`idxd_cleanup()`, `foo_hw_fini()`)."""
    for ln in h.lines:
        if not ln.added:
            continue
        for m in re.finditer(r"\b(\w+)\s*\(", ln.text):
            helper = m.group(1)
            if post is not None:
                body = re.search(r"^[^\n;]*\b%s\s*\([^;{]*\)\s*\{(.*?)^\}" % re.escape(helper), post, re.M | re.S)
                if body and re.search(r"\b%s\s*\(" % re.escape(name), body.group(1)):
                    return True
            elif _HELPER_NAME.search(helper):
                return True
    return False


def _removed_teardowns(patch: Patch, ctx: Context, sides: dict) -> Iterator[Finding]:
    if not sides:
        return  # no file to look at (new and deleted files are not; see check)
    # the patch's added and removed text and its added devm calls: made for the first
    # statement that needs them (most files with a teardown have none removed from remove())
    added_all = functools.cache(lambda: "\n".join(ln.text for fd in patch.c_files for ln in fd.added()))
    removed_all = functools.cache(lambda: "\n".join(ln.text for fd in patch.c_files for ln in fd.removed()))
    devm_added = functools.cache(lambda: _devm_added(patch))
    for fd in patch.c_files:
        if fd.is_deleted or fd.is_new:
            continue
        if id(fd) not in sides:
            continue  # no teardown of the table on its old side (see check)
        old, new = sides[id(fd)]
        new_keys = {(s.fn, s.key) for s in new}
        post = ctx.post(fd.path)
        shown = shown_new(fd)
        for i, u in enumerate(old):
            if not u.changed or not _UNBIND_FN.search(u.fn) or (u.fn, u.key) in new_keys:
                continue
            rows = kapi.torn_down_by(u.name) if u.name else ()
            if not rows or not all(ln.removed for ln in u.stmt.lines):
                continue
            h = next(h for h in fd.hunks if u.stmt.first in h.lines)
            olds = h.old_side()
            if function_removed(olds, olds.index(u.stmt.first)):
                continue  # the whole function goes
            if re.search(r"\b(%s)\s*\(" % "|".join(sorted({t for r in rows for t in r.teardown})), added_all()):
                continue  # moved or re-added (another spelling of the same teardown)
            if _moved_to_helper(h, post, u.name):
                continue  # the teardown steps moved into a helper the function now calls
            devm = devm_added()
            twin = next(((r, devm[r.devm]) for r in rows if r.devm in devm), None)
            if twin is None and any(re.search(r"\b%s\s*\(" % r.setup, removed_all()) for r in rows):
                continue  # the set-up goes too
            if twin is None and post is not None:
                pre = ctx.pre(fd.path) or ""
                twin = next(((r, None) for r in rows if r.devm and re.search(r"\b%s\s*\(" % r.devm, post)
                             and not re.search(r"\b%s\s*\(" % r.devm, pre)), None)
            if twin is not None:
                row, at = twin
                after = [x for x in old[i + 1:] if x.fn == u.fn and (x.fn, x.key) in new_keys
                         and (_is_resource_teardown(x.name, u.name) or _requeued(row.kind, x.name))]
                if not after:
                    continue  # nothing in remove() runs after it any more: devres order is fine
                path, line = at if at is not None else (fd.path, u.stmt.first)
                what = (f"the {_what(row.kind)} can queue or arm it again" if _requeued(row.kind, after[0].name)
                        else f"the {_what(row.kind)} can run on released state")
                yield RULE.finding(path, line, f"{row.devm}() makes devres run {u.name}() after {u.fn}() "
                                               f"returns, but {u.fn}() still calls {after[0].name}() first: {what}")
                continue
            if rows[0].kind not in ("irq", "interface") or u.name is None or "notifier" in u.name:
                continue  # deferred callbacks: MOD012; notifiers: MOD015
            scope = post if post is not None else shown
            setup = any(re.search(r"(?<!devm_)\b%s\s*\(" % r.setup, scope) for r in rows)
            if post is not None and not setup:
                continue  # tree mode: the file sets it up with devm (or not at all)
            if any(r.devm and re.search(r"\b%s\s*\(" % r.devm, scope) for r in rows):
                continue
            yield RULE.finding(fd.path, u.stmt.first,
                               f"{u.name}() removed from {u.fn}(): the {_what(rows[0].kind)} outlives the unbind "
                               f"that frees the driver data",
                               confidence=None if setup else Confidence.LOW)


def _requeued(kind: str, name: str | None) -> bool:
    """Is `name` a cancel of work, a timer or a tasklet (a deferred teardown of the table) that
    an IRQ handler or an interface callback still live under devres can queue or arm again
    after remove() cancelled it?"""
    return kind in ("irq", "interface") and _teardown_kind(name) == "deferred" and name != "pm_runtime_disable"


def _what(kind: str) -> str:
    return {"irq": "IRQ handler", "deferred": "deferred callback", "notifier": "notifier",
            "interface": "registered interface"}.get(kind, "object")


_ALLOC = lazyre.compile(r"\b(\w+)\s*\(")


def _ref_allocs(patch: Patch, ctx: Context) -> Iterator[Finding]:
    """devm_spi_alloc_host() -> spi_alloc_host() while the controller is unregistered by hand."""
    rows = {r.setup: r for r in kapi.teardown_rows() if r.kind == "ref" and r.devm}
    for fd in patch.c_files:
        post = ctx.post(fd.path)
        for h in hunks(fd, removed="devm_"):  # the hunks whose removed lines hold it (the test below)
            removed = "\n".join(ln.text for ln in h.old_side() if ln.removed)
            if "devm_" not in removed:
                continue
            for ln in h.new_side():
                if not ln.added:
                    continue
                for m in _ALLOC.finditer(ln.text):
                    row = rows.get(m.group(1))
                    if row is None or ln.text[:m.start()].endswith("devm_") or \
                            not re.search(r"\b%s\s*\(" % row.devm, removed):
                        continue
                    scope = post if post is not None else shown_new(fd)
                    # the devm registrations whose unregister runs after remove() (not the devm
                    # allocators of the same teardown: one left in another branch manages nothing here)
                    managed = [r.devm for t in row.teardown for r in kapi.torn_down_by(t) if r.devm and r.kind != "ref"]
                    if any(re.search(r"\b%s\s*\(" % d, scope) for d in managed):
                        continue  # unregistered by devres after remove(): the reference is dropped last
                    if post is not None and not re.search(r"\b(%s)\s*\(" % "|".join(row.teardown), post):
                        continue
                    yield RULE.finding(fd.path, ln, f"{row.setup}() instead of {row.devm}(): "
                                                    f"{row.teardown[0]}() in remove() then drops the last reference "
                                                    f"and frees the private data remove() still uses")


def _names_a_teardown(fd) -> bool:
    """Does a word of the file's old side name a teardown of the table?  Both checks above
    start from an old-side statement whose call is one (`kapi.torn_down_by`), and a statement's
    call name is a whole word of its lines (comments and strings blanked): without such a word
    the file's statements need not be joined."""
    return names_on(fd, "old", kapi.teardown_names())


_FREE_OF = r"^\s*(?:kv?free|kfree_sensitive)\s*\(\s*%s\s*\)\s*;"
_NOT_DATA = frozenset({"dev", "pdev", "client", "spi", "intf", "interface", "pci", "NULL", "np", "node"})


def _functions(text: str) -> Iterator[tuple[str, int, str]]:
    """(name, first line, body) of each function of a file image (column-0 braces)."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("{") and i > 0:
            j = next((k for k in range(i + 1, len(lines)) if lines[k].startswith("}")), len(lines) - 1)
            head = next((lines[k] for k in range(i - 1, max(-1, i - 6), -1) if re.match(r"^[A-Za-z_].*\(", lines[k])), "")
            name = re.search(r"(\w+)\s*\(", head)
            yield (name.group(1) if name else ""), i + 1, "\n".join(lines[i:j + 1])
            i = j
        i += 1


def _freed_after(after: str, free: re.Pattern) -> bool:
    """Does the function text `after` a set-up statement free (`free`) on a path where the
    set-up succeeded: past the set-up's own error check, directly or in the unwind label a
    later goto reaches (the labels fall through)?"""
    rest = after.lstrip()
    if rest.startswith("if"):
        m = re.match(r"if\s*\((?:[^()]|\([^()]*\))*\)\s*", rest)
        if m:
            rest = rest[m.end():]
            if rest.startswith("{"):
                depth, j = 0, 0
                for j, ch in enumerate(rest):
                    depth += {"{": 1, "}": -1}.get(ch, 0)
                    if depth == 0:
                        break
                rest = rest[j + 1:]
            else:
                rest = rest.split(";", 1)[-1]
    lab = re.search(r"^\s*\w+:\s*$", rest, re.M)
    main, labels = (rest[:lab.start()], rest[lab.start():]) if lab else (rest, "")
    if free.search(main):
        return True
    for g in re.finditer(r"\bgoto\s+(\w+)\s*;", main):
        at = re.search(r"^\s*%s:\s*$" % g.group(1), labels, re.M)
        if at and free.search(labels[at.end():]):
            return True
    return False


_IRQ_OFF = lazyre.compile(r"\b(?:disable_irq|devm_free_irq|free_irq)\s*\(([^;]*)\)\s*;")


def _irq_quiesced_before(body: str, free: re.Pattern, args: list[str]) -> bool:
    """remove() turns the devm IRQ off before it frees the handler's data: `disable_irq(irq)`
    (it waits for a running handler, threaded ones too, and keeps the line off until devres
    frees it) or `devm_free_irq()`/`free_irq()` on the same IRQ (the last member or name of
    the request's IRQ argument, `client->irq` ~ `state->client->irq`)."""
    if len(args) < 2:
        return False
    irq = re.split(r"->|\.", args[1])[-1].strip("() ")
    f = free.search(body)
    if not irq or f is None:
        return False
    for m in _IRQ_OFF.finditer(body, 0, f.start()):
        first = split_args(m.group(1))[:2]
        if any(re.split(r"->|\.", norm(a))[-1].strip("() ") == irq for a in first):
            return True
    return False


def _owner_deleted_before(body: str, free: re.Pattern, owner: str) -> bool:
    """The devres owner is the device embedded in an object the driver registered (`&hdev->dev`,
    btusb.c's wake IRQ), and remove() unregisters that object before its free
    (`hci_unregister_dev(hdev)`, `device_del(&x->dev)`): a device without a driver releases its
    devres in device_del() (drivers/base/core.c), so the handler or action is gone before the
    free, not at the probed device's unbind."""
    m = re.fullmatch(r"&\(?\s*(\w+)\s*\)?(?:->|\.)dev", norm(owner or ""))
    f = free.search(body)
    if m is None or f is None:
        return False
    obj = re.escape(m.group(1))
    unregs = {t for r in kapi.teardown_rows() if r.kind == "interface" for t in r.teardown}
    for c in re.finditer(r"\b(\w+)\s*\(\s*(&?)\s*\(?\s*%s\b\s*\)?\s*((?:->|\.)\s*dev\b)?\s*[,)]" % obj,
                         body[:f.start()]):
        name, amp, member = c.group(1), c.group(2), c.group(3)
        if name in ("device_del", "device_unregister") and amp and member:
            return True
        if name in unregs and not amp and not member:
            return True
    return False


# devres's own actions: `devm_add_action[_or_reset](dev, fn, data)` runs fn(data) after remove().
_DEVM_ACTIONS = ("devm_add_action", "devm_add_action_or_reset")


_PM_FN = lazyre.compile(r"suspend|resume|freeze|thaw|poweroff|restore|hibernat|runtime", re.I)


def _irq_freed_by_hand(text: str, fn: str, free: re.Pattern, args: list[str]) -> bool:
    """`dispc_request_irq()` makes a devm IRQ and the file's `dispc_free_irq()` frees it,
    `devm_free_irq(dev, irq, dispc)` (omapdrm dispc.c): the pair's caller ends the handler, not
    devres, so the request's claim that the handler outlives remove() is not the file's.  The
    free (`devm_free_irq()`/`free_irq()` on the same IRQ and cookie) is in another function that
    neither frees the data (`_irq_quiesced_before()` judges that order) nor is a PM callback (a
    suspend's free is undone by resume's request)."""
    if len(args) < 2:
        return False
    irq = re.split(r"->|\.", args[1])[-1].strip("() ")
    cookie = args[-1].lstrip("&(").strip()
    if not irq or not cookie:
        return False
    for name, _start, body in _functions(text):
        if name == fn or _PM_FN.search(name) or free.search(body):
            continue
        for m in _IRQ_OFF.finditer(body):
            if not re.match(r"(?:devm_)?free_irq", m.group(0)):
                continue
            a = [norm(x) for x in split_args(m.group(1))]
            if len(a) >= 2 and irq in (re.split(r"->|\.", x)[-1].strip("() ") for x in a[:2]) \
                    and a[-1].lstrip("&(").strip() == cookie:
                return True
    return False


def _devm_on_freed_memory(patch: Patch, ctx: Context) -> Iterator[Finding]:
    """An added devm registration or IRQ (`devm_request_irq(dev, irq, fn, 0, name, p)`,
    `devm_led_classdev_register(dev, &p->led)`) given memory `p` that the driver frees itself:
    on an exit of the same function after it, or in remove().  Devres unregisters the handler or
    interface only after that free: it can run on freed memory in between."""
    rows = {r.devm: r.kind for r in kapi.teardown_rows() if r.devm and r.kind in ("irq", "interface")}
    rows.update(dict.fromkeys(_DEVM_ACTIONS, "action"))
    for fd in patch.c_files:
        if fd.is_deleted or not any(ln.added and "devm_" in ln.text for ln in fd.added()):
            continue
        post = ctx.post(fd.path)
        for h in fd.hunks:
            if "devm_" not in side_text(h, "new") or not side_text(h, "added"):
                continue  # no statement of it both adds a line and holds the word (below)
            for st in statements(h.new_side()):
                if not st.any_added or "devm_" not in st.text:
                    continue
                c = re.search(r"\b(%s)\s*\(" % "|".join(sorted(rows, key=len, reverse=True)), st.text) if rows else None
                if c is None:
                    continue
                line = st.line_of(re.escape(c.group(1)))
                if not line.added:
                    continue
                args = [norm(a) for a in split_args(balanced(st.text, c.end()))]
                kind = rows[c.group(1)]
                data = args[-1:] if kind == "irq" else args[2:3] if kind == "action" else args[1:]
                bases = {m.group(1) for a in data for m in [re.match(r"^&?\(?(\w+)\)?(?:->\w+)*$", a)] if m}
                bases -= _NOT_DATA
                fn = enclosing_function(h, line, "new")
                for base in sorted(bases):
                    # (compiled only for a text that names the base and a free: few do)
                    free = lazyre.gated(_FREE_OF % re.escape(base), re.M, (base, "free"))
                    if kind == "irq" and _irq_freed_by_hand(post if post is not None else shown_new(fd), fn, free, args):
                        continue  # the file's own release function frees the IRQ: devres does not end it
                    if post is not None:
                        if re.search(r"\b%s\s*=\s*(?:\([^()]*\)\s*)?devm_" % re.escape(base), post):
                            continue  # devm memory: devres frees it after the registration
                        where = next((name + "()" for name, _start, body in _functions(post)
                                      if _UNBIND_FN.search(name) and free.search(body)
                                      and not (kind == "irq" and _irq_quiesced_before(body, free, args))
                                      and not _owner_deleted_before(body, free, args[0])), None)
                        if where is None and line.new_no:
                            tail = post.splitlines()[line.new_no - 1 + len(st.lines):]
                            end = next((k for k, x in enumerate(tail) if x.startswith("}")), len(tail))
                            if _freed_after("\n".join(tail[:end]), free):
                                where = f"an exit of {fn}()"
                    else:
                        side = h.new_side()
                        after = "\n".join(x.text for x in side[side.index(st.lines[-1]) + 1:]
                                          if enclosing_function(h, x, "new") == fn)
                        shown = "\n".join(x.text for hh in fd.hunks for x in hh.new_side()
                                          if _UNBIND_FN.search(enclosing_function(hh, x, "new")))
                        if re.search(r"\b%s\s*=\s*(?:\([^()]*\)\s*)?devm_" % re.escape(base), shown_new(fd)):
                            continue
                        where = (f"an exit of {fn}()" if _freed_after(after, free) else
                                 "remove()" if free.search(shown) and not (
                                     kind == "irq" and _irq_quiesced_before(shown, free, args))
                                 and not _owner_deleted_before(shown, free, args[0]) else None)
                    if where and kind == "action":
                        act = args[1] if len(args) > 1 else "its action"
                        yield RULE.finding(fd.path, line, f"{c.group(1)}() runs {act}() when devres runs, after "
                                                          f"{where} has freed '{base}', which it is given")
                        break
                    if where:
                        what = "IRQ handler" if kind == "irq" else "interface"
                        yield RULE.finding(fd.path, line, f"{c.group(1)}() keeps the {what} until devres runs, after "
                                                          f"{where} has freed '{base}', which it is given")
                        break


# Managed getters whose devres action turns something off (devres_undo.tsv: a clock
# disabled, a reset asserted), the enable-for-life regulator getters and a devm action.
_DEVM_REGULATOR = ("devm_regulator_get_enable", "devm_regulator_get_enable_optional",
                   "devm_regulator_bulk_get_enable")


def _devm_order_names() -> tuple[dict[str, str], frozenset[str]]:
    live = {r.devm: r.kind for r in kapi.teardown_rows() if r.devm and r.kind in ("irq", "interface", "deferred")}
    res = frozenset({r.devm for r in kapi.devres_undo_rows()} | set(_DEVM_ACTIONS) | set(_DEVM_REGULATOR))
    return live, res


def _devm_seq(body: str, start: int, names) -> list[tuple[str, str, int]]:
    """(name, call text normalised, line) of the devm calls of `names` in a function body."""
    out = []
    for m in re.finditer(r"\b(devm_\w+)\s*\(", body):
        if m.group(1) in names:
            out.append((m.group(1), m.group(1) + "(" + norm(balanced(body, m.end())) + ")",
                        start + body.count("\n", 0, m.start())))
    return out


def _function_images(fd, ctx: Context, side: str) -> dict[str, tuple[int, str]]:
    """Function name -> (first line, body) on one side: the tree's file image, else what the hunks
    show of the functions _PROBE_LIKE names (the only ones _devm_order_flips reads: a hunk side
    where no name can match, the pattern being in neither its section nor its text, is not joined)."""
    image = ctx.pre(fd.old_path or fd.path) if side == "old" else ctx.post(fd.path)
    if image is not None:
        return {n: (i, b) for n, i, b in _functions(image)}
    out: dict[str, tuple[int, str]] = {}
    for h in fd.hunks:  # every such function's statements (`_side` keeps only the unbind functions')
        if not _PROBE_LIKE.search(h.section) and not _PROBE_LIKE.search(side_text(h, side)):
            continue
        for st in statements(h.old_side() if side == "old" else h.new_side()):
            fn = enclosing_function(h, st.first, side)
            if not _PROBE_LIKE.search(fn or ""):
                continue
            first = st.lines[0]
            no = first.old_no if side == "old" else first.new_no
            if fn not in out:
                out[fn] = (no, "")
            start, body = out[fn]
            body += "\n" * max(0, no - start - body.count("\n")) + st.text
            out[fn] = (start, body)
    return out


def _devm_order_flips(patch: Patch, ctx: Context) -> Iterator[Finding]:
    """A managed IRQ, interface or deferred callback (a devm twin of the teardown table) that the
    patch now sets up BEFORE a managed resource it used to follow (a devm clock or regulator
    that devres disables, a reset it asserts, a devm action): devres undoes in reverse order, so
    on unbind (and when a later step of probe fails) the resource goes first while the handler
    or the interface can still run on it."""
    live, res = _devm_order_names()
    names = set(live) | res
    for fd in patch.c_files:
        if fd.is_new or fd.is_deleted:
            continue
        if "devm_" not in kind_text(fd, "+"):
            continue  # no added line holds `devm_` (the test below looks for it first)
        if not any("devm_" in fd_line.text and re.search(r"\bdevm_\w+", fd_line.text)
                   and any(n in fd_line.text for n in names) for fd_line in fd.added()):
            continue
        added = {ln.new_no for ln in fd.added()}
        old_fns, new_fns = _function_images(fd, ctx, "old"), _function_images(fd, ctx, "new")
        for fn, (nstart, nbody) in new_fns.items():
            if fn not in old_fns or not _PROBE_LIKE.search(fn or ""):
                continue
            new_seq = _devm_seq(nbody, nstart, names)
            if not any(line in added for _, _, line in new_seq):
                continue
            old_seq = _devm_seq(old_fns[fn][1], old_fns[fn][0], names)
            opos = {k: i for i, (_, k, _) in enumerate(old_seq)}
            npos = {k: i for i, (_, k, _) in enumerate(new_seq)}
            if len(opos) != len(old_seq) or len(npos) != len(new_seq):
                continue  # the same call twice: order not comparable
            done = False
            for cb_name, cb_key, cb_line in new_seq:
                if cb_name not in live or cb_key not in opos or done:
                    continue
                for r_name, r_key, r_line in new_seq[npos[cb_key] + 1:]:
                    if r_name not in res or r_key not in opos or opos[r_key] > opos[cb_key]:
                        continue  # not a resource it used to follow
                    line = cb_line if cb_line in added else r_line if r_line in added else None
                    if line is None:
                        continue
                    ln = next((x for x in fd.added() if x.new_no == line), None)
                    what = {"irq": "the IRQ handler", "interface": "the interface's callbacks",
                            "deferred": "the deferred callback"}[live[cb_name]]
                    yield RULE.finding(fd.path, ln, f"{cb_name}() now comes before {r_name}() in {fn}(): devres "
                                                    f"undoes in reverse order, so on unbind or a later probe failure "
                                                    f"{r_name}()'s resource is released while {what} can still run")
                    done = True
                    break


_PROBE_LIKE = lazyre.compile(r"probe|init|setup|attach|bind|start|register|create|add")


# the bus driver callbacks devres runs after (a component or master `unbind` is not one: the
# device stays bound, its devres stays)
_CALLBACK_FN = lazyre.compile(r"(?:^|_)(?:remove|disconnect|detach)(?:_\w+)?$")
# An IRQ quiesced in remove() (its handler waited for and kept off) before anything is released.
_IRQ_QUIESCE = lazyre.compile(r"\b(?:disable_irq|disable_irq_nosync|synchronize_irq|free_irq|devm_free_irq)\s*\(")


def _converted_to_devm(fd) -> Iterator[tuple[object, object]]:
    """(teardown row, added line) for each set-up of an IRQ or an interface a hunk of `fd`
    converts to its devm twin (the plain call removed, the twin added, in one hunk)."""
    rows = [r for r in kapi.teardown_rows() if r.devm and r.kind in ("irq", "interface")]
    for h in fd.hunks:
        removed = "\n".join(ln.text for ln in h.lines if ln.removed)
        if not removed:
            continue
        for ln in h.lines:
            if not ln.added or "devm_" not in ln.text:
                continue
            for r in rows:
                if re.search(r"\b%s\s*\(" % r.devm, ln.text) and re.search(r"(?<![\w>.])%s\s*\(" % r.setup, removed):
                    yield r, ln
                    break


def _devm_under_unbind_teardown(patch: Patch, ctx: Context) -> Iterator[Finding]:
    """Tree mode: an IRQ or interface set-up made devm in a file whose remove() releases a
    resource and never stops the IRQ or the interface itself: devres stops it only after
    remove() has returned, and in between its callbacks can run on what remove() released."""
    for fd in patch.c_files:
        if fd.is_new or fd.is_deleted or "devm_" not in "\n".join(ln.text for ln in fd.added()):
            continue
        post = ctx.post(fd.path)
        if post is None:
            continue  # remove() is out of sight in hunk mode
        for row, ln in _converted_to_devm(fd):
            for fn, _start, body in _functions(post):
                if not _CALLBACK_FN.search(fn) or re.search(r"\b(?:%s)\s*\(" % "|".join(row.teardown), body):
                    continue
                if row.kind == "irq" and _IRQ_QUIESCE.search(body):
                    continue
                first = next((n for n in re.findall(r"\b(\w+)\s*\(", body)
                              if _is_resource_teardown(n, row.teardown[0])
                              and (n in _POWER_OFF or not n.startswith("pm_runtime_"))  # a usage count
                              and not re.match(r"kv?free|vfree", n)), None)  # memory: _devm_on_freed_memory
                if first is None:
                    continue
                yield RULE.finding(fd.path, ln, f"{row.devm}() makes devres run {row.teardown[0]}() after {fn}() "
                                                f"returns, but {fn}() calls {first}() first: the {_what(row.kind)} "
                                                f"can run on released state")
                break


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    yield from _devm_on_freed_memory(patch, ctx)
    yield from _devm_under_unbind_teardown(patch, ctx)
    yield from _devm_order_flips(patch, ctx)
    sides: dict[int, tuple[list[_Stmt], list[_Stmt]]] = {}  # each file's statements, once
    for fd in patch.c_files:
        if fd.is_new or fd.is_deleted or not _names_a_teardown(fd):
            continue
        old, new = sides[id(fd)] = _side(fd, "old"), _side(fd, "new")
        yield from _order_flips(fd.path, old, new)
    yield from _removed_teardowns(patch, ctx, sides)
    yield from _ref_allocs(patch, ctx)
