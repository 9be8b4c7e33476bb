"""MOD036: what a devm getter enabled (prepared, deasserted) is also disabled by hand (checks/data/devres_undo.tsv)."""

from reviewbot.checks.module import devm_released_twice
from tests.helpers import assert_fires, assert_quiet, diff, tree_case

# drivers/i2c/busses/i2c-hix5hd2.c (6.12), cut down: the clock comes from
# devm_clk_get_enabled(); runtime suspend/resume switch it off and on; reset() is a bracket.
HIX5HD2 = """\
static void hix5hd2_i2c_reset(struct hix5hd2_i2c_priv *priv)
{
\tclk_disable_unprepare(priv->clk);
\tmsleep(20);
\tclk_prepare_enable(priv->clk);
\thix5hd2_i2c_init(priv);
}

static int hix5hd2_i2c_probe(struct platform_device *pdev)
{
\tstruct hix5hd2_i2c_priv *priv;
\tint ret;

\tpriv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
\tif (!priv)
\t\treturn -ENOMEM;

\tpriv->clk = devm_clk_get_enabled(&pdev->dev, NULL);
\tif (IS_ERR(priv->clk)) {
\t\tdev_err(&pdev->dev, "cannot enable clock\\n");
\t\treturn PTR_ERR(priv->clk);
\t}

\thix5hd2_i2c_init(priv);

\tret = i2c_add_adapter(&priv->adap);
\tif (ret < 0)
\t\tgoto err_runtime;

\treturn ret;

err_runtime:
\tpm_runtime_disable(priv->dev);
\tpm_runtime_set_suspended(priv->dev);

\treturn ret;
}

static void hix5hd2_i2c_remove(struct platform_device *pdev)
{
\tstruct hix5hd2_i2c_priv *priv = platform_get_drvdata(pdev);

\ti2c_del_adapter(&priv->adap);
\tpm_runtime_disable(priv->dev);
\tpm_runtime_set_suspended(priv->dev);
}

static int hix5hd2_i2c_runtime_suspend(struct device *dev)
{
\tstruct hix5hd2_i2c_priv *priv = dev_get_drvdata(dev);

\tclk_disable_unprepare(priv->clk);

\treturn 0;
}
"""
PATH = "drivers/i2c/busses/i2c-hix5hd2.c"
REMOVE_DISABLES = HIX5HD2.replace("\tpm_runtime_set_suspended(priv->dev);\n}\n",
                                  "\tpm_runtime_set_suspended(priv->dev);\n\tclk_disable_unprepare(priv->clk);\n}\n")
UNWIND_DISABLES = HIX5HD2.replace("err_runtime:\n", "err_runtime:\n\tclk_disable_unprepare(priv->clk);\n")


def _line(text: str, needle: str, nth: int = 1) -> int:
    hits = [i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln]
    return hits[nth - 1]


def test_tree_mode_fires_on_a_disable_added_to_remove():
    series, ctx = tree_case(PATH, HIX5HD2, REMOVE_DISABLES)
    at = _line(REMOVE_DISABLES, "clk_disable_unprepare(priv->clk);", 2)
    assert_fires(devm_released_twice, series, at=[(PATH, at)], context_for=ctx)


def test_tree_mode_fires_on_a_disable_added_to_the_unwind():
    series, ctx = tree_case(PATH, HIX5HD2, UNWIND_DISABLES)
    at = _line(UNWIND_DISABLES, "clk_disable_unprepare(priv->clk);", 2)
    assert_fires(devm_released_twice, series, at=[(PATH, at)], context_for=ctx)


def test_tree_mode_quiet_on_the_fix_and_on_suspend_and_bracket():
    series, ctx = tree_case(PATH, REMOVE_DISABLES, HIX5HD2)
    assert_quiet(devm_released_twice, series, include_low=True, context_for=ctx)
    # an added suspend-style disable, and a bracket that enables again: neither is a release
    more = HIX5HD2.replace("\tmsleep(20);\n", "\tmsleep(20);\n\tclk_disable_unprepare(priv->clk);\n"
                                             "\tclk_prepare_enable(priv->clk);\n")
    series, ctx = tree_case(PATH, HIX5HD2, more)
    assert_quiet(devm_released_twice, series, include_low=True, context_for=ctx)


