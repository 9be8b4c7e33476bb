"""MOD003 on drivers posted as new files (fresh new-driver seeds, hunk mode): shapes from 6.12
where the reference is not leaked, each next to a real-shaped leak that must still fire."""

from reviewbot.checks.module import get_without_put_on_exit
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

# drivers/gpu/drm/drm_drv.c (6.12, drm_minor_acquire()): the get on `minor->dev` is taken only
# when `minor` is found; the `if (!minor)` exit after it runs with no reference.
BASE_TESTED_NULL = """
struct foo_minor *foo_minor_acquire(struct xarray *xa, unsigned int id)
{
\tstruct foo_minor *minor;

\txa_lock(xa);
\tminor = xa_load(xa, id);
\tif (minor)
\t\tdrm_dev_get(minor->dev);
\txa_unlock(xa);

\tif (!minor) {
\t\treturn ERR_PTR(-ENODEV);
\t} else if (drm_dev_is_unplugged(minor->dev)) {
\t\tdrm_dev_put(minor->dev);
\t\treturn ERR_PTR(-ENODEV);
\t}

\treturn minor;
}
"""


def test_quiet_where_the_base_of_the_object_is_tested_null_after_the_get():
    assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", BASE_TESTED_NULL))


def test_fires_when_the_tested_pointer_is_set_again_or_a_member_is_tested():
    # a second lookup before the test: the first reference is lost on the `!minor` exit
    code = BASE_TESTED_NULL.replace("\txa_unlock(xa);\n", "\txa_unlock(xa);\n\tminor = xa_load(xa, id + 1);\n")
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "return ERR_PTR(-ENODEV);"))])
    # a test of a member, not of the pointer the get dereferenced: the reference is held there
    code = BASE_TESTED_NULL.replace("\tif (!minor) {", "\tif (!minor->index) {")
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "return ERR_PTR(-ENODEV);"))])


# drivers/scsi/be2iscsi/be_main.c (6.12, beiscsi_boot_create_kset()): each host reference is
# handed to the boot kobject made right after it, whose release callback (a function of the
# file) drops it; the unwind destroys the kset and with it those kobjects.
HANDED_TO_RELEASE_CB = """
static void foo_boot_kobj_release(void *data)
{
\tstruct foo_hba *phba = data;

\tscsi_host_put(phba->shost);
}

static int foo_boot_create_kset(struct foo_hba *phba)
{
\tstruct iscsi_boot_kobj *boot_kobj;

\tphba->boot_kset = iscsi_boot_create_host_kset(phba->shost->host_no);
\tif (!phba->boot_kset)
\t\treturn -ENOMEM;

\tif (!scsi_host_get(phba->shost))
\t\tgoto free_kset;

\tboot_kobj = iscsi_boot_create_target(phba->boot_kset, 0, phba, foo_show_tgt,
\t\t\t\t\t     foo_tgt_visibility, foo_boot_kobj_release);
\tif (!boot_kobj)
\t\tgoto put_shost;

\tif (!scsi_host_get(phba->shost))
\t\tgoto free_kset;

\tboot_kobj = iscsi_boot_create_initiator(phba->boot_kset, 0, phba, foo_show_ini,
\t\t\t\t\t\tfoo_ini_visibility, foo_boot_kobj_release);
\tif (!boot_kobj)
\t\tgoto put_shost;

\treturn 0;

put_shost:
\tscsi_host_put(phba->shost);
free_kset:
\tiscsi_boot_destroy_kset(phba->boot_kset);
\tphba->boot_kset = NULL;
\treturn -ENOMEM;
}
"""


def test_quiet_when_the_reference_goes_with_a_release_callback_that_drops_it():
    assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", HANDED_TO_RELEASE_CB))


def test_fires_when_the_callback_handed_over_does_not_drop_it():
    code = HANDED_TO_RELEASE_CB.replace("\tscsi_host_put(phba->shost);\n}", "\tkfree(phba->boot_data);\n}", 1)
    lines = code.strip("\n").splitlines()
    second = [i for i, ln in enumerate(lines, 1) if "goto free_kset;" in ln][1]
    # and the success return: the boot kobjects' release drops nothing
    ret0 = next(i for i, ln in enumerate(lines, 1) if "return 0;" in ln)
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", second), ("drivers/foo/foo.c", ret0)])


