from reviewbot.checks.module import register_time_pin
from tests.helpers import assert_fires, assert_quiet, diff

# The shape fpga's core had before 4d4d2d434685 moved the pin to __fpga_mgr_get().
REGISTER_PIN = diff("""
    --- a/drivers/fpga/foo-core.c
    +++ b/drivers/fpga/foo-core.c
    @@ -40,3 +40,5 @@ int foo_mgr_register(struct foo_mgr *mgr)
     {
    +\tif (!try_module_get(mgr->dev.parent->driver->owner))
    +\t\treturn -ENODEV;
     \treturn device_add(&mgr->dev);
     }
    @@ -60,3 +62,4 @@ void foo_mgr_unregister(struct foo_mgr *mgr)
     {
     \tdevice_unregister(&mgr->dev);
    +\tmodule_put(mgr->dev.parent->driver->owner);
     }
""")

# Per-use pin: get()/put() pair, the fix.
PER_USE_PIN = diff("""
    --- a/drivers/fpga/foo-core.c
    +++ b/drivers/fpga/foo-core.c
    @@ -40,3 +40,5 @@ static struct foo_mgr *__foo_mgr_get(struct device *dev)
     {
    +\tif (!try_module_get(mgr->mops_owner))
    +\t\treturn ERR_PTR(-ENODEV);
     \treturn mgr;
     }
    @@ -60,3 +62,4 @@ void foo_mgr_put(struct foo_mgr *mgr)
     {
     \tput_device(&mgr->dev);
    +\tmodule_put(mgr->mops_owner);
     }
""")

# Probe/remove pin: an unbind drops it (MOD009's known false-positive trap).
PROBE_PIN = diff("""
    --- a/drivers/media/usb/foo/foo-dvb.c
    +++ b/drivers/media/usb/foo/foo-dvb.c
    @@ -40,3 +40,5 @@ static int foo_dvb_probe(struct usb_interface *intf)
     {
    +\tif (!try_module_get(client->dev.driver->owner))
    +\t\treturn -ENODEV;
     \treturn 0;
     }
    @@ -60,3 +62,4 @@ static void foo_dvb_remove(struct usb_interface *intf)
     {
     \ti2c_unregister_device(client);
    +\tmodule_put(client->dev.driver->owner);
     }
""")


def test_fires_on_pin_held_from_register_to_unregister():
    assert_fires(register_time_pin, REGISTER_PIN, at=[("drivers/fpga/foo-core.c", 41)])


def test_quiet_on_per_use_pin():
    assert_quiet(register_time_pin, PER_USE_PIN, include_low=True)


def test_quiet_on_probe_remove_pin():
    assert_quiet(register_time_pin, PROBE_PIN, include_low=True)


# drivers/cpuidle/cpuidle.c (6.12, lines 606-613 and 630-643): the core pins drv->owner at
# register, as a patch that introduces it would add it.
REAL_CPUIDLE = diff("""
    --- a/drivers/cpuidle/cpuidle.c
    +++ b/drivers/cpuidle/cpuidle.c
    @@ -606,8 +606,9 @@ EXPORT_SYMBOL_GPL(cpuidle_disable_device);
     static void __cpuidle_unregister_device(struct cpuidle_device *dev)
     {
     \tstruct cpuidle_driver *drv = cpuidle_get_cpu_driver(dev);
     
     \tlist_del(&dev->device_list);
     \tper_cpu(cpuidle_devices, dev->cpu) = NULL;
    +\tmodule_put(drv->owner);
     
     \tdev->registered = 0;
    @@ -630,11 +631,14 @@ static void __cpuidle_device_init(struct cpuidle_device *dev)
      */
     static int __cpuidle_register_device(struct cpuidle_device *dev)
     {
     \tstruct cpuidle_driver *drv = cpuidle_get_cpu_driver(dev);
     \tunsigned int cpu = dev->cpu;
     \tint i, ret;
     
     \tif (per_cpu(cpuidle_devices, cpu)) {
     \t\tpr_info("CPU%d: cpuidle device already registered\\n", cpu);
     \t\treturn -EEXIST;
     \t}
    +
    +\tif (!try_module_get(drv->owner))
    +\t\treturn -EINVAL;
""")


def test_fires_on_real_cpuidle_register_pin():
    assert_fires(register_time_pin, REAL_CPUIDLE, at=[("drivers/cpuidle/cpuidle.c", 643)])


