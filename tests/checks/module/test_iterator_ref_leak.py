from reviewbot.checks.module import iterator_ref_leak
from tests.helpers import assert_fires, assert_quiet, diff

# drivers/soc/ti/knav_dma.c (6.12, lines 734-742) with its of_node_put() removed (reversed fix shape).
KNAV_PUT_REMOVED = diff("""
    --- a/drivers/soc/ti/knav_dma.c
    +++ b/drivers/soc/ti/knav_dma.c
    @@ -734,8 +734,7 @@ static int knav_dma_probe(struct platform_device *pdev)
     \t/* Initialise all packet dmas */
     \tfor_each_child_of_node(node, child) {
     \t\tret = dma_init(node, child);
     \t\tif (ret) {
    -\t\t\tof_node_put(child);
     \t\t\tdev_err(&pdev->dev, "init failed with %d\\n", ret);
     \t\t\tbreak;
     \t\t}
""")

# The same 6.12 code as it is (the fix): quiet.
KNAV_FIX = diff("""
    --- a/drivers/soc/ti/knav_dma.c
    +++ b/drivers/soc/ti/knav_dma.c
    @@ -734,7 +734,8 @@ static int knav_dma_probe(struct platform_device *pdev)
     \t/* Initialise all packet dmas */
     \tfor_each_child_of_node(node, child) {
     \t\tret = dma_init(node, child);
     \t\tif (ret) {
    +\t\t\tof_node_put(child);
     \t\t\tdev_err(&pdev->dev, "init failed with %d\\n", ret);
     \t\t\tbreak;
     \t\t}
""")

# drivers/clk/tegra/clk-tegra124-emc.c (6.12, lines 461-472) written with another iterator and
# a return added without the put: a paraphrase of the same bug.
EMC_RETURN_ADDED = diff("""
    --- a/drivers/clk/tegra/clk-tegra124-emc.c
    +++ b/drivers/clk/tegra/clk-tegra124-emc.c
    @@ -461,7 +461,9 @@ static int load_timings_from_dt(struct tegra_clk_emc *tegra,
     \tfor_each_available_child_of_node(node, child) {
     \t\tstruct emc_timing *timing = timings_ptr + (i++);
     
    +\t\tif (!of_device_is_available(child))
    +\t\t\treturn -ENODEV;
     \t\terr = load_one_timing_from_dt(tegra, timing, child);
     \t\tif (err) {
     \t\t\tof_node_put(child);
     \t\t\tkfree(tegra->timings);
""")

# Legitimate look-alikes: the scoped iterator, a node handed on, a break out of an inner switch,
# a put after the loop that the break reaches, a fwnode loop with its put.
QUIET = diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -10,3 +10,39 @@ static int bar_probe(struct platform_device *pdev)
     {
     \tstruct device_node *child, *found = NULL;
    +\tfor_each_child_of_node_scoped(np, c) {
    +\t\tif (of_device_is_compatible(c, "foo,bar"))
    +\t\t\tbreak;
    +\t}
    +\tfor_each_child_of_node(np, child) {
    +\t\tif (of_device_is_compatible(child, "foo,bar")) {
    +\t\t\tfound = child;
    +\t\t\tbreak;
    +\t\t}
    +\t}
    +\tfor_each_child_of_node(np, child) {
    +\t\tswitch (of_node_to_nid(child)) {
    +\t\tcase 0:
    +\t\t\tbreak;
    +\t\t}
    +\t}
    +\tfor_each_child_of_node(np, child) {
    +\t\tif (of_device_is_compatible(child, "foo,baz"))
    +\t\t\tbreak;
    +\t}
    +\tof_node_put(child);
    +\tdevice_for_each_child_node(dev, fwn) {
    +\t\tret = bar_add(fwn);
    +\t\tif (ret) {
    +\t\t\tfwnode_handle_put(fwn);
    +\t\t\treturn ret;
    +\t\t}
    +\t}
    +\tfor_each_child_of_node(np, child)
    +\t\tif (of_device_is_compatible(child, "foo,qux"))
    +\t\t\treturn of_node_get(child) ? 0 : -ENODEV;
    +\tfor_each_child_of_node(np, child) {
    +\t\tif (of_device_is_compatible(child, "foo,quux"))
    +\t\t\treturn bar_take(child);
    +\t}
    +\tof_node_put(found);
     \treturn 0;
""")

GOTO_UNSEEN = diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -10,2 +10,7 @@ static int bar_probe(struct platform_device *pdev)
     {
    +\tfor_each_compatible_node(np, NULL, "foo,bar") {
    +\t\tif (bar_add(np))
    +\t\t\tgoto err;
    +\t}
    +\treturn 0;
     \treturn 0;
""")


