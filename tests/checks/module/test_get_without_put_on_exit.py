
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


def test_tree_mode_fires_at_the_leaking_return():
    post = XLATE.replace("\tif (!atslave) {\n\t\tput_device(&dmac_pdev->dev);\n", "\tif (!atslave) {\n", 1)
    assert post != XLATE
    series, ctx_for = tree_case(XLATE, post)
    ret = _line(post, "if (!atslave)") + 1
    assert_fires(get_without_put_on_exit, series, at=[(PATH, ret)], context_for=ctx_for)


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
