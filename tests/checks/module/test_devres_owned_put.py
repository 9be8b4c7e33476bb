"""MOD019 / MOD003 / MOD036: a reference devres owns, put by hand (a devm getter's object, a
devm_add_action_or_reset() put action's data), shapes of 6.12's spi-pxa2xx-pci.c and
pata_arasan_cf.c; and a conversion to the devm allocator that keeps the plain put
(spi-altera-platform.c)."""

from reviewbot.checks.module import device_ref_imbalance, devm_released_twice, get_without_put_on_exit
from tests.helpers import assert_fires, assert_quiet, diff, tree_case

_ACTION_PUT = """
    --- a/drivers/spi/spi-foo-pci.c
    +++ b/drivers/spi/spi-foo-pci.c
    @@ -150,6 +150,8 @@ static int foo_spi_setup(struct pci_dev *dev, struct foo_ssp *c)
     \tdma_dev = pci_get_slot(dev->bus, PCI_DEVFN(PCI_SLOT(dev->devfn), 0));
     \tret = devm_add_action_or_reset(&dev->dev, foo_dma_put_device, dma_dev);
    -\tif (ret)
    +\tif (ret) {
    +\t\tpci_dev_put(dma_dev);
     \t\treturn ret;
    +\t}
     
     \tc->dma_dev = &dma_dev->dev;
"""
ACTION_PUT = diff(_ACTION_PUT)

# the fix direction: the put removed again (not a leak: the action dropped it)
ACTION_PUT_FIX = diff("""
    --- a/drivers/spi/spi-foo-pci.c
    +++ b/drivers/spi/spi-foo-pci.c
    @@ -150,8 +150,6 @@ static int foo_spi_setup(struct pci_dev *dev, struct foo_ssp *c)
     \tdma_dev = pci_get_slot(dev->bus, PCI_DEVFN(PCI_SLOT(dev->devfn), 0));
     \tret = devm_add_action_or_reset(&dev->dev, foo_dma_put_device, dma_dev);
    -\tif (ret) {
    -\t\tpci_dev_put(dma_dev);
    +\tif (ret)
     \t\treturn ret;
    -\t}
     
     \tc->dma_dev = &dma_dev->dev;
""")

# plain devm_add_action(): on failure the reference is still the caller's
PLAIN_ACTION_FAILURE = diff("""
    --- a/drivers/spi/spi-foo-pci.c
    +++ b/drivers/spi/spi-foo-pci.c
    @@ -150,6 +150,8 @@ static int foo_spi_setup(struct pci_dev *dev, struct foo_ssp *c)
     \tdma_dev = pci_get_slot(dev->bus, PCI_DEVFN(PCI_SLOT(dev->devfn), 0));
     \tret = devm_add_action(&dev->dev, foo_dma_put_device, dma_dev);
    -\tif (ret)
    +\tif (ret) {
    +\t\tpci_dev_put(dma_dev);
     \t\treturn ret;
    +\t}
     
     \tc->dma_dev = &dma_dev->dev;
""")

# an action that disables, not puts: the put is this code's own
DISABLE_ACTION = diff(_ACTION_PUT.replace("foo_dma_put_device", "foo_dma_disable"))


def test_fires_on_put_after_a_put_action_took_the_reference():
    assert_fires(device_ref_imbalance, ACTION_PUT, at=[("drivers/spi/spi-foo-pci.c", 153)])


def test_quiet_when_the_put_is_the_callers_after_a_failed_plain_action():
    assert_quiet(device_ref_imbalance, PLAIN_ACTION_FAILURE, include_low=True)


def test_quiet_when_the_action_does_not_put():
    assert_quiet(device_ref_imbalance, DISABLE_ACTION, include_low=True)


def test_removing_that_put_is_not_a_leak():
    assert_quiet(get_without_put_on_exit, ACTION_PUT_FIX)


PATH = "drivers/ata/pata_foo_cf.c"
PRE = """\
static int foo_cf_probe(struct platform_device *pdev)
{
\tstruct foo_cf_dev *acdev;

\tacdev = devm_kzalloc(&pdev->dev, sizeof(*acdev), GFP_KERNEL);
\tif (!acdev)
\t\treturn -ENOMEM;
\tacdev->clk = devm_clk_get(&pdev->dev, NULL);
\tif (IS_ERR(acdev->clk))
\t\treturn PTR_ERR(acdev->clk);
\tplatform_set_drvdata(pdev, acdev);
\treturn 0;
}

static void foo_cf_remove(struct platform_device *pdev)
{
\tstruct foo_cf_dev *acdev = platform_get_drvdata(pdev);

\tfoo_cf_exit(acdev);
}
"""
POST = PRE.replace("\tfoo_cf_exit(acdev);\n", "\tfoo_cf_exit(acdev);\n\tclk_put(acdev->clk);\n")


