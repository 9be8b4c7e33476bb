"""MOD003 in hunk mode: a `goto` retargeted past an unwind label the hunk shows (the new
label out of sight).  An unwind ladder runs its labels in order; a label between the jump and
the old label would be shown, so the new target lies past the old one and skips its put.
Shaped on net/ipv4/netfilter/arp_tables.c find_check_entry()."""

from reviewbot.checks.module import get_without_put_on_exit
from tests.helpers import assert_fires, assert_quiet, diff

PATH = "net/ipv4/netfilter/arp_tables.c"

PAST_THE_PUT = diff("""
    --- a/net/ipv4/netfilter/arp_tables.c
    +++ b/net/ipv4/netfilter/arp_tables.c
    @@ -436,7 +436,7 @@ find_check_entry(struct arpt_entry *e, struct net *net, const char *name,
     
     \tret = check_target(e, net, name);
     \tif (ret)
    -\t\tgoto err;
    +\t\tgoto out;
     \treturn 0;
     err:
     \tmodule_put(t->u.kernel.target->me);
""")

# the fix: back from `out` (past the put) to `err`, which drops the target's module
BACK_TO_THE_PUT = diff("""
    --- a/net/ipv4/netfilter/arp_tables.c
    +++ b/net/ipv4/netfilter/arp_tables.c
    @@ -436,7 +436,7 @@ find_check_entry(struct arpt_entry *e, struct net *net, const char *name,
     
     \tret = check_target(e, net, name);
     \tif (ret)
    -\t\tgoto out;
    +\t\tgoto err;
     \treturn 0;
     err:
     \tmodule_put(t->u.kernel.target->me);
""")

# the new label is shown between the jump and the put: order known, it falls through to the put
STEP_BEFORE_THE_PUT = diff("""
    --- a/net/ipv4/netfilter/arp_tables.c
    +++ b/net/ipv4/netfilter/arp_tables.c
    @@ -436,9 +436,9 @@ find_check_entry(struct arpt_entry *e, struct net *net, const char *name,
     
     \tret = check_target(e, net, name);
     \tif (ret)
    -\t\tgoto err;
    +\t\tgoto err_check;
     \treturn 0;
     err_check:
     \txt_target_cleanup(t);
     err:
     \tmodule_put(t->u.kernel.target->me);
""")


def test_fires_on_goto_moved_past_a_shown_put_label():
    assert_fires(get_without_put_on_exit, PAST_THE_PUT, at=[(PATH, 439)])


def test_silent_on_the_fix_that_jumps_back_to_the_put():
    assert_quiet(get_without_put_on_exit, BACK_TO_THE_PUT)


def test_silent_when_the_new_label_falls_through_to_the_put():
    assert_quiet(get_without_put_on_exit, STEP_BEFORE_THE_PUT, include_low=True)


# A `goto` into the unwind ladder replaced by a `return` after a register call whose failure
# leaves the reference with the caller (drivers/usb/musb/ux500.c ux500_probe(); the ladder,
# out of sight, ends in platform_device_put(musb)).
UX500 = "drivers/usb/musb/ux500.c"
RETURN_PAST_THE_LADDER = diff("""
    --- a/drivers/usb/musb/ux500.c
    +++ b/drivers/usb/musb/ux500.c
    @@ -285,9 +285,9 @@ static int ux500_probe(struct platform_device *pdev)
     \t}
     
     \tret = platform_device_add(musb);
     \tif (ret) {
     \t\tdev_err(&pdev->dev, "failed to register musb device\\n");
    -\t\tgoto err2;
    +\t\treturn ret;
     \t}
     
     \treturn 0;
""")

