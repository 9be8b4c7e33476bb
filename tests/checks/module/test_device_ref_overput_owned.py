"""MOD019 over-puts of a reference someone else owns at that point: a table hand-off took it
(`fd_install()`), a scope-based cleanup will drop it (`__free()`), or the caller of an OF
match-table init callback holds it (`CLK_OF_DECLARE()`, `TIMER_OF_DECLARE()`, ...).  And MOD003
stays silent on the fix of each (the patch removing the extra put).  Fixtures are paraphrases
of 6.12 code (drm_syncobj_get_fd(), arch_topology.c, clk-npcm7xx.c, arc_timer.c)."""

from reviewbot.checks.module import device_ref_imbalance, get_without_put_on_exit
from tests.helpers import assert_fires, assert_quiet, diff, run_rule, tree_case

# fd_install(): "This consumes the "file" refcount, so callers should treat it as if they had
# called fput(file)" (fs/file.c).
FPUT_AFTER_INSTALL = diff("""
    --- a/drivers/gpu/drm/foo/foo_fence.c
    +++ b/drivers/gpu/drm/foo/foo_fence.c
    @@ -210,8 +210,9 @@ int foo_fence_get_fd(struct foo_fence *fence, int *p_fd)
     \t\treturn PTR_ERR(file);
     \t}
     
     \tfoo_fence_get(fence);
     \tfd_install(fd, file);
    +\tfput(file);
     
     \t*p_fd = fd;
     \treturn 0;
""")

FPUT_AFTER_INSTALL_FIX = diff("""
    --- a/drivers/gpu/drm/foo/foo_fence.c
    +++ b/drivers/gpu/drm/foo/foo_fence.c
    @@ -210,9 +210,8 @@ int foo_fence_get_fd(struct foo_fence *fence, int *p_fd)
     \t\treturn PTR_ERR(file);
     \t}
     
     \tfoo_fence_get(fence);
     \tfd_install(fd, file);
    -\tfput(file);
     
     \t*p_fd = fd;
     \treturn 0;
""")

# A second reference taken for the table to consume: the caller's own one is still there.
FPUT_AFTER_INSTALL_OF_EXTRA_REF = diff("""
    --- a/drivers/gpu/drm/foo/foo_fence.c
    +++ b/drivers/gpu/drm/foo/foo_fence.c
    @@ -210,7 +210,10 @@ int foo_fence_export(struct foo_fence *fence, int *p_fd)
     \tfile = fence->file;
     \tif (!file)
     \t\treturn -ENOENT;
    -\tfd_install(fd, file);
    +\tget_file(file);
    +\tfd_install(fd,
    +\t\t   file);
     \tfoo_fence_mark(fence);
    +\tfput(file);
     \t*p_fd = fd;
     \treturn 0;
""")

# filp_close() ends in fput(): a put after it drops the reference a second time.
FPUT_AFTER_CLOSE = diff("""
    --- a/drivers/misc/foo/foo_fw.c
    +++ b/drivers/misc/foo/foo_fw.c
    @@ -88,5 +88,6 @@ static int foo_fw_load(struct foo *foo, const char *path)
     \tret = kernel_read(filp, foo->buf, foo->size, &pos);
     \tfilp_close(filp, NULL);
    +\tfput(filp);
     \tif (ret != foo->size)
     \t\treturn ret < 0 ? ret : -EIO;
     \treturn 0;
""")


def test_put_after_fd_install_fires():
    assert_fires(device_ref_imbalance, FPUT_AFTER_INSTALL, [("drivers/gpu/drm/foo/foo_fence.c", 215)])


def test_put_after_filp_close_fires():
    assert_fires(device_ref_imbalance, FPUT_AFTER_CLOSE, [("drivers/misc/foo/foo_fw.c", 90)])


def test_put_after_install_of_an_extra_reference_is_quiet():
    assert_quiet(device_ref_imbalance, FPUT_AFTER_INSTALL_OF_EXTRA_REF, include_low=True)


def test_removing_the_put_after_install_is_quiet():
    assert_quiet(device_ref_imbalance, FPUT_AFTER_INSTALL_FIX)
    assert_quiet(get_without_put_on_exit, FPUT_AFTER_INSTALL_FIX)


