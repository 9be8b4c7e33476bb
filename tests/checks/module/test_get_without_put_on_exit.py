
from reviewbot.checks.module import get_without_put_on_exit
from tests import helpers
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case

CASES = DATA / "checks" / "get-without-put-on-exit"

REMOVED_PUT_TEXT = """
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -20,6 +20,4 @@ static int bar_probe(struct platform_device *pdev)
     \tbuf = kmalloc(64, GFP_KERNEL);
    -\tif (!buf) {
    -\t\tput_device(&peer->dev);
    +\tif (!buf)
     \t\treturn -ENOMEM;
    -\t}
     \tpriv->buf = buf;
"""
REMOVED_PUT = diff(REMOVED_PUT_TEXT)

RETARGET = diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -30,11 +30,11 @@ static int bar_probe(struct platform_device *pdev)
     \tret = bar_setup(priv);
     \tif (ret)
    -\t\tgoto err_put;
    +\t\tgoto err_free;
     \treturn 0;
     
     err_put:
     \tmodule_put(priv->ops->owner);
     err_free:
     \tkfree(priv);
     \treturn ret;
     }
""")

ADDED_RETURN = diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -10,9 +10,12 @@ static int bar_open(struct bar *b)
     \tif (!try_module_get(b->ops->owner))
     \t\treturn -ENODEV;
     \tret = b->ops->open(b);
    +\tif (ret == -EBUSY)
    +\t\treturn ret;
     \tif (ret) {
     \t\tmodule_put(b->ops->owner);
     \t\treturn ret;
     \t}
    +\tb->open = true;
     \treturn 0;
     }
""")

FREE_CONVERSION = diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -20,6 +20,4 @@ static int bar_probe(struct platform_device *pdev)
    -\tstruct device_node *np = of_get_child_by_name(pdev->dev.of_node, "x");
    +\tstruct device_node *np __free(device_node) = of_get_child_by_name(pdev->dev.of_node, "x");
     \tif (of_property_read_u32(np, "reg", &reg)) {
    -\t\tof_node_put(np);
     \t\treturn -EINVAL;
     \t}
    -\tof_node_put(np);
""")

MOVED_TO_LABEL = diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -20,10 +20,8 @@ static int bar_probe(struct platform_device *pdev)
     \tret = bar_hw_init(priv);
    -\tif (ret) {
    -\t\tput_device(&peer->dev);
    -\t\treturn ret;
    -\t}
    +\tif (ret)
    +\t\tgoto err_put;
     \treturn 0;
     err_put:
     \tput_device(&peer->dev);
     \treturn ret;
     }
""")

DOUBLE_PUT_FIX = diff(REMOVED_PUT_TEXT,
                      message="The caller already drops the reference: this is a double put on the error path.")

FAILED_GET_PUTS = diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -10,10 +10,10 @@ static int bar_attach(struct bar *b)
     \tb->demod = cl;
     \tif (!try_module_get(cl->dev.driver->owner))
    -\t\tgoto err_unregister;
    +\t\tgoto err_put;
     \treturn 0;
     err_put:
     \tmodule_put(b->demod->dev.driver->owner);
     err_unregister:
     \ti2c_unregister_device(b->demod);
     \treturn -ENODEV;
     }
""")


def test_fires_on_removed_put_before_kept_return():
    assert_fires(get_without_put_on_exit, REMOVED_PUT, at=[("drivers/foo/bar.c", 22, "old")])


def test_fires_on_goto_retargeted_past_the_put():
    assert_fires(get_without_put_on_exit, RETARGET, at=[("drivers/foo/bar.c", 32)])


def test_fires_on_added_return_after_get():
    assert_fires(get_without_put_on_exit, ADDED_RETURN, at=[("drivers/foo/bar.c", 14)])


def test_fires_on_failed_get_path_that_puts():
    assert_fires(get_without_put_on_exit, FAILED_GET_PUTS, at=[("drivers/foo/bar.c", 12)])


def test_quiet_on_scope_based_cleanup_conversion():
    assert_quiet(get_without_put_on_exit, FREE_CONVERSION)


def test_quiet_when_put_moves_to_an_unwind_label():
    assert_quiet(get_without_put_on_exit, MOVED_TO_LABEL)


def test_double_put_fix_is_low_confidence():
    assert_quiet(get_without_put_on_exit, DOUBLE_PUT_FIX)
    assert_fires(get_without_put_on_exit, DOUBLE_PUT_FIX, at=[("drivers/foo/bar.c", 22, "old")], include_low=True)


def test_fires_on_real_at_hdmac_removed_puts():
    series = load_case(CASES / "at-hdmac-xlate-put-device.patch")
    assert_fires(get_without_put_on_exit, series, at=[("drivers/dma/at_hdmac.c", 1661, "old"),
                                             ("drivers/dma/at_hdmac.c", 1693, "old")])


def test_quiet_on_real_at_hdmac_fix():
    assert_quiet(get_without_put_on_exit, load_case(CASES / "at-hdmac-xlate-put-device.fix.patch"), include_low=True)


def test_fires_on_real_netxbig_returns_replacing_goto():
    series = load_case(CASES / "netxbig-of-pdata-put-device.patch")
    at = [("drivers/leds/leds-netxbig.c", n) for n in (451, 456, 463, 468, 475, 491, 496)]
    assert_fires(get_without_put_on_exit, series, at=at + [("drivers/leds/leds-netxbig.c", 589, "old")])


def test_fires_on_real_pt3_put_after_failed_get():
    series = load_case(CASES / "pt3-fe-error-path-module-put.patch")
    assert_fires(get_without_put_on_exit, series, at=[("drivers/media/pci/pt3/pt3.c", 396),
                                             ("drivers/media/pci/pt3/pt3.c", 421)])


def test_quiet_on_real_pt3_fix():
    assert_quiet(get_without_put_on_exit, load_case(CASES / "pt3-fe-error-path-module-put.fix.patch"), include_low=True)


# ---------------------------------------------------------------- tree mode (full functions)

PATH = "drivers/dma/at_hdmac.c"
XLATE = (CASES / "at_dma_xlate.c").read_text()


def tree_case(pre: str, post: str, path: str = PATH):
    return helpers.tree_case(path, pre, post)


def _line(text: str, needle: str, nth: int = 1) -> int:
    hits = [i for i, ln in enumerate(text.splitlines(), 1) if needle in ln]
    return hits[nth - 1]


def test_tree_mode_fires_at_the_removed_put():
    # as in hunk mode, the finding points at the line the patch changed (the removed put),
    # not at the return it left, which the diff may not show
    post = XLATE.replace("\tif (!atslave) {\n\t\tput_device(&dmac_pdev->dev);\n", "\tif (!atslave) {\n", 1)
    assert post != XLATE
    series, ctx_for = tree_case(XLATE, post)
    put = _line(XLATE, "if (!atslave)") + 1
    assert_fires(get_without_put_on_exit, series, at=[(PATH, put, "old")], context_for=ctx_for)


def test_tree_mode_quiet_on_the_6_12_function_edited_elsewhere():
    post = XLATE.replace("per_id = dma_spec->args[1] & AT91_DMA_CFG_PER_ID_MASK;",
                         "per_id = dma_spec->args[1] & (AT91_DMA_CFG_PER_ID_MASK);")
    series, ctx_for = tree_case(XLATE, post)
    assert_quiet(get_without_put_on_exit, series, include_low=True, context_for=ctx_for)


def test_tree_mode_fires_on_added_early_return():
    post = XLATE.replace("\tdma_cap_zero(mask);\n",
                         "\tif (dma_spec->args[0] > 255)\n\t\treturn NULL;\n\tdma_cap_zero(mask);\n", 1)
    series, ctx_for = tree_case(XLATE, post)
    ret = _line(post, "args[0] > 255") + 1
    assert_fires(get_without_put_on_exit, series, at=[(PATH, ret)], context_for=ctx_for)


# The unwind code is out of sight: only the label names tell that the goto no longer runs the
# put (shape of reversed "goto err_free -> goto err_put" fixes, mutation benchmark on 6.12).
PUT_LABEL_LEFT = diff("""
    --- a/fs/unicode/foo-core.c
    +++ b/fs/unicode/foo-core.c
    @@ -195,7 +195,7 @@ struct foo_map *foo_load(unsigned int version)
     \tum->ntab[1] = find_table_version(um->tables->data,
     \t\t\tum->tables->data_size, um->version);
     \tif (!um->ntab[1])
    -\t\tgoto out_symbol_put;
    +\t\tgoto out_free_um;
     \treturn um;
     
     out_symbol_put:
""")

# The fix direction: towards the put label.
PUT_LABEL_REACHED = diff("""
    --- a/fs/unicode/foo-core.c
    +++ b/fs/unicode/foo-core.c
    @@ -195,7 +195,7 @@ struct foo_map *foo_load(unsigned int version)
     \tum->ntab[1] = find_table_version(um->tables->data,
     \t\t\tum->tables->data_size, um->version);
     \tif (!um->ntab[1])
    -\t\tgoto out_free_um;
    +\t\tgoto out_symbol_put;
     \treturn um;
     
     out_symbol_put:
""")

# A retarget to a teardown step that unwinds before the put (`goto out_put` ->
# `goto unwind_interfaces`, which falls through to out_put): not reported.
PUT_LABEL_TO_STEP = diff("""
    --- a/drivers/soc/foo/smsm.c
    +++ b/drivers/soc/foo/smsm.c
    @@ -636,7 +636,7 @@ static int foo_smsm_probe(struct platform_device *pdev)
     
     \t\tret = smsm_inbound_entry(smsm, entry, node);
     \t\tif (ret < 0)
    -\t\t\tgoto out_put;
    +\t\t\tgoto unwind_interfaces;
     \t}
     
     \tplatform_set_drvdata(pdev, smsm);
""")


def test_fires_on_goto_leaving_a_put_named_label():
    assert_fires(get_without_put_on_exit, PUT_LABEL_LEFT, at=[("fs/unicode/foo-core.c", 198)])


def test_quiet_on_goto_towards_a_put_named_label():
    assert_quiet(get_without_put_on_exit, PUT_LABEL_REACHED, include_low=True)


def test_quiet_on_goto_to_an_earlier_teardown_step():
    assert_quiet(get_without_put_on_exit, PUT_LABEL_TO_STEP, include_low=True)


# net/sunrpc/xprtrdma/transport.c (6.12): xprt_setup_rdma() takes try_module_get(THIS_MODULE)
# at its top and drops it on every failure; the hunk does not show the get.
REMOVED_SELF_PUT = diff("""
    --- a/net/sunrpc/xprtrdma/transport.c
    +++ b/net/sunrpc/xprtrdma/transport.c
    @@ -322,7 +322,6 @@ xprt_setup_rdma(struct xprt_create *args)
     \txprt = xprt_alloc(args->net, sizeof(struct rpcrdma_xprt), 0,
     \t\t\t  xprt_rdma_slot_table_entries);
     \tif (!xprt) {
    -\t\tmodule_put(THIS_MODULE);
     \t\treturn ERR_PTR(-ENOMEM);
     \t}
     
