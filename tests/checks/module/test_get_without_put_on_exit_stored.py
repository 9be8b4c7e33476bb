"""MOD003: references kept in a structure member (released by a teardown function), removed
puts that were second puts, and exits whose `if` a patch rewrote.  Shapes from 6.12 drivers
(fec_mpc52xx's phy_node, phy-omap-usb2's control device, ingenic_ecc's lookup)."""

from reviewbot.checks.module import get_without_put_on_exit
from tests import helpers
from tests.helpers import assert_fires, assert_quiet, diff

PATH = "drivers/net/ethernet/foo/foo_fec.c"

DRIVER = """\
static int foo_fec_probe(struct platform_device *op)
{
\tstruct foo_priv *priv;
\tstruct device_node *np = op->dev.of_node;

\tpriv = devm_kzalloc(&op->dev, sizeof(*priv), GFP_KERNEL);
\tif (!priv)
\t\treturn -ENOMEM;
\tpriv->phy_node = of_parse_phandle(np, "phy-handle", 0);
\tplatform_set_drvdata(op, priv);
\treturn 0;
}

static void foo_fec_remove(struct platform_device *op)
{
\tstruct foo_priv *priv = platform_get_drvdata(op);

\tunregister_netdev(priv->ndev);
\tof_node_put(priv->phy_node);
\tpriv->phy_node = NULL;
\tirq_dispose_mapping(priv->irq);
\tiounmap(priv->regs);
}
"""


def _without(text: str, line: str) -> str:
    out = text.replace(line, "", 1)
    assert out != text
    return out