# `__free(device_node)`: the cleanup runs of_node_put() when cpu_node goes out of scope.
SCOPED_PUT = diff("""
    --- a/drivers/base/foo_topology.c
    +++ b/drivers/base/foo_topology.c
    @@ -520,16 +520,17 @@ static int __init foo_cpu_for_node(struct device_node *node)
     {
     \tint cpu;
     \tstruct device_node *cpu_node __free(device_node) =
     \t\tof_parse_phandle(node, "cpu", 0);
     
     \tif (!cpu_node)
     \t\treturn -1;
     
     \tcpu = of_cpu_node_to_id(cpu_node);
     \tif (cpu >= 0)
     \t\tfoo_parse_capacity(cpu_node, cpu);
     \telse
     \t\tpr_info("CPU node for %pOF has no possible cpu\\n", cpu_node);
    +\tof_node_put(cpu_node);
     
     \treturn cpu;
     }
""")

SCOPED_PUT_FIX = diff("""
    --- a/drivers/base/foo_topology.c
    +++ b/drivers/base/foo_topology.c
    @@ -520,17 +520,16 @@ static int __init foo_cpu_for_node(struct device_node *node)
     {
     \tint cpu;
     \tstruct device_node *cpu_node __free(device_node) =
     \t\tof_parse_phandle(node, "cpu", 0);
     
     \tif (!cpu_node)
     \t\treturn -1;
     
     \tcpu = of_cpu_node_to_id(cpu_node);
     \tif (cpu >= 0)
     \t\tfoo_parse_capacity(cpu_node, cpu);
     \telse
     \t\tpr_info("CPU node for %pOF has no possible cpu\\n", cpu_node);
    -\tof_node_put(cpu_node);
     
     \treturn cpu;
     }
""")

# The put is followed by `np = NULL`: the cleanup then puts nothing.
SCOPED_PUT_CLEARED = diff("""
    --- a/drivers/soc/foo/foo-pm.c
    +++ b/drivers/soc/foo/foo-pm.c
    @@ -40,9 +40,11 @@ static int foo_pm_probe(struct platform_device *pdev)
     \tstruct fwnode_handle *child __free(fwnode_handle) =
     \t\tdevice_get_named_child_node(&pdev->dev, "regs");
     
     \tif (!child)
     \t\treturn -ENODEV;
     \tret = foo_pm_parse(pdev, child);
    +\tfwnode_handle_put(child);
    +\tchild = NULL;
     \tif (ret)
     \t\treturn ret;
     \treturn foo_pm_register(pdev);
""")

# In a `for_each_*` style inner scope: the cleanup runs at the end of every round.
SCOPED_PUT_IN_LOOP = diff("""
    --- a/drivers/base/foo_topology.c
    +++ b/drivers/base/foo_topology.c
    @@ -603,10 +603,11 @@ static int __init foo_parse_cluster(struct device_node *cluster, int depth)
     \t\tsnprintf(name, sizeof(name), "cluster%d", i);
     \t\tstruct device_node *c __free(device_node) =
     \t\t\tof_get_child_by_name(cluster, name);
     
     \t\tif (!c)
     \t\t\tbreak;
     \t\tret = foo_parse_cluster(c, depth + 1);
    +\t\tof_node_put(c);
     \t\tif (ret != 0)
     \t\t\treturn ret;
     \t\ti++;
""")


def test_put_of_a_scoped_variable_fires():
    assert_fires(device_ref_imbalance, SCOPED_PUT, [("drivers/base/foo_topology.c", 533)])


def test_put_of_a_scoped_variable_in_a_loop_fires():
    assert_fires(device_ref_imbalance, SCOPED_PUT_IN_LOOP, [("drivers/base/foo_topology.c", 610)])


def test_scoped_variable_cleared_after_the_put_is_quiet():
    assert_quiet(device_ref_imbalance, SCOPED_PUT_CLEARED, include_low=True)


def test_removing_the_put_of_a_scoped_variable_is_quiet():
    assert_quiet(device_ref_imbalance, SCOPED_PUT_FIX)
    assert_quiet(get_without_put_on_exit, SCOPED_PUT_FIX)


# timer_probe() calls a TIMER_OF_DECLARE() callback inside for_each_matching_node_and_match():
# the iterator drops the node at the next step.  The registration line follows the function.
DECLARED_PUT = diff("""
    --- a/drivers/clocksource/foo_timer.c
    +++ b/drivers/clocksource/foo_timer.c
    @@ -114,8 +114,9 @@ static int __init foo_cs_setup(struct device_node *node)
     \tif (ret)
     \t\treturn ret;
     
     \tsched_clock_register(foo_clock_read, 64, foo_timer_freq);
    +\tof_node_put(node);
     
     \treturn clocksource_register_hz(&foo_counter, foo_timer_freq);
     }
     TIMER_OF_DECLARE(foo_cs, "foo,soc-timer", foo_cs_setup);
""")

