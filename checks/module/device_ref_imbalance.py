"""A device reference is over-put, put with the wrong API, kfree()d, or its keep-alive pair removed.

## What it does
Reports, for `struct device` references and the lookups that return one (`get_device`,
`of_find_device_by_node`, `bus_find_device*`, `class_find_device*`, `device_find_child`,
`acpi_dev_get_first_match_dev`, ...):

- `kfree()` of an object after `device_initialize()`/`device_register()`/`device_add()` of the
  device embedded in it, or right after its `put_device()` (the release already freed it);
  not after `kobject_init[_and_add]()` with a `struct kobj_type` of the file whose `.release`
  frees nothing (it completes a completion the owner waits for, then frees the memory itself)
  or that has no `.release`;
- a typed put (`acpi_dev_put(adev)`, `pci_dev_put()`, `of_node_put()`) replaced by a generic
  `put_device()` of another object: the typed reference leaks and the other one is over-put;
- a put made unconditional where it was guarded (the other case drops the reference elsewhere);
- an added put of a reference that is not held on that path (from what the kernel-API table
  says each call does): an earlier call on the same path already dropped it (a second
  `put_device()`, `device_unregister()` = `device_del()` + `put_device()`, a lookup that drops
  its `@from`/`@prev` argument), the object is a `for_each_*` loop variable and the loop goes
  round again (the iterator drops it at the next step; a `_scoped` loop always does), or the
  cursor of a plain loop whose head walks it with such a lookup (`while ((pdev =
  pci_get_device(v, d, pdev)))`, `for (...; np = of_find_compatible_node(np, ...))`), or the
  object was handed to someone who keeps the pointer (an IRQ's `dev_id`, drvdata, a list)
  earlier on the same path (or in every pass of a loop the put follows, that may skip a pass only
  when the cursor is NULL: `rdata->node = np;` per child, then `of_node_put(np)` after the
  loop): the put lets it be freed under them, or the object is the own
  firmware node, ACPI companion or parent of the device the function is given
  (`pdev->dev.of_node`, `dev_fwnode(dev)`, `ACPI_COMPANION(dev)`, also through a structure:
  `priv->dev->of_node`, or a local holding that device: `dev = vip->dev; np = dev->of_node;`)
  and no get was taken on it before the put: the device holds that reference, not the caller;
- an added plain put, on the success path, of an object a registration of the table took
  earlier on that path (`device_add()`, `platform_device_add()`, `kobject_init_and_add()`,
  `i2c_new_client_device()`): the registration owns the reference until its release
  (`device_unregister()`, `platform_device_unregister()`), which drops it again; not in the
  branch that tests the registration's result (its failure put), nor after a `*_del()`;
- an added put under an unwind label a `goto` reaches after such a registration succeeded, when
  the registration's undo is itself a put (`spi_unregister_controller()`,
  `input_unregister_device()`, `device_unregister()`; devres runs it for the devm twin,
  `devm_spi_register_controller()`) and nothing unregisters before the put on that path: the
  object is freed while registered and put again at unregistration;
- hunk mode: an added put right before `goto L`, where L is out of sight and named for a put
  of that very object (`put_device(codec_dev); goto err_put_codec;`): the unwind puts it
  again (a label that names only the family, `err_put_node`, may put another node);
- an added put followed on the straight path (through any unwind labels it falls into) by a
  put of the same reference, with no new reference taken in between: the same put written
  twice, or a put added under an unwind label that falls through to the label that puts it;
- an added put of the device a driver-core callback is given (PM ops, probe/remove,
  bus/class iterator and match callbacks, sysfs show/store): the core holds the device for
  the call and keeps using it after; or of a driver-model device a helper is handed
  (`struct device *`, `struct platform_device *`, ...), on the path that returns success;
- an added `of_node_put()`/`fwnode_handle_put()` of the node a function is handed (its
  `struct device_node *`/`struct fwnode_handle *` parameter, on the path that returns
  success) or of the node of a phandle specifier it is handed (`args->np` of a
  `struct of_phandle_args *args`, an `of_xlate()` callback: its caller parsed the specifier
  and puts `args->np` after the call), when the function takes no reference on it and never
  reassigns it;
- an added put of a reference a hand-off of the kernel-API table took over or a teardown
  already dropped (`fput(file)` after `fd_install(fd, file)`, which "consumes the file
  refcount"; after `filp_close()`, which ends in `fput()`), also in the branch that tests its
  result when the table says it consumes the reference even on error
  (`drm_sched_job_add_dependency()`: "@fence is consumed in both the success and error cases")
  and the function puts the object nowhere else;
- an added put of a variable declared with a scope-based cleanup (`struct device_node *np
  __free(device_node) = ...`, `__free(fwnode_handle)`, `__free(put_device)`, ...) that is
  neither reassigned nor taken with `no_free_ptr()` after it: the cleanup puts it again when
  the variable goes out of scope;
- an added `of_node_put()` of the node an OF match-table init callback is given (a function
  registered with `CLK_OF_DECLARE()`, `TIMER_OF_DECLARE()`, `IRQCHIP_DECLARE()`,
  `OF_DECLARE_1/2()`, `IRQCHIP_MATCH()`) without a get of its own: `timer_probe()` calls it
  inside `for_each_matching_node_and_match()`, `of_clk_init()`/`of_irq_init()` hold the node
  across the call and put it after;
- an added put of a pointer a no-reference lookup returned (`checks/data/borrowed.tsv`:
  `acpi_fetch_acpi_dev()`, `__dev_get_by_name()`, `get_cpu_device()`, `phy_find_first()`,
  `usb_find_interface()`, ...) when every assignment of it in the function is such a lookup
  and no get is taken on it: the reference it drops is somebody else's;
- an added put of a reference a structure keeps (`of_node_put(priv->phy_np)`), on the success
  path of a function that is not the structure's teardown, when the file's teardown
  (`*_remove()`, `*_release()`, a devm action) puts that member too and the function does not
  clear it after the put: the teardown puts it again and every use of the member in between
  is a use after put (tree mode sees the teardown; hunk mode only when a hunk shows it);
- an added put in the branch taken when a conditional get of the table failed
  (`if (!try_module_get(m))`, `kobject_get_unless_zero()`, `kref_get_unless_zero()`,
  `scsi_device_get()`): the failed get took nothing;
- an added cleanup, after the put of a device whose `release` the function sets, that the
  release callback does too (`kfree(x->name)`, `ida_free(&ida, x->id)`, `of_node_put(x->np)`
  after `put_device(&x->dev)`): the last put runs the release, which does it again (the
  callback's body is read from the file: tree mode, or a hunk that shows it);
- an added dropping call in a device's release callback (`x->dev.release = foo_release;` in the
  file, or the `.release` of a `kobj_type` or `device_type` the file gives the object) that a function of the file already makes on the same member before its put of that
  device (`rpmb_dev_unregister(rpmb->rdev); ...; put_device(&rpmb->dev);`, with the member not
  cleared between): the last put runs the release, which does it a second time; and, the other
  way round, an added dropping call after the last put or free of an object whose callback the
  file sets (`x->dev.release`, `card->private_free`) and that makes the same call on the same
  member of a same-typed object (`snd_card_free_when_closed(gosnd->card);
  v4l2_device_put(&go->v4l2_dev);` where the card's `private_free` puts `&go->v4l2_dev` of
  `card->private_data`): tree mode, the file's other functions are read;
- an added put of a reference devres owns: the object a devm getter or allocator returned
  (`clk_put()` of a `devm_clk_get()`, `spi_controller_put()` of a `devm_spi_alloc_host()`: the
  plain twin's put, from the tables; also in `.remove()` when the object is read back with
  `platform_get_drvdata()` and the file's probe stored it from such a devm call), or the data
  of a `devm_add_action_or_reset()` whose action
  puts it (from the call on, and at once when the call fails): devres puts it again;
- an added put of a structure member the file fills only with pointers that carry no
  reference (`priv->np = dev->of_node;`, `priv->dev = &pdev->dev;`, a borrowed accessor of
  `checks/data/borrowed.tsv`, the device a probe is given, or a local set from one), never
  with a getter's result nor given to a getter (tree mode; hunk mode: a low question): the put,
  in `.remove()` or a release, drops its owner's reference;
- an added put inside a register API of the table whose failure leaves the object to its
  caller (`spi_register_controller()`, `platform_device_add()`, `kobject_add()`): the caller
  puts it when the call fails, so this put is a second one;
- a removed get together with its put, for any getter of the kernel-API table in the device,
  kobject, kref and ACPI families (`get_device()`/`put_device()`, `spi_controller_get()`/
  `spi_controller_put()`, `kobject_get()`/`kobject_put()`, `tty_port_get()`/`tty_port_put()`):
  the reference kept the object alive across a call that may drop the last one (an
  unregister, a `kobject_del()`), or for someone else (a callback, a child).  When the get was
  folded into an assignment (`p = get(x)` -> `p = x`) the finding sits on the new assignment
  (not when it became its devm twin, `clk_get()` -> `devm_clk_get()`: devres drops it now);
- a removed get on the object a `*_get*()`/`*_find*()`/`*_lookup*()` function then returns: by
  the kernel's naming convention its callers put what it returns, so that path is put once
  too often;
- in a teardown function (remove, release, exit, ...), an unregister of the API table
  (`platform_device_unregister()`, `device_unregister()`, `i2c_unregister_device()`, ...)
  replaced in place by a bare put of the same object: it stays registered (sysfs, bus, a bound
  driver) and only a reference is dropped;
- an added lookup that drops its `@from`/`@prev` argument (the table's "drops argN":
  `of_find_node_by_name()`, `of_find_compatible_node()`, ...) given the device's own node
  (`dev->of_node`, `dev_of_node(dev)`, or a local copied from one) with no `of_node_get()` of
  it just before, or replacing in place a lookup on the same argument that did not drop it
  (`of_get_child_by_name()`): the device's node is put once too often.

## Why is this bad?
`device_register()`: "NOTE: _Never_ directly free @dev after calling this function, even if it
returned an error! Always use put_device() to give up your reference instead."  Once a device is
initialised its memory belongs to the refcount: `kfree()` either frees it under other holders
or, after `put_device()` already ran the release, frees it twice.  Each getter has one putter:
`acpi_dev_get_first_match_dev()` must be paired with `acpi_dev_put()`.  An extra put frees the
object while its owner still uses it (use-after-free on unbind).

## Example
```c
	ret = device_add(&codec->dev);
	if (ret) {
		put_device(&codec->dev);
		kfree(codec);
		return ret;
	}
```

## Use instead
```c
	ret = device_add(&codec->dev);
	if (ret) {
		put_device(&codec->dev);	/* the release frees codec */
		return ret;
	}
```

## Known problems
An added put of the function's own parameter in any other function (a driver's own helper:
the object a `foo_register()` is handed) is only a low-confidence question on an error path
(some helpers consume their caller's reference on failure), and anywhere in a function named
for giving things up (`*_remove`, `*_next_*`, `*_disable`, ...).  A helper its caller hands
the node's reference on purpose is reported wrongly (6.12 has two, in pmac64-cpufreq:
`g5_*_cpufreq_init(cpunode)`; the other functions of 6.12 that put a node they are handed
without a get are the OF core's iterators, which the table marks as dropping it).
In hunk mode the parameter list must be in view (the `@@` section line, and the context lines
that continue it); a header cut at 80 characters is read up to its last whole parameter.  A lone device parameter counts as a callback
only when the function's name says which (`*_probe`, `*_remove`, `*_suspend`, `*_resume`,
`*_runtime_*`, ...).  From hunks alone a put of a loop variable is judged only when the
`for_each_*` line is in the hunk (the 3 context lines rarely show it); tree mode sees it.  A keep-alive get shown in the function makes
one more put owed, so a put after an unregister (or a second put) is then not reported.
A put of a `__free()` variable is judged only when its declaration is in view, a put in a
match-table callback only when the registration line is (in hunk mode it often follows the
function's closing brace; tree mode reads the file).
A put of a pointer from a no-reference lookup is judged only when the lookup is in view (in
hunk mode the 3 context lines rarely show it; tree mode does); one from a `conversion` row
(`interface_to_usbdev()`, `dev_of_node()`) is only a low-confidence question: a probe may
have taken `usb_get_dev()` on it and the disconnect put it through the conversion.
`kfree()` after a put or a register counts only for a device embedded in the freed object
(`&priv->dev`), not a pointer member (`priv->dev`: a separate allocation).
From hunks alone the getter of a put is often not shown: a putter swap is reported only when a
typed put becomes a generic `put_device()`, the direction that leaks the typed reference.  A
device whose release does not free its container (no release, or a static device) makes the
put-then-kfree finding a false positive, but such a device is itself a bug (MOD021).

A put in a teardown callback of an object that a sibling function of the code shown reaches
through the same accessor and takes a reference on (a bus's `probe()` gets the device, its
`remove()` puts it) is that pair's.  A put then an unregister in a helper whose every caller in
the code shown hands it a lookup's reference (and does not put it after the call) drops the
lookup's and the registration's (drivers/base/memory.c `remove_memory_block()`).  A device
release set through a local pointer (`dev = &x->dev; dev->release = fn;`) counts like one set
on the member.  A put after erasing the object from a table (`xa_erase()`, `idr_remove()`) that
the code shown stores it in right after a get for it is the table's reference.  An unwind loop
that steps its index before each put (`while (--i >= 0) put(devs[i]);`) does not put the
element the jumping branch already put.  Puts of two different counted members of one object
(`put_device(&nvmem->dev)` and `kref_put(&nvmem->refcnt, ...)`) are one put each.  A put
before a `goto` whose label puts again is owed when the function took two references before it
(`kref_init()` and `kref_get()` "for the completer to put").

In tree mode, when Coccinelle (`spatch`) is installed, the touched functions of both images
are also searched for two over-puts (semantic patches generated from the kernel-API tables):
a reference a getter returned, put a second time by its release with no new get on the path in
between, and a pointer a no-reference accessor of `checks/data/borrowed.tsv` lent
(`get_cpu_device()`, `dev_of_node()`) put with no get of it first.  Only paths the patch
introduces are reported, at the added put or the removed get (`docs/coccinelle.md`).

A removed pair that the commit message calls extra (unnecessary, redundant, unbalanced, a
leak; see `checks/_intent.py`) is only a low-confidence question: the pair goes as a whole,
so the function cannot show that it was needed.  OF-node and fwnode pairs around
`dev->of_node` are not reported: the device holds the node, so such a pair is a cleanup.

## Confidence
Medium from hunks; high when the registration and the free are both shown on one path.

## References
- `drivers/base/core.c`: `device_register()`, `device_add()`, `device_initialize()` kernel-doc
- `drivers/acpi/utils.c`: `acpi_dev_get_first_match_dev()` "the caller is responsible for
  invoking acpi_dev_put()"
- `fs/file.c`: `fd_install()` "This consumes the "file" refcount"; `include/linux/cleanup.h`
  (`__free()`, `no_free_ptr()`); `drivers/clocksource/timer-probe.c`, `drivers/of/irq.c`
  `of_irq_init()`, `drivers/clk/clk.c` `of_clk_init()` (who holds a match-table callback's node)
- `Documentation/core-api/kobject.rst`, "kref and kobject"
- "drm/mediatek: Fix device use-after-free on unbind"; 5bca3688bdbc
  "Input: raspberrypi-ts - fix refcount leak in rpi_ts_probe"
- Coccinelle `free/put_device.cocci`; smatch `check_platform_device_put.c`
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel, flow
from reviewbot.checks import _intent
from reviewbot.checks._message import short
from reviewbot.checks._hunks import hunk_names, kind_text, names_on
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _cocci
from reviewbot.checks.module import _apis, _dropping_lookup, _overput, _overput_judge, _refdiff, _release_twice, _stored
from reviewbot.analysis.clex import norm, statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

RULE = Rule.from_doc(__doc__, id="MOD019", slug="device-ref-imbalance", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("kref-imbalance", "extra-put"),
                     engines=("python", "coccinelle"))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("kfree",) + _apis.PUTTER_TOKENS + tuple(sorted(
    a.getter for a in _apis.APIS if a.family in ("device", "kobject", "kref", "acpi"))) + tuple(sorted(
    r.name for r in kapi.of_kind("lookup") if r.drops_arg is not None and not r.is_iterator))
# What it says about a C file depends on that file (and the commit message) alone: it runs
# only on the files that hold a TRIGGER string (reviewbot.engine).
TRIGGER_PER_FILE = True

# After these the embedded device/kobject owns the memory: free only through the putter.
_OWNS_MEMORY = ("device_initialize", "device_register", "device_add", "kobject_init",
                "kobject_init_and_add", "platform_device_alloc")
_DEV_PUTS = ("put_device", "platform_device_put", "device_unregister", "kobject_put")
_OWNS_OR_PUTS = lazyre.compile(r"\b(%s)\s*\(" % "|".join(_OWNS_MEMORY + _DEV_PUTS))


def _owns_or_puts(fd) -> bool:
    """Does the diff show a call that makes the device own its memory, or a device put?"""
    text = kind_text(fd, "+- ")
    return any(n in text for n in _OWNS_MEMORY + _DEV_PUTS) and _OWNS_OR_PUTS.search(text) is not None



def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    found = list(_check(patch, ctx)) if ctx.engine_on("python") else []
    # tree mode: the over-puts the Coccinelle path engine matched (reviewbot.cocci)
    found += list(_cocci.findings(RULE, patch, ctx, found))
    yield from found
    if ctx.has_tree and ctx.engine_on("python"):
        # tree mode: what the post-image's paths newly do (reviewbot counts every path)
        yield from _refdiff.findings(RULE, patch, ctx, ("overput",), found)


def _check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    overput = bool(_intent.explains(patch.message or "", "put"))
    for fd in patch.c_files:
        added = kind_text(fd, "+")
        removed = kind_text(fd, "-")
        if "kfree" in added and re.search(r"\bkfree\s*\(", added) and _owns_or_puts(fd):
            yield from _kfree_after_register(fd, ctx)
        if _apis.has_putter_call(added):
            yield from _overputs(fd, ctx)
        if "_find_" in added or "_next_" in added or "_get_" in added:
            for ln, msg in _dropping_lookup.overputs(fd):
                yield RULE.finding(fd.path, ln, msg, confidence=Confidence.LOW if overput else None)
        if ".release" in kind_text(fd, "+- ") or ctx.post(fd.path) is not None:
            yield from _released_twice(fd, ctx)
        if _apis.has_putter_call(added) and _apis.has_putter_call(removed):
            yield from _putter_swaps(fd)
            yield from _unregister_to_put(fd)
            yield from _unconditional_puts(fd, overput)
        if _apis.has_getter_call(removed) and _apis.has_putter_call(removed):
            yield from _removed_pairs(fd, _intent.says_extra(patch, "get"))
        if _apis.has_getter_call(removed) and "return" in added:
            yield from _removed_get_of_returned(fd, _intent.says_extra(patch, "get"))


def _overputs(fd, ctx: Context) -> Iterator[Finding]:
    """Added puts of a reference that is not held there (see `_overput_judge`)."""
    need = lambda text: _apis.has_putter_call(text)  # noqa: E731
    post = ctx.post(fd.path)
    text = _overput_judge.file_text(fd, post, "new")
    for view in flow.views(fd, ctx, need):
        func = view.new
        if func is None:
            continue
        added = [c for c in func.calls() if _apis.is_putter(c.name) and c.line in view.by_new
                 and view.by_new[c.line].added]
        for call, msg, *conf in _overput_judge.overputs(view, added, post, text):
            yield RULE.finding(fd.path, view.by_new[call.line], msg, confidence=conf[0] if conf else None)


def _released_twice(fd, ctx: Context) -> Iterator[Finding]:
    """Added cleanup after the put whose release callback does it too (see `_release_twice`)."""
    post = ctx.post(fd.path)
    if _no_release(post):
        return  # tree mode: no function of the post-image (the views below) holds "release"
    if post is None and len(fd.hunks) == 1 and fd.hunks[0].old_len == 0:
        post = "\n".join(text for _, text in cmodel.side_lines(fd.hunks, "new"))  # a new file
    cfile = None  # the file (or the hunks' new side) parsed: for the first function that needs it
    # tree mode: the file sets callbacks a put or free runs (`card->private_free = fn;`)
    callbacks = post is not None and _release_twice.sets_callbacks(post)
    for view in flow.views(fd, ctx, lambda text: "release" in text):
        func = view.new
        if func is None:
            continue
        # the function is itself a release callback the file sets (`x->dev.release = func;`,
        # `.release = func,` of a kobj_type or device_type)
        is_release = post is not None and func.name in _release_set(post)
        if "release" not in func.text and not is_release and not callbacks:
            continue
        if cfile is None:
            cfile = cmodel.parse(post) if post is not None else \
                cmodel.parse_fragment(cmodel.side_lines(fd.hunks, "new"))
        added = [c for c in func.calls() if c.line in view.by_new and view.by_new[c.line].added]
        for call, msg in _release_twice.release_twice(view, added, cfile):
            yield RULE.finding(fd.path, view.by_new[call.line], msg)
        if is_release or post is None:
            for call, msg in _release_twice.release_again(view, added, cfile):
                yield RULE.finding(fd.path, view.by_new[call.line], msg)
        if callbacks and not is_release:
            for call, msg in _release_twice.freed_again(view, added, cfile):
                yield RULE.finding(fd.path, view.by_new[call.line], msg)


_RELEASE_SET = lazyre.compile(r"\.release\s*=\s*&?\s*(\w+)\s*[;,}]")


@functools.lru_cache(maxsize=8)
def _release_set(post: str) -> frozenset[str]:
    """The names `post` sets as a `.release` (`x->dev.release = fn;`, `.release = fn,`): one
    scan of the image for all its functions (the word after `= &` is the whole run of word
    characters, so a name's own search finds exactly these)."""
    return frozenset(m.group(1) for m in _RELEASE_SET.finditer(post))


def _no_release(post: str | None) -> bool:
    """A post-image none of whose functions can hold "release" or set a `private_free` (a
    function's text is a part of the image; cmodel.normalize only renames loop macros and
    blanks attributes)."""
    return post is not None and "release" not in post and "private_free" not in post


def _kfree_after_register(fd, ctx: Context) -> Iterator[Finding]:
    # hunk mode: a run of hunks without "kfree" has no added kfree() call (not parsed)
    for view in flow.views(fd, ctx, lambda text: "kfree" in text):
        func = view.new
        if func is None:
            continue
        calls = func.calls()
        for c in calls:
            if c.name != "kfree" or not c.args:
                continue
            ln = view.by_new.get(c.line)
            if ln is None or not ln.added:
                continue
            obj = c.args[0]
            owner = next((r for r in calls if r.name in _OWNS_MEMORY and r.line < c.line and r.args
                          and (_embedded_in(r.args[0], obj) or _apis.same_object(r.lhs or "", obj))), None)
            prior_put = next((p for p in calls if p.name in _DEV_PUTS and p.line < c.line and p.args
                              and _embedded_in(p.args[0], obj) and _falls_to(p.node, c.node)
                              and not _overput._rewritten(func, norm(obj), p.line, c.line)), None)
            if owner is not None and (_release_keeps_memory(owner, fd, ctx)
                                      or _file_dev_releases_keep_memory(owner, fd, ctx)):
                continue  # the last put leaves the memory to its owner
            if owner is None and prior_put is not None and (_file_ktypes_keep_memory(prior_put, fd, ctx)
                                                            or _file_dev_releases_keep_memory(prior_put, fd, ctx)):
                continue  # the same, for a kobject or device the file sets up in another function
            if prior_put is not None:
                yield RULE.finding(fd.path, ln, f"kfree({short(obj)}) after {prior_put.name}() frees it "
                                                f"twice: the release already did", confidence=(
                                                    Confidence.HIGH if owner else None))
                continue
            if owner is None or _in_else_of_put(c.node, obj) or _overput._rewritten(func, norm(obj), owner.line, c.line):
                continue  # `put_device(dev); dev = NULL;` falls through to `kfree(dev)`: a no-op
            if not _falls_to(owner.node, c.node) and not _reaches_by_goto(func, owner, c):
                continue
            putter = "kobject_put()" if owner.name.startswith("kobject_") else \
                "platform_device_put()" if owner.name == "platform_device_alloc" else "put_device()"
            yield RULE.finding(fd.path, ln, f"kfree({short(obj)}) after {owner.name}(): "
                                            f"release it with {putter}")


# A call in a release callback that frees or drops something (the container, or a reference
# whose release frees it).
_FREES = lazyre.compile(r"(free|put|release|destroy|unref|delete|_del\b|kill)", re.I)


def _file_ktypes_keep_memory(put, fd, ctx: Context) -> bool:
    """`kobject_put(&x->kobj)` where every `kobject_init[_and_add](&...->kobj, &ktype, ...)` of
    the file on that member names a ktype whose release frees nothing (see below)."""
    if put.name != "kobject_put" or not put.args:
        return False
    member = re.split(r"->|\.", clex.norm(put.args[0]).lstrip("&"))[-1]
    text = _file_text(fd, ctx)
    inits = re.finditer(r"\b(kobject_init(?:_and_add)?)\s*\(\s*&\s*[\w.>\-\[\]]*(?:->|\.)%s\s*,\s*&?\s*(\w+)"
                        % re.escape(member), text)
    keeps = [_release_keeps_memory(_Init(m.group(1), ("", m.group(2))), fd, ctx) for m in inits]
    return bool(keeps) and all(keeps)


def _file_dev_releases_keep_memory(put, fd, ctx: Context) -> bool:
    """`device_unregister(&x->dev)` / `put_device(&x->dev)` where every `->dev.release = fn`
    of the file names a function that frees nothing (f_mass_storage's `fsg_lun_release()` is
    empty): the last put leaves the container to its owner, who kfree()s it after."""
    if not put.args:
        return False
    member = re.split(r"->|\.", clex.norm(put.args[0]).lstrip("&"))[-1]
    text = _file_text(fd, ctx)
    fns = set(re.findall(r"(?:->|\.)%s\.release\s*=\s*&?\s*(\w+)\s*;" % re.escape(member), text))
    # through a local pointer to the member: `struct device *dev = &solo_dev->dev;` ...
    # `dev->release = solo_device_release;` (solo6x10-core.c)
    for alias in set(re.findall(r"\b(\w+)\s*=\s*&\s*[\w>.\-]*(?:->|\.)%s\s*;" % re.escape(member), text)):
        fns |= set(re.findall(r"(?<![\w>.])%s\s*->\s*release\s*=\s*&?\s*(\w+)\s*;" % re.escape(alias), text))
    if not fns:
        return False
    cf = cmodel.parse(text)
    return all(_frees_nothing(cf.function_named(f)) for f in fns)


class _Init:
    def __init__(self, name, args):
        self.name, self.args = name, args


def _file_text(fd, ctx: Context) -> str:
    text = ctx.post(fd.path)
    return text if text is not None else "\n".join(t for _, t in cmodel.side_lines(fd.hunks, "new"))


def _release_keeps_memory(owner, fd, ctx: Context) -> bool:
    """`kobject_init[_and_add](&x->kobj, &ktype, ...)` with a `struct kobj_type` of the file
    whose `.release` frees nothing (`cpufreq_sysfs_release()` only completes a completion the
    put path waits for), or that has no `.release` (drivers/acpi/cppc_acpi.c `cppc_ktype`): the kobject's last put does not free the container, so freeing it
    after that put is its owner's job (lib/kobject.c kobject_cleanup() runs the release and
    only frees the name)."""
    if owner.name not in ("kobject_init", "kobject_init_and_add") or len(owner.args) < 2:
        return False
    ktype = clex.norm(owner.args[1]).lstrip("&")
    if not re.fullmatch(r"\w+", ktype):
        return False
    text = _file_text(fd, ctx)
    m = re.search(r"\bstruct\s+kobj_type\s+%s\s*=\s*\{(?P<body>[^{}]*)\}" % re.escape(ktype), text)
    if m is None:
        return False
    rel = re.search(r"\.release\s*=\s*(\w+)", m.group("body"))
    if rel is None:
        return True  # no release at all: kobject_cleanup() frees only the name (cppc_ktype)
    return _frees_nothing(cmodel.parse(text).function_named(rel.group(1)))


def _frees_nothing(fn) -> bool:
    """Is `fn` (a release callback of the file) there, and does it free or drop nothing?"""
    return fn is not None and not any(_FREES.search(c.name) and _on_container(c) for c in fn.calls())


def _on_container(call) -> bool:
    """Can the freeing call `call` of a release free the container: it is given a whole object
    (`kfree(sl)`, `foo_free(priv)`), an embedded member's address (`kref_put(&x->ref, ...)`),
    or nothing the release names?  `w1_family_put(sl->family)`, `put_device(dev->parent)`,
    `kfree(sl->name)` drop or free a separate object a pointer member holds (drivers/w1/w1.c
    w1_slave_release())."""
    if not call.args:
        return True
    return any(not re.search(r"->|\.", clex.norm(a)) or clex.norm(a).lstrip().startswith("&")
               for a in call.args)


def _same_path(a, b) -> bool:
    """b runs after a on one path: a's block encloses b (no else branch in between)."""
    blk = a.parent
    while blk is not None and blk.type != "compound_statement":
        blk = blk.parent
    if blk is None or not cmodel.contains(blk, b):
        return False
    for anc in cmodel.ancestors(b):
        if anc == blk:
            return True
        if anc.type == "else_clause":
            return False
    return True


def _embedded_in(dev: str, obj: str) -> bool:
    """Is the device/kobject `dev` (a put's or a register's argument) part of the memory
    `kfree(obj)` frees?  `obj` itself, or the address of a member (`&obj->dev`, `&obj->a.kobj`,
    `&obj.dev`).  A pointer member (`obj->dev`, no `&`, or a path through one,
    `&obj->mc_dev->dev`) is a separate allocation with its own release: freeing the container
    beside it is not a double free."""
    d, o = clex.norm(dev), clex.norm(obj).lstrip("&")
    if not o:
        return False
    if d.lstrip("*") == o or re.sub(r"^\(struct\w+\*\)", "", d) == o:
        return True
    if not d.startswith("&"):
        return False
    d = clex.norm(d[1:])
    rest = d[len(o):]
    if not d.startswith(o) or re.match(r"(->|\.)\w", rest) is None:
        return False
    # `&obj->a.b.dev` is in obj's memory; `&obj->mc_dev->dev` goes through a pointer member
    # to another allocation (dpaa2-switch: put_device(&mac->mc_dev->dev); kfree(mac);)
    return "->" not in (rest[2:] if rest.startswith("->") else rest[1:])


def _falls_to(a, b) -> bool:
    """b runs after a on one path: `_same_path`, and no return/goto/break/continue at a's
    level between them (b under a label that only earlier gotos reach does not count)."""
    if not _same_path(a, b):
        return False
    sa, sb = a, b
    while sa.parent is not None and sa.parent.type != "compound_statement":
        sa = sa.parent
    blk = sa.parent
    while sb.parent is not None and sb.parent != blk:
        sb = sb.parent
    if blk is None or sb.parent != blk:
        return False
    sib = sa.next_named_sibling
    while sib is not None and sib.start_byte < sb.start_byte:
        inner = sib
        while inner.type == "labeled_statement" and inner.named_children:
            inner = inner.named_children[-1]
        if inner.type in ("return_statement", "goto_statement", "break_statement", "continue_statement"):
            return False
        sib = sib.next_named_sibling
    return True


def _reaches_by_goto(func, owner, kfree_call) -> bool:
    """A goto after the registration leads to the label chain holding the kfree."""
    for j in func.jumps():
        if j.kind != "goto" or j.line <= owner.line:
            continue
        for st in func.label_path(j.label):
            if cmodel.contains(st, kfree_call.node):
                return True
    return False


def _in_else_of_put(node, obj: str) -> bool:
    for anc in cmodel.ancestors(node):
        if anc.type == "else_clause" and anc.parent is not None and anc.parent.type == "if_statement":
            cons = anc.parent.child_by_field_name("consequence")
            if cons is not None and any(c.name in _DEV_PUTS and c.args and _apis.same_object(c.args[0], obj)
                                        for c in flow.calls_in(cons)):
                return True
    return False


def _put_calls(lines) -> list[tuple[object, str, str]]:
    out = []
    for st in statements(lines):
        m = clex.CallStmt.parse(st.text)
        if m and _apis.is_putter(m.name):
            args = list(cmodel.split_args(m.args))
            out.append((st, m.name, _apis.put_object(m.name, args) or ""))
    return out


def _putter_swaps(fd) -> Iterator[Finding]:
    if not names_on(fd, "removed", _apis.TYPED_PUTTERS):
        return  # (see below) no hunk removes a typed put
    all_added = _put_calls(fd.added())
    for h in fd.hunks:
        if not hunk_names(fd, h, "removed", _apis.TYPED_PUTTERS):
            continue  # a removed put's name is a whole word of a removed line: none of them here
        for rem, add in clex.replacements(h):
            for _, rname, robj in _put_calls(rem):
                if rname not in _apis.TYPED_PUTTERS:
                    continue
                if any(_apis.same_object(o, robj) for _, _, o in all_added):
                    continue
                for st, aname, aobj in _put_calls(add):
                    if aname == "put_device" and not _apis.same_object(aobj, robj):
                        yield RULE.finding(fd.path, st.line_of(r"put_device"),
                                           f"put_device({short(aobj, 20)}) replaces {rname}({short(robj, 16)}): "
                                           f"that reference leaks")


@functools.cache  # the table does not change while the process runs
def _unregisters() -> frozenset[str]:
    """The calls that undo a register row of the API table (`platform_device_unregister()`,
    `device_unregister()`, `i2c_unregister_device()`, `kset_unregister()`, ...)."""
    names = set()
    for row in kapi.of_kind("register"):
        for part in re.split(r"[|+]| then ", "|".join(row.release)):
            part = part.strip()
            if "unregister" in part or part.endswith("_remove"):
                names.add(part)
    return frozenset(names)


def _unregister_to_put(fd) -> Iterator[Finding]:
    """In a teardown function, an unregister replaced in place by a bare put of the same object:
    the object stays registered (its sysfs entries, its bus, a driver bound to it) and only a
    reference is dropped.  In a probe's error path the put is right when the add failed, so
    only teardown functions (remove, release, exit, ...) are judged."""
    unregs = _unregisters()
    for h in fd.hunks:
        if not _stored.teardown(flow.section_name(h.section)):
            continue
        for rem, add in clex.replacements(h):
            gone = [(n, o) for _, n, o in _put_calls(rem) if n in unregs]
            for st, aname, aobj in _put_calls(add):
                if aname in unregs:
                    continue
                old = next((n for n, o in gone if _apis.same_object(o, aobj)), None)
                if old:
                    yield RULE.finding(fd.path, st.line_of(re.escape(aname)),
                                       f"{aname}({short(aobj, 20)}) replaces {old}(): the object stays "
                                       f"registered, only a reference is dropped")


def _unconditional_puts(fd, overput: bool) -> Iterator[Finding]:
    """`if (cond) put(x);` rewritten as a bare `put(x);`."""
    if overput or not names_on(fd, "removed", _apis.PUTTER_NAMES.names):
        return  # (see below) no hunk removes a put
    for h in fd.hunks:
        if not hunk_names(fd, h, "removed", _apis.PUTTER_NAMES.names):
            continue  # no wholly removed put: its name would be a word of a removed line
        removed = [(st, n, o) for st, n, o in _put_calls(h.old_side()) if all(ln.removed for ln in st.lines)]
        added = [(st, n, o) for st, n, o in _put_calls(h.new_side()) if st.any_added]
        for rst, rname, robj in removed:
            m = clex.CallStmt.parse(rst.text)
            guarded = m.cond or _guard_above(h.old_side(), rst)
            if not guarded or re.search(r"\b%s\b" % re.escape(robj.lstrip("&").split("->")[0]), guarded):
                continue  # `if (x) put(x)` is a NULL guard, not a condition on ownership
            for ast, aname, aobj in added:
                if aname == rname and aobj == robj and not clex.CallStmt.parse(ast.text).cond \
                        and not _guard_above(h.new_side(), ast):
                    yield RULE.finding(fd.path, ast.line_of(re.escape(aname)),
                                       f"{aname}() made unconditional: the guarded case "
                                       f"({short(guarded, 24)}) is put elsewhere")


def _guard_above(lines, st) -> str | None:
    """The condition of an `if (...)` line directly above a one-statement body."""
    first = st.lines[0]
    idx = lines.index(first)
    for prev in reversed(lines[:idx]):
        t = prev.text.strip()
        if not t:
            continue
        m = re.match(r"^if\s*\((.*)\)\s*$", t)
        return m.group(1) if m else None
    return None


# Families whose keep-alive pairs this rule follows (module pins are MOD025's).
_PAIR_FAMILIES = ("device", "kobject", "kref", "acpi")  # a node pair around dev->of_node is a cleanup
_ASSIGN = lazyre.compile(r"(?P<lhs>[\w>.\[\]-]+)\s*=\s*(\([\w\s*]+\)\s*)?$")


def _removed_gets(lines) -> list[tuple[object, str, str, str | None]]:
    """(statement, getter, referenced object, lhs) of every wholly removed table getter call."""
    out = []
    for st in statements(lines):
        if not all(ln.removed for ln in st.lines) or not _apis.has_getter_call(st.text):
            continue
        for m in _apis.GETTER_NAMES.finditer(st.text):
            api = _apis.BY_GETTER[m.group(1)]
            if api.family not in _PAIR_FAMILIES:
                continue
            args = list(cmodel.split_args(clex.balanced(st.text, m.end())))
            a = _ASSIGN.search(st.text[:m.start()])
            lhs = a.group("lhs") if a else None
            lhs = re.sub(r"^.*\s\**", "", lhs) if lhs else None  # `struct x *p = get(...)`
            obj = _apis.ref_object(api, args, lhs)
            if obj:
                out.append((st, m.group(1), obj, lhs))
    return out


def _removed_pairs(fd, extra: str | None) -> Iterator[Finding]:
    """A removed get whose put is removed too, in code that stays: the pair kept the object alive."""
    gets = _removed_gets(fd.removed())
    if not gets:
        return
    added_text = kind_text(fd, "+")
    added_refs = _put_calls(fd.added())
    removed_puts = _put_calls(fd.removed())
    for st, getter, obj, lhs in gets:
        api = _apis.BY_GETTER[getter]
        if not any(n in api.putters and _apis.same_object(o, obj) for _, n, o in removed_puts):
            continue
        if re.search(r"\b%s\s*\(" % re.escape(getter), added_text) \
                or any(_apis.same_object(o, obj) for _, _, o in added_refs):
            continue  # moved or replaced
        if not _has_kept_neighbour(fd, st):
            continue
        repl = _replacement_of(fd, st, lhs)
        if repl is not None and re.search(r"=\s*(?:\([^()]*\)\s*)?devm_\w+\s*\(", repl.text):
            continue  # converted to its devm twin: devres drops the reference now
        where = repl or st.line_of(re.escape(getter))
        yield RULE.finding(fd.path, where,
                           f"removing {getter}({short(obj)}) and its put lets the object be "
                           f"freed while still referenced",
                           confidence=Confidence.LOW if extra else None)


# A function named so returns a reference its caller must drop (kernel naming convention).
_REF_RETURNING_FN = lazyre.compile(r"(^|_)(get|find|lookup|grab|acquire)(_|$)")


def _removed_get_of_returned(fd, extra: str | None) -> Iterator[Finding]:
    """A `*_get*()`/`*_find*()` function that now returns an object without the get it took for
    its caller: its callers put what they are given, so this path is put once too often."""
    added_text = kind_text(fd, "+")
    for st, getter, obj, lhs in _removed_gets(fd.removed()):
        if lhs is not None or _apis.BY_GETTER[getter].fails and _apis.BY_GETTER[getter].ref == "ret":
            continue  # `p = lookup(...)`: a lookup that goes, not a get on the returned object
        if re.search(r"\b%s\s*\(" % re.escape(getter), added_text):
            continue  # moved
        h = next((h for h in fd.hunks if st.lines[0] in h.lines), None)
        if h is None:
            continue
        fn = flow.section_name(_function_at(h, st.lines[0]))
        if not _REF_RETURNING_FN.search(fn):
            continue
        i = h.lines.index(st.lines[-1])
        ret = next((ln for ln in h.lines[i + 1:] if ln.added and re.match(r"^\s*return\b", ln.text)), None)
        if ret is None:
            continue
        val = re.sub(r"^\s*return\s*|;\s*$", "", ret.text).strip()
        if not _apis.same_object(val, obj):
            continue
        yield RULE.finding(fd.path, st.line_of(re.escape(getter)),
                           f"{fn}() now returns {short(val, 24)} without the {getter}() its callers "
                           f"will put", confidence=Confidence.LOW if extra else None)


def _function_at(h, line) -> str:
    """The function header a hunk line sits in: the last one shown above it, else the hunk's."""
    name = h.section
    for ln in h.lines:
        if ln is line:
            break
        if ln.kind != "+" and re.match(r"^[A-Za-z_][\w\s\*]*?\b\w+\s*\([^;]*$", ln.text):
            name = ln.text
    return name


def _replacement_of(fd, st, lhs: str | None):
    """The added line that assigns `lhs` in place of the removed get (`p = get(x)` -> `p = x`)."""
    if not lhs:
        return None
    for h in fd.hunks:
        for rem, add in clex.replacements(h):
            if st.lines[0] not in rem:
                continue
            for ln in add:
                if re.search(r"(?<![\w>.])%s\s*=[^=]" % re.escape(lhs), ln.text):
                    return ln
    return None


def _has_kept_neighbour(fd, st) -> bool:
    """The get sat in code that stays (the function is edited, not deleted)."""
    for h in fd.hunks:
        if st.lines[0] in h.lines:
            i = h.lines.index(st.lines[0])
            near = h.lines[max(0, i - 3):i + 4]
            return any(ln.kind == " " and ln.text.strip() not in ("", "{", "}") for ln in near)
    return False
