"""Extra/premature puts and puts narrowed to one branch, written from what each path holds
(issue 13): a put moved into the branch that exits (MOD003: the path that goes on keeps the
reference), a put right before returning the object (MOD020: the caller gets no reference),
a put of the cursor of a loop whose head walks it with a lookup that drops `@from` (MOD019),
and a put of the node of a device reached through a structure (MOD019: the device's own)."""

from reviewbot.checks.module import device_ref_imbalance, get_without_put_on_exit, use_after_put
from tests.helpers import assert_fires, assert_quiet, diff, run_rule, tree_case

# drivers/gpio/gpio-rockchip.c (6.12) rockchip_gpio_probe(): the put runs on every path
# after of_pinctrl_get(); the reverse of that moves it into the failure branch only.
NARROWED = diff("""
    --- a/drivers/gpio/gpio-rockchip.c
    +++ b/drivers/gpio/gpio-rockchip.c
    @@ -722,9 +722,10 @@ static int rockchip_gpio_probe(struct platform_device *pdev)
     \t\treturn -ENODEV;
     
     \tpctldev = of_pinctrl_get(pctlnp);
    -\tof_node_put(pctlnp);
    -\tif (!pctldev)
    +\tif (!pctldev) {
    +\t\tof_node_put(pctlnp);
     \t\treturn -EPROBE_DEFER;
    +\t}
     
     \tid = of_alias_get_id(np, "gpio");
     \tif (id < 0)
""")

# drivers/iommu/fsl_pamu.c (6.12) fsl_pamu_probe(): the braced branch with a goto
NARROWED_GOTO = diff("""
    --- a/drivers/iommu/fsl_pamu.c
    +++ b/drivers/iommu/fsl_pamu.c
    @@ -808,10 +808,10 @@ static int fsl_pamu_probe(struct platform_device *pdev)
     \t}
     
     \tguts_regs = of_iomap(guts_node, 0);
    -\tof_node_put(guts_node);
     \tif (!guts_regs) {
     \t\tdev_err(dev, "ioremap of GUTS node failed\\n");
     \t\tret = -ENODEV;
    +\t\tof_node_put(guts_node);
     \t\tgoto error;
     \t}
     
""")

# the same move when the success path goes on using the node: the old put was premature
NARROWED_STILL_USED = diff("""
    --- a/drivers/iommu/fsl_pamu.c
    +++ b/drivers/iommu/fsl_pamu.c
    @@ -808,10 +808,10 @@ static int fsl_pamu_probe(struct platform_device *pdev)
     \t}
     
     \tguts_regs = of_iomap(guts_node, 0);
    -\tof_node_put(guts_node);
     \tif (!guts_regs) {
     \t\tdev_err(dev, "ioremap of GUTS node failed\\n");
     \t\tret = -ENODEV;
    +\t\tof_node_put(guts_node);
     \t\tgoto error;
     \t}
     \tdata->guts_node = guts_node;
""")

UNNARROWED = diff("""
    --- a/drivers/iommu/fsl_pamu.c
    +++ b/drivers/iommu/fsl_pamu.c
    @@ -808,10 +808,10 @@ static int fsl_pamu_probe(struct platform_device *pdev)
     \t}
     
     \tguts_regs = of_iomap(guts_node, 0);
    +\tof_node_put(guts_node);
     \tif (!guts_regs) {
     \t\tdev_err(dev, "ioremap of GUTS node failed\\n");
     \t\tret = -ENODEV;
    -\t\tof_node_put(guts_node);
     \t\tgoto error;
     \t}
     
""")


def test_fires_on_put_moved_into_the_branch_that_exits():
    assert_fires(get_without_put_on_exit, NARROWED, at=[("drivers/gpio/gpio-rockchip.c", 725, "old")])
    assert_fires(get_without_put_on_exit, NARROWED_GOTO, at=[("drivers/iommu/fsl_pamu.c", 811, "old")])


def test_quiet_when_the_put_moves_out_of_the_branch_or_the_object_is_still_used():
    assert_quiet(get_without_put_on_exit, UNNARROWED, include_low=True)
    assert_quiet(get_without_put_on_exit, NARROWED_STILL_USED, include_low=True)


OMAPDSS = """
static int __init omapdss_init_of(void)
{
\tint r;
\tstruct device_node *node;
\tstruct platform_device *pdev;

\tnode = omapdss_find_dss_of_node();
\tif (!node)
\t\treturn 0;

\tpdev = of_find_device_by_node(node);
\tif (!pdev) {
\t\tof_node_put(node);
\t\treturn -ENODEV;
\t}

\tr = of_platform_populate(node, NULL, NULL, &pdev->dev);
\tput_device(&pdev->dev);
\tof_node_put(node);
\tif (r) {
\t\tpr_err("Unable to populate DSS submodule devices\\n");
\t\treturn r;
\t}

\treturn omapdss_init_fbdev();
}
"""


