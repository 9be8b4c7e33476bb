"""MOD019's over-put findings (checks/module/_overput.py): an added put of a reference that is
not held on that path.  Fixtures are real-shaped paraphrases (other drivers, other APIs of the
same family from the kernel-API table, calls split over lines)."""

from reviewbot.checks.module import device_ref_imbalance, get_without_put_on_exit
from tests.helpers import assert_fires, assert_quiet, diff, run_rule, tree_case

# A lookup's reference already dropped after its last use; the patch drops it again at the end
# (the tegra-ahb resend, told with a class lookup).
SECOND_PUT_AFTER_LOOKUP = diff("""
    --- a/drivers/soc/foo/foo-arb.c
    +++ b/drivers/soc/foo/foo-arb.c
    @@ -140,13 +140,15 @@ int foo_arb_enable(struct device_node *dn)
     \tstruct device *dev;
     \tstruct foo_arb *arb;
     
    -\tdev = class_find_device_by_of_node(&foo_class, dn);
    +\tdev = class_find_device_by_of_node(&foo_class,
    +\t\t\t\t\t    dn);
     \tif (!dev)
     \t\treturn -EPROBE_DEFER;
     \tarb = dev_get_drvdata(dev);
     \tput_device(dev);
     \tval = readl(arb->regs + FOO_ARB_CTRL);
     \tval |= FOO_ARB_SMMU_DONE;
     \twritel(val, arb->regs + FOO_ARB_CTRL);
    +\tput_device(dev);
     \treturn 0;
     }
""")

# device_unregister() is device_del() + put_device(): a put_device() after it is one too many.
PUT_AFTER_UNREGISTER = diff("""
    --- a/drivers/misc/foo-bus.c
    +++ b/drivers/misc/foo-bus.c
    @@ -300,5 +300,6 @@ static int foo_bus_rescan(struct foo_bus *bus)
     \tif (bus->child) {
     \t\tdevice_unregister(&bus->child->dev);
    +\t\tput_device(&bus->child->dev);
     \t\tbus->child = NULL;
     \t}
     \treturn foo_bus_scan(bus);
""")

# The same with a keep-alive get in view: one more put is owed.
PUT_AFTER_UNREGISTER_KEPT = diff("""
    --- a/drivers/misc/foo-bus.c
    +++ b/drivers/misc/foo-bus.c
    @@ -300,7 +300,8 @@ static int foo_bus_rescan(struct foo_bus *bus)
     \tif (bus->child) {
     \t\tget_device(&bus->child->dev);
     \t\tdevice_unregister(&bus->child->dev);
     \t\tfoo_bus_notify(bus, bus->child);
    +\t\tput_device(&bus->child->dev);
     \t\tbus->child = NULL;
     \t}
     \treturn foo_bus_scan(bus);
""")

# An OF lookup drops its @from/@prev argument itself.
PUT_AFTER_FROM_DROPPED = diff("""
    --- a/arch/arm/mach-foo/pm.c
    +++ b/arch/arm/mach-foo/pm.c
    @@ -60,6 +60,7 @@ static int __init foo_pm_init(void)
     \tnp = of_find_compatible_node(NULL, NULL, "foo,pmu");
     \tif (!np)
     \t\treturn -ENODEV;
     \tnp2 = of_find_compatible_node(np, NULL, "foo,pmu-ext");
    +\tof_node_put(np);
     \tif (!np2)
     \t\treturn -ENODEV;
""")

# The earlier put sits on a branch that returns: the added put is on the other path.
PUT_ON_OTHER_PATH = diff("""
    --- a/drivers/soc/foo/foo-arb.c
    +++ b/drivers/soc/foo/foo-arb.c
    @@ -140,10 +140,11 @@ int foo_arb_enable(struct device_node *dn)
     \tdev = class_find_device_by_of_node(&foo_class, dn);
     \tif (!dev)
     \t\treturn -EPROBE_DEFER;
     \tarb = dev_get_drvdata(dev);
     \tif (!arb) {
     \t\tput_device(dev);
     \t\treturn -EPROBE_DEFER;
     \t}
     \twritel(FOO_ARB_SMMU_DONE, arb->regs + FOO_ARB_CTRL);
    +\tput_device(dev);
     \treturn 0;
""")

# mdiobus_unregister() leaves the memory to mdiobus_free(): the table says so.
UNREGISTER_THEN_FREE = diff("""
    --- a/drivers/net/phy/foo-mdio.c
    +++ b/drivers/net/phy/foo-mdio.c
    @@ -200,4 +200,5 @@ static void foo_mdio_remove(struct platform_device *pdev)
     \tstruct mii_bus *bus = platform_get_drvdata(pdev);
     
     \tmdiobus_unregister(bus);
    +\tmdiobus_free(bus);
     }
""")

# A put of the loop variable inside for_each_child_of_node() that goes round again.
PUT_IN_ITERATOR = diff("""
    --- a/drivers/pinctrl/foo/pinctrl-foo.c
    +++ b/drivers/pinctrl/foo/pinctrl-foo.c
    @@ -410,8 +410,10 @@ static int foo_pinctrl_parse_groups(struct foo_pinctrl *pc, struct device_node *np)
     \tfor_each_child_of_node(np, child) {
    -\t\tif (!of_device_is_available(child))
    +\t\tif (!of_device_is_available(child)) {
    +\t\t\tof_node_put(child);
     \t\t\tcontinue;
    +\t\t}
     \t\tret = foo_pinctrl_parse_group(pc, child, idx++);
     \t\tif (ret) {
     \t\t\tof_node_put(child);
     \t\t\treturn ret;
     \t\t}
""")

# The same put, leaving the loop: needed.
PUT_LEAVING_ITERATOR = diff("""
    --- a/drivers/pinctrl/foo/pinctrl-foo.c
    +++ b/drivers/pinctrl/foo/pinctrl-foo.c
    @@ -410,8 +410,10 @@ static int foo_pinctrl_parse_groups(struct foo_pinctrl *pc, struct device_node *np)
     \tfor_each_available_child_of_node(np, child) {
     \t\tret = foo_pinctrl_parse_group(pc, child, idx++);
    -\t\tif (ret)
    +\t\tif (ret) {
    +\t\t\tof_node_put(child);
     \t\t\treturn ret;
    +\t\t}
     \t\tif (++idx == pc->ngroups)
     \t\t\tbreak;
     \t}
     \treturn 0;
""")

# In a _scoped loop the cleanup attribute puts the node: any put of it is one too many.
PUT_IN_SCOPED_ITERATOR = diff("""
    --- a/drivers/leds/leds-foo.c
    +++ b/drivers/leds/leds-foo.c
    @@ -120,6 +120,7 @@ static int foo_leds_probe(struct platform_device *pdev)
     \tfor_each_available_child_of_node_scoped(pdev->dev.of_node, child) {
     \t\tret = foo_led_register(priv, child);
     \t\tif (ret) {
    +\t\t\tof_node_put(child);
     \t\t\treturn ret;
     \t\t}
     \t}
""")

# The device was handed to an IRQ as its dev_id; the lookup reference is dropped while the
# handler still uses the pointer.
PUT_WHILE_IRQ_HOLDS_IT = diff("""
    --- a/arch/arm/mach-foo/memc.c
    +++ b/arch/arm/mach-foo/memc.c
    @@ -70,12 +70,13 @@ static int __init foo_memc_setup(void)
     \tret = request_threaded_irq(irq, NULL, foo_memc_irq,
     \t\t\t\t   IRQF_ONESHOT, "foo-memc",
     \t\t\t\t   pdev);
     \tif (ret) {
     \t\tdev_err(&pdev->dev, "no irq\\n");
     \t\tplatform_device_put(pdev);
     \t\treturn ret;
     \t}
     
     \tfoo_memc_ack(FOO_MEMC_STATUS);
     \tdev_info(&pdev->dev, "irq registered\\n");
    +\tplatform_device_put(pdev);
     \treturn 0;
""")

# The put is of a member's own device, not of the published object.
PUT_OF_A_MEMBER = diff("""
    --- a/drivers/phy/foo/phy-foo-sata.c
    +++ b/drivers/phy/foo/phy-foo-sata.c
    @@ -190,7 +190,8 @@ static int foo_sata_phy_probe(struct platform_device *pdev)
     \tphy_set_drvdata(sata_phy->phy, sata_phy);
     \tphy_provider = devm_of_phy_provider_register(dev, of_phy_simple_xlate);
     \tif (IS_ERR(phy_provider)) {
     \t\tclk_disable_unprepare(sata_phy->phyclk);
    +\t\tput_device(&sata_phy->client->dev);
     \t\treturn PTR_ERR(phy_provider);
     \t}
     \treturn 0;
""")

# A register helper puts the object its caller handed in (the caller puts it again).
PUT_OF_PARAMETER = diff("""
    --- a/drivers/foo/foo-core.c
    +++ b/drivers/foo/foo-core.c
    @@ -330,7 +330,9 @@ int foo_register_host(struct foo_host *host)
     \t\thost->last_cs[idx] = FOO_INVALID_CS;
     
     \tstatus = device_add(&host->dev);
    -\tif (status < 0)
    +\tif (status < 0) {
    +\t\tput_device(&host->dev);
     \t\tgoto free_bus_id;
    +\t}
     \tdev_dbg(&host->dev, "registered\\n");
     
""")


def test_fires_on_second_put_after_the_lookup_reference_was_dropped():
    assert_fires(device_ref_imbalance, SECOND_PUT_AFTER_LOOKUP, at=[("drivers/soc/foo/foo-arb.c", 152)])


