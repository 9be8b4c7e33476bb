"""MOD003: a removed second stage of a two-stage release of the kernel-API table
(`mdiobus_unregister()` then `mdiobus_free()`: refs.tsv's "mdiobus_unregister then
mdiobus_free").  The first stage only undoes the registration; without the second the bus's
memory reference is never dropped (shape of drivers/net/phy/sfp.c `sfp_i2c_mdiobus_destroy()`
in 6.12.107, whose stable fix puts the free back)."""

from reviewbot.checks.module import get_without_put_on_exit
from tests.helpers import assert_fires, assert_quiet, diff, tree_case

PATH = "drivers/net/phy/foo_sfp.c"
PRE = """\
static int foo_i2c_mdiobus_create(struct foo_sfp *sfp)
{
\tstruct mii_bus *i2c_mii;
\tint ret;

\ti2c_mii = foo_i2c_mii_alloc(sfp->i2c);
\tif (IS_ERR(i2c_mii))
\t\treturn PTR_ERR(i2c_mii);

\tret = mdiobus_register(i2c_mii);
\tif (ret < 0) {
\t\tmdiobus_free(i2c_mii);
\t\treturn ret;
\t}

\tsfp->i2c_mii = i2c_mii;
\treturn 0;
}

static void foo_i2c_mdiobus_destroy(struct foo_sfp *sfp)
{
\tmdiobus_unregister(sfp->i2c_mii);
\tmdiobus_free(sfp->i2c_mii);
\tsfp->i2c_mii = NULL;
}
"""
POST = PRE.replace("\tmdiobus_free(sfp->i2c_mii);\n", "")


def test_hunk_mode_fires_on_the_removed_second_stage():
    series = diff("""
        --- a/drivers/net/phy/foo_sfp.c
        +++ b/drivers/net/phy/foo_sfp.c
        @@ -787,6 +787,5 @@ static int foo_i2c_mdiobus_create(struct
         static void foo_i2c_mdiobus_destroy(struct foo_sfp *sfp)
         {
         \tmdiobus_unregister(sfp->i2c_mii);
        -\tmdiobus_free(sfp->i2c_mii);
         \tsfp->i2c_mii = NULL;
         }
    """)
    assert_fires(get_without_put_on_exit, series, at=[("drivers/net/phy/foo_sfp.c", 790, "old")])


def test_tree_mode_fires_on_the_removed_second_stage():
    series, ctx = tree_case(PATH, PRE, POST)
    assert_fires(get_without_put_on_exit, series, at=[(PATH, 23, "old")], context_for=ctx)


def test_quiet_on_the_fix():
    series, ctx = tree_case(PATH, POST, PRE)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


def test_quiet_on_a_removed_second_unregister():
    # the same first stage twice: removing the second is the fix of a double unregister
    pre = PRE.replace("\tmdiobus_free(sfp->i2c_mii);\n", "\tmdiobus_unregister(sfp->i2c_mii);\n")
    post = PRE.replace("\tmdiobus_free(sfp->i2c_mii);\n", "")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)
