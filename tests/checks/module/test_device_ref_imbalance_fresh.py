"""MOD019 on drivers posted as new files (fresh new-driver seeds, hunk mode)."""

from reviewbot.checks.module import device_ref_imbalance
from tests.checks.module.test_device_ref_imbalance import _new_file
from tests.helpers import assert_fires, assert_quiet

# drivers/media/pci/solo6x10/solo6x10-core.c (6.12): the release is set through a local pointer
# to the embedded device and is empty, so kfree() after device_unregister() is the only free
# (MOD021 reports the empty release, the real problem).
SOLO_FILE = """\
static void foo_device_release(struct device *dev)
{
\t/* Do nothing */
}

static int foo_sysfs_init(struct foo_dev *foo)
{
\tstruct device *dev = &foo->dev;

\tdev->release = foo_device_release;
\tdev->parent = &foo->pdev->dev;
\tif (device_register(dev)) {
\t\tput_device(dev);
\t\treturn -ENOMEM;
\t}
\treturn 0;
}

static void free_foo_dev(struct foo_dev *foo)
{
\tif (foo->dev.parent)
\t\tdevice_unregister(&foo->dev);
\tpci_disable_device(foo->pdev);
\tkfree(foo);
}
"""


def test_quiet_on_kfree_after_unregister_when_the_release_set_through_a_local_frees_nothing():
    assert_quiet(device_ref_imbalance, _new_file(SOLO_FILE))


def test_fires_when_the_release_set_through_a_local_frees_the_container():
    text = SOLO_FILE.replace("\t/* Do nothing */\n", "\tkfree(container_of(dev, struct foo_dev, dev));\n")
    assert_fires(device_ref_imbalance, _new_file(text), at=[("drivers/usb/foo.c", text.splitlines().index("\tkfree(foo);") + 1)])


# drivers/firmware/dmi-sysfs.c (6.12, dmi_system_event_log()): kfree() of a kobject that
# kobject_init_and_add() set up; its ktype's release frees it, so the fix is kobject_put().
DMI_FILE = """\
static int foo_event_log(struct foo_entry *entry)
{
\tint ret;

\tentry->child = kzalloc(sizeof(*entry->child), GFP_KERNEL);
\tif (!entry->child)
\t\treturn -ENOMEM;
\tret = kobject_init_and_add(entry->child, &foo_event_log_ktype, &entry->kobj, "event_log");
\tif (ret)
\t\tgoto out_free;
\treturn 0;

out_free:
\tkfree(entry->child);
\treturn ret;
}
"""


def test_kfree_after_kobject_init_names_kobject_put():
    from tests.helpers import run_rule
    series = _new_file(DMI_FILE)
    assert_fires(device_ref_imbalance, series, at=[("drivers/usb/foo.c", 14)])
    (f,) = run_rule(device_ref_imbalance, series).findings
    assert f.message.endswith("release it with kobject_put()")
