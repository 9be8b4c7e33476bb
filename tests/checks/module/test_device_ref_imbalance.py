from reviewbot.checks.module import device_ref_imbalance
from reviewbot.context import Context, FileImages
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case

CASES = DATA / "checks" / "device-ref-imbalance"

PUT_THEN_KFREE = diff("""
    --- a/drivers/foo/bus.c
    +++ b/drivers/foo/bus.c
    @@ -40,6 +40,7 @@ static int foo_add(struct foo_bus *bus)
     \tret = device_add(&foo->dev);
     \tif (ret) {
     \t\tput_device(&foo->dev);
    +\t\tkfree(foo);
     \t\treturn ret;
     \t}
     \treturn 0;
""")

KFREE_AFTER_REGISTER = diff("""
    --- a/drivers/foo/bus.c
    +++ b/drivers/foo/bus.c
    @@ -40,9 +40,9 @@ static int foo_add(struct foo_bus *bus)
     \tret = device_register(&foo->dev);
     \tif (ret)
     \t\tgoto err_free;
     \treturn 0;
     
     err_free:
    -\tput_device(&foo->dev);
    +\tkfree(foo);
     \treturn ret;
     }
""")

KFREE_BEFORE_REGISTER = diff("""
    --- a/drivers/foo/bus.c
    +++ b/drivers/foo/bus.c
    @@ -40,6 +40,10 @@ static int foo_add(struct foo_bus *bus)
     \tfoo = kzalloc(sizeof(*foo), GFP_KERNEL);
     \tif (!foo)
     \t\treturn -ENOMEM;
    +\tif (bus_busy(bus)) {
    +\t\tkfree(foo);
    +\t\treturn -EBUSY;
    +\t}
     \tret = device_register(&foo->dev);
     \tif (ret)
     \t\tgoto err_put;
""")

TYPED_TO_GENERIC = diff("""
    --- a/drivers/foo/acpi.c
    +++ b/drivers/foo/acpi.c
    @@ -60,4 +60,4 @@ static int foo_read_acpi(struct foo *p)
     err:
     \tdev_err(p->dev, "error %d\\n", ret);
    -\tacpi_dev_put(adev);
    +\tput_device(physdev);
     \treturn ret;
""")

GENERIC_TO_TYPED = diff("""
    --- a/drivers/foo/acpi.c
    +++ b/drivers/foo/acpi.c
    @@ -60,4 +60,4 @@ static int foo_read_acpi(struct foo *p)
     err:
     \tdev_err(p->dev, "error %d\\n", ret);
    -\tput_device(physdev);
    +\tacpi_dev_put(adev);
     \treturn ret;
""")

NULL_GUARD_DROPPED = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -70,3 +70,2 @@ static void foo_free(struct foo *foo)
    -\tif (foo->peer)
    -\t\tput_device(foo->peer);
    +\tput_device(foo->peer);
     }
