"""A core pins the provider's module when it registers, and unpins only on unregister.

## What it does
Flags an added `.owner = THIS_MODULE` in a `struct cpuidle_driver` (whose core does
`try_module_get(drv->owner)` in `__cpuidle_register_device()`), and an added `try_module_get(x->owner)` / `__module_get(x->owner)` in a `*_register*()`
function when the patch adds the matching `module_put()` in an `*_unregister*()` /
`*_del*()` / `*_remove*()` function: the provider module is pinned for as long as it is
registered.

## Why is this bad?
Providers register in `module_init` (or probe) and unregister in `module_exit`.  But
`delete_module()` only runs `mod->exit()` after the refcount can drop to zero, so a pin held
from register to unregister can never be dropped by `rmmod`: the module becomes unremovable
(`rmmod` fails with `-EWOULDBLOCK`).

Xu Yilun (2023 thread, see References): "bumping up their module refcount prevents module_exit() been executed.
That came out to be a dead lock."  The merged fpga fix pins per use instead:
`__fpga_mgr_get()` does `try_module_get(mgr->mops_owner)`.
`__v4l2_device_register_subdev()` shows the careful version: it skips the pin when the
sub-device's owner is the v4l2_device driver itself ("To make it possible to unload modules
for media devices that also register sub-devices").

## Example
```c
int foo_register(struct foo *foo)
{
	if (!try_module_get(foo->ops->owner))
		return -ENODEV;
	list_add(&foo->node, &foo_list);
	return 0;
}

void foo_unregister(struct foo *foo)
{
	list_del(&foo->node);
	module_put(foo->ops->owner);
}
```

## Use instead
Pin per use, in the `get()` / `open()` / `bind()` path, and drop the pin in the matching
`put()` / `release()`; store the owner at registration (a `THIS_MODULE` wrapper, MOD008).

## Known problems
A pin taken in probe/attach and dropped in remove/detach is not reported (an unbind drops it;
a known false-positive trap), nor is a pin the patch only adds on one
side.  Nor is a pin on the driver of a device the function creates or looks up itself
(`client = i2c_new_client_device(...)`, then `try_module_get(client->dev.driver->owner)`): a
consumer pinning the code it uses, dropped by the consumer's own teardown.  Registration done
by a different module that owns the teardown is not recognised.  An owner added in a file built
only into the kernel is not reported (`THIS_MODULE` is NULL there): in tree mode by its
Kconfig/Makefile, in hunk mode by the patch's own evidence (a `bool` Kconfig entry,
`builtin_platform_driver()`).

## References
- `kernel/module/main.c` `delete_module()` / `try_stop_module()` (exit runs only at refcount 0)
- `drivers/media/v4l2-core/v4l2-device.c` `__v4l2_device_register_subdev()`
- `drivers/cpuidle/cpuidle.c` `__cpuidle_register_device()` (a core that pins at register)
- "[RFC PATCH] fpga: remove module reference counting from core components":
  https://lore.kernel.org/r/20231027152928.184012-1-marpagan@redhat.com
- 4d4d2d434685 "fpga: manager: add owner module and take its refcount"
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks.module._builtin import never_module
from reviewbot.checks.module._owners import CORE_PINS_AT_REGISTER, enclosing_initializer, member_of
from reviewbot.checks.module._refs import REGISTER_FN, UNREGISTER_FN, added_calls, enclosing_function, owner_device
from reviewbot.checks._hunks import hunks

RULE = Rule.from_doc(__doc__, id="MOD009", slug="register-time-pin", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("register-time-ref",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("THIS_MODULE", "module_get", "module_put")
# In tree mode the whole files decide (what the module cancels, pins or builds in): the
# hunk-only verdict does not stand beside the tree's (reviewbot.engine).
TREE_VERDICT = True



def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    yield from _owner_on_register_pinned_type(patch, ctx)
    added = added_calls(patch)
    puts: dict[str, list[str]] = {}
    for c in added:
        if c.family == "module" and c.role == "put":
            puts.setdefault(c.target, []).append(enclosing_function(c.hunk, c.line, "new"))
    for c in added:
        if c.family != "module" or c.role != "get" or c.is_self or c.target not in puts:
            continue
        fn = enclosing_function(c.hunk, c.line, "new")
        if not REGISTER_FN.search(fn) or UNREGISTER_FN.search(fn):
            continue
        if _driver_of_device_made_here(c):
            continue
        if any(UNREGISTER_FN.search(p) for p in puts[c.target]):
            yield RULE.finding(c.path, c.line, f"{c.func}({c.target}) held from {fn}() to unregister: unremovable")


def _driver_of_device_made_here(c) -> bool:
    """`client = i2c_new_client_device(...); try_module_get(client->dev.driver->owner)`: the
    module pinned is the driver of a device this function created or looked up itself, a
    consumer pinning the code it is about to use (the DVB bridge and its demodulator); the pin is
    the consumer's, dropped by the consumer's teardown, so no module pins itself."""
    dev = owner_device(c.target)
    if dev is None:
        return False
    base = re.split(r"->|\.", dev.lstrip("&"))[0]
    shown = [ln.text for ln in c.hunk.new_side() if ln.new_no is not None and ln.new_no < (c.line.new_no or 0)]
    return any(re.search(r"\b%s\s*=\s*\w+\s*\(" % re.escape(base), t) for t in shown)


def _owner_on_register_pinned_type(patch: Patch, ctx: Context) -> Iterator[Finding]:
    """`.owner = THIS_MODULE` added to a type whose core pins the owner at registration."""
    for fd in patch.c_files:
        if never_module(ctx, patch, fd):
            continue  # built in only (tree's Kconfig or the patch's own evidence): THIS_MODULE is NULL
        for hunk in hunks(fd, added="THIS_MODULE"):
            new = hunk.new_side()
            for i, ln in enumerate(new):
                if not ln.added or "THIS_MODULE" not in ln.text:
                    continue
                mm = member_of(ln.text)
                if not mm or mm[0] != "owner" or mm[1] != "THIS_MODULE":
                    continue
                info = enclosing_initializer(new, i, hunk.section)
                if info.member_type in CORE_PINS_AT_REGISTER:
                    yield RULE.finding(fd.path, ln, f"{info.member_type} is pinned at register: .owner makes it unremovable")
