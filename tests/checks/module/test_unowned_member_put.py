"""MOD019: a put in remove() of a member the file fills only with a device's own node or an
embedded device's address (pxa ssp.c of 6.12, shape): no reference was taken for it."""

from reviewbot.checks.module import device_ref_imbalance
from tests.helpers import assert_fires, assert_quiet, tree_case

PATH = "drivers/soc/foo/ssp.c"
PRE = """\
static int foo_ssp_probe(struct platform_device *pdev)
{
\tstruct device *dev = &pdev->dev;
\tstruct ssp_device *ssp;

\tssp = devm_kzalloc(dev, sizeof(*ssp), GFP_KERNEL);
\tif (!ssp)
\t\treturn -ENOMEM;
\tssp->dev = dev;
\tssp->of_node = dev->of_node;
\tplatform_set_drvdata(pdev, ssp);
\treturn 0;
}

static void foo_ssp_remove(struct platform_device *pdev)
{
\tstruct ssp_device *ssp = platform_get_drvdata(pdev);

\tlist_del(&ssp->node);
}
"""
POST = PRE.replace("\tlist_del(&ssp->node);\n", "\tlist_del(&ssp->node);\n\tof_node_put(ssp->of_node);\n")


def test_tree_mode_fires_on_put_of_a_member_that_holds_the_devices_own_node():
    series, ctx = tree_case(PATH, PRE, POST)
    assert_fires(device_ref_imbalance, series, at=[(PATH, 20)], context_for=ctx)


def test_tree_mode_fires_on_put_of_a_member_set_through_a_local():
    pre = PRE.replace("\tssp->of_node = dev->of_node;\n", "\tnp = dev->of_node;\n\tssp->of_node = np;\n").replace(
        "\tstruct ssp_device *ssp;\n", "\tstruct ssp_device *ssp;\n\tstruct device_node *np;\n", 1)
    post = pre.replace("\tlist_del(&ssp->node);\n", "\tlist_del(&ssp->node);\n\tof_node_put(ssp->of_node);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_fires(device_ref_imbalance, series, at=[(PATH, 22)], context_for=ctx)


def test_tree_mode_quiet_when_probe_takes_the_reference():
    pre = PRE.replace("ssp->of_node = dev->of_node;", "ssp->of_node = of_node_get(dev->of_node);")
    post = pre.replace("\tlist_del(&ssp->node);\n", "\tlist_del(&ssp->node);\n\tof_node_put(ssp->of_node);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)


def test_tree_mode_quiet_when_probe_gets_what_it_stores():
    pre = PRE.replace("\tssp->of_node = dev->of_node;\n", "\tof_node_get(dev->of_node);\n\tssp->of_node = dev->of_node;\n")
    post = pre.replace("\tlist_del(&ssp->node);\n", "\tlist_del(&ssp->node);\n\tof_node_put(ssp->of_node);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)


def test_tree_mode_quiet_when_another_store_may_hold_a_reference():
    pre = PRE.replace("\tplatform_set_drvdata(pdev, ssp);\n",
                      "\tif (!ssp->of_node)\n\t\tssp->of_node = of_find_node_by_name(NULL, \"ssp\");\n"
                      "\tplatform_set_drvdata(pdev, ssp);\n")
    post = pre.replace("\tlist_del(&ssp->node);\n", "\tlist_del(&ssp->node);\n\tof_node_put(ssp->of_node);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)


def test_tree_mode_fires_on_put_device_of_an_embedded_devices_address():
    post = PRE.replace("\tssp->dev = dev;\n", "\tssp->dev = &pdev->dev;\n").replace(
        "\tlist_del(&ssp->node);\n", "\tlist_del(&ssp->node);\n\tput_device(ssp->dev);\n")
    pre = PRE.replace("\tssp->dev = dev;\n", "\tssp->dev = &pdev->dev;\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_fires(device_ref_imbalance, series, at=[(PATH, 20)], context_for=ctx)


def test_tree_mode_fires_on_put_of_the_device_a_probe_is_given():
    pre = PRE.replace("static int foo_ssp_probe(struct platform_device *pdev)\n{\n\tstruct device *dev = &pdev->dev;\n",
                      "static int foo_ssp_probe(struct device *dev)\n{\n")
    post = pre.replace("\tlist_del(&ssp->node);\n", "\tlist_del(&ssp->node);\n\tput_device(ssp->dev);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_fires(device_ref_imbalance, series, at=[(PATH, 19)], context_for=ctx)


def test_tree_mode_quiet_when_the_stored_device_is_a_helpers_parameter():
    pre = PRE.replace("static int foo_ssp_probe(struct platform_device *pdev)\n{\n\tstruct device *dev = &pdev->dev;\n",
                      "static int foo_ssp_setup(struct device *dev)\n{\n")
    post = pre.replace("\tlist_del(&ssp->node);\n", "\tlist_del(&ssp->node);\n\tput_device(ssp->dev);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)
