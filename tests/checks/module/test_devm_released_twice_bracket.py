"""MOD036: a teardown that the same function undoes again (drivers/iio/magnetometer/af8133j.c
of 6.12, af8133j_set_scale(): pm_runtime_disable() ... pm_runtime_enable() around a register
write, with devm_pm_runtime_enable() in probe; fresh new-driver seed 5150)."""

from reviewbot.checks.module import devm_released_twice
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

BRACKET = """
static int foo_set_scale(struct foo_data *data, u8 range)
{
\tstruct device *dev = &data->client->dev;
\tint ret = 0;

\tpm_runtime_disable(dev);
\tif (!pm_runtime_status_suspended(dev))
\t\tret = regmap_write(data->regmap, FOO_REG_RANGE, range);
\tpm_runtime_enable(dev);

\tdata->range = range;
\treturn ret;
}

static int foo_probe(struct i2c_client *client)
{
\tstruct device *dev = &client->dev;
\tint ret;

\tret = devm_pm_runtime_enable(dev);
\tif (ret)
\t\treturn ret;
\treturn 0;
}
"""


def test_quiet_when_the_function_sets_it_up_again():
    assert_quiet(devm_released_twice, new_file("drivers/iio/foo.c", BRACKET))


def test_fires_when_it_stays_torn_down():
    code = BRACKET.replace("\tpm_runtime_enable(dev);\n", "")
    assert_fires(devm_released_twice, new_file("drivers/iio/foo.c", code),
                 at=[("drivers/iio/foo.c", _at(code, "pm_runtime_disable(dev);"))])


# drivers/clk/axs10x/pll_clock.c (6.12; fresh new-driver seed 7777): the platform probe
# registers its `pll_clk->hw` with devres, the early OF set-up registers another one plainly and
# unregisters it on its own unwind.
TWO_PATHS = """
static int foo_pll_clk_probe(struct platform_device *pdev)
{
\tstruct device *dev = &pdev->dev;
\tstruct foo_pll_clk *pll_clk;
\tint ret;

\tpll_clk = devm_kzalloc(dev, sizeof(*pll_clk), GFP_KERNEL);
\tif (!pll_clk)
\t\treturn -ENOMEM;
\tret = devm_clk_hw_register(dev, &pll_clk->hw);
\tif (ret)
\t\treturn ret;
\treturn devm_of_clk_add_hw_provider(dev, of_clk_hw_simple_get, &pll_clk->hw);
}

static void __init of_foo_pll_clk_setup(struct device_node *node)
{
\tstruct foo_pll_clk *pll_clk;
\tint ret;

\tpll_clk = kzalloc(sizeof(*pll_clk), GFP_KERNEL);
\tif (!pll_clk)
\t\treturn;
\tret = clk_hw_register(NULL, &pll_clk->hw);
\tif (ret)
\t\tgoto err_free;
\tret = of_clk_add_hw_provider(node, of_clk_hw_simple_get, &pll_clk->hw);
\tif (ret)
\t\tgoto err_unregister_clk;
\treturn;

err_unregister_clk:
\tclk_hw_unregister(&pll_clk->hw);
err_free:
\tkfree(pll_clk);
}
"""


def test_quiet_when_the_function_registered_it_plainly():
    assert_quiet(devm_released_twice, new_file("drivers/clk/foo.c", TWO_PATHS))


def test_fires_when_only_devres_registered_it():
    code = TWO_PATHS.replace("\tret = clk_hw_register(NULL, &pll_clk->hw);\n\tif (ret)\n\t\tgoto err_free;\n", "")
    assert_fires(devm_released_twice, new_file("drivers/clk/foo.c", code),
                 at=[("drivers/clk/foo.c", _at(code, "clk_hw_unregister(&pll_clk->hw);"))])
