from reviewbot.checks.module import removed_needed_ref
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case

CASES = DATA / "checks" / "removed-needed-ref"

# A transport pin dropped: get in assign, put in the destructor, both removed.
PAIR_REMOVED = diff("""
    --- a/net/foo/af_foo.c
    +++ b/net/foo/af_foo.c
    @@ -20,9 +20,5 @@ int foo_assign_transport(struct foo_sock *fs)
     \tif (!fs->transport)
     \t\treturn -ENODEV;
    -\tif (!try_module_get(fs->transport->module)) {
    -\t\tfs->transport = NULL;
    -\t\treturn -ENODEV;
    -\t}
     \treturn fs->transport->init(fs);
     }
     
    @@ -60,5 +56,4 @@ static void foo_sk_destruct(struct sock *sk)
     {
     \tstruct foo_sock *fs = foo_sk(sk);
     \tfs->transport->destruct(fs);
    -\tmodule_put(fs->transport->module);
     }
""")

# The same get/put pair moved into helpers in the same patch: not a removal.
MOVED = diff("""
    --- a/net/foo/af_foo.c
    +++ b/net/foo/af_foo.c
    @@ -20,9 +20,7 @@ int foo_assign_transport(struct foo_sock *fs)
     \tif (!fs->transport)
     \t\treturn -ENODEV;
    -\tif (!try_module_get(fs->transport->module)) {
    -\t\tfs->transport = NULL;
    -\t\treturn -ENODEV;
    -\t}
    +\tif (!foo_get_transport(fs))
    +\t\treturn -ENODEV;
     \treturn fs->transport->init(fs);
     }
     
    @@ -60,5 +58,9 @@ static void foo_sk_destruct(struct sock *sk)
     {
     \tstruct foo_sock *fs = foo_sk(sk);
     \tfs->transport->destruct(fs);
    -\tmodule_put(fs->transport->module);
    +}
    +
    +static bool foo_get_transport(struct foo_sock *fs)
    +{
    +\treturn try_module_get(fs->transport->module);
     }
""")

# Dropping a self-pin is the MOD001 fix, not a removed needed reference.
SELF_PIN_DROPPED = diff("""
    --- a/drivers/block/foo.c
    +++ b/drivers/block/foo.c
    @@ -10,7 +10,4 @@ static ssize_t reset_store(struct device *dev,
     {
    -\tif (!try_module_get(THIS_MODULE))
    -\t\treturn -ENODEV;
     \tdo_reset(dev);
    -\tmodule_put(THIS_MODULE);
     \treturn len;
     }
""")

# The whole function holding the get goes away with the feature: not a pin removal.
FUNCTION_DELETED = diff("""
    --- a/drivers/misc/foo.c
    +++ b/drivers/misc/foo.c
    @@ -10,10 +10,3 @@ static int foo_open(struct inode *inode, struct file *file)
     \treturn 0;
     }
     
    -static int foo_use(struct foo *foo)
    -{
    -\tif (!try_module_get(foo->ops->owner))
    -\t\treturn -ENODEV;
    -\tmodule_put(foo->ops->owner);
    -\treturn 0;
    -}
""")

# A get retargeted to a different module (MOD014's question, not a removal).
RETARGETED = diff("""
    --- a/drivers/iio/adc/foo.c
    +++ b/drivers/iio/adc/foo.c
    @@ -30,4 +30,4 @@ static struct foo_client *foo_attach_client(struct device *dev)
     \t\t\tcontinue;
    -\t\tif (!try_module_get(dev->driver->owner)) {
    +\t\tif (!try_module_get(cl->dev->driver->owner)) {
     \t\t\tmutex_unlock(&registered_clients_lock);
     \t\t\treturn ERR_PTR(-ENODEV);
""")


def test_fires_on_removed_get_put_pair():
    assert_fires(removed_needed_ref, PAIR_REMOVED, at=[("net/foo/af_foo.c", 22, "old")])


def test_quiet_when_pin_moves():
    assert_quiet(removed_needed_ref, MOVED, include_low=True)


def test_quiet_on_self_pin_removal():
    assert_quiet(removed_needed_ref, SELF_PIN_DROPPED, include_low=True)


def test_quiet_when_whole_function_is_removed():
    assert_quiet(removed_needed_ref, FUNCTION_DELETED, include_low=True)