# the fix: the return goes back into the ladder
BACK_INTO_THE_LADDER = diff("""
    --- a/drivers/usb/musb/ux500.c
    +++ b/drivers/usb/musb/ux500.c
    @@ -285,9 +285,9 @@ static int ux500_probe(struct platform_device *pdev)
     \t}
     
     \tret = platform_device_add(musb);
     \tif (ret) {
     \t\tdev_err(&pdev->dev, "failed to register musb device\\n");
    -\t\treturn ret;
    +\t\tgoto err2;
     \t}
     
     \treturn 0;
""")

# the same return before any reference is taken in sight: the ladder (err2 ends in
# platform_device_put(musb)) is out of sight, but a goto into it replaced by a return skips it
RETURN_BEFORE_ANY_GET_TEXT = """
    --- a/drivers/usb/musb/ux500.c
    +++ b/drivers/usb/musb/ux500.c
    @@ -279,9 +279,9 @@ static int ux500_probe(struct platform_device *pdev)
     \t}
     
     \tret = platform_device_add_data(musb, pdata, sizeof(*pdata));
     \tif (ret) {
     \t\tdev_err(&pdev->dev, "failed to add platform_data\\n");
    -\t\tgoto err2;
    +\t\treturn ret;
     \t}
     
     \tret = platform_device_add(musb);
"""
RETURN_BEFORE_ANY_GET = diff(RETURN_BEFORE_ANY_GET_TEXT)


def test_fires_on_goto_into_the_ladder_replaced_by_return_after_a_failed_register():
    assert_fires(get_without_put_on_exit, RETURN_PAST_THE_LADDER, at=[(UX500, 290)])


def test_silent_on_the_fix_that_returns_into_the_ladder():
    assert_quiet(get_without_put_on_exit, BACK_INTO_THE_LADDER)


def test_fires_on_a_return_replacing_a_goto_into_an_unseen_ladder():
    assert_fires(get_without_put_on_exit, RETURN_BEFORE_ANY_GET, at=[(UX500, 284)])


def test_silent_when_the_unseen_label_only_frees_memory_or_unlocks():
    for label in ("err_free_buf", "out_unlock"):
        series = diff(RETURN_BEFORE_ANY_GET_TEXT.replace("err2", label))
        assert_quiet(get_without_put_on_exit, series)


# A `goto` into the ladder replaced by a `return` where the main path below drops a node the
# hunk does not show being taken (drivers/net/ethernet/altera/altera_tse_main.c
# altera_tse_mdio_create(): `out_free_mdio` falls through to of_node_put(mdio_node)).
ALTERA = "drivers/net/ethernet/altera/altera_tse_main.c"
RETURN_BEFORE_THE_MAIN_PATH_PUT = diff("""
    --- a/drivers/net/ethernet/altera/altera_tse_main.c
    +++ b/drivers/net/ethernet/altera/altera_tse_main.c
    @@ -158,7 +158,7 @@ static int altera_tse_mdio_create(struct net_device *dev, unsigned int id)
     \tret = of_mdiobus_register(mdio, mdio_node);
     \tif (ret != 0) {
     \t\tnetdev_err(dev, "Cannot register MDIO bus %s\\n",
     \t\t\t   mdio->id);
    -\t\tgoto out_free_mdio;
    +\t\treturn ret;
     \t}
     \tof_node_put(mdio_node);
""")

# the fix
GOTO_BEFORE_THE_MAIN_PATH_PUT = diff("""
    --- a/drivers/net/ethernet/altera/altera_tse_main.c
    +++ b/drivers/net/ethernet/altera/altera_tse_main.c
    @@ -158,7 +158,7 @@ static int altera_tse_mdio_create(struct net_device *dev, unsigned int id)
     \tret = of_mdiobus_register(mdio, mdio_node);
     \tif (ret != 0) {
     \t\tnetdev_err(dev, "Cannot register MDIO bus %s\\n",
     \t\t\t   mdio->id);
    -\t\treturn ret;
    +\t\tgoto out_free_mdio;
     \t}
     \tof_node_put(mdio_node);
""")