def _line(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


# --------------------------------------------------------------- a stored reference's release

REMOVED_RELEASE = diff("""
    --- a/drivers/net/ethernet/foo/foo_fec.c
    +++ b/drivers/net/ethernet/foo/foo_fec.c
    @@ -17,7 +17,6 @@ static void foo_fec_remove(struct platform_device *op)
     \tstruct foo_priv *priv = platform_get_drvdata(op);
     
     \tunregister_netdev(priv->ndev);
    -\tof_node_put(priv->phy_node);
     \tpriv->phy_node = NULL;
     \tirq_dispose_mapping(priv->irq);
     \tiounmap(priv->regs);
""")


def test_fires_on_removed_release_of_a_stored_reference_in_remove():
    assert_fires(get_without_put_on_exit, REMOVED_RELEASE, at=[(PATH, 20, "old")])


def test_quiet_when_the_release_moves_within_the_teardown():
    moved_same = diff("""
        --- a/drivers/net/ethernet/foo/foo_fec.c
        +++ b/drivers/net/ethernet/foo/foo_fec.c
        @@ -17,7 +17,7 @@ static void foo_fec_remove(struct platform_device *op)
         \tstruct foo_priv *priv = platform_get_drvdata(op);
         
         \tunregister_netdev(priv->ndev);
        -\tof_node_put(priv->phy_node);
         \tpriv->phy_node = NULL;
         \tirq_dispose_mapping(priv->irq);
        +\tof_node_put(priv->phy_node);
         \tiounmap(priv->regs);
    """)
    assert_quiet(get_without_put_on_exit, moved_same, include_low=True)


def test_quiet_on_removed_put_of_the_callbacks_own_device():
    # the device remove() is given is the core's: dropping a put of it is no leak here
    own = diff("""
        --- a/drivers/net/ethernet/foo/foo_fec.c
        +++ b/drivers/net/ethernet/foo/foo_fec.c
        @@ -17,7 +17,6 @@ static void foo_fec_remove(struct platform_device *op)
         \tstruct foo_priv *priv = platform_get_drvdata(op);
         
         \tunregister_netdev(priv->ndev);
        -\tput_device(&op->dev);
         \tpriv->phy_node = NULL;
         \tirq_dispose_mapping(priv->irq);
         \tiounmap(priv->regs);
    """)
    assert_quiet(get_without_put_on_exit, own)


def test_tree_mode_fires_when_no_code_of_the_file_drops_the_member():
    post = _without(DRIVER, "\tof_node_put(priv->phy_node);\n")
    series, ctx_for = helpers.tree_case(PATH, DRIVER, post)
    assert_fires(get_without_put_on_exit, series, at=[(PATH, _line(DRIVER, "of_node_put(priv->phy_node)"), "old")],
                 context_for=ctx_for)


def test_tree_mode_quiet_when_another_function_still_drops_it():
    pre = DRIVER.replace("\tiounmap(priv->regs);\n}\n", "\tiounmap(priv->regs);\n}\n\n"
                         "static void foo_fec_cleanup(struct foo_priv *priv)\n{\n"
                         "\tof_node_put(priv->phy_node);\n}\n")
    post = pre.replace("\tof_node_put(priv->phy_node);\n\tpriv->phy_node = NULL;\n",
                       "\tfoo_fec_cleanup(priv);\n\tpriv->phy_node = NULL;\n", 1)
    assert post != pre
    series, ctx_for = helpers.tree_case(PATH, pre, post)
    assert_quiet(get_without_put_on_exit, series, include_low=True, context_for=ctx_for)


# --------------------------------------------------------------- a removed devm put action

REMOVED_ACTION = diff("""
    --- a/drivers/phy/ti/phy-foo-usb2.c
    +++ b/drivers/phy/ti/phy-foo-usb2.c
    @@ -363,13 +363,6 @@ static void foo_usb2_init_errata(struct foo_usb *phy)
     \t\tphy->flags |= FOO_USB2_DISABLE_CHRG_DET;
     }
     
    -static void foo_usb2_put_device(void *_dev)
    -{
    -\tstruct device *dev = _dev;
    -
    -\tput_device(dev);
    -}
    -
     static int foo_usb2_probe(struct platform_device *pdev)
     {
     \tstruct foo_usb\t*phy;
    @@ -431,11 +424,6 @@ static int foo_usb2_probe(struct platform_device *pdev)
     \t\t\treturn -EINVAL;
     \t\t}
     \t\tphy->control_dev = &control_pdev->dev;
    -
    -\t\tret = devm_add_action_or_reset(&pdev->dev, foo_usb2_put_device,
    -\t\t\t\t\t       phy->control_dev);
    -\t\tif (ret)
    -\t\t\treturn ret;
     \t} else {
     \t\tif (of_property_read_u32_index(node,
     \t\t\t\t\t       "syscon-phy-power", 1,
""")


def test_fires_on_removed_devm_action_that_dropped_a_stored_reference():
    assert_fires(get_without_put_on_exit, REMOVED_ACTION, at=[("drivers/phy/ti/phy-foo-usb2.c", 435, "old")])


def test_quiet_when_the_action_is_re_added():
    text = REMOVED_ACTION.patches[0].diff
    fix_like = diff("""
        --- a/drivers/phy/ti/phy-foo-usb2.c
        +++ b/drivers/phy/ti/phy-foo-usb2.c
        @@ -431,11 +431,9 @@ static int foo_usb2_probe(struct platform_device *pdev)
         \t\t\treturn -EINVAL;
         \t\t}
         \t\tphy->control_dev = &control_pdev->dev;
        -
        -\t\tret = devm_add_action_or_reset(&pdev->dev, foo_usb2_put_device,
        -\t\t\t\t\t       phy->control_dev);
        +\t\tret = devm_add_action_or_reset(&pdev->dev, foo_usb2_put_device, phy->control_dev);
         \t\tif (ret)
         \t\t\treturn ret;
         \t} else {
         \t\tif (of_property_read_u32_index(node,
         \t\t\t\t\t       "syscon-phy-power", 1,
    """)
    assert "foo_usb2_put_device" in text
    assert_quiet(get_without_put_on_exit, fix_like, include_low=True)


# --------------------------------------------------------------- removed second puts

def test_quiet_on_removed_second_put_of_the_same_object():
    dup = diff("""
        --- a/drivers/of/foo.c
        +++ b/drivers/of/foo.c
        @@ -638,7 +638,6 @@ u64 foo_translate(struct device_node *dev, const __be32 *in_addr)
         
         \tif (host) {
         \t\tof_node_put(host);
        -\t\tof_node_put(host);
         \t\treturn OF_BAD_ADDR;
         \t}
         
    """)
    assert_quiet(get_without_put_on_exit, dup, include_low=True)


def test_quiet_on_removed_put_after_an_unregister_of_it():
    after_unreg = diff("""
        --- a/drivers/foo/bar.c
        +++ b/drivers/foo/bar.c
        @@ -90,7 +90,6 @@ static int bar_add_port(struct bar *b)
         \tret = bar_start(port);
         \tif (ret) {
         \t\tdevice_unregister(&port->dev);
        -\t\tput_device(&port->dev);
         \t\treturn ret;
         \t}
         
    """)
    assert_quiet(get_without_put_on_exit, after_unreg, include_low=True)


def test_still_fires_on_removed_put_after_a_put_of_another_object():
    other = diff("""
        --- a/drivers/foo/bar.c
        +++ b/drivers/foo/bar.c
        @@ -90,7 +90,6 @@ static int bar_add_port(struct bar *b)
         \tret = bar_start(port);
         \tif (ret) {
         \t\tof_node_put(np);
        -\t\tput_device(&port->dev);
         \t\treturn ret;
         \t}
         
    """)
    assert_fires(get_without_put_on_exit, other, at=[("drivers/foo/bar.c", 93, "old")])


def test_quiet_on_removed_put_that_ends_a_shown_loop_body():
    loop = diff("""
        --- a/drivers/foo/bar.c
        +++ b/drivers/foo/bar.c
        @@ -40,7 +40,6 @@ static int bar_parse(struct device_node *np)
         \tfor_each_child_of_node(np, child) {
         \t\tcount++;
        -\t\tof_node_put(child);
         \t}
         
         \treturn count;
         }
    """)
    assert_quiet(get_without_put_on_exit, loop)


# --------------------------------------------------------------- a kept exit, a rewritten if

MERGED_TEST = diff("""
    --- a/drivers/mtd/nand/raw/foo/foo_ecc.c
    +++ b/drivers/mtd/nand/raw/foo/foo_ecc.c
    @@ -68,14 +68,9 @@ static struct foo_ecc *foo_ecc_get(struct device_node *np)
     \tstruct foo_ecc *ecc;
     
     \tpdev = of_find_device_by_node(np);
    -\tif (!pdev)
    +\tif (!pdev || !platform_get_drvdata(pdev))
     \t\treturn ERR_PTR(-EPROBE_DEFER);
     
    -\tif (!platform_get_drvdata(pdev)) {
    -\t\tput_device(&pdev->dev);
    -\t\treturn ERR_PTR(-EPROBE_DEFER);
    -\t}
    -
     \tecc = platform_get_drvdata(pdev);
     \tclk_prepare_enable(ecc->clk);
     
""")


def test_fires_on_kept_exit_whose_condition_now_holds_a_live_reference():
    assert_fires(get_without_put_on_exit, MERGED_TEST, at=[("drivers/mtd/nand/raw/foo/foo_ecc.c", 71)])


def test_quiet_on_the_split_test_that_drops_it():
    fix = diff("""
        --- a/drivers/mtd/nand/raw/foo/foo_ecc.c
        +++ b/drivers/mtd/nand/raw/foo/foo_ecc.c
        @@ -68,9 +68,14 @@ static struct foo_ecc *foo_ecc_get(struct device_node *np)
         \tstruct foo_ecc *ecc;
         
         \tpdev = of_find_device_by_node(np);
        -\tif (!pdev || !platform_get_drvdata(pdev))
        +\tif (!pdev)
         \t\treturn ERR_PTR(-EPROBE_DEFER);
         
        +\tif (!platform_get_drvdata(pdev)) {
        +\t\tput_device(&pdev->dev);
        +\t\treturn ERR_PTR(-EPROBE_DEFER);
        +\t}
        +
         \tecc = platform_get_drvdata(pdev);
         \tclk_prepare_enable(ecc->clk);
         
    """)
    assert_quiet(get_without_put_on_exit, fix, include_low=True)


# --------------------------------------------------------------- a put on the main path

MAIN_PATH_PUT = diff("""
    --- a/drivers/mmc/host/foo-pci.c
    +++ b/drivers/mmc/host/foo-pci.c
    @@ -120,8 +120,6 @@ static int foo_pci_probe_slot(struct foo_chip *chip)
     \t\t\tgen = FOO_CHIPSET_OLD;
     \t}
     
    -\tpci_dev_put(bridge);
    -
     \tif (gen == FOO_CHIPSET_OLD)
     \t\tchip->quirks |= FOO_QUIRK_RESET;
     
""")


def test_fires_on_removed_put_on_the_main_path():
    assert_fires(get_without_put_on_exit, MAIN_PATH_PUT, at=[("drivers/mmc/host/foo-pci.c", 123, "old")])


def test_quiet_when_a_later_put_of_it_is_kept():
    later = diff("""
        --- a/drivers/mmc/host/foo-pci.c
        +++ b/drivers/mmc/host/foo-pci.c
        @@ -120,8 +120,6 @@ static int foo_pci_probe_slot(struct foo_chip *chip)
         \t\t\tgen = FOO_CHIPSET_OLD;
         \t}
         
        -\tpci_dev_put(bridge);
        -
         \tif (gen == FOO_CHIPSET_OLD)
         \t\tchip->quirks |= FOO_QUIRK_RESET;
         \tpci_dev_put(bridge);
    """)
    assert_quiet(get_without_put_on_exit, later, include_low=True)


# The phandle lookup fills a structure on the stack; its `.np` is the function's to put
# (omap_prm's attach_dev, a 2026 fix of 6.12 code, reversed).
PHANDLE_ARGS_PUT = """
    --- a/drivers/pmdomain/ti/omap_prm.c
    +++ b/drivers/pmdomain/ti/omap_prm.c
    @@ -655,7 +655,6 @@ static int omap_prm_domain_attach_dev(struct generic_pm_domain *domain,
     \tif (pd_args.args_count != 0)
     \t\tdev_warn(dev, "unsupported #power-domain-cells: %i\\n", pd_args.args_count);
     
    -\tof_node_put(pd_args.np);
     
     \tgenpd_data = dev_gpd_data(dev);
     \tgenpd_data->data = NULL;
"""


def test_fires_on_removed_put_of_a_stack_structures_node():
    assert_fires(get_without_put_on_exit, diff(PHANDLE_ARGS_PUT),
                 at=[("drivers/pmdomain/ti/omap_prm.c", 658, "old")])


def test_quiet_when_the_node_put_moves_below():
    moved = PHANDLE_ARGS_PUT.replace("@@ -655,7 +655,6 @@", "@@ -655,7 +655,7 @@") + \
        "    +\tof_node_put(pd_args.np);\n"
    assert_quiet(get_without_put_on_exit, diff(moved), include_low=True)


def test_quiet_when_the_structure_is_the_callers():
    param = PHANDLE_ARGS_PUT.replace("pd_args", "args").replace(
        "struct generic_pm_domain *domain,", "struct of_phandle_args args)")
    assert_quiet(get_without_put_on_exit, diff(param))


def test_quiet_on_removed_put_of_a_lookups_from_argument():
    # of_find_matching_node() drops its @from: the put after it was a second one
    fix = diff("""
        --- a/drivers/net/foo/foo.c
        +++ b/drivers/net/foo/foo.c
        @@ -2769,7 +2769,6 @@ static struct foo *read_dts_node(struct platform_device *of_dev)
         
         \t/* Get the MURAM base address and size */
         \tmuram_node = of_find_matching_node(fm_node, foo_muram_match);
        -\tof_node_put(fm_node);
         \tif (!muram_node) {
         \t\terr = -EINVAL;
         \t\tgoto fman_free;
    """)
    assert_quiet(get_without_put_on_exit, fix, include_low=True)


def test_quiet_when_the_object_and_its_set_up_go_together():
    # a feature removed (i2c-icy's LTC2990 client, set up by a helper the table does not know, and
    # its unregister): no leak
    gone = diff("""
        --- a/drivers/i2c/busses/i2c-icy.c
        +++ b/drivers/i2c/busses/i2c-icy.c
        @@ -161,11 +161,6 @@ static int icy_probe(struct zorro_dev *z,
         \tdev_info(&z->dev, "ICY I2C controller at %#x, IRQ not implemented\\n",
         \t\t z->resource.start);
         
        -\ti2c->client_ltc2990 = i2c_new_probed_device(&i2c->adapter,
        -\t\t\t\t\t\t    &icy_ltc2990_info,
        -\t\t\t\t\t\t    icy_ltc2990_addresses,
        -\t\t\t\t\t\t    NULL);
        -
         \treturn 0;
         }
         
        @@ -180,8 +175,6 @@ static void icy_remove(struct zorro_dev *z)
         {
         \tstruct icy_i2c *i2c = dev_get_drvdata(&z->dev);
         
        -\ti2c_unregister_device(i2c->client_ltc2990);
        -
         \ti2c_del_adapter(&i2c->adapter);
         }
         
    """)
    assert_quiet(get_without_put_on_exit, gone, include_low=True)


# A put right after the node's last use, inside a block (a loop body, an `if` branch), with
# more code after it: rpm_master_stats' probe loop of 6.12, its put deleted.  Every round of
# the loop (and the `return ret` below) now keeps the node.
INNER_BLOCK_PUT = """
    --- a/drivers/soc/qcom/rpm_master_stats.c
    +++ b/drivers/soc/qcom/rpm_master_stats.c
    @@ -98,7 +98,6 @@ static int master_stats_probe(struct platform_device *pdev)
     \t\t * shared resource.
     \t\t */
     \t\tret = of_address_to_resource(msgram_np, 0, &res);
    -\t\tof_node_put(msgram_np);
     \t\tif (ret < 0) {
     \t\t\tdebugfs_remove_recursive(root);
     \t\t\treturn ret;
"""


def test_fires_on_removed_put_inside_a_block_before_more_code():
    assert_fires(get_without_put_on_exit, diff(INNER_BLOCK_PUT),
                 at=[("drivers/soc/qcom/rpm_master_stats.c", 101, "old")])


def test_quiet_on_the_fix_that_adds_the_inner_put():
    fix = INNER_BLOCK_PUT.replace("@@ -98,7 +98,6 @@", "@@ -98,6 +98,7 @@").replace(
        "    -\t\tof_node_put(msgram_np);", "    +\t\tof_node_put(msgram_np);")
    assert_quiet(get_without_put_on_exit, diff(fix), include_low=True)


def test_quiet_when_the_inner_put_moves_into_the_branch():
    moved = INNER_BLOCK_PUT.replace("@@ -98,7 +98,6 @@", "@@ -98,7 +98,7 @@").replace(
        "     \t\t\tdebugfs_remove_recursive(root);\n",
        "     \t\t\tdebugfs_remove_recursive(root);\n    +\t\t\tof_node_put(msgram_np);\n")
    assert_quiet(get_without_put_on_exit, diff(moved), include_low=True)


# The device reference of a lookup, put through its embedded device (`&pdev->dev`) on the
# main path: ocmem's of_get_ocmem() of 6.12, its put deleted.
DEVICE_MEMBER_PUT = """
    --- a/drivers/soc/qcom/ocmem.c
    +++ b/drivers/soc/qcom/ocmem.c
    @@ -202,7 +202,6 @@ struct ocmem *of_get_ocmem(struct device *dev)
     \t\t\t\t\t devnode->name);
     
     \tocmem = platform_get_drvdata(pdev);
    -\tput_device(&pdev->dev);
     \tif (!ocmem)
     \t\treturn dev_err_ptr_probe(dev, -EPROBE_DEFER, "Cannot get ocmem\\n");
     
"""


def test_fires_on_removed_put_of_an_embedded_device_on_the_main_path():
    assert_fires(get_without_put_on_exit, diff(DEVICE_MEMBER_PUT), at=[("drivers/soc/qcom/ocmem.c", 205, "old")])


def test_quiet_when_the_device_is_a_parameter():
    param = DEVICE_MEMBER_PUT.replace("struct ocmem *of_get_ocmem(struct device *dev)",
                                      "struct ocmem *of_get_ocmem(struct platform_device *pdev)")
    assert_quiet(get_without_put_on_exit, diff(param))


# A declaration loses its scope-based cleanup and nothing drops the node by hand
# (cpg_mssr_reserved_init() of 6.12, the reverse of a "use __free()" fix).
UNFREED = """
    --- a/drivers/clk/renesas/renesas-cpg-mssr.c
    +++ b/drivers/clk/renesas/renesas-cpg-mssr.c
    @@ -985,7 +985,7 @@ static void __init cpg_mssr_reserved_exit(struct cpg_mssr_priv *priv)
     static int __init cpg_mssr_reserved_init(struct cpg_mssr_priv *priv,
     \t\t\t\t\t const struct cpg_mssr_info *info)
     {
    -\tstruct device_node *soc __free(device_node) = of_find_node_by_path("/soc");
    +\tstruct device_node *soc = of_find_node_by_path("/soc");
     \tstruct device_node *node;
     \tuint32_t args[MAX_PHANDLE_ARGS];
     \tunsigned int *ids = NULL;
"""


def test_fires_when_a_declaration_loses_its_cleanup():
    assert_fires(get_without_put_on_exit, diff(UNFREED), at=[("drivers/clk/renesas/renesas-cpg-mssr.c", 988)])


def test_quiet_when_the_patch_puts_it_by_hand():
    by_hand = UNFREED.replace("@@ -985,7 +985,7 @@", "@@ -985,7 +985,8 @@").replace(
        "     \tstruct device_node *node;\n", "     \tstruct device_node *node;\n    +\tof_node_put(soc);\n")
    assert_quiet(get_without_put_on_exit, diff(by_hand))


def test_quiet_on_the_fix_that_adds_the_cleanup():
    fix = UNFREED.replace('    -\tstruct device_node *soc __free(device_node) = of_find_node_by_path("/soc");\n'
                          '    +\tstruct device_node *soc = of_find_node_by_path("/soc");\n',
                          '    -\tstruct device_node *soc = of_find_node_by_path("/soc");\n'
                          '    +\tstruct device_node *soc __free(device_node) = of_find_node_by_path("/soc");\n')
    assert_quiet(get_without_put_on_exit, diff(fix), include_low=True)


def test_removed_put_of_a_node_the_function_is_given_is_a_question():
    # the caller holds the node it passes (a match-table init callback's, a helper's): with no
    # get in sight, removing the put most likely fixes an over-put
    given = diff("""
        --- a/drivers/clk/foo/clk-foo.c
        +++ b/drivers/clk/foo/clk-foo.c
        @@ -40,7 +40,6 @@ static void __init foo_clk_init(struct device_node *np)
         \tbase = of_iomap(np, 0);
         \tif (!base) {
         \t\tpr_err("%pOFn: unable to map registers\\n", np);
        -\t\tof_node_put(np);
         \t\treturn;
         \t}
         
    """)
    assert_quiet(get_without_put_on_exit, given)
    assert_fires(get_without_put_on_exit, given, at=[("drivers/clk/foo/clk-foo.c", 43, "old")], include_low=True)
