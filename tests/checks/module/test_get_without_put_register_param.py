"""MOD003's verdict on a Coccinelle "register fails, its error path does not release x" path:
the reference a failed registration leaves is its creator's (the init or alloc that made the
object).  A function given the object by its caller returns the error to that caller, whose
unwind drops it (fwnode_mdio.c fwnode_mdiobus_phy_device_register() of 6.12, paraphrased);
a function that made the object itself must drop it."""

from types import SimpleNamespace

from reviewbot.checks.module import get_without_put_on_exit
from reviewbot.context import Context, FileImages

PATH = "drivers/net/mdio/foo_mdio.c"

_TEXT = """#include <linux/phy.h>

int foo_mdio_phy_register(struct mii_bus *mdio, struct phy_device *phy, u32 addr)
{
\tint rc;
{make}
\tphy->irq = mdio->irq[addr];
\trc = phy_device_register(phy);
\tif (rc)
\t\treturn rc;

\treturn 0;
}
"""


def _stands(make: str) -> bool:
    text = _TEXT.replace("{make}", make).replace("\\t", "\t")
    lines = text.split("\n")
    get = next(i for i, ln in enumerate(lines, 1) if "phy_device_register(" in ln)
    m = SimpleNamespace(kind="register", path=PATH, get_line=get, exit_line=get + 2,
                        api="phy_device_register", obj="phy")
    ctx = Context(mode="tree", files={PATH: FileImages(pre=None, post=text)})
    return get_without_put_on_exit._cocci_leak_stands(ctx, {}, m)


def test_a_failed_registration_of_the_callers_object_is_the_callers_to_drop():
    assert not _stands("")
    # initialised here, but the caller's object: like device_register(), the caller puts after a
    # failure (register_virtio_device() of 6.12 says so in its kernel-doc)
    assert not _stands("\n\tdevice_initialize(&phy->mdio.dev);\n")


def test_a_failed_registration_of_an_object_the_function_made_stands():
    assert _stands("\n\tphy = phy_device_create(mdio, addr, 0, false, NULL);\n\tif (IS_ERR(phy))\n"
                   "\t\treturn PTR_ERR(phy);\n")


# xilinx-tpg.c xtpg_parse_of(): `ports` is put on no path; the Python path analysis reports
# it at its first leaking return, and the Coccinelle path at another exit is the same leak
_NEVER_PUT = """#include <linux/of.h>

static int foo_parse_of(struct device *dev)
{
\tstruct device_node *ports, *port;

\tports = of_get_child_by_name(dev->of_node, "ports");
\tif (!ports)
\t\tports = dev->of_node;
\tfor_each_child_of_node(ports, port) {
\t\tif (foo_bad(port)) {
\t\t\tof_node_put(port);
\t\t\treturn -EINVAL;
\t\t}
\t}
{put}\treturn 0;
}
"""


def _cocci_kept(put: str) -> bool:
    from reviewbot.model import Side
    text = _NEVER_PUT.replace("{put}", put).replace("\\t", "\t")
    ctx = Context(mode="tree", files={PATH: FileImages(pre=None, post=text)})
    rule = get_without_put_on_exit.RULE
    py = rule.finding(PATH, 13, "return leaks the reference from of_get_child_by_name() (ports)", side=Side.NEW)
    co = rule.finding(PATH, 16, "an exit path leaks the reference from of_get_child_by_name() (ports)", side=Side.NEW)
    return not get_without_put_on_exit._told_by_python(co, [py], ctx)


def test_a_never_dropped_reference_is_one_finding_with_both_engines():
    assert not _cocci_kept("")


def test_each_engine_keeps_its_exit_when_the_function_drops_it_elsewhere():
    assert _cocci_kept("\tif (foo_done(dev))\n\t\tof_node_put(ports);\n")


# drivers/base/platform.c platform_device_add() of 6.12 (new-driver seed 163): the device the
# caller made, through a local that names the parameter's member
_ALIAS = """#include <linux/platform_device.h>

int foo_device_add(struct platform_device *pdev)
{
\tstruct device *dev = {dev};
\tint ret;

\tdev->bus = &platform_bus_type;
\tret = device_add(dev);
\tif (ret)
\t\tgoto failed;

\treturn 0;

 failed:
\tida_free(&platform_devid_ida, pdev->id);
\treturn ret;
}
"""


def _alias_stands(dev: str) -> bool:
    text = _ALIAS.replace("{dev}", dev).replace("\\t", "\t")
    lines = text.split("\n")
    get = next(i for i, ln in enumerate(lines, 1) if "= device_add(" in ln)
    m = SimpleNamespace(kind="register", path=PATH, get_line=get, exit_line=len(lines) - 2,
                        api="device_add", obj="dev")
    ctx = Context(mode="tree", files={PATH: FileImages(pre=None, post=text)})
    return get_without_put_on_exit._cocci_leak_stands(ctx, {}, m)


def test_a_local_naming_the_parameters_device_is_the_callers_to_drop():
    assert not _alias_stands("&pdev->dev")
    assert _alias_stands("foo_make_device(pdev)")


# am65-cpsw-nuss.c am65_cpsw_nuss_probe() of 6.12 (new-driver seed 173): the node leaks through
# one `goto err_pm_clear`, which the path analysis reports; the path matcher's exit is the
# label's `return ret;`, reached from the get only through labels: the same leak
_LABELS = """#include <linux/of.h>

static int foo_probe(struct device *dev, struct foo *common)
{
\tstruct device_node *node;
\tint ret;

\tnode = of_get_child_by_name(dev->of_node, "mdio");
\tif (node && of_device_is_available(node)) {
\t\tif (!foo_create(node)) {
\t\t\tret = -ENODEV;
\t\t\tgoto err_pm_clear;
\t\t}
\t}
\tof_node_put(node);
{more}
\treturn 0;

err_pm_clear:
\tpm_runtime_disable(dev);
\treturn ret;
}
"""


def _labels_kept(more: str, fall_through: bool = False) -> bool:
    from reviewbot.model import Side
    text = _LABELS.replace("{more}", more).replace("\\t", "\t")
    if fall_through:
        text = text.replace("\treturn 0;\n", "")
    lines = text.split("\n")
    goto = next(i for i, ln in enumerate(lines, 1) if "goto err_pm_clear" in ln)
    ret = len(lines) - 2
    ctx = Context(mode="tree", files={PATH: FileImages(pre=None, post=text)})
    rule = get_without_put_on_exit.RULE
    py = rule.finding(PATH, goto, "goto err_pm_clear leaks the reference from of_get_child_by_name() (node)",
                      side=Side.NEW)
    co = rule.finding(PATH, ret, "an exit path leaks the reference from of_get_child_by_name() (node)",
                      side=Side.NEW)
    return not get_without_put_on_exit._told_by_python(co, [py], ctx)


def test_a_return_reached_only_through_labels_is_the_gotos_leak():
    assert not _labels_kept("")


def test_a_return_the_get_falls_through_to_keeps_its_own_finding():
    # the exit is not the labels' alone: the main flow falls into it as well
    assert _labels_kept("", fall_through=True)
