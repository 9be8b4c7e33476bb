"""MOD019: an added of_node_put() of the node of the device a function reaches through a local
(`struct device *dev = vip->dev; struct device_node *np = dev->of_node;`), shape of 6.12's
tegra-video vip.c: the device holds that node; the function's only get of it comes after the
errors that jump to the put."""

from reviewbot.checks.module import device_ref_imbalance
from tests.helpers import assert_fires, assert_quiet, tree_case

PATH = "drivers/staging/media/foo/vip.c"
PRE = """\
static int foo_vip_channel_of_parse(struct foo_vip *vip)
{
\tstruct device *dev = vip->dev;
\tstruct device_node *np = dev->of_node;
\tstruct device_node *ep;
\tint err;

\tep = of_graph_get_endpoint_by_regs(np, 0, 0);
\tif (!ep) {
\t\terr = -EINVAL;
\t\treturn err;
\t}
\terr = foo_parse_endpoint(ep);
\tof_node_put(ep);
\tif (err)
\t\treturn err;

\tvip->chan.of_node = of_node_get(np);
\treturn 0;
}
"""
POST = PRE.replace("\t\terr = -EINVAL;\n\t\treturn err;", "\t\terr = -EINVAL;\n\t\tgoto err_node_put;").replace(
    "\tif (err)\n\t\treturn err;\n", "\tif (err)\n\t\tgoto err_node_put;\n").replace(
    "\treturn 0;\n}\n", "\treturn 0;\n\nerr_node_put:\n\tof_node_put(np);\n\treturn err;\n}\n")


def test_tree_mode_fires_on_put_of_the_local_devices_node():
    series, ctx = tree_case(PATH, PRE, POST)
    assert_fires(device_ref_imbalance, series, at=[(PATH, 22)], context_for=ctx)


def test_quiet_when_the_node_was_got_first():
    pre = PRE.replace("struct device_node *np = dev->of_node;", "struct device_node *np = of_node_get(dev->of_node);")
    post = POST.replace("struct device_node *np = dev->of_node;", "struct device_node *np = of_node_get(dev->of_node);")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)


def test_quiet_when_the_get_comes_before_the_jumps():
    pre = PRE.replace("\tvip->chan.of_node = of_node_get(np);\n", "").replace(
        "\tep = of_graph", "\tvip->chan.of_node = of_node_get(np);\n\tep = of_graph")
    post = POST.replace("\tvip->chan.of_node = of_node_get(np);\n", "").replace(
        "\tep = of_graph", "\tvip->chan.of_node = of_node_get(np);\n\tep = of_graph")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)
