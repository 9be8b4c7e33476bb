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


# A conditional put moved up across two hunks of one function, past the unlock of a mutex that
# lives in the object (the shape of the spi_unregister_controller() regression, other names).
MOVED_ACROSS_HUNKS = diff("""
    --- a/drivers/i2c/i2c-foo-core.c
    +++ b/drivers/i2c/i2c-foo-core.c
    @@ -200,6 +200,9 @@ void foo_del_host(struct foo_host *host)
     
     \tdevice_del(&host->dev);
     
    +\tif (!host->devres_managed)
    +\t\tkobject_put(&host->dev.kobj);
    +
     \tmutex_lock(&foo_list_lock);
     \tlist_del(&host->node);
     \tmutex_unlock(&foo_list_lock);
    @@ -208,8 +211,5 @@ void foo_del_host(struct foo_host *host)
     
     \tif (IS_ENABLED(CONFIG_FOO_DYNAMIC))
     \t\tmutex_unlock(&host->add_lock);
    -
    -\tif (!host->devres_managed)
    -\t\tkobject_put(&host->dev.kobj);
     }
     EXPORT_SYMBOL_GPL(foo_del_host);
""")

# A typed put replaced by a generic one of the same object, and moved before its last use.
RENAMED_AND_MOVED = diff("""
    --- a/drivers/mmc/host/foo-pci.c
    +++ b/drivers/mmc/host/foo-pci.c
    @@ -300,10 +300,10 @@ static int foo_probe_slot(struct foo_chip *chip)
     \tsmbus = pci_get_device(PCI_VENDOR_ID_FOO, PCI_DEVICE_ID_FOO_SMBUS, NULL);
     \tif (smbus) {
     \t\tchip->rev = smbus->revision;
    +\t\tput_device(&smbus->dev);
     \t\tchip->quirks |= FOO_QUIRK_SMBUS;
     \t}
     
     \tpci_read_config_byte(smbus, FOO_SMBUS_CFG, &chip->cfg);
    -\tpci_dev_put(smbus);
     \treturn 0;
     }
""")

# The added put sits on an error path that returns: the use below is not after it.
PUT_ON_RETURNING_BRANCH = diff("""
    --- a/drivers/soc/foo/foo-pmu.c
    +++ b/drivers/soc/foo/foo-pmu.c
    @@ -40,10 +40,10 @@ static int foo_pmu_attach(struct device_node *np)
     \tpdev = of_find_device_by_node(np);
     \tpriv = platform_get_drvdata(pdev);
     \tif (!priv) {
    +\t\tput_device(&pdev->dev);
     \t\treturn -EPROBE_DEFER;
     \t}
     \tpriv->users++;
     \tdev_info(&pdev->dev, "attached\\n");
    -\tput_device(&pdev->dev);
     \treturn 0;
     }
""")


def test_fires_on_conditional_put_moved_up_across_hunks_before_an_unlock():
    assert_fires(use_after_put, MOVED_ACROSS_HUNKS, at=[("drivers/i2c/i2c-foo-core.c", 204)])


def test_fires_on_typed_put_renamed_and_moved_before_a_use():
    assert_fires(use_after_put, RENAMED_AND_MOVED, at=[("drivers/mmc/host/foo-pci.c", 303)])


def test_quiet_when_the_added_put_is_on_a_path_that_returns():
    assert_quiet(use_after_put, PUT_ON_RETURNING_BRANCH, include_low=True)


# The same move as git may print it: the use of the object moves down past its unchanged put.
USE_MOVED_PAST_PUT = diff("""
    --- a/drivers/foo/foo-bus.c
    +++ b/drivers/foo/foo-bus.c
    @@ -410,8 +410,8 @@ void foo_destroy_port(struct foo_port *port)
     \tstruct foo_priv *priv = foo_port_priv(port);
     
     \tfoo_set_priv(port, NULL);
    -\tdma_pool_free(port->dev.parent->pool, priv->buf,
    -\t\t      priv->buf_dma);
     \tkobject_put(&port->dev.kobj);
    +\tdma_pool_free(port->dev.parent->pool, priv->buf,
    +\t\t      priv->buf_dma);
     \tkfree(priv);
     }
""")

