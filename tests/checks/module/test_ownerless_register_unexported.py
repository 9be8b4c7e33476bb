"""MOD008: a `*_register()` defined by a new .c file that does not export it is module-internal:
no other provider module calls it, so there is nothing to pin (drivers/scsi/fnic/vnic_dev.c of
6.12, vnic_dev_register(): a constructor of fnic's own `struct vnic_dev`; new-driver seed 151)."""

from reviewbot.checks.module import ownerless_register_api
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

VDEV = """
struct foo_vdev {
\tvoid *priv;
\tstruct pci_dev *pdev;
\tint (*devcmd_rtn)(struct foo_vdev *vdev, int wait);
};

void foo_vdev_unregister(struct foo_vdev *vdev)
{
\tkfree(vdev);
}

struct foo_vdev *foo_vdev_register(struct foo_vdev *vdev,
\tvoid *priv, struct pci_dev *pdev)
{
\tif (!vdev) {
\t\tvdev = kzalloc(sizeof(struct foo_vdev), GFP_KERNEL);
\t\tif (!vdev)
\t\t\treturn NULL;
\t}
\tvdev->priv = priv;
\tvdev->pdev = pdev;
\treturn vdev;
}
"""

PATH = "drivers/scsi/foo/foo_vdev.c"


def test_quiet_when_the_new_file_does_not_export_its_register_function():
    assert_quiet(ownerless_register_api, new_file(PATH, VDEV))


def test_fires_when_the_new_file_exports_it():
    exported = VDEV + "EXPORT_SYMBOL_GPL(foo_vdev_register);\n"
    assert_fires(ownerless_register_api, new_file(PATH, exported), at=[(PATH, _at(VDEV, "*foo_vdev_register("))])
