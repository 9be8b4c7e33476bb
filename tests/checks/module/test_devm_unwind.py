"""MOD015: a devm set-up made plain whose release the patch adds to remove() only, while probe
fails after it (pata_arasan_cf.c of 6.12, shape); and MOD019 on the opposite conversion."""

from reviewbot.checks.module import device_ref_imbalance, devm_lifetime
from tests.helpers import assert_fires, assert_quiet, diff, tree_case

PATH = "drivers/ata/pata_foo_cf.c"
PRE = """\
static int foo_cf_probe(struct platform_device *pdev)
{
\tstruct foo_cf_dev *acdev;
\tstruct ata_host *host;

\tacdev = devm_kzalloc(&pdev->dev, sizeof(*acdev), GFP_KERNEL);
\tif (!acdev)
\t\treturn -ENOMEM;

\tacdev->clk = devm_clk_get(&pdev->dev, NULL);
\tif (IS_ERR(acdev->clk)) {
\t\tdev_warn(&pdev->dev, "Clock not found\\n");
\t\treturn PTR_ERR(acdev->clk);
\t}

\thost = ata_host_alloc(&pdev->dev, 1);
\tif (!host)
\t\treturn -ENOMEM;
\treturn ata_host_activate(host, 0, NULL, 0, &foo_sht);
}

static void foo_cf_remove(struct platform_device *pdev)
{
\tstruct ata_host *host = platform_get_drvdata(pdev);
\tstruct foo_cf_dev *acdev = host->ports[0]->private_data;

\tata_host_detach(host);
}
"""
POST = PRE.replace("devm_clk_get(&pdev->dev, NULL)", "clk_get(&pdev->dev, NULL)").replace(
    "\tata_host_detach(host);\n", "\tata_host_detach(host);\n\tclk_put(acdev->clk);\n")
# the whole conversion: the unwind of probe puts it too
WHOLE = POST.replace("\tif (!host)\n\t\treturn -ENOMEM;\n", "\tif (!host) {\n\t\tclk_put(acdev->clk);\n"
                     "\t\treturn -ENOMEM;\n\t}\n")


def test_tree_mode_fires_when_the_release_goes_to_remove_only():
    series, ctx = tree_case(PATH, PRE, POST)
    assert_fires(devm_lifetime, series, at=[(PATH, 10, "old")], context_for=ctx)


def test_tree_mode_quiet_when_probe_unwinds_it_too():
    series, ctx = tree_case(PATH, PRE, WHOLE)
    assert_quiet(devm_lifetime, series, include_low=True, context_for=ctx)


def test_tree_mode_quiet_when_a_helper_probe_calls_releases_it():
    pre = PRE.replace("\tif (!host)\n\t\treturn -ENOMEM;\n", "\tif (!host) {\n\t\tfoo_cf_exit(acdev);\n"
                      "\t\treturn -ENOMEM;\n\t}\n") + "\nstatic void foo_cf_exit(struct foo_cf_dev *acdev)\n{\n" \
                                                      "\tfoo_cf_hw_off(acdev);\n}\n"
    post = pre.replace("devm_clk_get(&pdev->dev, NULL)", "clk_get(&pdev->dev, NULL)").replace(
        "\tfoo_cf_hw_off(acdev);\n", "\tfoo_cf_hw_off(acdev);\n\tclk_put(acdev->clk);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(devm_lifetime, series, include_low=True, context_for=ctx)


# the other way round: a plain getter and its put in remove() made devm (the whole conversion)
TO_DEVM = diff("""
    --- a/sound/soc/uniphier/evea.c
    +++ b/sound/soc/uniphier/evea.c
    @@ -457,7 +457,7 @@ static int evea_probe(struct platform_device *pdev)
     \tif (!evea)
     \t\treturn -ENOMEM;
     
    -\tevea->clk = clk_get(&pdev->dev, "evea");
    +\tevea->clk = devm_clk_get(&pdev->dev, "evea");
     \tif (IS_ERR(evea->clk))
     \t\treturn PTR_ERR(evea->clk);
     
    @@ -546,7 +546,6 @@ static void evea_remove(struct platform_device *pdev)
     
     \tclk_disable_unprepare(evea->clk_exiv);
     \tclk_disable_unprepare(evea->clk);
    -\tclk_put(evea->clk);
     }
     
     static const struct of_device_id evea_of_match[] __maybe_unused = {
""")


def test_conversion_to_the_devm_getter_is_not_a_removed_pair():
    assert_quiet(device_ref_imbalance, TO_DEVM, include_low=True)


# leds-cht-wcove.c of 6.12 (shape): the class devices are registered in a loop whose failure
# returns at once; the reversed fix "use devm_led_classdev_register() to avoid memory leak"
LEDS = "drivers/leds/leds-foo.c"
LEDS_PRE = """\
static int foo_leds_probe(struct platform_device *pdev)
{
\tstruct foo_leds *leds;
\tint ret, i;

\tleds = devm_kzalloc(&pdev->dev, sizeof(*leds), GFP_KERNEL);
\tif (!leds)
\t\treturn -ENOMEM;

\tfor (i = 0; i < FOO_LED_COUNT; i++) {
\t\tstruct foo_led *led = &leds->leds[i];

\t\tled->cdev.name = foo_leds_names[i];
\t\tled->cdev.max_brightness = 255;

\t\tret = devm_led_classdev_register(&pdev->dev, &led->cdev);
\t\tif (ret < 0)
\t\t\treturn ret;
\t}

\tplatform_set_drvdata(pdev, leds);
\treturn 0;
}

static void foo_leds_remove(struct platform_device *pdev)
{
\tstruct foo_leds *leds = platform_get_drvdata(pdev);

\tfoo_led_restore_regs(&leds->leds[0]);
}
"""
LEDS_POST = LEDS_PRE.replace("devm_led_classdev_register(&pdev->dev, ", "led_classdev_register(&pdev->dev, ").replace(
    "\tfoo_led_restore_regs(&leds->leds[0]);\n",
    "\tint i;\n\n\tfoo_led_restore_regs(&leds->leds[0]);\n\tfor (i = 0; i < FOO_LED_COUNT; i++)\n"
    "\t\tled_classdev_unregister(&leds->leds[i].cdev);\n")


def test_tree_mode_fires_when_a_later_round_of_the_loop_fails_with_earlier_rounds_registered():
    series, ctx = tree_case(LEDS, LEDS_PRE, LEDS_POST)
    assert_fires(devm_lifetime, series, at=[(LEDS, 16, "old")], context_for=ctx)


def test_tree_mode_quiet_when_the_loop_unwinds_earlier_rounds():
    post = LEDS_POST.replace("\t\tif (ret < 0)\n\t\t\treturn ret;\n",
                             "\t\tif (ret < 0) {\n\t\t\twhile (--i >= 0)\n"
                             "\t\t\t\tled_classdev_unregister(&leds->leds[i].cdev);\n\t\t\treturn ret;\n\t\t}\n")
    assert post != LEDS_POST
    series, ctx = tree_case(LEDS, LEDS_PRE, post)
    assert_quiet(devm_lifetime, series, include_low=True, context_for=ctx)