def test_fires_when_the_object_meant_to_take_the_reference_was_not_made():
    code = HANDED_TO_RELEASE_CB.replace("\tif (!boot_kobj)\n\t\tgoto put_shost;", "\tif (!boot_kobj)\n\t\treturn -ENOMEM;", 1)
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", [i for i, ln in enumerate(code.strip("\n").splitlines(), 1)
                                            if "return -ENOMEM;" in ln][1])])


# drivers/gpu/drm/i915/display/intel_atomic_plane.c (6.12, add_dma_resv_fences()):
# dma_fence_get() returns the fence it counts, so `fence` names it; the unwind puts `fence`.
FENCE_RETURNED = """
static int foo_add_fences(struct dma_resv *resv, struct drm_plane_state *new_plane_state)
{
\tstruct dma_fence *fence = dma_fence_get(new_plane_state->fence);
\tstruct dma_fence *new;
\tint ret;

\tret = dma_resv_get_singleton(resv, DMA_RESV_USAGE_WRITE, &new);
\tif (ret)
\t\tgoto error;

\tif (new && fence) {
\t\tstruct dma_fence_chain *chain = dma_fence_chain_alloc();

\t\tif (!chain) {
\t\t\tret = -ENOMEM;
\t\t\tgoto error;
\t\t}

\t\tdma_fence_chain_init(chain, fence, new, 1);
\t\tfence = &chain->base;
\t} else if (new) {
\t\tfence = new;
\t}

\tdma_fence_put(new_plane_state->fence);
\tnew_plane_state->fence = fence;
\treturn 0;

error:
\tdma_fence_put(fence);
\treturn ret;
}
"""


def test_quiet_when_the_unwind_puts_the_local_the_getter_returned():
    assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", FENCE_RETURNED))


def test_fires_when_that_local_was_set_again_before_the_exit():
    code = FENCE_RETURNED.replace("\tint ret;\n", "\tint ret;\n\n\tfence = foo_default_fence();\n", 1)
    lines = code.strip("\n").splitlines()
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", i) for i, ln in enumerate(lines, 1) if "goto error;" in ln])


# drivers/gpu/drm/etnaviv/etnaviv_drv.c (6.12, etnaviv_mmu_show()): the get on the pointer
# itself, taken only when it is set; the `if (!mmu_context) return 0;` after it holds nothing.
ARG_TESTED_NULL = """
static int foo_mmu_show(struct foo_gpu *gpu, struct seq_file *m)
{
\tstruct foo_iommu_context *mmu_context;

\tmutex_lock(&gpu->lock);
\tmmu_context = gpu->mmu_context;
\tif (mmu_context)
\t\tkref_get(&mmu_context->refcount);
\tmutex_unlock(&gpu->lock);

\tif (!mmu_context)
\t\treturn 0;

\tmutex_lock(&mmu_context->lock);
\tfoo_print(mmu_context, m);
\tmutex_unlock(&mmu_context->lock);

\tkref_put(&mmu_context->refcount, foo_iommu_context_free);
\treturn 0;
}
"""


def _on_the_pointer(code: str) -> str:
    """The same with a getter that counts the pointer it is given (its table row: arg0)."""
    return code.replace("kref_get(&mmu_context->refcount)", "dma_fence_get(mmu_context)") \
        .replace("kref_put(&mmu_context->refcount, foo_iommu_context_free)", "dma_fence_put(mmu_context)")


def test_quiet_where_the_pointer_a_get_counted_is_tested_null():
    assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", ARG_TESTED_NULL))
    assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", _on_the_pointer(ARG_TESTED_NULL)))


def test_fires_on_the_exit_that_holds_it():
    code = ARG_TESTED_NULL.replace("\tfoo_print(mmu_context, m);\n",
                                   "\tif (foo_print(mmu_context, m)) {\n\t\tmutex_unlock(&mmu_context->lock);\n"
                                   "\t\treturn -EIO;\n\t}\n")
    for variant in (code, _on_the_pointer(code)):
        assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", variant),
                     at=[("drivers/foo/foo.c", _at(code, "return -EIO;"))])


