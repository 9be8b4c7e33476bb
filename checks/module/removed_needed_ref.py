"""A patch removes a module reference (get and put) that still protects a caller.

## What it does
Flags a removed `try_module_get()` / `__module_get()` / `fops_get()` / `symbol_get()` whose
matching put on the same module is removed too, when the code around it stays: the pin is
taken away, not moved.  The finding sits on the removed get (old side).

It also flags a getter that pins the provider's module replaced in place by one of the same
family that does not (the kernel-API table's `also_module_ref`): `of_get_i2c_adapter_by_node()`
-> `of_find_i2c_adapter_by_node()` keeps the device reference and drops the module pin.

The same holds for any reference a stored pointer needs: `obj->np = of_node_get(np)` replaced
in place by `obj->np = np` (any getter of the table that returns the object it is given:
`get_device()`, `kobject_get()`, `pci_dev_get()`, ...) keeps the pointer in an object that
outlives the function without the reference that kept its target alive.  And a bare
`get_device(dev);` / `of_node_get(np);` / `kref_get(&x->ref);` / `dev_hold(nd);` removed from
code that stays, with no put of that object removed and no get of it added: the put that
answered it (in a release path, the unwind, the caller) still runs, on a reference no longer
taken (module pins are MOD004's).

## Why is this bad?
A module reference on *another* module (an LLD, a transport, a tuner, a provider behind an
ops table) is what keeps its text and data alive while this code calls through its function
pointers.  `delete_module()` only runs `mod->exit()` once the refcount can drop to zero, so
without the pin `rmmod` succeeds while a controller, socket or scan still calls into the
freed module.  Removing the pair *looks* like a fix, because rmmod stops failing with
"module in use".

Simona Vetter (2025 thread, see References): developers who prefer convenience do "the removal of module
refcounting that's strictly needed but means they first have to unbind drivers in sysfs
before they can unload the driver".  Xu Yilun (2023 thread, see References) rejected removing the fpga core pins
because the "FPGA core needs to prevent low-level driver module unloading sometimes".  Rusty
Russell's rule (2002 thread, see References): "If you are calling though a function pointer into a (different)
module, you must hold a reference to that module."

## Example
```c
-	if (!try_module_get(lport->ops->module)) {
-		ret = -EUNATCH;
-		goto out_free_ctrl;
-	}
 	idx = ida_alloc(&nvme_fc_ctrl_cnt, GFP_KERNEL);
 ...
 	kfree(ctrl);
-	module_put(lport->ops->module);
```

## Use instead
Keep the pin for as long as the code can reach the other module.  If unloading while in use
is the goal, document "unbind, then rmmod" (Daniel Vetter, 2022: "you can break them by
first unloading the driver, and then unloading the module"), or replace the pin with a
revocation that unregister waits for (SRCU, `drm_dev_enter()`, a device link).

## Known problems
Hunk mode sees only the diff: it cannot tell a pin taken in the wrong direction (a producer
pinning its consumer, which a fix rightly drops) from a needed one.  Self-references
(`THIS_MODULE`) are not reported: dropping them is the fix MOD001 asks for; a pin on the owner
member of a struct embedded in the caller's own object (`ir->l.owner`) is most likely one, and
is reported at low confidence, unless that struct is an ops table (`ib_dev->ops.owner`): a copy
of a provider's ops carries the provider's module.  A get that moves
to another place in the same patch, or is replaced by a get on a different module, is not a
removal; nor is a `symbol_get()`/`symbol_put()` pair replaced by direct calls of the symbol
(a link dependency pins the exporting module: "Other modules depend on us").  When the patch adds a device link or a revocation mechanism at the same time the
finding is low confidence.  A pin taken at probe/attach and dropped at remove/detach is
reported at medium confidence; one taken in a `*_register()` and dropped in `*_unregister()`
at low confidence (that pin is the MOD009 bug, and removing it is the fix).  When the commit
message explains the removed pin as extra (superfluous, redundant, unbalanced, a leak, set by
the core) the finding is a low-confidence question: the get and its put go together, so the
function cannot prove otherwise.

## References
- `include/linux/module.h`, `kernel/module/main.c`: `try_module_get()` / `module_put()`
  kernel-doc, `delete_module()` and `try_stop_module()` unload order
- `Documentation/driver-api/device_link.rst` (the alternative to a module pin)
- Simona Vetter and Jason Gunthorpe on hot-unplug, file_operations owner and
  revocable resources
  https://lore.kernel.org/r/Z8GViQzZJVFPxfNd@phenom.ffwll.local,
  https://lore.kernel.org/r/20250228184013.GF39591@nvidia.com
- "[RFC PATCH] fpga: remove module reference counting from core components":
  https://lore.kernel.org/r/20231027152928.184012-1-marpagan@redhat.com
- "module: add a function to add module references" (Daniel Vetter on refcount loops):
  https://lore.kernel.org/r/a078eb2e46d00ec59c8a91ea0afa5190730c9e58.1651212016.git.mchehab@kernel.org
- 863fbae929c7 "nvme_fc: add module to ops template to allow module references"
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.checks import _intent
from reviewbot.checks import _kapi as kapi
from reviewbot.analysis import clex
from reviewbot.checks._hunks import names_on
from reviewbot.checks.module import _apis, _extra_get
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks.module._refs import (REF_CALL_TOKENS, REGISTER_FN, UNREGISTER_FN, added_statements, changes,
                                           enclosing_function, object_refs, owner_device)

RULE = Rule.from_doc(__doc__, id="MOD025", slug="removed-needed-ref", level=Level.WARNING,
                     confidence=Confidence.HIGH, tags=("removed-ref",))
# The replaced getter is the cause; MOD004's "the put has no get" at the same line says less.
SUPERSEDES = ("MOD004",)
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = REF_CALL_TOKENS + tuple(sorted(r.name for r in kapi.of_kind("getter", "lookup")
                                          if r.also_module_ref or (r.kind == "getter" and r.ref_arg == 0)))

# Added code that replaces a pin with something that also keeps callers safe.
_REPLACEMENT = lazyre.compile(r"\b(device_link_add|devm_device_link_add|synchronize_srcu|srcu_read_lock|"
                          r"drm_dev_enter|revocable_\w+|percpu_ref_kill|wait_for_completion\w*)\s*\(")
# `ir->l.owner`: the owner member of a struct embedded in the caller's own object is one the
# caller filled in itself (THIS_MODULE): dropping a pin on it is dropping a self-pin.
# An embedded *ops* table (`ib_dev->ops.owner`, `emu->ops.owner`, `rec->oper.owner`) is the
# exception: it is a copy of the provider's ops, and its owner is the provider module.
_EMBEDDED_OWNER = lazyre.compile(r"\w\.(owner|module|me)$")
_EMBEDDED_OPS = lazyre.compile(r"(?<![\w])(\w*_)?(ops|oper|operations)\.(owner|module|me)$")
_SETUP_FN = lazyre.compile(r"(probe|attach|register|_add\b|_init\b|_create|bind)", re.I)
_TEARDOWN_FN = lazyre.compile(r"(remove|detach|unregister|_del\b|_fini\b|_exit\b|_destroy|unbind|release)", re.I)


def _called_directly(patch: Patch, symbol: str) -> bool:
    """Is `symbol` referenced directly (called, or its address taken) by added code?"""
    use = re.compile(r"(?<![\w>.])%s\b" % re.escape(symbol))
    for fd in patch.c_files:
        for ln in fd.added():
            text = re.sub(r"\bsymbol_(get|put|request|put_addr)\s*\([^)]*\)", "", ln.text)
            if use.search(text):
                return True
    return False


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    yield from _weaker_getter(patch)
    yield from _removed_pins(patch)
    yield from _unreferenced_store(patch)
    yield from _removed_bare_get(patch)


def _pins_module(name: str) -> bool:
    r = kapi.get(name)
    return r is not None and r.kind in ("getter", "lookup") and r.also_module_ref


def _weaker_getter(patch: Patch) -> Iterator[Finding]:
    """A getter that pins the provider's module replaced, in place, by one of the same family that
    does not (the table's `also_module_ref`): `of_get_i2c_adapter_by_node()` ->
    `of_find_i2c_adapter_by_node()`."""
    extra = _intent.says_extra(patch, "get")
    for fd in patch.c_files:
        if not names_on(fd, "removed", _apis.GETTER_NAMES.names):
            continue  # a getter call's name is a word of the removed lines: none here
        for h in fd.hunks:
            for rem, add in clex.replacements(h):
                rtext = "\n".join(ln.text for ln in rem)
                if not _apis.has_getter_call(rtext):
                    continue
                before = {m.group(1) for m in _apis.GETTER_NAMES.finditer(rtext) if _pins_module(m.group(1))}
                if not before:
                    continue
                for ln in add:
                    for m in _apis.GETTER_NAMES.finditer(ln.text):
                        new = kapi.get(m.group(1))
                        if new is None or new.also_module_ref or new.kind not in ("getter", "lookup"):
                            continue
                        old = next((kapi.get(b) for b in sorted(before) if kapi.get(b).family == new.family), None)
                        if old is None:
                            continue
                        yield RULE.finding(fd.path, ln, f"{new.name}() replaces {old.name}() but takes no module "
                                                        f"reference: the provider module can be unloaded while in use",
                                           confidence=Confidence.LOW if extra else None)


_STORE = lazyre.compile(r"^\s*(?P<lhs>[\w\[\]]+(?:(?:->|\.)[\w\[\]]+)*->\w+)\s*=\s*(?P<rhs>.+?);\s*$")


def _returns_its_argument(name: str) -> bool:
    """`of_node_get(np)`, `get_device(dev)`, `kobject_get(kobj)`: a getter of the table that takes
    a reference on the object it is given and returns that object."""
    r = kapi.get(name)
    return r is not None and r.kind == "getter" and r.ref_arg == 0 and not name.startswith("try_")


@functools.cache
def _argument_returners() -> frozenset[str]:
    """Every name _returns_its_argument() says yes to (the table's names, filtered by it)."""
    return frozenset(n for n in {r.name for r in kapi.all_rows()} if _returns_its_argument(n))


def _removes_a_returner(fd) -> bool:
    """Does a removed line of the file name one of _argument_returners()?  The two checks below
    start from a removed line whose call (a whole word of it) is one: a file without such a
    word has nothing for them."""
    return names_on(fd, "removed", _argument_returners())


def _unreferenced_store(patch: Patch) -> Iterator[Finding]:
    """`obj->np = of_node_get(np);` replaced in place by `obj->np = np;`: the pointer is kept in
    an object that outlives the function, now without the reference that kept its target
    alive for as long as the object points at it (the owner of `np` may drop its own)."""
    extra = _intent.says_extra(patch, "get")
    for fd in patch.c_files:
        if not _removes_a_returner(fd):
            continue
        for h in fd.hunks:
            for rem, add in clex.replacements(h):
                for old in rem:
                    m = _STORE.match(old.text)
                    call = re.fullmatch(r"(\w+)\s*\((.*)\)", m.group("rhs").strip()) if m else None
                    if not call or not _returns_its_argument(call.group(1)):
                        continue
                    lhs, arg = clex.norm(m.group("lhs")), clex.norm(call.group(2))
                    for new in add:
                        n = _STORE.match(new.text)
                        if n and clex.norm(n.group("lhs")) == lhs and clex.norm(n.group("rhs")) == arg:
                            if _regot(fd, lhs, arg):
                                break
                            yield RULE.finding(
                                fd.path, old,
                                f"{m.group('lhs')} keeps {call.group(2).strip()} without the reference "
                                f"{call.group(1)}() took: the object can be freed while it is still stored here",
                                confidence=Confidence.LOW if extra else Confidence.MEDIUM)
                            break


def _removed_bare_get(patch: Patch) -> Iterator[Finding]:
    """A bare `get_device(dev);` / `of_node_get(np);` / `kref_get(&x->ref);` / `dev_hold(nd);`
    removed from code that stays, with no get of that object added back and no put of it
    removed: whoever drops that reference later (a put in a release path, the unwind, the
    caller) now drops one that was never taken, and the object can be freed while this code
    still uses it.  Module pins are MOD004's and the pairs above."""
    extra = _intent.says_extra(patch, "get")
    for fd in patch.c_files:
        if not _removes_a_returner(fd):
            continue
        removed_puts = added_gets = None
        for h in fd.hunks:
            lines = h.lines
            for i, ln in enumerate(lines):
                if not ln.removed:
                    continue
                m = clex.CallStmt.parse(ln.text.strip())
                if not m or m.cond is not None or not _returns_its_argument(m.name):
                    continue
                row = kapi.get(m.name)
                if row is None or row.family == "module":
                    continue
                near = lines[max(0, i - 2):i] + lines[i + 1:i + 3]
                if sum(1 for x in near if x.kind == " ") < 2:
                    continue  # removed with the code around it: not a reference taken away
                obj = clex.norm(m.args)
                if removed_puts is None:
                    removed_puts = _call_args(fd.removed(), _apis.PUTTER_NAMES)
                    added_gets = _call_args(fd.added(), _apis.GETTER_NAMES)
                if any(_apis.same_object(obj, o) for o in removed_puts + added_gets):
                    continue  # the pair goes, or the get moves
                if any(_apis.has_getter_call(x.text) for x in near if x.added):
                    continue  # replaced in place by a get on another object: retargeted, not removed
                if _extra_get.removed_extra_get(h, i):
                    continue  # an extra get before a constructor's return: removing it is the fix
                yield RULE.finding(fd.path, ln, f"{m.name}({m.args.strip()}) removed: the put that "
                                                f"answered it still runs, on a reference no longer taken",
                                   confidence=Confidence.LOW if extra else Confidence.MEDIUM)


def _call_args(lines, names) -> list[str]:
    """The normalised argument text of each call, on `lines`, to a name `names` matches."""
    return [clex.norm(clex.balanced(ln.text, m.end())) for ln in lines for m in names.finditer(ln.text)]


def _regot(fd, lhs: str, arg: str) -> bool:
    """Does an added line still take a reference on the stored object (the get moved)?"""
    for ln in fd.added():
        if any(a in (lhs, arg) for a in _call_args([ln], _apis.GETTER_NAMES)) or \
                (_apis.has_getter_call(ln.text) and lhs in clex.norm(ln.text.split("=")[0])):
            return True
    return False


def _removed_pins(patch: Patch) -> Iterator[Finding]:
    ch = changes(patch)
    removed = ch.removed
    if not removed:
        return
    re_added, added_get_files = ch.re_added, ch.added_get_files
    put_removed: dict[tuple[str, str], list] = {}
    for c in removed:
        if c.role == "put":
            put_removed.setdefault((c.family, c.target), []).append(c)
    replaced = any(_REPLACEMENT.search(ln.text) for fd in patch.c_files for ln in fd.added())
    added = None  # the added statements of the whole patch: joined only if a pin is reported
    extra = _intent.says_extra(patch, "get")  # the author calls the pin superfluous/unbalanced
    reported: set[tuple[str, str]] = set()
    for c in removed:
        key = (c.family, c.target)
        if c.role != "get" or c.is_self or c.in_removed_function or key in reported:
            continue
        if c.family == "symbol" and _called_directly(patch, c.target):
            continue  # replaced by a link dependency: the loader pins the exporter now
        if key in re_added or (c.family, c.path) in added_get_files:
            continue  # moved, or retargeted to another module (MOD014's question)
        puts = put_removed.get(key)
        if not puts:
            continue  # a get removed while its put stays is MOD004's (put without get)
        reported.add(key)
        conf = None
        get_fn = enclosing_function(c.hunk, c.line)
        put_fns = {enclosing_function(p.hunk, p.line) for p in puts}
        if _SETUP_FN.search(get_fn) and any(_TEARDOWN_FN.search(f) for f in put_fns):
            conf = Confidence.MEDIUM
        if REGISTER_FN.search(get_fn) and any(UNREGISTER_FN.search(f) for f in put_fns):
            conf = Confidence.LOW  # a register-time pin (MOD009): removing it is the fix
        if replaced or extra or (_EMBEDDED_OWNER.search(c.target) and not _EMBEDDED_OPS.search(c.target)):
            conf = Confidence.LOW
        if owner_device(c.target) is not None and added is None:
            added = added_statements(patch)
        if owner_device(c.target) is not None and owner_device(c.target) in {a for _, a in object_refs(added)}:
            conf = Confidence.LOW  # the pin on a device's driver became a reference on the device
        api = c.func
        yield RULE.finding(c.path, c.line,
                           f"{api}({c.target}) and its put removed: nothing pins the module",
                           confidence=conf)