def test_tree_mode_fires_on_the_narrowed_put_of_a_lookup():
    post = OMAPDSS.replace("\tput_device(&pdev->dev);\n\tof_node_put(node);\n\tif (r) {\n",
                           "\tof_node_put(node);\n\tif (r) {\n\t\tput_device(&pdev->dev);\n")
    series, ctx = tree_case("arch/arm/mach-omap2/display.c", OMAPDSS.lstrip("\n"), post.lstrip("\n"))
    assert run_rule(get_without_put_on_exit, series, ctx).shown(), "the success path's leak is not reported"
    series, ctx = tree_case("arch/arm/mach-omap2/display.c", post.lstrip("\n"), OMAPDSS.lstrip("\n"))
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


# drivers/gpu/drm/tiny/ofdrm.c (6.12) display_get_pci_dev_of(): it returns the looked-up device
RETURNED = """
    --- a/drivers/gpu/drm/tiny/ofdrm.c
    +++ b/drivers/gpu/drm/tiny/ofdrm.c
    @@ -343,6 +343,7 @@ static struct pci_dev *display_get_pci_dev_of(struct drm_device *dev, struct device_node *of_node)
     \tif (!pcidev)
     \t\treturn ERR_PTR(-ENODEV);
     
    +\tpci_dev_put(pcidev);
     \treturn pcidev;
     }
     
"""


def test_fires_on_put_right_before_returning_the_object():
    assert_fires(use_after_put, diff(RETURNED), at=[("drivers/gpu/drm/tiny/ofdrm.c", 346)])


def test_quiet_on_the_removal_and_on_the_callers_own_object():
    removed = RETURNED.replace("@@ -343,6 +343,7 @@", "@@ -343,7 +343,6 @@").replace("+\tpci_dev_put", "-\tpci_dev_put")
    assert_quiet(get_without_put_on_exit, diff(removed), include_low=True)
    assert_quiet(use_after_put, diff(removed), include_low=True)
    param = RETURNED.replace("pci_dev_put(pcidev);", "of_node_put(of_node);").replace("return pcidev;", "return of_node;")
    assert_quiet(use_after_put, diff(param), include_low=True)


# drivers/net/ethernet/intel/i40e/i40e_virtchnl_pf.c (6.12) i40e_restore_all_vfs_msi_state():
# pci_get_device(v, d, from) drops `from` at the next step of the loop
LOOKUP_LOOP = """
    --- a/drivers/net/ethernet/intel/i40e/i40e_virtchnl_pf.c
    +++ b/drivers/net/ethernet/intel/i40e/i40e_virtchnl_pf.c
    @@ -175,6 +175,7 @@ static void i40e_restore_all_vfs_msi_state(struct pci_dev *pdev)
     \t\twhile ((vf_dev = pci_get_device(pdev->vendor, vf_id, vf_dev))) {
     \t\t\tif (vf_dev->is_virtfn && vf_dev->physfn == pdev)
     \t\t\t\tpci_restore_msi_state(vf_dev);
    +\t\t\tpci_dev_put(vf_dev);
     \t\t}
     \t}
     }
"""


def test_fires_on_put_of_the_cursor_a_loop_head_lookup_drops():
    assert_fires(device_ref_imbalance, diff(LOOKUP_LOOP), at=[("drivers/net/ethernet/intel/i40e/i40e_virtchnl_pf.c", 178)])
    multi = LOOKUP_LOOP.replace("while ((vf_dev = pci_get_device(pdev->vendor, vf_id, vf_dev))) {",
                                "for (np = of_find_compatible_node(NULL, NULL, \"foo\"); np;\n"
                                "     \t\t     np = of_find_compatible_node(np, NULL, \"foo\")) {")
    multi = multi.replace("vf_dev", "np").replace("pci_dev_put", "of_node_put").replace("@@ -175,6 +175,7 @@", "@@ -175,7 +175,8 @@")
    assert_fires(device_ref_imbalance, diff(multi), at=[("drivers/net/ethernet/intel/i40e/i40e_virtchnl_pf.c", 179)])


def test_quiet_when_the_put_leaves_the_loop_or_is_removed():
    leaves = LOOKUP_LOOP.replace("@@ -175,6 +175,7 @@", "@@ -175,6 +175,8 @@").replace(
        "+\t\t\tpci_dev_put(vf_dev);\n", "+\t\t\tpci_dev_put(vf_dev);\n    +\t\t\tbreak;\n")
    assert_quiet(device_ref_imbalance, diff(leaves), include_low=True)
    removed = LOOKUP_LOOP.replace("@@ -175,6 +175,7 @@", "@@ -175,7 +175,6 @@").replace("+\t\t\tpci_dev_put", "-\t\t\tpci_dev_put")
    assert_quiet(get_without_put_on_exit, diff(removed), include_low=True)
    assert_quiet(device_ref_imbalance, diff(removed), include_low=True)