# drivers/firewire/sbp2.c (6.12, sbp2_probe(); fresh new-driver seed 1357): the unwind calls the
# driver's own remove(), which finds the host through the driver data and puts it.
UNWIND_BY_REMOVE = """
static void foo_remove(struct fw_unit *unit)
{
\tstruct foo_target *tgt = dev_get_drvdata(&unit->device);
\tstruct Scsi_Host *shost = container_of((void *)tgt, struct Scsi_Host, hostdata[0]);

\tscsi_remove_host(shost);
\tscsi_host_put(shost);
}

static int foo_probe(struct fw_unit *unit, const struct ieee1394_device_id *id)
{
\tstruct foo_target *tgt;
\tstruct Scsi_Host *shost;

\tshost = scsi_host_alloc(&foo_template, sizeof(*tgt));
\tif (shost == NULL)
\t\treturn -ENOMEM;

\ttgt = (struct foo_target *)shost->hostdata;
\tdev_set_drvdata(&unit->device, tgt);

\tif (scsi_add_host(shost, &unit->device) < 0)
\t\tgoto fail_shost_put;

\tif (foo_scan_unit_dir(tgt, unit->directory) < 0)
\t\tgoto fail_remove;

\treturn 0;

 fail_remove:
\tfoo_remove(unit);
\treturn -ENOMEM;

 fail_shost_put:
\tscsi_host_put(shost);
\treturn -ENOMEM;
}
"""


def test_quiet_when_the_unwind_calls_a_function_that_puts_it():
    assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", UNWIND_BY_REMOVE))


def test_fires_when_that_function_does_not_put_it():
    # nothing in the file drops the host then: the goto into the unwind leaks it, and so does
    # the successful return (no remove() puts it)
    code = UNWIND_BY_REMOVE.replace("\tscsi_remove_host(shost);\n\tscsi_host_put(shost);\n", "\tscsi_remove_host(shost);\n")
    lines = code.strip("\n").splitlines()
    at = [i for i, ln in enumerate(lines, 1) if "goto fail_remove;" in ln or "return 0;" in ln]
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code), at=[("drivers/foo/foo.c", i) for i in at])


# drivers/nvmem/layouts.c (6.12, nvmem_layout_create_device(); fresh new-driver seed 1357):
# the device is a member, named through a local set once (`dev = &layout->dev`); the success
# return leaves it registered, its release frees the layout.
MEMBER_THROUGH_LOCAL = """
static int foo_layout_create_device(struct foo_nvmem *nvmem, struct device_node *np)
{
\tstruct foo_layout *layout;
\tstruct device *dev;
\tint ret;

\tlayout = kzalloc(sizeof(*layout), GFP_KERNEL);
\tif (!layout)
\t\treturn -ENOMEM;

\tlayout->nvmem = nvmem;
\tnvmem->layout = layout;

\tdev = &layout->dev;
\tdevice_initialize(dev);
\tdev->parent = &nvmem->dev;
\tdev->release = foo_layout_release_device;

\tret = device_add(dev);
\tif (ret) {
\t\tput_device(dev);
\t\treturn ret;
\t}

\treturn 0;
}
"""


def test_quiet_on_success_with_the_device_a_member_through_a_local():
    assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", MEMBER_THROUGH_LOCAL))


def test_fires_on_the_failed_add_without_its_put():
    # the function puts on an earlier failure; the add's failure branch lost its put
    code = MEMBER_THROUGH_LOCAL.replace(
        "\tret = device_add(dev);\n\tif (ret) {\n\t\tput_device(dev);\n\t\treturn ret;\n\t}\n",
        "\tret = dev_set_name(dev, \"layout\");\n\tif (ret) {\n\t\tput_device(dev);\n\t\treturn ret;\n\t}\n"
        "\tret = device_add(dev);\n\tif (ret)\n\t\treturn ret;\n")
    lines = code.strip("\n").splitlines()
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", [i for i, ln in enumerate(lines, 1) if "return ret;" in ln][-1])])