# A statement that does not touch the put object moves past the put: fine.
OTHER_MOVED_PAST_PUT = diff("""
    --- a/drivers/foo/foo-bus.c
    +++ b/drivers/foo/foo-bus.c
    @@ -410,7 +410,7 @@ void foo_destroy_port(struct foo_port *port)
     \tstruct foo_priv *priv = foo_port_priv(port);
     
    -\tatomic_dec(&foo_nr_ports);
     \tkobject_put(&port->dev.kobj);
    +\tatomic_dec(&foo_nr_ports);
     \tkfree(priv);
     }
     
""")


def test_fires_on_a_use_moved_down_past_the_put():
    assert_fires(use_after_put, USE_MOVED_PAST_PUT, at=[("drivers/foo/foo-bus.c", 414)])


def test_quiet_when_an_unrelated_statement_moves_past_the_put():
    assert_quiet(use_after_put, OTHER_MOVED_PAST_PUT, include_low=True)


# A node looked up here is put (a "leak fix") before the code that still reads it.
NODE_PUT_BEFORE_USE = diff("""
    --- a/drivers/phy/foo/phy-foo-usb.c
    +++ b/drivers/phy/foo/phy-foo-usb.c
    @@ -90,8 +90,9 @@ static int foo_usb_phy_parse(struct foo_phy *phy)
     \tnp = of_parse_phandle(phy->dev->of_node, "foo,syscon", 0);
     \tif (!np)
     \t\treturn -ENODEV;
    +\tof_node_put(np);
     
     \tphy->regmap = syscon_node_to_regmap(np);
     \tif (IS_ERR(phy->regmap))
     \t\treturn PTR_ERR(phy->regmap);
     \treturn 0;
""")

# The function took an extra reference on an object it was given: putting that one before
# using the object is fine, the caller still holds its own.
EXTRA_REF_PUT_BEFORE_USE = diff("""
    --- a/net/foo/foo_auth.c
    +++ b/net/foo/foo_auth.c
    @@ -540,9 +540,10 @@ foo_alloc_msg(struct foo_auth *auth, int vers)
     \tkref_get(&auth->kref);
     \terr = foo_pipe_get(auth->net, vers);
     \tif (err < 0)
     \t\tgoto err_put;
     \treturn msg;
     err_put:
    +\tkref_put(&auth->kref, foo_free_auth);
     \tfoo_pipe_put(auth->net);
     \tkfree(msg);
     \treturn ERR_PTR(err);
""")


def test_fires_on_looked_up_node_put_before_its_use():
    assert_fires(use_after_put, NODE_PUT_BEFORE_USE, at=[("drivers/phy/foo/phy-foo-usb.c", 93)])


def test_quiet_on_put_of_an_extra_reference_before_use():
    assert_quiet(use_after_put, EXTRA_REF_PUT_BEFORE_USE, include_low=True)


# kref_put() releases the container of the kref, whatever the member is called (`ref`, `refs`,
# `refcnt`, `users`): code after a put moved up still reaches through the freed session.
KREF_MOVED_UP = """
    --- a/drivers/misc/foo/foo-session.c
    +++ b/drivers/misc/foo/foo-session.c
    @@ -220,9 +220,9 @@ static void foo_session_close(struct foo_session *s)
     \tmutex_lock(&s->dev->lock);
     \tlist_del(&s->node);
     \tmutex_unlock(&s->dev->lock);
    +\tkref_put(&s->ref, foo_session_release);
     \twake_up(&s->dev->waitq);
     \tatomic_dec(&s->dev->nsessions);
    -\tkref_put(&s->ref, foo_session_release);
     }
     
     static int foo_open(struct inode *inode, struct file *file)
"""


def test_fires_on_kref_put_moved_before_uses_of_its_container():
    assert_fires(use_after_put, diff(KREF_MOVED_UP), at=[("drivers/misc/foo/foo-session.c", 223)])


def test_quiet_when_the_kref_put_moves_down():
    down = KREF_MOVED_UP.replace("    +\tkref_put(&s->ref, foo_session_release);\n", "    @\n") \
        .replace("    -\tkref_put(&s->ref, foo_session_release);\n", "    +\tkref_put(&s->ref, foo_session_release);\n") \
        .replace("    @\n", "    -\tkref_put(&s->ref, foo_session_release);\n")
    assert_quiet(use_after_put, diff(down), include_low=True)