""")

MOVED_SELF_PUT = diff("""
    --- a/net/sunrpc/xprtrdma/transport.c
    +++ b/net/sunrpc/xprtrdma/transport.c
    @@ -322,7 +322,7 @@ xprt_setup_rdma(struct xprt_create *args)
     \txprt = xprt_alloc(args->net, sizeof(struct rpcrdma_xprt), 0,
     \t\t\t  xprt_rdma_slot_table_entries);
     \tif (!xprt) {
    -\t\tmodule_put(THIS_MODULE);
    -\t\treturn ERR_PTR(-ENOMEM);
    +\t\trc = -ENOMEM;
    +\t\tgoto out_put;
     \t}
     
""")


def test_fires_on_removed_self_put_on_error_exit():
    assert_fires(get_without_put_on_exit, REMOVED_SELF_PUT,
                 at=[("net/sunrpc/xprtrdma/transport.c", 325, "old")])


def test_quiet_on_self_put_moved_to_an_unwind_label():
    assert_quiet(get_without_put_on_exit, MOVED_SELF_PUT)


# sound/soc/fsl/imx-sgtl5000.c (6.12) reversed: the goto in the failure branch of clk_get()
# leaves `put_device` (codec_dev from of_find_i2c_device_by_node()).  The failed get is of
# another object: skipping the device put is still a leak.
CLK_FAIL_SKIPS_DEVICE_PUT = diff("""
    --- a/sound/soc/fsl/imx-sgtl5000.c
    +++ b/sound/soc/fsl/imx-sgtl5000.c
    @@ -132,7 +132,7 @@ static int imx_sgtl5000_probe(struct platform_device *pdev)
     \tdata->codec_clk = clk_get(&codec_dev->dev, NULL);
     \tif (IS_ERR(data->codec_clk)) {
     \t\tret = PTR_ERR(data->codec_clk);
    -\t\tgoto put_device;
    +\t\tgoto fail;
     \t}
     
     \tdata->clk_frequency = clk_get_rate(data->codec_clk);
""")

# Paraphrase: another getter (regulator_get), a split assignment, a node-named label.
REG_FAIL_SKIPS_NODE_PUT = diff("""
    --- a/drivers/media/i2c/foo-sensor.c
    +++ b/drivers/media/i2c/foo-sensor.c
    @@ -210,7 +210,7 @@ static int foo_sensor_parse(struct foo_sensor *s)
     \ts->vdd =
     \t\tregulator_get(s->dev, "vdd");
     \tif (IS_ERR(s->vdd)) {
     \t\tret = PTR_ERR(s->vdd);
    -\t\tgoto err_put_node;
    +\t\tgoto err_out;
     \t}
     \tret = foo_sensor_power_on(s);
""")

# The look-alike that stays quiet: the goto sits in the failure branch of the very get whose
# put the label is named for (skipping of_node_put there fixes a put of a NULL node).
NODE_FAIL_SKIPS_NODE_PUT = diff("""
    --- a/drivers/media/i2c/foo-sensor.c
    +++ b/drivers/media/i2c/foo-sensor.c
    @@ -210,6 +210,6 @@ static int foo_sensor_parse(struct foo_sensor *s)
     \tep = of_graph_get_next_endpoint(s->dev->of_node, NULL);
     \tif (!ep) {
     \t\tret = -EINVAL;
    -\t\tgoto err_put_node;
    +\t\tgoto err_out;
     \t}
     \tret = foo_sensor_parse_ep(s, ep);
""")


def test_fires_when_a_failed_unrelated_get_skips_a_named_put():
    assert_fires(get_without_put_on_exit, CLK_FAIL_SKIPS_DEVICE_PUT, at=[("sound/soc/fsl/imx-sgtl5000.c", 135)])
    assert_fires(get_without_put_on_exit, REG_FAIL_SKIPS_NODE_PUT, at=[("drivers/media/i2c/foo-sensor.c", 214)])


def test_quiet_when_the_failed_get_is_the_one_the_label_puts():
    assert_quiet(get_without_put_on_exit, NODE_FAIL_SKIPS_NODE_PUT, include_low=True)


# ---------------------------------------------------------------- ownership (new-file patches)
# Drivers posted as new files: the whole function is shown; a reference stored in a structure,
# a file-scope variable or a registered device is owned past a successful return.

def new_file(path: str, code: str):
    lines = code.strip("\n").replace("\\t", "\t").splitlines()
    body = f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{ln}\n" for ln in lines)
    from reviewbot.diffparse import parse_diff
    from reviewbot.model import Patch, Series
    p = Patch(index=1, subject="[PATCH] add driver", msgid=None, author="A <a@b.c>", message="Add it.",
              notes="", diff=body, files=parse_diff(body))
    return Series(subject=p.subject, msgid=None, revision=1, base=None, patches=(p,))


def _at(code: str, needle: str) -> int:
    return next(i for i, ln in enumerate(code.strip("\n").splitlines(), 1) if needle in ln)


# Shape of drivers/usb/gadget/udc/aspeed-vhub/dev.c (6.12): the device lives in a structure
# field, the unwind puts it, the successful return leaves it registered (remove() unregisters).
STORED_DEVICE = r"""
static int foo_port_init(struct foo_hub *hub, struct foo_port *d)
{
\tint rc;

\td->port_dev = kzalloc(sizeof(struct device), GFP_KERNEL);
\tif (!d->port_dev)
\t\treturn -ENOMEM;
\tdevice_initialize(d->port_dev);
\td->port_dev->release = foo_port_release;
\trc = device_add(d->port_dev);
\tif (rc)
\t\tgoto fail_add;
\trc = foo_add_gadget(d->port_dev, &d->gadget);
\tif (rc != 0)
\t\tgoto fail_udc;
\treturn 0;
 fail_udc:
\tdevice_del(d->port_dev);
 fail_add:
\tput_device(d->port_dev);
\treturn rc;
}

static void foo_port_del(struct foo_port *d)
{
\tdevice_unregister(d->port_dev);
}
"""

# Shape of drivers/dma-buf/dma-buf-sysfs-stats.c: a file-scope kset, unregistered in exit.
GLOBAL_KSET = r"""
static struct kset *foo_kset;
static struct kset *foo_sub_kset;

int foo_init_sysfs(void)
{
\tfoo_kset = kset_create_and_add("foo", &foo_uevent_ops, kernel_kobj);
\tif (!foo_kset)
\t\treturn -ENOMEM;
\tfoo_sub_kset = kset_create_and_add("buffers", &foo_uevent_ops, &foo_kset->kobj);
\tif (!foo_sub_kset) {
\t\tkset_unregister(foo_kset);
\t\treturn -ENOMEM;
\t}
\treturn 0;
}
"""

# Failure branches written other ways (drivers/iommu/mtk_iommu.c, drivers/net/usb/ipheth.c,
# drivers/mfd/pcf50633-core.c): no reference is held on them.
FAILURE_BRANCHES = r"""
static int foo_xlate(struct device *dev, const struct of_phandle_args *args)
{
\tstruct platform_device *m4u;

\tm4u = of_find_device_by_node(args->np);
\tif (WARN_ON(!m4u))
\t\treturn -EINVAL;
\tdev_iommu_priv_set(dev, platform_get_drvdata(m4u));
\tput_device(&m4u->dev);
\treturn 0;
}

static int foo_alloc_urbs(struct foo *f)
{
\tstruct urb *tx_urb = NULL;

\ttx_urb = usb_alloc_urb(0, GFP_KERNEL);
\tif (tx_urb == NULL)
\t\tgoto error_nomem;
\tf->buf = kmalloc(64, GFP_KERNEL);
\tif (!f->buf)
\t\tgoto free_tx_urb;
\tf->tx_urb = tx_urb;
\treturn 0;
free_tx_urb:
\tusb_free_urb(tx_urb);
error_nomem:
\treturn -ENOMEM;
}

static void foo_client_register(struct foo *f, const char *name, struct platform_device **pdev)
{
\tint ret;

\t*pdev = platform_device_alloc(name, -1);
\tif (!*pdev)
\t\treturn;
\tret = platform_device_add(*pdev);
\tif (ret) {
\t\tplatform_device_put(*pdev);
\t\t*pdev = NULL;
\t}
}
"""

# The leak these must not hide: a local node (never stored) returned past on success, and a
# stored node whose error exit skips the put with no release anywhere else in the file.
LOCAL_AND_STORED_LEAKS = r"""
static int foo_parse(struct foo *f)
{
\tstruct device_node *np;

\tnp = of_get_child_by_name(f->dev->of_node, "ports");
\tif (!np)
\t\treturn -ENODEV;
\tif (of_property_read_bool(np, "foo,legacy"))
\t\treturn 0;
\tf->nports = of_get_child_count(np);
\tof_node_put(np);
\treturn 0;
}

