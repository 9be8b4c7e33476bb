from reviewbot.checks.module import module_ref_for_unbind
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case

CASES = DATA / "checks" / "module-ref-for-unbind"

OWN_DRIVER = diff("""
    --- a/drivers/iio/adc/foo.c
    +++ b/drivers/iio/adc/foo.c
    @@ -50,3 +50,6 @@ static int foo_probe(struct platform_device *pdev)
     \tstruct foo *st;
     
    +\tif (!try_module_get(pdev->dev.driver->owner))
    +\t\treturn -ENODEV;
    +
     \tst = devm_kzalloc(&pdev->dev, sizeof(*st), GFP_KERNEL);
""")

# sound/soc/intel/catpt/device.c (6.12, lines 75-88): get + put at once, a liveness probe.
REAL_CATPT_PROBE = diff("""
    --- a/sound/soc/intel/catpt/device.c
    +++ b/sound/soc/intel/catpt/device.c
    @@ -75,8 +75,13 @@
     static int __maybe_unused catpt_resume(struct device *dev)
     {
     \tstruct catpt_dev *cdev = dev_get_drvdata(dev);
     \tint ret, i;
     
     \tret = catpt_dsp_power_up(cdev);
     \tif (ret)
     \t\treturn ret;
    +\tif (!try_module_get(dev->driver->owner)) {
    +\t\tdev_info(dev, "module unloading, skipping fw boot\\n");
    +\t\treturn 0;
    +\t}
    +\tmodule_put(dev->driver->owner);
""")

