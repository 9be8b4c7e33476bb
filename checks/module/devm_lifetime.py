"""devm-allocated memory handed to an object that can outlive the driver binding.

## What it does
Flags an added `x = devm_kzalloc()` (any `devm_k*()` allocator: `devm_kmalloc`, `devm_kcalloc`,
`devm_kmemdup`, `devm_kstrdup`, `devm_kasprintf`, ...) when the same function or file hands `x`
to an object with its own lifetime (a table of 6.12 APIs): the private data of an HCI, video,
tty or misc device (`hci_set_drvdata(hdev, x)`; not an input device, whose unregister
disconnects its handlers before it returns), `file->private_data = x`, an embedded
`cdev`, `struct device`, kobject or kref initialised inside `x`, a DRM mode object initialised
in it (`drm_encoder_init(drm, x, ...)`, `drm_connector_init(drm, &x->conn, ...)`), or a device
tree property (`of_add_property(np, x)`).  Converting such an allocation from `kzalloc()` or a
managed allocator of the right lifetime (`drmm_*`) is the typical way in.

Also flags a `devm_k*()` allocation in a core callback (a function that gets a framework object,
not a bus device, and allocates on that object's device) when the same patch removes the
`kfree()` of a parameter from another function: the core's free callback no longer frees what
the allocating callback hands out, so every call keeps its memory until the driver unbinds.
A conversion to devm of an object whose `kfree()` the patch removes from a release callback (a
kref or kobject release, the release of a struct device, video device or tty port that finds
its container from the object it is given, a file release) is reported too: the object was
freed on its last reference, devm frees it at unbind regardless.  So is a conversion of memory
whose struct embeds such an object by value (a `struct cdev`, `miscdevice`, `kref`, `device`,
`kobject`, `video_device`, `v4l2_device` or `tty_port`), when the struct's definition is in
the patched file (tree mode) or in the hunk, or when the diff tears such an object down from
the same memory (`device_unregister(&x->dev)`, `v4l2_device_unregister(&x->v4l2)`, ...).
A `devm_k*()` allocation that takes the place of an allocator of a core object with a struct
device of its own (`devm_pwmchip_alloc()`, `devm_counter_alloc()`, `devm_iio_device_alloc()`,
`devm_input_allocate_device()`, `devm_spi_alloc_host()`, ...: a table in `_devm.py`), removed in
the same hunk, is flagged: the object, embedded in devm memory, is freed at unbind under its
references.  So is one that takes the place of DRM-managed memory of the same variable
(`drmm_kzalloc(drm, ...)`, `drmm_encoder_alloc()`): that was freed with the drm_device's last
reference, which an open file of the card holds after unbind.
A conversion to devm of memory that a function other than probe (and what probe calls, by
name: `*probe*`, `*init*`, `*setup*`, `*bind*`, ...) freed on its way to return (the removed
`kfree()` is at the function's top level, no `return` above it) is flagged too: that memory
served one call (a tty `set_termios()`, an i2c `xfer()`, an ethtool or nvmem read), and each
call now adds a devres entry that stays until the driver unbinds.
Devm memory linked into a structure of wider scope is flagged too: `list_add(&x->node, &head)`
on a file-scope `LIST_HEAD(head)` with no `list_del()` of that member in the file, or a
notifier registration (not `devm_`) of `&x->nb` that nothing unregisters (medium in tree mode or
for a conversion, low in new code seen through hunks); and a patch that removes a `list_del()` or
a notifier unregistration from a remove/unbind/disconnect callback without adding it back
elsewhere: the object stays reachable from the list or chain after unbind frees it.
The same holds for a `devm_k*()` allocation in a function that runs per open file or per call
(it takes a `struct file *`, `struct tty_struct *`, a sysfs `struct device_attribute *`, an
`struct i2c_msg *`, `struct sk_buff *`, `struct dma_chan *`, a crypto transform, a
`struct work_struct *`, ...: `PER_CALL_TYPES` in `_devm.py`; not one named for probe-time work,
`foo_probe_work()`): low confidence
when it only allocates on the first call or frees the old buffer with `devm_kfree()`; and for
any other devm set-up (an IRQ, a registration, an action, a getter) added to such a function or
to one named for a per-open, per-stream or resume callback (`*_open`, `*_ndo_open`,
`*_startup`, `*_hw_params`, `*_resume`, ...).

Giving devres up is flagged too, on the removed devm line: a managed set-up made plain
(`devm_request_irq()` -> `request_irq()`, `devm_kzalloc()` -> `kzalloc()`, `devm_clk_get()` ->
`clk_get()`; the twins come from the kernel-API tables, and for a call no table lists from the
kernel's undo names: `devm_mfd_add_devices()` -> `mfd_remove_devices()`) when the patch adds no
release of it (nor, in tree mode, does the file have one), or adds it to the teardown only
(`.remove()`) while probe (or a function a probe calls) has error exits after the set-up that
reach no release: devres undid it there, now those exits leak it (tree mode reads the whole
function; hunk mode the exits the hunks show); a removed
`devm_add_action[_or_reset](dev, fn, data)` that nothing calls or registers again; and a devm
set-up or action removed while its release moves into remove() in a driver that registers an
interface or IRQ with devm: remove() runs before devres unregisters that interface, whose
callbacks can then use what remove() released.

## Why is this bad?
devres frees the memory when the driver unbinds ("No matter what, all devres entries are
released on driver detach"), with "no reference counting".  The objects above are refcounted
and reachable from user space: an open file descriptor, a queued HCI command or a sysfs reader
keeps them alive after unbind, and their callbacks then use freed driver data.  Laurent
Pinchart: "Please don't use devm_kzalloc() to allocate structures that can be accessed from
userspace ... This is incompatible with proper unplug handling."

## Example
```diff
-	data = kzalloc(sizeof(*data), GFP_KERNEL);
+	data = devm_kzalloc(&intf->dev, sizeof(*data), GFP_KERNEL);
 	if (!data)
 		return -ENOMEM;
 	hdev = hci_alloc_dev();
 	hci_set_drvdata(hdev, data);
```

## Use instead
```c
	data = kzalloc(sizeof(*data), GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	hdev = hci_alloc_dev();
	hci_set_drvdata(hdev, data);
	/* kfree(data) from the last user's release / after hci_free_dev() */
```
Or use the subsystem's managed allocator tied to the right lifetime (`drmm_*`,
`devm_drm_dev_alloc`), or a kref with a release.

## Known problems
Only hand-offs the hunk (or, in tree mode, the file) shows are seen.  State that is used only
while bound and whose user-space paths are revoked synchronously in `remove()` is fine; the
rule cannot see that and reports new code at low confidence, conversions at medium.

## Confidence
Medium for a conversion from a non-devm allocator, and for APIs whose kernel-doc forbids devm
memory (DRM mode objects, OF properties); low for other new code.  Memory made plain is low in
hunk mode (its `kfree()` may sit out of sight), medium in tree mode when the file frees none.  In tree mode a hand-off the
pre-image already had is not reported (the patch did not introduce it).

## References
- `Documentation/driver-api/driver-model/devres.rst`
- `drivers/gpu/drm/drm_encoder.c` `drm_encoder_init()`: "should not be allocated with
  devm_kzalloc()"; `drivers/of/dynamic.c` `of_remove_property()`
- 1e7c57355a3b "firmware: raspberrypi: Keep count of all consumers";
  "bus: hisi_lpc: Don't use devm_kzalloc() to allocate logical PIO range"
"""

