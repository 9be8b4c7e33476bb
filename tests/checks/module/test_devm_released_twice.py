from reviewbot.checks.module import devm_released_twice
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case, tree_case

CASES = DATA / "checks" / "devm-released-twice"


def test_fires_on_kfree_of_devm_driver_data():
    assert_fires(devm_released_twice, load_case(CASES / "imx-sc-key-kfree-devm.patch"),
                 at=[("drivers/input/keyboard/imx_sc_key.c", 128)])


def test_quiet_on_the_fix():
    assert_quiet(devm_released_twice, load_case(CASES / "imx-sc-key-kfree-devm.fix.patch"), include_low=True)


# A local of the same name allocated with kzalloc() in this function is plain memory.
PLAIN_LOCAL = diff("""
    --- a/drivers/input/keyboard/foo.c
    +++ b/drivers/input/keyboard/foo.c
    @@ -117,6 +117,7 @@ static int foo_probe(struct platform_device *pdev)
     \tpriv = kzalloc(sizeof(*priv), GFP_KERNEL);
     \tif (!priv)
     \t\treturn -ENOMEM;
     \tif (foo_read_keycodes(priv)) {
    +\t\tkfree(priv);
     \t\treturn -EINVAL;
     \t}
""")

# drivers/iio/dac/lpc18xx_dac.c pattern: registered with devm in probe, unregistered by hand.
UNREGISTER_MANAGED = diff("""
    --- a/drivers/iio/dac/foo_dac.c
    +++ b/drivers/iio/dac/foo_dac.c
    @@ -150,6 +150,6 @@ static int foo_dac_probe(struct platform_device *pdev)
     \twritel(0, dac->base + FOO_DAC_CTRL);
     
     \tret = devm_iio_device_register(&pdev->dev, indio_dev);
     \tif (ret)
     \t\treturn ret;
     
    @@ -170,5 +170,6 @@ static void foo_dac_remove(struct platform_device *pdev)
     \tstruct iio_dev *indio_dev = platform_get_drvdata(pdev);
     
    +\tiio_device_unregister(indio_dev);
     \tclk_disable_unprepare(dac->clk);
     \tregulator_disable(dac->vref);
     }
""")

# free_irq() of an IRQ requested with devm on another line: a different IRQ.
OTHER_IRQ = diff("""
    --- a/drivers/input/misc/foo.c
    +++ b/drivers/input/misc/foo.c
    @@ -150,5 +150,6 @@ static int foo_probe(struct platform_device *pdev)
     \tret = devm_request_irq(&pdev->dev, foo->wake_irq, foo_wake, 0, "foo-wake", foo);
     \tif (ret)
     \t\treturn ret;
    +\tfree_irq(foo->old_irq, foo);
     \treturn 0;
     }
""")


def test_quiet_on_kfree_of_plain_memory():
    assert_quiet(devm_released_twice, PLAIN_LOCAL, include_low=True)


def test_fires_on_plain_unregister_of_devm_registration():
    assert_fires(devm_released_twice, UNREGISTER_MANAGED, at=[("drivers/iio/dac/foo_dac.c", 172)])


def test_quiet_on_free_irq_of_another_irq():
    assert_quiet(devm_released_twice, OTHER_IRQ, include_low=True)


def test_fires_on_free_irq_of_a_devm_irq():
    same = diff("""
        --- a/drivers/input/misc/foo.c
        +++ b/drivers/input/misc/foo.c
        @@ -150,5 +150,6 @@ static int foo_probe(struct platform_device *pdev)
         \tret = devm_request_irq(&pdev->dev, foo->wake_irq, foo_wake, 0, "foo-wake", foo);
         \tif (ret)
         \t\treturn ret;
        +\tfree_irq(foo->wake_irq, foo);
         \treturn 0;
         }
    """)
    assert_fires(devm_released_twice, same, at=[("drivers/input/misc/foo.c", 153)])