def test_fires_on_removed_put_before_break():
    assert_fires(iterator_ref_leak, KNAV_PUT_REMOVED, at=[("drivers/soc/ti/knav_dma.c", 738, "old")])


def test_quiet_on_the_fix():
    assert_quiet(iterator_ref_leak, KNAV_FIX, include_low=True)


def test_fires_on_added_return_in_another_iterator():
    assert_fires(iterator_ref_leak, EMC_RETURN_ADDED, at=[("drivers/clk/tegra/clk-tegra124-emc.c", 465)])


def test_quiet_on_scoped_handoff_inner_switch_put_after_loop():
    assert_quiet(iterator_ref_leak, QUIET, include_low=True)


def test_a_new_loop_or_an_unseen_label_is_a_low_confidence_question():
    assert_quiet(iterator_ref_leak, GOTO_UNSEEN)
    assert_fires(iterator_ref_leak, GOTO_UNSEEN, at=[("drivers/foo/bar.c", 13)], include_low=True)


# The same bug written into an existing loop (tmp421's 6.12 loop before it became _scoped): a
# return added in a loop the patch did not write is reported, once per loop.
TMP421_EXISTING_LOOP = diff("""
    --- a/drivers/hwmon/tmp421.c
    +++ b/drivers/hwmon/tmp421.c
    @@ -414,4 +414,10 @@ static int tmp421_probe_from_dt(struct i2c_client *client, struct tmp421_data *d
     	for_each_child_of_node(np, child) {
     		if (strcmp(child->name, "channel"))
     			continue;
    +		if (!of_device_is_available(child))
    +			return -ENODEV;
    +
    +		err = tmp421_probe_child_from_dt(client, child, data);
    +		if (err)
    +			return err;
     	}
""")


def test_fires_once_per_loop_at_the_first_exit():
    assert_fires(iterator_ref_leak, TMP421_EXISTING_LOOP, at=[("drivers/hwmon/tmp421.c", 418)])


# ------------------------------------------------ paraphrases (moved from MOD003's tests)
# for_each_child_of_node() and the other `for_each_*` rows of the API table hold the node of
# the current round; leaving the body with return/goto/break keeps it.

LOOP_RETURN = diff("""
    --- a/drivers/pinctrl/foo/pinctrl-foo.c
    +++ b/drivers/pinctrl/foo/pinctrl-foo.c
    @@ -301,9 +301,11 @@ static int foo_pinctrl_parse_groups(struct device_node *np, struct foo_pinctrl *pc)
     \tfor_each_child_of_node(np, child) {
     \t\tret = foo_pinctrl_parse_group(child, pc, idx++);
     \t\tif (ret) {
     \t\t\tof_node_put(child);
     \t\t\treturn ret;
     \t\t}
    +\t\tif (idx > pc->ngroups)
    +\t\t\treturn -EINVAL;
     \t}
     \treturn 0;
     }
""")

LOOP_RETURN_FIXED = diff("""
    --- a/drivers/pinctrl/foo/pinctrl-foo.c
    +++ b/drivers/pinctrl/foo/pinctrl-foo.c
    @@ -301,9 +301,13 @@ static int foo_pinctrl_parse_groups(struct device_node *np, struct foo_pinctrl *pc)
     \tfor_each_child_of_node(np, child) {
     \t\tret = foo_pinctrl_parse_group(child, pc, idx++);
     \t\tif (ret) {
     \t\t\tof_node_put(child);
     \t\t\treturn ret;
     \t\t}
    +\t\tif (idx > pc->ngroups) {
    +\t\t\tof_node_put(child);
    +\t\t\treturn -EINVAL;
    +\t\t}
     \t}
     \treturn 0;
     }
""")

# Paraphrase: the fwnode iterator, a goto to an unwind label that does not put the child.
LOOP_GOTO = diff("""
    --- a/drivers/leds/leds-foo.c
    +++ b/drivers/leds/leds-foo.c
    @@ -120,10 +120,12 @@ static int foo_leds_probe(struct platform_device *pdev)
     \tdevice_for_each_child_node(dev, child) {
     \t\tled = &priv->leds[i++];
     \t\tret = foo_led_register(dev, led, child);
    +\t\tif (ret)
    +\t\t\tgoto err_unregister;
     \t}
     \treturn 0;
     
     err_unregister:
     \tfoo_leds_unregister(priv, i);
     \treturn ret;
     }
""")