def test_quiet_when_get_is_retargeted():
    assert_quiet(removed_needed_ref, RETARGETED, include_low=True)


def test_fires_on_real_nvme_fc_reversal():
    assert_fires(removed_needed_ref, load_case(CASES / "nvme-fc-lldd-module-ref.patch"),
                 at=[("drivers/nvme/host/fc.c", 3062, "old")])


def test_fires_on_real_scsi_async_scan_reversal():
    assert_fires(removed_needed_ref, load_case(CASES / "scsi-async-scan-module-ref.patch"),
                 at=[("drivers/scsi/scsi_scan.c", 1856, "old")])


def test_quiet_on_real_fix_that_adds_the_pin():
    assert_quiet(removed_needed_ref, load_case(CASES / "scsi-async-scan-module-ref.fix.patch"), include_low=True)


def test_embedded_owner_pin_is_low_confidence():
    # lirc_zilog pinned ir->l.owner (its own module, filled in by itself): dropping it is right.
    series = load_case(CASES / "lirc-zilog-self-pin.fix.patch")
    assert_quiet(removed_needed_ref, series)
    assert_fires(removed_needed_ref, series, at=[("drivers/staging/lirc/lirc_zilog.c", 310, "old")],
                 include_low=True)


SYMBOL_PAIR_REMOVED = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -40,11 +40,7 @@ static int foo_bind(struct foo *foo)
     {
    -\tfoo->cb = symbol_get(bar_cb);
    -\tif (!foo->cb)
    -\t\treturn -ENODEV;
     \treturn 0;
     }
     
     static void foo_unbind(struct foo *foo)
     {
    -\tsymbol_put(bar_cb);
     }
""")

# "ARM: pxa: remove use of symbol_get()": direct calls instead, a link dependency.
SYMBOL_TO_DIRECT_CALL = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -40,8 +40,6 @@ static int foo_bind(struct foo *foo)
     {
    -\tfoo->cb = symbol_get(bar_cb);
    -\tif (!foo->cb)
    -\t\treturn -ENODEV;
    +\tfoo->cb = bar_cb;
     \treturn 0;
     }
     
     static void foo_unbind(struct foo *foo)
    @@ -60,3 +58,2 @@ static void foo_unbind(struct foo *foo)
     {
    -\tsymbol_put(bar_cb);
     }
""")


def test_fires_on_removed_symbol_get_put_pair():
    assert_fires(removed_needed_ref, SYMBOL_PAIR_REMOVED, at=[("drivers/foo/core.c", 41, "old")])


def test_quiet_when_symbol_get_becomes_a_link_dependency():
    assert_quiet(removed_needed_ref, SYMBOL_TO_DIRECT_CALL, include_low=True)


# ib_uverbs pins the ib driver through the ops table copied into ib_dev: the owner of an
# embedded *ops* member is the provider module, not the caller (mutation benchmark, 6.12).
EMBEDDED_OPS_PIN_REMOVED = diff("""
    --- a/drivers/infiniband/core/foo_main.c
    +++ b/drivers/infiniband/core/foo_main.c
    @@ -959,10 +959,6 @@ static int foo_open(struct inode *inode, struct file *filp)
     \t\tret = -EIO;
     \t\tgoto err;
     \t}
    -\tif (!try_module_get(ib_dev->ops.owner)) {
    -\t\tret = -ENODEV;
    -\t\tgoto err;
    -\t}
     \tfile = kzalloc(sizeof(*file), GFP_KERNEL);
     \tif (!file) {
     \t\tret = -ENOMEM;
    @@ -1010,7 +1006,6 @@ static int foo_open(struct inode *inode, struct file *filp)
     \treturn stream_open(inode, filp);
     
     err_module:
    -\tmodule_put(ib_dev->ops.owner);
     err:
     \tmutex_unlock(&dev->lists_mutex);
     \treturn ret;
""")


def test_fires_on_removed_pin_of_an_embedded_ops_owner():
    assert_fires(removed_needed_ref, EMBEDDED_OPS_PIN_REMOVED,
                 at=[("drivers/infiniband/core/foo_main.c", 962, "old")])