CPUIDLE_OWNER = diff("""
    --- a/drivers/cpuidle/cpuidle-foo.c
    +++ b/drivers/cpuidle/cpuidle-foo.c
    @@ -50,3 +50,4 @@ static int foo_enter(struct cpuidle_device *dev, struct cpuidle_driver *drv, int i)
     static struct cpuidle_driver foo_idle_driver = {
     \t.name = "foo_idle",
    +\t.owner = THIS_MODULE,
     \t.states = {
""")

FOPS_OWNER = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -50,3 +50,4 @@ static int foo_open(struct inode *inode, struct file *file)
     static const struct file_operations foo_fops = {
     \t.open = foo_open,
    +\t.owner = THIS_MODULE,
     };
""")


def test_fires_on_owner_added_to_cpuidle_driver():
    assert_fires(register_time_pin, CPUIDLE_OWNER, at=[("drivers/cpuidle/cpuidle-foo.c", 52)])


def test_quiet_on_owner_added_to_fops():
    assert_quiet(register_time_pin, FOPS_OWNER, include_low=True)


def test_tree_mode_quiet_on_an_owner_of_a_built_in_only_file():
    from reviewbot.context import Context, FileFacts
    built_in = Context(mode="tree", facts={"drivers/cpuidle/cpuidle-foo.c": FileFacts(modular=False)})
    modular = Context(mode="tree", facts={"drivers/cpuidle/cpuidle-foo.c": FileFacts(modular=True)})
    assert_quiet(register_time_pin, CPUIDLE_OWNER, include_low=True, context_for=lambda p: built_in)
    assert_fires(register_time_pin, CPUIDLE_OWNER, at=[("drivers/cpuidle/cpuidle-foo.c", 52)],
                 context_for=lambda p: modular)


# drivers/media/usb/dvb-usb-v2/anysee.c (6.12, lines 649-667 and 697-700): the bridge creates
# the demodulator's I2C device and pins that device's driver until it deletes it again.
CONSUMER_PIN = diff("""
    --- a/drivers/media/usb/dvb-usb-v2/anysee.c
    +++ b/drivers/media/usb/dvb-usb-v2/anysee.c
    @@ -649,11 +649,18 @@ static int anysee_add_i2c_dev(struct dvb_usb_device *d, const char *type,
     \trequest_module("%s", board_info.type);
     
     \t/* register I2C device */
     \tclient = i2c_new_client_device(adapter, &board_info);
     \tif (!i2c_client_has_driver(client)) {
     \t\tret = -ENODEV;
     \t\tgoto err;
     \t}
    +
    +\t/* increase I2C driver usage count */
    +\tif (!try_module_get(client->dev.driver->owner)) {
    +\t\ti2c_unregister_device(client);
    +\t\tret = -ENODEV;
    +\t\tgoto err;
    +\t}
     
     \tstate->i2c_client[num] = client;
     \treturn 0;
    @@ -697,4 +704,7 @@ static void anysee_del_i2c_dev(struct dvb_usb_device *d)
     \tclient = state->i2c_client[num];
     
    +\t/* decrease I2C driver usage count */
    +\tmodule_put(client->dev.driver->owner);
    +
     \t/* unregister I2C device */
     \ti2c_unregister_device(client);
""")


def test_quiet_on_a_consumer_pinning_the_driver_of_a_device_it_created():
    assert_quiet(register_time_pin, CONSUMER_PIN, include_low=True)


# drivers/cpuidle/cpuidle-exynos.c (6.12) posted as a new file: `bool` in Kconfig, and the file
# registers with builtin_platform_driver(), so THIS_MODULE is NULL and nothing is pinned.
BUILTIN_CPUIDLE_TEXT = """
    --- /dev/null
    +++ b/drivers/cpuidle/cpuidle-foo.c
    @@ -0,0 +1,12 @@
    +static struct cpuidle_driver foo_idle_driver = {
    +\t.name = "foo_idle",
    +\t.owner = THIS_MODULE,
    +};
    +
    +static struct platform_driver foo_cpuidle_driver = {
    +\t.probe = foo_cpuidle_probe,
    +\t.driver = {
    +\t\t.name = "foo_cpuidle",
    +\t},
    +};
    +builtin_platform_driver(foo_cpuidle_driver);
"""


def test_quiet_on_owner_in_a_file_that_registers_built_in_only():
    assert_quiet(register_time_pin, diff(BUILTIN_CPUIDLE_TEXT), include_low=True)
    modular = diff(BUILTIN_CPUIDLE_TEXT.replace("builtin_platform_driver", "module_platform_driver"))
    assert_fires(register_time_pin, modular, at=[("drivers/cpuidle/cpuidle-foo.c", 3)])
