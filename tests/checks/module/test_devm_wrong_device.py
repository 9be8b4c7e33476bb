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


# A devm action on the parent runs when the parent unbinds, after this driver's data is gone;
# a pnp/acpi probe has the same shape as a platform one (mutation benchmark, 6.12 drivers).
ACTION_ON_PARENT = diff("""
    --- a/drivers/nvmem/foo-ocotp.c
    +++ b/drivers/nvmem/foo-ocotp.c
    @@ -165,7 +165,7 @@ static int foo_ocotp_probe(struct platform_device *pdev)
     \tif (ret)
     \t\treturn ret;
     
    -\tret = devm_add_action_or_reset(&pdev->dev, foo_ocotp_action, otp->clk);
    +\tret = devm_add_action_or_reset(pdev->dev.parent, foo_ocotp_action, otp->clk);
     \tif (ret)
     \t\treturn ret;
     
""")

PNP_PROBE_ON_PARENT = diff("""
    --- a/drivers/media/rc/foo-cir.c
    +++ b/drivers/media/rc/foo-cir.c
    @@ -1005,7 +1005,7 @@ static int foo_probe(struct pnp_dev *pdev, const struct pnp_device_id *dev_id)
     \trdev->max_timeout = 0xff * 1000;
     \trdev->rx_resolution = 1000;
     
    -\tret = devm_rc_register_device(&pdev->dev, rdev);
    +\tret = devm_rc_register_device(pdev->dev.parent, rdev);
     \tif (ret)
     \t\treturn ret;
     
""")

ACTION_ON_OWN_DEVICE = diff("""
    --- a/drivers/nvmem/foo-ocotp.c
    +++ b/drivers/nvmem/foo-ocotp.c
    @@ -165,6 +165,7 @@ static int foo_ocotp_probe(struct platform_device *pdev)
     \tif (ret)
     \t\treturn ret;
     
    +\tret = devm_add_action_or_reset(&pdev->dev, foo_ocotp_action, otp->clk);
     \tif (ret)
     \t\treturn ret;
     
""")


def test_fires_on_devm_action_on_the_parent():
    assert_fires(devm_wrong_device, ACTION_ON_PARENT, at=[("drivers/nvmem/foo-ocotp.c", 168)])


def test_fires_in_a_pnp_probe():
    assert_fires(devm_wrong_device, PNP_PROBE_ON_PARENT, at=[("drivers/media/rc/foo-cir.c", 1008)])


def test_quiet_on_devm_action_on_the_probed_device():
    assert_quiet(devm_wrong_device, ACTION_ON_OWN_DEVICE, include_low=True)


# New drivers (shape of real submissions): the devm device is the probed one, reached through a
# private struct whose member is set from the probe argument later in the file.
VIA_PRIVATE_MEMBER = diff("""
    --- /dev/null
    +++ b/drivers/hid/hid-acme.c
    @@ -0,0 +1,16 @@
    +static int acme_battery_register(struct acme_device *sd)
    +{
    +\tsd->battery = devm_power_supply_register(&sd->hdev->dev, &sd->desc, &cfg);
    +\treturn PTR_ERR_OR_ZERO(sd->battery);
    +}
    +
    +static int acme_probe(struct hid_device *hdev, const struct hid_device_id *id)
    +{
    +\tstruct acme_device *sd;
    +
    +\tsd = devm_kzalloc(&hdev->dev, sizeof(*sd), GFP_KERNEL);
    +\tif (!sd)
    +\t\treturn -ENOMEM;
    +\tsd->hdev = hdev;
    +\treturn acme_battery_register(sd);
    +}
""")

IIO_PARENT_IS_PROBED = diff("""
    --- a/drivers/iio/adc/acme.c
    +++ b/drivers/iio/adc/acme.c
    @@ -40,3 +40,5 @@ static int acme_probe(struct platform_device *pdev)
     \tindio_dev->dev.parent = &pdev->dev;
    +\tret = devm_request_irq(indio_dev->dev.parent, irq, acme_isr, 0, "acme", st);
    +\tret = devm_iio_device_register(indio_dev->dev.parent, indio_dev);
     \tif (ret)
     \t\treturn ret;
""")


def test_quiet_when_the_device_is_the_probed_one_by_another_name():
    assert_quiet(devm_wrong_device, VIA_PRIVATE_MEMBER, include_low=True)
    assert_quiet(devm_wrong_device, IIO_PARENT_IS_PROBED, include_low=True)


def test_tree_mode_reports_only_what_the_patch_introduces():
    from tests.helpers import tree_case
    pre = ("static int foo_led_probe(struct platform_device *pdev)\n{\n"
           "\tret = devm_led_classdev_register(pdev->dev.parent, &led->cdev);\n"
           "\tif (ret)\n\t\treturn ret;\n\treturn 0;\n}\n")
    post = pre.replace("\tif (ret)\n", "\tif (ret < 0)\n")
    series, context_for = tree_case("drivers/leds/leds-foo.c", pre, post)
    assert_quiet(devm_wrong_device, series, include_low=True, context_for=context_for)
    pre2 = pre.replace("devm_led_classdev_register", "led_classdev_register")
    series, context_for = tree_case("drivers/leds/leds-foo.c", pre2, post)
    assert_fires(devm_wrong_device, series, at=[("drivers/leds/leds-foo.c", 3)], context_for=context_for)


