from reviewbot.checks.module import unbind_teardown_order
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case, tree_case

CASES = DATA / "checks" / "unbind-teardown-order"

# drivers/iio/dac/lpc18xx_dac.c (6.12, lines 150-178): the IIO device is unregistered first in
# remove(), then the DAC is stopped and its clock and regulator disabled.  Moving the
# unregister to the end leaves the sysfs interface live on a disabled device.
UNREGISTER_LATE = diff("""
    --- a/drivers/iio/dac/lpc18xx_dac.c
    +++ b/drivers/iio/dac/lpc18xx_dac.c
    @@ -170,9 +170,9 @@ static void lpc18xx_dac_remove(struct platform_device *pdev)
     \tstruct iio_dev *indio_dev = platform_get_drvdata(pdev);
     \tstruct lpc18xx_dac *dac = iio_priv(indio_dev);
     
    -\tiio_device_unregister(indio_dev);
    -
     \twritel(0, dac->base + LPC18XX_DAC_CTRL);
     \tclk_disable_unprepare(dac->clk);
    +\tiio_device_unregister(indio_dev);
    +
     \tregulator_disable(dac->vref);
     }
""")

# The fix direction: the unregister moves up, before the clock goes.
UNREGISTER_EARLY = diff("""
    --- a/drivers/iio/dac/lpc18xx_dac.c
    +++ b/drivers/iio/dac/lpc18xx_dac.c
    @@ -170,9 +170,9 @@ static void lpc18xx_dac_remove(struct platform_device *pdev)
     \tstruct iio_dev *indio_dev = platform_get_drvdata(pdev);
     \tstruct lpc18xx_dac *dac = iio_priv(indio_dev);
     
    +\tiio_device_unregister(indio_dev);
    +
     \twritel(0, dac->base + LPC18XX_DAC_CTRL);
     \tclk_disable_unprepare(dac->clk);
    -\tiio_device_unregister(indio_dev);
    -
     \tregulator_disable(dac->vref);
     }
""")

# The same driver converted to devm_iio_device_register() while remove() keeps disabling the
# clock: devres unregisters only after remove() returns.
DEVM_REGISTER_WITH_TEARDOWN = diff("""
    --- a/drivers/iio/dac/lpc18xx_dac.c
    +++ b/drivers/iio/dac/lpc18xx_dac.c
    @@ -150,7 +150,7 @@ static int lpc18xx_dac_probe(struct platform_device *pdev)
     \twritel(0, dac->base + LPC18XX_DAC_CTRL);
     \twritel(0, dac->base + LPC18XX_DAC_CR);
     
    -\tret = iio_device_register(indio_dev);
    +\tret = devm_iio_device_register(&pdev->dev, indio_dev);
     \tif (ret) {
     \t\tdev_err(&pdev->dev, "unable to register device\\n");
     \t\tgoto dis_clk;
    @@ -170,8 +170,6 @@ static void lpc18xx_dac_remove(struct platform_device *pdev)
     \tstruct iio_dev *indio_dev = platform_get_drvdata(pdev);
     \tstruct lpc18xx_dac *dac = iio_priv(indio_dev);
     
    -\tiio_device_unregister(indio_dev);
    -
     \twritel(0, dac->base + LPC18XX_DAC_CTRL);
     \tclk_disable_unprepare(dac->clk);
     \tregulator_disable(dac->vref);
""")

# A complete conversion: remove() has nothing left that runs before devres.
DEVM_REGISTER_WHOLE = diff("""
    --- a/drivers/iio/dac/foo_dac.c
    +++ b/drivers/iio/dac/foo_dac.c
    @@ -150,6 +150,6 @@ static int foo_dac_probe(struct platform_device *pdev)
     \twritel(0, dac->base + FOO_DAC_CTRL);
     
    -\tret = iio_device_register(indio_dev);
    +\tret = devm_iio_device_register(&pdev->dev, indio_dev);
     \tif (ret)
     \t\treturn ret;
     
    @@ -170,9 +170,0 @@ static void foo_dac_remove(struct platform_device *pdev)
    -static void foo_dac_remove(struct platform_device *pdev)
    -{
    -\tstruct iio_dev *indio_dev = platform_get_drvdata(pdev);
    -
    -\tiio_device_unregister(indio_dev);
    -\tclk_disable_unprepare(dac->clk);
    -}
    -
    -
""")

