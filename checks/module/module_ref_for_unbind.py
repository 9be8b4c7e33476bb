"""A module reference taken on the caller's own driver, or to keep a device from unbinding.

## What it does
Flags an added `try_module_get(dev->driver->owner)` (or `__module_get()`) where `dev` is the
device the current function was called for: a `struct device *` / `struct platform_device *`
/ `struct i2c_client *` ... parameter of a `static` function, i.e. the device this driver is
bound to.  The module pinned is the driver's own.  Also flags an added
`try_module_get(...->owner)` next to a comment or changelog that says the reference is there
to "prevent unbind", "avoid dynamic unbinding" or keep a device around (the module of a
device's bound driver, `x->driver->owner`: at the rule's confidence; an ops table's owner: a
low-confidence question).

Also flags an added `try_module_get(x->dev.parent->driver->owner)` (or through a local set
from `->parent`) of a device the function looked up, with no test that the parent is bound: a
parent is where a device sits, not the driver that provides it (a cluster, bus or MFD node may
have no driver: NULL), and the module pinned is not the provider's.  The parent of the device a
callback runs for (a sysfs `store()` of that device) is not reported.  And an added module get
in a patch that removes a `device_link_add()`: the link kept the supplier bound, the module
reference does not.

Also flags a module reference that *replaces* a reference on an object: a patch that removes
`get_device(x)` (`kref_get()`, `kobject_get()`, `pci_dev_get()`, ... from the kernel-API table)
and takes `try_module_get()`/`__module_get()` in its place (its own `THIS_MODULE` included), with
no object reference left in that hunk (a retarget to another device is not reported).

Also flags a removed test that a device is bound (`!dev->driver`, `pdev->dev.driver == NULL`,
`device_is_bound(dev)`, `i2c_client_has_driver(client)`, `if (!driver)` after `driver =
dev->driver`) while the hunk (in tree mode, the lines after it) still reads that device's
`driver->owner`: an unbound device has no driver.

Also flags a removed test that a module finished its init (`module_is_live()`,
`MODULE_STATE_LIVE`, a `*_LIVE` flag a MODULE_STATE_LIVE notifier sets) in a hunk that still
takes `try_module_get()` of it: the get succeeds while the module's init runs
(MODULE_STATE_COMING), and a module whose init fails is freed under the reference
(kernel/bpf/btf.c `btf_try_get_module()`).

Also flags a patch that removes the real protections against unbind: `.suppress_bind_attrs =
true` of a driver that has (and gets) no `.remove` callback, or that the patch trades for a
module reference it adds, or a `device_link_add()` that nothing replaces (medium in a file that
relies on a module reference to the other device's driver; otherwise when the patch does not
delete the link as well).

## Why is this bad?
Pinning your own driver through your own device is a self-pin (MOD001) in disguise: it cannot
close the race with `rmmod`, and it pins the wrong module when the intent was to keep a
*client* or *provider* (another device's driver) alive.  And no module reference keeps a
device bound: Logan Gunthorpe (2019 thread, see References): "holding a module reference does not prevent the
driver from being unbound. Any driver can be unbound by the user at any time without the
module being removed."  Dan Williams: "Module pinning is distinct from preventing device
unbind which ultimately can't be prevented."

From the adi-axi-adc fix: "the wrong reference counters are being grabbed. The idea is to
increment the module and device counters of the client device and not the counters of the
axi device being probed."

## Example
```c
static struct foo_client *foo_attach_client(struct device *dev)
{
	...
		if (!try_module_get(dev->driver->owner))
			return ERR_PTR(-ENODEV);
		get_device(dev);
```

## Use instead
```c
		if (!try_module_get(cl->dev->driver->owner))
			return ERR_PTR(-ENODEV);
		get_device(cl->dev);
```
Pin the module whose code you will call (the client or provider).  To survive the other
device's unbind, use a device link (`device_link_add()` with `DL_FLAG_AUTOREMOVE_CONSUMER`) or
revocable access (`drm_dev_enter()`); a driver that truly cannot unbind sets
`.suppress_bind_attrs = true`.

## Known problems
A get followed at once by the put of the same module (a "module unloading?" probe, as in
`catpt_resume()`) is low confidence.  The hunk shows the function's parameters only through the hunk header or a shown signature;
when neither names the device, the call is not reported.  A `static` helper of a core module
that receives a *provider's* device would be misread as the caller's own device (medium
confidence).  The changelog trigger is low confidence: the words do not prove the pin is
the only protection.

## References
- `Documentation/driver-api/device_link.rst` ("consumers are unbound before the supplier")
- `sound/hda/hdac_component.c` ("pin the module to avoid dynamic unbinding")
- "dmaengine: Store module owner in dma_device struct" (Logan Gunthorpe, Dan Williams):
  https://lore.kernel.org/r/20191022214616.7943-2-logang@deltatee.com
- dae7a589c18a "dmaengine: Store module owner in dma_device struct"
- "iio: adc: adi-axi-adc: Fix object reference counting" (Nuno Sá, 2020)
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis.clex import call_args, norm, statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Hunk, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks.module._refs import OBJECT_GET, added_statements, function_header, object_refs, owner_device
from reviewbot.checks._hunks import hunk_names, hunks, names_on, shown_new, side_words
from reviewbot.checks.module._module_live import removed_live_tests

RULE = Rule.from_doc(__doc__, id="MOD014", slug="module-ref-for-unbind", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("unbind-vs-module-ref", "other"))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("module_get", "suppress_bind_attrs", "device_link_add", "driver->owner")
# In tree mode the whole files decide (what the module cancels, pins or builds in): the
# hunk-only verdict does not stand beside the tree's (reviewbot.engine).
TREE_VERDICT = True

_DEVICE_TYPES = frozenset({"device", "platform_device", "i2c_client", "spi_device", "pci_dev",
                           "usb_interface", "amba_device", "auxiliary_device", "serdev_device",
                           "sdw_slave", "mdio_device", "hid_device", "virtio_device"})
# `dev->driver->owner`, `pdev->dev.driver->owner`, `client->dev.driver->owner`
_OWN = lazyre.compile(r"^&?\(?(\w+)\)?(?:(?:->|\.)dev)?(?:->|\.)driver->owner$")
_UNBIND_WORDS = lazyre.compile(r"(prevent|avoid|block|stop|protect)\w*\s+(\w+\s+){0,4}(unbind|hot-?unplug|being unbound)|"
                           r"dynamic unbind|so the device stays|keep\w* the (device|driver) (bound|alive|around|present)|"
                           r"(prevent|avoid|stop)\w*\s+the\s+(device|driver|controller|adapter)\s+(from\s+)?(being\s+)?"
                           r"(removed|unbound|going away|disappear)", re.I)
_GET = ("try_module_get", "__module_get")


def _params(hunk: Hunk, upto) -> tuple[dict[str, str], bool]:
    """Parameters (name -> struct type) of the function the hunk line sits in, and `static`."""
    header = function_header(hunk, upto)
    if "(" not in header:
        return {}, False
    args = header.split("(", 1)[1]
    params = {m.group(2): m.group(1) for m in re.finditer(r"struct\s+(\w+)\s*\*\s*(\w+)", args)}
    return params, bool(re.match(r"^\s*static\b", header))


_SUPPRESS = lazyre.compile(r"\bsuppress_bind_attrs\s*=\s*(true|1)\b")
_REMOVE_CB = lazyre.compile(r"\.\s*remove(?:_new)?\s*=\s*\w|->remove(?:_new)?\s*=\s*\w")
_LINK = lazyre.compile(r"\bdevice_link_add\s*\(")
_MODULE_GET = lazyre.compile(r"\b(try_module_get|__module_get)\s*\(")


def _removed_protection(patch: Patch, ctx: Context) -> Iterator[Finding]:
    # The patch's added (removed) lines, joined, and whether a pattern is in them: made on first
    # use, once per patch (not once per removed line: a treewide patch has ~100,000 lines).
    added_all = functools.cache(lambda: "\n".join(ln.text for fd in patch.c_files for ln in fd.added()))
    removed_all = functools.cache(lambda: "\n".join(ln.text for fd in patch.c_files for ln in fd.removed()))
    in_added = functools.cache(lambda pat: pat.search(added_all()) is not None)
    in_removed = functools.cache(lambda pat: pat.search(removed_all()) is not None)
    for fd in patch.c_files:
        if fd.is_deleted:
            continue
        post = ctx.post(fd.path)
        scope = None  # the post-image, else what the hunks show: made for the first line that needs it
        for ln in fd.removed():
            if "suppress_bind_attrs" not in ln.text and "device_link_add" not in ln.text:
                continue  # neither pattern below can match
            if scope is None:
                scope = post if post is not None else shown_new(fd)
            if _SUPPRESS.search(ln.text) and not in_added(_SUPPRESS):
                if in_added(_MODULE_GET):
                    yield RULE.finding(fd.path, ln, "suppress_bind_attrs removed while the patch takes a module "
                                                    "reference: unbind through sysfs ignores module references")
                    continue
                if in_added(_REMOVE_CB) or _REMOVE_CB.search(scope):
                    continue  # the driver can (now) tear down on unbind
                if post is None and "driver" not in hunk_text(fd, ln):
                    continue  # not visibly a driver's initializer
                yield RULE.finding(fd.path, ln, "suppress_bind_attrs removed from a driver without a .remove "
                                                "callback: unbind through sysfs now tears it down while in use")
            elif _LINK.search(ln.text) and not in_added(_LINK):
                if re.search(r"\b(try_module_get|__module_get)\s*\(", scope):
                    yield RULE.finding(fd.path, ln, "device_link_add() removed: only a module reference is left, "
                                                    "and it does not keep the other device bound",
                                       confidence=Confidence.MEDIUM)
                elif not in_removed(_LINK_DEL):
                    yield RULE.finding(fd.path, ln, "device_link_add() removed while the code that relies on the "
                                                    "supplier stays: nothing unbinds this consumer before the "
                                                    "supplier goes")
        yield from _unbound_driver_check(fd, post)


_LINK_DEL = lazyre.compile(r"\bdevice_link_(?:del|remove)\s*\(")
# A test that a device is bound: `!dev->driver`, `pdev->dev.driver == NULL`, `dev->driver &&`
_BOUND_TEST = lazyre.compile(r"(?:!\s*|\b)(?P<dev>[\w>.&()-]+?)(?:->|\.)driver\b\s*(?:==\s*NULL|!=\s*NULL|&&|\|\||\))")


# the bus helpers that test the same: `device_is_bound(dev)`, `i2c_client_has_driver(client)`
_IS_BOUND = lazyre.compile(r"\b(?:device_is_bound|i2c_client_has_driver)\s*\(\s*&?([\w>.-]+)\s*\)")


def _unbound_driver_check(fd, post: str | None) -> Iterator[Finding]:
    """A removed test that a device is bound while the hunk (in tree mode: the next lines of the
    file) still reads its `driver->owner`: an unbound device has no driver (NULL), so the module
    lookup oopses after an unbind."""
    for hunk in hunks(fd, removed=("driver", "device_is_bound", "has_driver")):
        added = "\n".join(ln.text for ln in hunk.new_side() if ln.added)
        new_text = "\n".join(ln.text for ln in hunk.new_side())
        if post is not None:
            last = max((ln.new_no or 0 for ln in hunk.new_side()), default=0)
            new_text += "\n" + "\n".join(post.splitlines()[last:last + 25])
        if "->owner" not in new_text:
            continue
        for ln in hunk.old_side():
            if not ln.removed or not re.search(r"\bif\b|&&|\|\||\?", ln.text):
                continue
            tests = [(m.group("dev").lstrip("&("), m.group(0)) for m in _BOUND_TEST.finditer(ln.text)]
            tests += [(m.group(1), m.group(0)) for m in _IS_BOUND.finditer(ln.text)]
            for m in re.finditer(r"(?:!\s*(\w+)\b(?!\s*(?:->|\.|\())|\b(\w+)\s*==\s*NULL)", ln.text):
                var = m.group(1) or m.group(2)
                src = re.search(r"\b%s\s*=\s*([\w>.&()-]+?)(?:->|\.)driver\s*;" % var, new_text)
                if src and re.search(r"\b%s->owner\b" % var, new_text):
                    tests.append((src.group(1), m.group(0)))  # `driver = dev->driver; if (!driver)`
            for dev, text in tests:
                if "driver->owner" in text or not dev:
                    continue
                d = re.escape(dev)
                if not re.search(r"\b%s(?:(?:->|\.)dev)?(?:->|\.)driver(?:->owner\b|\s*;)" % d, new_text):
                    continue
                if re.search(r"\b%s(?:->|\.)driver\b\s*(?:==|!=|&&|\|\||\))|!\s*%s(?:->|\.)driver\b|"
                             r"device_is_bound\s*\(|has_driver\s*\(" % (d, d), added):
                    continue  # the test is rewritten, not dropped
                yield RULE.finding(fd.path, ln, f"check that {dev} is bound removed, but {dev}'s driver->owner is "
                                                f"still read: after an unbind the driver is NULL")
                break


def hunk_text(fd, line) -> str:
    for h in fd.hunks:
        if any(x is line for x in h.lines):
            return h.section + "\n" + "\n".join(x.text for x in h.lines)
    return ""


_WORD = re.compile(r"\w+")


def _names_a_getter(hunk: Hunk) -> bool:
    """Does a word of the hunk's old side name an object getter?  A statement's text is its
    lines with comments and strings blanked: each of its words is a word of those lines, so a
    hunk without one cannot have a removed OBJECT_GET call (the statements are not joined)."""
    return not OBJECT_GET.names.isdisjoint(side_words(hunk, "old"))


def _added_object_refs(patch: Patch) -> set[tuple[str, str]]:
    """object_refs(added_statements(patch)), without joining the statements of the hunks whose
    new side names no object getter (a treewide patch: most of them).  Their statements hold
    no call of one, and the joined text differs from the whole one only in text that follows
    a statement: what a call's argument scan reads when its parentheses do not close within
    its statement, or a name at a statement's very end; on such a statement the whole text is
    read instead, as before."""
    texts = []
    for fd in patch.c_files:
        if not names_on(fd, "new", OBJECT_GET.names):
            continue
        for h in fd.hunks:
            if not hunk_names(fd, h, "new", OBJECT_GET.names):
                continue
            texts += [st.text for st in statements(h.new_side()) if st.any_added]
    out: set[tuple[str, str]] = set()
    for text in texts:
        if _WORD.fullmatch(text[-1:]) or not _args_close(text):
            return object_refs(added_statements(patch))
        out |= object_refs(text)
    return out


def _args_close(text: str) -> bool:
    """Does the argument list of every object-getter call in `text` close within it?"""
    for m in OBJECT_GET.finditer(text):
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        if depth:
            return False
    return True


def _object_ref_replaced(patch: Patch) -> Iterator[Finding]:
    """A reference on an object (get_device(), kref_get(), ...) removed where the same function
    now takes a module reference instead: the module stays, the object does not."""
    kept = None  # the object references the patch adds anywhere: read on the first hunk that needs them
    for fd in patch.c_files:
        if not names_on(fd, "old", OBJECT_GET.names):
            continue  # (see _names_a_getter) no hunk's old side names a getter
        for hunk in hunks(fd, removed=True, new="module_get"):
            if "module_get" not in "\n".join(ln.text for ln in hunk.new_side()):
                continue  # no try_module_get/__module_get call to report
            if not _names_a_getter(hunk):
                continue
            removed = "\n".join(st.text for st in statements(hunk.old_side())
                                if any(ln.removed for ln in st.lines))
            if not OBJECT_GET.search(removed):
                continue
            if kept is None:
                kept = _added_object_refs(patch)
            gone = object_refs(removed) - kept  # not moved elsewhere in the patch
            if not gone or OBJECT_GET.search("\n".join(st.text for st in statements(hunk.new_side())
                                                         if st.any_added)):
                continue  # still takes an object reference here: retargeted, not replaced
            for st in statements(hunk.new_side()):
                if not st.any_added:
                    continue
                for func in _GET:
                    for arg in call_args(st.text, func):
                        target = norm(arg)
                        line = st.line_of(r"\b%s\s*\(" % func)
                        if not line.added:
                            continue
                        what = next((f"{g}({a})" for g, a in sorted(gone) if a == owner_device(target)),
                                    f"{min(gone)[0]}({min(gone)[1]})")
                        yield RULE.finding(fd.path, line, f"{func}({target}) replaces {what}: a module reference "
                                                          f"keeps code loaded, not the object; an unbind still "
                                                          f"frees it")


# `E->driver->owner` / `E.driver->owner`: the module of whatever driver is bound to E now
_DRIVER_OF = lazyre.compile(r"^(?P<dev>.+?)(?:->|\.)driver->owner$")
# a device's parent: `x->dev.parent`, `dev->parent`, `x.dev.parent`
_PARENT = lazyre.compile(r"(?:->|\.)parent$")


def _parent_pin(target: str, before: str, params: dict[str, str]) -> str | None:
    """The parent device whose driver's module `target` names (`sw->dev.parent->driver->owner`,
    or `d->driver->owner` after `d = x->dev.parent;` in `before`), when nothing in `before`
    tests that the parent has a driver.  A parent is where a device sits in the device tree,
    not the driver that provides it: it may have no driver at all (a bus or cluster node, an
    MFD whose cell registered the object), so `->driver` is NULL there, and when it has one
    the pin names that driver's module, not the provider's.  Not when the child is a parameter
    (a sysfs or ops callback of that device: the driver that registered it is still bound)."""
    m = _DRIVER_OF.match(target)
    if m is None:
        return None
    dev = m.group("dev").lstrip("&(").rstrip(")")
    whose = dev
    if not _PARENT.search(dev):
        src = re.findall(r"\b%s\s*=\s*([^;=]+?)\s*;" % re.escape(dev), before) if re.fullmatch(r"\w+", dev) else []
        if not src or not _PARENT.search(norm(src[-1])):
            return None
        whose = norm(src[-1])
    if re.match(r"&?\(?(\w+)", whose).group(1) in params:
        return None  # the parent of the device this callback runs for: registered by a bound driver
    d = re.escape(dev)
    if re.search(r"%s(?:->|\.)driver\b\s*(?:==|!=|&&|\|\||\))|!\s*%s(?:->|\.)driver\b|"
                 r"(?:device_is_bound|has_driver)\s*\(\s*&?%s\s*\)|\b\w+\s*=\s*%s(?:->|\.)driver\s*;"
                 % (d, d, d, d), before):
        return None  # tested (or read into a variable that is tested): not this shape
    return dev


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    yield from _removed_protection(patch, ctx)
    for fd in patch.c_files:
        for line, mod in removed_live_tests(fd):
            yield RULE.finding(fd.path, line, f"test that the module finished its init removed before "
                                              f"try_module_get({mod}): the get also succeeds during its init "
                                              f"(MODULE_STATE_COMING), and a module whose init fails is freed "
                                              f"under the reference")
    replaced = list(_object_ref_replaced(patch))
    yield from replaced
    said = {(f.path, f.line) for f in replaced}
    changelog = patch.message
    added_all = "\n".join(ln.text for fd in patch.c_files for ln in fd.added())
    link_gone = any(_LINK.search(ln.text) for fd in patch.c_files for ln in fd.removed()) \
        and not _LINK.search(added_all)
    for fd in patch.c_files:
        for hunk in hunks(fd, added="module_get"):
            shown = "\n".join(ln.text for ln in hunk.new_side())
            unbind_talk = bool(_UNBIND_WORDS.search(shown) or _UNBIND_WORDS.search(changelog))
            stmts = statements(hunk.new_side())
            for k, st in enumerate(stmts):
                if not st.any_added or "module_get" not in st.text:
                    continue
                for func in _GET:
                    for arg in call_args(st.text, func):
                        line = st.line_of(r"\b%s\s*\(" % func)
                        if not line.added:
                            continue
                        target = norm(arg)
                        m = _OWN.match(target)
                        params, static = _params(hunk, line)
                        if m and static and params.get(m.group(1)) in _DEVICE_TYPES:
                            # get + immediate put: a "is the module going away?" probe (catpt)
                            probe = any(norm(a) == target for later in stmts[k + 1:k + 5]
                                        for a in call_args(later.text, "module_put"))
                            yield RULE.finding(fd.path, line, f"{func}({target}) pins this device's own driver",
                                               confidence=Confidence.LOW if probe else None)
                            continue
                        before = "\n".join(s.text for s in stmts[:k + 1])
                        parent = _parent_pin(target, before, params)
                        if parent is not None:
                            yield RULE.finding(fd.path, line, f"{func}({target}) pins the driver bound to the parent "
                                                              f"device {parent}: a parent need not have a driver (NULL "
                                                              f"here) nor be the one that provides this object; record "
                                                              f"the provider's module when it registers")
                        elif link_gone and (fd.path, line.new_no) not in said and re.search(r"(->|\.)(owner|module)$", target) and target != "THIS_MODULE":
                            yield RULE.finding(fd.path, line, f"{func}({target}) takes the place of a device link: a "
                                                              f"module reference keeps code loaded, not the supplier "
                                                              f"bound; it can still unbind under this consumer")
                        elif unbind_talk and re.search(r"(->|\.)(owner|module)$", target) \
                                and target != "THIS_MODULE":
                            # the bound driver of a device said to be kept from unbinding: the
                            # claim is the defect; a provider's ops owner may pin its code for a
                            # reason the comment words badly (a question)
                            bound = _DRIVER_OF.match(target) is not None
                            yield RULE.finding(fd.path, line, f"{func}({target}) cannot prevent unbind, only rmmod",
                                               confidence=None if bound else Confidence.LOW)
