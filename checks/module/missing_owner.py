"""A new ops/descriptor object whose type has an owner field leaves it unset.

## What it does
Flags an added designated initializer (`static const struct file_operations foo_fops = {...}`)
of a type that carries a `struct module *` owner member (kept as data in
`checks/module/_owners.py` with the field name per type: `.owner`, `.module`, `.me`,
`.cra_module`, ...) when the whole initializer is added and sets no owner; and an added
`cdev_init(&x->cdev, &fops)` with no `x->cdev.owner = THIS_MODULE` in the diff (`cdev_init()`
memsets the cdev and leaves the owner NULL; `chrdev_open()` pins it with `cdev_get()`).

## Why is this bad?
The cores that call through these objects pin the module named in the owner field:
`do_dentry_open()` does `fops_get()`, `chrdev_open()` does `cdev_get()` + `fops_get()`,
socket families, qdiscs, netfilter matches and crypto algorithms `try_module_get()` their
owner.  With a NULL owner nothing is pinned, and an open file or a live object keeps calling
into module text after `rmmod` has freed it.

Jason Gunthorpe (2025 thread, see References): "file_operations doesn't have such a cleanup function which is why
it takes the refcount."  Al Viro on a cdev/fops lifetime patch: "And what's to prevent rmmod
coming and freeing ->release code right as you are executing it?"

## Example
```c
static const struct file_operations foo_fops = {
	.open		= foo_open,
	.release	= foo_release,
	.unlocked_ioctl	= foo_ioctl,
};
```

## Use instead
```c
static const struct file_operations foo_fops = {
	.owner		= THIS_MODULE,
	.open		= foo_open,
	.release	= foo_release,
	.unlocked_ioctl	= foo_ioctl,
};
```
Name the module whose functions the pointers reach (MOD008d).

## Known problems
Not reported: types with no owner (`proc_ops`, `tty_operations`, `seq_operations`,
`vm_operations_struct`, `miscdevice`, `struct class`); objects made by macros that set the
owner (`DEFINE_SHOW_ATTRIBUTE()`, `DEFINE_SIMPLE_ATTRIBUTE()`, `DEFINE_DEBUGFS_ATTRIBUTE()`,
`DEFINE_DMA_BUF_EXPORT_INFO()`); bus drivers and other types whose register wrapper fills
the owner in (`platform_driver_register()`, `i2c_add_driver()`, `tty_alloc_driver()`, ...);
`cpuidle_driver`, whose core pins at registration (adding `.owner` there is MOD009); arrays of
initializers; code under arch/, kernel/, mm/, init/ and security/, which is never modular.
In tree mode also: a file that Kconfig/Makefile build only into the kernel (`THIS_MODULE` is
NULL there), and a provider linked into the same module as the core code that pins the type's
owner (the core would pin itself).  Struct types whose owner member 6.12 no longer has
(`dma_buf_ops`) are never asked for one.
Built-in-only code from a patch's own evidence (`checks/module/_builtin.py`): the `bool`
Kconfig symbol and Makefile lines it adds, or a new file with two or more module entry points
(`module_init()`, `module_platform_driver()`: each defines `init_module`, so it cannot build as a
module) or only built-in registrations (`TIMER_OF_DECLARE()`, `builtin_platform_driver()`).
An initializer with a member that is a macro call (`ATA_PIO_SHT(DRV_NAME),`,
`LIBSAS_SHT_BASE`): the macro's members are out of sight and usually set the owner.  An
`ib_device_ops` without `.driver_id`: a fragment that `ib_set_device_ops()` merges into the
driver's main ops, which carry the owner.
An owner set
at run time elsewhere in the file (`drv->owner = THIS_MODULE;`) is invisible in hunk mode
unless the patch shows it; the finding is medium confidence for that reason, and Kconfig
(tristate or bool) is not consulted.  In tree mode (`--tree`) a file that Kconfig/Makefile
build only into the kernel is skipped, struct types missing from the table are looked up in
the headers the file includes, and an owner set elsewhere in the post-image file counts.  `file_operations` handed to `debugfs_create_file()`
are not reported: debugfs runs every call of a file's fops under debugfs_file_get(), and
`debugfs_remove()` waits for them (a revocation), so the owner is not needed there; except
`->release`, which debugfs calls "unconditionally" even after the file is gone: fops whose
`.release` is the module's own function are reported at low confidence.

A `cdev_init()` whose cdev goes to `cdev_device_add()` (which calls `cdev_set_parent()`) is
treated like one with `cdev_set_parent()`; `struct nvmem_config` needs no owner
(`nvmem_register()` takes the registering driver's).
A `cdev_init()` of a file-scope `static struct cdev` that the whole file (a new file, or the
post-image in tree mode) never deletes is not reported: that char device lives as long as the
kernel, so no unload can happen under an open file; the same for `file_operations` given to
`register_chrdev()` by a file that never calls `unregister_chrdev()`.

## References
- `include/linux/fs.h` (`fops_get()`), `fs/open.c` `do_dentry_open()`, `fs/char_dev.c`
  `chrdev_open()`, `fs/anon_inodes.c`
- `Documentation/filesystems/vfs.rst` (struct file_operations)
- Simona Vetter and Jason Gunthorpe on hot-unplug and the file_operations owner:
  https://lore.kernel.org/r/Z8GViQzZJVFPxfNd@phenom.ffwll.local,
  https://lore.kernel.org/r/20250228184013.GF39591@nvidia.com
- "ASoC: Intel: sof_sdw: add missing .owner field" (P.-L. Bossart, 2020)
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis.clex import code_lines
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks._hunks import hunks, kind_text
from reviewbot.checks.module._builtin import never_module
from reviewbot.checks.module._owners import (_OPENER, CORE_PINS_AT_REGISTER, MERGED_OPS, NO_OWNER_TYPES,
                                             WRAPPER_SET, files_of_own_filesystem, is_built_in_only,
                                             owner_field, pinned_by_own_module)

RULE = Rule.from_doc(__doc__, id="MOD006", slug="missing-owner", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("missing-owner",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("struct", "cdev_init")
# In tree mode the Kconfig/Makefile facts decide (a built-in-only object needs no owner):
# the hunk-only verdict does not stand beside the tree's (reviewbot.engine).
TREE_VERDICT = True

# A member line that is a macro call (`__ATA_BASE_SHT(name),`, `LIBSAS_SHT_BASE`): its members
# are out of sight, the owner usually among them (include/linux/libata.h: `.module = THIS_MODULE`).
_MACRO_MEMBER = lazyre.compile(r"^\s*_*[A-Z][A-Z0-9_]*\s*(?:\([^;]*\))?\s*,?\s*$")


def _macro_member(body: str) -> bool:
    """A member of the initializer `body` is a macro call (not the continuation of a value)."""
    prev = "{"
    for code in body.splitlines():
        if not code.strip():
            continue
        if prev.endswith((",", "{")) and _MACRO_MEMBER.match(code):
            return True
        prev = code.rstrip()
    return False

# Objects normally filled in at run time: a static initializer of them is a template.
_RUNTIME_OBJECTS = frozenset({"cdev", "irq_desc", "dma_buf", "regulator_dev", "mem_ctl_info",
                              "snd_card", "dma_device", "mtd_info", "w1_slave"})


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        if fd.path.endswith(".h") or is_built_in_only(fd) or never_module(ctx, patch, fd):
            continue  # THIS_MODULE is NULL in built-in code: the owner pins nothing
        added_text = kind_text(fd, "+")
        post = ctx.post(fd.path) or ""  # tree mode: the whole post-image file
        yield from _cdev_without_owner(fd, post or (added_text if fd.is_new else ""))
        for hunk in hunks(fd, added="struct"):  # else no initializer opens on an added line
            new = hunk.new_side()
            codes = code_lines(new)
            for i, ln in enumerate(new):
                if not ln.added:
                    continue
                m = _OPENER.match(codes[i])
                if not m:
                    continue
                typ, name = m.group(1), m.group(2)
                field = owner_field(ctx, fd.path, typ)
                if (not field or typ in WRAPPER_SET or typ in CORE_PINS_AT_REGISTER
                        or typ in NO_OWNER_TYPES or typ in _RUNTIME_OBJECTS):
                    continue
                if re.search(r"%s\s*(\[[^\]]*\])+\s*=" % re.escape(name), codes[i]):
                    continue  # an array of objects: owner per element, not followed here
                body = _body(new, codes, i)
                if body is None:
                    continue  # the initializer is not entirely added / not entirely shown
                if re.search(r"\.\s*(?:\w+\.)*%s\s*=" % re.escape(field), body):
                    continue
                if _macro_member(body):
                    continue  # `ATA_PIO_SHT(DRV_NAME),`: a macro of members, the owner among them
                key = MERGED_OPS.get(typ)
                if key and not re.search(r"\.\s*%s\s*=" % key, body):
                    continue  # a fragment merged into the ops that say `.{key}` (and the owner)
                if re.search(r"(->|\.)%s\s*=\s*\w" % re.escape(field), added_text):
                    continue  # set at run time in code this patch adds
                if re.search(r"\b%s\s*(\.|->)\s*%s\s*=" % (re.escape(name), re.escape(field)), post):
                    continue  # tree mode: set at run time elsewhere in the file
                if pinned_by_own_module(ctx, fd.path, typ, field):
                    continue  # tree mode: the core that pins it is linked into this same module
                whole = post or (added_text if fd.is_new else "")
                if typ == "file_operations" and _permanent_chrdev(name, whole) or _permanent_register(name, whole):
                    continue  # registered for the life of the kernel: no unload under an open file
                if typ == "file_operations" and files_of_own_filesystem(ctx, fd.path, name):
                    continue  # tree mode: a file system's files; its superblock pins the module
                conf = None
                if typ == "file_operations" and _debugfs(fd.path, name, added_text):
                    if not _own_release(body):
                        continue  # debugfs_remove() drains every call but ->release: none of ours
                    conf = Confidence.LOW  # debugfs_remove() drains open files (revocation)
                yield RULE.finding(fd.path, ln, f"{name} (struct {typ}) has no .{field} = THIS_MODULE", confidence=conf)


def _permanent_cdev(obj: str, whole: str) -> bool:
    """`cdev_init(&tty_cdev, ...)` of a file-scope `static struct cdev` that the whole file
    never deletes: the char device stays for the life of the kernel (built-in code such as
    drivers/tty/tty_io.c), so no unload can happen while it is open and the owner pins nothing
    (a module that unloaded it without cdev_del() would have another bug)."""
    if not whole or not re.fullmatch(r"\w+", obj):
        return False
    if not re.search(r"^static\s+struct\s+cdev\s+[^;]*\b%s\b[^;]*;" % re.escape(obj), whole, re.M):
        return False
    return re.search(r"\bcdev(_device)?_del\s*\([^;]*\b%s\b" % re.escape(obj), whole) is None


def _permanent_chrdev(name: str, whole: str) -> bool:
    """`register_chrdev(VCS_MAJOR, "vcs", &vcs_fops)` in a file (the whole file: a new file,
    or the post-image in tree mode) that never calls unregister_chrdev(): the char device
    stays for the life of the kernel (built-in code such as drivers/tty/vt/vc_screen.c), as a
    never-deleted static cdev above: the owner pins nothing."""
    if not whole or not re.search(r"\b_?_?register_chrdev\s*\([^;]*&\s*%s\s*\)" % re.escape(name), whole):
        return False
    return re.search(r"\b_?_?unregister_chrdev\s*\(", whole) is None


def _permanent_register(name: str, whole: str) -> bool:
    """`clocksource_register_hz(&hyperv_cs_tsc, ...)` in a file (the whole file) that calls no
    `clocksource_unregister*()` (`foo_register_x()` / `foo_(un|de)register*()`,
    `register_x()` / `(un|de)register_x*()`), and no devm_ registration of it, from `__init`
    code of a file with no module entry point: the object stays registered for the life of
    the kernel (drivers/clocksource/hyperv_timer.c, built in), as
    the never-unregistered chrdev above: the owner pins nothing.  A module that unloaded with
    the object still registered would have another bug than a missing owner."""
    if not whole:
        return False
    calls = [m for m in re.finditer(r"\b(\w*?)register(\w*)\s*\([^;]*?&\s*%s\b" % re.escape(name), whole)
             if not re.search(r"^(?:[A-Za-z_][\w\s*]*?\b)?%sregister%s\s*\([^;]*$"
                              % (re.escape(m.group(1)), re.escape(m.group(2))), whole, re.M)]
    calls = [m for m in calls if not m.group(1).endswith(("un", "de"))]  # the undo calls: judged below
    # `mnt = vfs_kern_mount(&internal_fs_type, ...)` (drivers/base/devtmpfs.c): a kernel-internal
    # mount holds the file system type as a registration does; kern_unmount()/mntput() end it
    mounts = list(re.finditer(r"\b\w*kern_mount\w*\s*\(\s*&\s*%s\b" % re.escape(name), whole))
    if not calls and not mounts:  # no call, or only of a helper the file defines (which may unregister elsewhere)
        return False
    if re.search(r"\bmodule_(?:init|exit)\s*\(|\bmodule_\w+_driver\s*\(", whole):
        return False  # a module entry point: a core without unregister (clockevents) pins the owner instead
    for m in mounts:
        heads = re.findall(r"^[A-Za-z_][^;{}\n]*\(", whole[:m.start()], re.M)
        if not heads or "__init" not in heads[-1]:
            return False
        start, end = whole.rfind(heads[-1], 0, m.start()), whole.find("\n}", m.end())
        if any(not (start <= u.start() and (end < 0 or u.start() < end))
               for u in re.finditer(r"\b(?:kern_unmount\w*|mntput)\s*\(", whole)):
            return False
    for m in calls:
        heads = re.findall(r"^[A-Za-z_][^;{}\n]*\(", whole[:m.start()], re.M)
        if not heads or "__init" not in heads[-1]:
            return False  # registered at run time, not by boot-time set-up
        pre, post = m.group(1), m.group(2)
        if pre.startswith("devm_") or pre.endswith(("un", "de")):
            return False
        undo = (r"\b%s(?:un|de)register\w*\s*\(" % re.escape(pre) if pre
                else r"\b_*(?:un|de)register%s\w*\s*\(" % re.escape(post))
        start = whole.rfind(heads[-1], 0, m.start())
        end = whole.find("\n}", m.end())
        # an undo of the API, or any unregister handed the object (`target_backend_unregister(
        # &rd_mcp_ops)` after `transport_backend_register(&rd_mcp_ops)`)
        named = r"\b\w*(?:un|de)register\w*\s*\([^;]*&\s*%s\b" % re.escape(name)
        undos = list(re.finditer(undo, whole)) + list(re.finditer(named, whole))
        if any(not (start <= u.start() and (end < 0 or u.start() < end)) for u in undos):
            return False  # undone elsewhere; an undo in the `__init` function itself is its failure unwind
    return True


def _cdev_without_owner(fd, whole: str = "") -> Iterator[Finding]:
    """`cdev_init(&x->cdev, &fops)` added with no `x->cdev.owner = ...` anywhere in the diff.
    `whole`: the whole file when it is known (tree mode, a new file)."""
    if not any("cdev_init" in ln.text for ln in fd.added()):
        return
    text = kind_text(fd, "+ ")
    for ln in fd.added():
        m = re.search(r"\bcdev_init\s*\(\s*&?\s*([^,]+?)\s*,", ln.text)
        if not m:
            continue
        obj = re.sub(r"\s+", "", m.group(1))
        is_ptr = not re.match(r"^\s*cdev_init\s*\(\s*&", ln.text[ln.text.find("cdev_init"):])
        sep = "->" if is_ptr else "."
        if re.search(re.escape(obj) + r"\s*(\.|->)\s*owner\s*=", text) or "cdev_set_parent" in text \
                or re.search(r"\bcdev_device_add\s*\(\s*&?\s*%s\s*," % re.escape(obj), text):
            continue  # cdev_device_add() calls cdev_set_parent() (fs/char_dev.c)
        if _permanent_cdev(obj, whole):
            continue
        yield RULE.finding(fd.path, ln, f"cdev_init() of {obj} without {obj}{sep}owner = THIS_MODULE")


# The kernel's own release helpers (fs/seq_file.c, fs/libfs.c): built in, never unloaded.
_CORE_RELEASE = lazyre.compile(r"^(single_release|seq_release|seq_release_private|simple_transaction_release|"
                               r"simple_attr_release|debugfs_attr_release|NULL)$")


def _own_release(body: str) -> bool:
    """The initializer sets `.release` to a function of its own.  debugfs wraps the fops of
    a file in a proxy that runs each call under debugfs_file_get() (`debugfs_remove()` waits
    for them), except `->release`, which full_proxy_release() (fs/debugfs/file.c) calls
    "unconditionally", after the file was removed: only that one may run after rmmod."""
    m = re.search(r"\.\s*release\s*=\s*(\w+)", body)
    return m is not None and not _CORE_RELEASE.match(m.group(1))


def _debugfs(path: str, name: str, text: str) -> bool:
    """Are the fops debugfs's: handed to `debugfs_create_*()`, directly or through a helper of
    the same text that passes its parameter on (`__mmc_test_register_dbgfs_file(card, "test",
    mode, &mmc_test_fops_test)`, whose body calls `debugfs_create_file(..., fops)`)?"""
    if "debugfs" in path or re.search(r"debugfs|dbg", name, re.I):
        return True
    if re.search(r"debugfs_create_\w+\([^;]*\b%s\b" % re.escape(name), text, re.S):
        return True
    for m in re.finditer(r"\b(\w+)\s*\([^;{}]*\b%s\b" % re.escape(name), text):
        body = re.search(r"^\w[^;{]*\b%s\s*\([^;{]*\)\s*\{(.*?)^\}" % re.escape(m.group(1)), text, re.S | re.M)
        if body and "debugfs_create_" in body.group(1):
            return True
    return False


def _body(lines, codes, start) -> str | None:
    depth = 0
    out = []
    for j in range(start, len(lines)):
        if not lines[j].added:
            return None
        depth += codes[j].count("{") - codes[j].count("}")
        out.append(codes[j])
        if depth <= 0:
            return "\n".join(out)
    return None