# drivers/dma/idxd/cdev.c (6.12, idxd_wq_add_cdev()): the device is initialised through a local
# pointer to its embedded struct device, registered by cdev_device_add(), and the successful
# return leaves the reference with the registration (idxd_wq_del_cdev() unregisters it).
REGISTERED_LOCAL = """
int foo_wq_add_cdev(struct foo_wq *wq)
{
\tstruct foo_cdev *foo_cdev;
\tstruct device *dev;
\tint rc;

\tfoo_cdev = kzalloc(sizeof(*foo_cdev), GFP_KERNEL);
\tif (!foo_cdev)
\t\treturn -ENOMEM;

\tdev = cdev_dev(foo_cdev);
\tdevice_initialize(dev);
\tdev->parent = wq_confdev(wq);

\trc = dev_set_name(dev, "wq%u", wq->id);
\tif (rc < 0)
\t\tgoto err;

\tcdev_init(&foo_cdev->cdev, &foo_cdev_fops);
\trc = cdev_device_add(&foo_cdev->cdev, dev);
\tif (rc)
\t\tgoto err;

\treturn 0;

 err:
\tput_device(dev);
\treturn rc;
}
"""


def test_quiet_when_a_register_call_publishes_the_initialised_device():
    assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", REGISTERED_LOCAL))


def test_fires_on_an_error_exit_before_the_register_and_without_it():
    code = REGISTERED_LOCAL.replace("\tif (rc < 0)\n\t\tgoto err;", "\tif (rc < 0)\n\t\treturn rc;")
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 [("drivers/foo/foo.c", _at(code, "return rc;"))])
    unregistered = REGISTERED_LOCAL.replace("\trc = cdev_device_add(&foo_cdev->cdev, dev);", "\trc = cdev_add(&foo_cdev->cdev, 0, 1);")
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", unregistered),
                 [("drivers/foo/foo.c", _at(unregistered, "return 0;"))])


# drivers/of/resolver.c (6.12, of_resolve_phandles()): the cleanup attribute written before the
# star, `struct device_node __free(device_node) *tree_symbols = ...`, owns the reference too
CLEANUP_BEFORE_STAR = """
int foo_resolve(struct device_node *overlay)
{
\tconst char *refpath;
\tint err;

\tstruct device_node {decl} = of_find_node_by_path("/__symbols__");
\tif (!tree_symbols)
\t\treturn -EINVAL;

\terr = of_property_read_string(tree_symbols, "foo", &refpath);
\tif (err)
\t\treturn err;
{put}
\treturn 0;
}
"""


def test_quiet_on_a_cleanup_attribute_before_the_star():
    code = CLEANUP_BEFORE_STAR.replace("{decl}", "__free(device_node) *tree_symbols").replace("{put}\n", "")
    assert_quiet(get_without_put_on_exit, new_file("drivers/of/foo.c", code))


def test_fires_without_the_cleanup_attribute():
    code = CLEANUP_BEFORE_STAR.replace("{decl}", "*tree_symbols").replace("{put}", "\tof_node_put(tree_symbols);")
    assert_fires(get_without_put_on_exit, new_file("drivers/of/foo.c", code),
                 [("drivers/of/foo.c", _at(code, "return err;"))])


# drivers/soc/apple/mailbox.c (6.12, apple_mbox_get()): `if (ret || !args.np)` holds only when
# the lookup failed (its status) or filled in nothing
STATUS_OR_NULL = """
struct foo_mbox *foo_mbox_get(struct device *dev, int index)
{
\tstruct of_phandle_args args;
\tstruct platform_device *pdev;
\tint ret;

\tret = of_parse_phandle_with_args(dev->of_node, "mboxes", "#mbox-cells", index, &args);
\tif ({cond})
\t\treturn ERR_PTR(ret);

\tpdev = of_find_device_by_node(args.np);
\tof_node_put(args.np);
\tif (!pdev)
\t\treturn ERR_PTR(-EPROBE_DEFER);

\treturn platform_get_drvdata(pdev);
}
"""


def test_quiet_on_a_status_or_null_failure_test():
    assert_quiet(get_without_put_on_exit, new_file("drivers/soc/foo.c", STATUS_OR_NULL.replace("{cond}", "ret || !args.np")))