# An IRQ released in remove() dropped with no devm replacement, its request shown.
DROP_FREE_IRQ = diff("""
    --- a/drivers/input/misc/foo-keys.c
    +++ b/drivers/input/misc/foo-keys.c
    @@ -120,6 +120,6 @@ static int foo_keys_probe(struct platform_device *pdev)
     \terr = request_irq(keys->irq, foo_keys_irq, 0, "foo-keys", keys);
     \tif (err)
     \t\treturn err;
     \treturn 0;
     }
     
    @@ -140,6 +140,5 @@ static void foo_keys_remove(struct platform_device *pdev)
     \tstruct foo_keys *keys = platform_get_drvdata(pdev);
     
    -\tfree_irq(keys->irq, keys);
     \tinput_unregister_device(keys->input);
     \tkfree(keys);
     }
""")


def test_fires_when_the_unregister_moves_after_a_resource_teardown():
    assert_fires(unbind_teardown_order, UNREGISTER_LATE, at=[("drivers/iio/dac/lpc18xx_dac.c", 175)])


def test_quiet_when_the_unregister_moves_first():
    assert_quiet(unbind_teardown_order, UNREGISTER_EARLY, include_low=True)


def test_fires_on_devm_registration_with_teardown_left_in_remove():
    assert_fires(unbind_teardown_order, DEVM_REGISTER_WITH_TEARDOWN, at=[("drivers/iio/dac/lpc18xx_dac.c", 153)])


def test_quiet_when_remove_goes_with_the_conversion():
    assert_quiet(unbind_teardown_order, DEVM_REGISTER_WHOLE, include_low=True)


def test_fires_on_removed_free_irq_of_a_plain_request():
    assert_fires(unbind_teardown_order, DROP_FREE_IRQ, at=[("drivers/input/misc/foo-keys.c", 142, "old")])


def test_removed_teardown_without_its_setup_shown_is_low_confidence():
    unseen = diff("""
        --- a/drivers/input/misc/foo-keys.c
        +++ b/drivers/input/misc/foo-keys.c
        @@ -140,6 +140,5 @@ static void foo_keys_remove(struct platform_device *pdev)
         \tstruct foo_keys *keys = platform_get_drvdata(pdev);
         
        -\tfree_irq(keys->irq, keys);
         \tinput_unregister_device(keys->input);
         \tkfree(keys);
         }
    """)
    assert_quiet(unbind_teardown_order, unseen)
    assert_fires(unbind_teardown_order, unseen, at=[("drivers/input/misc/foo-keys.c", 142, "old")], include_low=True)


def test_fires_on_real_spi_stm32_reversal():
    assert_fires(unbind_teardown_order, load_case(CASES / "m1-spi-stm32-unbind-uaf.patch"),
                 at=[("drivers/spi/spi-stm32.c", 1806)])


def test_quiet_on_real_spi_stm32_fix():
    assert_quiet(unbind_teardown_order, load_case(CASES / "m1-spi-stm32-unbind-uaf.fix.patch"), include_low=True)


def test_quiet_on_plain_spi_alloc_with_devm_registration():
    devm_reg = diff("""
        --- a/drivers/spi/spi-foo.c
        +++ b/drivers/spi/spi-foo.c
        @@ -80,6 +80,6 @@ static int foo_spi_probe(struct platform_device *pdev)
         \tint ret;
         
        -\thost = devm_spi_alloc_host(&pdev->dev, sizeof(*fs));
        +\thost = spi_alloc_host(&pdev->dev, sizeof(*fs));
         \tif (!host)
         \t\treturn -ENOMEM;
         \tret = devm_spi_register_controller(&pdev->dev, host);
    """)
    assert_quiet(unbind_teardown_order, devm_reg, include_low=True)


def test_quiet_when_the_teardown_moves_into_a_cleanup_helper():
    # idxd's "Refactor remove call with idxd_cleanup() helper" (noise set): the steps moved
    moved = diff("""
        --- a/drivers/input/misc/foo-keys.c
        +++ b/drivers/input/misc/foo-keys.c
        @@ -120,6 +120,6 @@ static int foo_keys_probe(struct platform_device *pdev)
         \terr = request_irq(keys->irq, foo_keys_irq, 0, "foo-keys", keys);
         \tif (err)
         \t\treturn err;
         \treturn 0;
         }
         
        @@ -140,6 +140,6 @@ static void foo_keys_remove(struct platform_device *pdev)
         \tstruct foo_keys *keys = platform_get_drvdata(pdev);
         
        -\tfree_irq(keys->irq, keys);
        +\tfoo_keys_cleanup(keys);
         \tinput_unregister_device(keys->input);
         \tkfree(keys);
         }
    """)
    assert_quiet(unbind_teardown_order, moved, include_low=True)


