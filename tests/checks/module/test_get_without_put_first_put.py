"""MOD003, tree mode: a patch that gives a function its first put (the unwind label now drops
the clock) does not own the leaks its other, unchanged exits had before (shape of 6.12.107's
drivers/clocksource/timer-fttmr010.c `fttmr010_common_init()`, whose stable fix added the
`clk_put()` in two hunks); an exit the patch adds that skips the new put is still reported."""

from reviewbot.checks.module import get_without_put_on_exit
from tests.helpers import assert_fires, assert_quiet, tree_case

PATH = "drivers/clocksource/timer-foo.c"
PRE = """\
static int __init foo_timer_init(struct device_node *np)
{
\tstruct foo_timer *ft;
\tstruct clk *clk;
\tint ret;

\tclk = of_clk_get_by_name(np, "PCLK");
\tif (IS_ERR(clk))
\t\treturn PTR_ERR(clk);
\tret = clk_prepare_enable(clk);
\tif (ret) {
\t\tpr_err("failed to enable PCLK\\n");
\t\treturn ret;
\t}
\tft = kzalloc(sizeof(*ft), GFP_KERNEL);
\tif (!ft) {
\t\tret = -ENOMEM;
\t\tgoto out_disable_clock;
\t}
\tft->base = of_iomap(np, 0);
\tif (!ft->base) {
\t\tret = -ENXIO;
\t\tgoto out_free;
\t}
\tft->clk = clk;
\treturn 0;

out_free:
\tkfree(ft);
out_disable_clock:
\tclk_disable_unprepare(clk);

\treturn ret;
}
"""
POST = PRE.replace("\tclk_disable_unprepare(clk);\n\n", "\tclk_disable_unprepare(clk);\n\tclk_put(clk);\n\n")


def test_tree_mode_quiet_on_a_first_put_whose_other_exits_leaked_before():
    series, ctx = tree_case(PATH, PRE, POST)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


def test_tree_mode_fires_on_a_new_exit_that_skips_the_new_put():
    post = POST.replace("\tft->clk = clk;\n", "\tif (of_property_read_bool(np, \"foo,broken\"))\n"
                        "\t\treturn -ENODEV;\n\tft->clk = clk;\n")
    series, ctx = tree_case(PATH, PRE, post)
    assert_fires(get_without_put_on_exit, series, at=[(PATH, 26)], context_for=ctx)