static int foo_get_phy(struct foo *f)
{
\tint ret;

\tf->phy_np = of_parse_phandle(f->dev->of_node, "phy-handle", 0);
\tif (!f->phy_np)
\t\treturn -ENODEV;
\tret = foo_check_phy(f);
\tif (ret)
\t\treturn ret;
\tif (!f->phy_ok) {
\t\tof_node_put(f->phy_np);
\t\treturn -EINVAL;
\t}
\treturn 0;
}
"""


def test_quiet_on_stored_and_registered_references_of_a_new_driver():
    for code in (STORED_DEVICE, GLOBAL_KSET, FAILURE_BRANCHES):
        assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", code))


def test_fires_on_local_and_unreleased_stored_references_of_a_new_driver():
    code = LOCAL_AND_STORED_LEAKS
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "return 0;")),
                     ("drivers/foo/foo.c", _at(code, "return ret;"))])


def test_stored_reference_released_by_the_caller_is_a_question():
    # drivers/mailbox/zynqmp-ipi-mailbox.c shape: the caller's unwind unregisters it
    code = LOCAL_AND_STORED_LEAKS + "\nstatic void foo_free(struct foo *f)\n{\n\tof_node_put(f->phy_np);\n}\n"
    series = new_file("drivers/foo/foo.c", code)
    assert_fires(get_without_put_on_exit, series, at=[("drivers/foo/foo.c", _at(code, "return 0;"))])
    assert_fires(get_without_put_on_exit, series, include_low=True,
                 at=[("drivers/foo/foo.c", _at(code, "return 0;")), ("drivers/foo/foo.c", _at(code, "return ret;"))])


# A removed put next to a rewritten `device_add()` line: the register call stays (it is on the
# added side too) and does not take the reference put_device() drops (device_initialize() did),
# so the put is still owed on the error exit.
REWRITTEN_ADD_DROPS_PUT = diff("""
    --- a/drivers/gpio/gpiolib-foo.c
    +++ b/drivers/gpio/gpiolib-foo.c
    @@ -410,10 +410,8 @@ static int foo_gpiochip_add(struct foo_gpio *fg)
     \tdevice_initialize(&fg->gdev);
     \tfg->gdev.release = foo_gdev_release;
    -\tret = device_add(&fg->gdev);
    -\tif (ret) {
    -\t\tput_device(&fg->gdev);
    -\t\treturn ret;
    -\t}
    +\terr = device_add(&fg->gdev);
    +\tif (err)
    +\t\treturn err;
     \tfg->registered = true;
     \treturn 0;
     }
""")

# Its look-alike: the init that took the reference goes with the put (a removed pair).
REMOVED_INIT_AND_PUT = diff("""
    --- a/drivers/gpio/gpiolib-foo.c
    +++ b/drivers/gpio/gpiolib-foo.c
    @@ -410,10 +410,7 @@ static int foo_gpiochip_add(struct foo_gpio *fg)
    -\tdevice_initialize(&fg->gdev);
     \tfg->gdev.release = foo_gdev_release;
    -\tret = device_add(&fg->gdev);
    -\tif (ret) {
    -\t\tput_device(&fg->gdev);
    -\t\treturn ret;
    -\t}
    +\tret = foo_publish(fg);
    +\tif (ret)
    +\t\treturn ret;
     \tfg->registered = true;
     \treturn 0;
     }
""")


def test_fires_on_removed_put_beside_a_rewritten_register_call():
    assert_fires(get_without_put_on_exit, REWRITTEN_ADD_DROPS_PUT, at=[("drivers/gpio/gpiolib-foo.c", 414, "old")])


def test_quiet_when_the_init_goes_with_its_put():
    assert_quiet(get_without_put_on_exit, REMOVED_INIT_AND_PUT)


# A failed register published nothing (sound/pci/ac97/ac97_codec.c shape): its failure branch
# owes the put even though remove() unregisters the device that a successful call published.
FAILED_REGISTER = r"""
static int foo_add_port(struct foo *f)
{
\tint err;

\tf->port.parent = f->dev;
\tf->port.release = foo_port_release;
\terr = device_register(&f->port);
\tif (err) {
\t\tdev_err(f->dev, "cannot register port\n");
\t\treturn err;
\t}
\terr = foo_port_setup(f);
\tif (err) {
\t\tdevice_unregister(&f->port);
\t\treturn err;
\t}
\treturn 0;
}

static void foo_remove(struct platform_device *pdev)
{
\tstruct foo *f = platform_get_drvdata(pdev);

\tdevice_unregister(&f->port);
}
"""


def test_fires_on_failed_register_of_a_published_object():
    code = FAILED_REGISTER
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "return err;"))])


# drivers/usb/dwc3/dwc3-imx8mp.c (6.12) shape: a scope-based cleanup variable drops the node on
# every exit, however many gotos leave the function.
CLEANUP_VAR = r"""
static int foo_probe(struct platform_device *pdev)
{
\tstruct device *dev = &pdev->dev;
\tint err;

\tstruct device_node *dwc3_np __free(device_node) = of_get_compatible_child(dev->of_node,
\t\t\t\t\t\t\t\t\t     "snps,dwc3");
\tif (!dwc3_np)
\t\treturn dev_err_probe(dev, -ENODEV, "failed to find dwc3 core child\\n");
\terr = foo_clk_enable(dev);
\tif (err)
\t\tgoto put_parent;
\terr = of_platform_populate(dev->of_node, NULL, NULL, dev);
\tif (err)
\t\tgoto disable_clk;
\treturn 0;
disable_clk:
\tfoo_clk_disable(dev);
put_parent:
\tput_device(dev->parent);
\treturn err;
}
"""


def test_quiet_on_a_cleanup_variable():
    pre = CLEANUP_VAR.replace("\\t", "\t").strip("\n") + "\n"
    post = pre.replace("\terr = of_platform_populate(", "\tif (!dev->parent)\n\t\treturn -EINVAL;\n"
                                                      "\terr = of_platform_populate(", 1)
    assert post != pre
    series, ctx_for = tree_case(pre, post, "drivers/usb/foo/foo.c")
    assert_quiet(get_without_put_on_exit, series, include_low=True, context_for=ctx_for)


def test_status_reused_after_a_register_is_not_its_failure_branch():
    # drivers/mailbox/zynqmp-ipi-mailbox.c shape: `err` is reassigned after device_register();
    # the later `if (err) return err;` is not the register's failure, the caller unregisters
    code = FAILED_REGISTER.replace(r'\t\tdev_err(f->dev, "cannot register port\n");', r'\t\tput_device(&f->port);')
    assert code != FAILED_REGISTER
    code = code.replace(r'\t\tdevice_unregister(&f->port);' + "\n", "", 1)
    assert code.count("device_unregister") == 1
    assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", code))


# drivers/mfd/twl4030-audio.c: after `if (node) { put; return true; }` the lookup found nothing.
FOUND_BRANCH_RETURNS = r"""
static bool foo_has_codec(struct foo_pdata *pdata, struct device_node *parent)
{
\tstruct device_node *node;

\tif (pdata && pdata->codec)
\t\treturn true;
\tnode = of_get_child_by_name(parent, "codec");
\tif (node) {
\t\tof_node_put(node);
\t\treturn true;
\t}
\treturn false;
}
"""

# drivers/mcb/mcb-core.c: references taken in probe for the bound device, dropped in remove().
PROBE_KEEPS_REMOVE_DROPS = r"""
static int foo_bus_probe(struct device *dev)
{
\tstruct foo_device *fdev = to_foo_device(dev);
\tstruct module *carrier_mod;
\tint ret;

\tcarrier_mod = fdev->dev.parent->driver->owner;
\tif (!try_module_get(carrier_mod))
\t\treturn -EINVAL;
\tget_device(dev);
\tret = foo_driver_probe(fdev);
\tif (ret) {
\t\tmodule_put(carrier_mod);
\t\tput_device(dev);
\t}
\treturn ret;
}

static void foo_bus_remove(struct device *dev)
{
\tstruct foo_device *fdev = to_foo_device(dev);
\tstruct module *carrier_mod;

\tfoo_driver_remove(fdev);
\tcarrier_mod = fdev->dev.parent->driver->owner;
\tmodule_put(carrier_mod);
\tput_device(dev);
}
"""


def test_quiet_after_a_found_branch_that_returns_and_on_probe_refs_dropped_in_remove():
    for code in (FOUND_BRANCH_RETURNS, PROBE_KEEPS_REMOVE_DROPS):
        assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", code))


def test_fires_on_probe_ref_nobody_drops():
    code = PROBE_KEEPS_REMOVE_DROPS.split("static void foo_bus_remove")[0]
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "return ret;"))])


# Shapes from 6.12 drivers where the reference is handed on or already gone at the exit:
# drivers/i3c/master/mipi-i3c-hci/mipi-i3c-hci-pci.c (pci drvdata), drivers/staging/greybus/
# power_supply.c (a lookup as the loop test), drivers/gpu/drm/panel/panel-raydium-rm69380.c
# (put inside `if (np) {...}`), drivers/net/macsec.c (queued crypto request, -EINPROGRESS).
HANDED_ON_OR_GONE = r"""
static int foo_pci_probe(struct pci_dev *pci, const struct pci_device_id *id)
{
\tstruct platform_device *pdev;
\tint ret;

\tpdev = platform_device_alloc("foo-hci", 0);
\tif (!pdev)
\t\treturn -ENOMEM;
\tret = platform_device_add(pdev);
\tif (ret)
\t\tgoto err;
\tpci_set_drvdata(pci, pdev);
\treturn 0;
err:
\tplatform_device_put(pdev);
\treturn ret;
}

static int foo_set_name(char *init_name, char *name, size_t len)
{
\tunsigned int i = 0;
\tint ret = 0;
\tstruct power_supply *psy;

\twhile ((ret < len) && (psy = power_supply_get_by_name(name))) {
\t\tpower_supply_put(psy);
\t\tret = snprintf(name, len, "%s_%u", init_name, ++i);
\t}
\tif (ret >= len)
\t\treturn -ENOMEM;
\treturn i;
}

static int foo_panel_probe(struct mipi_dsi_device *dsi)
{
\tstruct device_node *dsi_sec;
\tstruct mipi_dsi_host *host;
\tint ret;

\tdsi_sec = of_graph_get_remote_node(dsi->dev.of_node, 1, -1);
\tif (dsi_sec) {
\t\thost = of_find_mipi_dsi_host_by_node(dsi_sec);
\t\tof_node_put(dsi_sec);
\t\tif (!host)
\t\t\treturn -EPROBE_DEFER;
\t}
\tret = foo_panel_attach(dsi);
\tif (ret < 0)
\t\treturn ret;
\treturn 0;
}

