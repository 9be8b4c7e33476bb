"""MOD003: a local naming the got object's embedded member (`smi_com_dev = &smi_com_pdev->dev`)
stored through an out-parameter keeps the reference with it; the caller's teardown puts it
(drivers/memory/mtk-smi.c mtk_smi_device_link_common() of 6.12; new-driver seed 197)."""

from reviewbot.checks.module import get_without_put_on_exit
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

LINK = """
static int foo_device_link_common(struct device *dev, struct device **com_dev)
{
\tstruct platform_device *smi_com_pdev;
\tstruct device_node *smi_com_node;
\tstruct device *smi_com_dev;
\tstruct device_link *link;

\tsmi_com_node = of_parse_phandle(dev->of_node, "foo,smi", 0);
\tif (!smi_com_node)
\t\treturn -EINVAL;

\tsmi_com_pdev = of_find_device_by_node(smi_com_node);
\tof_node_put(smi_com_node);
\tif (smi_com_pdev) {
\t\tif (!platform_get_drvdata(smi_com_pdev)) {
\t\t\tput_device(&smi_com_pdev->dev);
\t\t\treturn -EPROBE_DEFER;
\t\t}
\t\tsmi_com_dev = &smi_com_pdev->dev;
\t\tlink = device_link_add(dev, smi_com_dev, DL_FLAG_PM_RUNTIME | DL_FLAG_STATELESS);
\t\tif (!link) {
\t\t\tput_device(&smi_com_pdev->dev);
\t\t\treturn -ENODEV;
\t\t}
\t\t*com_dev = smi_com_dev;
\t} else {
\t\treturn -EINVAL;
\t}
\treturn 0;
}
"""
PATH = "drivers/memory/foo-smi.c"


def test_quiet_when_a_local_naming_the_member_is_stored():
    assert_quiet(get_without_put_on_exit, new_file(PATH, LINK))


def test_fires_when_something_else_is_stored():
    code = LINK.replace("\t\t*com_dev = smi_com_dev;", "\t\t*com_dev = dev;")
    assert_fires(get_without_put_on_exit, new_file(PATH, code), at=[(PATH, _at(code, "\treturn 0;"))])