def test_fires_when_the_branch_also_runs_with_the_node_held():
    code = STATUS_OR_NULL.replace("{cond}", "ret || !args.np || args.args_count != 1")
    assert_fires(get_without_put_on_exit, new_file("drivers/soc/foo.c", code),
                 [("drivers/soc/foo.c", _at(code, "return ERR_PTR(ret);"))])


# drivers/watchdog/watchdog_dev.c (6.12, watchdog_open()): `wdd = wd_data->wdd;` then
# try_module_get(wdd->ops->owner), and the unwind puts `wd_data->wdd->ops->owner`: the local
# stands for the prefix of the longer path
PREFIX_ALIAS = """
static int foo_open(struct inode *inode, struct file *file)
{
\tstruct foo_core_data *wd_data = foo_data_of(inode);
\tstruct foo_device *wdd;
\tint err;

\twdd = wd_data->wdd;
\tif (!try_module_get(wdd->ops->owner))
\t\treturn -EBUSY;

\terr = foo_start(wdd);
\tif (err < 0)
\t\tgoto out_mod;

\tfile->private_data = wd_data;
\treturn 0;

out_mod:
\tmodule_put({put});
\treturn err;
}
"""


def test_quiet_when_the_unwind_names_the_object_through_the_aliased_prefix():
    assert_quiet(get_without_put_on_exit, new_file("drivers/watchdog/foo.c",
                                                  PREFIX_ALIAS.replace("{put}", "wd_data->wdd->ops->owner")))


def test_the_aliased_prefix_names_one_object_and_no_other():
    from reviewbot.analysis import cmodel
    from reviewbot.checks.module import _refpaths
    code = PREFIX_ALIAS.replace("{put}", "wd_data->wdd->ops->owner").replace("\\t", "\t")
    (func,) = [f for f in cmodel.parse(code).functions if f.name == "foo_open"]
    assert _refpaths.same_local(func, "wdd->ops->owner", "wd_data->wdd->ops->owner")
    assert not _refpaths.same_local(func, "wdd->ops->owner", "wd_data->parent->ops->owner")
    assert not _refpaths.same_local(func, "wdd->ops->owner", "wd_data->wdd->ops")


# drivers/ufs/core/ufshcd.c (6.12, ufshcd_set_dev_pwr_mode()): the status is set by the get in
# one arm of an if and by `-ENODEV` in the other: `if (ret) return ret;` is still the failure
STATUS_ARMS = """
static int foo_set_pwr_mode(struct foo_hba *hba, int mode)
{
\tstruct scsi_device *sdp;
\tint ret;

\tsdp = hba->wlun;
{status}
\tif (ret)
\t\treturn ret;

\tret = foo_start_stop(sdp, mode);
\tscsi_device_put(sdp);
\treturn ret;
}
"""


def test_quiet_when_the_other_arm_sets_the_status():
    code = STATUS_ARMS.replace("{status}", "\\tif (sdp && scsi_device_online(sdp))\\n\\t\\tret = scsi_device_get(sdp);\\n"
                                           "\\telse\\n\\t\\tret = -ENODEV;")
    assert_quiet(get_without_put_on_exit, new_file("drivers/ufs/foo.c", code))


def test_an_assignment_after_the_if_still_reassigns_the_status():
    from reviewbot.analysis import cmodel
    from reviewbot.checks.module import _refpaths
    arms = "\tif (sdp && scsi_device_online(sdp))\n\t\tret = scsi_device_get(sdp);\n\telse\n\t\tret = -ENODEV;"
    code = STATUS_ARMS.replace("{status}", arms + "\n\tret = foo_check(hba);").replace("\\t", "\t").replace("\\n", "\n")
    (func,) = [f for f in cmodel.parse(code).functions if f.name == "foo_set_pwr_mode"]
    (get,) = [c for c in func.calls() if c.name == "scsi_device_get"]
    test = _at(code, "if (ret)")
    assert _refpaths.status_reassigned(func, "ret", get.line, test, get.node)  # foo_check()
    without = STATUS_ARMS.replace("{status}", arms).replace("\\t", "\t").replace("\\n", "\n")
    (func,) = [f for f in cmodel.parse(without).functions if f.name == "foo_set_pwr_mode"]
    (get,) = [c for c in func.calls() if c.name == "scsi_device_get"]
    assert not _refpaths.status_reassigned(func, "ret", get.line, _at(without, "if (ret)"), get.node)
    assert _refpaths.status_reassigned(func, "ret", get.line, _at(without, "if (ret)"))  # no call: any arm