static struct sk_buff *foo_encrypt(struct sk_buff *skb, struct aead_request *req)
{
\tint ret;

\taead_request_set_callback(req, 0, foo_encrypt_done, skb);
\tdev_hold(skb->dev);
\tret = crypto_aead_encrypt(req);
\tif (ret == -EINPROGRESS) {
\t\treturn ERR_PTR(ret);
\t} else if (ret != 0) {
\t\tdev_put(skb->dev);
\t\treturn ERR_PTR(-EINVAL);
\t}
\tdev_put(skb->dev);
\treturn skb;
}
"""


def test_quiet_on_references_handed_on_or_gone_at_the_exit():
    assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", HANDED_ON_OR_GONE))


def test_fires_when_the_found_branch_keeps_the_node():
    # the panel shape with the put moved after the attach: the node is held on both returns
    code = HANDED_ON_OR_GONE.split("static struct sk_buff")[0].replace("\\t\\tof_node_put(dsi_sec);\n", "")
    code = code.replace("\\tif (ret < 0)\n\\t\\treturn ret;\n\\treturn 0;",
                        "\\tif (ret < 0)\n\\t\\treturn ret;\n\\tof_node_put(dsi_sec);\n\\treturn 0;")
    assert code.count("of_node_put(dsi_sec)") == 1
    lines = code.strip("\n").splitlines()
    attach_fail = max(i for i, ln in enumerate(lines, 1) if ln == r"\t\treturn ret;")
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "return -EPROBE_DEFER;")), ("drivers/foo/foo.c", attach_fail)])


# drivers/mtd/nand/raw/ingenic/ingenic_ecc.c reversed: `!pdev || !drvdata` also runs with a live
# pdev, so the merged return leaks it (tree mode: the function's only put is gone).
ECC_GET = """static struct foo_ecc *foo_ecc_get(struct device_node *np)
{
\tstruct platform_device *pdev;
\tstruct foo_ecc *ecc;

\tpdev = of_find_device_by_node(np);
\tif (!pdev)
\t\treturn ERR_PTR(-EPROBE_DEFER);

\tif (!platform_get_drvdata(pdev)) {
\t\tput_device(&pdev->dev);
\t\treturn ERR_PTR(-EPROBE_DEFER);
\t}

\tecc = platform_get_drvdata(pdev);
\tclk_prepare_enable(ecc->clk);

\treturn ecc;
}
"""

# drivers/mmc/host/sdhci-pci-core.c reversed: the put after a lookup removed, no exit near it.
AMD_PROBE = """static int foo_amd_probe(struct foo_chip *chip)
{
\tstruct pci_dev *smbus_dev;
\tint gen = 0;

\tsmbus_dev = pci_get_device(PCI_VENDOR_ID_AMD, PCI_DEVICE_ID_AMD_KERNCZ_SMBUS, NULL);
\tif (smbus_dev)
\t\tgen = smbus_dev->revision;

\tpci_dev_put(smbus_dev);

\tif (gen == 1)
\t\tchip->quirks2 |= 4;

\treturn 0;
}
"""


def test_tree_mode_fires_when_an_or_condition_also_runs_with_the_reference():
    path = "drivers/mtd/foo/foo_ecc.c"
    post = ECC_GET.replace("\tif (!pdev)\n", "\tif (!pdev || !platform_get_drvdata(pdev))\n", 1).replace(
        "\tif (!platform_get_drvdata(pdev)) {\n\t\tput_device(&pdev->dev);\n\t\treturn ERR_PTR(-EPROBE_DEFER);\n\t}\n\n", "")
    assert post.count("put_device") == 0
    series, ctx_for = tree_case(ECC_GET, post, path)
    assert_fires(get_without_put_on_exit, series, at=[(path, _line(post, "return ERR_PTR"))], context_for=ctx_for)


def test_tree_mode_fires_on_the_removed_last_put_of_a_function():
    path = "drivers/mmc/foo/foo-pci.c"
    post = AMD_PROBE.replace("\tpci_dev_put(smbus_dev);\n\n", "", 1)
    series, ctx_for = tree_case(AMD_PROBE, post, path)
    review = helpers.run_rule(get_without_put_on_exit, series, ctx_for)
    assert [f.message for f in review.shown()], "no finding"
    assert all("smbus_dev" in f.message for f in review.shown())


# drivers/irqchip/irq-qcom-mpm.c (6.12, lines 386-404, shortened): the node is put at the end
# of `if (msgram_np) {...}`; the `else` runs with it NULL.  No exit leaks it.
MPM = r"""
static int foo_mpm_init(struct platform_device *pdev, struct device_node *np)
{
\tstruct device_node *msgram_np;
\tstruct resource res;
\tint ret;

\tmsgram_np = of_parse_phandle(np, "qcom,rpm-msg-ram", 0);
\tif (msgram_np) {
\t\tret = of_address_to_resource(msgram_np, 0, &res);
\t\tif (ret) {
\t\t\tof_node_put(msgram_np);
\t\t\treturn ret;
\t\t}
\t\tpriv->base = devm_ioremap(dev, res.start, resource_size(&res));
\t\tof_node_put(msgram_np);
\t\tif (!priv->base)
\t\t\treturn -ENOMEM;
\t} else {
\t\tpriv->base = devm_platform_ioremap_resource(pdev, 0);
\t\tif (IS_ERR(priv->base))
\t\t\treturn PTR_ERR(priv->base);
\t}
\tret = foo_mpm_setup(priv);
\tif (ret)
\t\treturn ret;
\treturn 0;
}
"""


def test_quiet_after_and_in_the_else_of_a_found_branch():
    assert_quiet(get_without_put_on_exit, new_file("drivers/irqchip/foo-mpm.c", MPM))


def test_fires_when_the_found_branch_of_an_if_else_keeps_the_node():
    code = MPM.replace("\\t\\tof_node_put(msgram_np);\n\\t\\tif (!priv->base)", "\\t\\tif (!priv->base)")
    assert code.count("of_node_put(msgram_np)") == 1
    assert_fires(get_without_put_on_exit, new_file("drivers/irqchip/foo-mpm.c", code),
                 at=[("drivers/irqchip/foo-mpm.c", _at(code, "return -ENOMEM;")),
                     ("drivers/irqchip/foo-mpm.c", _at(code, "foo_mpm_setup") + 2),
                     ("drivers/irqchip/foo-mpm.c", _at(code, "return 0;"))])


# drivers/scsi/scsi_transport_spi.c (6.12, lines 1013-1023, shortened): scsi_device_get()
# returns 0 on success; `if (unlikely(scsi_device_get(sdev))) goto put_autopm;` is its failure.
SPI_DV = r"""
static void foo_dv_device(struct scsi_device *sdev)
{
\tif (scsi_autopm_get_device(sdev))
\t\tgoto unlock_system_sleep;
\tif (unlikely(spi_dv_in_progress(starget)))
\t\tgoto put_autopm;
\tif (unlikely(scsi_device_get(sdev)))
\t\tgoto put_autopm;
\tfoo_dv_run(sdev);
\tscsi_device_put(sdev);
put_autopm:
\tscsi_autopm_put_device(sdev);
unlock_system_sleep:
\tunlock_system_sleep(sleep_flags);
}
"""


def test_quiet_on_the_failure_branch_of_a_status_getter():
    assert_quiet(get_without_put_on_exit, new_file("drivers/scsi/foo_spi.c", SPI_DV))


def test_fires_on_the_success_branch_of_a_getter_tested_in_the_if():
    # the same test on a getter that returns true on success: inside the branch the pin is held
    code = SPI_DV.replace("unlikely(scsi_device_get(sdev))", "try_module_get(sdev->owner)").replace(
        "\\tfoo_dv_run(sdev);\n\\tscsi_device_put(sdev);\n", "\\tfoo_dv_run(sdev);\n\\tmodule_put(sdev->owner);\n")
    assert_fires(get_without_put_on_exit, new_file("drivers/scsi/foo_spi.c", code),
                 at=[("drivers/scsi/foo_spi.c", _at(code, "try_module_get") + 1)])


# drivers/irqchip/irq-qcom-mpm.c (6.12, qcom_mpm_init(), shortened): the device the lookup
# pins is never put.  Tree mode reports it once, not at each of the function's exits.
MPM_PRE = """static int foo_mpm_init(struct device_node *np, struct device_node *parent)
{
\treturn 0;
}
"""
MPM_POST = """static int foo_mpm_init(struct device_node *np, struct device_node *parent)
{
\tstruct platform_device *pdev = of_find_device_by_node(np);
\tstruct device *dev = &pdev->dev;
\tstruct device_node *msgram_np;
\tstruct foo_priv *priv;
\tstruct resource res;
\tint ret;

\tpriv = devm_kzalloc(dev, sizeof(*priv), GFP_KERNEL);
\tif (!priv)
\t\treturn -ENOMEM;
\tret = of_property_read_u32(np, "qcom,mpm-pin-count", &priv->pins);
\tif (ret)
\t\treturn ret;
\tmsgram_np = of_parse_phandle(np, "qcom,rpm-msg-ram", 0);
\tret = of_address_to_resource(msgram_np, 0, &res);
\tof_node_put(msgram_np);
\tif (ret)
\t\treturn ret;
\tret = foo_mpm_setup(priv);
\tif (ret)
\t\treturn ret;
\treturn 0;
}
"""


def test_tree_mode_reports_a_never_dropped_reference_once():
    series, ctx_for = tree_case(MPM_PRE, MPM_POST, "drivers/irqchip/foo-mpm.c")
    assert_fires(get_without_put_on_exit, series, at=[("drivers/irqchip/foo-mpm.c", _line(MPM_POST, "!priv") + 1)],
                 context_for=ctx_for)


# drivers/ata/pata_octeon_cf.c (6.12, lines 840-871, shortened): both references are dropped at
# the end of their `if (x) {...}`; a Coccinelle path past the outer block to a later return
# (what spatch reports: it does not know the else runs with x NULL) is not a leak.
OCTEON_POST = """static int foo_cf_probe(struct platform_device *pdev)
{
\tstruct device_node *node = pdev->dev.of_node;

\tif (foo_true_ide) {
\t\tstruct device_node *dma_node;
\t\tdma_node = of_parse_phandle(node, "cavium,dma-engine-handle", 0);
\t\tif (dma_node) {
\t\t\tstruct platform_device *dma_dev;
\t\t\tdma_dev = of_find_device_by_node(dma_node);
\t\t\tif (dma_dev) {
\t\t\t\tfoo_use(dma_dev);
\t\t\t\tput_device(&dma_dev->dev);
\t\t\t}
\t\t\tof_node_put(dma_node);
\t\t}
\t}
\tif (!foo_map(pdev))
\t\treturn -EINVAL;
\treturn 0;
}
"""


def test_coccinelle_leak_paths_meet_the_ownership_rules():
    from reviewbot.cocci import Match
    from reviewbot.context import Context, FileImages
    from reviewbot.model import Side

    path = "drivers/ata/foo_cf.c"
    ctx = Context(mode="tree", files={path: FileImages(pre=None, post=OCTEON_POST)})

    def match(api: str, obj: str, exit_needle: str) -> Match:
        get = _line(OCTEON_POST, f"= {api}(")
        return Match("MOD003", "leak", path, "foo_cf_probe", api, obj, get, Side.NEW, get,
                     _line(OCTEON_POST, exit_needle))
    stands = get_without_put_on_exit._cocci_leak_stands
    assert not stands(ctx, {}, match("of_parse_phandle", "dma_node", "return -EINVAL"))
    assert not stands(ctx, {}, match("of_find_device_by_node", "dma_dev", "return 0"))
    # without the node's put the same path is a leak
    leaky = OCTEON_POST.replace("\t\t\tof_node_put(dma_node);\n", "")
    ctx = Context(mode="tree", files={path: FileImages(pre=None, post=leaky)})
    get = _line(leaky, "= of_parse_phandle(")
    assert stands(ctx, {}, Match("MOD003", "leak", path, "foo_cf_probe", "of_parse_phandle", "dma_node", get,
                                 Side.NEW, get, _line(leaky, "return -EINVAL")))


# drivers/char/ipmi/ipmi_plat_data.c (6.12, lines 48-121, shortened): `goto add_properties`
# skips ahead in the main flow (its code branches to err: and returns pdev), and
# drivers/net/ethernet/renesas/ravb_main.c (6.12, lines 1489-1499): a return deep inside
# `if (!pn) {...}` before pn is reassigned holds no node.
MAIN_FLOW = r"""
struct platform_device *foo_platform_add(struct foo_plat_data *p, unsigned int size)
{
\tstruct platform_device *pdev;
\tint rv;

\tpdev = platform_device_alloc("foo", 0);
\tif (!pdev)
\t\treturn NULL;
\tif (size == 0)
\t\tgoto add_properties;
\trv = platform_device_add_resources(pdev, p->r, p->num_r);
\tif (rv)
\t\tgoto err;
 add_properties:
\trv = device_create_managed_software_node(&pdev->dev, p->pr, NULL);
\tif (rv)
\t\tgoto err;
\trv = platform_device_add(pdev);
\tif (rv)
\t\tgoto err;
\treturn pdev;

err:
\tplatform_device_put(pdev);
\treturn NULL;
}