# Look-alikes: a scoped iterator drops the node itself; a break whose node is put after the loop.
LOOP_SCOPED = diff("""
    --- a/drivers/leds/leds-foo.c
    +++ b/drivers/leds/leds-foo.c
    @@ -120,6 +120,8 @@ static int foo_leds_probe(struct platform_device *pdev)
     \tdevice_for_each_child_node_scoped(dev, child) {
     \t\tled = &priv->leds[i++];
     \t\tret = foo_led_register(dev, led, child);
    +\t\tif (ret)
    +\t\t\treturn ret;
     \t}
     \treturn 0;
     }
""")

LOOP_BREAK_PUT_AFTER = diff("""
    --- a/drivers/soc/foo/foo-pm.c
    +++ b/drivers/soc/foo/foo-pm.c
    @@ -50,8 +50,10 @@ static int foo_pm_find_domain(struct device_node *np, u32 id)
     \tfor_each_available_child_of_node(np, child) {
     \t\tif (of_property_read_u32(child, "reg", &reg))
     \t\t\tcontinue;
    +\t\tif (reg == id)
    +\t\t\tbreak;
     \t}
     \tret = child ? foo_pm_init_domain(child) : -ENODEV;
     \tof_node_put(child);
     \treturn ret;
     }
""")


def test_fires_on_return_out_of_a_node_iterator():
    assert_fires(iterator_ref_leak, LOOP_RETURN, at=[("drivers/pinctrl/foo/pinctrl-foo.c", 308)])


def test_fires_on_goto_out_of_a_fwnode_iterator():
    assert_fires(iterator_ref_leak, LOOP_GOTO, at=[("drivers/leds/leds-foo.c", 124)])


def test_quiet_on_iterator_exits_that_drop_the_node():
    for series in (LOOP_RETURN_FIXED, LOOP_SCOPED, LOOP_BREAK_PUT_AFTER):
        assert_quiet(iterator_ref_leak, series, include_low=True)




# A `_scoped` loop made plain: the cleanup that dropped the cursor at every exit is gone
# (rzn1_pinctrl_probe_dt() of 6.12, the reverse of a "use the scoped iterator" fix).
UNSCOPED = """
    --- a/drivers/pinctrl/renesas/pinctrl-rzn1.c
    +++ b/drivers/pinctrl/renesas/pinctrl-rzn1.c
    @@ -836,7 +837,7 @@ static int rzn1_pinctrl_probe_dt(struct platform_device *pdev,
     \tif (!ipctl->groups)
     \t\treturn -ENOMEM;
     
    -\tfor_each_child_of_node_scoped(np, child) {
    +\tfor_each_child_of_node(np, child) {
     \t\tret = rzn1_pinctrl_parse_functions(child, ipctl, i++);
     \t\tif (ret < 0)
     \t\t\treturn ret;
"""


def test_fires_on_a_scoped_loop_made_plain_at_its_visible_exit():
    assert_fires(iterator_ref_leak, diff(UNSCOPED), at=[("drivers/pinctrl/renesas/pinctrl-rzn1.c", 843)])


def test_fires_at_the_header_when_the_body_runs_past_the_hunk():
    cut = UNSCOPED.replace("@@ -836,7 +837,7 @@", "@@ -836,6 +837,6 @@").replace("     \t\t\treturn ret;\n", "")
    cut = cut.replace("     \t\tif (ret < 0)\n", "")
    cut = cut.replace("@@ -836,6 +837,6 @@", "@@ -836,5 +837,5 @@")
    assert_fires(iterator_ref_leak, diff(cut), at=[("drivers/pinctrl/renesas/pinctrl-rzn1.c", 840)])


def test_quiet_on_the_fix_that_makes_it_scoped():
    fix = UNSCOPED.replace("    -\tfor_each_child_of_node_scoped(np, child) {\n    +\tfor_each_child_of_node(np, child) {",
                           "    -\tfor_each_child_of_node(np, child) {\n    +\tfor_each_child_of_node_scoped(np, child) {")
    assert_quiet(iterator_ref_leak, diff(fix), include_low=True)


def test_quiet_when_the_plain_loop_puts_before_its_exit():
    put = UNSCOPED.replace("@@ -836,7 +837,7 @@", "@@ -836,7 +837,9 @@").replace(
        "     \t\tif (ret < 0)\n     \t\t\treturn ret;\n",
        "    -\t\tif (ret < 0)\n    +\t\tif (ret < 0) {\n    +\t\t\tof_node_put(child);\n     \t\t\treturn ret;\n    +\t\t}\n")
    assert_quiet(iterator_ref_leak, diff(put), include_low=True)