""")


def test_fires_on_kfree_after_put_device():
    assert_fires(device_ref_imbalance, PUT_THEN_KFREE, at=[("drivers/foo/bus.c", 43)])


def test_fires_on_kfree_in_unwind_label_after_device_register():
    assert_fires(device_ref_imbalance, KFREE_AFTER_REGISTER, at=[("drivers/foo/bus.c", 46)])


def test_quiet_on_kfree_before_device_register():
    assert_quiet(device_ref_imbalance, KFREE_BEFORE_REGISTER, include_low=True)


def test_fires_on_typed_put_replaced_by_put_device():
    assert_fires(device_ref_imbalance, TYPED_TO_GENERIC, at=[("drivers/foo/acpi.c", 62)])


def test_quiet_on_put_device_replaced_by_typed_put():
    assert_quiet(device_ref_imbalance, GENERIC_TO_TYPED, include_low=True)


def test_quiet_when_only_a_null_guard_is_dropped():
    assert_quiet(device_ref_imbalance, NULL_GUARD_DROPPED, include_low=True)


def test_tree_mode_uses_the_full_function():
    pre = ("static int foo_add(struct foo *foo)\n{\n\tint ret;\n\n\tdevice_initialize(&foo->dev);\n"
           "\tret = foo_setup(foo);\n\tif (ret)\n\t\tgoto err;\n\tret = device_add(&foo->dev);\n"
           "\tif (ret)\n\t\tgoto err;\n\treturn 0;\nerr:\n\tput_device(&foo->dev);\n\treturn ret;\n}\n")
    post = pre.replace("\tput_device(&foo->dev);\n", "\tkfree(foo);\n")
    series = diff("""
        --- a/drivers/foo/bus.c
        +++ b/drivers/foo/bus.c
        @@ -12,4 +12,4 @@ static int foo_add(struct foo *foo)
         \treturn 0;
         err:
        -\tput_device(&foo->dev);
        +\tkfree(foo);
         \treturn ret;
    """)
    ctx = Context(mode="tree", files={"drivers/foo/bus.c": FileImages(pre=pre, post=post)})
    assert_fires(device_ref_imbalance, series, at=[("drivers/foo/bus.c", 14)], context_for=lambda p: ctx)


def test_fires_on_real_tas2781_wrong_put():
    assert_fires(device_ref_imbalance, load_case(CASES / "tas2781-read-acpi-wrong-put.patch"),
                 at=[("sound/pci/hda/tas2781_hda_i2c.c", 121)])
    assert_quiet(device_ref_imbalance, load_case(CASES / "tas2781-read-acpi-wrong-put.fix.patch"), include_low=True)


def test_fires_on_real_dmaengine_kfree_after_device_register():
    assert_fires(device_ref_imbalance, load_case(CASES / "dmaengine-chan-register-kfree-after-device-register.patch"),
                 at=[("drivers/dma/dmaengine.c", 1115)])
    assert_quiet(device_ref_imbalance,
                 load_case(CASES / "dmaengine-chan-register-kfree-after-device-register.fix.patch"), include_low=True)


def test_fires_on_real_ac97_double_free():
    assert_fires(device_ref_imbalance, load_case(CASES / "ac97-codec-add-double-free.patch"),
                 at=[("sound/ac97/bus.c", 132)])
    assert_quiet(device_ref_imbalance, load_case(CASES / "ac97-codec-add-double-free.fix.patch"), include_low=True)


def test_fires_on_real_hda_unconditional_put():
    assert_fires(device_ref_imbalance, load_case(CASES / "hda-codec-asoc-double-put.patch"),
                 at=[("sound/pci/hda/hda_codec.c", 843)])
    assert_quiet(device_ref_imbalance, load_case(CASES / "hda-codec-asoc-double-put.fix.patch"), include_low=True)


def test_fires_on_real_rawmidi_removed_keepalive_pair():
    assert_fires(device_ref_imbalance, load_case(CASES / "rawmidi-seq-get-device.patch"),
                 at=[("sound/core/rawmidi.c", 1941, "old")])
    assert_quiet(device_ref_imbalance, load_case(CASES / "rawmidi-seq-get-device.fix.patch"), include_low=True)


# A typed keep-alive pair (the table's spi_controller_get()/spi_controller_put()) around an
# unregister that drops the last reference, taken away: the get is folded into the assignment.
TYPED_PAIR_REMOVED = diff("""
    --- a/drivers/spi/spi-foo.c
    +++ b/drivers/spi/spi-foo.c
    @@ -610,7 +610,7 @@ static int foo_spi_probe(struct platform_device *pdev)
     
     static void foo_spi_remove(struct platform_device *pdev)
     {
    -\tstruct spi_controller *host = spi_controller_get(platform_get_drvdata(pdev));
    +\tstruct spi_controller *host = platform_get_drvdata(pdev);
     \tstruct foo_spi *fs = spi_controller_get_devdata(host);
     
     \tspi_unregister_controller(host);
    @@ -620,7 +620,6 @@ static void foo_spi_remove(struct platform_device *pdev)
     \tif (fs->dma_tx)
     \t\tdma_release_channel(fs->dma_tx);
     
    -\tspi_controller_put(host);
     \tpm_runtime_disable(&pdev->dev);
     }
     