def test_fires_on_put_after_unregister():
    assert_fires(device_ref_imbalance, PUT_AFTER_UNREGISTER, at=[("drivers/misc/foo-bus.c", 302)])


def test_quiet_when_a_keepalive_get_owes_the_put():
    assert_quiet(device_ref_imbalance, PUT_AFTER_UNREGISTER_KEPT, include_low=True)


def test_fires_on_put_of_the_from_argument_a_lookup_already_dropped():
    assert_fires(device_ref_imbalance, PUT_AFTER_FROM_DROPPED, at=[("arch/arm/mach-foo/pm.c", 64)])


def test_quiet_when_the_earlier_put_is_on_another_path():
    assert_quiet(device_ref_imbalance, PUT_ON_OTHER_PATH, include_low=True)


def test_quiet_on_unregister_then_free():
    assert_quiet(device_ref_imbalance, UNREGISTER_THEN_FREE, include_low=True)


def test_fires_on_put_of_the_loop_variable_that_goes_round_again():
    assert_fires(device_ref_imbalance, PUT_IN_ITERATOR, at=[("drivers/pinctrl/foo/pinctrl-foo.c", 412)])


def test_quiet_on_put_of_the_loop_variable_when_leaving_the_loop():
    assert_quiet(device_ref_imbalance, PUT_LEAVING_ITERATOR, include_low=True)


# drivers/soc/fsl/qe/tsa.c (6.12, tsa_of_parse_tdms()) as a new file: the put sits in a switch
# case and a return follows it; a `break` there would leave the switch only.
PUT_IN_SWITCH_CASE_TEXT = """
    --- /dev/null
    +++ b/drivers/soc/foo/tsa.c
    @@ -0,0 +1,22 @@
    +static int foo_of_parse_tdms(struct foo *tsa, struct device_node *np)
    +{
    +\tstruct device_node *tdm_np;
    +\tu32 tdm_id;
    +
    +\tfor_each_available_child_of_node(np, tdm_np) {
    +\t\tof_property_read_u32(tdm_np, "reg", &tdm_id);
    +\t\tswitch (tdm_id) {
    +\t\tcase 0:
    +\t\t\ttsa->tdms |= BIT(0);
    +\t\t\tbreak;
    +\t\tcase 2:
    +\t\t\tif (!foo_is_qe(tsa))
    +\t\t\t\tgoto invalid_tdm;
    +\t\t\tbreak;
    +\t\tdefault:
    +invalid_tdm:
    +\t\t\tdev_err(tsa->dev, "%pOF: Invalid tdm_id (%u)\\n", tdm_np, tdm_id);
    +\t\t\tof_node_put(tdm_np);
    +\t\t\treturn -EINVAL;
    +\t\t}
    +\t}
"""


def test_quiet_on_put_in_a_switch_case_that_returns():
    assert_quiet(device_ref_imbalance, diff(PUT_IN_SWITCH_CASE_TEXT), include_low=True)
    # a break there leaves the switch, not the loop: the loop goes round again
    broken = PUT_IN_SWITCH_CASE_TEXT.replace("\t\t\treturn -EINVAL;", "\t\t\tbreak;")
    assert broken != PUT_IN_SWITCH_CASE_TEXT
    assert_fires(device_ref_imbalance, diff(broken), at=[("drivers/soc/foo/tsa.c", 19)])


# drivers/scsi/mpt3sas/mpt3sas_scsih.c (6.12, scsih_target_destroy()) as a new file: the lookup
# takes one reference, the cleared member held another (taken in target_alloc): two puts owed.
TWO_REFS_TWO_PUTS_TEXT = """
    --- /dev/null
    +++ b/drivers/scsi/foo/foo_scsih.c
    @@ -0,0 +1,19 @@
    +static void foo_target_destroy(struct scsi_target *starget)
    +{
    +\tstruct foo_target *priv = starget->hostdata;
    +\tstruct foo_pcie_device *pcie_device;
    +
    +\tspin_lock_irqsave(&ioc->pcie_device_lock, flags);
    +\tpcie_device = __foo_get_pdev_from_target(ioc, priv);
    +\tif (pcie_device) {
    +\t\t/*
    +\t\t * Corresponding get() is in foo_target_alloc()
    +\t\t */
    +\t\tpriv->pcie_dev = NULL;
    +\t\tpcie_device_put(pcie_device);
    +\t\tpcie_device_put(pcie_device);
    +\t}
    +\tspin_unlock_irqrestore(&ioc->pcie_device_lock, flags);
    +
    +\tkfree(priv);
    +}
"""


def test_quiet_on_two_puts_for_a_lookup_and_a_cleared_member():
    assert_quiet(device_ref_imbalance, diff(TWO_REFS_TWO_PUTS_TEXT), include_low=True)
    # without the member that held the second reference, the second put is one too many
    # (and outside a teardown, which may also drop what its set-up kept)
    one = TWO_REFS_TWO_PUTS_TEXT.replace("\t\tpriv->pcie_dev = NULL;\n", "\t\tfoo_log(priv);\n")
    one = one.replace("foo_target_destroy", "foo_target_check")
    assert one != TWO_REFS_TWO_PUTS_TEXT
    assert_fires(device_ref_imbalance, diff(one), at=[("drivers/scsi/foo/foo_scsih.c", 13),
                                                      ("drivers/scsi/foo/foo_scsih.c", 14)])


def test_fires_on_any_put_in_a_scoped_loop():
    assert_fires(device_ref_imbalance, PUT_IN_SCOPED_ITERATOR, at=[("drivers/leds/leds-foo.c", 123)])


def test_fires_on_put_while_an_irq_holds_the_pointer():
    assert_fires(device_ref_imbalance, PUT_WHILE_IRQ_HOLDS_IT, at=[("arch/arm/mach-foo/memc.c", 81)])


def test_quiet_on_put_of_a_member_of_the_published_object():
    assert_quiet(device_ref_imbalance, PUT_OF_A_MEMBER, include_low=True)


def test_put_of_a_parameter_is_only_a_question():
    assert_quiet(device_ref_imbalance, PUT_OF_PARAMETER)
    assert_fires(device_ref_imbalance, PUT_OF_PARAMETER, at=[("drivers/foo/foo-core.c", 334)], include_low=True)


# A put added before a goto whose unwind label puts the same reference again.
PUT_THEN_GOTO_PUT = diff("""
    --- a/drivers/media/platform/foo/foo-vpu.c
    +++ b/drivers/media/platform/foo/foo-vpu.c
    @@ -520,18 +520,20 @@ static int foo_vpu_probe(struct platform_device *pdev)
     \tvpu->fw_pdev = of_find_device_by_node(fw_np);
     \tof_node_put(fw_np);
     \tif (!vpu->fw_pdev)
     \t\treturn -EPROBE_DEFER;
     
     \tret = foo_vpu_load_fw(vpu);
    -\tif (ret)
    +\tif (ret) {
    +\t\tput_device(&vpu->fw_pdev->dev);
     \t\tgoto err_put_fw;
    +\t}
     
     \tret = foo_vpu_register(vpu);
     \tif (ret)
     \t\tgoto err_put_fw;
     \treturn 0;
     
     err_put_fw:
     \tput_device(&vpu->fw_pdev->dev);
     \treturn ret;
     }
""")

# The same ladder, with the put added in the label while an error path put before its goto.
PUT_ADDED_IN_LADDER = diff("""
    --- a/drivers/media/platform/foo/foo-vpu.c
    +++ b/drivers/media/platform/foo/foo-vpu.c
    @@ -520,19 +520,20 @@ static int foo_vpu_probe(struct platform_device *pdev)
     \tvpu->fw_pdev = of_find_device_by_node(fw_np);
     \tof_node_put(fw_np);
     \tif (!vpu->fw_pdev)
     \t\treturn -EPROBE_DEFER;
     
     \tret = foo_vpu_load_fw(vpu);
     \tif (ret) {
     \t\tput_device(&vpu->fw_pdev->dev);
     \t\tgoto err;
     \t}
     
     \tret = foo_vpu_register(vpu);
     \tif (ret)
     \t\tgoto err;
     \treturn 0;
     
     err:
    +\tput_device(&vpu->fw_pdev->dev);
     \treturn ret;
     }
""")

# The label only logs: the added put is the only one on that path.
PUT_THEN_GOTO_LOG = diff("""
    --- a/drivers/media/platform/foo/foo-vpu.c
    +++ b/drivers/media/platform/foo/foo-vpu.c
    @@ -520,14 +520,16 @@ static int foo_vpu_probe(struct platform_device *pdev)
     \tvpu->fw_pdev = of_find_device_by_node(fw_np);
     \tof_node_put(fw_np);
     \tif (!vpu->fw_pdev)
     \t\treturn -EPROBE_DEFER;
     
     \tret = foo_vpu_load_fw(vpu);
    -\tif (ret)
    +\tif (ret) {
    +\t\tput_device(&vpu->fw_pdev->dev);
     \t\tgoto err_log;
    +\t}
     \treturn 0;
     
     err_log:
     \tdev_err(&pdev->dev, "no firmware: %d\\n", ret);
     \treturn ret;
     }
""")


def test_fires_on_put_before_a_goto_whose_ladder_puts_again():
    assert_fires(device_ref_imbalance, PUT_THEN_GOTO_PUT, at=[("drivers/media/platform/foo/foo-vpu.c", 527)])


