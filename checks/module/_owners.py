"""Owner-field facts for the module-ownership rules (data, plus hunk helpers).

The tables come from a scripted scan of the 6.12 tree (Debian
`linux-source-6.12`): every `struct module *<field>;` member declared at the top level of a
struct in `include/` and the drivers' private headers, and the `#define x(...) __x(..., THIS_MODULE)`
register wrappers.  Regenerate them from the base tree when the tree changes;
`tests/tree/test_owner_table.py` checks OWNER_FIELDS against the 6.12 headers.

Helpers here work on one side of a hunk (a list of DiffLine): they find the designated
initializer a member line belongs to (`static const struct X name = {` / `.driver = {`) and
say whether that initializer survives the patch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from reviewbot import lazyre
from reviewbot.analysis.clex import code_lines
from reviewbot.model import DiffLine, FileDiff, Patch

# struct type -> its `struct module *` member (6.12, include/ and subsystem headers).
OWNER_FIELDS: dict[str, str] = {
    # VFS and char
    "file_operations": "owner", "file_system_type": "owner", "cdev": "owner",
    "block_device_operations": "owner", "linux_binfmt": "module", "nls_table": "owner",
    "fc_log": "owner",
    # driver core and buses
    "device_driver": "owner", "pci_epf_driver": "owner", "pcmcia_driver": "owner",
    "hotplug_slot": "owner", "ipack_bus_device": "owner", "w1_master": "owner", "w1_slave": "owner",
    "hsi_controller": "owner", "rio_scan": "owner", "rio_switch_ops": "owner",
    # provider ops and descriptors
    "gpio_chip": "owner", "pinctrl_desc": "owner", "regulator_desc": "owner",
    "regulator_dev": "owner", "reset_controller_dev": "owner", "pwm_chip": "owner",
    "phy_ops": "owner", "phy_provider": "owner", "nvmem_config": "owner", "mtd_info": "owner",
    "mtd_part_parser": "owner", "mtd_blktrans_ops": "owner", "i2c_adapter": "owner",
    "mii_bus": "owner", "mdiobb_ops": "owner", "uart_driver": "owner", "tty_driver": "owner",
    "tty_ldisc_ops": "owner", "watchdog_ops": "owner", "rtc_device": "owner",
    "ptp_clock_info": "owner", "pps_source_info": "owner", "posix_clock_operations": "owner",
    "clocksource": "owner", "clock_event_device": "owner", "cpufreq_governor": "owner",
    "cpuidle_driver": "owner", "iommu_ops": "owner",
    "dma_device": "owner", "dma_buf": "owner", "dma_buf_export_info": "owner",
    "fb_ops": "owner", "consw": "owner", "uio_device": "owner",
    "tee_desc": "owner", "pci_epc_ops": "owner", "framer_ops": "owner",
    "pse_controller_dev": "owner", "pstore_info": "owner", "zpool_driver": "owner",
    "mem_ctl_info": "owner", "acpi_debugger": "owner", "irq_desc": "owner",
    "parport_operations": "owner", "iio_trigger": "owner", "iio_sw_device_type": "owner",
    "iio_sw_trigger_type": "owner", "mmc_pwrseq": "owner", "stm_protocol_driver": "owner",
    "pwrseq_config": "owner", "nvmet_fabrics_ops": "owner", "nvmf_transport_ops": "module",
    "nvme_ctrl_ops": "module", "ipmi_smi_handlers": "owner",
    "ipmi_smi_watcher": "owner", "md_personality": "owner", "elevator_type": "elevator_owner",
    "dm_dirty_log_type": "module", "dm_exception_store_type": "module",
    "path_selector_type": "module", "dm_cache_policy_type": "owner", "quota_format_type": "qf_owner",
    "config_item_type": "ct_owner", "configfs_attribute": "ca_owner", "comedi_driver": "module",
    "mtd_chip_driver": "module", "hdlc_proto": "module", "compressor": "owner",
    "atmdev_ops": "owner", "capi_ctr": "owner", "nvdimm_bus_descriptor": "module",
    # media and sound
    "v4l2_file_operations": "owner", "media_file_operations": "owner", "v4l2_subdev": "owner",
    "cec_adapter": "owner", "dvb_adapter": "module", "dvb_ca_en50221": "owner",
    "snd_card": "module", "snd_soc_card": "owner", "snd_timer": "module",
    "snd_info_entry": "module", "snd_seq_port_callback": "owner", "snd_seq_oss_callback": "owner",
    "snd_emux_operators": "owner",
    # networking
    "proto_ops": "owner", "net_proto_family": "owner", "proto": "owner", "genl_family": "module",
    "Qdisc_ops": "owner", "tcf_proto_ops": "owner", "tc_action_ops": "owner",
    "tcf_ematch_ops": "owner", "tcp_congestion_ops": "owner", "tcp_ulp_ops": "owner",
    "rtnl_msg_handler": "owner", "sock_diag_handler": "owner", "inet_diag_handler": "owner",
    "xfrm_type": "owner", "xfrm_type_offload": "owner", "lwtunnel_encap_ops": "owner",
    "fib_rules_ops": "owner", "pppox_proto": "owner", "vsock_transport": "module",
    "vsock_tap": "module", "netlink_tap": "module", "team_mode": "owner",
    "lib80211_crypto_ops": "owner", "ieee802154_ops": "owner", "mptcp_sched_ops": "owner",
    "p9_trans_module": "owner", "rpc_authops": "owner", "xprt_class": "owner",
    "svc_xprt_class": "xcl_owner", "gss_api_mech": "gm_owner", "cache_detail": "owner",
    "nf_sockopt_ops": "owner", "nf_defrag_hook": "owner",
    # netfilter
    "nft_chain_type": "owner", "nft_expr_type": "owner", "nft_object_type": "owner",
    "nf_flowtable_type": "owner", "xt_match": "me", "xt_target": "me", "xt_table": "me",
    "ebt_match": "me", "ebt_target": "me", "ebt_watcher": "me", "ebt_table": "me",
    "nf_conntrack_helper": "me", "nf_logger": "me", "ip_set_type": "me",
    "nfnetlink_subsystem": "owner", "ip_vs_scheduler": "module", "ip_vs_app": "module",
    "ip_vs_pe": "module", "nf_ct_bridge_info": "me",
    # storage and RDMA
    "scsi_host_template": "module", "scsi_device_handler": "module", "iscsi_transport": "owner",
    "iscsit_transport": "owner", "target_backend_ops": "owner",
    "target_core_fabric_ops": "module", "target_type": "module", "ib_device_ops": "owner",
    "fc4_prov": "module",
    # crypto and keys
    "crypto_alg": "cra_module", "crypto_template": "module", "af_alg_type": "owner",
    "asymmetric_key_parser": "owner", "asymmetric_key_subtype": "owner",
    # BPF and misc
    "bpf_struct_ops": "owner", "btf_kfunc_id_set": "owner", "pmu": "module",
    "drm_client_funcs": "owner", "drm_audio_component_ops": "owner",
    "i915_hdcp_ops": "owner", "i915_pxp_component_ops": "owner",
    "i915_gsc_proxy_component_ops": "owner", "ts_ops": "owner",
}

# Owner members of older kernels that 6.12 no longer has (the core pins another object now):
# a patch that removes one is still removing a pin, but nobody may be told to add one.
FORMER_OWNER_FIELDS: dict[str, str] = {
    "dma_buf_ops": "owner",  # moved to dma_buf_export_info / struct dma_buf in v3.5
    "nvme_fc_port_template": "module", "nvmet_fc_target_template": "module",
}

# Every owner member a patch may touch (removals are judged against this).
KNOWN_OWNER_FIELDS: dict[str, str] = {**OWNER_FIELDS, **FORMER_OWNER_FIELDS}

OWNER_MEMBER = r"(?:owner|module|me|cra_module|mod|\w+_owner)"

# Types whose owner the registration wrapper fills in (platform_no_drv_owner.cocci generalised):
# removing or omitting the owner here is correct.  `device_driver` covers the `.driver = {}`
# member of every bus driver (platform, i2c, spi, usb, pci, amba, sdw, fsl_mc, virtio, mcb, ...).
WRAPPER_SET = frozenset({
    "device_driver", "pci_epf_driver", "tty_driver", "mii_bus", "pwm_chip", "rtc_device",
    "uio_device", "iio_trigger", "phy_provider", "mtd_part_parser", "nls_table",
    "hotplug_slot",
    # include/acpi/acpi_bus.h: `#define acpi_bus_register_driver(drv) __acpi_bus_register_driver(drv,
    # THIS_MODULE)`, which sets `driver->drv.owner` (drivers/acpi/bus.c)
    "acpi_driver",
    # drivers/nvmem/core.c nvmem_register(): `if (!nvmem->owner && config->dev->driver)
    # nvmem->owner = config->dev->driver->owner;` (the registering driver's module)
    "nvmem_config",
})

# Types whose core pins the owner at *registration*: `.owner` there makes the module
# unremovable when unregister runs from module_exit (MOD009), so removing it may be a fix.
CORE_PINS_AT_REGISTER = frozenset({"cpuidle_driver"})

# Ops merged into one per device: a fragment's members are copied into the device's ops, the
# owner from whichever sets it (ib_set_device_ops(): `if (ops->owner) dev_ops->owner = ...`).
# Only the initializer that sets the key member (the driver's main ops) needs the owner; in
# 6.12 the 18 `ib_device_ops` with `.driver_id` all set `.owner`, the 43 without set neither.
MERGED_OPS: dict[str, str] = {"ib_device_ops": "driver_id"}

# Types that have no owner member (6.12): asking for one is wrong.
NO_OWNER_TYPES = frozenset({
    "proc_ops", "tty_operations", "seq_operations", "vm_operations_struct", "class",
    "miscdevice", "device_attribute", "attribute_group", "dev_pm_ops", "kernel_param_ops",
})

# Nested members whose type is struct device_driver (set by bus register wrappers).
DRIVER_MEMBERS = frozenset({"driver", "drv", "gendrv", "base", "driverinfo"})

_OPENER = lazyre.compile(
    r"^\s*(?:(?:static|const|extern|__\w+|volatile)\s+)*struct\s+(\w+)\s+"
    r"(?:(?:const|__\w+)\s+)*\**\s*(\w+)\s*(?:\[[^\]]*\])*\s*(?:__\w+(?:\([^)]*\))?\s*)*=\s*\{")
_OPENER_TAIL = lazyre.compile(r"^\s*(?:const\s+)?struct\s+(\w+)\s+(?:const\s+)?(\w+)(?:\[[^\]]*\])*\s*=\s*\{")
_NESTED = lazyre.compile(r"^\s*\.(\w+)(?:\.\w+)*\s*=\s*\{")
_COMPOUND = lazyre.compile(r"\(\s*(?:const\s+)?struct\s+(\w+)\s*\)\s*\{")


@dataclass(frozen=True)
class InitInfo:
    """Where a member line sits: the outer struct type, the nested member path, the opener."""

    type: str | None  # outer struct type (None: not visible)
    path: tuple[str, ...]  # nested designators from the outer initializer to the member
    opener: DiffLine | None  # the line with `struct X name = {` (None: above the hunk)
    from_section: bool = False  # type taken from the hunk header, not from a shown line

    @property
    def member_type(self) -> str | None:
        """Best guess of the struct type whose member the line sets."""
        path = [p for p in self.path if p != "[]"]  # array elements have the array's type
        if path:
            if path[-1] in DRIVER_MEMBERS:
                return "device_driver"
            return None
        return self.type


def enclosing_initializer(lines: Sequence[DiffLine], idx: int, section: str = "") -> InitInfo:
    """The designated initializer that line `idx` of `lines` (one hunk side) is a member of."""
    codes = code_lines(lines)
    depth = 0
    path: list[str] = []
    for j in range(idx - 1, -1, -1):
        code = codes[j]
        opens, closes = code.count("{"), code.count("}")
        depth += closes - opens
        if depth < 0:
            m = _OPENER.match(code) or _OPENER_TAIL.match(code)
            if m:
                return InitInfo(m.group(1), tuple(reversed(path)), lines[j])
            m = _COMPOUND.search(code)
            if m:
                return InitInfo(m.group(1), tuple(reversed(path)), lines[j])
            n = _NESTED.match(code)
            if n:
                path.append(n.group(1))
                depth = 0
                continue
            if re.search(r"\)\s*\{?\s*$", code) or re.match(r"^\s*(if|for|while|switch|else|do)\b", code):
                return InitInfo(None, (), None)  # a function or block body, not an initializer
            if re.match(r"^\s*\{?\s*$", code):  # an array element `{` of `struct X arr[] = {`
                depth = 0
                path.append("[]")
                continue
            return InitInfo(None, tuple(reversed(path)), None)
    # Opener above the hunk: git puts the last column-0 line before the hunk into the header.
    m = _OPENER.match(section) or _OPENER_TAIL.match(section)
    if m:
        return InitInfo(m.group(1), tuple(reversed(path)), None, from_section=True)
    return InitInfo(None, tuple(reversed(path)), None)


def member_of(text: str) -> tuple[str, str] | None:
    """`.owner = THIS_MODULE,` -> ('owner', 'THIS_MODULE'); also `.driver.owner = ...`."""
    m = re.match(r"^\s*\.((?:\w+\.)*)(%s)\s*=\s*([^,;]+?)\s*,?\s*(?:/\*.*)?$" % OWNER_MEMBER, text)
    if not m:
        return None
    prefix = m.group(1).rstrip(".")
    return (f"{prefix}.{m.group(2)}" if prefix else m.group(2), m.group(3).strip())


def runtime_owner_assign(text: str) -> tuple[str, str, str] | None:
    """`card->owner = THIS_MODULE;` -> ('card', 'owner', 'THIS_MODULE')."""
    m = re.match(r"^\s*([\w\->.\[\]&()*]+?)(?:->|\.)(%s)\s*=\s*([^;=]+?)\s*;" % OWNER_MEMBER, text)
    if not m:
        return None
    return m.group(1), m.group(2), m.group(3).strip()


def normalized_lines(patch: Patch, kind: str) -> set[str]:
    """Every `kind` ('+'/'-') line of the patch, whitespace-folded (to spot moved code)."""
    out = set()
    for fd in patch.files:
        lines = fd.added() if kind == "+" else fd.removed() if kind == "-" else \
            [ln for ln in fd.lines() if ln.kind == kind]  # added()/removed(): the file's memo
        out.update([_WS.sub("", ln.text) for ln in lines])
    return out


_WS = re.compile(r"\s+")
_MODULE_MEMBER = re.compile(r"^\s*struct\s+module\s*\*\s*(\w+)\s*;")


def removed_member_decls(patch: Patch) -> set[str]:
    """Owner members removed from struct definitions (`-struct module *module;`)."""
    out = set()
    for fd in patch.files:
        for ln in fd.removed():
            m = _MODULE_MEMBER.match(ln.text) if "module" in ln.text else None  # (the pattern needs it)
            if m:
                out.add(m.group(1))
    return out


def modular(ctx, path: str) -> bool | None:
    """Tree mode: can the file be built as a module (Kconfig tristate / obj-m)?  None: unknown."""
    return ctx.facts_of(path).modular if ctx is not None else None


def owner_field(ctx, path: str, typ: str | None) -> str | None:
    """The owner member of struct `typ`: from the table, else (tree mode) from the headers the
    file includes (FileFacts.owner_structs)."""
    if not typ:
        return None
    if typ in OWNER_FIELDS:
        return OWNER_FIELDS[typ]
    for struct, member, _header in ctx.facts_of(path).owner_structs if ctx is not None else ():
        if struct == typ:
            return member
    return None


def pinned_by_own_module(ctx, path: str, typ: str, field: str) -> bool:
    """Tree mode: does another source of the module `path` is linked into take the module
    reference of struct `typ`'s `field` (`try_module_get(x->owner)`)?  Then an owner set to
    THIS_MODULE there would make the core pin itself: the module can never be unloaded while
    the object is registered, and the pin protects nothing."""
    if ctx is None:
        return False
    objects = ctx.facts_of(path).module_objects
    pin = re.compile(r"\b(?:try_module_get|__module_get)\s*\([^;]*(?:->|\.)%s\s*\)" % re.escape(field))
    for src in objects:
        if src == path:
            continue
        text = ctx.read(src) or ""
        if re.search(r"\bstruct\s+%s\b" % re.escape(typ), text) and pin.search(text):
            return True
    return False


# Where fops serve another file than a file system's own (an owner is then needed there).
_OTHER_FOPS_USE = r"(?:cdev_init|register_chrdev|proc_create\w*|debugfs_create\w*|anon_inode\w*|\.fops\s*=)[^;]*\b%s\b"


def files_of_own_filesystem(ctx, path: str, name: str) -> bool:
    """Tree mode: are the fops `name` only the files of a file system that the module `path`
    is linked into registers with `.owner = THIS_MODULE` (xenfs: `{ "xsd_kva",
    &xsd_kva_file_ops, ... }` in the `tree_descr` that xenfs_fill_super() gives
    simple_fill_super())?  The superblock holds the file system's module (get_filesystem() in
    sget()) until the last open file of it is closed: the module is pinned without the fops'
    owner."""
    if ctx is None:
        return False
    uses = False
    for src in ctx.facts_of(path).module_objects or ():
        text = ctx.post(src) if src == path else ctx.read(src)
        text = text or ""
        if re.search(_OTHER_FOPS_USE % re.escape(name), text):
            return False
        if src != path and re.search(r"&\s*%s\b" % re.escape(name), text) and \
                re.search(r"\bregister_filesystem\s*\(", text) and \
                re.search(r"\.owner\s*=\s*THIS_MODULE", text):
            uses = True
    return uses


def is_built_in_only(fd: FileDiff) -> bool:
    """Paths that are (almost) never modular: arch code, core kernel, mm, init, LSMs."""
    return fd.path.startswith(("arch/", "kernel/", "init/", "mm/", "security/")) and "/kvm/" not in fd.path
