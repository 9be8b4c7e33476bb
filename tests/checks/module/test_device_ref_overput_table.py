"""MOD019: the put after erasing an object from a table that was given a reference for it
(drivers/firewire/core-device.c of 6.12, fw_device_shutdown(); fresh new-driver seed 4096)."""

from reviewbot.checks.module import device_ref_imbalance
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

FW = """
static void foo_device_shutdown(struct work_struct *work)
{
\tstruct foo_device *device = container_of(work, struct foo_device, work);

\tdevice_unregister(&device->device);

\txa_erase(&foo_device_xa, MINOR(device->device.devt));

\tput_device(&device->device);
}

static void foo_device_init(struct foo_device *device)
{
\tu32 minor;
\tint ret;

\tdevice_initialize(&device->device);

\tget_device(&device->device);
\tret = xa_alloc(&foo_device_xa, &minor, device, XA_LIMIT(0, MINORMASK), GFP_KERNEL);
\tif (ret < 0)
\t\tgoto error;

\tif (device_add(&device->device))
\t\tgoto error_with_xa;
\treturn;

error_with_xa:
\txa_erase(&foo_device_xa, minor);
error:
\tput_device(&device->device);
\tput_device(&device->device);
}
"""


def test_quiet_when_the_erased_table_held_a_reference():
    assert_quiet(device_ref_imbalance, new_file("drivers/foo/foo.c", FW))


def test_fires_when_the_table_was_given_no_reference():
    code = FW.replace("\tget_device(&device->device);\n\tret = xa_alloc", "\tret = xa_alloc")
    code = code.replace("\tput_device(&device->device);\n\tput_device(&device->device);\n}", "\tput_device(&device->device);\n}")
    lines = code.strip("\n").splitlines()
    assert_fires(device_ref_imbalance, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "device_unregister(&device->device);")),
                     ("drivers/foo/foo.c", next(i for i, ln in enumerate(lines, 1) if "put_device(&device->device);" in ln))])
