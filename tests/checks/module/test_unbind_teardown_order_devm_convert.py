"""MOD035, tree mode: an IRQ or interface set-up made devm under a remove() that releases first.

Shaped on spi-mt65xx (6.12.118): mtk_spi_probe() registers the controller with
devm_spi_register_controller() while mtk_spi_remove() resets the hardware and disables runtime
PM; 7.2 registers it with spi_register_controller() and unregisters it first in remove().
"""
from reviewbot.checks.module import unbind_teardown_order
from tests.helpers import assert_fires, assert_quiet, diff, tree_case

PATH = "drivers/spi/spi-foo.c"

PROBE = """static int foo_spi_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct spi_controller *host;
	int ret;

	host = devm_spi_alloc_host(dev, sizeof(struct foo_spi));
	if (!host)
		return -ENOMEM;
	platform_set_drvdata(pdev, host);
	pm_runtime_enable(dev);

	ret = spi_register_controller(host);
	if (ret) {
		pm_runtime_disable(dev);
		return dev_err_probe(dev, ret, "failed to register host\\n");
	}
	return 0;
}
"""

REMOVE = """static void foo_spi_remove(struct platform_device *pdev)
{
	struct spi_controller *host = platform_get_drvdata(pdev);
	struct foo_spi *fs = spi_controller_get_devdata(host);
	int ret;

	ret = pm_runtime_get_sync(&pdev->dev);
	if (ret >= 0)
		foo_spi_reset(fs);
	pm_runtime_put_noidle(&pdev->dev);
	pm_runtime_disable(&pdev->dev);
}
"""

DEVM = "devm_spi_register_controller(dev, host)"


def test_tree_mode_fires_when_remove_powers_off_under_a_devm_controller():
    pre = PROBE + "\n" + REMOVE
    post = pre.replace("spi_register_controller(host)", DEVM)
    series, ctx = tree_case(PATH, pre, post)
    assert_fires(unbind_teardown_order, series, at=[(PATH, 13, "new")], context_for=ctx)


def test_tree_mode_quiet_when_remove_unregisters_first():
    # the 7.2 shape of remove(): the controller stopped before anything is powered off (the
    # devm twin is then a double unregister, another rule's business, not an order problem)
    remove = REMOVE.replace("\tint ret;\n\n", "\tint ret;\n\n\tspi_unregister_controller(host);\n")
    pre = PROBE + "\n" + remove
    post = pre.replace("ret = spi_register_controller(host);", "ret = " + DEVM + ";")
    series, ctx = tree_case(PATH, pre, post)
    assert not [f for f in _run(series, ctx) if "makes devres run" in f.message]


def test_tree_mode_quiet_when_remove_releases_nothing():
    remove = REMOVE.replace("\tpm_runtime_disable(&pdev->dev);\n", "").replace(
        "\tif (ret >= 0)\n\t\tfoo_spi_reset(fs);\n", "")
    pre = PROBE + "\n" + remove
    post = pre.replace("spi_register_controller(host)", DEVM)
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(unbind_teardown_order, series, include_low=True, context_for=ctx)


def test_irq_made_devm_quiet_when_remove_disables_it_first():
    probe = PROBE.replace("ret = spi_register_controller(host);",
                          "ret = request_irq(irq, foo_spi_isr, 0, \"foo\", host);")
    remove = REMOVE.replace("\tint ret;\n\n", "\tint ret;\n\n\tdisable_irq(fs->irq);\n")
    pre = probe + "\n" + remove
    post = pre.replace("request_irq(irq,", "devm_request_irq(dev, irq,")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(unbind_teardown_order, series, include_low=True, context_for=ctx)
    # without the disable_irq(): the handler can run after the clock is off
    clk = REMOVE.replace("\tpm_runtime_disable(&pdev->dev);\n", "\tclk_disable_unprepare(fs->clk);\n")
    pre = probe + "\n" + clk
    post = pre.replace("request_irq(irq,", "devm_request_irq(dev, irq,")
    series, ctx = tree_case(PATH, pre, post)
    assert_fires(unbind_teardown_order, series, at=[(PATH, 13, "new")], context_for=ctx)


def test_hunk_mode_says_nothing_about_an_unseen_remove():
    series = diff("""
        --- a/drivers/spi/spi-foo.c
        +++ b/drivers/spi/spi-foo.c
        @@ -1272,7 +1272,7 @@ static int foo_spi_probe(struct platform_device *pdev)
         
         \tpm_runtime_enable(dev);
         
        -\tret = spi_register_controller(host);
        +\tret = devm_spi_register_controller(dev, host);
         \tif (ret) {
         \t\tpm_runtime_disable(dev);
         \t\treturn dev_err_probe(dev, ret, "failed to register host\\n");
    """)
    assert_quiet(unbind_teardown_order, series, include_low=True)


def _run(series, ctx):
    from tests.helpers import run_rule
    return run_rule(unbind_teardown_order, series, ctx).findings


def test_tree_mode_quiet_under_a_component_unbind():
    # rk3066_hdmi (the 7.2 fix): the adapter made devm in a component bind; the component's
    # unbind callback disables the clock, but the device stays bound and its devres with it
    pre = """static struct i2c_adapter *foo_hdmi_i2c_adapter(struct foo_hdmi *hdmi)
{
	struct i2c_adapter *adap = &hdmi->i2c->adap;
	int ret;

	ret = i2c_add_adapter(adap);
	if (ret)
		return ERR_PTR(ret);
	return adap;
}

static void foo_hdmi_unbind(struct device *dev, struct device *master, void *data)
{
	struct foo_hdmi *hdmi = dev_get_drvdata(dev);

	i2c_put_adapter(hdmi->ddc);
	clk_disable_unprepare(hdmi->hclk);
}
"""
    post = pre.replace("i2c_add_adapter(adap)", "devm_i2c_add_adapter(hdmi->dev, adap)")
    series, ctx = tree_case("drivers/gpu/drm/foo/foo_hdmi.c", pre, post)
    assert_quiet(unbind_teardown_order, series, include_low=True, context_for=ctx)
    # the same under a bus driver's remove(): devres unregisters the adapter after it
    post = post.replace("foo_hdmi_unbind(struct device *dev, struct device *master, void *data)",
                        "foo_hdmi_remove(struct platform_device *pdev)").replace(
        "dev_get_drvdata(dev)", "platform_get_drvdata(pdev)")
    pre = pre.replace("foo_hdmi_unbind(struct device *dev, struct device *master, void *data)",
                      "foo_hdmi_remove(struct platform_device *pdev)").replace(
        "dev_get_drvdata(dev)", "platform_get_drvdata(pdev)")
    series, ctx = tree_case("drivers/gpu/drm/foo/foo_hdmi.c", pre, post)
    assert_fires(unbind_teardown_order, series, at=[("drivers/gpu/drm/foo/foo_hdmi.c", 6, "new")],
                 context_for=ctx)