""")

# The same pair in another family: kobject_get()/kobject_put() on a separate statement.
KOBJECT_PAIR_REMOVED = diff("""
    --- a/drivers/foo/attr.c
    +++ b/drivers/foo/attr.c
    @@ -80,9 +80,7 @@ static void foo_port_remove(struct foo_port *port)
     {
    -\tkobject_get(&port->kobj);
     \tsysfs_remove_group(&port->kobj, &foo_port_group);
     \tkobject_del(&port->kobj);
     \tport->parent->nports--;
    -\tkobject_put(&port->kobj);
     }
     
     static int foo_port_add(struct foo_port *port)
""")


def test_fires_on_removed_typed_keepalive_pair_at_the_rewritten_assignment():
    assert_fires(device_ref_imbalance, TYPED_PAIR_REMOVED, at=[("drivers/spi/spi-foo.c", 613)])


def test_fires_on_removed_kobject_keepalive_pair():
    assert_fires(device_ref_imbalance, KOBJECT_PAIR_REMOVED, at=[("drivers/foo/attr.c", 81, "old")])


def test_removed_pair_the_author_calls_extra_is_only_a_question():
    body = KOBJECT_PAIR_REMOVED.patches[0].diff
    from tests.helpers import diff as _d
    said = _d("\n".join("    " + ln for ln in body.splitlines()),
              message="The kobject_get()/kobject_put() pair is unnecessary: the caller already\n"
                      "holds a reference for the whole function.\n")
    assert_quiet(device_ref_imbalance, said)
    assert_fires(device_ref_imbalance, said, at=[("drivers/foo/attr.c", 81, "old")], include_low=True)


def test_quiet_when_the_get_moves():
    moved = diff("""
        --- a/drivers/foo/attr.c
        +++ b/drivers/foo/attr.c
        @@ -80,9 +80,9 @@ static void foo_port_remove(struct foo_port *port)
         {
        -\tkobject_get(&port->kobj);
         \tsysfs_remove_group(&port->kobj, &foo_port_group);
        +\tkobject_get(&port->kobj);
         \tkobject_del(&port->kobj);
         \tport->parent->nports--;
        -\tkobject_put(&port->kobj);
        +\tkobject_put(&port->kobj);
         }
         
         static int foo_port_add(struct foo_port *port)
    """)
    assert_quiet(device_ref_imbalance, moved, include_low=True)


# The device is a separate allocation (a pointer member, no `&`): it has its own release, and
# freeing the container beside it is right (hvc_iucv's priv->dev from iucv_alloc_device()).
KFREE_BESIDE_POINTER_MEMBER = diff("""
    --- a/drivers/tty/foo/foo_tty.c
    +++ b/drivers/tty/foo/foo_tty.c
    @@ -90,11 +90,13 @@ static int __init foo_tty_alloc(int id)
     \tpriv->dev = foo_alloc_device(priv, "foo%d", id);
     \tif (!priv->dev)
     \t\tgoto out_error;
     \trc = device_register(priv->dev);
     \tif (rc) {
     \t\tput_device(priv->dev);
    +\t\tkfree(priv->sndbuf);
     \t\tgoto out_error;
     \t}
     \treturn 0;
     out_error:
    +\tkfree(priv);
     \treturn rc;
""")


def test_quiet_on_kfree_of_container_with_pointer_member_device():
    assert_quiet(device_ref_imbalance, KFREE_BESIDE_POINTER_MEMBER, include_low=True)


PUT_POINTER_MEMBER_THEN_KFREE = diff("""
    --- a/drivers/acpi/foo_ipmi.c
    +++ b/drivers/acpi/foo_ipmi.c
    @@ -144,4 +144,5 @@ static void foo_dev_release(struct foo_ipmi_device *ipmi)
     {
     \tfoo_destroy_user(ipmi->user);
     \tput_device(ipmi->dev);
    +\tkfree(ipmi);
     }
""")

PUT_EMBEDDED_THEN_KFREE = diff("""
    --- a/drivers/acpi/foo_ipmi.c
    +++ b/drivers/acpi/foo_ipmi.c
    @@ -144,4 +144,5 @@ static void foo_dev_release(struct foo_ipmi_device *ipmi)
     {
     \tfoo_destroy_user(ipmi->user);
     \tput_device(&ipmi->dev);
    +\tkfree(ipmi);
     }
