from reviewbot.checks.module import devm_wrong_device
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case

CASES = DATA / "checks" / "devm-wrong-device"

PARENT = diff("""
    --- a/drivers/leds/leds-foo.c
    +++ b/drivers/leds/leds-foo.c
    @@ -40,4 +40,4 @@ static int foo_led_probe(struct platform_device *pdev)
     \tled->cdev.brightness_set = foo_led_set;
    -\tret = led_classdev_register(pdev->dev.parent, &led->cdev);
    +\tret = devm_led_classdev_register(pdev->dev.parent, &led->cdev);
     \tif (ret)
     \t\treturn ret;
""")

OWN_DEVICE = diff("""
    --- a/drivers/leds/leds-foo.c
    +++ b/drivers/leds/leds-foo.c
    @@ -40,4 +40,4 @@ static int foo_led_probe(struct platform_device *pdev)
     \tled->cdev.brightness_set = foo_led_set;
    -\tret = led_classdev_register(&pdev->dev, &led->cdev);
    +\tret = devm_led_classdev_register(&pdev->dev, &led->cdev);
     \tif (ret)
     \t\treturn ret;
""")

PRIV_DEV_SET_FROM_PDEV = diff("""
    --- a/drivers/leds/leds-foo.c
    +++ b/drivers/leds/leds-foo.c
    @@ -40,5 +40,5 @@ static int foo_led_probe(struct platform_device *pdev)
     \tpriv->dev = &pdev->dev;
    -\tret = led_classdev_register(priv->dev, &led->cdev);
    +\tret = devm_led_classdev_register(priv->dev, &led->cdev);
     \tif (ret)
     \t\treturn ret;
     \treturn 0;
""")


def test_fires_on_devm_registration_on_the_parent():
    assert_fires(devm_wrong_device, PARENT, at=[("drivers/leds/leds-foo.c", 41)])


def test_quiet_on_the_probed_device():
    assert_quiet(devm_wrong_device, OWN_DEVICE, include_low=True)


def test_quiet_when_the_pointer_is_set_from_the_probed_device():
    assert_quiet(devm_wrong_device, PRIV_DEV_SET_FROM_PDEV, include_low=True)


def test_fires_on_real_da903x_master_parent():
    assert_fires(devm_wrong_device, load_case(CASES / "leds-da903x-devm-parent-unbind.patch"),
                 at=[("drivers/leds/leds-da903x.c", 113)])
    assert_quiet(devm_wrong_device, load_case(CASES / "leds-da903x-devm-parent-unbind.fix.patch"), include_low=True)


def test_fires_on_real_88pm860x_mfd_chip_device():
    assert_fires(devm_wrong_device, load_case(CASES / "leds-88pm860x-devm-parent-unbind.patch"),
                 at=[("drivers/leds/leds-88pm860x.c", 206)])


LOCAL_DEV_REASSIGNED = diff("""
    --- a/drivers/i2c/busses/i2c-foo.c
    +++ b/drivers/i2c/busses/i2c-foo.c
    @@ -0,0 +1,12 @@
    +static void foo_reset(struct foo_priv *priv)
    +{
    +\tstruct device *dev = priv->adapter.dev.parent;
    +\tdev_info(dev, "reset\\n");
    +}
    +
    +static int foo_i2c_probe(struct platform_device *pdev)
    +{
    +\tstruct device *dev = &pdev->dev;
    +\tret = devm_request_irq(dev, irq, foo_isr, 0, "foo", priv);
    +\treturn devm_i2c_add_adapter(dev, adap);
    +}
""")


def test_quiet_when_the_local_dev_is_the_probed_device():
    assert_quiet(devm_wrong_device, LOCAL_DEV_REASSIGNED, include_low=True)
