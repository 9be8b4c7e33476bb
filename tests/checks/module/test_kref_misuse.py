from reviewbot.checks.module import kref_misuse
from tests.helpers import assert_fires, assert_quiet, diff

KFREE_RELEASE = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -30,2 +30,3 @@ void foo_put(struct foo *foo)
     {
    +\tkref_put(&foo->ref, (void (*)(struct kref *))kfree);
     }
""")

EMPTY_RELEASE = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -10,2 +10,6 @@
     
    +static void foo_dev_release(struct device *dev)
    +{
    +}
    +
     static int foo_probe(struct platform_device *pdev)
""")

IGNORED_GET = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -40,3 +40,2 @@ static struct foo *foo_lookup(int id)
     \tfoo = idr_find(&foo_idr, id);
    -\tif (foo && !kref_get_unless_zero(&foo->ref))
    -\t\tfoo = NULL;
    +\tkref_get_unless_zero(&foo->ref);
""")

# lib/kobject.c (linux-source-6.12): the release the kobject.rst asks for, with a container_of
# wrapper; adding it must stay quiet.
REAL_RELEASE = diff("""
    --- a/lib/kobject.c
    +++ b/lib/kobject.c
    @@ -740,2 +740,7 @@ EXPORT_SYMBOL(kobject_put);
     
    +static void dynamic_kobj_release(struct kobject *kobj)
    +{
    +\tpr_debug("(%p): %s\\n", kobj, __func__);
    +\tkfree(kobj);
    +}
     
""")

CHECKED_GET = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -40,2 +40,4 @@ static struct foo *foo_lookup(int id)
     \tfoo = idr_find(&foo_idr, id);
    +\tif (foo && !kref_get_unless_zero(&foo->ref))
    +\t\tfoo = NULL;
     \treturn foo;
""")


def test_fires_on_kfree_as_kref_release():
    assert_fires(kref_misuse, KFREE_RELEASE, at=[("drivers/foo/core.c", 31)])


def test_fires_on_empty_device_release():
    assert_fires(kref_misuse, EMPTY_RELEASE, at=[("drivers/foo/core.c", 11)])


def test_fires_on_ignored_kref_get_unless_zero():
    assert_fires(kref_misuse, IGNORED_GET, at=[("drivers/foo/core.c", 41)])


def test_quiet_on_real_kobject_release_from_6_12():
    assert_quiet(kref_misuse, REAL_RELEASE, include_low=True)


def test_quiet_on_checked_kref_get_unless_zero():
    assert_quiet(kref_misuse, CHECKED_GET, include_low=True)


# Paraphrases of 6.12 code (power_supply_core.c, amdgpu_pm.c): a release callback taken
# away from an object that stays refcounted.
DEV_RELEASE_GONE = """
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -210,6 +210,5 @@ static struct foo *foo_register(struct device *parent)
     \tdevice_initialize(&foo->dev);
     \tfoo->dev.parent = parent;
    -\tfoo->dev.release = foo_dev_release;
     \tfoo->dev.groups = foo_groups;
     \tdev_set_drvdata(&foo->dev, foo);
     \tret = dev_set_name(&foo->dev, "foo%d", id);
"""


def test_fires_on_a_removed_device_release():
    assert_fires(kref_misuse, diff(DEV_RELEASE_GONE), [("drivers/foo/core.c", 212, "old")])


def test_quiet_when_the_release_moves_to_the_device_type():
    assert_quiet(kref_misuse, diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -210,6 +210,6 @@ static struct foo *foo_register(struct device *parent)
     \tdevice_initialize(&foo->dev);
     \tfoo->dev.parent = parent;
    -\tfoo->dev.release = foo_dev_release;
    +\tfoo->dev.type = &foo_device_type;
     \tfoo->dev.groups = foo_groups;
     \tdev_set_drvdata(&foo->dev, foo);
     \tret = dev_set_name(&foo->dev, "foo%d", id);
    """), include_low=True)


def test_fires_on_a_removed_ktype_release_with_the_type_in_sight():
    assert_fires(kref_misuse, diff("""
    --- a/drivers/gpu/foo/foo_pm.c
    +++ b/drivers/gpu/foo/foo_pm.c
    @@ -4290,5 +4290,4 @@ static void od_kobj_release(struct kobject *kobj)
     static const struct kobj_type od_ktype = {
    -\t.release\t= od_kobj_release,
     \t.sysfs_ops\t= &kobj_sysfs_ops,
     };
     
    """), [("drivers/gpu/foo/foo_pm.c", 4291, "old")])


def test_quiet_on_a_removed_fops_release():
    assert_quiet(kref_misuse, diff("""
    --- a/drivers/foo/chr.c
    +++ b/drivers/foo/chr.c
    @@ -90,5 +90,4 @@ static int foo_open(struct inode *inode, struct file *file)
     static const struct file_operations foo_fops = {
     \t.open\t\t= foo_open,
    -\t.release\t= foo_release,
     \t.read\t\t= foo_read,
     };
    """), include_low=True)


RELEASE_NO_FREE = """
    --- a/drivers/power/foo/supply.c
    +++ b/drivers/power/foo/supply.c
    @@ -1267,7 +1267,6 @@ static void foo_supply_dev_release(struct device *dev)
     \tstruct foo_supply *psy = to_foo_supply(dev);
     
     \tdev_dbg(dev, "%s\\n", __func__);
    -\tkfree(psy);
     }
     
     int foo_supply_reg_notifier(struct notifier_block *nb)
