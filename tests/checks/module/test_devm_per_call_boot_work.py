"""MOD015: a devm set-up in a work handler whose work item is queued only by probe runs once
per binding (drivers/mfd/cs42l43.c of 6.12: cs42l43_boot_work() adds the MFD children with
devm_mfd_add_devices(); new-driver seed 157).  Queued again from resume, it runs per resume."""

from reviewbot.checks.module import devm_lifetime
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

BOOT = """
static void foo_boot_work(struct work_struct *work)
{
\tstruct foo *foo = container_of(work, struct foo, boot_work);
\tint ret;

\tret = foo_mcu_update(foo);
\tif (ret)
\t\tgoto err;

\tret = devm_mfd_add_devices(foo->dev, PLATFORM_DEVID_NONE,
\t\t\t\t   foo_devs, ARRAY_SIZE(foo_devs),
\t\t\t\t   NULL, 0, NULL);
\tif (ret) {
\t\tdev_err(foo->dev, "Failed to add subdevices: %d\\n", ret);
\t\tgoto err;
\t}
\treturn;

err:
\tfoo_dev_remove(foo);
}

int foo_dev_probe(struct foo *foo)
{
\tINIT_WORK(&foo->boot_work, foo_boot_work);
\tqueue_work(system_long_wq, &foo->boot_work);
\treturn 0;
}

static int foo_resume(struct device *dev)
{
\treturn foo_power_up(dev_get_drvdata(dev));
}
"""

PATH = "drivers/mfd/foo.c"


def test_quiet_when_only_probe_queues_the_work():
    assert_quiet(devm_lifetime, new_file(PATH, BOOT))


def test_fires_when_resume_queues_it_too():
    code = BOOT.replace("\treturn foo_power_up(dev_get_drvdata(dev));",
                        "\tstruct foo *foo = dev_get_drvdata(dev);\n\n"
                        "\tqueue_work(system_long_wq, &foo->boot_work);\n\treturn 0;")
    assert_fires(devm_lifetime, new_file(PATH, code), at=[(PATH, _at(code, "devm_mfd_add_devices"))])
