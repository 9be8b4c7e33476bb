"""MOD003 in tree mode: a removed put on the main path is judged against the puts that can
really drop that reference after it.  Shapes of two stable fixes of 6.12 (6.12.107 -> 6.12.118),
reversed: drivers/of/irq.c of_irq_init() (a cleanup loop's puts removed; the `err:` label
below puts the nodes of ANOTHER list, its loop head rebinding `desc`) and the regulator core's
regulator_resolve_supply() (`put_device(&rdev->dev)` under `if (r == rdev)`, where `r` holds
the lookup's reference)."""

from reviewbot.checks.module import get_without_put_on_exit
from tests.helpers import assert_fires, assert_quiet, tree_case

IRQ = "drivers/of/foo_irq.c"
IRQ_PRE = """\
void __init foo_irq_init(const struct of_device_id *matches)
{
\tstruct foo_desc *desc, *temp_desc;
\tstruct device_node *np;
\tLIST_HEAD(desc_list);
\tLIST_HEAD(parent_list);

\tfor_each_matching_node(np, matches) {
\t\tdesc = kzalloc(sizeof(*desc), GFP_KERNEL);
\t\tif (!desc)
\t\t\tgoto err;
\t\tdesc->dev = of_node_get(np);
\t\tlist_add_tail(&desc->list, &desc_list);
\t}

\twhile (!list_empty(&desc_list)) {
\t\tdesc = list_first_entry(&desc_list, struct foo_desc, list);
\t\tlist_move_tail(&desc->list, &parent_list);
\t}

\tlist_for_each_entry_safe(desc, temp_desc, &parent_list, list) {
\t\tlist_del(&desc->list);
\t\tof_node_put(desc->dev);
\t\tkfree(desc);
\t}
err:
\tlist_for_each_entry_safe(desc, temp_desc, &desc_list, list) {
\t\tlist_del(&desc->list);
\t\tof_node_put(desc->dev);
\t\tkfree(desc);
\t}
}
"""
IRQ_POST = IRQ_PRE.replace("\t\tlist_del(&desc->list);\n\t\tof_node_put(desc->dev);\n\t\tkfree(desc);\n\t}\nerr:",
                           "\t\tlist_del(&desc->list);\n\t\tkfree(desc);\n\t}\nerr:")

REG = "drivers/regulator/foo_core.c"
REG_PRE = """\
static int foo_resolve_supply(struct foo_rdev *rdev)
{
\tstruct foo_rdev *r;
\tint ret = 0;

\tr = foo_rdev_lookup(rdev->supply_name);
\tif (!r)
\t\treturn -EPROBE_DEFER;
\tget_device(&r->dev);

\tif (r == rdev) {
\t\tdev_err(&rdev->dev, "Supply resolved to itself\\n");
\t\tput_device(&rdev->dev);
\t\tif (!have_full_constraints())
\t\t\treturn -EINVAL;
\t\tr = dummy_rdev;
\t\tget_device(&r->dev);
\t}

\tret = foo_set_supply(rdev, r);
\tif (ret)
\t\tput_device(&r->dev);
\treturn ret;
}
"""
REG_POST = REG_PRE.replace("\t\tput_device(&rdev->dev);\n", "")


def test_tree_mode_fires_when_the_later_put_is_of_another_lists_node():
    series, ctx = tree_case(IRQ, IRQ_PRE, IRQ_POST)
    assert_fires(get_without_put_on_exit, series, at=[(IRQ, 23, "old")], context_for=ctx)


NODE_PRE = """\
static int foo_read_cfg(struct device *dev)
{
\tstruct device_node *np;
\tint ret;

\tnp = of_find_node_by_name(NULL, "foo-cfg");
\tif (!np)
\t\treturn -ENODEV;
\tret = of_property_read_u32(np, "foo,rate", &rate);
\tof_node_put(np);
\tif (ret)
\t\tgoto out;
\tret = foo_apply(dev, rate);
out:
\tof_node_put(np);
\treturn ret;
}
"""


def test_tree_mode_quiet_when_the_same_node_is_still_put_later():
    post = NODE_PRE.replace("\tof_node_put(np);\n\tif (ret)", "\tif (ret)")
    assert post != NODE_PRE
    series, ctx = tree_case("drivers/misc/foo.c", NODE_PRE, post)
    assert_quiet(get_without_put_on_exit, series, include_low=True, context_for=ctx)


def test_tree_mode_fires_when_the_put_of_the_parameter_dropped_the_aliased_lookup():
    series, ctx = tree_case(REG, REG_PRE, REG_POST)
    assert_fires(get_without_put_on_exit, series, at=[(REG, 13, "old")], context_for=ctx)


def test_tree_mode_quiet_when_the_alias_holds_no_reference():
    pre = REG_PRE.replace("\tget_device(&r->dev);\n\n", "\n").replace("\t\tget_device(&r->dev);\n", "").replace(
        "\tif (ret)\n\t\tput_device(&r->dev);\n", "")
    post = pre.replace("\t\tput_device(&rdev->dev);\n", "")
    series, ctx = tree_case(REG, pre, post)
    assert_quiet(get_without_put_on_exit, series, include_low=True, context_for=ctx)


# siw_cm.c siw_create_listen() of 6.12 (shape): the error label below puts the netdev too, but
# the success path returns before it and no goto after the removed put reaches it
LISTEN_PRE = """\
int foo_create_listen(struct foo_cm_id *id, int backlog)
{
\tstruct net_device *ndev = NULL;
\tint rv;

\tndev = ib_device_get_netdev(id->device, FOO_PORT);
\tif (!ndev)
\t\treturn -ENODEV;
\trv = foo_bind(id, ndev);
\tif (rv)
\t\tgoto error;
\tid->state = FOO_LISTENING;
\tdev_put(ndev);

\tfoo_dbg(id, "listening\\n");
\treturn 0;

error:
\tfoo_dbg(id, "failed: %d\\n", rv);
\tdev_put(ndev);
\treturn rv;
}
"""


def test_tree_mode_fires_when_the_later_put_is_under_a_label_the_path_never_reaches():
    post = LISTEN_PRE.replace("\tid->state = FOO_LISTENING;\n\tdev_put(ndev);\n", "\tid->state = FOO_LISTENING;\n")
    series, ctx = tree_case("drivers/infiniband/foo_cm.c", LISTEN_PRE, post)
    assert_fires(get_without_put_on_exit, series, at=[("drivers/infiniband/foo_cm.c", 13, "old")], context_for=ctx)