# drivers/s390/scsi/zfcp_aux.c (6.12, zfcp_port_enqueue()): kref_get(&adapter->ref), and the
# unwind calls zfcp_ccw_adapter_put(adapter), a kref_put() wrapper defined in another file
CONTAINER_PUT = """
struct foo_port *foo_port_enqueue(struct foo_adapter *adapter, u64 wwpn)
{
\tstruct foo_port *port;
\tint retval = -ENOMEM;

\tkref_get(&adapter->ref);

\tport = foo_get_port_by_wwpn(adapter, wwpn);
\tif (port) {
\t\tput_device(&port->dev);
\t\tretval = -EEXIST;
\t\tgoto err_put;
\t}

\tport = kzalloc(sizeof(*port), GFP_KERNEL);
\tif (!port)
\t\tgoto err_put;

\tport->adapter = adapter;
\tport->wwpn = wwpn;
\treturn port;

err_put:
\t{put};
\treturn ERR_PTR(retval);
}
"""


def _tree_new_file(path: str, code: str):
    from tests.helpers import tree_case
    return tree_case(path, "", code.strip("\n").replace("\\t", "\t") + "\n")


def test_quiet_when_the_unwind_calls_a_put_named_wrapper_of_the_container():
    series, ctx = _tree_new_file("drivers/s390/foo.c", CONTAINER_PUT.replace("{put}", "foo_ccw_adapter_put(adapter)"))
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


def test_fires_when_the_put_named_call_gets_another_object():
    code = CONTAINER_PUT.replace("{put}", "foo_ccw_adapter_put(port)")
    series, ctx = _tree_new_file("drivers/s390/foo.c", code)
    assert_fires(get_without_put_on_exit, series, [("drivers/s390/foo.c", _at(code, "goto err_put;"))], context_for=ctx)


# drivers/firmware/imx/imx-scu-irq.c (6.12): of_parse_phandle_with_args() returns 0 and the node
# in its out-argument; `if (!lookup(...)) { ...; of_node_put(spec.np); }` drops it in the branch
# where it succeeded, so past the if nothing is held.  `i` is an int derived from the node: its
# return hands the caller no object.
STATUS_LOOKUP = """
int foo_enable_channel(struct device *dev)
{
\tstruct of_phandle_args spec;
\tint ret = 0, i = 0;

\tif (!of_parse_phandle_with_args(dev->of_node, "mboxes",
\t\t\t\t       "#mbox-cells", 0, &spec)) {
\t\ti = of_alias_get_id(spec.np, "mu");
{early}\t\tof_node_put(spec.np);
\t}

\tret = foo_get_handle(&foo_handle);
\tif (ret)
\t\treturn ret;

\treturn 0;
}
"""


def test_quiet_when_the_status_lookups_success_branch_puts():
    code = STATUS_LOOKUP.replace("{early}", "")
    assert_quiet(get_without_put_on_exit, new_file("drivers/firmware/foo-irq.c", code), include_low=True)


def test_fires_when_the_success_branch_returns_before_its_put():
    code = STATUS_LOOKUP.replace("{early}", "\t\tif (i < 0)\n\t\t\treturn i;\n")
    assert_fires(get_without_put_on_exit, new_file("drivers/firmware/foo-irq.c", code),
                 [("drivers/firmware/foo-irq.c", _at(code, "return i;"))])


def test_returning_an_int_derived_from_the_node_is_a_leak():
    code = """
int foo_mu_id(struct device *dev)
{
\tstruct of_phandle_args spec;
\tint i;

\tif (of_parse_phandle_with_args(dev->of_node, "mboxes", "#mbox-cells", 0, &spec))
\t\treturn -EINVAL;
\ti = of_alias_get_id(spec.np, "mu");
\tif (i < 0)
\t\treturn i;
\tof_node_put(spec.np);
\treturn 0;
}
"""
    assert_fires(get_without_put_on_exit, new_file("drivers/firmware/foo-irq.c", code),
                 [("drivers/firmware/foo-irq.c", _at(code, "return i;"))])