def _saying(series, message: str, subject: str = "[PATCH] test"):
    """The same patch with a commit message (the author's stated intent)."""
    import dataclasses
    p = dataclasses.replace(series.patches[0], message=message, subject=subject)
    return dataclasses.replace(series, patches=(p,), subject=subject)


# Paraphrase of "PCI: hotplug: Drop superfluous try_module_get() calls": the core already
# keeps the callbacks from running after unregistration, so the pin was extra.
def test_pin_the_author_calls_superfluous_is_only_a_question():
    said = _saying(PAIR_REMOVED, "kernfs active references already keep the transport alive, so\n"
                                 "the module reference is not needed.\n",
                   subject="[PATCH] foo: Drop superfluous try_module_get() calls")
    assert_quiet(removed_needed_ref, said)
    assert_fires(removed_needed_ref, said, at=[("net/foo/af_foo.c", 22, "old")], include_low=True)


def test_unrelated_message_keeps_the_finding():
    said = _saying(PAIR_REMOVED, "Simplify the transport assignment.\n",
                   subject="[PATCH] foo: simplify transport handling")
    assert_fires(removed_needed_ref, said, at=[("net/foo/af_foo.c", 22, "old")])


# A getter that also pins the adapter's module swapped for the lookup that does not (the
# table's also_module_ref), with the call split over lines.
WEAKER_GETTER = diff("""
    --- a/drivers/media/i2c/foo-cam.c
    +++ b/drivers/media/i2c/foo-cam.c
    @@ -210,8 +210,8 @@ static int foo_cam_parse_fw(struct foo_cam *cam)
     \tif (!fwnode)
     \t\treturn -ENODEV;
     
    -\tcam->ddc = i2c_get_adapter_by_fwnode(
    -\t\t\tfwnode);
    +\tcam->ddc = i2c_find_adapter_by_fwnode(
    +\t\t\tfwnode);
     \tfwnode_handle_put(fwnode);
     \tif (!cam->ddc)
     \t\treturn -EPROBE_DEFER;
""")

# The fix direction: the pin is added, nothing removed.
STRONGER_GETTER = diff("""
    --- a/drivers/media/i2c/foo-cam.c
    +++ b/drivers/media/i2c/foo-cam.c
    @@ -210,8 +210,8 @@ static int foo_cam_parse_fw(struct foo_cam *cam)
     \tif (!fwnode)
     \t\treturn -ENODEV;
     
    -\tcam->ddc = i2c_find_adapter_by_fwnode(
    -\t\t\tfwnode);
    +\tcam->ddc = i2c_get_adapter_by_fwnode(
    +\t\t\tfwnode);
     \tfwnode_handle_put(fwnode);
     \tif (!cam->ddc)
     \t\treturn -EPROBE_DEFER;
""")


def test_fires_on_getter_swapped_for_one_without_module_pin():
    assert_fires(removed_needed_ref, WEAKER_GETTER, at=[("drivers/media/i2c/foo-cam.c", 213)])


def test_quiet_when_the_swap_adds_the_pin():
    assert_quiet(removed_needed_ref, STRONGER_GETTER, include_low=True)


def test_weaker_getter_the_author_calls_unneeded_is_a_question():
    said = _saying(WEAKER_GETTER, "The module reference is not needed: the adapter is a child of our device.\n")
    assert_quiet(removed_needed_ref, said)


def test_pin_on_a_devices_driver_replaced_by_a_reference_on_the_device_is_low():
    """The reverse of a module reference used in place of get_device(): the patch keeps the
    device, not its driver's module, by design."""
    series = diff("""
        --- a/drivers/base/firmware_loader/main.c
        +++ b/drivers/base/firmware_loader/main.c
        @@ -1242,7 +1242,7 @@ _request_firmware_nowait(
         \t\treturn -EFAULT;
         \t}
         
        -\t__module_get(fw_work->device->driver->owner);
        +\tget_device(fw_work->device);
         \tINIT_WORK(&fw_work->work, request_firmware_work_func);
         \tschedule_work(&fw_work->work);
         \treturn 0;
        @@ -1195,7 +1195,7 @@ static void request_firmware_work_func(struct work_struct *work)
         \t_request_firmware(&fw, fw_work->name, fw_work->device, NULL, 0, 0,
         \t\t\t  fw_work->opt_flags);
         \tfw_work->cont(fw, fw_work->context);
        -\tmodule_put(fw_work->device->driver->owner);
        +\tput_device(fw_work->device);
         
         \tkfree_const(fw_work->name);
         \tkfree(fw_work);
    """)
    assert_quiet(removed_needed_ref, series)
    assert_fires(removed_needed_ref, series, at=[("drivers/base/firmware_loader/main.c", 1245, "old")],
                 include_low=True)


