"""MOD019: a put on an unwind path entered after a registration that owns the reference
succeeded (the registration's undo drops it: spi_unregister_controller(), input_unregister_device(),
device_unregister(); devres runs it for the devm twin).  Shapes of spi-sprd-adi.c (the
reversed fix of "spi: spi-sprd-adi: Fix double free in probe error path") and of
drivers/input/misc/m68kspkr.c of 6.12."""

from reviewbot.checks.module import device_ref_imbalance
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

SPI = r"""
static int foo_adi_probe(struct platform_device *pdev)
{
\tstruct spi_controller *ctlr;
\tstruct foo_adi *sadi;
\tint ret;

\tctlr = spi_alloc_host(&pdev->dev, sizeof(struct foo_adi));
\tif (!ctlr)
\t\treturn -ENOMEM;

\tsadi = spi_controller_get_devdata(ctlr);
\tsadi->base = devm_platform_ioremap_resource(pdev, 0);
\tif (IS_ERR(sadi->base)) {
\t\tret = PTR_ERR(sadi->base);
\t\tgoto put_ctlr;
\t}

\tret = devm_spi_register_controller(&pdev->dev, ctlr);
\tif (ret) {
\t\tdev_err(&pdev->dev, "failed to register SPI controller\n");
\t\tgoto put_ctlr;
\t}

\tif (sadi->data->restart) {
\t\tret = devm_register_restart_handler(&pdev->dev, sadi->data->restart, sadi);
\t\tif (ret) {
\t\t\tdev_err(&pdev->dev, "can not register restart handler\n");
\t\t\tgoto put_ctlr;
\t\t}
\t}

\treturn 0;

put_ctlr:
\tspi_controller_put(ctlr);
\treturn ret;
}
"""

INPUT = r"""
static int foo_beeper_probe(struct platform_device *dev)
{
\tstruct input_dev *input_dev;
\tint err;

\tinput_dev = input_allocate_device();
\tif (!input_dev)
\t\treturn -ENOMEM;

\tinput_dev->name = "foo beeper";
\tinput_dev->dev.parent = &dev->dev;

\terr = input_register_device(input_dev);
\tif (err)
\t\tgoto err_free;

\terr = device_create_file(&dev->dev, &dev_attr_tone);
\tif (err)
\t\tgoto err_free;

\tplatform_set_drvdata(dev, input_dev);
\treturn 0;

err_free:
\tinput_free_device(input_dev);
\treturn err;
}
"""


def test_fires_on_a_put_after_the_devm_registration_took_the_controller():
    assert_fires(device_ref_imbalance, new_file("drivers/spi/spi-foo-adi.c", SPI),
                 at=[("drivers/spi/spi-foo-adi.c", _at(SPI, "spi_controller_put(ctlr)"))])


def test_fires_on_free_after_input_registration_succeeded():
    assert_fires(device_ref_imbalance, new_file("drivers/input/misc/foo.c", INPUT),
                 at=[("drivers/input/misc/foo.c", _at(INPUT, "input_free_device(input_dev)"))])


def test_quiet_on_the_fix_and_when_only_the_registration_fails():
    fixed = SPI.replace("spi_alloc_host(", "devm_spi_alloc_host(").replace("goto put_ctlr;", "return ret;")
    fixed = fixed.replace("put_ctlr:\n\\tspi_controller_put(ctlr);\n\\treturn ret;\n", "")
    assert "spi_controller_put" not in fixed
    assert_quiet(device_ref_imbalance, new_file("drivers/spi/spi-foo-adi.c", fixed))
    no_later = SPI.replace("\\t\\t\\tgoto put_ctlr;\n\\t\\t}\n\\t}", "\\t\\t\\treturn ret;\n\\t\\t}\n\\t}")
    assert no_later != SPI
    assert_quiet(device_ref_imbalance, new_file("drivers/spi/spi-foo-adi.c", no_later))


def test_quiet_when_the_unwind_unregisters_first():
    fixed = INPUT.replace("\\tif (err)\n\\t\\tgoto err_free;\n\n\\tplatform_set_drvdata",
                          "\\tif (err)\n\\t\\tgoto err_unregister;\n\n\\tplatform_set_drvdata")
    assert fixed != INPUT
    fixed = fixed.replace("err_free:\n", "err_unregister:\n\\tinput_unregister_device(input_dev);\n\\treturn err;\nerr_free:\n")
    assert_quiet(device_ref_imbalance, new_file("drivers/input/misc/foo.c", fixed))