I40E = """
static void i40e_restore_all_vfs_msi_state(struct pci_dev *pdev)
{
\tu16 vf_id;
\tu16 pos;

\tpos = pci_find_ext_capability(pdev, PCI_EXT_CAP_ID_SRIOV);
\tif (pos) {
\t\tstruct pci_dev *vf_dev = NULL;

\t\tpci_read_config_word(pdev, pos + PCI_SRIOV_VF_DID, &vf_id);
\t\twhile ((vf_dev = pci_get_device(pdev->vendor, vf_id, vf_dev))) {
\t\t\tif (vf_dev->is_virtfn && vf_dev->physfn == pdev)
\t\t\t\tpci_restore_msi_state(vf_dev);
\t\t}
\t}
}
"""


def test_tree_mode_fires_on_the_loop_cursor_put_and_not_on_its_removal():
    path = "drivers/net/ethernet/intel/i40e/i40e_virtchnl_pf.c"
    pre = I40E.lstrip("\n")
    post = pre.replace("\t\t\t\tpci_restore_msi_state(vf_dev);\n",
                       "\t\t\t\tpci_restore_msi_state(vf_dev);\n\t\t\tpci_dev_put(vf_dev);\n")
    line = next(i for i, ln in enumerate(post.splitlines(), 1) if "pci_dev_put" in ln)
    series, ctx = tree_case(path, pre, post)
    assert_fires(device_ref_imbalance, series, at=[(path, line)], context_for=ctx)
    series, ctx = tree_case(path, post, pre)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx, include_low=True)


# the device's node reached through the driver's structure (drivers/.../foo.c shape of
# `np = priv->dev->of_node;` helpers): the device holds that reference
DEV_NODE = """
    --- a/drivers/misc/foo.c
    +++ b/drivers/misc/foo.c
    @@ -100,6 +100,8 @@ static int foo_setup(struct foo *priv)
     \tnp = priv->dev->of_node;
     \tret = of_property_read_u32(np, "reg", &val);
    -\tif (ret)
    +\tif (ret) {
    +\t\tof_node_put(np);
     \t\treturn ret;
    +\t}
     
     \tpriv->reg = val;
"""


def test_fires_on_put_of_the_node_of_a_device_held_in_a_structure():
    assert_fires(device_ref_imbalance, diff(DEV_NODE), at=[("drivers/misc/foo.c", 103)])


def test_quiet_when_the_function_took_its_own_reference_on_that_node():
    got = DEV_NODE.replace("np = priv->dev->of_node;", "np = of_node_get(priv->dev->of_node);")
    assert_quiet(device_ref_imbalance, diff(got), include_low=True)


# drivers/hwmon/vt8231.c (6.12) vt8231_device_add(): platform_device_add() succeeded, so the
# registration owns the reference until platform_device_unregister()
REGISTERED = """
    --- a/drivers/hwmon/vt8231.c
    +++ b/drivers/hwmon/vt8231.c
    @@ -952,10 +952,11 @@ static int vt8231_device_add(unsigned short address)
     \t}
     
     \terr = platform_device_add(pdev);
     \tif (err) {
     \t\tpr_err("Device addition failed (%d)\\n", err);
     \t\tgoto exit_device_put;
     \t}
    +\tplatform_device_put(pdev);
     
     \treturn 0;
     
"""


def test_fires_on_put_after_a_registration_succeeded():
    assert_fires(device_ref_imbalance, diff(REGISTERED), at=[("drivers/hwmon/vt8231.c", 959)])


def test_quiet_on_the_failure_branch_put_and_after_the_device_is_deleted():
    # drivers/pci/pcie/portdrv.c (6.12) pcie_device_init(): the put its kernel-doc asks for
    failure = """
    --- a/drivers/pci/pcie/portdrv.c
    +++ b/drivers/pci/pcie/portdrv.c
    @@ -310,6 +310,7 @@ static int pcie_device_init(struct pci_dev *pdev, int service, int irq)
     \tretval = device_register(device);
     \tif (retval) {
    +\t\tput_device(device);
     \t\treturn retval;
     \t}
     
     \tpm_runtime_no_callbacks(device);
"""
    assert_quiet(device_ref_imbalance, diff(failure), include_low=True)
    deleted = REGISTERED.replace("@@ -952,10 +952,11 @@", "@@ -952,10 +952,12 @@").replace(
        "+\tplatform_device_put(pdev);\n", "+\tplatform_device_del(pdev);\n    +\tplatform_device_put(pdev);\n")
    assert_quiet(device_ref_imbalance, diff(deleted), include_low=True)


