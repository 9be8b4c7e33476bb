"""MOD019 / MOD003: a put of a reference a structure keeps, on the success path of the function
that stored it, while the structure's teardown puts it too (netsec's phy_np of 6.12, shape)."""

from reviewbot.checks.module import device_ref_imbalance, get_without_put_on_exit
from tests.helpers import assert_fires, assert_quiet, tree_case

PATH = "drivers/net/ethernet/foo/foo_eth.c"

PRE = """\
static int foo_of_probe(struct platform_device *pdev, struct foo_priv *priv)
{
\tpriv->phy_np = of_parse_phandle(pdev->dev.of_node, "phy-handle", 0);
\tif (!priv->phy_np)
\t\treturn -EINVAL;

\tpriv->freq = 125000000;

\treturn 0;
}

static void foo_remove(struct platform_device *pdev)
{
\tstruct foo_priv *priv = platform_get_drvdata(pdev);

\tunregister_netdev(priv->ndev);
\tof_node_put(priv->phy_np);
}
"""

POST = PRE.replace("\tpriv->freq = 125000000;\n", "\tpriv->freq = 125000000;\n\tof_node_put(priv->phy_np);\n")


def _line(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_fires_on_put_of_a_kept_member_before_the_successful_return():
    series, ctx_for = tree_case(PATH, PRE, POST)
    assert_fires(device_ref_imbalance, series, at=[(PATH, _line(POST, "\tof_node_put(priv->phy_np);"))],
                 context_for=ctx_for)


def test_removing_that_put_is_the_fix_not_a_leak():
    series, ctx_for = tree_case(PATH, POST, PRE)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx_for)
    assert_quiet(device_ref_imbalance, series, context_for=ctx_for)


def test_quiet_when_no_teardown_drops_the_member():
    pre = PRE.replace("\tof_node_put(priv->phy_np);\n}", "}")
    post = pre.replace("\tpriv->freq = 125000000;\n", "\tpriv->freq = 125000000;\n\tof_node_put(priv->phy_np);\n")
    series, ctx_for = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx_for)


def test_quiet_when_the_member_is_cleared_after_the_put():
    post = PRE.replace("\tpriv->freq = 125000000;\n",
                       "\tpriv->freq = 125000000;\n\tof_node_put(priv->phy_np);\n\tpriv->phy_np = NULL;\n")
    series, ctx_for = tree_case(PATH, PRE, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx_for)


def test_quiet_on_an_error_path_put():
    post = PRE.replace("\tif (!priv->phy_np)\n\t\treturn -EINVAL;\n",
                       "\tif (!priv->phy_np)\n\t\treturn -EINVAL;\n\tif (foo_hw_ok(priv)) {\n"
                       "\t\tof_node_put(priv->phy_np);\n\t\treturn -EIO;\n\t}\n")
    series, ctx_for = tree_case(PATH, PRE, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx_for)


# A structure the function declares by value dies with it: a store into it keeps nothing
# (rt1719's probe of 6.12: `typec_cap.fwnode = fwnode; ... fwnode_handle_put(fwnode); return 0;`).
STACK_CAP = """\
static int foo_probe(struct i2c_client *i2c)
{
\tstruct typec_capability typec_cap = { };
\tstruct fwnode_handle *fwnode;

\tfwnode = device_get_named_child_node(&i2c->dev, "connector");
\tif (!fwnode)
\t\treturn -ENODEV;
\ttypec_cap.fwnode = fwnode;
\tfoo_register_port(i2c, &typec_cap);

\treturn 0;
}
"""


def test_quiet_on_put_after_a_store_into_a_stack_structure():
    post = STACK_CAP.replace("\tfoo_register_port(i2c, &typec_cap);\n",
                             "\tfoo_register_port(i2c, &typec_cap);\n\tfwnode_handle_put(fwnode);\n")
    series, ctx_for = tree_case(PATH, STACK_CAP, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx_for)


def test_quiet_on_a_put_in_the_unwind_after_the_last_return():
    # ib_srpt's queue_response(): `return; out: ...; target_put_sess_cmd(&ioctx->cmd);` runs
    # only on the goto's error path
    post = PRE.replace("\tpriv->freq = 125000000;\n\n\treturn 0;\n}",
                       "\tpriv->freq = 125000000;\n\tif (foo_hw_ok(priv))\n\t\tgoto out;\n\n\treturn 0;\n"
                       "out:\n\tfoo_log(priv);\n\tof_node_put(priv->phy_np);\n\treturn 0;\n}")
    series, ctx_for = tree_case(PATH, PRE, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx_for)


def test_quiet_on_a_module_put_of_an_owner_member():
    # cpufreq's store_scaling_governor(): module_put(new_gov->owner) drops the module
    # reference cpufreq_parse_governor() took, not one the structure keeps
    pre = PRE + "\nstatic void foo_gov_exit(struct foo_gov *gov)\n{\n\tmodule_put(gov->owner);\n}\n"
    post = pre.replace("\tpriv->freq = 125000000;\n", "\tpriv->freq = 125000000;\n\tmodule_put(priv->owner);\n")
    series, ctx_for = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx_for)