def test_tree_mode_fires_on_put_in_remove_of_a_devm_getters_object():
    series, ctx = tree_case(PATH, PRE, POST)
    assert_fires(device_ref_imbalance, series, at=[(PATH, 20)], context_for=ctx)


def test_tree_mode_quiet_when_the_object_also_comes_from_the_plain_getter():
    pre = PRE.replace("\tplatform_set_drvdata(pdev, acdev);\n",
                      "\tif (!acdev->clk)\n\t\tacdev->clk = clk_get(NULL, \"foo\");\n"
                      "\tplatform_set_drvdata(pdev, acdev);\n")
    post = pre.replace("\tfoo_cf_exit(acdev);\n", "\tfoo_cf_exit(acdev);\n\tclk_put(acdev->clk);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)


def test_tree_mode_removing_that_put_is_not_a_leak():
    series, ctx = tree_case(PATH, POST, PRE)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


SPI_PATH = "drivers/spi/spi-foo.c"
SPI_PRE = """\
static int foo_spi_probe(struct platform_device *pdev)
{
\tstruct spi_controller *host;
\tint err;

\thost = spi_alloc_host(&pdev->dev, sizeof(struct foo_spi));
\tif (!host)
\t\treturn -ENOMEM;
\terr = foo_spi_hw_init(host);
\tif (err)
\t\tgoto exit;
\terr = devm_spi_register_controller(&pdev->dev, host);
\tif (err)
\t\tgoto exit;
\treturn 0;
exit:
\tspi_controller_put(host);
\treturn err;
}
"""
SPI_POST = SPI_PRE.replace("host = spi_alloc_host(", "host = devm_spi_alloc_host(")


def test_tree_mode_fires_on_devm_allocator_that_keeps_the_plain_put():
    series, ctx = tree_case(SPI_PATH, SPI_PRE, SPI_POST)
    assert_fires(devm_released_twice, series, at=[(SPI_PATH, 6)], context_for=ctx)


def test_tree_mode_quiet_on_the_whole_conversion():
    post = SPI_POST.replace("\tif (err)\n\t\tgoto exit;\n", "\tif (err)\n\t\treturn err;\n").replace(
        "exit:\n\tspi_controller_put(host);\n\treturn err;\n", "")
    series, ctx = tree_case(SPI_PATH, SPI_PRE, post)
    assert_quiet(devm_released_twice, series, include_low=True, context_for=ctx)


# remove() puts the controller it reads back from drvdata; probe allocated it with the devm
# allocator (6.12's spi-davinci.c after its devm conversion): devres puts it again on unbind
REMOVE_PATH = "drivers/spi/spi-bar.c"
REMOVE_PRE = """\
static int bar_spi_probe(struct platform_device *pdev)
{
\tstruct spi_controller *host;
\tstruct bar_spi *bs;
\tint ret;

\thost = devm_spi_alloc_host(&pdev->dev, sizeof(struct bar_spi));
\tif (host == NULL)
\t\treturn -ENOMEM;
\tplatform_set_drvdata(pdev, host);
\tbs = spi_controller_get_devdata(host);
\tret = spi_bitbang_start(&bs->bitbang);
\tif (ret)
\t\treturn ret;
\treturn 0;
}

static void bar_spi_remove(struct platform_device *pdev)
{
\tstruct spi_controller *host;
\tstruct bar_spi *bs;

\thost = platform_get_drvdata(pdev);
\tbs = spi_controller_get_devdata(host);

\tspi_bitbang_stop(&bs->bitbang);
\tdevm_free_irq(&pdev->dev, bs->irq, bs);
\tclk_disable_unprepare(bs->clk);
}
"""
REMOVE_POST = REMOVE_PRE.replace("\tclk_disable_unprepare(bs->clk);\n",
                                 "\tclk_disable_unprepare(bs->clk);\n\n\tspi_controller_put(host);\n")


def test_tree_mode_fires_on_put_in_remove_of_probes_devm_allocation():
    series, ctx = tree_case(REMOVE_PATH, REMOVE_PRE, REMOVE_POST)
    assert_fires(device_ref_imbalance, series, at=[(REMOVE_PATH, 30)], context_for=ctx)


def test_tree_mode_quiet_on_put_in_remove_of_probes_plain_allocation():
    pre = REMOVE_PRE.replace("devm_spi_alloc_host(", "spi_alloc_host(")
    post = REMOVE_POST.replace("devm_spi_alloc_host(", "spi_alloc_host(")
    series, ctx = tree_case(REMOVE_PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)