LOOKED_UP_DEVICE = diff("""
    --- a/drivers/phy/acme/phy-acme.c
    +++ b/drivers/phy/acme/phy-acme.c
    @@ -70,3 +70,6 @@ static int acme_phy_probe(struct platform_device *pdev)
     \tnp = of_parse_phandle(pdev->dev.of_node, "acme,syscon", 0);
    +\tsyscon = of_find_device_by_node(np);
    +\tret = devm_add_action_or_reset(&syscon->dev, acme_phy_unmap,
    +\t\t\t\t       priv);
     \tif (ret)
     \t\treturn ret;
""")


def test_fires_on_devm_tied_to_a_looked_up_device():
    assert_fires(devm_wrong_device, LOOKED_UP_DEVICE, at=[("drivers/phy/acme/phy-acme.c", 72)])
    own = diff("""
        --- a/drivers/phy/acme/phy-acme.c
        +++ b/drivers/phy/acme/phy-acme.c
        @@ -70,3 +70,6 @@ static int acme_phy_probe(struct platform_device *pdev)
         \tnp = of_parse_phandle(pdev->dev.of_node, "acme,syscon", 0);
        +\tsyscon = of_find_device_by_node(np);
        +\tret = devm_add_action_or_reset(&pdev->dev, acme_phy_unmap,
        +\t\t\t\t       priv);
         \tif (ret)
         \t\treturn ret;
    """)
    assert_quiet(devm_wrong_device, own, include_low=True)


# A new LED driver (the lp5816 posting, shortened): an attribute group added with devres on
# the class device that a devm registration on the probed device created.  That device has no
# driver; device_del() releases its devres when the registration is undone at the probed
# device's unbind.  The same call on a device the probe did not register stays reported.
_CLASSDEV_GROUP = """
    --- /dev/null
    +++ b/drivers/leds/leds-foo-rgbw.c
    @@ -0,0 +1,13 @@
    +static int foo_rgbw_probe(struct i2c_client *client)
    +{
    +\tstruct foo_rgbw *chip;
    +\tint res;
    +
    +\tres = devm_led_classdev_multicolor_register(&client->dev, &chip->mcdev);
    +\tif (res < 0)
    +\t\treturn res;
    +\tres = devm_device_add_group({dev}, &foo_rgbw_group);
    +\tif (res < 0)
    +\t\treturn res;
    +\treturn 0;
    +}
"""


def test_quiet_on_the_device_of_an_object_the_probe_registered_with_devm():
    assert_quiet(devm_wrong_device, diff(_CLASSDEV_GROUP.replace("{dev}", "chip->mcdev.led_cdev.dev")),
                 include_low=True)


def test_fires_on_the_device_of_an_object_the_probe_did_not_register():
    assert_fires(devm_wrong_device, diff(_CLASSDEV_GROUP.replace("{dev}", "chip->other.led_cdev.dev")),
                 at=[("drivers/leds/leds-foo-rgbw.c", 9)], include_low=True)