# The exit after a put in an error branch removed (kref-counted request, as drivers submit
# them; the same with put_device()): the path goes on past the put to code using the object.
EXIT_GONE = """
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -30,9 +30,8 @@ static int foo_submit(struct foo_req *req)
     \tret = foo_queue(req);
     \tif (ret) {
     \t\tkref_put(&req->ref, foo_req_release);
    -\t\treturn ret;
     \t}
     
     \treq->state = FOO_QUEUED;
     \treturn 0;
     }
"""


def test_fires_when_the_exit_after_a_put_is_removed():
    assert_fires(use_after_put, diff(EXIT_GONE), [("drivers/foo/core.c", 33, "old")])


def test_quiet_on_adding_the_exit_back():
    fix = EXIT_GONE.replace("@@ -30,9 +30,8 @@", "@@ -30,8 +30,9 @@").replace("-\t\treturn ret;", "+\t\treturn ret;")
    assert_quiet(use_after_put, diff(fix), include_low=True)


def test_quiet_when_the_exit_becomes_a_goto():
    assert_quiet(use_after_put, diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -30,9 +30,9 @@ static int foo_submit(struct foo_req *req)
     \tret = foo_queue(req);
     \tif (ret) {
     \t\tkref_put(&req->ref, foo_req_release);
    -\t\treturn ret;
    +\t\tgoto out;
     \t}
     
     \treq->state = FOO_QUEUED;
     \treturn 0;
     }
    """), include_low=True)


def test_quiet_when_nothing_after_the_block_uses_the_object():
    assert_quiet(use_after_put, diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -30,9 +30,8 @@ static int foo_submit(struct foo_req *req)
     \tret = foo_queue(req);
     \tif (ret) {
     \t\tkref_put(&req->ref, foo_req_release);
    -\t\treturn ret;
     \t}
     
     \tfoo_stats.submitted++;
     \treturn ret;
     }
    """), include_low=True)


# An added use after an unchanged put (yurex_disconnect() of 6.12, paraphrased): the put may
# have been the last reference and run the release.
USE_ADDED_AFTER_PUT = diff("""
    --- a/drivers/usb/misc/yurex.c
    +++ b/drivers/usb/misc/yurex.c
    @@ -327,6 +327,7 @@ static void yurex_disconnect(struct usb_interface *interface)
     
     \t/* decrement our usage count */
     \tkref_put(&dev->kref, yurex_delete);
    +\tdev->disconnected = 1;
     
     \tdev_info(&interface->dev, "USB YUREX #%d now disconnected\\n", minor);
     }
""")

# The same statement added before the put: fine.
USE_ADDED_BEFORE_PUT = diff("""
    --- a/drivers/usb/misc/yurex.c
    +++ b/drivers/usb/misc/yurex.c
    @@ -326,6 +326,7 @@ static void yurex_disconnect(struct usb_interface *interface)
     \twake_up_interruptible(&dev->waitq);
     
     \t/* decrement our usage count */
    +\tdev->disconnected = 1;
     \tkref_put(&dev->kref, yurex_delete);
     
     \tdev_info(&interface->dev, "USB YUREX #%d now disconnected\\n", minor);
""")

# The function takes its own reference and drops it: a use after that put relies on the
# caller's reference (a look-alike), and so does a use of its parameter.
USE_AFTER_OWN_EXTRA_PUT = diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -40,5 +40,6 @@ static void foo_poke(struct foo_ctx *ctx)
     \tkref_get(&obj->ref);
     \tfoo_flush(obj);
     \tkref_put(&obj->ref, foo_release);
    +\tobj->flushed = true;
     }
     
""")

USE_OF_PARAM_AFTER_PUT = diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -40,4 +40,5 @@ static void foo_done(struct foo *obj)
     \tfoo_flush(obj);
     \tput_device(&obj->dev);
    +\tobj->flushed = true;
     }
     
""")


def test_fires_on_use_added_after_unchanged_put():
    assert_fires(use_after_put, USE_ADDED_AFTER_PUT, at=[("drivers/usb/misc/yurex.c", 330)])


def test_quiet_on_use_added_before_put():
    assert_quiet(use_after_put, USE_ADDED_BEFORE_PUT, include_low=True)


def test_quiet_on_use_after_put_of_an_extra_reference_or_a_parameter():
    assert_quiet(use_after_put, USE_AFTER_OWN_EXTRA_PUT, include_low=True)
    assert_quiet(use_after_put, USE_OF_PARAM_AFTER_PUT, include_low=True)
