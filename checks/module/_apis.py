"""The get/put API table: which calls take a reference, where it lives, and what drops it.

Read-only data shared by the balance rules (MOD003, MOD019, MOD020, ...).  Each `Api` names a
getter, which argument or the return value carries the reference (`ref`), the putters that
drop it, and whether the getter can fail (then the reference exists only on its success path).
Sources are the 6.12 kernel-doc of each function (see `doc`).

`ref` values:
- ``"ret"``: the returned pointer is the referenced object (lookups, `*_get()` returning it);
- ``"arg0"``/``"arg1"``: the object passed as that argument gains a reference.

`fails` values: ``"null"`` (returns NULL/false on failure), ``"errptr"`` (ERR_PTR), ``"int"``
(non-zero return on failure: but the reference is taken anyway, see `ref_on_failure`),
``""`` (cannot fail).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from reviewbot import lazyre
from reviewbot.analysis import words
from reviewbot.analysis.clex import norm
from reviewbot.checks import _kapi as kapi


@dataclass(frozen=True, slots=True)
class Api:
    getter: str
    putters: tuple[str, ...]
    ref: str = "ret"
    fails: str = "null"
    family: str = "device"  # module | device | kref | of | acpi | fwnode | kobject | symbol | ...
    ref_on_failure: bool = False  # device_register(): the caller must put even when it failed
    never_kfree: bool = False  # the object must be released through its putter, never kfree()
    doc: str = ""


_DEV_PUT = ("put_device",)

APIS: tuple[Api, ...] = (
    # --- module references (include/linux/module.h, kernel/module/main.c)
    Api("try_module_get", ("module_put", "module_put_and_kthread_exit"), "arg0", "null", "module",
        doc="returns false if the module is GOING; the put must pair with a successful get"),
    Api("__module_get", ("module_put", "module_put_and_kthread_exit"), "arg0", "", "module",
        doc="unconditional increment: the caller already holds a reference"),
    Api("fops_get", ("fops_put",), "ret", "null", "module",
        doc="include/linux/fs.h: try_module_get(fops->owner); NULL when the owner is GOING"),
    Api("symbol_get", ("symbol_put", "symbol_put_addr"), "ret", "null", "symbol",
        doc="include/linux/module.h: 'calls must be symmetric'"),
    Api("symbol_request", ("symbol_put", "symbol_put_addr"), "ret", "null", "symbol"),
    Api("dvb_attach", ("dvb_detach",), "ret", "null", "symbol",
        doc="drivers/media dvb_attach(): symbol_request() + call"),
    Api("i2c_get_adapter", ("i2c_put_adapter",), "ret", "null", "module",
        doc="pins the adapter's owner module and its device"),
    Api("of_get_i2c_adapter_by_node", ("i2c_put_adapter",), "ret", "null", "module"),
    Api("of_find_i2c_adapter_by_node", _DEV_PUT, "ret", "null", "device",
        doc="takes a device reference only: put_device(&adap->dev), not i2c_put_adapter()"),
    Api("of_find_i2c_device_by_node", _DEV_PUT, "ret", "null", "device"),
    Api("get_module_from_owner", ("module_put",), "ret", "null", "module"),
    # --- struct device (drivers/base/core.c)
    Api("get_device", _DEV_PUT, "ret", "", "device",
        doc="increments the refcount of @dev; returns @dev"),
    Api("of_find_device_by_node", ("put_device", "platform_device_put"), "ret", "null", "device",
        doc="drivers/of/platform.c: 'takes a reference to the embedded struct device which needs "
            "to be dropped after use'"),
    Api("bus_find_device", _DEV_PUT, "ret", "null", "device"),
    Api("bus_find_device_by_name", _DEV_PUT, "ret", "null", "device"),
    Api("bus_find_device_by_of_node", _DEV_PUT, "ret", "null", "device"),
    Api("bus_find_device_by_fwnode", _DEV_PUT, "ret", "null", "device"),
    Api("bus_find_device_by_devt", _DEV_PUT, "ret", "null", "device"),
    Api("bus_find_device_by_acpi_dev", _DEV_PUT, "ret", "null", "device"),
    Api("bus_find_next_device", _DEV_PUT, "ret", "null", "device"),
    Api("class_find_device", _DEV_PUT, "ret", "null", "device"),
    Api("class_find_device_by_name", _DEV_PUT, "ret", "null", "device"),
    Api("class_find_device_by_of_node", _DEV_PUT, "ret", "null", "device"),
    Api("class_find_device_by_fwnode", _DEV_PUT, "ret", "null", "device"),
    Api("class_find_device_by_devt", _DEV_PUT, "ret", "null", "device"),
    Api("driver_find_device", _DEV_PUT, "ret", "null", "device"),
    Api("driver_find_device_by_name", _DEV_PUT, "ret", "null", "device"),
    Api("driver_find_device_by_of_node", _DEV_PUT, "ret", "null", "device"),
    Api("driver_find_device_by_fwnode", _DEV_PUT, "ret", "null", "device"),
    Api("driver_find_device_by_acpi_dev", _DEV_PUT, "ret", "null", "device"),
    Api("device_find_child", _DEV_PUT, "ret", "null", "device"),
    Api("device_find_child_by_name", _DEV_PUT, "ret", "null", "device"),
    Api("device_find_any_child", _DEV_PUT, "ret", "null", "device"),
    Api("bus_find_device_by_fwnode", _DEV_PUT, "ret", "null", "device"),
    Api("fwnode_find_reference_device", _DEV_PUT, "ret", "null", "device"),
    Api("spi_find_device_by_fwnode", _DEV_PUT, "ret", "null", "device"),
    Api("i2c_find_device_by_fwnode", _DEV_PUT, "ret", "null", "device"),
    Api("i2c_find_adapter_by_fwnode", _DEV_PUT, "ret", "null", "device"),
    Api("i2c_get_adapter_by_fwnode", ("i2c_put_adapter",), "ret", "null", "module"),
    Api("pci_get_device", ("pci_dev_put",), "ret", "null", "device"),
    Api("pci_get_domain_bus_and_slot", ("pci_dev_put",), "ret", "null", "device"),
    Api("pci_get_slot", ("pci_dev_put",), "ret", "null", "device"),
    Api("pci_get_class", ("pci_dev_put",), "ret", "null", "device"),
    Api("pci_dev_get", ("pci_dev_put",), "ret", "", "device"),
    Api("usb_get_dev", ("usb_put_dev",), "ret", "", "device"),
    Api("usb_get_intf", ("usb_put_intf",), "ret", "", "device"),
    Api("spi_dev_get", ("spi_dev_put",), "ret", "", "device"),
    Api("spi_master_get", ("spi_master_put", "spi_controller_put"), "ret", "", "device"),
    Api("spi_controller_get", ("spi_master_put", "spi_controller_put"), "ret", "", "device"),
    Api("platform_device_alloc", ("platform_device_put",), "ret", "null", "device",
        never_kfree=True, doc="free with platform_device_put(), also after platform_device_add() failed"),
    # device_initialize()/device_register(): from then on only put_device() may free the object.
    Api("device_initialize", _DEV_PUT, "arg0", "", "device", never_kfree=True,
        doc="drivers/base/core.c: 'use put_device() to give up your reference instead of "
            "freeing @dev directly'"),
    Api("device_register", _DEV_PUT + ("device_unregister",), "arg0", "int", "device",
        ref_on_failure=True, never_kfree=True,
        doc="'NOTE: _Never_ directly free @dev after calling this function, even if it returned "
            "an error! Always use put_device() to give up your reference instead.'"),
    Api("acpi_dev_get_first_match_dev", ("acpi_dev_put",), "ret", "null", "acpi",
        doc="drivers/acpi/utils.c: 'the caller is responsible for invoking acpi_dev_put()'"),
    Api("acpi_dev_get", ("acpi_dev_put",), "ret", "", "acpi"),
    Api("acpi_get_acpi_dev", ("acpi_put_acpi_dev",), "ret", "null", "acpi"),
    Api("acpi_bus_get_acpi_device", ("acpi_dev_put",), "ret", "null", "acpi"),
    # --- kref / kobject
    Api("kref_get", ("kref_put", "kref_put_mutex", "kref_put_lock"), "arg0", "", "kref"),
    Api("kref_get_unless_zero", ("kref_put", "kref_put_mutex", "kref_put_lock"), "arg0", "null", "kref"),
    Api("kobject_get", ("kobject_put",), "ret", "", "kobject"),
    Api("kobject_init", ("kobject_put",), "arg0", "", "kobject", never_kfree=True),
    Api("kobject_init_and_add", ("kobject_put",), "arg0", "int", "kobject", ref_on_failure=True,
        never_kfree=True, doc="lib/kobject.c: 'If this function returns an error, kobject_put() "
                              "must be called to properly clean up the memory'"),
    # --- firmware nodes (drivers/of/base.c, drivers/base/property.c)
    Api("of_node_get", ("of_node_put",), "ret", "", "of"),
    Api("of_find_node_by_name", ("of_node_put",), "ret", "null", "of"),
    Api("of_find_node_by_path", ("of_node_put",), "ret", "null", "of"),
    Api("of_find_compatible_node", ("of_node_put",), "ret", "null", "of"),
    Api("of_find_matching_node", ("of_node_put",), "ret", "null", "of"),
    Api("of_find_node_by_phandle", ("of_node_put",), "ret", "null", "of"),
    Api("of_parse_phandle", ("of_node_put",), "ret", "null", "of"),
    Api("of_get_child_by_name", ("of_node_put",), "ret", "null", "of"),
    Api("of_get_parent", ("of_node_put",), "ret", "null", "of"),
    Api("of_graph_get_remote_port_parent", ("of_node_put",), "ret", "null", "of"),
    Api("of_graph_get_remote_node", ("of_node_put",), "ret", "null", "of"),
    Api("fwnode_handle_get", ("fwnode_handle_put",), "ret", "", "fwnode"),
    Api("device_get_named_child_node", ("fwnode_handle_put",), "ret", "null", "fwnode"),
    Api("fwnode_get_named_child_node", ("fwnode_handle_put",), "ret", "null", "fwnode"),
    Api("fwnode_get_parent", ("fwnode_handle_put",), "ret", "null", "fwnode"),
    # --- files (include/linux/fs.h, fs/file.c): each returns the file it was given, counted
    Api("get_file", ("fput",), "ret", "", "file", doc="include/linux/fs.h: `return f;` after the increment"),
    Api("get_file_rcu", ("fput",), "ret", "null", "file",
        doc="fs/file.c: 'Returns @f with the reference count increased or NULL'"),
    Api("get_file_active", ("fput",), "ret", "null", "file", doc="fs/file.c: the file, or NULL"),
)

# Every putter's name holds one of these: a cheap first test (and the rules' TRIGGER).
PUTTER_HINTS = kapi.PUT_HINTS
_FAMILY = {"of_node": "of", "pci_dev": "device", "usb_dev": "device", "i2c_adapter": "device",
           "cdev": "kobject"}


def _named_pair(r) -> tuple[str, ...]:
    """A subsystem wrapper getter's own put, by the kernel's naming (`amdgpu_bo_ref()` /
    `amdgpu_bo_unref()`, `foo_get()` / `foo_put()`): the wrapper table holds one-line wrappers
    only, and the put is often longer (`amdgpu_bo_unref(&bo)` also clears the pointer)."""
    if not kapi.is_wrapper(r.name) or r.returns_ref and r.kind != "getter":
        return ()
    for get, put in (("_ref", "_unref"), ("_get", "_put")):
        if r.name.endswith(get):
            return (r.name[: -len(get)] + put,)
    return ()


def _from_table() -> tuple[Api, ...]:
    """The rows of the kernel-API table (checks/data/refs.tsv) the hand-written list lacks."""
    have = {a.getter for a in APIS}
    out = []
    for r in kapi.of_kind("getter", "lookup", "init", "register"):
        if r.name in have or r.devres or r.is_iterator or not kapi.releases(r.name):
            continue
        if not r.returns_ref and r.ref_arg is None:
            continue
        puts = tuple(c for c in kapi.releases(r.name) if any(h in c for h in PUTTER_HINTS))
        if r.kind == "register" and not r.returns_ref and any("+" in alt or " then " in alt for alt in r.release):
            # device_add(), kobject_add(): they publish an object whose reference an init
            # created; its put ends the init's reference, the register is undone by the
            # unregister (the `device_del+put_device` pair).  Only that pairs with the call.
            puts = tuple(alt for alt in r.release if "+" not in alt and " then " not in alt
                         and any(h in alt for h in PUTTER_HINTS))
        puts += tuple(p for p in _named_pair(r) if p not in puts)
        if not puts:
            continue
        out.append(Api(r.name, puts, "ret" if r.returns_ref else f"arg{r.ref_arg}",
                       r.fails, _FAMILY.get(r.family, r.family),
                       ref_on_failure=r.kind == "register" and r.ref_on_failure,
                       never_kfree=r.kind in ("init", "register") and not r.returns_ref,
                       doc=f"{r.defined_in}: {r.evidence}"))
    return tuple(out)


APIS += _from_table()
BY_GETTER: dict[str, Api] = {a.getter: a for a in APIS}

# Two-stage releases of the table ("mdiobus_unregister then mdiobus_free"): (first, second).
# The first stage undoes the registration only; the memory's reference still needs the second.
STAGED: frozenset[tuple[str, str]] = frozenset(
    (m.group(1), m.group(2)) for r in kapi.all_rows() for alt in r.release
    for m in [re.fullmatch(r"\s*(\w+)\s+then\s+(\w+)\s*", alt)] if m)

# Every putter (with the getters it answers: see _Answers).
_keys: dict[str, None] = dict.fromkeys(p for a in APIS for p in a.putters)
# Putters that the table does not pair with a getter but that still drop a reference.
for _p in ("platform_device_put", "device_unregister", "platform_device_unregister",
           "put_disk", "blk_put_queue", "dma_buf_put", "fput", "path_put", "clk_put",
           "gpiod_put", "regulator_put", "reset_control_put", "mmc_free_host", "input_free_device",
           "iio_device_free", "put_tty_driver", "tty_kref_put", "drm_dev_put", "v4l2_device_put",
           "snd_card_unref", "nvmem_device_put", "phy_put", "mbox_free_channel",
           "dma_release_channel", "usb_put_hcd", "scsi_host_put", "scsi_device_put",
           # the table's putters; hand-offs (fd_install, replace_fops) and teardown calls
           # (cdev_del, filp_close) are not puts a balance rule can pair
           *(r.name for r in kapi.of_kind("putter")
             if any(h in r.name for h in PUTTER_HINTS))):
    _keys.setdefault(_p, None)

# A subsystem's wrapper put drops what the table put it wraps drops: `i915_oa_config_put(c)` is
# `kref_put(&c->ref, ...)`, so it answers kref_init(&c->ref) and kref_get(&c->ref) as kref_put does.
_WRAPPED: dict[str, list[str]] = {}
for _r in kapi.wrapper_rows():
    if _r.kind == "putter" and _r.name in _keys:
        _WRAPPED.setdefault(kapi.wrapped(_r.name), []).append(_r.name)


@functools.lru_cache(maxsize=None)
def _with_wrappers(putters: tuple[str, ...]) -> tuple[str, ...]:
    """`putters` and then the wrappers of each (many APIs share one putters tuple)."""
    if len(putters) == 1:  # the common case: one putter
        p = putters[0]
        return putters + tuple(w for w in _WRAPPED.get(p, ()) if w != p)
    return putters + tuple(w for p in putters for w in _WRAPPED.get(p, ()) if w not in putters)


_TABLE_APIS = APIS  # before the wrappers join their putters
if _WRAPPED:
    # (the constructor, not dataclasses.replace(): the same Api, a tenth of the import's cost)
    APIS = tuple(Api(a.getter, _with_wrappers(a.putters), a.ref, a.fails, a.family, a.ref_on_failure,
                     a.never_kfree, a.doc)
                 if any(p in _WRAPPED for p in a.putters) else a for a in APIS)
    BY_GETTER = {a.getter: a for a in APIS}


class _Answers(Mapping):
    """putter -> the getters it answers, in table order (the wrappers' after).  The putters
    are known at import; the getters (~40,000 pairs once the wrappers answer what the put they
    wrap answers) are worked out on the first look-up of one: the rules only ask whether a name
    is a putter, so a review never pays for them.  (A wrapper adds no putter: _WRAPPED holds
    putters only.)"""

    def __init__(self, keys: dict[str, None]):
        self._keys = keys
        self._values: dict[str, tuple[str, ...]] | None = None

    def __getitem__(self, putter: str) -> tuple[str, ...]:
        if self._values is None:
            self._values = self._build()
        return self._values[putter]

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, putter) -> bool:
        return putter in self._keys

    def _build(self) -> dict[str, tuple[str, ...]]:
        answers: dict[str, list[str]] = {p: [] for p in self._keys}
        for a in _TABLE_APIS:
            for p in a.putters:
                answers[p].append(a.getter)
        if _WRAPPED:
            seen = {p: set(gs) for p, gs in answers.items()}
            for a in APIS:
                for p in a.putters:
                    if a.getter not in seen[p]:
                        seen[p].add(a.getter)
                        answers[p].append(a.getter)
        return {p: tuple(gs) for p, gs in answers.items()}


PUTTERS: Mapping[str, tuple[str, ...]] = _Answers(_keys)


@functools.lru_cache(maxsize=None)
def putters_answering(getter: str) -> frozenset[str]:
    """The putters `p` with `getter in PUTTERS[p]`, without working out the whole map (every
    answer of a putter comes from an Api row of `getter`: see _Answers._build)."""
    return frozenset(p for a in (*_TABLE_APIS, *APIS) if a.getter == getter for p in a.putters)

# Putters that are typed wrappers for one object kind; replacing one by a generic put_device()
# on another variable leaves the typed reference behind.
TYPED_PUTTERS = frozenset(p for p in PUTTERS if p not in ("put_device", "kfree", "module_put"))

# Calls after which the reference is owned by someone else (a hand-off: not a leak, MOD003).
HANDOFF_CALLS = frozenset({
    "module_put_and_kthread_exit", "kthread_run", "kthread_create", "platform_set_drvdata",
    "dev_set_drvdata", "i2c_set_clientdata", "spi_set_drvdata", "list_add", "list_add_tail",
    "hlist_add_head", "xa_store", "idr_alloc", "radix_tree_insert", "devm_add_action_or_reset",
    "devm_add_action", "device_link_add", "kref_init",
    "fd_install",  # fs/file.c: "This consumes the \"file\" refcount"
    "dma_buf_fd",  # fd_install(fd, dmabuf->file) when it succeeds
})

# The reference is dropped by a cleanup attribute when the variable goes out of scope.
CLEANUP_MARKERS = lazyre.compile(r"__free\s*\(|\bscoped_guard\b|_scoped\s*\(|\bretain_and_null_ptr\b|"
                             r"\bno_free_ptr\s*\(|\breturn_ptr\s*\(")

# Release helpers of a whole object: replacing one of these by kfree() skips the release work
# (ops->destroy, module_put of the type owner, ...).  Matched by name shape, see ref_leak.py.
DESTROY_HELPER = lazyre.compile(r"^\w*_(destroy|release|free|put|unref|delete|remove)\w*$")

assert all(any(h in p for h in PUTTER_HINTS) for p in PUTTERS), "extend PUTTER_HINTS"
PUTTER_TOKENS = tuple(sorted(PUTTERS))  # for the rules' TRIGGER: one is in any putter call
# `\b(name|...)\s*\(` over the vocabulary (with the subsystems' wrappers, ~1,000 names)
PUTTER_NAMES = kapi.Calls(PUTTERS)
GETTER_NAMES = kapi.Calls(BY_GETTER)


def has_putter_call(text: str) -> bool:
    """PUTTER_NAMES.search(text), quicker: most texts hold none of the names at all (every
    putter's name holds one of PUTTER_HINTS, looked for in one scan).  Memoised for texts up
    to _MEMO_CHARS: the same texts (a file's added lines, a function) are asked by several rules."""
    return _has_putter(text) if len(text) <= _MEMO_CHARS else _has_putter.__wrapped__(text)


def has_getter_call(text: str) -> bool:
    """Does `text` call one of the table's getters (`BY_GETTER`)?  (Memoised as above.)"""
    return _has_getter(text) if len(text) <= _MEMO_CHARS else _has_getter.__wrapped__(text)


_MEMO_CHARS = 1 << 16  # 256 texts of at most 64 K characters kept alive each


@functools.lru_cache(maxsize=256)
def _has_putter(text: str) -> bool:
    return _HINT.search(text) is not None and PUTTER_NAMES.search(text) is not None


_HINT = re.compile("|".join(map(re.escape, PUTTER_HINTS)))  # any(h in text for h in PUTTER_HINTS)


@functools.lru_cache(maxsize=256)
def _has_getter(text: str) -> bool:
    return GETTER_NAMES.search(text) is not None


def may_call(text: str | None, putters: bool = True, getters: bool = True) -> bool:
    """Does `text` (a whole file image) name a putter (or getter) of the table at all?  False
    means `has_putter_call()` (`has_getter_call()`) is False on every part of it: on any of its
    lines, any join of them, any function of it, and any function of its `cmodel.normalize()`d
    text (which renames and blanks, never adds a name of the table).  A call's name is a whole
    identifier of one line (one of its words, `analysis.words`); so a file whose words hold
    none of the names needs no parse to know that none of its functions calls one."""
    if not text:
        return False
    names = words.of(text)
    return (putters and not names.isdisjoint(PUTTER_NAMES.names)) or \
        (getters and not names.isdisjoint(GETTER_NAMES.names))


def is_putter(name: str) -> bool:
    return name in PUTTERS


def ref_object(api: Api, args: list[str], lhs: str | None) -> str | None:
    """The expression naming the referenced object of a get call (normalised), if known."""
    if api.ref == "ret":
        if lhs:
            return norm(lhs)
        # get_device(x), of_node_get(x), kobject_get(x): they return their argument
        return norm(args[0]) if not api.fails and args else None
    i = int(api.ref[3:])
    if i >= len(args):
        return None
    obj = norm(args[i])
    row = kapi.get(api.getter)
    m = _OUT_MEMBER.search(row.ref_on) if row is not None else None
    if m:  # `&out_args` -> `out_args.np`: the reference is on the member the call fills in
        obj = obj[1:] + "." + m.group(1) if obj.startswith("&") else obj + "->" + m.group(1)
    return obj


# `arg5 (out_args->np)`: a lookup that fills in a structure the caller passes; the reference
# is on that member (of_parse_phandle_with_args(), fwnode_property_get_reference_args())
_OUT_MEMBER = lazyre.compile(r"^arg\d+ \(\w+->(\w+)\)$")


def put_object(name: str, args: list[str]) -> str | None:
    """The object a putter drops: the argument its table row names (`regulator_bulk_free(n,
    consumers)`, `phy_put(dev, phy)`), else its first (kref_put's kref pointer)."""
    if not args:
        return None
    if name == "module_put_and_kthread_exit":
        return "THIS_MODULE"
    r = kapi.get(name)
    i = r.ref_arg if r is not None and r.ref_arg is not None else 0
    return norm(args[i]) if i < len(args) else None


def same_object(a: str | None, b: str | None) -> bool:
    """`&x->dev` and `x->dev` and `&x->dev.kobj` name the same device for balance purposes."""
    if not a or not b:
        return False
    return _base(a) == _base(b)


def base_object(e: str) -> str:
    """The variable whose reference an expression names: `&x->dev` -> `x`, `x->kref` -> `x`."""
    return _base(e)


@functools.lru_cache(maxsize=65536)  # pure, and called for pairs of calls: once per expression
def _base(e: str) -> str:
    e = norm(e).lstrip("&")
    e = re.sub(r"^\(struct\w+\*\)", "", e)
    prev = None
    while prev != e:
        prev = e
        e = _MEMBERS.sub("", e)
    return e


# `&x->dev`, `x->kref`, and the count members of the subsystems' objects (`&x->ref`,
# `&x->refcnt`: kapi.ref_members()) name x for balance purposes
# and so does a device inside an embedded bus object, as the table's releases spell it
# (`put_device(&phydev->mdio.dev)`: `&x->mdio.dev` is the phy device x)
_NESTED_DEV = sorted({m for r in kapi.all_rows() for alt in r.release for m in re.findall(r"&\w+->(\w+)\.dev\b", alt)})
_MEMBERS = lazyre.compile(r"(?:%s\.kobj|\.dev|->dev|\.device|->device|\.kref|->kref|\.refcount|->refcount%s)$" % (
    "".join(f"(?:->|\\.){re.escape(m)}\\.dev|" for m in _NESTED_DEV),
    "".join(f"|(?:->|\\.){re.escape(m)}" for m in sorted(kapi.ref_members() - {"dev", "device", "kref", "refcount", "kobj"}))))