# sound/soc/intel/boards/sof_es8336.c (6.12) sof_es8336_probe(): `err_put_codec:` (out of the
# hunk) runs put_device(codec_dev)
NAMED_LABEL = """
    --- a/sound/soc/intel/boards/sof_es8336.c
    +++ b/sound/soc/intel/boards/sof_es8336.c
    @@ -771,6 +771,7 @@ static int sof_es8336_probe(struct platform_device *pdev)
     \tif (ret) {
     \t\tgpiod_put(priv->gpio_speakers);
     \t\tdev_err(dev, "snd_soc_register_card failed: %d\\n", ret);
    +\t\tput_device(codec_dev);
     \t\tgoto err_put_codec;
     \t}
     
"""


def test_fires_on_put_before_a_goto_to_a_label_named_for_that_put():
    assert_fires(device_ref_imbalance, diff(NAMED_LABEL), at=[("sound/soc/intel/boards/sof_es8336.c", 774)])


def test_quiet_on_its_removal_and_when_the_label_names_only_the_family():
    removed = NAMED_LABEL.replace("@@ -771,6 +771,7 @@", "@@ -771,7 +771,6 @@").replace(
        "+\t\tput_device(codec_dev);", "-\t\tput_device(codec_dev);")
    assert_quiet(get_without_put_on_exit, diff(removed), include_low=True)
    # `err_put_node` may put another node than `remote`
    family = NAMED_LABEL.replace("put_device(codec_dev);", "of_node_put(remote);").replace(
        "goto err_put_codec;", "goto err_put_node;")
    assert_quiet(device_ref_imbalance, diff(family), include_low=True)


# drivers/net/usb/lan78xx.c (6.12) lan78xx_mdio_init(): the straight path puts the node right
# after of_mdiobus_register(); an added `goto` to a label out of sight skips that put
ADDED_GOTO = """
    --- a/drivers/net/usb/lan78xx.c
    +++ b/drivers/net/usb/lan78xx.c
    @@ -2254,6 +2254,8 @@ static int lan78xx_mdio_init(struct lan78xx_net *dev)
     
     \tnode = of_get_child_by_name(dev->udev->dev.of_node, "mdio");
     \tret = of_mdiobus_register(dev->mdiobus, node);
    +\tif (ret)
    +\t\tgoto exit1;
     \tof_node_put(node);
     \tif (ret) {
     \t\tnetdev_err(dev->net, "can't register MDIO bus\\n");
"""


def test_fires_on_added_goto_to_an_unseen_label_above_the_straight_paths_put():
    assert_fires(get_without_put_on_exit, diff(ADDED_GOTO), at=[("drivers/net/usb/lan78xx.c", 2258)])
    shifted = ADDED_GOTO.replace("\tnode = of_get_child_by_name(dev->udev->dev.of_node, \"mdio\");\n",
                                 "\tnode = priv_node;\n")
    assert_fires(get_without_put_on_exit, diff(shifted), at=[("drivers/net/usb/lan78xx.c", 2258)])


def test_quiet_when_the_unseen_label_is_named_for_that_put():
    shifted = ADDED_GOTO.replace("\tnode = of_get_child_by_name(dev->udev->dev.of_node, \"mdio\");\n",
                                 "\tnode = priv_node;\n")
    for label in ("err_put_node", "out_node", "exit_release"):
        assert_quiet(get_without_put_on_exit, diff(shifted.replace("goto exit1;", f"goto {label};")))


# a loop body that takes a reference and drops it at its end: an added `break` between them
# leaves the loop with it held, for code that returns without dropping it
BREAK = """
    --- a/drivers/misc/foo.c
    +++ b/drivers/misc/foo.c
    @@ -100,7 +100,9 @@ static int foo_sync_all(struct foo *priv)
     \tlist_for_each_entry(s, &priv->sessions, node) {
     \t\tkref_get(&s->ref);
     \t\tret = foo_sync(s);
    +\t\tif (ret)
    +\t\t\tbreak;
     \t\tkref_put(&s->ref, foo_session_release);
     \t}
     
     \treturn ret;
"""


def test_fires_on_added_break_between_a_loop_bodys_get_and_put():
    assert_fires(get_without_put_on_exit, diff(BREAK), at=[("drivers/misc/foo.c", 104)])


def test_quiet_when_the_code_after_the_loop_drops_it_or_the_break_leaves_a_switch():
    after = BREAK.replace("@@ -100,7 +100,9 @@", "@@ -100,9 +100,11 @@").replace(
        "     \treturn ret;\n", "     \tif (ret)\n     \t\tkref_put(&s->ref, foo_session_release);\n     \treturn ret;\n")
    assert_quiet(get_without_put_on_exit, diff(after), include_low=True)
    switch = BREAK.replace("list_for_each_entry(s, &priv->sessions, node) {", "switch (mode) {")
    assert_quiet(get_without_put_on_exit, diff(switch), include_low=True)