""")


def test_kfree_after_put_needs_the_device_embedded():
    assert_quiet(device_ref_imbalance, PUT_POINTER_MEMBER_THEN_KFREE, include_low=True)
    assert_fires(device_ref_imbalance, PUT_EMBEDDED_THEN_KFREE, at=[("drivers/acpi/foo_ipmi.c", 147)])


# The unwind label is reached only by a goto taken before device_initialize() (uacce_alloc()):
# the kfree there frees memory no refcount owns yet.
KFREE_REACHED_BEFORE_INIT = diff("""
    --- a/drivers/misc/foo/foo.c
    +++ b/drivers/misc/foo/foo.c
    @@ -550,14 +550,14 @@ struct foo_device *foo_alloc(struct device *parent)
     \tret = xa_alloc(&foo_xa, &foo->dev_id, foo, xa_limit_32b, GFP_KERNEL);
     \tif (ret < 0)
     \t\tgoto err_with_foo;
     \tdevice_initialize(&foo->dev);
     \tfoo->dev.release = foo_release;
     \tdev_set_name(&foo->dev, "foo-%d", foo->dev_id);
     
     \treturn foo;
     
     err_with_foo:
     \tfoo_disable_sva(foo);
    -\tfoo_free_mem(foo);
    +\tkfree(foo);
     \treturn ERR_PTR(ret);
     }
""")

KFREE_REACHED_AFTER_INIT = diff("""
    --- a/drivers/misc/foo/foo.c
    +++ b/drivers/misc/foo/foo.c
    @@ -550,12 +550,12 @@ struct foo_device *foo_alloc(struct device *parent)
     \tdevice_initialize(&foo->dev);
     \tfoo->dev.release = foo_release;
     \tret = xa_alloc(&foo_xa, &foo->dev_id, foo, xa_limit_32b, GFP_KERNEL);
     \tif (ret < 0)
     \t\tgoto err_with_foo;
     
     \treturn foo;
     
     err_with_foo:
    -\tput_device(&foo->dev);
    +\tkfree(foo);
     \treturn ERR_PTR(ret);
     }
""")


def test_kfree_under_label_counts_only_gotos_after_the_init():
    assert_quiet(device_ref_imbalance, KFREE_REACHED_BEFORE_INIT, include_low=True)
    assert_fires(device_ref_imbalance, KFREE_REACHED_AFTER_INIT, at=[("drivers/misc/foo/foo.c", 559)])


# remove() that only drops a reference on a child it registered: the child stays registered
UNREGISTER_TO_PUT = """
    --- a/drivers/mfd/foo-core.c
    +++ b/drivers/mfd/foo-core.c
    @@ -220,7 +220,7 @@ static void foo_remove(struct platform_device *pdev)
     \tstruct foo_priv *priv = platform_get_drvdata(pdev);
     
     \tcancel_work_sync(&priv->work);
    -\tplatform_device_unregister(priv->child);
    +\tplatform_device_put(priv->child);
     \tclk_disable_unprepare(priv->clk);
     }
     