# the node is taken after the return: nothing held there
TAKEN_AFTER_THE_RETURN = diff("""
    --- a/drivers/net/ethernet/altera/altera_tse_main.c
    +++ b/drivers/net/ethernet/altera/altera_tse_main.c
    @@ -158,8 +158,8 @@ static int altera_tse_mdio_create(struct net_device *dev, unsigned int id)
     \tret = altera_tse_setup(mdio);
     \tif (ret != 0) {
     \t\tnetdev_err(dev, "Cannot set up MDIO bus %s\\n",
     \t\t\t   mdio->id);
    -\t\tgoto out_free_mdio;
    +\t\treturn ret;
     \t}
     \tmdio_node = of_get_child_by_name(np, "mdio");
     \tof_node_put(mdio_node);
""")


def test_fires_on_a_return_that_skips_the_ladder_before_a_main_path_put():
    assert_fires(get_without_put_on_exit, RETURN_BEFORE_THE_MAIN_PATH_PUT, at=[(ALTERA, 162)])


def test_silent_on_the_fix_back_into_the_ladder():
    assert_quiet(get_without_put_on_exit, GOTO_BEFORE_THE_MAIN_PATH_PUT)


def test_silent_when_the_put_object_is_taken_after_the_return():
    assert_quiet(get_without_put_on_exit, TAKEN_AFTER_THE_RETURN)


# drivers/spmi/spmi.c spmi_device_add() in 6.12, and the cleanup that removes its goto: the label
# only returns, so the goto skipped no unwind (the caller puts the device when device_add() fails)
LABEL_ONLY_RETURNS = diff("""
    --- a/drivers/spmi/spmi.c
    +++ b/drivers/spmi/spmi.c
    @@ -68,13 +68,11 @@ int spmi_device_add(struct spmi_device *sdev)
     \terr = device_add(&sdev->dev);
     \tif (err < 0) {
     \t\tdev_err(&sdev->dev, "Can't add %s, status %d\\n",
     \t\t\tdev_name(&sdev->dev), err);
    -\t\tgoto err_device_add;
    +\t\treturn err;
     \t}
     
     \tdev_dbg(&sdev->dev, "device %s registered\\n", dev_name(&sdev->dev));
    -
    -err_device_add:
    -\treturn err;
    +\treturn 0;
     }
     EXPORT_SYMBOL_GPL(spmi_device_add);
""", subject="[PATCH] spmi: Remove unneeded goto in spmi_device_add() error path")


def test_silent_when_the_replaced_goto_entered_a_label_that_only_returns():
    assert_quiet(get_without_put_on_exit, LABEL_ONLY_RETURNS)


# An unwind label removed with its put, and the goto that led there retargeted to the next
# label of the ladder (atmel nand-controller's init, 6.12 -> 6.1.y): the clock reference the
# removed step dropped is now kept on that path.
LABEL_STEP_REMOVED = diff("""
    --- a/drivers/mtd/nand/raw/atmel/nand-controller.c
    +++ b/drivers/mtd/nand/raw/atmel/nand-controller.c
    @@ -2089,13 +2087,11 @@ static int atmel_nand_controller_init(struct atmel_nand_controller *nc,
     \tif (IS_ERR(nc->smc)) {
     \t\tret = PTR_ERR(nc->smc);
     \t\tdev_err(dev, "Could not get SMC regmap (err = %d)\\n", ret);
    -\t\tgoto out_put_mck;
    +\t\tgoto out_release_dma;
     \t}
     
     \treturn 0;
     
    -out_put_mck:
    -\tclk_put(nc->mck);
     out_release_dma:
     \tif (nc->dmac)
     \t\tdma_release_channel(nc->dmac);
""")


def test_fires_when_an_unwind_step_is_removed_with_its_label():
    assert_fires(get_without_put_on_exit, LABEL_STEP_REMOVED,
                 at=[("drivers/mtd/nand/raw/atmel/nand-controller.c", 2098, "old")])