static int foo_phy_init(struct net_device *ndev, struct device_node *np)
{
\tstruct device_node *pn;
\tint err;

\tpn = of_parse_phandle(np, "phy-handle", 0);
\tif (!pn) {
\t\tif (of_phy_is_fixed_link(np)) {
\t\t\terr = of_phy_register_fixed_link(np);
\t\t\tif (err)
\t\t\t\treturn err;
\t\t}
\t\tpn = of_node_get(np);
\t}
\terr = foo_connect(ndev, pn);
\tof_node_put(pn);
\treturn err;
}
"""


def test_quiet_on_a_main_flow_label_and_in_a_nested_failure_branch():
    assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", MAIN_FLOW))


def test_fires_when_the_nested_branch_runs_with_the_node():
    # the test turned around: the return inside the branch now holds pn
    code = MAIN_FLOW.replace("\\tif (!pn) {\n\\t\\tif (of_phy", "\\tif (pn) {\n\\t\\tif (of_phy")
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "\\t\\t\\t\\treturn err;"))])


# drivers/usb/serial/usb-serial.c (6.12, serial_install() and serial_cleanup(), shortened):
# the module pin is kept on success and dropped at cleanup through a local alias; and
# drivers/power/supply/charger-manager.c (6.12, charger_get_property()): the lookup's case
# ends in `break`, so `default: return -EINVAL;` never runs with it.
KEPT_AND_CASES = r"""
static int foo_install(struct tty_driver *driver, struct tty_struct *tty)
{
\tstruct foo_serial *serial = tty->driver_data;
\tint retval;

\tif (!try_module_get(serial->type->driver.owner))
\t\tgoto err_put_serial;
\tretval = tty_standard_install(driver, tty);
\tif (retval)
\t\tgoto err_put_module;
\tmutex_unlock(&serial->disc_mutex);
\treturn retval;

err_put_module:
\tmodule_put(serial->type->driver.owner);
err_put_serial:
\tfoo_serial_put(serial);
\treturn retval;
}

static void foo_cleanup(struct tty_struct *tty)
{
\tstruct foo_serial *serial = tty->driver_data;
\tstruct module *owner;

\towner = serial->type->driver.owner;
\tfoo_serial_put(serial);
\tmodule_put(owner);
}

static int foo_get_property(struct power_supply *psy, enum power_supply_property psp,
\t\t\t    union power_supply_propval *val)
{
\tstruct power_supply *fuel_gauge = NULL;
\tint ret = 0;

\tswitch (psp) {
\tcase POWER_SUPPLY_PROP_CHARGE_NOW:
\t\tfuel_gauge = power_supply_get_by_name(foo_fuel_gauge);
\t\tif (!fuel_gauge) {
\t\t\tret = -ENODEV;
\t\t\tbreak;
\t\t}
\t\tret = power_supply_get_property(fuel_gauge, psp, val);
\t\tbreak;
\tdefault:
\t\treturn -EINVAL;
\t}
\tif (fuel_gauge)
\t\tpower_supply_put(fuel_gauge);
\treturn ret;
}
"""


def test_quiet_on_a_pin_dropped_through_an_alias_and_on_another_case():
    assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", KEPT_AND_CASES))


def test_fires_when_the_case_falls_through_or_nobody_drops_the_pin():
    code = KEPT_AND_CASES.replace("\\t\\tret = power_supply_get_property(fuel_gauge, psp, val);\n\\t\\tbreak;\n",
                                  "\\t\\tret = power_supply_get_property(fuel_gauge, psp, val);\n")
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "return -EINVAL;"))])
    code = KEPT_AND_CASES.replace("\\tmodule_put(owner);\n", "")
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "mutex_unlock") + 1)])


def test_coccinelle_reports_a_never_dropped_reference_once():
    # drivers/pci/controller/dwc/pci-imx6.c (6.12, imx_pcie_probe()): the PHY node is never put
    from reviewbot.cocci import Match
    from reviewbot.context import Context, FileImages
    from reviewbot.model import Side

    path = "drivers/ata/foo_cf.c"
    post = OCTEON_POST.replace("\t\t\tof_node_put(dma_node);\n", "").replace(
        "\tif (!foo_map(pdev))", "\tif (!foo_map_a(pdev))\n\t\treturn -ENOMEM;\n\tif (!foo_map(pdev))")
    ctx = Context(mode="tree", files={path: FileImages(pre=None, post=post)})
    get = _line(post, "= of_parse_phandle(")
    exits = [_line(post, "return -ENOMEM"), _line(post, "return -EINVAL"), _line(post, "return 0")]
    seen: dict = {}
    kept = [e for e in exits if get_without_put_on_exit._cocci_leak_stands(
        ctx, seen, Match("MOD003", "leak", path, "foo_cf_probe", "of_parse_phandle", "dma_node", e, Side.NEW, get, e))]
    assert kept == exits[:1]


# drivers/gpio/gpiolib-cdev.c (6.12, linehandle_create(), lines 380-408, shortened):
# fd_install() "consumes the file refcount" (fs/file.c), so the successful return holds none.
FD_INSTALL = r"""
static int foo_create(struct foo_dev *gdev, void __user *ip)
{
\tstruct file *file;
\tint fd, ret;

\tfd = get_unused_fd_flags(O_RDONLY | O_CLOEXEC);
\tif (fd < 0)
\t\treturn fd;
\tfile = anon_inode_getfile("gpio-linehandle", &foo_fileops, gdev, O_RDONLY | O_CLOEXEC);
\tif (IS_ERR(file)) {
\t\tput_unused_fd(fd);
\t\treturn PTR_ERR(file);
\t}
\tif (copy_to_user(ip, &fd, sizeof(fd))) {
\t\tfput(file);
\t\tput_unused_fd(fd);
\t\treturn -EFAULT;
\t}
\tfd_install(fd, file);
\treturn 0;
}
"""


def test_quiet_when_fd_install_takes_the_file():
    assert_quiet(get_without_put_on_exit, new_file("drivers/gpio/foo.c", FD_INSTALL))
    code = FD_INSTALL.replace("\\tfd_install(fd, file);\n", "")
    assert_fires(get_without_put_on_exit, new_file("drivers/gpio/foo.c", code),
                 at=[("drivers/gpio/foo.c", _at(code, "return 0;"))], include_low=True)


# A put moved below the return of its block never runs (nand_ecc_get_engine_dev() of 6.12,
# its error branch with the two lines swapped).
DEAD_PUT = """
    --- a/drivers/mtd/nand/ecc.c
    +++ b/drivers/mtd/nand/ecc.c
    @@ -720,8 +720,8 @@ struct device *nand_ecc_get_engine_dev(struct device *host)
     
     \tecc_pdev = of_find_device_by_node(np);
     \tif (!ecc_pdev) {
    +\t\treturn NULL;
     \t\tof_node_put(np);
    -\t\treturn NULL;
     \t}
     
     \tplatform_device_put(ecc_pdev);
