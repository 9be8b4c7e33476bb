"""Tree mode's path count (checks/module/_refcount.py, _refdiff.py): references counted along
every path of the pre- and post-image; what the post-image newly does is reported."""

from reviewbot.analysis import cmodel
from reviewbot.checks.module import _refcount, device_ref_imbalance, get_without_put_on_exit, use_after_put

from tests import helpers

PATH = "drivers/phy/foo/phy-foo.c"

# real-shaped (drivers/phy/ti/phy-omap-usb2.c, drivers/soc/*): a phandle node held across
# an unwind ladder, a device found by node, the parameter device under two names
PROBE = """// SPDX-License-Identifier: GPL-2.0
static int foo_phy_probe(struct platform_device *pdev)
{
\tstruct device *dev = &pdev->dev;
\tstruct device_node *np;
\tstruct platform_device *ctrl;
\tstruct foo_phy *phy;
\tint ret;

\tphy = kzalloc(sizeof(*phy), GFP_KERNEL);
\tif (!phy)
\t\treturn -ENOMEM;
\tnp = of_parse_phandle(dev->of_node, "ctrl-module", 0);
\tif (!np) {
\t\tret = -ENODEV;
\t\tgoto err_free;
\t}
\tctrl = of_find_device_by_node(np);
\tif (!ctrl) {
\t\tret = -EPROBE_DEFER;
\t\tgoto err_node;
\t}
\tret = foo_phy_setup(phy, ctrl);
\tif (ret)
\t\tgoto err_ctrl;
\tswitch (phy->mode) {
\tcase FOO_USB2:
\t\tret = foo_phy_usb2(phy);
\t\tbreak;
\tdefault:
\t\tret = -EINVAL;
\t\tgoto err_ctrl;
\t}
\tif (ret)
\t\tgoto err_ctrl;
\tphy->ctrl = &ctrl->dev;
\tof_node_put(np);
\tplatform_set_drvdata(pdev, phy);
\treturn 0;

err_ctrl:
\tput_device(&ctrl->dev);
err_node:
\tof_node_put(np);
err_free:
\tkfree(phy);
\treturn ret;
}

static void foo_phy_remove(struct platform_device *pdev)
{
\tstruct foo_phy *phy = platform_get_drvdata(pdev);

\tput_device(phy->ctrl);
\tkfree(phy);
}
"""


def _line(text: str, needle: str, nth: int = 1) -> int:
    return [i for i, ln in enumerate(text.splitlines(), 1) if needle in ln][nth - 1]


def _found(module, pre: str, post: str) -> set:
    series, ctx_for = helpers.tree_case(PATH, pre, post)
    return {(f.line, f.side.value) for f in helpers.run_rule(module, series, ctx_for).shown()}


def _events(text: str, name: str = "foo_phy_probe") -> set:
    func = cmodel.parse(text).function_named(name)
    got, complete = _refcount.events(func, text)
    assert complete
    return got


def test_the_6_12_shaped_probe_balances_on_every_path():
    # the failure sides of the lookups hold nothing; the ladder drops what each goto owes;
    # the device kept in phy->ctrl is the remove()'s to drop
    assert not {e for e in _events(PROBE) if e.kind in ("leak", "overput")}


def test_put_removed_from_a_label_several_gotos_reach():
    post = PROBE.replace("err_ctrl:\n\tput_device(&ctrl->dev);\n", "err_ctrl:\n", 1)
    assert (_line(PROBE, "put_device(&ctrl->dev)"), "old") in _found(get_without_put_on_exit, PROBE, post)
    assert not _found(get_without_put_on_exit, post, PROBE)  # the fix


def test_get_moved_above_an_early_return():
    post = PROBE.replace("\tphy = kzalloc(sizeof(*phy), GFP_KERNEL);\n\tif (!phy)\n\t\treturn -ENOMEM;\n"
                         "\tnp = of_parse_phandle(dev->of_node, \"ctrl-module\", 0);\n",
                         "\tnp = of_parse_phandle(dev->of_node, \"ctrl-module\", 0);\n"
                         "\tphy = kzalloc(sizeof(*phy), GFP_KERNEL);\n\tif (!phy)\n\t\treturn -ENOMEM;\n", 1)
    assert post != PROBE
    got = _found(get_without_put_on_exit, PROBE, post)
    assert any(abs(line - _line(post, "return -ENOMEM")) <= 3 for line, side in got if side == "new")


def test_put_moved_after_the_return():
    post = PROBE.replace("\tof_node_put(np);\n\tplatform_set_drvdata(pdev, phy);\n\treturn 0;\n",
                         "\tplatform_set_drvdata(pdev, phy);\n\treturn 0;\n\tof_node_put(np);\n", 1)
    assert post != PROBE
    got = _found(get_without_put_on_exit, PROBE, post)
    # at the return that now leaves with the node, or at the put removed above it
    assert any(abs(line - _line(post, "return 0;")) <= 1 for line, _ in got), got