# An exported core API pinning the provider device's driver: not the caller's own.
CORE_EXPORTED = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -50,2 +50,4 @@ struct foo *foo_get(struct device *dev)
     {
    +\tif (!try_module_get(dev->driver->owner))
    +\t\treturn ERR_PTR(-ENODEV);
     \treturn dev_get_drvdata(dev);
""")

UNBIND_COMMENT = diff("""
    --- a/sound/hda/foo_component.c
    +++ b/sound/hda/foo_component.c
    @@ -50,2 +50,5 @@ static int foo_component_bind(struct device *dev)
     {
    +\t/* pin the module to avoid dynamic unbinding */
    +\tif (!try_module_get(acomp->ops->owner))
    +\t\treturn -ENODEV;
     \treturn 0;
""")


def test_fires_on_pin_of_own_driver():
    assert_fires(module_ref_for_unbind, OWN_DRIVER, at=[("drivers/iio/adc/foo.c", 52)])


def test_real_catpt_liveness_probe_is_low_confidence():
    assert_quiet(module_ref_for_unbind, REAL_CATPT_PROBE)
    assert_fires(module_ref_for_unbind, REAL_CATPT_PROBE, at=[("sound/soc/intel/catpt/device.c", 83)],
                 include_low=True)


def test_quiet_on_exported_core_get():
    assert_quiet(module_ref_for_unbind, CORE_EXPORTED, include_low=True)


def test_unbind_comment_is_low_confidence():
    assert_quiet(module_ref_for_unbind, UNBIND_COMMENT)
    assert_fires(module_ref_for_unbind, UNBIND_COMMENT, at=[("sound/hda/foo_component.c", 52)], include_low=True)


def test_fires_on_real_adi_axi_adc_reversal():
    assert_fires(module_ref_for_unbind, load_case(CASES / "adi-axi-adc-wrong-module-ref.patch"),
                 at=[("drivers/iio/adc/adi-axi-adc.c", 335)])


def test_quiet_on_real_adi_axi_adc_fix():
    assert_quiet(module_ref_for_unbind, load_case(CASES / "adi-axi-adc-wrong-module-ref.fix.patch"), include_low=True)


# A driver that cannot tear down (no .remove) loses its protection against sysfs unbind.
DROP_SUPPRESS = diff("""
    --- a/drivers/pinctrl/pinctrl-acme.c
    +++ b/drivers/pinctrl/pinctrl-acme.c
    @@ -900,8 +900,7 @@ static const struct of_device_id acme_pinctrl_of_match[] = {
     static struct platform_driver acme_pinctrl_driver = {
     \t.probe = acme_pinctrl_probe,
     \t.driver = {
     \t\t.name = "acme-pinctrl",
     \t\t.of_match_table = acme_pinctrl_of_match,
    -\t\t.suppress_bind_attrs = true,
     \t},
     };
""")

# The same removal together with a new .remove callback: the driver now supports unbind.
DROP_SUPPRESS_WITH_REMOVE = diff("""
    --- a/drivers/pinctrl/pinctrl-acme.c
    +++ b/drivers/pinctrl/pinctrl-acme.c
    @@ -900,8 +900,8 @@ static const struct of_device_id acme_pinctrl_of_match[] = {
     static struct platform_driver acme_pinctrl_driver = {
     \t.probe = acme_pinctrl_probe,
    +\t.remove = acme_pinctrl_remove,
     \t.driver = {
     \t\t.name = "acme-pinctrl",
     \t\t.of_match_table = acme_pinctrl_of_match,
    -\t\t.suppress_bind_attrs = true,
     \t},
     };
""")

DROP_LINK = diff("""
    --- a/drivers/soc/acme/acme-consumer.c
    +++ b/drivers/soc/acme/acme-consumer.c
    @@ -60,8 +60,5 @@ static int acme_consumer_attach(struct acme_consumer *c, struct device *supplier)
     \tif (!try_module_get(supplier->driver->owner))
     \t\treturn -EPROBE_DEFER;
    -\tc->link = device_link_add(c->dev, supplier, DL_FLAG_AUTOREMOVE_CONSUMER);
    -\tif (!c->link)
    -\t\treturn -EINVAL;
     \tc->supplier = supplier;
     \treturn 0;
     }
""")


def test_fires_when_unbind_protection_is_removed():
    assert_fires(module_ref_for_unbind, DROP_SUPPRESS, at=[("drivers/pinctrl/pinctrl-acme.c", 905, "old")])
    assert_fires(module_ref_for_unbind, DROP_LINK, at=[("drivers/soc/acme/acme-consumer.c", 62, "old")])


def test_quiet_when_the_driver_gains_a_remove_or_the_link_stays():
    assert_quiet(module_ref_for_unbind, DROP_SUPPRESS_WITH_REMOVE, include_low=True)
    moved = diff("""
        --- a/drivers/soc/acme/acme-consumer.c
        +++ b/drivers/soc/acme/acme-consumer.c
        @@ -60,5 +60,5 @@ static int acme_consumer_attach(struct acme_consumer *c, struct device *supplier)
         \tif (!try_module_get(supplier->driver->owner))
         \t\treturn -EPROBE_DEFER;
        -\tc->link = device_link_add(c->dev, supplier, DL_FLAG_AUTOREMOVE_CONSUMER);
        +\tc->link = device_link_add(c->dev, supplier, DL_FLAG_AUTOREMOVE_CONSUMER | DL_FLAG_PM_RUNTIME);
         \tc->supplier = supplier;
         \treturn 0;
    """)
    assert_quiet(module_ref_for_unbind, moved, include_low=True)


# drivers/base/firmware_loader/main.c (6.12, request_firmware_nowait()) paraphrased: the
# reference on the device the work item uses becomes a pin on the device's driver.  The work
# still runs on fw_work->device after an unbind freed its driver data (or the device).
DEVICE_REF_TO_MODULE_REF = diff("""
    --- a/drivers/base/firmware_loader/main.c
    +++ b/drivers/base/firmware_loader/main.c
    @@ -1242,7 +1242,7 @@ _request_firmware_nowait(
     \t\treturn -EFAULT;
     \t}
     
    -\tget_device(fw_work->device);
    +\t__module_get(fw_work->device->driver->owner);
     \tINIT_WORK(&fw_work->work, request_firmware_work_func);
     \tschedule_work(&fw_work->work);
     \treturn 0;
""")


def test_fires_when_a_module_reference_replaces_a_device_reference():
    assert_fires(module_ref_for_unbind, DEVICE_REF_TO_MODULE_REF,
                 at=[("drivers/base/firmware_loader/main.c", 1245)])


def test_quiet_on_the_fix_and_on_taking_both_references():
    fix = diff("""
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
    """)
    assert_quiet(module_ref_for_unbind, fix, include_low=True)
    both = diff("""
        --- a/drivers/base/firmware_loader/main.c
        +++ b/drivers/base/firmware_loader/main.c
        @@ -1242,7 +1242,8 @@ _request_firmware_nowait(
         \t\treturn -EFAULT;
         \t}
         
        -\tget_device(fw_work->device);
        +\t__module_get(fw_work->device->driver->owner);
        +\tget_device(fw_work->device);
         \tINIT_WORK(&fw_work->work, request_firmware_work_func);
         \tschedule_work(&fw_work->work);
         \treturn 0;
    """)
    assert_quiet(module_ref_for_unbind, both, include_low=True)


# drivers/memory/tegra/tegra20-emc.c (6.12) paraphrased: a driver with a .remove callback
# swaps `.suppress_bind_attrs = true` for a module pin taken in probe.  The pin stops rmmod;
# `echo ... > unbind` still tears the device down under its users.
BIND_ATTRS_FOR_PIN = diff("""
    --- a/drivers/memory/tegra/tegra20-emc.c
    +++ b/drivers/memory/tegra/tegra20-emc.c
    @@ -1244,5 +1244,7 @@ static int tegra_emc_probe(struct platform_device *pdev)
     \ttegra_emc_devfreq_init(emc);
     
    +\t__module_get(THIS_MODULE);
    +
     \treturn 0;
     }
     
    @@ -1262,9 +1264,8 @@ MODULE_DEVICE_TABLE(of, tegra_emc_of_match);
     static struct platform_driver tegra_emc_driver = {
     \t.probe = tegra_emc_probe,
     \t.remove = tegra_emc_remove,
     \t.driver = {
     \t\t.name = "tegra20-emc",
     \t\t.of_match_table = tegra_emc_of_match,
    -\t\t.suppress_bind_attrs = true,
     \t\t.sync_state = icc_sync_state,
     \t},
""")


def test_fires_when_bind_attrs_are_traded_for_a_module_pin():
    assert_fires(module_ref_for_unbind, BIND_ATTRS_FOR_PIN,
                 at=[("drivers/memory/tegra/tegra20-emc.c", 1268, "old")])


def test_quiet_when_a_driver_with_remove_drops_bind_attrs_alone():
    only = diff("""
        --- a/drivers/memory/tegra/tegra20-emc.c
        +++ b/drivers/memory/tegra/tegra20-emc.c
        @@ -1262,9 +1262,8 @@ MODULE_DEVICE_TABLE(of, tegra_emc_of_match);
         static struct platform_driver tegra_emc_driver = {
         \t.probe = tegra_emc_probe,
         \t.remove = tegra_emc_remove,
         \t.driver = {
         \t\t.name = "tegra20-emc",
         \t\t.of_match_table = tegra_emc_of_match,
        -\t\t.suppress_bind_attrs = true,
         \t\t.sync_state = icc_sync_state,
         \t},
    """)
    assert_quiet(module_ref_for_unbind, only, include_low=True)


# drivers/media/pci/cx23885/cx23885-dvb.c (6.12, lines 1831-1839): the client's driver is
# checked before its owner is pinned; the reversal drops the check.
DROP_BOUND_CHECK = diff("""
    --- a/drivers/media/pci/cx23885/cx23885-dvb.c
    +++ b/drivers/media/pci/cx23885/cx23885-dvb.c
    @@ -1831,8 +1831,6 @@ static int dvb_register(struct cx23885_tsport *port)
     \t\t\tclient_demod = i2c_new_client_device(&i2c_bus->i2c_adap, &info);
     \t\t\tif (!i2c_client_has_driver(client_demod))
     \t\t\t\tgoto frontend_detach;
    -\t\t\tif (!i2c_client_has_driver(client_sec))
    -\t\t\t\tgoto frontend_detach;
     \t\t\tif (!try_module_get(client_sec->dev.driver->owner)) {
     \t\t\t\ti2c_unregister_device(client_sec);
     \t\t\t\tgoto frontend_detach;
""")

DROP_DRIVER_NULL_TEST = diff("""
    --- a/drivers/media/usb/foo/foo.c
    +++ b/drivers/media/usb/foo/foo.c
    @@ -100,7 +100,7 @@ static int foo_tuner_attach(struct foo *foo)
     \tclient = i2c_new_client_device(adap, &info);
    -\tif (client == NULL || client->dev.driver == NULL)
    +\tif (client == NULL)
     \t\treturn -ENODEV;
     \tif (!try_module_get(client->dev.driver->owner)) {
     \t\ti2c_unregister_device(client);
     \t\treturn -ENODEV;
     \t}
""")

# The check rewritten with the helper: not dropped.
REWRITTEN_BOUND_CHECK = diff("""
    --- a/drivers/media/usb/foo/foo.c
    +++ b/drivers/media/usb/foo/foo.c
    @@ -100,7 +100,7 @@ static int foo_tuner_attach(struct foo *foo)
     \tclient = i2c_new_client_device(adap, &info);
    -\tif (client == NULL || client->dev.driver == NULL)
    +\tif (!i2c_client_has_driver(client))
     \t\treturn -ENODEV;
     \tif (!try_module_get(client->dev.driver->owner)) {
     \t\ti2c_unregister_device(client);
     \t\treturn -ENODEV;
     \t}
""")

# A bus remove() callback losing a redundant dev->driver test, with no module owner read.
DROP_REDUNDANT_TEST = diff("""
    --- a/drivers/foo/bus.c
    +++ b/drivers/foo/bus.c
    @@ -100,5 +100,5 @@ static void foo_bus_remove(struct device *dev)
     \tstruct foo_driver *drv = to_foo_driver(dev->driver);
     
    -\tif (dev->driver && drv->remove)
    +\tif (drv->remove)
     \t\tdrv->remove(to_foo_device(dev));
     }
""")


def test_fires_when_the_bound_check_before_driver_owner_goes():
    assert_fires(module_ref_for_unbind, DROP_BOUND_CHECK,
                 at=[("drivers/media/pci/cx23885/cx23885-dvb.c", 1834, "old")])
    assert_fires(module_ref_for_unbind, DROP_DRIVER_NULL_TEST, at=[("drivers/media/usb/foo/foo.c", 101, "old")])


def test_quiet_when_the_bound_check_is_rewritten_or_no_owner_is_read():
    assert_quiet(module_ref_for_unbind, REWRITTEN_BOUND_CHECK, include_low=True)
    assert_quiet(module_ref_for_unbind, DROP_REDUNDANT_TEST, include_low=True)


# drivers/char/foo.c: open() pinned the device; the reversal pins its own module instead.
THIS_MODULE_FOR_DEVICE = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -60,6 +60,6 @@ static int foo_open(struct inode *inode, struct file *file)
     \tstruct foo_dev *foo = container_of(inode->i_cdev, struct foo_dev, cdev);
     
    -\tget_device(&foo->dev);
    +\t__module_get(THIS_MODULE);
     \tfile->private_data = foo;
     \treturn 0;
     }
""")


def test_fires_when_own_module_pin_replaces_device_reference():
    assert_fires(module_ref_for_unbind, THIS_MODULE_FOR_DEVICE, at=[("drivers/char/foo.c", 62)])


# A paraphrase of the remoteproc lookup (drivers/remoteproc/remoteproc_core.c,
# rproc_get_by_phandle()) before it learned about clusters: the module of the rproc's PARENT
# device's driver is pinned with no test that the parent is bound at all.
PARENT_PIN = diff("""
    --- a/drivers/remoteproc/foo_core.c
    +++ b/drivers/remoteproc/foo_core.c
    @@ -40,9 +40,6 @@ struct foo_proc *foo_get_by_node(struct device_node *np)
     \tlist_for_each_entry(r, &foo_list, node) {
     \t\tif (r->dev.parent && device_match_of_node(r->dev.parent, np)) {
    -\t\t\tdriver = r->dev.parent->driver;
    -\t\t\tif (!driver)
    -\t\t\t\tbreak;
    -\t\t\tif (!try_module_get(driver->owner)) {
    +\t\t\tif (!try_module_get(r->dev.parent->driver->owner)) {
     \t\t\t\tdev_err(&r->dev, "can't get owner\\n");
     \t\t\t\tbreak;
     \t\t\t}
""")

# The same through a local, as coresight_get_ref() reads it (drivers/hwtracing/coresight/
# coresight-core.c: `dev = csdev->dev.parent; try_module_get(dev->driver->owner)`), of a
# device found by a lookup.
PARENT_PIN_LOCAL = diff("""
    --- a/drivers/hwtracing/foo/foo-core.c
    +++ b/drivers/hwtracing/foo/foo-core.c
    @@ -540,4 +540,7 @@ static inline bool foo_get_ref(struct fwnode_handle *fwnode)
     {
     \tstruct device *dev = foo_find_by_fwnode(fwnode)->dev.parent;
     
    +\tif (!try_module_get(dev->driver->owner))
    +\t\treturn false;
    +
     \tget_device(dev);
""")

# The fix's shape: the parent's driver read into a variable that is tested first.
PARENT_TESTED = diff("""
    --- a/drivers/hwtracing/foo/foo-core.c
    +++ b/drivers/hwtracing/foo/foo-core.c
    @@ -540,4 +540,7 @@ static inline bool foo_get_ref(struct fwnode_handle *fwnode)
     {
     \tstruct device *dev = foo_find_by_fwnode(fwnode)->dev.parent;
     
    +\tif (!dev->driver || !try_module_get(dev->driver->owner))
    +\t\treturn false;
    +
     \tget_device(dev);
""")

# A module get replacing the device link that kept the supplier bound before the consumer
# (the shape device_link_add() replaced in drivers/pwm/core.c, of_pwm_get()).
LINK_TO_PIN = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -120,8 +120,6 @@ struct foo_chan *foo_request(struct device *dev, struct foo_chip *chip)
     \tstruct foo_chan *chan = &chip->chans[0];
    -\tstruct device_link *link;
     
    -\tlink = device_link_add(dev, chip->dev, DL_FLAG_AUTOREMOVE_CONSUMER);
    -\tif (!link)
    +\tif (!try_module_get(chip->ops->owner))
     \t\treturn ERR_PTR(-EINVAL);
     
     \treturn chan;
""")

LINK_KEPT = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -120,7 +120,9 @@ struct foo_chan *foo_request(struct device *dev, struct foo_chip *chip)
     \tstruct foo_chan *chan = &chip->chans[0];
     
     \tlink = device_link_add(dev, chip->dev, DL_FLAG_AUTOREMOVE_CONSUMER);
     \tif (!link)
     \t\treturn ERR_PTR(-EINVAL);
    +\tif (!try_module_get(chip->ops->owner))
    +\t\treturn ERR_PTR(-ENODEV);
     
     \treturn chan;
""")


def test_fires_on_pin_of_parent_driver():
    assert_fires(module_ref_for_unbind, PARENT_PIN, at=[("drivers/remoteproc/foo_core.c", 42)])


def test_fires_on_pin_of_parent_driver_through_a_local():
    assert_fires(module_ref_for_unbind, PARENT_PIN_LOCAL, at=[("drivers/hwtracing/foo/foo-core.c", 543)])


def test_quiet_when_parent_is_tested_bound():
    assert_quiet(module_ref_for_unbind, PARENT_TESTED, include_low=True)


# remoteproc_sysfs.c state_store() (the "Fix unbalanced boot with sysfs" patch): the parent of
# the device whose sysfs attribute runs, which its bound driver registered.
PARENT_OF_CALLBACK_DEVICE = diff("""
    --- a/drivers/remoteproc/remoteproc_sysfs.c
    +++ b/drivers/remoteproc/remoteproc_sysfs.c
    @@ -228,4 +228,7 @@ static ssize_t state_store(struct device *dev,
     \t\tif (rproc->state == RPROC_RUNNING)
     \t\t\treturn -EBUSY;
     
    +\t\tif (!rproc->auto_boot && !try_module_get(dev->parent->driver->owner))
    +\t\t\treturn -EINVAL;
    +
     \t\tret = rproc_boot(rproc);
""")


def test_quiet_on_parent_of_the_callback_device():
    assert_quiet(module_ref_for_unbind, PARENT_OF_CALLBACK_DEVICE)


def test_fires_on_pin_replacing_device_link():
    assert_fires(module_ref_for_unbind, LINK_TO_PIN, at=[("drivers/foo/core.c", 122),
                                                         ("drivers/foo/core.c", 123, "old")])


# The link goes from probe, the pin comes in another function of the patch.
LINK_TO_PIN_ELSEWHERE = diff("""
    --- a/drivers/foo/consumer.c
    +++ b/drivers/foo/consumer.c
    @@ -60,5 +60,3 @@ static int foo_probe(struct platform_device *pdev)
     	priv->sup = sup;
    -	if (!device_link_add(&pdev->dev, sup->dev, DL_FLAG_AUTOREMOVE_CONSUMER))
    -		return -EINVAL;
     
     	return 0;
    @@ -90,3 +88,5 @@ static int foo_open(struct inode *inode, struct file *file)
     	struct foo_priv *priv = container_of(inode->i_cdev, struct foo_priv, cdev);
     
    +	if (!try_module_get(priv->sup->ops->owner))
    +		return -ENODEV;
     	return foo_sup_start(priv->sup);
""")


def test_fires_on_pin_replacing_device_link_of_another_function():
    assert_fires(module_ref_for_unbind, LINK_TO_PIN_ELSEWHERE, at=[("drivers/foo/consumer.c", 61, "old"),
                                                                   ("drivers/foo/consumer.c", 90)])


def test_quiet_on_pin_next_to_kept_link():
    assert_quiet(module_ref_for_unbind, LINK_KEPT, include_low=True)