# drivers/gpio/gpio-adnp.c (6.12, lines 388-545) as a new file: `chip->parent` is the gpio_chip's owning device,
# set to the probed I2C client's device, not the parent of a device.
CHIP_PARENT_TEXT = """
    --- /dev/null
    +++ b/drivers/gpio/gpio-foo.c
    @@ -0,0 +1,158 @@
    +static int adnp_irq_setup(struct adnp *adnp)
    +{
    +	unsigned int num_regs = 1 << adnp->reg_shift, i;
    +	struct gpio_chip *chip = &adnp->gpio;
    +	int err;
    +
    +	mutex_init(&adnp->irq_lock);
    +
    +	/*
    +	 * Allocate memory to keep track of the current level and trigger
    +	 * modes of the interrupts. To avoid multiple allocations, a single
    +	 * large buffer is allocated and pointers are setup to point at the
    +	 * corresponding offsets. For consistency, the layout of the buffer
    +	 * is chosen to match the register layout of the hardware in that
    +	 * each segment contains the corresponding bits for all interrupts.
    +	 */
    +	adnp->irq_enable = devm_kcalloc(chip->parent, num_regs, 6,
    +					GFP_KERNEL);
    +	if (!adnp->irq_enable)
    +		return -ENOMEM;
    +
    +	adnp->irq_level = adnp->irq_enable + (num_regs * 1);
    +	adnp->irq_rise = adnp->irq_enable + (num_regs * 2);
    +	adnp->irq_fall = adnp->irq_enable + (num_regs * 3);
    +	adnp->irq_high = adnp->irq_enable + (num_regs * 4);
    +	adnp->irq_low = adnp->irq_enable + (num_regs * 5);
    +
    +	for (i = 0; i < num_regs; i++) {
    +		/*
    +		 * Read the initial level of all pins to allow the emulation
    +		 * of edge triggered interrupts.
    +		 */
    +		err = adnp_read(adnp, GPIO_PLR(adnp) + i, &adnp->irq_level[i]);
    +		if (err < 0)
    +			return err;
    +
    +		/* disable all interrupts */
    +		err = adnp_write(adnp, GPIO_IER(adnp) + i, 0);
    +		if (err < 0)
    +			return err;
    +
    +		adnp->irq_enable[i] = 0x00;
    +	}
    +
    +	err = devm_request_threaded_irq(chip->parent, adnp->client->irq,
    +					NULL, adnp_irq,
    +					IRQF_TRIGGER_RISING | IRQF_ONESHOT,
    +					dev_name(chip->parent), adnp);
    +	if (err != 0) {
    +		dev_err(chip->parent, "can't request IRQ#%d: %d\\n",
    +			adnp->client->irq, err);
    +		return err;
    +	}
    +
    +	return 0;
    +}
    +
    +static int adnp_gpio_setup(struct adnp *adnp, unsigned int num_gpios,
    +			   bool is_irq_controller)
    +{
    +	struct gpio_chip *chip = &adnp->gpio;
    +	int err;
    +
    +	adnp->reg_shift = get_count_order(num_gpios) - 3;
    +
    +	chip->direction_input = adnp_gpio_direction_input;
    +	chip->direction_output = adnp_gpio_direction_output;
    +	chip->get = adnp_gpio_get;
    +	chip->set = adnp_gpio_set;
    +	chip->can_sleep = true;
    +
    +	if (IS_ENABLED(CONFIG_DEBUG_FS))
    +		chip->dbg_show = adnp_gpio_dbg_show;
    +
    +	chip->base = -1;
    +	chip->ngpio = num_gpios;
    +	chip->label = adnp->client->name;
    +	chip->parent = &adnp->client->dev;
    +	chip->owner = THIS_MODULE;
    +
    +	if (is_irq_controller) {
    +		struct gpio_irq_chip *girq;
    +
    +		err = adnp_irq_setup(adnp);
    +		if (err)
    +			return err;
    +
    +		girq = &chip->irq;
    +		gpio_irq_chip_set_chip(girq, &adnp_irq_chip);
    +
    +		/* This will let us handle the parent IRQ in the driver */
    +		girq->parent_handler = NULL;
    +		girq->num_parents = 0;
    +		girq->parents = NULL;
    +		girq->default_type = IRQ_TYPE_NONE;
    +		girq->handler = handle_simple_irq;
    +		girq->threaded = true;
    +	}
    +
    +	err = devm_gpiochip_add_data(&adnp->client->dev, chip, adnp);
    +	if (err)
    +		return err;
    +
    +	return 0;
    +}
    +
    +static int adnp_i2c_probe(struct i2c_client *client)
    +{
    +	struct device *dev = &client->dev;
    +	struct adnp *adnp;
    +	u32 num_gpios;
    +	int err;
    +
    +	err = device_property_read_u32(dev, "nr-gpios", &num_gpios);
    +	if (err < 0)
    +		return err;
    +
    +	adnp = devm_kzalloc(&client->dev, sizeof(*adnp), GFP_KERNEL);
    +	if (!adnp)
    +		return -ENOMEM;
    +
    +	mutex_init(&adnp->i2c_lock);
    +	adnp->client = client;
    +
    +	err = adnp_gpio_setup(adnp, num_gpios, device_property_read_bool(dev, "interrupt-controller"));
    +	if (err)
    +		return err;
    +
    +	i2c_set_clientdata(client, adnp);
    +
    +	return 0;
    +}
    +
    +static const struct i2c_device_id adnp_i2c_id[] = {
    +	{ "gpio-adnp" },
    +	{ },
    +};
    +MODULE_DEVICE_TABLE(i2c, adnp_i2c_id);
    +
    +static const struct of_device_id adnp_of_match[] = {
    +	{ .compatible = "ad,gpio-adnp", },
    +	{ },
    +};
    +MODULE_DEVICE_TABLE(of, adnp_of_match);
    +
    +static struct i2c_driver adnp_i2c_driver = {
    +	.driver = {
    +		.name = "gpio-adnp",
    +		.of_match_table = adnp_of_match,
    +	},
    +	.probe = adnp_i2c_probe,
    +	.id_table = adnp_i2c_id,
    +};
    +module_i2c_driver(adnp_i2c_driver);
    +
    +MODULE_DESCRIPTION("Avionic Design N-bit GPIO expander");
    +MODULE_AUTHOR("Thierry Reding <thierry.reding@avionic-design.de>");
    +MODULE_LICENSE("GPL");
"""


def test_quiet_on_a_framework_objects_parent_field():
    # at most a low question (another device's devres?), not the parent's high-confidence finding
    assert_quiet(devm_wrong_device, diff(CHIP_PARENT_TEXT))