def test_fires_on_put_added_in_a_ladder_a_goto_reaches_after_putting():
    assert_fires(device_ref_imbalance, PUT_ADDED_IN_LADDER, at=[("drivers/media/platform/foo/foo-vpu.c", 537)])


def test_quiet_when_the_ladder_does_not_put():
    assert_quiet(device_ref_imbalance, PUT_THEN_GOTO_LOG, include_low=True)


# A *_get_*() helper whose fallback path now returns its object without the reference the
# other path's lookup gives (callers put what they get).
GETTER_FALLBACK_WITHOUT_REF = diff("""
    --- a/drivers/pci/controller/foo-bridge.c
    +++ b/drivers/pci/controller/foo-bridge.c
    @@ -60,12 +60,7 @@ struct pci_dev *foo_get_bridge(struct pci_bus *bus)
     \t\treturn bridge;
     
     \t/* legacy boards: the one bridge found at init */
    -\tif (foo_legacy_bridge) {
    -\t\tpci_dev_get(foo_legacy_bridge);
    -\t\treturn foo_legacy_bridge;
    -\t}
    -
    -\treturn NULL;
    +\treturn foo_legacy_bridge;
     }
     EXPORT_SYMBOL_GPL(foo_get_bridge);
     
""")

# The same edit in a function that only peeks: no reference is promised.
PEEK_WITHOUT_REF = diff("""
    --- a/drivers/pci/controller/foo-bridge.c
    +++ b/drivers/pci/controller/foo-bridge.c
    @@ -60,12 +60,7 @@ static bool foo_bridge_present(struct pci_bus *bus)
     \t\treturn bridge;
     
     \t/* legacy boards: the one bridge found at init */
    -\tif (foo_legacy_bridge) {
    -\t\tpci_dev_get(foo_legacy_bridge);
    -\t\treturn foo_legacy_bridge;
    -\t}
    -
    -\treturn NULL;
    +\treturn foo_legacy_bridge;
     }
     
     static int foo_bridge_probe(struct pci_dev *pdev)
""")


def test_fires_on_get_function_returning_without_the_reference():
    assert_fires(device_ref_imbalance, GETTER_FALLBACK_WITHOUT_REF,
                 at=[("drivers/pci/controller/foo-bridge.c", 64, "old")])


def test_quiet_when_the_function_does_not_return_a_reference():
    assert_quiet(device_ref_imbalance, PEEK_WITHOUT_REF, include_low=True)


# A "leak fix" that puts the probed device's own OF node, which it never took.
PUT_OF_DEVICE_NODE = diff("""
    --- a/drivers/iio/adc/foo-adc.c
    +++ b/drivers/iio/adc/foo-adc.c
    @@ -300,9 +300,10 @@ static int foo_adc_probe(struct platform_device *pdev)
     \tstruct device_node *np = pdev->dev.of_node;
     \tint ret;
     
     \tret = of_property_read_u32(np, "foo,vref-mv", &adc->vref_mv);
    +\tof_node_put(np);
     \tif (ret)
     \t\treturn dev_err_probe(&pdev->dev, ret, "no vref\\n");
     
     \treturn foo_adc_register(adc);
     }
""")

# The same with the ACPI companion of the bound device, put directly.
PUT_OF_ACPI_COMPANION = diff("""
    --- a/drivers/platform/x86/foo-wmi.c
    +++ b/drivers/platform/x86/foo-wmi.c
    @@ -80,6 +80,7 @@ static int foo_wmi_probe(struct device *dev, const void *ctx)
     \tif (!acpi_has_method(ACPI_COMPANION(dev)->handle, "FOO0"))
     \t\treturn -ENODEV;
     \tfoo->handle = ACPI_COMPANION(dev)->handle;
    +\tacpi_dev_put(ACPI_COMPANION(dev));
     \treturn 0;
     }
     
""")

# The node taken with of_node_get(): the put is owed.
PUT_OF_TAKEN_NODE = diff("""
    --- a/drivers/iio/adc/foo-adc.c
    +++ b/drivers/iio/adc/foo-adc.c
    @@ -300,9 +300,10 @@ static int foo_adc_probe(struct platform_device *pdev)
     \tstruct device_node *np = of_node_get(pdev->dev.of_node);
     \tint ret;
     
     \tret = of_property_read_u32(np, "foo,vref-mv", &adc->vref_mv);
    +\tof_node_put(np);
     \tif (ret)
     \t\treturn dev_err_probe(&pdev->dev, ret, "no vref\\n");
     
     \treturn foo_adc_register(adc);
     }
""")


def test_fires_on_put_of_the_given_devices_of_node():
    assert_fires(device_ref_imbalance, PUT_OF_DEVICE_NODE, at=[("drivers/iio/adc/foo-adc.c", 304)])


def test_fires_on_put_of_the_given_devices_acpi_companion():
    assert_fires(device_ref_imbalance, PUT_OF_ACPI_COMPANION, at=[("drivers/platform/x86/foo-wmi.c", 83)])


def test_quiet_on_put_of_a_node_taken_with_a_get():
    assert_quiet(device_ref_imbalance, PUT_OF_TAKEN_NODE, include_low=True)


# A node looked up here, kept in the driver's structure, and put on the success path: the
# stored pointer outlives the reference.
NODE_STORED_THEN_PUT = diff("""
    --- a/drivers/net/ethernet/foo/foo-mdio.c
    +++ b/drivers/net/ethernet/foo/foo-mdio.c
    @@ -150,10 +150,11 @@ static int foo_mdio_setup(struct foo_priv *priv)
     \tphy_np = of_parse_phandle(priv->dev->of_node,
     \t\t\t\t  "phy-handle", 0);
     \tif (!phy_np)
     \t\treturn -ENODEV;
     \tpriv->phy_np = phy_np;
     \tret = foo_mdio_register(priv);
     \tif (ret)
     \t\treturn ret;
    +\tof_node_put(phy_np);
     \treturn 0;
     }
""")

# The same put on the error path: the structure holding the pointer goes away too.
NODE_STORED_PUT_ON_ERROR = diff("""
    --- a/drivers/net/ethernet/foo/foo-mdio.c
    +++ b/drivers/net/ethernet/foo/foo-mdio.c
    @@ -150,10 +150,12 @@ static int foo_mdio_setup(struct foo_priv *priv)
     \tphy_np = of_parse_phandle(priv->dev->of_node,
     \t\t\t\t  "phy-handle", 0);
     \tif (!phy_np)
     \t\treturn -ENODEV;
     \tpriv->phy_np = phy_np;
     \tret = foo_mdio_register(priv);
    -\tif (ret)
    +\tif (ret) {
    +\t\tof_node_put(phy_np);
     \t\treturn ret;
    +\t}
     \treturn 0;
     }
""")


def test_fires_on_put_of_a_looked_up_node_kept_in_a_structure():
    assert_fires(device_ref_imbalance, NODE_STORED_THEN_PUT,
                 at=[("drivers/net/ethernet/foo/foo-mdio.c", 158)])


def test_quiet_on_put_of_a_stored_node_on_the_error_path():
    assert_quiet(device_ref_imbalance, NODE_STORED_PUT_ON_ERROR, include_low=True)


# Two exits of one function: the success path puts and returns; the unwind label puts for the
# paths that jump there.  The label is a join, not a second put on the first path.
PUTS_ON_TWO_EXITS = diff("""
    --- a/drivers/block/foo/foo_drv.c
    +++ b/drivers/block/foo/foo_drv.c
    @@ -1762,6 +1762,7 @@ static ssize_t foo_store(struct device *dev,
     \tfoo->size = size;
     \tup_write(&foo->init_lock);
     
    +\tput_device(&foo->parent->dev);
     \treturn len;
     
     out_free:
    @@ -1771,6 +1772,7 @@ static ssize_t foo_store(struct device *dev,
     \tup_write(&foo->init_lock);
     \tfoo_meta_free(foo, size);
     out:
    +\tput_device(&foo->parent->dev);
     \treturn err;
     }
     
""")


def test_quiet_on_puts_on_two_exits():
    assert_quiet(device_ref_imbalance, PUTS_ON_TWO_EXITS, include_low=True)


# Generalisations measured with benchmarks/mutations.py (the over-put kinds), on real 6.12 code.

# drivers/misc/cxl/guest.c: the put is written twice on the unwind path (the new one first:
# the existing put after it runs on the same straight path).
CXL_DUP_PUT = diff("""
    --- a/drivers/misc/cxl/guest.c
    +++ b/drivers/misc/cxl/guest.c
    @@ -1156,6 +1156,7 @@ struct cxl *cxl_guest_init_adapter(struct device_node *np, struct platform_devic
     err_del_dev:
     \tdevice_del(&adapter->dev);
     err_put_dev:
    +\tput_device(&adapter->dev);
     \tput_device(&adapter->dev);
     \tfree = false;
     \tcxl_guest_remove_chardev(adapter);
""")

# sound/soc/atmel/sam9x5_wm8731.c: out_put_audio falls through to out_put_cpu_np, which puts
# cpu_np; a put of cpu_np added under out_put_audio is a second one.
SAM9X5_PUT_ON_FALLTHROUGH_LABEL = diff("""
    --- a/sound/soc/atmel/sam9x5_wm8731.c
    +++ b/sound/soc/atmel/sam9x5_wm8731.c
    @@ -167,6 +167,7 @@ static int sam9x5_wm8731_driver_probe(struct platform_device *pdev)
     \tgoto out_put_cpu_np;
     
     out_put_audio:
    +\tof_node_put(cpu_np);
     \tatmel_ssc_put_audio(priv->ssc_id);
     out_put_cpu_np:
     \tof_node_put(cpu_np);
""")