# The hunk shows the whole function from its header (the section line is the declaration above).
DECLARED_PUT_WHOLE = diff("""
    --- a/drivers/clk/foo/clk-usb.c
    +++ b/drivers/clk/foo/clk-usb.c
    @@ -248,5 +248,6 @@ static DEFINE_SPINLOCK(foo_usb_phy_lock);
     static void __init foo_usb_phy_setup(struct device_node *node)
     {
     \tfoo_usb_clk_setup(node, &foo_usb_phy_data, &foo_usb_phy_lock);
    +\tof_node_put(node);
     }
     CLK_OF_DECLARE(foo_usb_phy, "foo,a80-usb-phy-clk", foo_usb_phy_setup);
""")

# A callback that takes its own reference on the node may drop it.
DECLARED_OWN_GET = diff("""
    --- a/drivers/clocksource/foo_timer.c
    +++ b/drivers/clocksource/foo_timer.c
    @@ -114,8 +114,9 @@ static int __init foo_cs_setup(struct device_node *node)
     \tfoo_timer.np = of_node_get(node);
     \tret = foo_timer_start(&foo_timer);
     \tif (ret) {
    +\t\tof_node_put(node);
     \t\treturn ret;
     \t}
     \treturn clocksource_register_hz(&foo_counter, foo_timer_freq);
     }
     TIMER_OF_DECLARE(foo_cs, "foo,soc-timer", foo_cs_setup);
""")

# Not registered through a match table: a helper's parameter.  Its caller holds the node (6.12
# has two helpers whose callers hand the reference over, both in pmac64-cpufreq): a put on the
# path that returns the result is reported by the given-node check; on an error path (a
# helper that consumes its caller's reference on failure) it stays a question.
UNDECLARED_PUT = diff("""
    --- a/drivers/clocksource/foo_timer.c
    +++ b/drivers/clocksource/foo_timer.c
    @@ -114,8 +114,9 @@ static int __init foo_cs_setup(struct device_node *node)
     \tif (ret)
     \t\treturn ret;
     
     \tsched_clock_register(foo_clock_read, 64, foo_timer_freq);
    +\tof_node_put(node);
     
     \treturn clocksource_register_hz(&foo_counter, foo_timer_freq);
     }
     EXPORT_SYMBOL_GPL(foo_cs_setup);
""")


def test_put_of_a_declared_callbacks_node_fires():
    assert_fires(device_ref_imbalance, DECLARED_PUT, [("drivers/clocksource/foo_timer.c", 118)])


def test_put_of_a_declared_callbacks_node_shown_from_its_header_fires():
    assert_fires(device_ref_imbalance, DECLARED_PUT_WHOLE, [("drivers/clk/foo/clk-usb.c", 251)])


def test_declared_callback_with_its_own_get_is_quiet():
    assert_quiet(device_ref_imbalance, DECLARED_OWN_GET, include_low=True)


UNDECLARED_PUT_ON_ERROR = diff("""
    --- a/drivers/clocksource/foo_timer.c
    +++ b/drivers/clocksource/foo_timer.c
    @@ -114,7 +114,9 @@ static int __init foo_cs_setup(struct device_node *node)
     \tret = foo_timer_start(&foo_timer);
    -\tif (ret)
    +\tif (ret) {
    +\t\tof_node_put(node);
     \t\treturn ret;
    +\t}
     
     \tsched_clock_register(foo_clock_read, 64, foo_timer_freq);
     
     \treturn clocksource_register_hz(&foo_counter, foo_timer_freq);
""")


def test_put_of_an_undeclared_helpers_node_is_reported_by_the_given_node_check():
    review = run_rule(device_ref_imbalance, UNDECLARED_PUT, None)
    (f,) = review.shown()
    assert (f.line, "never took" in f.message) == (118, True)


def test_put_of_an_undeclared_helpers_node_on_an_error_path_is_a_question():
    assert_quiet(device_ref_imbalance, UNDECLARED_PUT_ON_ERROR)
    assert_fires(device_ref_imbalance, UNDECLARED_PUT_ON_ERROR, [("drivers/clocksource/foo_timer.c", 116)],
                 include_low=True)