# A pointer kept in a long-lived object loses the reference that kept its target alive
# (thermal_core's cooling device, a real fix of 2024, reversed).
STORE = """
    --- a/drivers/thermal/thermal_core.c
    +++ b/drivers/thermal/thermal_core.c
    @@ -919,7 +919,7 @@ __thermal_cooling_device_register(struct device_node *np,
     
     \tmutex_init(&cdev->lock);
     \tINIT_LIST_HEAD(&cdev->thermal_instances);
    -\tcdev->np = of_node_get(np);
    +\tcdev->np = np;
     \tcdev->ops = ops;
     \tcdev->updated = false;
     \tcdev->device.class = &thermal_class;
"""


def test_fires_on_a_stored_pointer_losing_its_reference():
    assert_fires(removed_needed_ref, diff(STORE), at=[("drivers/thermal/thermal_core.c", 922, "old")])


def test_quiet_on_the_fix_that_takes_the_reference():
    fix = STORE.replace("-\tcdev->np = of_node_get(np);", "@").replace("+\tcdev->np = np;", "-\tcdev->np = np;") \
        .replace("@", "+\tcdev->np = of_node_get(np);")
    assert_quiet(removed_needed_ref, diff(fix), include_low=True)


def test_quiet_when_the_reference_is_taken_elsewhere():
    moved = STORE.replace("@@ -919,7 +919,7 @@", "@@ -919,7 +919,8 @@") + "    +\tof_node_get(cdev->np);\n"
    assert_quiet(removed_needed_ref, diff(moved), include_low=True)


def test_stored_pointer_is_low_confidence_when_the_author_calls_the_get_extra():
    series = diff(STORE, message="The of_node_get() here is superfluous: the caller keeps the node.")
    assert_quiet(removed_needed_ref, series)
    assert_fires(removed_needed_ref, series, at=[("drivers/thermal/thermal_core.c", 922, "old")], include_low=True)


# A bare get removed from code that stays (6.12's thermal_zone_get_by_id() took a device
# reference for its caller; 6.1 did not: the caller's put_device() then drops one never taken).
BARE_GET = """
    --- a/drivers/thermal/thermal_core.c
    +++ b/drivers/thermal/thermal_core.c
    @@ -736,7 +736,6 @@ struct thermal_zone_device *thermal_zone_get_by_id(int id)
     \tmutex_lock(&thermal_list_lock);
     \tlist_for_each_entry(tz, &thermal_tz_list, node) {
     \t\tif (tz->id == id) {
    -\t\t\tget_device(&tz->device);
     \t\t\tmatch = tz;
     \t\t\tbreak;
     \t\t}
"""


def test_fires_on_a_removed_bare_get():
    assert_fires(removed_needed_ref, diff(BARE_GET), at=[("drivers/thermal/thermal_core.c", 739, "old")])


def test_quiet_when_the_get_and_its_put_go_together():
    pair = BARE_GET + """\
    @@ -760,7 +759,6 @@ void thermal_zone_put(struct thermal_zone_device *tz)
     {
     \tif (!tz)
     \t\treturn;
    -\tput_device(&tz->device);
     }
     
     static void thermal_zone_device_check(struct work_struct *work)
"""
    assert_quiet(removed_needed_ref, diff(pair), include_low=True)


def test_quiet_when_the_get_is_retargeted_in_place():
    retarget = BARE_GET.replace("@@ -736,7 +736,6 @@", "@@ -736,7 +736,7 @@").replace(
        "-\t\t\tget_device(&tz->device);\n", "-\t\t\tget_device(&tz->device);\n    +\t\t\tget_device(tz->dev);\n")
    assert_quiet(removed_needed_ref, diff(retarget), include_low=True)


def test_removed_bare_get_is_low_confidence_when_the_author_calls_it_a_leak():
    series = diff(BARE_GET, message="The get_device() here is never put: it leaks the zone. Drop it.")
    assert_quiet(removed_needed_ref, series)