# Look-alike: the same ladder putting the *other* node on the way down (the real code's order).
SAM9X5_LADDER_OTHER_NODE = diff("""
    --- a/sound/soc/atmel/sam9x5_wm8731.c
    +++ b/sound/soc/atmel/sam9x5_wm8731.c
    @@ -167,6 +167,7 @@ static int sam9x5_wm8731_driver_probe(struct platform_device *pdev)
     \tgoto out_put_cpu_np;
     
     out_put_audio:
    +\tof_node_put(priv->ssc_np);
     \tatmel_ssc_put_audio(priv->ssc_id);
     out_put_cpu_np:
     \tof_node_put(cpu_np);
""")

# Look-alike: two references taken in view (a lookup and get_device()), two puts owed.
TWO_REFS_TWO_PUTS = diff("""
    --- a/drivers/misc/foo-link.c
    +++ b/drivers/misc/foo-link.c
    @@ -40,8 +40,9 @@ static int foo_link_check(struct device_node *np)
     \tdev = bus_find_device_by_of_node(&platform_bus_type, np);
     \tif (!dev)
     \t\treturn -ENODEV;
     \tget_device(dev);
     \tret = foo_link_verify(dev);
    +\tput_device(dev);
     \tput_device(dev);
     \treturn ret;
     }
""")

# drivers/i2c/busses/i2c-sprd.c: a runtime-PM callback is handed the device by the PM core,
# which keeps using it; the callback has no reference of its own to drop.
SPRD_PUT_IN_PM_CALLBACK = diff("""
    --- a/drivers/i2c/busses/i2c-sprd.c
    +++ b/drivers/i2c/busses/i2c-sprd.c
    @@ -610,6 +610,7 @@ static int __maybe_unused sprd_i2c_runtime_suspend(struct device *dev)
     
     \tclk_disable_unprepare(i2c_dev->clk);
     
    +\tput_device(dev);
     \treturn 0;
     }
     
""")

# Look-alike: a release callback is where the last reference's owner lets go (its name says so).
RELEASE_CALLBACK_PUT = diff("""
    --- a/drivers/foo/foo-core.c
    +++ b/drivers/foo/foo-core.c
    @@ -88,6 +88,7 @@ static void foo_port_release(struct device *dev)
     \tstruct foo_port *port = to_foo_port(dev);
     
     \tida_free(&foo_port_ida, port->id);
    +\tput_device(dev->parent);
     \tkfree(port);
     }
     
""")


def test_fires_on_a_put_followed_by_the_same_put():
    assert_fires(device_ref_imbalance, CXL_DUP_PUT, at=[("drivers/misc/cxl/guest.c", 1159)])


def test_fires_on_a_put_on_a_label_that_falls_through_to_the_same_put():
    assert_fires(device_ref_imbalance, SAM9X5_PUT_ON_FALLTHROUGH_LABEL, at=[("sound/soc/atmel/sam9x5_wm8731.c", 170)])


def test_quiet_when_the_fallthrough_puts_another_object():
    assert_quiet(device_ref_imbalance, SAM9X5_LADDER_OTHER_NODE, include_low=True)


def test_quiet_on_two_puts_for_two_references():
    assert_quiet(device_ref_imbalance, TWO_REFS_TWO_PUTS, include_low=True)


def test_fires_on_put_of_the_device_a_pm_callback_is_given():
    assert_fires(device_ref_imbalance, SPRD_PUT_IN_PM_CALLBACK, at=[("drivers/i2c/busses/i2c-sprd.c", 613)])


def test_quiet_on_put_in_a_release_callback():
    assert_quiet(device_ref_imbalance, RELEASE_CALLBACK_PUT, include_low=True)


# drivers/base/platform.c: platform_device_add() leaves the device to its caller on failure (the
# table: on error the caller calls platform_device_put()); a put inside its own failure path is
# the caller's put done twice.
PUT_INSIDE_REGISTER_API = diff("""
    --- a/drivers/base/platform.c
    +++ b/drivers/base/platform.c
    @@ -729,6 +729,7 @@ int platform_device_add(struct platform_device *pdev)
     \t\tif (r->parent)
     \t\t\trelease_resource(r);
     \t}
    +\tplatform_device_put(pdev);
     
     \treturn ret;
     }
""")

# Look-alike: a driver's own register helper is not a table API: its contract is unknown, the
# put of its parameter stays a low-confidence question.
PUT_INSIDE_DRIVER_REGISTER = diff("""
    --- a/drivers/foo/foo-core.c
    +++ b/drivers/foo/foo-core.c
    @@ -729,6 +729,7 @@ int foo_port_register(struct platform_device *pdev)
     \t\tif (r->parent)
     \t\t\trelease_resource(r);
     \t}
    +\tplatform_device_put(pdev);
     
     \treturn ret;
     }
""")


def test_fires_on_put_inside_a_register_api_that_leaves_failure_to_its_caller():
    assert_fires(device_ref_imbalance, PUT_INSIDE_REGISTER_API, at=[("drivers/base/platform.c", 732)])


def test_put_inside_a_driver_register_helper_is_only_a_question():
    assert_quiet(device_ref_imbalance, PUT_INSIDE_DRIVER_REGISTER)


# drivers/cxl/core/region.c: a device_find_child() match callback; the iterator holds the device
# around the call (and keeps it for the caller on a match).
CXL_PUT_IN_MATCH_CALLBACK = diff("""
    --- a/drivers/cxl/core/region.c
    +++ b/drivers/cxl/core/region.c
    @@ -836,8 +836,10 @@ static int match_auto_decoder(struct device *dev, void *data)
     \tcxld = to_cxl_decoder(dev);
     \tr = &cxld->hpa_range;
     
    -\tif (p->res && p->res->start == r->start && p->res->end == r->end)
    +\tif (p->res && p->res->start == r->start && p->res->end == r->end) {
    +\t\tput_device(dev);
     \t\treturn 1;
    +\t}
     
     \treturn 0;
     }
""")


def test_fires_on_put_of_the_device_an_iterator_callback_is_given():
    assert_fires(device_ref_imbalance, CXL_PUT_IN_MATCH_CALLBACK, at=[("drivers/cxl/core/region.c", 840)])


# drivers/fpga/stratix10-soc.c (the fix direction of a removed put): of_node_get(fw_np) is taken
# for of_find_matching_node() to drop as its @from; the caller still holds its own reference
# from of_find_node_by_name() above, and this put drops that one.
S10_GET_FOR_THE_LOOKUP_TO_DROP = diff("""
    --- a/drivers/fpga/stratix10-soc.c
    +++ b/drivers/fpga/stratix10-soc.c
    @@ -478,6 +478,7 @@ static int __init s10_init(void)
     \tof_node_get(fw_np);
     \tnp = of_find_matching_node(fw_np, s10_of_match);
     \tif (!np) {
    +\t\tof_node_put(fw_np);
     \t\treturn -ENODEV;
     \t}
     
""")


def test_quiet_when_a_get_was_taken_for_the_lookup_to_drop():
    assert_quiet(device_ref_imbalance, S10_GET_FOR_THE_LOOKUP_TO_DROP, include_low=True)



# drivers/spi/spi-atmel.c remove(): a keep-alive get before the unregister (which drops the
# owner's reference); the put after it is the keep-alive one.
KEEPALIVE_THEN_UNREGISTER = diff("""
    --- a/drivers/misc/foo-port.c
    +++ b/drivers/misc/foo-port.c
    @@ -1672,6 +1672,7 @@ static void foo_port_remove(struct platform_device *pdev)
     \tget_device(&port->dev);
     \tpm_runtime_get_sync(&pdev->dev);
    +\tdevice_unregister(&port->dev);
     \tfoo_port_stop(port);
     \tpm_runtime_disable(&pdev->dev);
     \tput_device(&port->dev);
     }
""")

# The same remove() without the keep-alive get: the unregister dropped the only reference.
UNREGISTER_THEN_PUT_NO_KEEPALIVE = diff("""
    --- a/drivers/misc/foo-port.c
    +++ b/drivers/misc/foo-port.c
    @@ -1672,5 +1672,6 @@ static void foo_port_remove(struct platform_device *pdev)
     \tpm_runtime_get_sync(&pdev->dev);
    +\tdevice_unregister(&port->dev);
     \tfoo_port_stop(port);
     \tpm_runtime_disable(&pdev->dev);
     \tput_device(&port->dev);
     }
""")


def test_keepalive_get_before_unregister_owes_the_last_put():
    assert_quiet(device_ref_imbalance, KEEPALIVE_THEN_UNREGISTER, include_low=True)
    assert_fires(device_ref_imbalance, UNREGISTER_THEN_PUT_NO_KEEPALIVE, at=[("drivers/misc/foo-port.c", 1673)])


# A pointer found with a lookup that takes no reference (the accessor table,
# checks/data/borrowed.tsv): acpi_fetch_acpi_dev() is acpi_get_acpi_dev() without the get.
PUT_OF_FETCHED_ACPI_DEV = diff("""
    --- a/drivers/platform/x86/foo-wmi.c
    +++ b/drivers/platform/x86/foo-wmi.c
    @@ -210,9 +210,10 @@ static int foo_wmi_find_ec(struct foo_wmi *priv, acpi_handle handle)
     \tstruct acpi_device *adev;
     
     \tadev = acpi_fetch_acpi_dev(handle);
     \tif (!adev)
     \t\treturn -ENODEV;
     \tpriv->ec_uid = acpi_device_uid(adev);
    +\tacpi_dev_put(adev);
     \treturn 0;
     }
     
""")