"""


def test_fires_when_a_release_callback_stops_freeing():
    assert_fires(kref_misuse, diff(RELEASE_NO_FREE), [("drivers/power/foo/supply.c", 1270, "old")])


def test_quiet_when_the_free_becomes_kfree_rcu():
    assert_quiet(kref_misuse, diff("""
    --- a/drivers/power/foo/supply.c
    +++ b/drivers/power/foo/supply.c
    @@ -1267,7 +1267,7 @@ static void foo_supply_dev_release(struct device *dev)
     \tstruct foo_supply *psy = to_foo_supply(dev);
     
     \tdev_dbg(dev, "%s\\n", __func__);
    -\tkfree(psy);
    +\tkfree_rcu(psy, rcu);
     }
     
     int foo_supply_reg_notifier(struct notifier_block *nb)
    """), include_low=True)


def test_quiet_when_the_device_has_a_class_that_releases_it():
    assert_quiet(kref_misuse, diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -210,5 +210,4 @@ static struct foo *foo_register(struct device *parent)
     \tdevice_initialize(&foo->dev);
     \tfoo->dev.class = &foo_class;
    -\tfoo->dev.release = foo_dev_release;
     \tdev_set_drvdata(&foo->dev, foo);
     \tret = dev_set_name(&foo->dev, "foo%d", id);
    """), include_low=True)


# ucb1x00_release() / i2c_adapter_dev_release() (6.12) with a put of the released device added.
SELF_PUT = """
    --- a/drivers/mfd/foo-core.c
    +++ b/drivers/mfd/foo-core.c
    @@ -481,6 +481,7 @@ static int foo_detect_irq(struct foo *ucb)
     static void foo_release(struct device *dev)
     {
     \tstruct foo *ucb = classdev_to_foo(dev);
    +\tput_device(&ucb->dev);
     \tkfree(ucb);
     }
     
"""


def test_fires_on_a_put_of_the_released_object_in_its_release():
    assert_fires(kref_misuse, diff(SELF_PUT), [("drivers/mfd/foo-core.c", 484)])


def test_fires_on_a_kref_put_of_the_released_kref():
    assert_fires(kref_misuse, diff("""
    --- a/drivers/foo/obj.c
    +++ b/drivers/foo/obj.c
    @@ -60,5 +60,6 @@ static void foo_obj_release(struct kref *kref)
     \tstruct foo_obj *obj = container_of(kref, struct foo_obj, ref);
     
     \tlist_del(&obj->node);
    +\tkref_put(kref, foo_obj_release);
     \tkfree(obj);
     }
    """), [("drivers/foo/obj.c", 63)])


def test_quiet_on_a_put_of_the_parent_in_a_release():
    assert_quiet(kref_misuse, diff("""
    --- a/drivers/mfd/foo-core.c
    +++ b/drivers/mfd/foo-core.c
    @@ -481,6 +481,7 @@ static int foo_detect_irq(struct foo *ucb)
     static void foo_release(struct device *dev)
     {
     \tstruct foo *ucb = classdev_to_foo(dev);
    +\tput_device(dev->parent);
     \tkfree(ucb);
     }
     
    """), include_low=True)


def test_removing_the_self_put_is_quiet_for_every_rule():
    from reviewbot.checks.module import get_without_put_on_exit
    fix = SELF_PUT.replace("@@ -481,6 +481,7 @@", "@@ -481,7 +481,6 @@").replace("+\tput_device", "-\tput_device")
    assert_quiet(kref_misuse, diff(fix), include_low=True)
    assert_quiet(get_without_put_on_exit, diff(fix), include_low=True)


def test_fires_when_the_release_header_is_inside_the_hunk():
    # ucb1x00_release() (6.12): git names the function above it in the @@ line
    assert_fires(kref_misuse, diff("""
    --- a/drivers/mfd/foo-core.c
    +++ b/drivers/mfd/foo-core.c
    @@ -481,7 +481,6 @@ static int foo_detect_irq(struct foo *ucb)
     static void foo_release(struct device *dev)
     {
     \tstruct foo *ucb = classdev_to_foo(dev);
    -\tkfree(ucb);
     }
     
     static struct class foo_class = {
    """), [("drivers/mfd/foo-core.c", 484, "old")])


def test_quiet_when_the_release_stops_freeing_its_bare_parameter():
    # vpe-cmp.c's fix: the device is static, its release must not kfree() it
    assert_quiet(kref_misuse, diff("""
    --- a/arch/mips/kernel/foo-cmp.c
    +++ b/arch/mips/kernel/foo-cmp.c
    @@ -75,7 +75,6 @@ ATTRIBUTE_GROUPS(foo);
     
     static void foo_device_release(struct device *cd)
     {
    -\tkfree(cd);
     }
     
     static struct class foo_class = {
    """), include_low=True)