# drivers/spi/spi-stm32.c probe: one branch made plain while the other branch keeps the devm
# allocator, which manages only its own controller.
SPI_ONE_BRANCH_UNDEVM = diff("""
    --- a/drivers/spi/spi-foo.c
    +++ b/drivers/spi/spi-foo.c
    @@ -2087,7 +2087,7 @@ static int foo_spi_probe(struct platform_device *pdev)
     \t}
     
     \tif (device_mode)
    -\t\tctrl = devm_spi_alloc_target(&pdev->dev, sizeof(struct foo_spi));
    +\t\tctrl = spi_alloc_target(&pdev->dev, sizeof(struct foo_spi));
     \telse
     \t\tctrl = devm_spi_alloc_host(&pdev->dev, sizeof(struct foo_spi));
     \tif (!ctrl) {
""")


def test_fires_on_one_branch_made_plain_next_to_a_devm_allocator():
    assert_fires(unbind_teardown_order, SPI_ONE_BRANCH_UNDEVM, at=[("drivers/spi/spi-foo.c", 2090)])


# A devm IRQ given plain memory that a later failure of probe frees: devres frees the IRQ only
# after probe has returned, the handler can run on the freed memory until then.
DEVM_IRQ_ON_FREED = diff("""
    --- a/drivers/foo/foo.c
    +++ b/drivers/foo/foo.c
    @@ -100,14 +100,14 @@ static int foo_probe(struct platform_device *pdev)
     \tfoo = kzalloc(sizeof(*foo), GFP_KERNEL);
     \tif (!foo)
     \t\treturn -ENOMEM;
     
    -\tret = request_irq(irq, foo_isr, 0, "foo", foo);
    +\tret = devm_request_irq(&pdev->dev, irq, foo_isr, 0, "foo", foo);
     \tif (ret)
     \t\treturn ret;
     \tret = foo_hw_init(foo);
     \tif (ret)
     \t\tgoto err_free;
     
     \treturn 0;
     err_free:
     \tkfree(foo);
""")

# Freed only when the IRQ request itself failed: nothing is registered then.
DEVM_IRQ_OWN_FAILURE = diff("""
    --- a/drivers/foo/foo.c
    +++ b/drivers/foo/foo.c
    @@ -100,12 +100,12 @@ static int foo_probe(struct platform_device *pdev)
     \tfoo = kzalloc(sizeof(*foo), GFP_KERNEL);
     \tif (!foo)
     \t\treturn -ENOMEM;
     
    -\tret = request_irq(irq, foo_isr, 0, "foo", foo);
    +\tret = devm_request_irq(&pdev->dev, irq, foo_isr, 0, "foo", foo);
     \tif (ret)
     \t\tgoto err_free;
     
     \treturn 0;
     err_free:
     \tkfree(foo);
     \treturn ret;
""")


def test_fires_on_devm_irq_given_memory_a_later_exit_frees():
    assert_fires(unbind_teardown_order, DEVM_IRQ_ON_FREED, at=[("drivers/foo/foo.c", 104)])


def test_quiet_when_only_the_irq_request_failure_frees():
    assert_quiet(unbind_teardown_order, DEVM_IRQ_OWN_FAILURE, include_low=True)


def test_tree_mode_fires_on_devm_registration_of_memory_remove_frees():
    pre = ("static int foo_probe(struct platform_device *pdev)\n{\n"
           "\tfoo = kzalloc(sizeof(*foo), GFP_KERNEL);\n"
           "\treturn led_classdev_register(&pdev->dev, &foo->led);\n}\n"
           "static void foo_remove(struct platform_device *pdev)\n{\n"
           "\tstruct foo *foo = platform_get_drvdata(pdev);\n\n\tkfree(foo);\n}\n")
    post = pre.replace("led_classdev_register(", "devm_led_classdev_register(")
    series, ctx = tree_case("drivers/leds/leds-foo.c", pre, post)
    assert_fires(unbind_teardown_order, series, at=[("drivers/leds/leds-foo.c", 4)], context_for=ctx)
    devm_mem = post.replace("foo = kzalloc(", "foo = devm_kzalloc(&pdev->dev, ")
    series, ctx = tree_case("drivers/leds/leds-foo.c", pre.replace("foo = kzalloc(", "foo = devm_kzalloc(&pdev->dev, "),
                            devm_mem)
    assert_quiet(unbind_teardown_order, series, include_low=True, context_for=ctx)