def test_goto_into_the_ladder_below_the_put():
    post = PROBE.replace("\t\tret = -EINVAL;\n\t\tgoto err_ctrl;\n", "\t\tret = -EINVAL;\n\t\tgoto err_node;\n", 1)
    assert (_line(post, "goto err_node", 2), "new") in _found(get_without_put_on_exit, PROBE, post)


def test_second_put_on_one_path_of_a_switch():
    post = PROBE.replace("\t\tret = foo_phy_usb2(phy);\n",
                         "\t\tret = foo_phy_usb2(phy);\n\t\tof_node_put(np);\n", 1)
    assert (_line(post, "of_node_put(np)"), "new") in _found(device_ref_imbalance, PROBE, post)
    assert not _found(device_ref_imbalance, post, PROBE)


def test_use_after_the_put_that_dropped_the_paths_reference():
    post = PROBE.replace("\tof_node_put(np);\n\tplatform_set_drvdata(pdev, phy);\n",
                         "\tof_node_put(np);\n\tphy->index = np->phandle;\n\tplatform_set_drvdata(pdev, phy);\n", 1)
    assert (_line(post, "np->phandle"), "new") in _found(use_after_put, PROBE, post)


def test_the_parameter_device_named_two_ways_balances():
    pre = PROBE.replace("\tret = foo_phy_setup(phy, ctrl);\n",
                        "\tget_device(&pdev->dev);\n\tret = foo_phy_setup(phy, ctrl);\n\tput_device(dev);\n", 1)
    post = pre.replace("\tret = foo_phy_setup(phy, ctrl);\n", "\tret = foo_phy_setup(phy, ctrl);\n\tfoo_log(phy);\n", 1)
    assert not _found(get_without_put_on_exit, pre, post)
    assert not _found(device_ref_imbalance, pre, post)


def test_an_extra_get_on_a_returned_object_leaks_one():
    # drivers/iio/industrialio-trigger.c viio_trigger_alloc(): the caller gets one reference
    pre = ("struct foo *foo_alloc(struct device *parent)\n{\n\tstruct foo *foo;\n\n"
           "\tfoo = kzalloc(sizeof(*foo), GFP_KERNEL);\n\tif (!foo)\n\t\treturn NULL;\n"
           "\tfoo->dev.parent = parent;\n\tdevice_initialize(&foo->dev);\n\tfoo_setup(foo);\n\n\treturn foo;\n}\n\n"
           "void foo_free(struct foo *foo)\n{\n\tput_device(&foo->dev);\n}\n")
    post = pre.replace("\tfoo_setup(foo);\n", "\tfoo_setup(foo);\n\tget_device(&foo->dev);\n", 1)
    assert (_line(post, "get_device"), "new") in _found(get_without_put_on_exit, pre, post)
    assert not _found(get_without_put_on_exit, post, pre)


def test_failure_sides_of_the_table_getters_hold_nothing():
    text = ("int f(struct foo *foo)\n{\n\tstruct device_node *np;\n\tint ret;\n\n"
            "\tif (!try_module_get(foo->owner))\n\t\treturn -ENODEV;\n"
            "\tnp = of_get_child_by_name(foo->np, \"x\");\n\tif (IS_ERR_OR_NULL(np)) {\n"
            "\t\tmodule_put(foo->owner);\n\t\treturn -ENOENT;\n\t}\n"
            "\tret = kobject_init_and_add(&foo->kobj, &foo_ktype, NULL, \"foo\");\n"
            "\tif (ret) {\n\t\tkobject_put(&foo->kobj);\n\t\tof_node_put(np);\n\t\tmodule_put(foo->owner);\n"
            "\t\treturn ret;\n\t}\n\tof_node_put(np);\n\tmodule_put(foo->owner);\n\treturn 0;\n}\n")
    got = _events(text, "f")
    assert not {e for e in got if e.kind in ("leak", "overput")}, got  # the kobject is foo's on success
    # kobject_init_and_add(): the caller owns the object when it failed too
    leaky = text.replace("\t\tkobject_put(&foo->kobj);\n", "", 1)
    assert {(e.kind, e.api) for e in _events(leaky, "f")} >= {("leak", "kobject_init_and_add")}


# drivers/soc/samsung/exynos-pmu.c exynos_get_pmu_regmap_by_phandle(), shortened: the node is a
# reference only when `propname` is set, and is put under the same test
PMU = """struct regmap *foo_get_regmap(struct device_node *np, const char *propname)
{
\tstruct device_node *pmu_np;
\tstruct regmap *map;

\tif (propname)
\t\tpmu_np = of_parse_phandle(np, propname, 0);
\telse
\t\tpmu_np = np;
\tif (!pmu_np)
\t\treturn ERR_PTR(-ENODEV);
\tmap = foo_lookup(pmu_np);
\tif (propname)
\t\tof_node_put(pmu_np);
\tif (!map)
\t\treturn ERR_PTR(-EPROBE_DEFER);
\treturn map;
}
"""