# The look-alike with the lookup that does take one.
PUT_OF_GOT_ACPI_DEV = diff("""
    --- a/drivers/platform/x86/foo-wmi.c
    +++ b/drivers/platform/x86/foo-wmi.c
    @@ -210,9 +210,10 @@ static int foo_wmi_find_ec(struct foo_wmi *priv, acpi_handle handle)
     \tstruct acpi_device *adev;
     
     \tadev = acpi_get_acpi_dev(handle);
     \tif (!adev)
     \t\treturn -ENODEV;
     \tpriv->ec_uid = acpi_device_uid(adev);
    +\tacpi_dev_put(adev);
     \treturn 0;
     }
     
""")

# The same over-put told with a netdev found under RTNL and a PHY found on a bus, the call
# split over lines; and a get taken on it (dev_hold) makes the put owed.
PUT_OF_RTNL_NETDEV = diff("""
    --- a/net/foo/foo_link.c
    +++ b/net/foo/foo_link.c
    @@ -80,7 +80,8 @@ static int foo_link_bind(struct net *net, const char *name)
     \tstruct net_device *dev =
     \t\t__dev_get_by_name(net, name);
     
     \tif (!dev)
     \t\treturn -ENODEV;
     \terr = foo_link_attach(dev);
    +\tdev_put(dev);
     \treturn err;
""")

PUT_OF_RTNL_NETDEV_HELD = diff("""
    --- a/net/foo/foo_link.c
    +++ b/net/foo/foo_link.c
    @@ -80,7 +80,8 @@ static int foo_link_bind(struct net *net, const char *name)
     \tstruct net_device *dev =
     \t\t__dev_get_by_name(net, name);
     
     \tdev_hold(dev);
     \terr = foo_link_attach(dev);
     \tfoo_link_wait(dev);
    +\tdev_put(dev);
     \treturn err;
""")

PUT_OF_FIRST_PHY = diff("""
    --- a/drivers/net/ethernet/foo/foo_mdio.c
    +++ b/drivers/net/ethernet/foo/foo_mdio.c
    @@ -300,6 +300,7 @@ static int foo_mii_probe(struct net_device *ndev)
     \tphydev = phy_find_first(priv->mii_bus);
     \tif (!phydev)
     \t\treturn -ENODEV;
     \tret = phy_connect_direct(ndev, phydev, foo_adjust_link, PHY_INTERFACE_MODE_MII);
    +\tput_device(&phydev->mdio.dev);
     \treturn ret;
     }
""")


def test_fires_on_put_of_a_pointer_a_no_reference_lookup_returned():
    assert_fires(device_ref_imbalance, PUT_OF_FETCHED_ACPI_DEV, at=[("drivers/platform/x86/foo-wmi.c", 216)])
    assert_fires(device_ref_imbalance, PUT_OF_RTNL_NETDEV, at=[("net/foo/foo_link.c", 86)])
    assert_fires(device_ref_imbalance, PUT_OF_FIRST_PHY, at=[("drivers/net/ethernet/foo/foo_mdio.c", 304)])


def test_quiet_on_put_of_a_lookup_that_takes_a_reference_or_a_held_pointer():
    assert_quiet(device_ref_imbalance, PUT_OF_GOT_ACPI_DEV, include_low=True)
    assert_quiet(device_ref_imbalance, PUT_OF_RTNL_NETDEV_HELD, include_low=True)


# try_module_get() failed: it took nothing, and the put drops someone else's pin.
PUT_WHERE_MODULE_GET_FAILED = diff("""
    --- a/drivers/media/foo/foo-core.c
    +++ b/drivers/media/foo/foo-core.c
    @@ -120,6 +120,8 @@ static int foo_attach_frontend(struct foo_dev *dev)
     \tops = dev->fe_ops;
    -\tif (!try_module_get(ops->owner))
    +\tif (!try_module_get(ops->owner)) {
    +\t\tmodule_put(ops->owner);
     \t\treturn -ENODEV;
    +\t}
     \tret = ops->attach(dev);
     \tif (ret)
     \t\tmodule_put(ops->owner);
""")

# kref_get_unless_zero() failed (the object is being released): `e && !get` holds in the branch.
PUT_WHERE_KREF_GET_FAILED = diff("""
    --- a/drivers/foo/foo-cache.c
    +++ b/drivers/foo/foo-cache.c
    @@ -60,4 +60,5 @@ static struct foo_entry *foo_cache_lookup(struct foo_cache *c, u32 key)
     \tif (e && !kref_get_unless_zero(&e->ref)) {
    +\t\tkref_put(&e->ref, foo_entry_release);
     \t\te = NULL;
     \t}
     \tspin_unlock(&c->lock);
""")

PUT_WHERE_MODULE_GET_SUCCEEDED = diff("""
    --- a/drivers/media/foo/foo-core.c
    +++ b/drivers/media/foo/foo-core.c
    @@ -120,5 +120,6 @@ static int foo_attach_frontend(struct foo_dev *dev)
     \tif (try_module_get(ops->owner)) {
     \t\tret = ops->attach(dev);
    +\t\tmodule_put(ops->owner);
     \t} else {
     \t\tret = -ENODEV;
     \t}
""")


# `||`: the branch runs when either test holds, so the get may have succeeded.
PUT_WHERE_GET_MAY_HAVE_SUCCEEDED = diff("""
    --- a/drivers/foo/foo-cache.c
    +++ b/drivers/foo/foo-cache.c
    @@ -60,4 +60,5 @@ static struct foo_entry *foo_cache_lookup(struct foo_cache *c, u32 key)
     \tif (!kref_get_unless_zero(&e->ref) || e->dead) {
    +\t\tkref_put(&e->ref, foo_entry_release);
     \t\te = NULL;
     \t}
     \tspin_unlock(&c->lock);
""")


# scsi_device_get() returns non-zero when it took nothing; the result tested right after.
PUT_WHERE_SCSI_GET_FAILED = diff("""
    --- a/drivers/scsi/foo_transport.c
    +++ b/drivers/scsi/foo_transport.c
    @@ -400,5 +400,6 @@ static void foo_rescan_lun(struct foo_host *h, struct scsi_device *sdev)
     \tret = scsi_device_get(sdev);
     \tif (ret) {
    +\t\tscsi_device_put(sdev);
     \t\treturn;
     \t}
     \tscsi_rescan_device(sdev);
""")

PUT_WHERE_SCSI_GET_SUCCEEDED = diff("""
    --- a/drivers/scsi/foo_transport.c
    +++ b/drivers/scsi/foo_transport.c
    @@ -400,5 +400,6 @@ static void foo_rescan_lun(struct foo_host *h, struct scsi_device *sdev)
     \tret = scsi_device_get(sdev);
     \tif (!ret) {
     \t\tscsi_rescan_device(sdev);
    +\t\tscsi_device_put(sdev);
     \t}
     \treturn;
""")


def test_fires_on_put_where_the_conditional_get_failed():
    assert_fires(device_ref_imbalance, PUT_WHERE_SCSI_GET_FAILED, at=[("drivers/scsi/foo_transport.c", 402)])
    assert_quiet(device_ref_imbalance, PUT_WHERE_SCSI_GET_SUCCEEDED, include_low=True)
    assert_fires(device_ref_imbalance, PUT_WHERE_MODULE_GET_FAILED, at=[("drivers/media/foo/foo-core.c", 122)])
    assert_fires(device_ref_imbalance, PUT_WHERE_KREF_GET_FAILED, at=[("drivers/foo/foo-cache.c", 61)])


def test_quiet_on_put_where_the_conditional_get_succeeded_or_may_have():
    assert_quiet(device_ref_imbalance, PUT_WHERE_MODULE_GET_SUCCEEDED, include_low=True)
    assert_quiet(device_ref_imbalance, PUT_WHERE_GET_MAY_HAVE_SUCCEEDED, include_low=True)


_RELEASE_AND_ADD = """\
static void foo_port_release(struct device *dev)
{
	struct foo_port *port = to_foo_port(dev);

	ida_free(&foo_ida, port->id);
	kfree(port->label);
	kfree(port);
}

static int foo_port_add(struct foo_bus *bus, int id)
{
	struct foo_port *port;
	int ret;

	port = kzalloc(sizeof(*port), GFP_KERNEL);
	if (!port)
		return -ENOMEM;
	port->label = kasprintf(GFP_KERNEL, "port%d", id);
	if (!port->label) {
		kfree(port);
		return -ENOMEM;
	}
	port->id = ida_alloc(&foo_ida, GFP_KERNEL);
	port->dev.parent = bus->dev;
	port->dev.release = foo_port_release;
	ret = device_register(&port->dev);
	if (ret) {
		put_device(&port->dev);
@ADDED@		return ret;
	}
	return 0;
}
"""


def _new_file(body: str):
    lines = body.splitlines()
    return diff("--- /dev/null\n+++ b/drivers/foo/port.c\n@@ -0,0 +1,%d @@\n" % len(lines)
                + "".join(f"+{ln}\n" for ln in lines))


def test_fires_on_cleanup_the_release_callback_does_again():
    series = _new_file(_RELEASE_AND_ADD.replace("@ADDED@", "\t\tkfree(port->label);\n\t\tida_free(&foo_ida, port->id);\n"))
    assert_fires(device_ref_imbalance, series, at=[("drivers/foo/port.c", 29), ("drivers/foo/port.c", 30)])


