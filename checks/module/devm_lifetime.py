"""devm-allocated memory handed to an object that can outlive the driver binding.

## What it does
Flags an added `x = devm_kzalloc()` (any `devm_k*()` allocator: `devm_kmalloc`, `devm_kcalloc`,
`devm_kmemdup`, `devm_kstrdup`, `devm_kasprintf`, ...) when the same function or file hands `x`
to an object with its own lifetime (a table of 6.12 APIs): the private data of an HCI, video,
input, tty or misc device (`hci_set_drvdata(hdev, x)`), `file->private_data = x`, an embedded
`cdev`, `struct device`, kobject or kref initialised inside `x`, a DRM mode object initialised
in it (`drm_encoder_init(drm, x, ...)`, `drm_connector_init(drm, &x->conn, ...)`), or a device
tree property (`of_add_property(np, x)`).  Converting such an allocation from `kzalloc()` or a
managed allocator of the right lifetime (`drmm_*`) is the typical way in.

Also flags a `devm_k*()` allocation in a core callback (a function that gets a framework object,
not a bus device, and allocates on that object's device) when the same patch removes the
`kfree()` of a parameter from another function: the core's free callback no longer frees what
the allocating callback hands out, so every call keeps its memory until the driver unbinds.
A conversion to devm of an object whose `kfree()` the patch removes from a release callback (a
kref or kobject release, a device release that uses `container_of()`, a file release) is
reported too: the object was freed on its last reference, devm frees it at unbind regardless.
The same holds for a `devm_k*()` allocation in a function that runs per open file or per call
(it takes a `struct file *`, `struct inode *`, `struct snd_pcm_substream *`, ...): low confidence
when it only allocates on the first call or frees the old buffer with `devm_kfree()`.

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
memory (DRM mode objects, OF properties); low for other new code.  In tree mode a hand-off the
pre-image already had is not reported (the patch did not introduce it).

## References
- `Documentation/driver-api/driver-model/devres.rst`
- `drivers/gpu/drm/drm_encoder.c` `drm_encoder_init()`: "should not be allocated with
  devm_kzalloc()"; `drivers/of/dynamic.c` `of_remove_property()`
- 1e7c57355a3b "firmware: raspberrypi: Keep count of all consumers";
  "bus: hisi_lpc: Don't use devm_kzalloc() to allocate logical PIO range"
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex
from reviewbot.analysis.clex import norm, statements
from reviewbot.analysis.cmodel import split_args
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Hunk, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks.module._devm import BUS_DEVICE_TYPES, DEVM_ALLOCATORS, FILE_PRIVATE, SINKS
from reviewbot.checks.module._refs import function_header
from reviewbot.checks._hunks import hunks

RULE = Rule.from_doc(__doc__, id="MOD015", slug="devm-lifetime", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("devm-lifetime",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("devm_k",)
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
    if re.search(r"%s\s*=\s*%s\s*;" % (FILE_PRIVATE, re.escape(var)), text):
        yield "file->private_data", "an open file outlives the unbind", False


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        added = [ln for ln in fd.added()]
        if not any("devm_k" in ln.text for ln in added):
            continue
        post = ctx.post(fd.path)
        pre = ctx.pre(fd.path)
        shown = "\n".join(ln.text for ln in fd.lines() if ln.kind != "-")
        scope = post if post is not None else shown
        removed = "\n".join(ln.text for ln in fd.removed())
        removed_stmts = {norm(st.text) for h in fd.hunks for st in statements(h.old_side())
                         if all(ln.removed for ln in st.lines)}
        freed_params = _freed_params(fd)
        for h in hunks(fd, new="devm_k"):
            for st in statements(h.new_side()):
                if not st.any_added:
                    continue
                m = _DEVM_ALLOC.match(st.text)
                if not m or norm(st.text) in removed_stmts:
                    continue  # not an allocation, or one the patch only moves
                var = m.group("var")
                converted = re.search(_OTHER_ALLOC % re.escape(var), removed) is not None
                line = st.line_of(re.escape(m.group("api")))
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
                per_call = _per_call(h, line)
                if per_call:
                    side = h.new_side()
                    before = "\n".join(ln.text for ln in side[:side.index(line)])
                    # replaces an old buffer (devm_kfree), or allocates only on the first call
                    once = re.search(r"\bdevm_kfree\s*\(", "\n".join(ln.text for ln in side)) or re.search(
                        r"if\s*\(\s*!\s*%s\s*\)\s*\{?\s*$" % re.escape(var), before, re.M)
                    yield RULE.finding(fd.path, line, f"devm memory '{var}' allocated in {per_call}, which runs on "
                                                      f"every open or call: it is kept until the driver unbinds",
                                       confidence=Confidence.LOW if once else None)
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
            if _RELEASE_PARAMS.search(params) or (
                    re.search(r"\bstruct\s+device\s*\*", params) and re.search(r"\bcontainer_of\s*\(|\bto_\w+\s*\(", body)
                    and re.search(r"release", name.group(1))):
                return name.group(1)
    return None


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
_PER_CALL = lazyre.compile(r"\bstruct\s+(file|inode|snd_pcm_substream|v4l2_fh|vm_area_struct)\s*\*")


def _per_call(h: Hunk, line) -> str | None:
    """'name()' when the function `line` sits in takes a per-open/per-call object."""
    sig = _signature(h, line, "new")
    name = re.search(r"(\w+)\s*\(", sig)
    if not name or not _PER_CALL.search(sig.split("(", 1)[-1]):
        return None
    return name.group(1) + "()"


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