"""


def test_fires_on_unregister_replaced_by_a_put_in_remove():
    assert_fires(device_ref_imbalance, diff(UNREGISTER_TO_PUT), at=[("drivers/mfd/foo-core.c", 223)])


def test_fires_on_i2c_unregister_replaced_by_put_device():
    i2c = UNREGISTER_TO_PUT.replace("platform_device_unregister(priv->child)", "i2c_unregister_device(priv->client)") \
        .replace("platform_device_put(priv->child)", "put_device(&priv->client->dev)")
    assert_fires(device_ref_imbalance, diff(i2c), at=[("drivers/mfd/foo-core.c", 223)])


def test_quiet_on_the_fix_that_unregisters():
    fix = UNREGISTER_TO_PUT.replace("-\tplatform_device_unregister", "@").replace(
        "+\tplatform_device_put(priv->child)", "-\tplatform_device_put(priv->child)").replace(
        "@", "+\tplatform_device_unregister")
    assert_quiet(device_ref_imbalance, diff(fix), include_low=True)


def test_quiet_in_a_probe_error_path():
    # after a failed platform_device_add() the put is the right release
    probe = UNREGISTER_TO_PUT.replace("static void foo_remove(struct platform_device *pdev)",
                                      "static int foo_probe(struct platform_device *pdev)")
    assert_quiet(device_ref_imbalance, diff(probe), include_low=True)


# of_find_node_by_name() drops its @from: on the device's own node that is an over-put
# (6.12's hellcreek_ptp.c and bcmasp.c have this shape; later kernels fixed them).
DROPPING_LOOKUP = """
    --- a/drivers/net/dsa/foo/foo_ptp.c
    +++ b/drivers/net/dsa/foo/foo_ptp.c
    @@ -308,7 +308,7 @@ static int foo_led_setup(struct foo *hc)
     \tstruct device_node *leds, *led = NULL;
     \tint ret;
     
    -\tleds = of_get_child_by_name(hc->dev->of_node, "leds");
    +\tleds = of_find_node_by_name(hc->dev->of_node, "leds");
     \tif (!leds) {
     \t\tdev_err(hc->dev, "No LEDs specified in device tree!\\n");
     \t\treturn -ENODEV;
"""


def test_fires_on_a_lookup_dropping_the_devices_node():
    assert_fires(device_ref_imbalance, diff(DROPPING_LOOKUP), at=[("drivers/net/dsa/foo/foo_ptp.c", 311)])


def test_fires_on_a_local_copied_from_the_devices_node():
    local = DROPPING_LOOKUP.replace("\tstruct device_node *leds, *led = NULL;",
                                    "\tstruct device_node *np = hc->dev->of_node, *leds;") \
        .replace("(hc->dev->of_node, \"leds\")", "(np, \"leds\")")
    assert_fires(device_ref_imbalance, diff(local), at=[("drivers/net/dsa/foo/foo_ptp.c", 311)])


def test_quiet_on_the_fix_and_when_the_reference_is_taken_first():
    fix = DROPPING_LOOKUP.replace("-\tleds = of_get_child_by_name", "@").replace(
        "+\tleds = of_find_node_by_name", "-\tleds = of_find_node_by_name").replace("@", "+\tleds = of_get_child_by_name")
    assert_quiet(device_ref_imbalance, diff(fix), include_low=True)
    got = DROPPING_LOOKUP.replace("@@ -308,7 +308,7 @@", "@@ -308,7 +308,8 @@").replace(
        "+\tleds = of_find_node_by_name", "+\tof_node_get(hc->dev->of_node);\n    +\tleds = of_find_node_by_name")
    assert_quiet(device_ref_imbalance, diff(got), include_low=True)


def test_quiet_on_a_search_from_the_root():
    root = DROPPING_LOOKUP.replace("of_find_node_by_name(hc->dev->of_node", "of_find_node_by_name(NULL")
    assert_quiet(device_ref_imbalance, diff(root), include_low=True)


# A new file (drivers/cpufreq/cpufreq.c's policy allocation, renamed): the kobject's ktype
# release only completes a completion that the put path waits for, so the container is
# freed by its owner after the last put.  With a release that frees the container, the same
# kfree() is a double free.
_KOBJ_CONTAINER = """
    --- /dev/null
    +++ b/drivers/devfreq/foo-gov.c
    @@ -0,0 +1,34 @@
    +static void foo_gov_release(struct kobject *kobj)
    +{
    +\tstruct foo_gov *gov = container_of(kobj, struct foo_gov, kobj);
    +
    +\t{release}
    +}
    +
    +static const struct kobj_type foo_gov_ktype = {
    +\t.sysfs_ops\t= &kobj_sysfs_ops,
    +\t.release\t= foo_gov_release,
    +};
    +
    +static struct foo_gov *foo_gov_alloc(unsigned int id)
    +{
    +\tstruct foo_gov *gov;
    +\tint ret;
    +
    +\tgov = kzalloc(sizeof(*gov), GFP_KERNEL);
    +\tif (!gov)
    +\t\treturn NULL;
    +\tinit_completion(&gov->kobj_done);
    +\tret = kobject_init_and_add(&gov->kobj, &foo_gov_ktype,
    +\t\t\t\t   foo_root_kobj, "gov%u", id);
    +\tif (ret)
    +\t\tgoto err_put;
    +\treturn gov;
    +
    +err_put:
    +\tkobject_put(&gov->kobj);
    +\twait_for_completion(&gov->kobj_done);
    +\tkfree(gov);
    +\treturn NULL;
    +}
    +
"""


def test_quiet_on_kfree_when_the_ktype_release_frees_nothing():
    quiet = diff(_KOBJ_CONTAINER.replace("{release}", "complete(&gov->kobj_done);"))
    assert_quiet(device_ref_imbalance, quiet, include_low=True)


def test_fires_on_kfree_when_the_ktype_release_frees_the_container():
    freeing = diff(_KOBJ_CONTAINER.replace("{release}", "kfree(gov);"))
    assert_fires(device_ref_imbalance, freeing, at=[("drivers/devfreq/foo-gov.c", 31)], include_low=True)


# drivers/acpi/cppc_acpi.c (6.12, renamed): a ktype without a release; the exit function puts
# the kobject and frees the container, initialised in another function of the file.
_KOBJ_EXIT = """
    --- /dev/null
    +++ b/drivers/acpi/foo_cpc.c
    @@ -0,0 +1,31 @@
    +static void foo_cpc_release(struct kobject *kobj)
    +{
    +\tkfree(container_of(kobj, struct foo_cpc, kobj));
    +}
    +
    +static const struct kobj_type foo_cpc_ktype = {
    +\t.sysfs_ops = &kobj_sysfs_ops,
    +\t{release}
    +};
    +
    +int foo_cpc_probe(struct device *cpu_dev)
    +{
    +\tstruct foo_cpc *cpc;
    +\tint ret;
    +
    +\tcpc = kzalloc(sizeof(*cpc), GFP_KERNEL);
    +\tif (!cpc)
    +\t\treturn -ENOMEM;
    +\tret = kobject_init_and_add(&cpc->kobj, &foo_cpc_ktype, &cpu_dev->kobj, "acpi_cppc");
    +\tif (ret)
    +\t\tkobject_put(&cpc->kobj);
    +\treturn ret;
    +}
    +
    +void foo_cpc_exit(struct foo_cpc *cpc_ptr)
    +{
    +\tiounmap(cpc_ptr->regs);
    +\tkobject_put(&cpc_ptr->kobj);
    +\tkfree(cpc_ptr);
    +}
    +
"""


def test_quiet_on_kfree_after_the_put_of_a_kobject_whose_ktype_has_no_release():
    assert_quiet(device_ref_imbalance, diff(_KOBJ_EXIT.replace("{release}", ".default_groups = foo_groups,")),
                 include_low=True)


def test_fires_on_kfree_after_the_put_of_a_kobject_whose_ktype_release_frees_it():
    assert_fires(device_ref_imbalance, diff(_KOBJ_EXIT.replace("{release}", ".release = foo_cpc_release,")),
                 at=[("drivers/acpi/foo_cpc.c", 29)], include_low=True)


def test_quiet_on_kfree_beside_the_put_of_a_device_behind_a_pointer_member():
    # drivers/net/ethernet/freescale/dpaa2/dpaa2-switch.c: put_device(&mac->mc_dev->dev);
    # kfree(mac); -- mc_dev points at another allocation
    text = PUT_THEN_KFREE.patches[0].diff.replace("&foo->dev", "&foo->mc_dev->dev")
    assert "mc_dev" in text
    assert_quiet(device_ref_imbalance, diff(text), include_low=True)
    embedded = PUT_THEN_KFREE.patches[0].diff.replace("&foo->dev", "&foo->mc.dev")
    assert_fires(device_ref_imbalance, diff(embedded), at=[("drivers/foo/bus.c", 43)])


# f_mass_storage of 6.12, posted as a new file: the LUN device's release is empty, so the owner
# kfree()s the LUN after device_unregister() (MOD021 says the empty release is the problem).
LUN_FILE = """\
static void foo_lun_release(struct device *dev)
{
}

static int foo_add_lun(struct foo_lun *lun)
{
\tlun->dev.release = foo_lun_release;
\treturn device_register(&lun->dev);
}

void foo_remove_lun(struct foo_lun *lun)
{
\tdevice_unregister(&lun->dev);
\tkfree(lun);
}
"""


def _new_file(text: str):
    return diff("--- /dev/null\n+++ b/drivers/usb/foo.c\n@@ -0,0 +1,%d @@\n" % len(text.splitlines())
                + "".join("+" + ln + "\n" for ln in text.splitlines()))


def test_quiet_on_kfree_after_unregister_when_the_release_frees_nothing():
    assert_quiet(device_ref_imbalance, _new_file(LUN_FILE))


def test_fires_on_kfree_after_unregister_when_the_release_frees():
    text = LUN_FILE.replace("static void foo_lun_release(struct device *dev)\n{\n}",
                            "static void foo_lun_release(struct device *dev)\n{\n\tkfree(to_foo_lun(dev));\n}")
    assert_fires(device_ref_imbalance, _new_file(text), at=[("drivers/usb/foo.c", 15)])


# mmc core's bus.c of 6.12: mmc_add_card() sets the card's node from a lookup, and
# mmc_remove_card() drops it: the driver's own reference, not the device's.
CARD_FILE = """\
int foo_add_card(struct foo_card *card)
{
\tcard->dev.of_node = foo_find_child_node(card->host, 0);
\treturn device_add(&card->dev);
}

void foo_remove_card(struct foo_card *card)
{
\tdevice_del(&card->dev);
\tof_node_put(card->dev.of_node);
\tput_device(&card->dev);
}
"""


def test_quiet_on_a_teardown_putting_the_node_its_file_set():
    assert_quiet(device_ref_imbalance, _new_file(CARD_FILE))


def test_fires_when_the_file_never_set_the_node():
    text = CARD_FILE.replace("\tcard->dev.of_node = foo_find_child_node(card->host, 0);\n", "")
    assert_fires(device_ref_imbalance, _new_file(text), at=[("drivers/usb/foo.c", 9)])


# drivers/base/bus.c (6.12, subsys_register()) as a new file: `put_device(dev); dev = NULL;`
# falls through to the label's `kfree(dev)`, a no-op; the dev_set_name() failure frees the
# never-registered memory.
PUT_THEN_NULLED_TEXT = """
    --- /dev/null
    +++ b/drivers/base/foo_bus.c
    @@ -0,0 +1,27 @@
    +static int foo_subsys_register(struct bus_type *subsys, struct device *parent_of_root)
    +{
    +\tstruct device *dev;
    +\tint err;
    +
    +\tdev = kzalloc(sizeof(struct device), GFP_KERNEL);
    +\tif (!dev)
    +\t\treturn -ENOMEM;
    +
    +\terr = dev_set_name(dev, "%s", subsys->name);
    +\tif (err < 0)
    +\t\tgoto err_name;
    +
    +\tdev->kobj.parent = parent_of_root;
    +\tdev->release = system_root_device_release;
    +
    +\terr = device_register(dev);
    +\tif (err < 0)
    +\t\tgoto err_dev_reg;
    +\treturn 0;
    +
    +err_dev_reg:
    +\tput_device(dev);
    +\tdev = NULL;
    +err_name:
    +\tkfree(dev);
    +\treturn err;
"""


def test_quiet_on_kfree_of_a_pointer_nulled_after_the_put():
    assert_quiet(device_ref_imbalance, diff(PUT_THEN_NULLED_TEXT), include_low=True)
    kept = PUT_THEN_NULLED_TEXT.replace("\tdev = NULL;\n", "\tpr_debug(\"bus\");\n")
    assert kept != PUT_THEN_NULLED_TEXT
    assert_fires(device_ref_imbalance, diff(kept), at=[("drivers/base/foo_bus.c", 26)])
