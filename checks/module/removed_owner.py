"""A patch removes (or redirects) the `owner = THIS_MODULE` of an object the core pins.

## What it does
Flags a removed `.owner = THIS_MODULE` (or `.module`, `.me`, `.cra_module`) member of a
designated initializer that stays in the file, and a removed run-time assignment such as
`card->owner = THIS_MODULE;` in a function that stays, unless the same line comes back
elsewhere in the patch.  A member changed to `NULL` or another module is flagged too.

## Why is this bad?
For ops and descriptors that a core pins through `fops_get()` or `try_module_get(ops->owner)`
(file_operations, block_device_operations, snd_soc_card, dma_buf ops, transports, ...), the
owner field *is* the protection: with it gone, nothing stops `rmmod` while an open file, a
card or an exported buffer still calls into the module's text.  It looks like a fix, because
rmmod now succeeds.

Simona Vetter (2025 thread, see References): "I've seen people remove module references that are needed, to 'fix'
driver unloading."  Jason Gunthorpe (2025 thread, see References): "file_operations doesn't have such a cleanup
function which is why it takes the refcount."

## Example
```c
 static const struct dma_buf_ops i915_dmabuf_ops = {
-	.owner = THIS_MODULE,
 	.map_dma_buf = i915_gem_map_dma_buf,
```

## Use instead
Keep the owner.  If the module must be unloadable while objects are in use, add a revocation
mechanism that unregister waits for (MOD011, MOD012) instead of dropping the pin.

## Known problems
The `.owner` of a bus driver's `struct device_driver` (`.driver = { .owner = ... }`,
`.driver.owner`) is filled in by the register wrapper (`platform_driver_register()`,
`i2c_add_driver()`, `amba_driver_register()`, `module_*_driver()`, ...): removing it is the
cleanup `scripts/coccinelle/api/platform_no_drv_owner.cocci` performs and is not reported.
Other `*_driver` types and `cpuidle_driver` (whose core pins at registration, MOD009) are
reported at low confidence; so is code under arch/, kernel/, mm/, init/ and security/
(never modular), and in tree mode any file Kconfig/Makefile build only into the kernel.
When the struct type is not visible in the hunk (or, in tree mode, in the declarations of the
pre-image file) the finding is medium confidence.  When the
patch also deletes the owner member from the struct definition, MOD025 reports the removed
get/put instead.

## References
- `include/linux/fs.h`: `fops_get()` is `try_module_get((fops)->owner)`; `fs/open.c`
  `do_dentry_open()`, `fs/char_dev.c` `chrdev_open()`
- `scripts/coccinelle/api/platform_no_drv_owner.cocci` (the opposite, correct removals)
- Simona Vetter and Jason Gunthorpe on hot-unplug and the file_operations owner:
  https://lore.kernel.org/r/Z8GViQzZJVFPxfNd@phenom.ffwll.local,
  https://lore.kernel.org/r/20250228184013.GF39591@nvidia.com
- Fixes of this kind: "ASoC: qcom: Set card->owner to avoid warnings", "drm/vc4/vc4_hdmi:
  fill ASoC card owner", "drm: set owner field to for all DMABUF exporters"
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis.clex import code_lines, function_removed
from reviewbot.context import Context
from reviewbot.model import Confidence, DiffLine, Finding, Hunk, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks._hunks import hunks
from reviewbot.checks.module._owners import (CORE_PINS_AT_REGISTER, KNOWN_OWNER_FIELDS, WRAPPER_SET,
                                             enclosing_initializer,
                                             is_built_in_only, member_of, modular, normalized_lines,
                                             removed_member_decls, runtime_owner_assign)

RULE = Rule.from_doc(__doc__, id="MOD007", slug="removed-owner", level=Level.WARNING,
                     confidence=Confidence.HIGH, tags=("missing-owner",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("THIS_MODULE",)
# In tree mode the facts of the tree decide; the hunk-only verdict does not stand beside it.
TREE_VERDICT = True

# The patch adds an owner-capturing register wrapper (`#define x(d) __x(d, THIS_MODULE)`).
_WRAPPER_DEF = lazyre.compile(r"^\s*#\s*define\s+\w+\(.*\).*\bTHIS_MODULE\b|^\s+__\w+\(.*,\s*THIS_MODULE\s*\)\s*;?\s*$")


def _survives(old: list[DiffLine], idx: int) -> bool:
    """Is some other line of the initializer around old[idx] kept (context)?"""
    codes = code_lines(old)
    depth = 0
    for j in range(idx - 1, -1, -1):  # up to the opener
        depth += codes[j].count("}") - codes[j].count("{")
        if depth < 0:
            return not old[j].removed
        if depth == 0 and not old[j].removed and codes[j].strip():
            return True
    depth = 0
    for j in range(idx + 1, len(old)):  # down to the closer
        depth += codes[j].count("{") - codes[j].count("}")
        if depth < 0:
            return not old[j].removed
        if depth == 0 and not old[j].removed and codes[j].strip():
            return True
    return False


def _decl_type(hunk: Hunk, var: str, pre: str | None = None, line_no: int | None = None) -> str | None:
    """The struct type `var` is declared with: in the hunk, the hunk header, or (tree mode) the
    nearest declaration above the line in the pre-image file."""
    if pre and line_no:
        above = pre.splitlines()[:line_no]
        for text in reversed(above[-400:]):
            m = re.search(r"\bstruct\s+(\w+)\s*\*?\s*%s\b\s*[;=,)]" % re.escape(var), text)
            if m:
                return m.group(1)
    for ln in hunk.lines:
        m = re.search(r"\bstruct\s+(\w+)\s*\*?\s*%s\b" % re.escape(var), ln.text)
        if m:
            return m.group(1)
    m = re.search(r"\bstruct\s+(\w+)\s*\*?\s*%s\b" % re.escape(var), hunk.section)
    return m.group(1) if m else None


def _leaf(text: str) -> str | None:
    m = re.search(r"(\w+)\s*=\s*THIS_MODULE\b", text)
    return m.group(1) if m else None


def _rewritten(hunk: Hunk, ln: DiffLine) -> bool:
    leaf = _leaf(ln.text)
    return bool(leaf) and any(a.added and _leaf(a.text) == leaf for a in hunk.lines)


def _redirect(hunk: Hunk, member: str) -> str | None:
    for ln in hunk.lines:
        if ln.added:
            mm = member_of(ln.text)
            if mm and mm[0] == member and mm[1] != "THIS_MODULE":
                return mm[1]
    return None


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    if not any("THIS_MODULE" in ln.text for fd in patch.c_files for ln in fd.removed()):
        return  # only a removed THIS_MODULE line is reported
    readded = normalized_lines(patch, "+")
    dropped_fields = removed_member_decls(patch)
    wrapper_added = any(_WRAPPER_DEF.search(ln.text) for fd in patch.files for ln in fd.added())
    for fd in patch.c_files:
        if fd.is_deleted:
            continue
        for hunk in hunks(fd, removed="THIS_MODULE"):
            old = hunk.old_side()
            for i, ln in enumerate(old):
                if not ln.removed or "THIS_MODULE" not in ln.text:
                    continue
                if re.sub(r"\s+", "", ln.text) in readded:
                    continue  # moved or re-indented
                if _rewritten(hunk, ln):
                    continue  # the same owner member is set again in the rewritten code
                f = _initializer_member(patch, fd.path, hunk, old, i, ln, dropped_fields, wrapper_added)
                if f is None:
                    f = _runtime_assign(fd.path, hunk, old, i, ln, ctx.pre(fd.path))
                if f is not None:
                    if is_built_in_only(fd) or modular(ctx, fd.path) is False:
                        f = RULE.finding(f.path, ln, f.message, confidence=Confidence.LOW)
                    yield f


def _initializer_member(patch, path, hunk, old, i, ln, dropped_fields, wrapper_added) -> Finding | None:
    mm = member_of(ln.text)
    if not mm or mm[1] != "THIS_MODULE":
        return None
    member = mm[0]
    leaf = member.rsplit(".", 1)[-1]
    if leaf in dropped_fields or wrapper_added:
        return None
    if not _survives(old, i):
        return None  # the whole object goes away
    info = enclosing_initializer(old, i, hunk.section)
    if info.opener is None and not info.from_section and not info.path:
        pass  # type unknown: keep going at medium confidence
    if "." in member and member.split(".")[-2] in ("driver", "drv"):
        return None  # `.driver.owner`: set by the bus register wrapper
    mtype = info.member_type
    if mtype is None and any(p != "[]" for p in info.path):
        mtype = "?nested"
    if mtype in WRAPPER_SET:
        return None
    conf = None
    if mtype is None or mtype == "?nested":
        conf = Confidence.MEDIUM
    elif mtype in CORE_PINS_AT_REGISTER:
        conf = Confidence.LOW
    elif mtype not in KNOWN_OWNER_FIELDS:
        conf = Confidence.LOW if mtype.endswith("_driver") else Confidence.MEDIUM
    elif info.from_section:
        conf = Confidence.MEDIUM
    to = _redirect(hunk, member)
    what = f"struct {mtype}" if mtype and not mtype.startswith("?") else "this object"
    if to:
        return RULE.finding(path, ln, f".{member} of {what} changed from THIS_MODULE to {to}", confidence=conf)
    return RULE.finding(path, ln, f".{member} = THIS_MODULE removed: {what} no longer pins its module",
                        confidence=conf)


def _runtime_assign(path, hunk, old, i, ln, pre: str | None = None) -> Finding | None:
    ra = runtime_owner_assign(ln.text)
    if not ra or ra[2] != "THIS_MODULE":
        return None
    var, member, _ = ra
    if re.search(r"(\.|->)(driver|drv)$", var) or var in ("driver", "drv"):
        return None  # a bus driver's device_driver: the register wrapper sets it
    if function_removed(old, i):
        return None
    base = re.match(r"^&?\(?\*?(\w+)", var)
    typ = _decl_type(hunk, base.group(1), pre, ln.old_no) if base and re.fullmatch(r"\w+", var) else None
    if typ in WRAPPER_SET:
        return None
    conf = Confidence.MEDIUM
    if typ in KNOWN_OWNER_FIELDS and typ not in CORE_PINS_AT_REGISTER:
        conf = None
    elif typ in CORE_PINS_AT_REGISTER or (typ and typ.endswith("_driver")):
        conf = Confidence.LOW
    return RULE.finding(path, ln, f"{var} owner assignment removed: nothing pins the module now",
                        confidence=conf)