def test_quiet_on_cleanup_the_release_callback_does_not_do_or_before_the_put():
    # `kfree(port->label)` before the device exists (line 20) and a member the release keeps
    assert_quiet(device_ref_imbalance, _new_file(_RELEASE_AND_ADD.replace("@ADDED@", "\t\tkfree(bus->scratch);\n")), include_low=True)


# A looked-up device kept in the driver's data, then linked: device_link_add() takes its own
# reference on the consumer and the supplier (drivers/base/core.c: get_device(consumer),
# get_device(supplier)) and holds them until device_link_del(): the lookup's reference may go.
_LINKED = """
    --- a/drivers/media/platform/foo/foo-isp.c
    +++ b/drivers/media/platform/foo/foo-isp.c
    @@ -410,15 +410,16 @@ static int foo_isp_get_companion(struct foo_isp *isp, struct device_node *np)
     \tstruct platform_device *cpdev;
     \tstruct device_link *link;
     
     \tcpdev = of_find_device_by_node(np);
     \tif (!cpdev)
     \t\treturn -EPROBE_DEFER;
     \tisp->companion = &cpdev->dev;
    {link}
     \tif (!link) {{
     \t\tdev_err(isp->dev, "cannot link the companion\\n");
     \t\treturn -EINVAL;
     \t}}
    +\tput_device(&cpdev->dev);
     \treturn 0;
     }}
"""
STORED_THEN_LINKED_THEN_PUT = diff(_LINKED.format(
    link=" \tlink = device_link_add(isp->companion, isp->dev,\n     \t\t\t       DL_FLAG_STATELESS | DL_FLAG_PM_RUNTIME);"))
STORED_THEN_OTHER_LINK_THEN_PUT = diff(_LINKED.format(
    link=" \tlink = device_link_add(isp->dev, isp->iommu,\n     \t\t\t       DL_FLAG_STATELESS | DL_FLAG_PM_RUNTIME);"))


def test_quiet_on_put_of_a_stored_device_a_device_link_holds():
    assert_quiet(device_ref_imbalance, STORED_THEN_LINKED_THEN_PUT, include_low=True)


def test_fires_on_put_of_a_stored_device_when_the_link_holds_another():
    assert_fires(device_ref_imbalance, STORED_THEN_OTHER_LINK_THEN_PUT,
                 at=[("drivers/media/platform/foo/foo-isp.c", 423)])


# mdiobus_unregister() is device_del() only ("memory still needs mdiobus_free", the table):
# the mdiobus_free() after it is its pair (drivers/net/ethernet/xscale/ixp4xx_eth.c, 6.12).
_MDIO_REMOVE = """
    --- /dev/null
    +++ b/drivers/net/ethernet/foo/foo_mdio.c
    @@ -0,0 +1,5 @@
    +static void foo_mdio_remove(void)
    +{
    +\t{first}(foo_mdio_bus);
    +\tmdiobus_free(foo_mdio_bus);
    +}
"""


def test_quiet_on_unregister_then_free_of_an_mdio_bus():
    assert_quiet(device_ref_imbalance, diff(_MDIO_REMOVE.replace("{first}", "mdiobus_unregister")),
                 include_low=True)


def test_fires_on_an_mdio_bus_freed_twice():
    assert_fires(device_ref_imbalance, diff(_MDIO_REMOVE.replace("{first}", "mdiobus_free")),
                 at=[("drivers/net/ethernet/foo/foo_mdio.c", 3), ("drivers/net/ethernet/foo/foo_mdio.c", 4)])


# drivers/spi/spi-fsi.c (6.12, renamed): the controller's pointer kept in its own private area
# (allocated in one piece with it by __spi_alloc_controller()); the put on a failed register
# frees both.  Kept in the driver's own structure instead, the put leaves it dangling.
_PRIV_STORE = """
    --- /dev/null
    +++ b/drivers/spi/spi-foo.c
    @@ -0,0 +1,15 @@
    +static int foo_spi_add(struct device *dev, struct foo_bridge *bridge)
    +{
    +\tstruct spi_controller *ctlr;
    +\tstruct foo_spi *ctx;
    +
    +\tctlr = spi_alloc_host(dev, sizeof(*ctx));
    +\tif (!ctlr)
    +\t\treturn -ENOMEM;
    +\tctx = {holder};
    +\tctx->dev = &ctlr->dev;
    +\tctx->bridge = bridge;
    +\tif (devm_spi_register_controller(dev, ctlr))
    +\t\tspi_controller_put(ctlr);
    +\treturn 0;
    +}
"""


def test_quiet_on_put_of_an_object_whose_own_private_area_holds_the_pointer():
    assert_quiet(device_ref_imbalance, diff(_PRIV_STORE.replace("{holder}", "spi_controller_get_devdata(ctlr)")),
                 include_low=True)


def test_fires_on_put_while_another_structure_holds_the_pointer():
    assert_fires(device_ref_imbalance, diff(_PRIV_STORE.replace("{holder}", "&bridge->spi")),
                 at=[("drivers/spi/spi-foo.c", 13)])


# drivers/rpmsg/rpmsg_core.c (6.12, rpmsg_unregister_device()) as a new file: the lookup's
# reference and the registration's, one drop each.
UNREGISTER_AFTER_LOOKUP_TEXT = """
    --- /dev/null
    +++ b/drivers/rpmsg/foo_core.c
    @@ -0,0 +1,13 @@
    +int foo_unregister_device(struct device *parent, struct foo_channel_info *chinfo)
    +{
    +\tstruct device *dev;
    +
    +\tdev = foo_find_device(parent, chinfo);
    +\tif (!dev)
    +\t\treturn -EINVAL;
    +
    +\tdevice_unregister(dev);
    +
    +\tput_device(dev);
    +\treturn 0;
    +}
"""


def test_quiet_on_unregister_then_put_of_a_looked_up_device():
    assert_quiet(device_ref_imbalance, diff(UNREGISTER_AFTER_LOOKUP_TEXT), include_low=True)
    # the device a caller hands in: the unregister dropped what there was
    given = UNREGISTER_AFTER_LOOKUP_TEXT.replace("dev = foo_find_device(parent, chinfo);",
                                                "dev = parent;")
    assert given != UNREGISTER_AFTER_LOOKUP_TEXT
    assert_fires(device_ref_imbalance, diff(given), at=[("drivers/rpmsg/foo_core.c", 9),
                                                        ("drivers/rpmsg/foo_core.c", 11)])


# drivers/base/bus.c (6.12, bus_to_subsys() and bus_remove_driver()) as a new file: a lookup of
# the file's own (it ends `sp = subsys_get(sp); return sp;`), and a teardown that drops its
# reference and the one the set-up kept.
LOCAL_LOOKUP_TEARDOWN_TEXT = """
    --- /dev/null
    +++ b/drivers/base/foo_bus.c
    @@ -0,0 +1,28 @@
    +static struct subsys_private *bus_to_subsys(const struct bus_type *bus)
    +{
    +\tstruct subsys_private *sp = NULL;
    +
    +\tspin_lock(&bus_kset->list_lock);
    +\tsp = foo_first_subsys(bus);
    +\tsp = subsys_get(sp);
    +\tspin_unlock(&bus_kset->list_lock);
    +\treturn sp;
    +}
    +
    +void bus_remove_driver(struct device_driver *drv)
    +{
    +\tstruct subsys_private *sp = bus_to_subsys(drv->bus);
    +
    +\tif (!sp)
    +\t\treturn;
    +
    +\tdriver_detach(drv);
    +\tmodule_remove_driver(drv);
    +\t/*
    +\t * Decrement the reference count twice, once for the bus_to_subsys()
    +\t * call in the start of this function, and the second one from the
    +\t * reference increment in bus_add_driver()
    +\t */
    +\tsubsys_put(sp);
    +\tsubsys_put(sp);
    +}
"""


def test_quiet_on_a_teardown_dropping_its_lookup_and_the_set_up_reference():
    assert_quiet(device_ref_imbalance, diff(LOCAL_LOOKUP_TEARDOWN_TEXT), include_low=True)
    # the same two puts where the helper returns what it does not hold a reference on
    borrowed = LOCAL_LOOKUP_TEARDOWN_TEXT.replace("\tsp = subsys_get(sp);\n", "\tfoo_check(sp);\n")
    assert borrowed != LOCAL_LOOKUP_TEARDOWN_TEXT
    assert_fires(device_ref_imbalance, diff(borrowed), at=[("drivers/base/foo_bus.c", 26),
                                                           ("drivers/base/foo_bus.c", 27)])


# drivers/edac/altera_edac.c validate_parent_available(), paraphrased: a helper given a node
# (its caller walks the children with for_each_child_of_node(), which drops each one) gets a
# "refcount leak" fix that puts the node it was handed, on the path that returns success.
PUT_OF_GIVEN_NODE = diff("""
    --- a/drivers/edac/foo_edac.c
    +++ b/drivers/edac/foo_edac.c
    @@ -1862,10 +1862,11 @@ static int foo_check_parent(struct device_node *np)
     \tif (of_device_is_compatible(np, "foo,sdram-edac"))
     \t\treturn 0;
     
     \tparent = of_parse_phandle(np, "foo,ecc-parent", 0);
     \tif (parent && !of_device_is_available(parent))
     \t\tret = -ENODEV;
     
     \tof_node_put(parent);
    +\tof_node_put(np);
     \treturn ret;
     }
""", message="The node is never put: fix the refcount leak.")