def test_tree_mode_fires_on_conversion_that_keeps_the_disable():
    pre = HIX5HD2.replace("devm_clk_get_enabled(", "devm_clk_get(").replace(
        "\thix5hd2_i2c_init(priv);\n\n\tret = i2c_add", "\tclk_prepare_enable(priv->clk);\n\thix5hd2_i2c_init(priv);\n\n"
        "\tret = i2c_add")
    pre = pre.replace("\tpm_runtime_set_suspended(priv->dev);\n}\n",
                      "\tpm_runtime_set_suspended(priv->dev);\n\tclk_disable_unprepare(priv->clk);\n}\n")
    series, ctx = tree_case(PATH, pre, REMOVE_DISABLES)
    assert_fires(devm_released_twice, series, at=[(PATH, _line(REMOVE_DISABLES, "devm_clk_get_enabled("))],
                 context_for=ctx)


# Hunk mode: the conversion removes the driver's enable and none of its disables.
CONVERSION = """
    --- a/drivers/i2c/busses/i2c-pxa.c
    +++ b/drivers/i2c/busses/i2c-pxa.c
    @@ -1467,7 +1467,7 @@ static int i2c_pxa_probe(struct platform_device *dev)
     
     \tstrscpy(i2c->adap.name, "pxa_i2c-i2c", sizeof(i2c->adap.name));
     
    -\ti2c->clk = devm_clk_get(&dev->dev, NULL);
    +\ti2c->clk = devm_clk_get_enabled(&dev->dev, NULL);
     \tif (IS_ERR(i2c->clk))
     \t\treturn dev_err_probe(&dev->dev, PTR_ERR(i2c->clk),
     \t\t\t\t     "failed to get the clk\\n");
    @@ -1509,9 +1509,6 @@ static int i2c_pxa_probe(struct platform_device *dev)
     \t\t\t\ti2c->adap.name);
     \t}
     
    -\tret = clk_prepare_enable(i2c->clk);
    -\tif (ret)
    -\t\treturn dev_err_probe(&dev->dev, ret, "failed to enable clock\\n");
     
     \tif (i2c->use_pio) {
     \t\ti2c->adap.algo = &i2c_pxa_pio_algorithm;
"""


def test_hunk_mode_fires_on_conversion_that_removes_no_disable():
    assert_fires(devm_released_twice, diff(CONVERSION), at=[("drivers/i2c/busses/i2c-pxa.c", 1470)])


def test_hunk_mode_quiet_when_the_disables_go_too():
    whole = CONVERSION + """\
    @@ -1560,7 +1557,6 @@ static void i2c_pxa_remove(struct platform_device *dev)
     \tstruct pxa_i2c *i2c = platform_get_drvdata(dev);
     
     \ti2c_del_adapter(&i2c->adap);
    -\tclk_disable_unprepare(i2c->clk);
     }
     
     static int i2c_pxa_suspend_noirq(struct device *dev)
"""
    assert_quiet(devm_released_twice, diff(whole), include_low=True)


def test_tree_mode_quiet_on_the_functions_own_enable_disable_pair():
    # drivers/i2c/busses/i2c-stm32f4.c stm32f4_i2c_xfer(): clk_enable() ... clk_disable() around a
    # transfer of a devm_clk_get_enabled() clock is balanced by the function itself
    xfer = HIX5HD2 + """
static int hix5hd2_i2c_xfer(struct i2c_adapter *adap, struct i2c_msg *msgs, int num)
{
\tstruct hix5hd2_i2c_priv *priv = i2c_get_adapdata(adap);
\tint ret;

\tret = clk_enable(priv->clk);
\tif (ret)
\t\treturn ret;
\tret = hix5hd2_i2c_xfer_msgs(priv, msgs, num);
\treturn ret;
}
"""
    paired = xfer.replace("\tret = hix5hd2_i2c_xfer_msgs(priv, msgs, num);\n",
                          "\tret = hix5hd2_i2c_xfer_msgs(priv, msgs, num);\n\tclk_disable(priv->clk);\n")
    series, ctx = tree_case(PATH, xfer, paired)
    assert_quiet(devm_released_twice, series, include_low=True, context_for=ctx)
    # but clk_disable_unprepare() after a bare clk_enable() unprepares what devres unprepares
    unprepared = paired.replace("\tclk_disable(priv->clk);\n", "\tclk_disable_unprepare(priv->clk);\n")
    series, ctx = tree_case(PATH, xfer, unprepared)
    assert_fires(devm_released_twice, series, at=[(PATH, _line(unprepared, "clk_disable_unprepare(priv->clk);", 3))],
                 context_for=ctx)
