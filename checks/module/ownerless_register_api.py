"""A new registration API takes callbacks but no owner module.

## What it does
Flags a patch that adds an ops structure (a `struct` with function-pointer members and no
`struct module *` member) together with a `*_register*()` function that takes it (or a
struct that embeds or points to it), when neither the function takes a `struct module *`
parameter nor the patch adds a `#define foo_register(x) __foo_register(x, THIS_MODULE)`
wrapper.  Posted as a question (CHECK level): the core may pin its callers another way.

## Why is this bad?
The core will call through those function pointers into the provider module long after
registration.  Without an owner it cannot pin the provider while a call is in flight, so the
provider can be unloaded under a user (Rusty Russell, 2002: "If you are calling though a
function pointer into a (different) module, you must hold a reference to that module").
Greg Kroah-Hartman (2022 thread, see References) asks to make the call "a macro that includes THIS_MODULE as part
of it like we do for the driver register functions (see usb_register_driver() ...)"; the
fpga fix added exactly such macros because they "reduce the chances of registering a manager
without setting the owner".

## Example
```c
+struct foo_backend_ops {
+	int (*start)(struct foo *foo);
+	void (*stop)(struct foo *foo);
+};
+
+int foo_backend_register(const struct foo_backend_ops *ops);
```

## Use instead
```c
+struct foo_backend_ops {
+	struct module *owner;
+	int (*start)(struct foo *foo);
+	void (*stop)(struct foo *foo);
+};
+
+int __foo_backend_register(const struct foo_backend_ops *ops, struct module *owner);
+#define foo_backend_register(ops) __foo_backend_register(ops, THIS_MODULE)
```
Store the owner in the core's own refcounted object at registration and take
`try_module_get()` per use (`get()`/`open()`), not at registration (MOD009).

## Known problems
Only structures and register functions added by the same patch are matched.  A core that
revokes instead of pinning (SRCU + `synchronize_srcu()` in unregister, a notifier chain,
`device_link`) does not need an owner; hunk mode cannot tell, hence the CHECK level.
Registrations that are always built in (arch/, kernel/, mm/, init/) are skipped, and so are
`static` functions of a `.c` file (`qcom_swrm_register_dais()`): no other module calls them.

## References
- `include/linux/platform_device.h` (`platform_driver_register()` wrapper),
  `include/linux/usb.h` (`usb_register()`)
- "module: add a function to add module references" (Greg Kroah-Hartman):
  https://lore.kernel.org/r/a078eb2e46d00ec59c8a91ea0afa5190730c9e58.1651212016.git.mchehab@kernel.org
- "dmaengine: Store module owner in dma_device struct":
  https://lore.kernel.org/r/20191022214616.7943-2-logang@deltatee.com
- 4d4d2d434685 "fpga: manager: add owner module and take its refcount"
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis.clex import code_lines
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks.module._builtin import never_module
from reviewbot.checks.module._owners import is_built_in_only
from reviewbot.checks._hunks import hunks, kind_text

RULE = Rule.from_doc(__doc__, id="MOD008", slug="ownerless-register-api", level=Level.CHECK,
                     confidence=Confidence.MEDIUM, tags=("other",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("register",)
# In tree mode the build facts decide (code that is never a module has no provider to pin):
# the hunk-only verdict does not stand beside the tree's (reviewbot.engine).
TREE_VERDICT = True

_STRUCT_DEF = lazyre.compile(r"^\s*struct\s+(\w+)\s*\{\s*$")
_REGISTER = lazyre.compile(r"^\s*(?:extern\s+)?(?:static\s+inline\s+)?[\w\s\*]*?\b(\w*register\w*)\s*\(([^;{]*)")


def _ops_structs(patch: Patch) -> dict[str, tuple[bool, bool, set[str]]]:
    """Added struct definitions: name -> (has function pointers, has a `struct module *`
    member, names of the struct types it embeds or points to)."""
    out: dict[str, tuple[bool, bool, set[str]]] = {}
    for fd in patch.c_files:
        for hunk in hunks(fd, added="struct"):  # else no struct definition opens on an added line
            new = hunk.new_side()
            codes = code_lines(new)
            for i, ln in enumerate(new):
                m = _STRUCT_DEF.match(codes[i])
                if not m or not ln.added:
                    continue
                depth, body = 0, []
                for j in range(i, len(new)):
                    if not new[j].added:
                        body = []
                        break
                    depth += codes[j].count("{") - codes[j].count("}")
                    body.append(codes[j])
                    if depth <= 0:
                        break
                text = "\n".join(body)
                if not text:
                    continue
                fptr = bool(re.search(r"\(\s*\*\s*\w+\s*\)\s*\(", text))
                owner = bool(re.search(r"struct\s+module\s*\*", text))
                refs = set(re.findall(r"struct\s+(\w+)", "\n".join(body[1:])))
                out[m.group(1)] = (fptr, owner, refs)
    return out


def _static_above(lines, k: int) -> bool:
    """`static struct clk *` on the line above `tegra_pmc_clk_out_register(...)` (the return type
    on a line of its own, pmc.c): the declaration starts there."""
    if k == 0 or not re.match(r"^[A-Za-z_]\w*\s*\(", lines[k].text):
        return False
    above = lines[k - 1].text
    return re.match(r"^static\b[^;(){}]*$", above) is not None


def _unexported(patch: Patch, ctx: Context) -> set[str]:
    """Functions defined in a .c file shown whole (a new file, or the post-image in tree mode)
    that the file does not `EXPORT_SYMBOL*()`: only the module they are linked into can call
    them (`vnic_dev_register()` of fnic's vnic_dev.c, a constructor of the driver's own
    object), so there is no other provider module to pin."""
    out: set[str] = set()
    for fd in patch.c_files:
        if not fd.path.endswith(".c"):
            continue
        whole = ctx.post(fd.path) or (kind_text(fd, "+") if fd.is_new else "")
        if not whole:
            continue
        exported = set(re.findall(r"\bEXPORT_SYMBOL\w*\s*\(\s*(\w+)\s*\)", whole))
        for name in re.findall(r"^(?:[A-Za-z_][\w\s\*]*?\b)?(\w*register\w*)\s*\([^;]*$", whole, re.M):
            if name not in exported:
                out.add(name)
    return out


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    structs = _ops_structs(patch)
    ownerless = {name for name, (fptr, owner, _) in structs.items() if fptr and not owner}
    if not ownerless:
        return
    added = "\n".join(ln.text for fd in patch.c_files for ln in fd.added())
    if re.search(r"#\s*define\s+\w*register\w*\s*\(.*THIS_MODULE", added):
        return
    seen: set[str] = set()
    unexported = _unexported(patch, ctx)
    for fd in sorted(patch.c_files, key=lambda f: not f.path.endswith(".h")):  # headers first
        if is_built_in_only(fd) or never_module(ctx, patch, fd):
            continue  # no module to unload under a user (tree mode: Kconfig/Makefile; a bool symbol)
        for hunk in hunks(fd, added="register"):
            new = hunk.new_side()
            for k, ln in enumerate(new):
                if not ln.added or "register" not in ln.text:
                    continue
                m = _REGISTER.match(ln.text)
                if not m or "unregister" in m.group(1) or m.group(1) in seen:
                    continue
                params = m.group(2)
                if "struct module" in params:
                    continue
                if fd.path.endswith(".c") and (re.match(r"^\s*static\b", ln.text) or _static_above(new, k)):
                    continue  # file-private: only this module calls it, no provider module to pin
                if m.group(1) in unexported:
                    continue  # defined by a whole file shown that does not export it: module-internal
                for typ in re.findall(r"struct\s+(\w+)", params):
                    if typ not in structs or structs[typ][1]:
                        continue  # not added here, or it carries its own owner
                    ops = typ if typ in ownerless else next((r for r in sorted(structs[typ][2]) if r in ownerless),
                                                            None)
                    if ops:
                        seen.add(m.group(1))
                        yield RULE.finding(fd.path, ln, f"{m.group(1)}() takes struct {ops} callbacks "
                                           f"but no owner module")
                        break