# Look-alike: the helper holds a reference of its own across a call that may drop the last
# other one (a keep-alive get), and puts that one.
PUT_OF_GIVEN_NODE_AFTER_GET = diff("""
    --- a/drivers/edac/foo_edac.c
    +++ b/drivers/edac/foo_edac.c
    @@ -1860,11 +1860,12 @@ static int foo_check_parent(struct device_node *np)
     \tstruct device_node *parent;
     \tint ret = 0;
     
     \tof_node_get(np);
     \tparent = of_parse_phandle(np, "foo,ecc-parent", 0);
     \tif (parent && !of_device_is_available(parent))
     \t\tret = -ENODEV;
     
     \tof_node_put(parent);
    +\tof_node_put(np);
     \treturn ret;
     }
""")


def test_fires_on_put_of_the_node_the_function_is_given():
    assert_fires(device_ref_imbalance, PUT_OF_GIVEN_NODE, at=[("drivers/edac/foo_edac.c", 1870)])


def test_quiet_on_put_of_a_given_node_the_function_took_a_reference_on():
    assert_quiet(device_ref_imbalance, PUT_OF_GIVEN_NODE_AFTER_GET, include_low=True)


# drivers/reset/reset-brcmstb-rescal.c brcm_rescal_reset_xlate(), paraphrased: an of_xlate
# callback is handed the specifier reset_control_get() parsed; the core puts args->np after the
# call.  The section line holds the header's first line only, the context shows the rest.
PUT_OF_SPECIFIER_NODE = diff("""
    --- a/drivers/reset/reset-foo.c
    +++ b/drivers/reset/reset-foo.c
    @@ -56,6 +56,7 @@ static int foo_reset_xlate(struct reset_controller_dev *rcdev,
     \t\t\t\t   const struct of_phandle_args *reset_spec)
     {
     \t/* This is needed if #reset-cells == 0. */
    +\tof_node_put(reset_spec->np);
     \treturn 0;
     }
     
""")

# The section line cut at the specifier: the function's name says which callback it is.
PUT_OF_SPECIFIER_NODE_CUT = diff("""
    --- a/drivers/mailbox/foo-mbox.c
    +++ b/drivers/mailbox/foo-mbox.c
    @@ -232,6 +232,7 @@ static struct mbox_chan *foo_mbox_xlate(struct mbox_controller *mbox,
     \t\treturn ERR_PTR(-EINVAL);
     
     \tchan = &mbox->chans[idx];
    +\tof_node_put(sp->np);
     \treturn chan;
     }
     
""")

# drivers/dma/dw/rzn1-dmamux.c, paraphrased: a DMA router swaps the specifier's node for the
# one it looked up (dma_spec->np = of_parse_phandle(...)) and puts that one on its error path.
PUT_OF_SWAPPED_SPECIFIER_NODE = diff("""
    --- a/drivers/dma/foo-dmamux.c
    +++ b/drivers/dma/foo-dmamux.c
    @@ -80,11 +80,13 @@ static void *foo_dmamux_route_allocate(struct of_phandle_args *dma_spec,
     \tdma_spec->np = of_parse_phandle(ofdma->of_node, "dma-masters", 0);
     \tif (!dma_spec->np) {
     \t\tret = -EINVAL;
     \t\tgoto free_map;
     \t}
     \tret = foo_set_mux(map);
    -\tif (ret)
    +\tif (ret) {
    +\t\tof_node_put(dma_spec->np);
     \t\tgoto free_map;
    +\t}
     \treturn map;
     
     free_map:
""")


def test_fires_on_put_of_the_node_of_a_specifier_an_xlate_callback_is_given():
    assert_fires(device_ref_imbalance, PUT_OF_SPECIFIER_NODE, at=[("drivers/reset/reset-foo.c", 59)])
    assert_fires(device_ref_imbalance, PUT_OF_SPECIFIER_NODE_CUT, at=[("drivers/mailbox/foo-mbox.c", 235)])


def test_quiet_on_put_of_a_specifier_node_the_function_swapped_in():
    assert_quiet(device_ref_imbalance, PUT_OF_SWAPPED_SPECIFIER_NODE, include_low=True)


# drivers/usb/common/ulpi.c ulpi_register(), paraphrased: a helper handed its parent device
# returns success after putting it; nothing in it took that reference.
PUT_OF_GIVEN_DEVICE_ON_SUCCESS = diff("""
    --- a/drivers/usb/common/foo-phy.c
    +++ b/drivers/usb/common/foo-phy.c
    @@ -306,6 +306,7 @@ static int foo_phy_register(struct device *dev, struct foo_phy *phy)
     \tdev_dbg(&phy->dev, "registered PHY: vendor %04x, product %04x\\n",
     \t\tphy->id.vendor, phy->id.product);
     
    +\tput_device(dev);
     \treturn 0;
     }
     
""")


def test_fires_on_put_of_a_given_device_on_the_success_path():
    assert_fires(device_ref_imbalance, PUT_OF_GIVEN_DEVICE_ON_SUCCESS, at=[("drivers/usb/common/foo-phy.c", 309)])



# Tree mode: a test of a `for_each_*` loop's cursor (`if (!child) break;`) is a branch on a
# reference the path count holds for the iterator (no getter row of its own): it used to crash
# the path count (KeyError on the iterator's name) and drop every finding of the file.
LOOP_PRE = """static int foo_parse(struct device *dev)
{
	struct device_node *child;
	int ret;

	for_each_child_of_node(dev->of_node, child) {
		ret = foo_add(dev, child);
		if (ret) {
			of_node_put(child);
			return ret;
		}
	}
	return 0;
}
"""
LOOP_POST = LOOP_PRE.replace("\t\tret = foo_add(dev, child);\n",
                             "\t\tif (!child)\n\t\t\tbreak;\n\t\tret = foo_add(dev, child);\n\t\tof_node_put(child);\n")


def test_tree_mode_put_of_a_tested_loop_cursor():
    series, ctx = tree_case("drivers/foo/foo.c", LOOP_PRE, LOOP_POST)
    assert_fires(device_ref_imbalance, series, at=[("drivers/foo/foo.c", 10)], context_for=ctx)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)
    for mod in (device_ref_imbalance, get_without_put_on_exit):
        assert not [n for n in run_rule(mod, series, ctx).notes if n.startswith("internal:")]


# drivers/usb/image/mdc800.c (6.12, usb_mdc800_probe()): the puts sit in a block under the
# unwind label after `return 0;`; drivers/net/usb/rtl8150.c (alloc_all_urbs()): `return 0;` is
# the failure of a function that ends `return 1;`.  Neither is a put on the success path.
UNWIND_BLOCK_TEXT = """
    --- /dev/null
    +++ b/drivers/usb/foo/foo_cam.c
    @@ -0,0 +1,42 @@
    +static int foo_probe(struct usb_interface *intf, const struct usb_device_id *id)
    +{
    +\tfoo->irq_urb = usb_alloc_urb(0, GFP_KERNEL);
    +\tif (!foo->irq_urb)
    +\t\tgoto cleanup_on_fail;
    +\tusb_set_intfdata(intf, foo);
    +\treturn 0;
    +
    +cleanup_on_fail:
    +\tif (foo != NULL) {
    +\t\tusb_free_urb(foo->irq_urb);
    +\t\tkfree(foo);
    +\t}
    +\treturn -ENOMEM;
    +}
    +
    +static void foo_disconnect(struct usb_interface *intf)
    +{
    +\tusb_free_urb(foo->irq_urb);
    +}
    +
    +static int alloc_all_urbs(struct foo_dev *dev)
    +{
    +\tdev->rx_urb = usb_alloc_urb(0, GFP_KERNEL);
    +\tif (!dev->rx_urb)
    +\t\treturn 0;
    +\tdev->tx_urb = usb_alloc_urb(0, GFP_KERNEL);
    +\tif (!dev->tx_urb) {
    +\t\tusb_free_urb(dev->rx_urb);
    +\t\treturn 0;
    +\t}
    +\treturn 1;
    +}
    +
    +static void free_all_urbs(struct foo_dev *dev)
    +{
    +\tusb_free_urb(dev->rx_urb);
    +\tusb_free_urb(dev->tx_urb);
    +}
    +
    +
    +
"""


def test_quiet_on_puts_in_an_unwind_block_and_before_a_boolean_failure():
    assert_quiet(device_ref_imbalance, diff(UNWIND_BLOCK_TEXT), include_low=True)
    # `return 1;` at the end makes `return 0;` the failure; with `return 0;` at the end it is success
    success = UNWIND_BLOCK_TEXT.replace("\t\treturn 0;\n    +\t}\n    +\treturn 1;", "\t\treturn 0;\n    +\t}\n    +\treturn 0;")
    assert success != UNWIND_BLOCK_TEXT
    assert_fires(device_ref_imbalance, diff(success), at=[("drivers/usb/foo/foo_cam.c", 29)])


# drivers/staging/vc04_services/.../vchiq_core.c (6.12, parse_open()): every path into
# `fail_open:` has the service NULL (or put and cleared); the success path's put sits before the
# label's `return 1;` and is not on the goto's path.
LABEL_AFTER_RETURN_TEXT = """
    --- /dev/null
    +++ b/drivers/staging/foo/foo_core.c
    @@ -0,0 +1,26 @@
    +static int foo_parse_open(struct foo_state *state, struct foo_header *header)
    +{
    +\tstruct foo_service *service = NULL;
    +
    +\tservice = get_listening_service(state, header->fourcc);
    +\tif (!service)
    +\t\tgoto fail_open;
    +\tif (foo_open(service))
    +\t\tgoto bail_not_ready;
    +
    +\t/* Success - the message has been dealt with */
    +\tvchiq_service_put(service);
    +\treturn 1;
    +
    +fail_open:
    +\tif (queue_message(state, MAKE_CLOSE(0)) == -EAGAIN)
    +\t\tgoto bail_not_ready;
    +
    +\treturn 1;
    +
    +bail_not_ready:
    +\tif (service)
    +\t\tvchiq_service_put(service);
    +
    +\treturn 0;
    +}
"""


