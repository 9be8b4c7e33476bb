"""MOD019: a bus remove() that drops the reference its probe() took on the same object
(drivers/rapidio/rio-driver.c of 6.12, fresh new-driver seed 23)."""

from reviewbot.checks.module import device_ref_imbalance
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

RIO = """
static int foo_device_probe(struct device *dev)
{
\tstruct foo_driver *fdrv = to_foo_driver(dev->driver);
\tstruct foo_dev *fdev = to_foo_dev(dev);
\tint error = -ENODEV;

\tif (!fdev->driver && fdrv->probe) {
\t\tfoo_dev_get(fdev);
\t\terror = fdrv->probe(fdev);
\t\tif (error >= 0) {
\t\t\tfdev->driver = fdrv;
\t\t\terror = 0;
\t\t} else
\t\t\tfoo_dev_put(fdev);
\t}
\treturn error;
}

static void foo_device_remove(struct device *dev)
{
\tstruct foo_dev *fdev = to_foo_dev(dev);
\tstruct foo_driver *fdrv = fdev->driver;

\tif (fdrv) {
\t\tif (fdrv->remove)
\t\t\tfdrv->remove(fdev);
\t\tfdev->driver = NULL;
\t}

\tfoo_dev_put(fdev);
}
"""


def test_quiet_when_the_probe_sibling_takes_what_remove_drops():
    code = RIO.replace("foo_dev_get(fdev)", "get_device(&fdev->dev)").replace("foo_dev_put(fdev)", "put_device(&fdev->dev)")
    assert_quiet(device_ref_imbalance, new_file("drivers/foo/foo-driver.c", code))


def test_fires_when_no_sibling_takes_it():
    code = RIO.replace("\t\tfoo_dev_get(fdev);\n", "").replace("\t\t} else\n\t\t\tfoo_dev_put(fdev);\n", "\t\t}\n")
    code = code.replace("foo_dev_put(fdev)", "put_device(&fdev->dev)")
    series = new_file("drivers/foo/foo-driver.c", code)
    assert_fires(device_ref_imbalance, series, at=[("drivers/foo/foo-driver.c", _at(code, "put_device(&fdev->dev)"))])