"""


def test_fires_on_a_put_moved_below_its_return():
    assert_fires(get_without_put_on_exit, diff(DEAD_PUT), at=[("drivers/mtd/nand/ecc.c", 724)])


def test_quiet_on_the_fix_and_on_a_braceless_branch():
    fix = DEAD_PUT.replace("    +\t\treturn NULL;\n     \t\tof_node_put(np);\n    -\t\treturn NULL;\n",
                           "    -\t\treturn NULL;\n     \t\tof_node_put(np);\n    +\t\treturn NULL;\n")
    assert_quiet(get_without_put_on_exit, diff(fix), include_low=True)
    braceless = """
        --- a/drivers/foo/foo.c
        +++ b/drivers/foo/foo.c
        @@ -20,5 +20,7 @@ static int foo_init(struct foo *f)
         \tnp = of_get_child_by_name(f->np, "bar");
         \tif (!np)
        +\t\treturn -ENODEV;
        +\tof_node_put(np);
         \treturn 0;
         }
         
    """
    assert_quiet(get_without_put_on_exit, diff(braceless), include_low=True)


# A lookup moved above an early return that used to come before it (i2c-mux-reg's probe_dt of 6.12).
GET_MOVED_UP = """
    --- a/drivers/i2c/muxes/i2c-mux-reg.c
    +++ b/drivers/i2c/muxes/i2c-mux-reg.c
    @@ -86,10 +86,10 @@ static int i2c_mux_reg_probe_dt(struct regmux *mux,
     \tunsigned *values;
     \tint i = 0;
     
    +\tadapter_np = of_parse_phandle(np, "i2c-parent", 0);
     \tif (!mux->data.reg)
     \t\treturn -ENODEV;
     
    -\tadapter_np = of_parse_phandle(np, "i2c-parent", 0);
     \tif (!adapter_np) {
     \t\tdev_err(&pdev->dev, "Cannot parse i2c-parent\\n");
     \t\treturn -ENODEV;
"""


def test_fires_on_a_get_moved_above_an_early_return():
    assert_fires(get_without_put_on_exit, diff(GET_MOVED_UP), at=[("drivers/i2c/muxes/i2c-mux-reg.c", 91)])


def test_quiet_when_the_get_moves_down_below_the_return():
    down = GET_MOVED_UP.replace("    +\tadapter_np = of_parse_phandle", "    @").replace(
        "    -\tadapter_np = of_parse_phandle", "    +\tadapter_np = of_parse_phandle").replace(
        "    @", "    -\tadapter_np = of_parse_phandle")
    assert_quiet(get_without_put_on_exit, diff(down), include_low=True)


# The put before an early exit of a child loop now names the parent (cap11xx's LED loop of
# 6.12, the reverse of a "put the child, not the parent" fix): the child's reference is kept.
# The finding points at the line the patch rewrote, on the new side.
CHILD_LOOP = """\
static int foo_init_leds(struct device *dev, struct device_node *node)
{
\tstruct device_node *child;
\tint error;
\tu32 reg;

\tfor_each_child_of_node(node, child) {
\t\terror = of_property_read_u32(child, "reg", &reg);
\t\tif (error != 0 || reg >= 8) {
\t\t\tof_node_put(child);
\t\t\treturn -EINVAL;
\t\t}
\t}
\treturn 0;
}
"""


def test_tree_mode_points_at_the_rewritten_put():
    post = CHILD_LOOP.replace("\t\t\tof_node_put(child);\n", "\t\t\tof_node_put(node);\n")
    series, ctx_for = tree_case(CHILD_LOOP, post, "drivers/input/keyboard/foo.c")
    assert_fires(get_without_put_on_exit, series, at=[("drivers/input/keyboard/foo.c", 10, "new")],
                 context_for=ctx_for)


def test_tree_mode_quiet_on_the_fix_of_the_wrong_put():
    pre = CHILD_LOOP.replace("\t\t\tof_node_put(child);\n", "\t\t\tof_node_put(node);\n")
    series, ctx_for = tree_case(pre, CHILD_LOOP, "drivers/input/keyboard/foo.c")
    assert_quiet(get_without_put_on_exit, series, include_low=True, context_for=ctx_for)


# drivers/scsi/elx/efct/efct_hw.c (6.12, efct_hw_io_abort()) as a new file: the return in the
# branch where `kref_get_unless_zero(...) == 0` holds no reference; the later ones put it.
KREF_UNLESS_ZERO_TEXT = """
    --- /dev/null
    +++ b/drivers/scsi/foo/foo_hw.c
    @@ -0,0 +1,21 @@
    +int foo_hw_io_abort(struct foo_hw *hw, struct foo_hw_io *io_to_abort)
    +{
    +\tif (!io_to_abort)
    +\t\treturn -EIO;
    +
    +\t/* take a reference on IO being aborted */
    +\tif (kref_get_unless_zero(&io_to_abort->ref) == 0) {
    +\t\t/* command no longer active */
    +\t\treturn -ENOENT;
    +\t}
    +
    +\tif (!io_to_abort->wq) {
    +\t\tkref_put(&io_to_abort->ref, io_to_abort->release);
    +\t\treturn -ENOENT;
    +\t}
    +
    +\tfoo_hw_send_abort(hw, io_to_abort);
    +
    +\tkref_put(&io_to_abort->ref, io_to_abort->release);
    +\treturn 0;
    +}
"""


def test_quiet_on_the_branch_where_the_get_compared_to_zero_failed():
    assert_quiet(get_without_put_on_exit, diff(KREF_UNLESS_ZERO_TEXT), include_low=True)
    for cond in ("0 == kref_get_unless_zero(&io_to_abort->ref)", "!kref_get_unless_zero(&io_to_abort->ref)"):
        text = KREF_UNLESS_ZERO_TEXT.replace("kref_get_unless_zero(&io_to_abort->ref) == 0", cond)
        assert_quiet(get_without_put_on_exit, diff(text), include_low=True)
    # the success branch returning without the put is a leak
    leak = KREF_UNLESS_ZERO_TEXT.replace("\t\tkref_put(&io_to_abort->ref, io_to_abort->release);\n"
                                         "    +\t\treturn -ENOENT;", "\t\treturn -ENOENT;")
    assert leak != KREF_UNLESS_ZERO_TEXT
    assert_fires(get_without_put_on_exit, diff(leak.replace("0,0 +1,21", "0,0 +1,20")),
                 at=[("drivers/scsi/foo/foo_hw.c", 13)])


# drivers/soundwire/mipi_disco.c (6.12, sdw_slave_read_prop()) as a new file: the else branch
# of `if (!port)` drops the node, so the later returns hold nothing.
ELSE_BRANCH_PUT_TEXT = """
    --- /dev/null
    +++ b/drivers/soundwire/foo_disco.c
    @@ -0,0 +1,21 @@
    +int foo_read_prop(struct sdw_slave *slave)
    +{
    +\tstruct fwnode_handle *port;
    +
    +\tport = device_get_named_child_node(dev, "mipi-sdw-dp-0-subproperties");
    +\tif (!port) {
    +\t\tdev_dbg(dev, "DP0 node not found!!\\n");
    +\t} else {
    +\t\tprop->dp0_prop = devm_kzalloc(&slave->dev, sizeof(*prop->dp0_prop), GFP_KERNEL);
    +\t\tif (!prop->dp0_prop) {
    +\t\t\tfwnode_handle_put(port);
    +\t\t\treturn -ENOMEM;
    +\t\t}
    +\t\tfoo_read_dp0(slave, port, prop->dp0_prop);
    +\t\tfwnode_handle_put(port);
    +\t}
    +\tprop->src_dpn_prop = devm_kcalloc(&slave->dev, nval, sizeof(*prop->src_dpn_prop), GFP_KERNEL);
    +\tif (!prop->src_dpn_prop)
    +\t\treturn -ENOMEM;
    +\treturn 0;
    +}
"""


def test_quiet_after_an_else_branch_that_drops_the_found_node():
    assert_quiet(get_without_put_on_exit, diff(ELSE_BRANCH_PUT_TEXT), include_low=True)
    kept = ELSE_BRANCH_PUT_TEXT.replace("\t\tfoo_read_dp0(slave, port, prop->dp0_prop);\n"
                                        "    +\t\tfwnode_handle_put(port);\n",
                                        "\t\tfoo_read_dp0(slave, port, prop->dp0_prop);\n")
    assert kept != ELSE_BRANCH_PUT_TEXT
    assert_fires(get_without_put_on_exit, diff(kept.replace("+1,21", "+1,20")),
                 at=[("drivers/soundwire/foo_disco.c", 18), ("drivers/soundwire/foo_disco.c", 19)])


# drivers/net/ethernet/sfc/tc_encap_actions.c (6.12, efx_bind_neigh()) as a new file: the goto
# in the `#else` arm is compiled only where the `#if` arm (and its netdev_hold()) is not.
PREPROC_ARMS_TEXT = """
    --- /dev/null
    +++ b/drivers/net/foo/encap.c
    @@ -0,0 +1,24 @@
    +static int foo_bind_neigh(struct foo_nic *efx, struct foo_encap *encap)
    +{
    +\tint rc;
    +
    +\tif (encap->type & FOO_ENCAP_FLAG_IPV6) {
    +#if IS_ENABLED(CONFIG_IPV6)
    +\t\tneigh->egdev = dst->dev;
    +\t\tnetdev_hold(neigh->egdev, &neigh->dev_tracker, GFP_KERNEL_ACCOUNT);
    +\t\tn = dst_neigh_lookup(dst, &flow6.daddr);
    +#else
    +\t\trc = -EOPNOTSUPP;
    +\t\tgoto out_free;
    +#endif
    +\t}
    +\tif (!n) {
    +\t\trc = -ENETUNREACH;
    +\t\tnetdev_put(neigh->egdev, &neigh->dev_tracker);
    +\t\tgoto out_free;
    +\t}
    +\treturn 0;
    +out_free:
    +\tkfree(neigh);
    +\treturn rc;
    +}
"""


def test_quiet_on_an_exit_in_the_other_preprocessor_arm():
    assert_quiet(get_without_put_on_exit, diff(PREPROC_ARMS_TEXT), include_low=True)
    # without the `#else`, both lines are compiled: the goto leaves holding the netdev
    same_arm = PREPROC_ARMS_TEXT.replace("    +#else\n", "    +\n")
    assert same_arm != PREPROC_ARMS_TEXT
    assert_fires(get_without_put_on_exit, diff(same_arm), at=[("drivers/net/foo/encap.c", 12)])


# drivers/acpi/processor_perflib.c (6.12, acpi_processor_notify_smm()) as a new file: the pin
# kept on a success return that the comment says keeps the driver loaded.
PIN_ON_PURPOSE_TEXT = """
    --- /dev/null
    +++ b/drivers/acpi/foo_perflib.c
    @@ -0,0 +1,22 @@
    +int foo_notify_smm(struct module *calling_module)
    +{
    +\tint result = 0;
    +
    +\tif (!try_module_get(calling_module))
    +\t\treturn -EINVAL;
    +
    +\tresult = foo_pstate_control();
    +\tif (result <= 0)
    +\t\tgoto out_put;
    +
    +\t/*
    +\t * Success. If there _PPC, unloading the cpufreq driver would be risky,
    +\t * so disallow it in that case.
    +\t */
    +\tif (foo_ppc_in_use)
    +\t\treturn 0;
    +
    +out_put:
    +\tmodule_put(calling_module);
    +\treturn result;
    +}
"""


def test_a_pin_kept_on_purpose_is_only_a_question():
    assert_quiet(get_without_put_on_exit, diff(PIN_ON_PURPOSE_TEXT))
    assert_fires(get_without_put_on_exit, diff(PIN_ON_PURPOSE_TEXT), include_low=True,
                 at=[("drivers/acpi/foo_perflib.c", 17)])
    plain = PIN_ON_PURPOSE_TEXT.replace("unloading the cpufreq driver would be risky", "the state is kept")
    assert plain != PIN_ON_PURPOSE_TEXT
    assert_fires(get_without_put_on_exit, diff(plain), at=[("drivers/acpi/foo_perflib.c", 17)])


# Whole new functions in tree mode (pre-image empty: all of it is new), from 6.12 drivers.

# drivers/mfd/wm8994-core.c (wm8994_device_init()): regulator_bulk_get()'s int status says it
# failed (it freed what it took), and regulator_bulk_free() drops its second argument.
BULK_GET = """static int foo_device_init(struct foo *wm)
{
\tint ret;

\tret = regulator_bulk_get(wm->dev, wm->num_supplies, wm->supplies);
\tif (ret != 0) {
\t\tdev_err(wm->dev, "Failed to get supplies: %d\\n", ret);
\t\tgoto err;
\t}

\tret = regulator_bulk_enable(wm->num_supplies, wm->supplies);
\tif (ret != 0) {
\t\tdev_err(wm->dev, "Failed to enable supplies: %d\\n", ret);
\t\tgoto err_regulator_free;
\t}
\treturn 0;

err_regulator_free:
\tregulator_bulk_free(wm->num_supplies, wm->supplies);
err:
\tmfd_remove_devices(wm->dev);
\treturn ret;
}

static void foo_device_exit(struct foo *wm)
{
\tregulator_bulk_disable(wm->num_supplies, wm->supplies);
\tregulator_bulk_free(wm->num_supplies, wm->supplies);
}
"""


def test_tree_mode_quiet_on_a_bulk_get_that_failed_and_its_free():
    path = "drivers/mfd/foo-core.c"
    series, ctx_for = tree_case("", BULK_GET, path)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx_for)
    leaky = BULK_GET.replace("\treturn 0;\n", "\tif (wm->broken)\n\t\treturn -EIO;\n\treturn 0;\n", 1)
    series, ctx_for = tree_case("", leaky, path)
    assert_fires(get_without_put_on_exit, series, at=[(path, _line(leaky, "return -EIO"))], context_for=ctx_for)


# drivers/irqchip/irq-renesas-rzg2l.c (rzg2l_irqc_common_init()): a `__free(put_device)`
# variable initialised from the looked-up device drops its reference on every exit.
CLEANUP_FROM_OBJECT = """static int foo_irqc_init(struct device_node *node, struct device_node *parent)
{
\tstruct platform_device *pdev = of_find_device_by_node(node);
\tstruct device *dev __free(put_device) = pdev ? &pdev->dev : NULL;
\tstruct irq_domain *parent_domain;

\tif (!pdev)
\t\treturn -ENODEV;

\tparent_domain = irq_find_host(parent);
\tif (!parent_domain) {
\t\tdev_err(&pdev->dev, "cannot find parent domain\\n");
\t\treturn -ENODEV;
\t}
\treturn foo_irqc_setup(dev, parent_domain);
}
"""


def _gets_of(text: str) -> list[str]:
    from reviewbot.analysis import cmodel
    from reviewbot.checks.module import _refpaths
    return [g.obj for g in _refpaths.gets(cmodel.parse(text).functions[0])]


def test_a_cleanup_variable_initialised_from_the_object_owns_its_reference():
    # the Coccinelle leak path asks the same question (`_cocci_leak_stands`)
    assert _gets_of(CLEANUP_FROM_OBJECT) == []
    assert _gets_of(CLEANUP_FROM_OBJECT.replace(" __free(put_device)", "")) == ["pdev"]


# drivers/media/usb/dvb-usb-v2/anysee.c (anysee_tuner_attach()): a tuner attach installs its
# release into the frontend it is given; dvb_frontend_detach() drops the symbol reference.
TUNER_ATTACH = """static int foo_tuner_attach(struct dvb_usb_adapter *adap)
{
\tstruct dvb_usb_device *d = adap_to_d(adap);
\tstruct dvb_frontend *fe;
\tint ret;

\tfe = dvb_attach(dvb_pll_attach, adap->fe[0], 0x61, &d->i2c_adap, DVB_PLL_SAMSUNG_DTOS403IH102A);
\tif (!fe)
\t\treturn -ENODEV;
\tret = foo_gate(d, 0);
\tif (ret)
\t\treturn ret;
\treturn 0;
}
"""


def test_a_tuner_attach_hands_its_reference_to_the_frontend_it_is_given():
    from reviewbot.analysis import cmodel
    from reviewbot.checks.module import _ownership, _refpaths

    def handed(text):
        func = cmodel.parse(text).functions[0]
        (g,) = _refpaths.gets(func)
        j = next(j for j in func.jumps() if j.value.strip() == "ret")
        return _ownership.handed_on(func, g, j)
    assert handed(TUNER_ATTACH)
    assert not handed(TUNER_ATTACH.replace("dvb_attach(dvb_pll_attach, adap->fe[0], 0x61,",
                                           "dvb_attach(foo_demod_attach, &cfg, 0x61,"))


# drivers/bus/imx-weim.c (6.12, of_weim_notify()): the lookup, its test and the put in the
# `else` all sit in one `case`; the return after the switch holds nothing.
NOTIFY_CASE = """static int foo_notify(struct notifier_block *nb, unsigned long action, void *arg)
{
\tstruct of_reconfig_data *rd = arg;
\tstruct platform_device *pdev;
\tint ret = NOTIFY_OK;

\tswitch (of_reconfig_get_state_change(action, rd)) {
\tcase OF_RECONFIG_CHANGE_REMOVE:
\t\tpdev = of_find_device_by_node(rd->dn);
\t\tif (!pdev) {
\t\t\tpr_err("Could not find platform device for '%pOF'\\n", rd->dn);
\t\t\tret = notifier_from_errno(-EINVAL);
\t\t} else {
\t\t\tof_platform_device_destroy(&pdev->dev, NULL);
\t\t\tplatform_device_put(pdev);
\t\t}
\t\tbreak;
\tdefault:
\t\tbreak;
\t}

\treturn ret;
}
"""


def test_a_put_in_the_else_of_a_case_covers_the_return_after_the_switch():
    from reviewbot.analysis import cmodel
    from reviewbot.checks.module import _ownership, _refpaths

    def covered(text):
        func = cmodel.parse(text).functions[0]
        (g,) = _refpaths.gets(func)
        j = next(j for j in func.jumps() if j.value.strip() == "ret")
        return _ownership.put_in_found_branch(func, g, j)
    assert covered(NOTIFY_CASE)
    assert not covered(NOTIFY_CASE.replace("\t\t\tplatform_device_put(pdev);\n", ""))


# drivers/net/ethernet/broadcom/bcm63xx_enet.c (6.12, bcm_enet_open()): the unwind puts the
# PHY under a test of the PHY alone; a path matcher that takes its false branch counts a leak
# that cannot happen (phydev was checked with IS_ERR()).  phy_disconnect() is the table's
# release of phy_connect() (its name says so: a put hint).
GUARDED_PUT = """static int foo_open(struct net_device *dev)
{
\tstruct phy_device *phydev = NULL;
\tint ret;

\tif (priv->has_phy) {
\t\tphydev = phy_connect(dev, phy_id, foo_adjust_link, PHY_INTERFACE_MODE_MII);
\t\tif (IS_ERR(phydev))
\t\t\treturn PTR_ERR(phydev);
\t}
\tret = request_irq(dev->irq, foo_isr, 0, dev->name, dev);
\tif (ret)
\t\tgoto out_phy_disconnect;
\treturn 0;

out_phy_disconnect:
\tif (phydev)
\t\tphy_disconnect(phydev);
\treturn ret;
}
"""


def test_a_put_under_a_test_of_the_object_runs_on_every_path_to_the_exit():
    from reviewbot.analysis import cmodel
    from reviewbot.checks.module import _apis, _ownership, _refpaths
    assert _apis.BY_GETTER["phy_connect"].putters == ("phy_disconnect",)

    def guarded(text):
        func = cmodel.parse(text).functions[0]
        (g,) = _refpaths.gets(func)
        j = next(j for j in func.jumps() if j.value.strip() == "ret")
        return _ownership.guarded_put_before(func, g, j)
    assert guarded(GUARDED_PUT)
    # a label between the put and the exit: a goto may land after the put
    assert not guarded(GUARDED_PUT.replace("\t\tphy_disconnect(phydev);\n", "\t\tphy_disconnect(phydev);\nout:\n"))
    assert not guarded(GUARDED_PUT.replace("\tif (phydev)\n", "\tif (priv->bus)\n"))


# A lookup that fills in the caller's `struct of_phandle_args`: the reference is on its `np`
# member (include/linux/of.h: "Caller is responsible to call of_node_put() on the returned
# out_args->np"), so `of_node_put(args.np)` is its put.
REMOVED_OUT_ARG_PUT_TEXT = """
    --- a/drivers/soc/foo/foo-tsa.c
    +++ b/drivers/soc/foo/foo-tsa.c
    @@ -100,14 +100,12 @@ static int foo_get_serial(struct device_node *np, struct foo *foo)
     \tret = of_parse_phandle_with_fixed_args(np, "fsl,tsa-serial", 1, 0, &out_args);
     \tif (ret < 0)
     \t\treturn ret;
     
    -\tif (!of_match_node(foo_match, out_args.np)) {
    -\t\tof_node_put(out_args.np);
    +\tif (!of_match_node(foo_match, out_args.np))
     \t\treturn -EINVAL;
    -\t}
     
     \tpdev = of_find_device_by_node(out_args.np);
     \tof_node_put(out_args.np);
     \tif (!pdev)
     \t\treturn -ENODEV;
     \treturn 0;
"""


def test_fires_on_a_removed_put_of_an_out_argument_lookup():
    assert_fires(get_without_put_on_exit, diff(REMOVED_OUT_ARG_PUT_TEXT),
                 at=[("drivers/soc/foo/foo-tsa.c", 105, "old")])


def test_the_reference_of_an_out_argument_lookup_is_on_its_member():
    assert _gets_of("int f(struct device_node *np)\n{\n\tstruct of_phandle_args out_args;\n"
                    "\tof_parse_phandle_with_fixed_args(np, \"x\", 1, 0, &out_args);\n\treturn 0;\n}\n") \
        == ["out_args.np"]
    assert _gets_of("int f(struct fwnode_handle *fw, struct fwnode_reference_args *args)\n{\n"
                    "\tfwnode_property_get_reference_args(fw, \"x\", NULL, 0, 0, args);\n\treturn 0;\n}\n") \
        == ["args->fwnode"]


# drivers/gpu/drm/sti/sti_drv.c (6.12, sti_platform_probe()) and drivers/bus/vexpress-config.c
# (vexpress_config_find_prop()): a walk that ends when the object is NULL; each step's lookup
# drops the previous node.  No reference is left after the loop.
WALK_TO_NULL = """static int foo_probe(struct platform_device *pdev)
{
\tstruct device_node *node = pdev->dev.of_node;
\tstruct component_match *match = NULL;
\tstruct device_node *child_np;

\tchild_np = of_get_next_available_child(node, NULL);

\twhile (child_np) {
\t\tdrm_of_component_match_add(&pdev->dev, &match, component_compare_of, child_np);
\t\tchild_np = of_get_next_available_child(node, child_np);
\t}

\treturn component_master_add_with_match(&pdev->dev, &foo_ops, match);
}
"""


def test_a_walk_that_ends_on_null_holds_nothing_after_the_loop():
    from reviewbot.analysis import cmodel
    from reviewbot.checks.module import _ownership, _refpaths

    def ended(text, nth):
        func = cmodel.parse(text).functions[0]
        g = _refpaths.gets(func)[nth]
        j = next(j for j in func.jumps() if j.kind == "return")
        return _ownership.loop_condition_get(g, j)
    assert ended(WALK_TO_NULL, 0) and ended(WALK_TO_NULL, 1)
    # a break leaves the loop holding the node
    broken = WALK_TO_NULL.replace("\t\tdrm_of_component_match_add(", "\t\tif (foo_last(child_np))\n\t\t\tbreak;\n"
                                  "\t\tdrm_of_component_match_add(")
    assert not ended(broken, 0) and not ended(broken, 1)


# drivers/firmware/arm_ffa/bus.c (6.12, ffa_device_register()): the failed registration's
# branch drops the device under its other name, `dev = &ffa_dev->dev`.
REGISTER_ALIAS = """struct foo_device *foo_device_register(const struct foo_info *info)
{
\tstruct foo_device *ffa_dev;
\tstruct device *dev;
\tint ret;

\tffa_dev = kzalloc(sizeof(*ffa_dev), GFP_KERNEL);
\tif (!ffa_dev)
\t\treturn NULL;

\tdev = &ffa_dev->dev;
\tdev->bus = &foo_bus_type;
\tdev->release = foo_release_device;

\tret = device_register(&ffa_dev->dev);
\tif (ret) {
\t\tdev_err(dev, "unable to register device %s err=%d\\n", dev_name(dev), ret);
\t\tput_device(dev);
\t\treturn NULL;
\t}

\treturn ffa_dev;
}
"""


def test_a_put_through_a_local_alias_answers_the_failed_register():
    from reviewbot.analysis import cmodel
    from reviewbot.checks.module import _refpaths
    func = cmodel.parse(REGISTER_ALIAS).functions[0]
    assert _refpaths.same_local(func, "dev", "&ffa_dev->dev")
    assert not _refpaths.same_local(func, "ffa_dev->parent", "&ffa_dev->dev")
    path = "drivers/firmware/foo/bus.c"
    series, ctx_for = tree_case("", REGISTER_ALIAS, path)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx_for)


def _cocci_stands(text: str, path: str, kind: str, api: str, obj: str, get: str, exit_: str, nth: int = 1) -> bool:
    """The Python verdict on a Coccinelle path (`_cocci_leak_stands`) from `get` to `exit_`."""
    from reviewbot.cocci import Match
    from reviewbot.context import Context, FileImages
    from reviewbot.model import Side
    ctx = Context(mode="tree", files={path: FileImages(pre=None, post=text)})
    ex = _line(text, exit_, nth)
    m = Match(rule="MOD003", kind=kind, path=path, function="f", api=api, obj=obj, line=ex,
              side=Side.NEW, get_line=_line(text, get), exit_line=ex)
    return get_without_put_on_exit._cocci_leak_stands(ctx, {}, m)


# drivers/spi/spi-s3c64xx.c (6.12, s3c64xx_spi_probe()): a devres-allocated controller whose
# registration fails: devres drops the reference, the error path owes nothing.
DEVM_HOST = """static int foo_spi_probe(struct platform_device *pdev)
{
\tstruct spi_controller *host;
\tint ret;

\thost = devm_spi_alloc_host(&pdev->dev, sizeof(struct foo_spi));
\tif (!host)
\t\treturn -ENOMEM;

\tret = spi_register_controller(host);
\tif (ret) {
\t\tdev_err(&pdev->dev, "cannot register SPI host: %d\\n", ret);
\t\treturn ret;
\t}
\treturn 0;
}
"""

# drivers/clocksource/timer-gxp.c (6.12, gxp_timer_probe()): on success the added platform
# device holds the reference; on failure the branch put it.
ADDED_ON_SUCCESS = """static int foo_timer_probe(struct platform_device *pdev)
{
\tstruct platform_device *wdt;
\tint ret;

\twdt = platform_device_alloc("foo-wdt", -1);
\tif (!wdt)
\t\treturn -ENOMEM;

\twdt->dev.parent = &pdev->dev;
\tret = platform_device_add(wdt);
\tif (ret)
\t\tplatform_device_put(wdt);

\treturn ret;
}
"""


def test_coccinelle_paths_the_ownership_rules_refute():
    path = "drivers/spi/spi-foo.c"
    assert not _cocci_stands(DEVM_HOST, path, "register", "spi_register_controller", "host",
                             "spi_register_controller(host)", "return ret;")
    plain = DEVM_HOST.replace("devm_spi_alloc_host(&pdev->dev,", "spi_alloc_host(&pdev->dev,")
    assert _cocci_stands(plain, path, "register", "spi_register_controller", "host",
                         "spi_register_controller(host)", "return ret;")
    assert not _cocci_stands(ADDED_ON_SUCCESS, path, "leak", "platform_device_alloc", "wdt",
                             "platform_device_alloc(", "return ret;")
    no_add = ADDED_ON_SUCCESS.replace("platform_device_add(wdt)", "foo_setup(wdt)")
    assert _cocci_stands(no_add, path, "leak", "platform_device_alloc", "wdt",
                         "platform_device_alloc(", "return ret;")


def test_a_container_conversion_names_the_same_object():
    # drivers/nvdimm/claim.c (6.12, nd_namespace_store()): `ndns = to_ndns(found)`, then
    # `put_device(&ndns->dev); /* from device_find_child */`
    from reviewbot.analysis import cmodel
    from reviewbot.checks.module import _refpaths
    text = ("static ssize_t f(struct device *dev, const char *name)\n{\n\tstruct nd_namespace_common *ndns;\n"
            "\tstruct device *found;\n\n\tndns = *_ndns;\n\tfound = device_find_child_by_name(dev->parent, name);\n"
            "\tif (!found)\n\t\treturn -ENODEV;\n\tndns = to_ndns(found);\n\tput_device(&ndns->dev);\n\treturn 0;\n}\n")
    func = cmodel.parse(text).functions[0]
    assert _refpaths.same_local(func, "&ndns->dev", "found")
    assert not _refpaths.same_local(func, "&ndns->dev", "dev")


# drivers/iommu/arm/arm-smmu/arm-smmu-qcom-debug.c (6.12, qcom_tbu_probe()): the lookup that
# fills in `args` returns non-zero when it fails, and then holds nothing.
OUT_ARG_FAILED = """int foo_tbu_probe(struct platform_device *pdev)
{
\tstruct of_phandle_args args = { .args_count = 2 };
\tstruct device_node *np = pdev->dev.of_node;

\tif (of_parse_phandle_with_args(np, "qcom,stream-id-range", "#iommu-cells", 0, &args)) {
\t\tdev_err(&pdev->dev, "Cannot parse the 'qcom,stream-id-range' DT property\\n");
\t\treturn -EINVAL;
\t}
\tfoo_set_range(pdev, args.args[0]);
\tof_node_put(args.np);
\treturn 0;
}
"""


def test_quiet_on_the_failure_branch_of_an_out_argument_lookup():
    from reviewbot.analysis import cmodel
    from reviewbot.checks.module import _refpaths
    func = cmodel.parse(OUT_ARG_FAILED).functions[0]
    j = next(j for j in func.jumps() if j.value.strip() == "-EINVAL")
    assert _refpaths.failed_get_at(func, j.node) == ["args.np"]
    assert_quiet(get_without_put_on_exit, new_file("drivers/iommu/foo-debug.c", OUT_ARG_FAILED), include_low=True)


def test_a_wrapper_getters_own_put_by_its_name_answers_it():
    # drivers/gpu/drm/amd/amdgpu/amdgpu_display.c: `amdgpu_bo_ref(work->old_abo)`, then on the
    # unwind `amdgpu_bo_unref(&work->old_abo)` (a longer wrapper the one-line table lacks)
    from reviewbot.checks.module import _apis
    assert "amdgpu_bo_unref" in _apis.BY_GETTER["amdgpu_bo_ref"].putters
    assert _apis.is_putter("amdgpu_bo_unref")
    assert _apis.same_object(_apis.put_object("amdgpu_bo_unref", ["&work->old_abo"]), "work->old_abo")


def test_a_submitted_urb_belongs_to_its_completion_handler():
    # drivers/net/usb/rtl8150.c (6.12, async_set_registers()): async_set_reg_cb() frees it
    from reviewbot.analysis import cmodel
    from reviewbot.checks.module import _ownership, _refpaths
    text = ("static int f(struct foo *dev)\n{\n\tstruct urb *async_urb;\n\tint res;\n\n"
            "\tasync_urb = usb_alloc_urb(0, GFP_ATOMIC);\n\tif (!async_urb)\n\t\treturn -ENOMEM;\n"
            "\tres = usb_submit_urb(async_urb, GFP_ATOMIC);\n\tif (res)\n\t\tusb_free_urb(async_urb);\n"
            "\treturn res;\n}\n")
    func = cmodel.parse(text).functions[0]
    (g,) = _refpaths.gets(func)
    j = func.jumps()[-1]
    assert _ownership.handed_on(func, g, j)
    assert not _ownership.handed_on(func, g, func.jumps()[0])


def test_a_get_on_each_member_of_a_collection_is_kept_with_the_members():
    # drivers/gpu/drm/i915/gem/i915_gem_execbuffer.c (6.12, eb_select_context()):
    # `for_each_child(ce, child) intel_context_get(child);` and the exit after the loop
    from reviewbot.analysis import cmodel
    from reviewbot.checks.module import _ownership, _refpaths
    text = ("static int f(struct foo_eb *eb, struct intel_context *ce)\n{\n\tstruct intel_context *child;\n"
            "\tint err = 0;\n\n\tfor (child = ce->first; child; child = child->next)\n"
            "\t\tintel_context_get(child);\n\teb->context = ce;\n\treturn err;\n}\n")
    func = cmodel.parse(text).functions[0]
    (g,) = _refpaths.gets(func)
    assert _ownership.per_member_get(g, func.jumps()[-1])
    flat = text.replace("\tfor (child = ce->first; child; child = child->next)\n\t\t", "\tchild = ce->first;\n\t")
    func = cmodel.parse(flat).functions[0]
    (g,) = _refpaths.gets(func)
    assert not _ownership.per_member_get(g, func.jumps()[-1])