def test_quiet_on_an_unwind_put_a_goto_reaches_from_a_label_after_a_return():
    assert_quiet(device_ref_imbalance, diff(LABEL_AFTER_RETURN_TEXT), include_low=True)


# drivers/gpu/drm/i915/gem/i915_gem_execbuffer.c (6.12, eb_reserve()): each round after
# `retry:` declares busy_bo anew and the eviction fills it in: the put is of that round's object.
RETRY_REDECLARED_TEXT = """
    --- /dev/null
    +++ b/drivers/gpu/drm/foo/foo_execbuffer.c
    @@ -0,0 +1,20 @@
    +static int foo_reserve(struct foo_eb *eb)
    +{
    +\tint err;
    +
    +retry:
    +\terr = mutex_lock_interruptible(&eb->vm->mutex);
    +\tif (!err) {
    +\t\tstruct drm_i915_gem_object *busy_bo = NULL;
    +
    +\t\terr = i915_gem_evict_vm(eb->vm, &eb->ww, &busy_bo);
    +\t\tmutex_unlock(&eb->vm->mutex);
    +\t\tif (err && busy_bo) {
    +\t\t\terr = i915_gem_object_lock(busy_bo, &eb->ww);
    +\t\t\ti915_gem_object_put(busy_bo);
    +\t\t\tif (!err)
    +\t\t\t\tgoto retry;
    +\t\t}
    +\t}
    +\treturn err;
    +}
"""


def test_quiet_on_a_put_in_a_retry_loop_whose_object_is_set_again():
    assert_quiet(device_ref_imbalance, diff(RETRY_REDECLARED_TEXT), include_low=True)


# A put that takes a resource beside the object drops the reference that resource held:
# ccw_device_dma_zalloc() takes a cdev reference per buffer, ccw_device_dma_free() drops it
# (virtio_ccw.c frees two buffers of one device in a row).
def _dma_free_pair(second: str):
    return diff(f"""
    --- a/drivers/s390/foo/foo_ccw.c
    +++ b/drivers/s390/foo/foo_ccw.c
    @@ -420,4 +420,6 @@ static void foo_ccw_drop_indicator(struct foo_ccw_device *fcdev)
     \tret = foo_ccw_io_helper(fcdev, ccw, FOO_CCW_DOING_SET_IND);
     \tif (ret)
     \t\tdev_info(&fcdev->cdev->dev, "failed (%d)\\n", ret);
    +\tccw_device_dma_free(fcdev->cdev, indicatorp, sizeof(*indicatorp));
    +\tccw_device_dma_free(fcdev->cdev, {second});
     }}
""")


def test_quiet_on_two_puts_that_each_drop_their_own_resources_reference():
    assert_quiet(device_ref_imbalance, _dma_free_pair("thinint_area, sizeof(*thinint_area)"))


def test_fires_when_the_same_resource_is_freed_twice():
    assert_fires(device_ref_imbalance, _dma_free_pair("indicatorp, sizeof(*indicatorp)"),
                 [("drivers/s390/foo/foo_ccw.c", 423), ("drivers/s390/foo/foo_ccw.c", 424)])


# A bus's remove() drops the device reference its probe() took and kept (ntb_transport.c
# ntb_transport_bus_probe()/_remove() of 6.12): the put is the probe's pair, not the caller's.
def _bus(probe_get: str):
    return diff(f"""
    --- /dev/null
    +++ b/drivers/foo/foo_bus.c
    @@ -0,0 +1,20 @@
    +static int foo_bus_probe(struct device *dev)
    +{{
    +\tconst struct foo_client *client;
    +\tint rc;
    +
    +{probe_get}
    +\tclient = drv_client(dev->driver);
    +\trc = client->probe(dev);
    +\treturn rc;
    +}}
    +
    +static void foo_bus_remove(struct device *dev)
    +{{
    +\tconst struct foo_client *client;
    +
    +\tclient = drv_client(dev->driver);
    +\tclient->remove(dev);
    +
    +\tput_device(dev);
    +}}
""")


def test_quiet_on_a_remove_dropping_what_its_probe_took():
    assert_quiet(device_ref_imbalance, _bus("\\tget_device(dev);"))


def test_fires_on_a_remove_dropping_what_nothing_took():
    assert_fires(device_ref_imbalance, _bus("\\tdev_dbg(dev, \"probe\");"), [("drivers/foo/foo_bus.c", 19)])


# ntb_transport.c ntb_async_rx_submit(): `err_set_unmap:` undoes dma_set_unmap(txd, unmap),
# which took a reference of its own for the descriptor; the put below it is the function's own
def _unmap_ladder(label: str):
    return diff(f"""
    --- /dev/null
    +++ b/drivers/foo/foo_dma.c
    @@ -0,0 +1,24 @@
    +static int foo_async_submit(struct dma_device *device, struct dma_chan *chan, size_t len)
    +{{
    +\tstruct dmaengine_unmap_data *unmap;
    +\tstruct dma_async_tx_descriptor *txd;
    +\tdma_cookie_t cookie;
    +
    +\tunmap = dmaengine_get_unmap_data(device->dev, 2, GFP_NOWAIT);
    +\tif (!unmap)
    +\t\treturn -ENOMEM;
    +\ttxd = foo_prep(chan, unmap, len);
    +\tif (!txd)
    +\t\tgoto err_get_unmap;
    +\tdma_set_unmap(txd, unmap);
    +\tcookie = dmaengine_submit(txd);
    +\tif (dma_submit_error(cookie))
    +\t\tgoto {label};
    +\tdmaengine_unmap_put(unmap);
    +\treturn 0;
    +{label}:
    +\tdmaengine_unmap_put(unmap);
    +err_get_unmap:
    +\tdmaengine_unmap_put(unmap);
    +\treturn -ENXIO;
""" + "    +}\n")


def test_quiet_on_an_unwind_step_named_after_the_call_that_took_its_reference():
    assert_quiet(device_ref_imbalance, _unmap_ladder("err_set_unmap"))


def test_fires_on_the_same_ladder_when_no_step_took_a_reference():
    assert_fires(device_ref_imbalance, _unmap_ladder("err_submit"), [("drivers/foo/foo_dma.c", 20)])


# cc770_isa.c cc770_isa_init(): the unwind loop `while (--idx >= 0)` starts below the element
# whose failed add the goto already put
def _array_unwind(unwind: str):
    return diff(f"""
    --- /dev/null
    +++ b/drivers/net/can/foo_isa.c
    @@ -0,0 +1,22 @@
    +static int __init foo_isa_init(void)
    +{{
    +\tint idx, err;
    +
    +\tfor (idx = 0; idx < MAXDEV; idx++) {{
    +\t\tfoo_devs[idx] = platform_device_alloc(KBUILD_MODNAME, idx);
    +\t\tif (!foo_devs[idx]) {{
    +\t\t\terr = -ENOMEM;
    +\t\t\tgoto exit_free_devices;
    +\t\t}}
    +\t\terr = platform_device_add(foo_devs[idx]);
    +\t\tif (err) {{
    +\t\t\tplatform_device_put(foo_devs[idx]);
    +\t\t\tgoto exit_free_devices;
    +\t\t}}
    +\t}}
    +\treturn 0;
    +
    +exit_free_devices:
{unwind}
    +\treturn err;
    +}}
""")


def test_quiet_on_an_unwind_loop_that_starts_below_the_element_put():
    assert_quiet(device_ref_imbalance, _array_unwind(
        "    +\\twhile (--idx >= 0)\\n    +\\t\\tplatform_device_unregister(foo_devs[idx]);"), include_low=True)


def test_fires_on_an_unwind_that_puts_the_same_element_again():
    assert_fires(device_ref_imbalance, _array_unwind(
        "    +\\tif (foo_devs[idx])\\n    +\\t\\tplatform_device_unregister(foo_devs[idx]);"),
        [("drivers/net/can/foo_isa.c", 20)])


# firewire core-device.c fw_device_shutdown(): the ID table's entry held its own reference
# (`xa_alloc(&fw_device_xa, ..., device, ...)` after a get), dropped after xa_erase()
def _erase_then_put(erase: str):
    return diff(f"""
    --- /dev/null
    +++ b/drivers/foo/foo_core.c
    @@ -0,0 +1,7 @@
    +static void foo_device_shutdown(struct fw_device *device)
    +{{
    +\tfoo_device_cdev_remove(device);
    +\tdevice_unregister(&device->device);
    +{erase}
    +\tfw_device_put(device);
    +}}
""")


def test_quiet_on_a_put_after_the_table_entry_is_erased():
    # (a helper's own parameter put stays a low question)
    assert_quiet(device_ref_imbalance, _erase_then_put("\\txa_erase(&foo_device_xa, MINOR(device->device.devt));"))


def test_fires_on_the_same_put_without_a_table_entry():
    assert_fires(device_ref_imbalance, _erase_then_put("\\tfoo_device_log(device);"),
                 [("drivers/foo/foo_core.c", 4), ("drivers/foo/foo_core.c", 6)])