# Tree mode: the registration sits far below; the fix (clk-npcm7xx.c in 6.12 puts its node on
# both exits) must not read as a leak.
NPCM_PRE = """\
static void __init foo_clk_init(struct device_node *clk_np)
{
\tstruct resource res;
\tint ret;

\tret = of_address_to_resource(clk_np, 0, &res);
\tif (ret) {
\t\tpr_err("%pOFn: failed to get resource, ret %d\\n", clk_np, ret);
\t\treturn;
\t}
\tclk_base = ioremap(res.start, resource_size(&res));
\tif (!clk_base)
\t\tgoto foo_init_error;

\tret = of_clk_add_hw_provider(clk_np, of_clk_hw_onecell_get, foo_clk_data);
\tif (ret)
\t\tpr_err("failed to add DT provider: %d\\n", ret);

\tof_node_put(clk_np);

\treturn;

foo_init_error:
\tof_node_put(clk_np);
}

static const struct of_device_id foo_other_ids[] = {
\t{ .compatible = "foo,other" },
\t{ }
};

CLK_OF_DECLARE(foo_clk_init, "foo,foo750-clk", foo_clk_init);
"""
NPCM_POST = NPCM_PRE.replace("\tof_node_put(clk_np);\n\n\treturn;", "\treturn;").replace(
    "foo_init_error:\n\tof_node_put(clk_np);\n", "foo_init_error:\n\tiounmap(clk_base);\n")


def test_tree_mode_declared_callback_fires_and_its_fix_is_quiet():
    path = "drivers/clk/clk-foo.c"
    series, ctx = tree_case(path, NPCM_POST, NPCM_PRE)
    assert_fires(device_ref_imbalance, series, [(path, 19), (path, 24)], context_for=ctx)
    series, ctx = tree_case(path, NPCM_PRE, NPCM_POST)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)
    assert_quiet(device_ref_imbalance, series, context_for=ctx)


# input_unregister_device() ends in input_put_device() (drivers/input/input.c): the
# input_free_device() after it puts the device a second time.
INPUT_FREE_AFTER_UNREGISTER = diff("""
    --- a/drivers/input/touchscreen/foo_ts.c
    +++ b/drivers/input/touchscreen/foo_ts.c
    @@ -301,6 +301,7 @@ static void foo_ts_remove(struct i2c_client *client)
     
     \tfree_irq(client->irq, ts);
     \tinput_unregister_device(ts->input);
    +\tinput_free_device(ts->input);
     \tkfree(ts);
     }
     
""")

INPUT_FREE_AFTER_UNREGISTER_FIX = diff("""
    --- a/drivers/input/touchscreen/foo_ts.c
    +++ b/drivers/input/touchscreen/foo_ts.c
    @@ -301,7 +301,6 @@ static void foo_ts_remove(struct i2c_client *client)
     
     \tfree_irq(client->irq, ts);
     \tinput_unregister_device(ts->input);
    -\tinput_free_device(ts->input);
     \tkfree(ts);
     }
     
""")

# input_free_device() where input_register_device() failed: the one put the allocation owes.
INPUT_FREE_ON_FAILED_REGISTER = diff("""
    --- a/drivers/input/touchscreen/foo_ts.c
    +++ b/drivers/input/touchscreen/foo_ts.c
    @@ -250,8 +250,10 @@ static int foo_ts_probe(struct i2c_client *client)
     \tinput_set_drvdata(input, ts);
     
     \terr = input_register_device(input);
    -\tif (err)
    +\tif (err) {
    +\t\tinput_free_device(input);
     \t\treturn err;
    +\t}
     
     \treturn 0;
     }
""")


def test_input_free_after_unregister_fires_and_its_fix_is_quiet():
    assert_fires(device_ref_imbalance, INPUT_FREE_AFTER_UNREGISTER,
                 [("drivers/input/touchscreen/foo_ts.c", 304)])
    assert_quiet(device_ref_imbalance, INPUT_FREE_AFTER_UNREGISTER_FIX)
    assert_quiet(get_without_put_on_exit, INPUT_FREE_AFTER_UNREGISTER_FIX)


def test_input_free_on_a_failed_register_is_quiet():
    assert_quiet(device_ref_imbalance, INPUT_FREE_ON_FAILED_REGISTER, include_low=True)

