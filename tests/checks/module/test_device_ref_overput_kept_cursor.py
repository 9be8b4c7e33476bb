"""MOD019: an added put, after a loop, of the cursor every pass of the loop stored in a structure
(shape of 6.12's max8998.c `max8998_pmic_dt_parse_pdata()`): after the loop the cursor is NULL
or the last node the array keeps, so the put drops the kept reference."""

from reviewbot.checks.module import device_ref_imbalance
from tests.helpers import assert_fires, assert_quiet, tree_case

PATH = "drivers/regulator/foo-pmic.c"
PRE = """\
static int foo_pmic_dt_parse_pdata(struct foo_dev *iodev, struct foo_platform_data *pdata)
{
\tstruct device_node *pmic_np = iodev->dev->of_node;
\tstruct device_node *regulators_np, *reg_np;
\tstruct foo_regulator_data *rdata;
\tunsigned int i;

\tregulators_np = of_get_child_by_name(pmic_np, "regulators");
\tif (!regulators_np)
\t\treturn -EINVAL;
\trdata = devm_kcalloc(iodev->dev, FOO_NUM, sizeof(*rdata), GFP_KERNEL);
\tif (!rdata) {
\t\tof_node_put(regulators_np);
\t\treturn -ENOMEM;
\t}
\tpdata->regulators = rdata;
\tfor (i = 0; i < ARRAY_SIZE(regulators); ++i) {
\t\treg_np = of_get_child_by_name(regulators_np, regulators[i].name);
\t\tif (!reg_np)
\t\t\tcontinue;

\t\trdata->id = regulators[i].id;
\t\trdata->reg_node = reg_np;
\t\t++rdata;
\t}
\tpdata->num_regulators = rdata - pdata->regulators;

\tof_node_put(regulators_np);

\treturn 0;
}
"""
POST = PRE.replace("\n\tof_node_put(regulators_np);\n\n\treturn 0;",
                   "\n\tof_node_put(reg_np);\n\tof_node_put(regulators_np);\n\n\treturn 0;")


def test_tree_mode_fires_on_put_of_the_stored_cursor_after_the_loop():
    series, ctx = tree_case(PATH, PRE, POST)
    assert_fires(device_ref_imbalance, series, at=[(PATH, 28)], context_for=ctx)


def test_quiet_when_a_pass_can_leave_the_loop_before_the_store():
    # a pass that breaks out with the node looked up but not stored: the put is that node's
    brk = "\t\tif (!reg_np)\n\t\t\tcontinue;\n\t\tif (of_property_read_bool(reg_np, \"foo,skip\"))\n\t\t\tbreak;\n"
    pre = PRE.replace("\t\tif (!reg_np)\n\t\t\tcontinue;\n", brk)
    post = POST.replace("\t\tif (!reg_np)\n\t\t\tcontinue;\n", brk)
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)


def test_quiet_when_the_structure_takes_its_own_reference():
    pre = PRE.replace("rdata->reg_node = reg_np;", "rdata->reg_node = of_node_get(reg_np);")
    post = POST.replace("rdata->reg_node = reg_np;", "rdata->reg_node = of_node_get(reg_np);")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)
