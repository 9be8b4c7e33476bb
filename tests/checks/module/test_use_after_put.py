from reviewbot.checks.module import use_after_put
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case

CASES = DATA / "checks" / "use-after-put"

MOVED_UP = diff("""
    --- a/drivers/spi/spi-foo.c
    +++ b/drivers/spi/spi-foo.c
    @@ -50,7 +50,7 @@ static void foo_remove(struct platform_device *pdev)
     \tstruct foo *priv = spi_controller_get_devdata(host);
     
    +\tspi_controller_put(host);
     \tdma_release_channel(priv->dma_rx);
     \tclk_disable_unprepare(priv->clk);
    -\tspi_controller_put(host);
     }
     
""")

MOVED_DOWN = diff("""
    --- a/drivers/spi/spi-foo.c
    +++ b/drivers/spi/spi-foo.c
    @@ -50,7 +50,7 @@ static void foo_remove(struct platform_device *pdev)
     \tstruct foo *priv = spi_controller_get_devdata(host);
     
    -\tspi_controller_put(host);
     \tdma_release_channel(priv->dma_rx);
     \tclk_disable_unprepare(priv->clk);
    +\tspi_controller_put(host);
     }
     
""")

NODE_PUT_MOVED_UP = diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -50,5 +50,5 @@ static int foo_parse(struct foo *foo)
     \tret = of_property_read_u32(np, "reg", &foo->reg);
    +\tof_node_put(np);
     \tif (ret)
     \t\treturn dev_err_probe(foo->dev, ret, "no reg\\n");
     \tfoo->ready = true;
    -\tof_node_put(np);
""")

MODULE_PUT_BEFORE_RELEASE = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -80,4 +80,4 @@ void foo_put(struct foo *foo)
     {
    +\tmodule_put(foo->owner);
     \tput_device(&foo->dev);
    -\tmodule_put(foo->owner);
     }
""")


def test_fires_on_put_moved_before_uses_of_private_data():
    assert_fires(use_after_put, MOVED_UP, at=[("drivers/spi/spi-foo.c", 52)])


def test_fires_on_module_put_moved_before_the_release():
    assert_fires(use_after_put, MODULE_PUT_BEFORE_RELEASE, at=[("drivers/foo/core.c", 81)])


def test_quiet_on_put_moved_after_the_uses():
    assert_quiet(use_after_put, MOVED_DOWN, include_low=True)


def test_quiet_on_node_put_moved_after_its_last_use():
    assert_quiet(use_after_put, NODE_PUT_MOVED_UP, include_low=True)


def test_fires_on_real_spi_davinci_remove():
    assert_fires(use_after_put, load_case(CASES / "spi-davinci-remove-put-before-use.patch"),
                 at=[("drivers/spi/spi-davinci.c", 1043)])
    assert_quiet(use_after_put, load_case(CASES / "spi-davinci-remove-put-before-use.fix.patch"), include_low=True)