# drivers/base/power/runtime.c (6.12) as a new file: the devres API's own definitions call
# devm_pm_runtime_enable() on the device their caller passes; pm_runtime_force_suspend()
# disables another caller's device.  Nothing here is managed twice.
DEVM_API_DEFINITIONS_TEXT = """
    --- /dev/null
    +++ b/drivers/base/power/foo_runtime.c
    @@ -0,0 +1,23 @@
    +int devm_pm_runtime_set_active_enabled(struct device *dev)
    +{
    +\tint err;
    +
    +\terr = pm_runtime_set_active(dev);
    +\tif (err)
    +\t\treturn err;
    +\treturn devm_pm_runtime_enable(dev);
    +}
    +
    +int pm_runtime_force_suspend(struct device *dev)
    +{
    +\tint ret;
    +
    +\tpm_runtime_disable(dev);
    +\tif (pm_runtime_status_suspended(dev))
    +\t\treturn 0;
    +\tret = foo_suspend(dev);
    +\tif (ret)
    +\t\tpm_runtime_enable(dev);
    +\treturn ret;
    +}
    +
"""


def test_quiet_on_a_devres_apis_own_definition():
    assert_quiet(devm_released_twice, diff(DEVM_API_DEFINITIONS_TEXT), include_low=True)
    # a driver's probe that enables it with devres, and a remove() that disables it again
    driver = DEVM_API_DEFINITIONS_TEXT.replace("devm_pm_runtime_set_active_enabled", "foo_probe")
    assert_fires(devm_released_twice, diff(driver), at=[("drivers/base/power/foo_runtime.c", 15)])


# A half-done conversion to devres: the error exit still frees what devres now frees.
HALF_CONVERTED = diff("""
    --- a/drivers/misc/foo.c
    +++ b/drivers/misc/foo.c
    @@ -80,9 +80,9 @@ static int foo_probe(struct i2c_client *client)
     \tstruct foo *foo;
     \tint ret;
     
    -\tfoo = kzalloc(sizeof(*foo), GFP_KERNEL);
    +\tfoo = devm_kzalloc(&client->dev, sizeof(*foo), GFP_KERNEL);
     \tif (!foo)
     \t\treturn -ENOMEM;
     \tret = foo_init_hw(foo);
     \tif (ret) {
     \t\tkfree(foo);
""")

# The whole conversion: the free goes with it.
FULLY_CONVERTED = diff("""
    --- a/drivers/misc/foo.c
    +++ b/drivers/misc/foo.c
    @@ -80,10 +80,9 @@ static int foo_probe(struct i2c_client *client)
     \tstruct foo *foo;
     \tint ret;
     
    -\tfoo = kzalloc(sizeof(*foo), GFP_KERNEL);
    +\tfoo = devm_kzalloc(&client->dev, sizeof(*foo), GFP_KERNEL);
     \tif (!foo)
     \t\treturn -ENOMEM;
     \tret = foo_init_hw(foo);
    -\tif (ret) {
    -\t\tkfree(foo);
    +\tif (ret)
     \t\treturn ret;
""")


def test_fires_on_conversion_that_keeps_the_free():
    assert_fires(devm_released_twice, HALF_CONVERTED, at=[("drivers/misc/foo.c", 83)])


def test_quiet_on_the_whole_conversion():
    assert_quiet(devm_released_twice, FULLY_CONVERTED, include_low=True)


def test_tree_mode_fires_on_irq_conversion_that_keeps_free_irq_in_remove():
    pre = ("static int foo_probe(struct platform_device *pdev)\n{\n"
           "\tret = request_irq(priv->irq, foo_isr, 0, \"foo\", priv);\n\treturn ret;\n}\n"
           "static void foo_remove(struct platform_device *pdev)\n{\n\tfree_irq(priv->irq, priv);\n}\n")
    post = pre.replace("request_irq(", "devm_request_irq(&pdev->dev, ")
    series, ctx = tree_case("drivers/input/misc/foo.c", pre, post)
    assert_quiet(devm_released_twice, series, include_low=True)  # hunk mode: remove() out of sight
    assert_fires(devm_released_twice, series, at=[("drivers/input/misc/foo.c", 3)], context_for=ctx)