def test_a_test_the_function_repeats_is_one_condition():
    assert not {e for e in _events(PMU, "foo_get_regmap") if e.kind in ("leak", "overput")}


def test_the_path_count_judges_exit_leaks_in_functions_it_walked():
    from reviewbot.checks.module import _refdiff
    from reviewbot.context import Context, FileImages
    from reviewbot.diffparse import parse_diff
    import difflib

    path = "drivers/soc/foo.c"
    post = PMU.replace("\tmap = foo_lookup(pmu_np);\n",
                       "\tmap = foo_lookup(pmu_np);\n\tif (foo_busy(map))\n\t\treturn ERR_PTR(-EBUSY);\n", 1)
    post = post.replace("\tif (!map)\n", "\tif (!map || IS_ERR(map))\n", 1)
    body = "".join(difflib.unified_diff(PMU.splitlines(True), post.splitlines(True), f"a/{path}", f"b/{path}"))
    (fd,) = parse_diff(body)
    v = _refdiff.verdict(fd, Context(mode="tree", files={path: FileImages(pre=PMU, post=post)}))
    assert not v.refutes("new", _line(post, "return ERR_PTR(-EBUSY)"))  # a new leak: the put is below it
    assert v.refutes("new", _line(post, "return ERR_PTR(-EPROBE_DEFER)"))  # after the put: nothing held
    assert not v.refutes("new", 1000)  # outside the functions it walked: not its to judge


def test_a_helper_of_the_file_that_puts_its_argument_drops_the_reference():
    helper = "static void foo_phy_cleanup(struct foo_phy *phy)\n{\n\tof_node_put(phy->np);\n\tkfree(phy);\n}\n\n"
    pre = helper + PROBE.replace("\tret = foo_phy_setup(phy, ctrl);\n",
                                 "\tphy->np = np;\n\tret = foo_phy_setup(phy, ctrl);\n", 1)
    # the new exit unwinds through the helper, which puts phy->np: nothing leaks
    post = pre.replace("\tif (ret)\n\t\tgoto err_ctrl;\n\tswitch",
                       "\tif (ret == -EAGAIN) {\n\t\tput_device(&ctrl->dev);\n\t\tfoo_phy_cleanup(phy);\n"
                       "\t\treturn ret;\n\t}\n\tif (ret)\n\t\tgoto err_ctrl;\n\tswitch", 1)
    assert post != pre
    assert not {e for e in _events(post) if e.kind == "leak"} - {e for e in _events(pre) if e.kind == "leak"}
    assert not _found(get_without_put_on_exit, pre, post)


# drivers/net/ethernet/ti/netcp_core.c (6.12, netcp_module_probe()): the loop cursor tested
# after a `for_each_*` loop left by `break`: an iterator is no table getter (it crashed the
# count once: no API row to ask how it fails).
CURSOR_TESTED_AFTER_LOOP = """static int foo_module_probe(struct device_node *node, struct device *dev)
{
\tstruct device_node *devices, *child;

\tdevices = of_get_child_by_name(node, "netcp-devices");
\tif (!devices)
\t\treturn -ENODEV;

\tfor_each_available_child_of_node(devices, child) {
\t\tif (foo_match(child))
\t\t\tbreak;
\t}

\tof_node_put(devices);
\tif (!child)
\t\treturn -ENODEV;

\tfoo_attach(dev, child);
\tof_node_put(child);
\treturn 0;
}
"""


def test_a_cursor_tested_after_its_loop_is_counted():
    func = cmodel.parse(CURSOR_TESTED_AFTER_LOOP).functions[0]
    got = _refcount.events(func, CURSOR_TESTED_AFTER_LOOP)
    assert got is not None
    events, _complete = got
    assert not [e for e in events if e.kind == "leak"]


def test_a_failure_test_of_an_iterator_cursor_is_counted_without_a_getter_row():
    # the loop variable carries its macro's name (for_each_available_child_of_node), which
    # is no getter of the table: testing it for NULL must not crash the walk
    src = """
static int foo_parse(struct device_node *np)
{
\tstruct device_node *child;
\tint ret;

\tfor_each_available_child_of_node(np, child) {
\t\tret = foo_one(child);
\t\tif (!child)
\t\t\treturn -EINVAL;
\t}
\treturn 0;
}
"""
    f = cmodel.parse(src).function_named("foo_parse")
    events, _complete = _refcount.events(f, src)
    assert not events  # the iterator drops the cursor it hands each round: nothing leaks