from __future__ import annotations

import functools
import re
from typing import Callable, Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex
from reviewbot.analysis.clex import norm, statements
from reviewbot.analysis.cmodel import split_args
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Hunk, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks.module import _devm_dropped, _devm_unwind
from reviewbot.checks.module._devm_per_call import freed_before_return, runs_once
from reviewbot.checks.module._devm import (BUS_DEVICE_TYPES, DEVM_ALLOCATORS, FILE_PRIVATE, LONGER_MANAGED,
                                           OBJECT_ALLOCATORS, PER_CALL_TYPES, REFCOUNTED_MEMBERS, SINKS)
from reviewbot.checks.module._refs import enclosing_function, function_header
from reviewbot.checks._hunks import hunks, kind_text, shown_new

RULE = Rule.from_doc(__doc__, id="MOD015", slug="devm-lifetime", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("devm-lifetime",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("devm_", "list_del", "notifier")
# In tree mode the whole files decide (what the module cancels, pins or builds in): the
# hunk-only verdict does not stand beside the tree's (reviewbot.engine).
TREE_VERDICT = True

_DEVM_ALLOC = lazyre.compile(r"^(?:[\w\s\*]*?\s\**)?(?P<var>[\w>.\-]+)\s*=\s*(?:\([^()]*\)\s*)?(?P<api>%s)\s*\("
                         % "|".join(sorted(DEVM_ALLOCATORS, key=len, reverse=True)))
# Any allocation of `var` on the removed side: a conversion, not new code.
_OTHER_ALLOC = r"\b%s\s*=\s*(?:\([^()]*\)\s*)?(?!devm_)\w*(?:alloc|dup|asprintf)\w*\s*\("
_SINK_CALL = lazyre.compile(r"\b(%s)\s*\(" % "|".join(sorted(SINKS, key=len, reverse=True)))
_FREE_PARAM = lazyre.compile(r"^\s*(?:kv?free|kfree_const)\s*\(\s*(\w+)\s*\)\s*;")


def _holds(arg: str, var: str) -> bool:
    """Does argument `arg` pass the memory `var` points to (itself or an object embedded in it)?"""
    a = norm(arg)
    return a == var or a.startswith(("&%s->" % var, "&(%s)->" % var))


def _sinks(text: str, var: str) -> Iterator[tuple[str, str, bool]]:
    """(what, why, documented) for every hand-off of `var` in `text`."""
    if var not in text:
        return
    for m in _SINK_CALL.finditer(text):
        idx, why, doc = SINKS[m.group(1)]
        args = split_args(clex.balanced(text, m.end()))
        if len(args) > idx and _holds(args[idx], var):
            yield m.group(1) + "()", why, doc
    if re.search(r"%s\s*=\s*%s\s*;" % (FILE_PRIVATE, re.escape(var)), text) or any(
            re.search(r"\bstruct\s+file\s*\*\s*%s\s*[,)]" % m.group(1), text)
            for m in re.finditer(r"\b(\w+)->private_data\s*=\s*%s\s*;" % re.escape(var), text)):
        yield "file->private_data", "an open file outlives the unbind", False


_OBJECT_ALLOC = lazyre.compile(r"\b(%s)\s*\(" % "|".join(sorted(OBJECT_ALLOCATORS, key=len, reverse=True)))


def _longer_managed_replaced(h: Hunk, patch_added: Callable[[], str], var: str) -> tuple[str, str] | None:
    """(allocator, owner) when the hunk removes an allocation of `var` managed by an object that
    outlives the binding (`drmm_kzalloc()`, `drmm_encoder_alloc()`: the drm_device), an
    allocator the patch calls nowhere else."""
    for ln in h.old_side():
        if not ln.removed:
            continue
        for prefix, owner in LONGER_MANAGED.items():
            m = re.search(r"(?<![\w>.])%s\s*=\s*(?:\([^()]*\)\s*)?(%s\w+)\s*\(" % (re.escape(var), prefix), ln.text)
            if m and not re.search(r"(?<![\w])%s\s*\(" % m.group(1), patch_added()):
                return m.group(1), owner
    return None


def _object_allocator_replaced(h: Hunk, patch_added: Callable[[], str]) -> tuple[str, str] | None:
    """(allocator, why) when the hunk removes a call to an allocator of a refcounted core
    object (`devm_pwmchip_alloc()`, `devm_iio_device_alloc()`, ...) that the patch calls nowhere
    else: the devm_k*() allocation it adds takes that object's place."""
    for ln in h.old_side():
        if not ln.removed:
            continue
        for m in _OBJECT_ALLOC.finditer(ln.text):
            name = m.group(1)
            if ln.text[:m.start()].endswith(("devm_", "_")) and not name.startswith("devm_"):
                continue  # a longer name ending in this one
            if re.search(r"(?<![\w])%s\s*\(" % name, patch_added()):
                continue
            return name, (f"the {OBJECT_ALLOCATORS[name]} it held has a struct device of its own and outlives "
                          f"the unbind, devm memory does not")
    return None


def _returned(text: str, alloc: str, var: str) -> bool:
    """Does the function that sets `var = alloc(...)` in `text` return `var` (the allocation is
    its result: the caller owns it)?"""
    v = re.escape(var)
    m = re.search(r"(?<![\w>.])%s\s*=\s*(?:\([^()]*\)\s*)?%s\s*\(" % (v, re.escape(alloc)), text)
    if m is None:
        return False
    end = re.search(r"^\}", text[m.end():], re.M)
    body = text[m.end():m.end() + end.start()] if end else text[m.end():]
    return re.search(r"\breturn\s+(?:\([^()]*\)\s*)?%s\s*;" % v, body) is not None


def _given_up(patch: Patch, ctx: Context) -> Iterator[Finding]:
    """A managed set-up converted to its plain call, or a devm action removed, with no release
    added anywhere in the patch (nor, in tree mode, in the file): nothing undoes it at unbind or
    when probe fails later."""
    added = "\n".join(ln.text for fd in patch.c_files for ln in fd.added())
    removed = "\n".join(ln.text for fd in patch.c_files for ln in fd.removed())
    for fd in patch.c_files:
        if fd.is_deleted or "devm_" not in kind_text(fd, "-"):
            continue
        post = ctx.post(fd.path)
        scope = post if post is not None else shown_new(fd)
        for d in _devm_dropped.conversions(fd):
            if d.kind == "action":
                if _devm_dropped.action_still_runs(d.var, added, removed, post):
                    continue
                if post is None and re.search(r"\b\w*%s\w*\s*\(" % _devm_dropped._RELEASE_WORD, added):
                    continue  # hunk mode: the callback's body is out of sight, a release is added
                yield RULE.finding(fd.path, d.line, f"devm action {d.var}() removed and nothing runs it any more: "
                                                    f"what it undid stays done after unbind and on probe failure")
                continue
            if d.kind == "memory" and not d.var:
                continue  # returned or passed on: who frees it is out of sight
            names = d.names
            if _devm_dropped.released(added, d.plain, d.var, names):
                half = _devm_unwind.teardown_only(fd, d, post) if d.kind != "memory" or d.var else None
                if half is not None:
                    where = (f"the error exit at line {half[1]} of a later round of the loop, where devres undid "
                             f"the earlier rounds, now leaks them" if half[2] else
                             f"the error exit at line {half[1]} after it, where devres undid it, now leaks it")
                    yield RULE.finding(fd.path, d.line, f"{d.devm}() made {d.plain}() with its release added to "
                                                        f"{half[0]}() only: {where}")
                continue
            if _devm_dropped.released(scope, d.plain, d.var, names, strict=post is not None):
                continue  # the file (tree mode), or what the hunks show of it, releases it already
            if d.kind == "memory" and d.var and (next(_sinks(scope, d.var), None) is not None
                                                 or _embedded(scope, "", d.var)):
                continue  # memory that outlives the binding on purpose (MOD015's own fix)
            if d.kind == "memory" and d.var and _returned(scope, d.plain, d.var):
                continue  # handed to the caller: who frees it is out of sight
            what = {"memory": "the memory leaks", "irq": "the IRQ handler stays installed",
                    "interface": "the interface stays registered",
                    "notifier": "the notifier stays on its chain"}.get(d.kind, "it is never released")
            # memory in hunk mode: its kfree() may sit in remove() or an exit out of sight (a fix
            # of a double free changes only the allocation); tree mode reads the whole file
            yield RULE.finding(fd.path, d.line, f"{d.devm}() made {d.plain}() with no release added: devres no "
                                                f"longer undoes it, so on unbind and on a later probe failure "
                                                f"{what}",
                               confidence=Confidence.LOW if d.kind == "memory" and post is None else None)


_REMOVED_DEVM = lazyre.compile(r"\b(devm_\w+)\s*\(")
_RELEASE_CALL = lazyre.compile(r"\b(\w*(?:disable|put|free|release|unprepare|assert|power_?off|destroy|unmap|"
                               r"deinit|exit|stop|shutdown|cleanup)\w*)\s*\(")


def _devm_registrations(text: str) -> list[str]:
    """The devm twins of interface and IRQ set-ups called in `text` (devres undoes them after
    remove() has returned)."""
    return [name for name, (_plain, _rel, kind) in _devm_dropped.twins().items()
            if kind in ("interface", "irq") and re.search(r"\b%s\s*\(" % name, text)]


def _moved_before_devres(patch: Patch, ctx: Context) -> Iterator[Finding]:
    """A devm set-up or action removed while its release is added to remove() (or unbind,
    disconnect), in a driver that registers an interface or an IRQ with devm: remove() runs
    before devres unregisters that interface, so its callbacks can still run on the clock,
    regulator or memory remove() just released."""
    for fd in patch.c_files:
        if fd.is_deleted or "devm_" not in kind_text(fd, "-"):
            continue
        added_unbind = "\n".join(ln.text for h in fd.hunks for ln in h.new_side()
                                 if ln.added and _UNBIND_FN.search(enclosing_function(h, ln, "new")))
        releases = {m.group(1) for m in _RELEASE_CALL.finditer(added_unbind)}
        if not releases:
            continue
        post = ctx.post(fd.path)
        scope = post if post is not None else shown_new(fd)
        regs = _devm_registrations(scope)
        if not regs:
            continue
        for h in fd.hunks:
            for st in statements(h.old_side()):
                if not all(ln.removed for ln in st.lines):
                    continue
                m = _REMOVED_DEVM.search(st.text)
                if not m or m.group(1) in regs or re.search(r"_(?:kfree|put|free|release|remove|unregister)\w*$",
                                                           m.group(1)):
                    continue
                act = re.search(r"\bdevm_add_action(?:_or_reset)?\s*\(\s*[^,]+,\s*(\w+)", st.text)
                if act and not (re.search(r"\b%s\s*\(" % re.escape(act.group(1)), added_unbind)
                                or not re.search(r"\b%s\b" % re.escape(act.group(1)), scope)):
                    continue  # the action's callback stays out of remove()
                yield RULE.finding(fd.path, st.line_of(re.escape(m.group(1))),
                                   f"{m.group(1)}() removed and its release ({min(releases)}()) moved into remove(), "
                                   f"which runs before devres unregisters what {regs[0]}() registered: its "
                                   f"callbacks can still run on what remove() released")


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    yield from _unlinked_on_unbind(patch, ctx)
    yield from _moved_before_devres(patch, ctx)
    yield from _given_up(patch, ctx)
    yield from _per_call_setups(patch)
    # the patch's added text, and each file's removed statements: made when an allocation needs them
    patch_added = functools.cache(lambda: "\n".join(ln.text for fd in patch.c_files for ln in fd.added()))
    for fd in patch.c_files:
        added = [ln for ln in fd.added()]
        if not any("devm_k" in ln.text for ln in added):
            continue
        post = ctx.post(fd.path)
        pre = ctx.pre(fd.path)
        shown = shown_new(fd)
        scope = post if post is not None else shown
        removed = kind_text(fd, "-")
        removed_stmts = functools.cache(lambda fd=fd: {norm(st.text) for h in fd.hunks for st in statements(h.old_side())
                                                       if all(ln.removed for ln in st.lines)})
        freed_params = _freed_params(fd)
        for h in hunks(fd, new="devm_k"):
            for st in statements(h.new_side()):
                if not st.any_added:
                    continue
                m = _DEVM_ALLOC.match(st.text)
                if not m or norm(st.text) in removed_stmts():
                    continue  # not an allocation, or one the patch only moves
                var = m.group("var")
                converted = re.search(_OTHER_ALLOC % re.escape(var), removed) is not None
                line = st.line_of(re.escape(m.group("api")))
                replaced = _object_allocator_replaced(h, patch_added)
                if replaced:
                    yield RULE.finding(fd.path, line, f"devm memory '{var}' replaces {replaced[0]}(): {replaced[1]}")
                    continue
                hand = next(_sinks(scope, var), None)
                if hand is not None:
                    what, why, documented = hand
                    if pre is not None and _DEVM_ALLOC_OF(var).search(pre) and any(
                            w == what for w, _, _ in _sinks(pre, var)):
                        continue  # tree mode: the pre-image already had this devm memory handed off
                    conf = None if converted or documented else Confidence.LOW
                    yield RULE.finding(fd.path, line, f"devm memory '{var}' handed to {what}: {why}",
                                       confidence=conf)
                    continue
                linked = _globally_linked(scope, var)
                if linked:
                    yield RULE.finding(fd.path, line, f"devm memory '{var}' is put on {linked} and nothing in "
                                                      f"the file takes it off: after an unbind the list or chain "
                                                      f"still points into freed memory",
                                       confidence=None if post is not None or converted else Confidence.LOW)
                    continue
                drmm = _longer_managed_replaced(h, patch_added, var)
                if drmm:
                    yield RULE.finding(fd.path, line, f"devm memory '{var}' replaces {drmm[0]}(): it was freed with "
                                                      f"{drmm[1]}; devm frees it at unbind")
                    continue
                per_call = _per_call(h, line)
                if per_call:
                    side = h.new_side()
                    before = "\n".join(ln.text for ln in side[:side.index(line)])
                    # replaces an old buffer (devm_kfree), or allocates only on the first call
                    once = re.search(r"\bdevm_kfree\s*\(", "\n".join(ln.text for ln in side)) or re.search(
                        r"if\s*\(\s*!\s*%s\s*\)\s*\{?\s*$" % re.escape(var), before, re.M) or \
                        _first_call_block(side, side.index(line))
                    yield RULE.finding(fd.path, line, f"devm memory '{var}' allocated in {per_call}, which runs on "
                                                      f"every open or call: it is kept until the driver unbinds",
                                       confidence=Confidence.LOW if once else None)
                    continue
                fn = enclosing_function(h, line, "new") if converted else ""
                if fn and not runs_once(fn) and not _called_only_at_setup(scope, fn) \
                        and freed_before_return(fd, fn, var) is not None:
                    yield RULE.finding(fd.path, line, f"devm memory '{var}' in {fn}(), which freed it before "
                                                      f"returning: each call now keeps its memory until the "
                                                      f"driver unbinds")
                    continue
                member = _embedded(scope, st.text, var) or _embedded_use(shown, var)
                if member and (converted or removed_frees(removed, var)):
                    what = member if member.startswith("object") else f"struct {member}"
                    yield RULE.finding(fd.path, line, f"devm memory '{var}' embeds a {what}, which has a lifetime "
                                                      f"of its own: devm frees it at unbind while that object can "
                                                      f"still be referenced")
                    continue
                release = converted and _release_freed(fd, var)
                if release:
                    yield RULE.finding(fd.path, line, f"devm memory '{var}' was freed by {release}() when its last "
                                                      f"reference went away; devm frees it at unbind, references or not")
                    continue
                if freed_params:
                    where = _callback_device(h, line, st.text, m.end())
                    freer = next((f for f in freed_params if f[0] != where), None)
                    if where and freer:
                        yield RULE.finding(
                            fd.path, line,
                            f"devm memory '{var}' allocated in the callback {where}() while {freer[0]}() no longer "
                            f"frees '{freer[1]}': every call keeps its memory until the driver unbinds")


# Linking an object into a structure of file (or kernel) scope: a list head or a notifier chain.
# (pattern templates: %s is the object's variable)
_LIST_ADD = r"\blist_add(?:_tail)?(?:_rcu)?\s*\(\s*&\s*%s->(\w+)\s*,\s*&\s*(\w+)\s*\)"
_NOTIFIER_REG = (r"\b(?<!devm_)((?:\w+_)?(?:register\w*_notifier|notifier_chain_register))\s*\("
                 r"(?:\s*&?[\w.>-]+\s*,)?\s*&\s*%s->(\w+)\s*\)")


_NO_UNBIND = lazyre.compile(r"\bsuppress_bind_attrs\s*=\s*(?:true|1)\b")


def _globally_linked(scope: str, var: str) -> str | None:
    """'the list NAME' / 'the NAME() chain' when `var`'s memory is linked into a file-scope list
    head (`static LIST_HEAD(NAME)`) and no list_del() of that member appears in `scope`, or is
    registered on a notifier chain that nothing in `scope` unregisters from."""
    if not re.fullmatch(r"\w+", var) or _NO_UNBIND.search(scope):
        return None
    v = re.escape(var)
    for m in re.finditer(_LIST_ADD % v, scope):
        member, head = m.group(1), m.group(2)
        if not re.search(r"^(?:static\s+)?(?:LIST_HEAD\s*\(\s*%s\s*\)|struct\s+list_head\s+%s\s*[;=])"
                         % (head, head), scope, re.M):
            continue  # not a list head of file scope
        if not re.search(r"\blist_del\w*\s*\(\s*&\s*[\w>.-]+->%s\s*\)" % member, scope):
            return f"the list {head}"
    for m in re.finditer(_NOTIFIER_REG % v, scope):
        reg, member = m.group(1), m.group(2)
        if "devm" in scope[max(0, m.start() - 5):m.start()] + reg:
            continue  # a managed registration: devres unregisters it before the memory goes
        unreg = reg.replace("register", "unregister", 1)
        if not re.search(r"\b%s\s*\(" % unreg, scope):
            return f"the {reg}() chain"
    return None


# The driver callbacks that run at unbind: what they take off a list or chain is gone after it.
_UNBIND_FN = lazyre.compile(r"remove|unbind|disconnect|detach")
_UNLINK = lazyre.compile(r"^\s*(?:(list_del\w*)\s*\(\s*&\s*[\w>.\[\]-]+->(\w+)\s*\)"
                     r"|(\w*(?:unregister\w*_notifier|notifier_chain_unregister)\w*)\s*\()")


def _unlinked_on_unbind(patch: Patch, ctx: Context) -> Iterator[Finding]:
    """A `list_del(&x->node)` or a notifier unregistration removed from a remove/unbind callback
    and not added back anywhere in the patch (nor the link removed with it): the driver's
    object stays on the list or chain after unbind, when devm (or remove() itself) frees it."""
    added = "\n".join(ln.text for fd in patch.c_files for ln in fd.added())
    removed_all = "\n".join(ln.text for fd in patch.c_files for ln in fd.removed())
    for fd in patch.c_files:
        if fd.is_deleted:
            continue
        for h in hunks(fd, removed=("list_del", "unregister")):
            for ln in h.old_side():
                m = ln.removed and _UNLINK.match(ln.text)
                if not m:
                    continue
                fn = enclosing_function(h, ln)
                if not _UNBIND_FN.search(fn):
                    continue
                if m.group(1):
                    member = m.group(2)
                    if re.search(r"\blist_(?:del|move|splice)\w*\s*\([^;]*->%s\b" % member, added) or \
                            re.search(r"\blist_add\w*\s*\(\s*&\s*[\w>.-]+->%s\b" % member, removed_all):
                        continue  # moved, or the list goes with it
                    what = f"list_del() of ->{member}"
                else:
                    unreg = m.group(3)
                    reg = unreg.replace("unregister", "register", 1)
                    if re.search(r"\b%s\s*\(" % unreg, added) or re.search(r"\b%s\s*\(" % reg, removed_all) \
                            or "devm_" + reg in added:
                        continue
                    what = f"{unreg}()"
                yield RULE.finding(fd.path, ln, f"{what} removed from {fn}(): the object stays reachable after "
                                                f"unbind, when its memory is freed",
                                   confidence=Confidence.MEDIUM)


def removed_frees(removed: str, var: str) -> bool:
    return re.search(r"\bkv?free\s*\(\s*%s\s*\)" % re.escape(var), removed) is not None


def _embedded(scope: str, stmt: str, var: str) -> str | None:
    """The refcounted object type (a cdev, struct device, kref, ...) embedded by value in the
    struct that `var` points to, when the struct's definition is in `scope`."""
    m = re.search(r"sizeof\s*\(\s*struct\s+(\w+)\s*\)", stmt)
    typ = m.group(1) if m else clex.pointee_struct(scope, var) if re.fullmatch(r"\w+", var) else None
    if typ is None:
        return None
    body = re.search(r"^struct\s+%s\s*\{(.*?)^\}" % re.escape(typ), scope, re.M | re.S)
    if body is None:
        return None
    member = _REFCOUNTED_MEMBER.search(body.group(1))
    return member.group(1) if member else None


# Calls that drop or tear down a refcounted object: given `&x->member`, they show that x's
# memory embeds one (the refcount decides when that memory may go).
_REFCOUNTED_TEARDOWN = ("put_device", "device_unregister", "device_del", "cdev_del", "cdev_device_del",
                        "misc_deregister", "video_unregister_device", "v4l2_device_unregister",
                        "v4l2_device_put", "kref_put", "kobject_put", "kobject_del", "tty_port_destroy",
                        "tty_port_put")
_TEARDOWN_EMBEDDED = lazyre.compile(r"\b(%s)\s*\(\s*&\s*(\w+)->\w+\s*[,)]" % "|".join(_REFCOUNTED_TEARDOWN))


def _embedded_use(text: str, var: str) -> str | None:
    """'object torn down with NAME()' when `text` drops a refcounted object embedded in the memory
    `var` (or a variable of the same name elsewhere in the file) points to."""
    leaf = re.split(r"->|\.", var)[-1]
    for m in _TEARDOWN_EMBEDDED.finditer(text):
        if m.group(2) == leaf:
            return f"object torn down with {m.group(1)}()"
    return None


def _DEVM_ALLOC_OF(var: str) -> re.Pattern:
    return re.compile(r"\b%s\s*=\s*(?:\([^()]*\)\s*)?devm_k\w*\s*\(" % re.escape(var))


_RELEASE_PARAMS = lazyre.compile(r"\bstruct\s+(kref|kobject)\s*\*|\bstruct\s+inode\s*\*[^)]*\bstruct\s+file\s*\*")
_FREE_ANY = lazyre.compile(r"^\s*(?:kv?free|kfree_rcu|kfree_sensitive)\s*\(\s*([^;]+?)\s*(?:,[^;]*)?\)\s*;")


def _release_freed(fd, var: str) -> str | None:
    """The release callback (run on the last reference: a kref/kobject release, a device release
    via container_of(), a file release) from which the patch removes the kfree() of `var`'s
    object: the object was refcounted, and devm ignores the count."""
    leaf = re.split(r"->|\.", var)[-1]
    for h in fd.hunks:
        old = h.old_side()
        for ln in old:
            m = ln.removed and _FREE_ANY.match(ln.text)
            if not m:
                continue
            arg = norm(m.group(1))
            if arg != var and re.split(r"->|\.", arg)[-1] != leaf:
                continue
            sig = _signature(h, ln)
            name = re.search(r"(\w+)\s*\(", sig)
            if not name:
                continue
            params = sig.split("(", 1)[-1]
            body = "\n".join(x.text for x in old[:old.index(ln)])
            if _RELEASE_PARAMS.search(params) or _object_release(name.group(1), params, body):
                return name.group(1)
    return None


# The parameter of a release callback the core calls on the last reference to an object with a
# refcount of its own (a struct device's .release, video_device's .release, tty_port's
# .destruct, ...): the object the function frees is found from it.
_REFCOUNTED_MEMBER = lazyre.compile(r"^\s+struct\s+(%s)\s+\w+\s*;" % "|".join(REFCOUNTED_MEMBERS), re.M)
_REFCOUNTED_PARAM = lazyre.compile(r"\bstruct\s+(%s)\s*\*\s*\w+\s*\)" % "|".join(REFCOUNTED_MEMBERS))


def _object_release(name: str, params: str, body: str) -> bool:
    """Is `name(params)` the release callback of a refcounted object?  One refcounted-object
    parameter, and a name that says release (or a body that climbs from it with container_of())."""
    if not _REFCOUNTED_PARAM.search(params) or "," in params:
        return False
    return bool(re.search(r"release|free|destruct", name) or re.search(
        r"\bcontainer_of\s*\(|\bto_\w+\s*\(|\w+_from_\w+\s*\(", body))


def _freed_params(fd) -> list[tuple[str, str]]:
    """(function, parameter) for each removed `kfree(p)` of a pointer parameter `p`: a free
    callback that the core calls to hand memory back."""
    out = []
    for h in fd.hunks:
        for ln in h.old_side():
            m = ln.removed and _FREE_PARAM.match(ln.text)
            if not m:
                continue
            header = _signature(h, ln)
            name = re.search(r"(\w+)\s*\(", header)
            if name and re.search(r"\*\s*%s\s*[,)]" % re.escape(m.group(1)), header):
                out.append((name.group(1), m.group(1)))
    return out


def _signature(h: Hunk, line, side_name: str = "old") -> str:
    """The header of the function `line` sits in, with its continuation lines (the parameter
    list up to `)`), as far as the hunk shows it."""
    side = h.old_side() if side_name == "old" else h.new_side()
    header = function_header(h, line, side=side_name)
    for i, ln in enumerate(side):
        if ln is line:
            break
        if ln.text == header:
            sig = [ln.text]
            for nxt in side[i + 1:i + 6]:
                if ")" in sig[-1] or nxt is line:
                    break
                sig.append(nxt.text)
            header = " ".join(sig)
    return header


# Parameters of a function that runs per open file, per call or per stream: file operations,
# ioctl handlers, PCM/DAI callbacks.
_PER_CALL = lazyre.compile(r"\bstruct\s+(%s)\s*\*" % "|".join(PER_CALL_TYPES))


# Callbacks that run on every open, stream start, interface up or resume, by their names
# (`foo_open()`, `foo_ndo_open()`, `foo_startup()`, `foo_hw_params()`, `foo_runtime_resume()`).
_PER_CALL_NAME = lazyre.compile(r"_(?:open|ndo_open|startup|hw_params|prepare|start_streaming|resume|ioctl|up)$")


def _first_call_block(side: list, at: int) -> bool:
    """The allocation at `side[at]` sits in `if (!x) { ... x = ...; }`, a block that sets what
    it tests (vboxguest_core.c vbg_balloon_work(): `if (!gdev->mem_balloon.max_chunks) {
    ...pages = devm_kcalloc(...); ...max_chunks = req->phys_mem_chunks; }`): it runs on the
    first call only, and the memory is kept for the binding on purpose."""
    depth = 0
    for k in range(at - 1, -1, -1):
        text = side[k].text
        depth += text.count("}") - text.count("{")
        if depth >= 0:
            continue
        m = re.match(r"^\s*if\s*\(\s*!\s*([\w.>\-]+?)\s*\)\s*\{\s*$", text)
        if m is None:
            return False
        guard, level = m.group(1), 1
        for ln in side[k + 1:]:
            level += ln.text.count("{") - ln.text.count("}")
            if level <= 0:
                return False
            if re.match(r"^\s*%s\s*=[^=]" % re.escape(guard), ln.text):
                return True
        return False
    return False


def _per_call(h: Hunk, line) -> str | None:
    """'name()' when the function `line` sits in takes a per-open/per-call object, or is named
    for a callback that runs on every open, stream start or resume."""
    sig = _signature(h, line, "new")
    name = re.search(r"(\w+)\s*\(", sig)
    # the parameters, without those of a function-pointer parameter (`int (*read_fn)(struct
    # seq_file *seq, void *data)`, brcmsmac debug.c): the callback takes the per-call object
    params = re.sub(r"\(\s*\*\s*\w*\s*\)\s*\([^()]*\)", "(*)", sig.split("(", 1)[-1])
    if not name or not (_PER_CALL.search(params) or _PER_CALL_NAME.search(name.group(1))):
        return None
    if runs_once(name.group(1)):
        return None  # named for probe-time work (an async probe's work item, a setup helper)
    if re.match(r"_*devm_", name.group(1)):
        return None  # a managed API itself (`devm_serdev_device_open()`): its caller's probe calls it, once
    if not _PER_CALL_NAME.search(name.group(1)) and _constructs(h, line, sig):
        return None
    return name.group(1) + "()"


# Set-ups of an object's own lock, list head or counter: done once, where the object is made.
_OBJECT_INIT = r"\b(?:spin_lock_init|raw_spin_lock_init|mutex_init|init_completion|init_waitqueue_head|" \
               r"INIT_LIST_HEAD|kref_init|refcount_set|atomic_set)\s*\(\s*&\s*%s\s*->"


def _constructs(h: Hunk, line, sig: str) -> bool:
    """Does the function initialise the lock, list head or counter of the per-call-typed object
    it is given?  Then it constructs that object (`foo_bat_alloc(ctrl, struct foo_bat_request
    *bat_req)` ending with `spin_lock_init(&bat_req->lock)`: t7xx_hif_dpmaif_rx.c of 6.12): an
    object the core hands a callback per call comes initialised, so the type says nothing of how
    often this function runs."""
    params = [m.group(2) for m in re.finditer(r"\bstruct\s+(%s)\s*\*\s*(\w+)" % "|".join(PER_CALL_TYPES), sig)]
    if not params:
        return False
    side = h.new_side()
    at = side.index(line)
    start = max((i for i in range(at) if re.match(r"^[A-Za-z_{]", side[i].text)
                 and not re.match(r"^\w+:", side[i].text)), default=0)
    body = []
    for i, ln in enumerate(side[start:], start):
        if ln.text.startswith("}") and i > at:
            break
        body.append(ln.text)
    text = "\n".join(body)
    return any(re.search(_OBJECT_INIT % re.escape(p), text) for p in params)


# devm set-ups other than memory: a devres entry each time they run
_DEVM_SETUP = lazyre.compile(r"\b(devm_(?:request_\w*irq|add_action\w*|\w*register\w*|\w+_add\w*|ioremap\w*|"
                             r"platform_ioremap\w*|\w+_get(?:_\w+)?|\w+_enable\w*))\s*\(")


def _per_call_setups(patch: Patch) -> Iterator[Finding]:
    """An added devm set-up (an IRQ, a registration, an action, a mapping, a getter) in a
    function that runs per open, per stream or per resume: each call adds a devres entry that
    stays until the driver unbinds (the second request of the IRQ fails, registrations pile up)."""
    for fd in patch.c_files:
        shown = None
        for h in hunks(fd, added="devm_"):
            for st in statements(h.new_side()):
                m = st.any_added and _DEVM_SETUP.search(st.text)
                if not m or re.search(r"_(?:put|free|release|remove|unregister)\w*$", m.group(1)):
                    continue
                line = st.line_of(re.escape(m.group(1)))
                if not line.added:
                    continue
                where = _per_call(h, line)
                if where and shown is None:
                    shown = "\n".join(ln.text for hh in fd.hunks for ln in hh.new_side())
                if where and (_released_per_call(shown) or _called_only_at_setup(shown, where[:-2])
                              or _queued_only_at_setup(shown, where[:-2])):
                    continue
                if where:
                    yield RULE.finding(fd.path, line, f"{m.group(1)}() in {where}, which runs on every open, start "
                                                      f"or resume: each call adds a devres entry that lasts until "
                                                      f"the driver unbinds")


_DEVM_UNDO = lazyre.compile(r"\bdevm_(?:free_irq|remove_action|release_action|iounmap|\w+_put|\w+_unregister)\s*\(")


def _released_per_call(text: str) -> bool:
    """The file undoes its devm set-ups by hand (`devm_free_irq()` in suspend, paired with the
    `devm_request_irq()` of resume: drivers/pci/controller/vmd.c): nothing piles up."""
    return _DEVM_UNDO.search(text) is not None


def _called_only_at_setup(text: str, name: str) -> bool:
    """Every call of `name` the text shows sits in a probe/bind/init function (logicvc's
    `logicvc_clocks_prepare()`, called from probe only: "prepare" names the clocks, not a
    per-open callback)."""
    calls = [m.start() for m in re.finditer(r"(?<![\w>.])%s\s*\(" % re.escape(name), text)
             if text[text.rfind("\n", 0, m.start()) + 1:][:1] in (" ", "\t")]  # not its definition
    callers = [c for c in (clex.defining_function(text, at) or "" for at in calls) if c != name]
    return bool(callers) and all(re.search(r"probe|bind|init|setup|create", c) for c in callers)


def _queued_only_at_setup(text: str, handler: str) -> bool:
    """Is `handler` a work handler (`INIT_WORK(&x->boot_work, handler)`, or the delayed
    variant) whose work item the text queues only from probe/bind/init functions?  Then it
    runs once per binding, as an asynchronous part of probe (drivers/mfd/cs42l43.c of 6.12:
    cs42l43_boot_work(), queued by cs42l43_dev_probe() alone)."""
    items = {m.group(1) for m in re.finditer(
        r"\bINIT_(?:DELAYED_)?WORK\s*\(\s*&?\s*[\w>.\-]*?(\w+)\s*,\s*%s\s*\)" % re.escape(handler), text)}
    if not items:
        return False
    queued = [m.start() for m in re.finditer(r"\b(?:queue|schedule|mod)_\w*work\w*\s*\([^;]*?\b(%s)\b"
                                             % "|".join(map(re.escape, items)), text)]
    callers = [clex.defining_function(text, at) or "" for at in queued]
    return bool(callers) and all(re.search(r"probe|bind|init|setup|create", c) for c in callers)


def _callback_device(h: Hunk, line, text: str, at: int) -> str | None:
    """The function's name when it is a core callback allocating on a framework object's device:
    no bus-device parameter, and the devm device is `param->dev` of a parameter."""
    header = function_header(h, line)
    name = re.search(r"(\w+)\s*\(", header)
    if not name or re.search(r"probe|bind|init|setup|create|register|add", name.group(1)):
        return None
    params = dict((p, t) for t, p in re.findall(r"struct\s+(\w+)\s*\*\s*(\w+)", header.split("(", 1)[-1]))
    if not params or any(t in BUS_DEVICE_TYPES for t in params.values()):
        return None
    args = split_args(clex.balanced(text, at))
    dev = norm(args[0]) if args else ""
    mm = re.fullmatch(r"(\w+)->dev", dev)
    return name.group(1) if mm and mm.group(1) in params else None
