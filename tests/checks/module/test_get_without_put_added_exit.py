"""MOD003: an exit the patch adds above the put of the fall-through path (hunk mode, the get
out of sight).  The shapes are paraphrases of real 6.12 code (ath11k_ahb_setup_msa_resources(),
a kref-counted request, an unwind label below the put)."""

import re

from reviewbot.checks.module import get_without_put_on_exit
from tests import helpers
from tests.helpers import assert_fires, assert_quiet, diff

PATH = "drivers/net/wireless/foo/ahb.c"

ADDED_RETURN = """
    --- a/drivers/net/wireless/foo/ahb.c
    +++ b/drivers/net/wireless/foo/ahb.c
    @@ -973,6 +973,8 @@ static int foo_setup_msa_resources(struct foo_base *ab)
     \t\treturn -ENOENT;
     
     \tret = of_address_to_resource(node, 0, &r);
    +\tif (ret)
    +\t\treturn ret;
     \tof_node_put(node);
     \tif (ret) {
     \t\tdev_err(dev, "failed to resolve msa fixed region\\n");
"""


def _reverse(text: str) -> str:
    out = []
    for ln in text.splitlines():
        s = ln.lstrip(" ")
        pad = ln[: len(ln) - len(s)]
        if s.startswith("@@"):
            m = re.match(r"@@ -(\d+),(\d+) \+(\d+),(\d+) @@(.*)", s)
            s = f"@@ -{m.group(3)},{m.group(4)} +{m.group(1)},{m.group(2)} @@{m.group(5)}"
        elif s.startswith("---") or s.startswith("+++"):
            pass
        elif s.startswith("+"):
            s = "-" + s[1:]
        elif s.startswith("-"):
            s = "+" + s[1:]
        out.append(pad + s)
    return "\n".join(out) + "\n"


def test_fires_on_added_return_above_the_put_below():
    assert_fires(get_without_put_on_exit, diff(ADDED_RETURN), [(PATH, 977)])


def test_quiet_on_its_fix():
    assert_quiet(get_without_put_on_exit, diff(_reverse(ADDED_RETURN)), include_low=True)


def test_fires_on_added_check_above_a_kref_put_further_down():
    assert_fires(get_without_put_on_exit, diff("""
    --- a/drivers/foo/req.c
    +++ b/drivers/foo/req.c
    @@ -120,8 +120,10 @@ static void foo_req_complete(struct foo_req *req)
     \tstruct foo_dev *fdev = req->fdev;
     
     \tbuf = foo_map(fdev, req->len);
    +\tif (!buf)
    +\t\treturn;
     \tif (req->len > fdev->max)
     \t\tfdev->overruns++;
     \tfoo_copy(buf, req);
     \tkref_put(&req->ref, foo_req_release);
     }
    """), [("drivers/foo/req.c", 124)])


def test_fires_on_added_goto_to_a_label_below_the_put():
    assert_fires(get_without_put_on_exit, diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -40,7 +40,9 @@ static int bar_parse(struct bar *b)
     \tret = bar_read_prop(b, child);
    +\tif (ret)
    +\t\tgoto out;
     \tput_device(&child->dev);
     \tb->ready = true;
     out:
     \tmutex_unlock(&b->lock);
     \treturn ret;
     }
    """), [("drivers/foo/bar.c", 42)])


def test_quiet_when_the_exit_tests_the_object_itself():
    assert_quiet(get_without_put_on_exit, diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -40,4 +40,6 @@ static int bar_parse(struct bar *b)
     \tnode = bar_find_phandle(b->dev);
    +\tif (IS_ERR(node))
    +\t\treturn -ENODEV;
     \tctx = bar_find_ctx(node);
     \tof_node_put(node);
     \tif (!ctx)
    """), include_low=True)


def test_quiet_when_the_get_is_below_the_exit():
    assert_quiet(get_without_put_on_exit, diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -40,4 +40,6 @@ static int bar_parse(struct bar *b)
     \tret = bar_reset(b);
    +\tif (ret)
    +\t\treturn ret;
     \tnp = of_get_child_by_name(b->np, "ports");
     \tret = bar_ports(b, np);
     \tof_node_put(np);
    """), include_low=True)


def test_quiet_when_the_put_is_in_a_branch_of_a_loop():
    assert_quiet(get_without_put_on_exit, diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -40,6 +40,8 @@ static int bar_notify(struct bar *b)
     \tret = bar_reset(b);
    +\tif (ret)
    +\t\treturn ret;
     \tfor (i = 0; i < b->n; i++) {
     \t\tld = bar_find_driver(b->ids[i]);
     \t\tif (ld) {
     \t\t\tbar_delete(ld, b);
     \t\t\tmodule_put(ld->owner);
    """), include_low=True)


def test_quiet_on_a_goto_to_a_label_out_of_sight():
    assert_quiet(get_without_put_on_exit, diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -40,4 +40,6 @@ static int bar_parse(struct bar *b)
     \tret = bar_read_prop(b, child);
    +\tif (ret)
    +\t\tgoto err_put;
     \tput_device(&child->dev);
     \tb->ready = true;
     \tmutex_unlock(&b->lock);
    """), include_low=True)


def test_quiet_on_a_whole_new_function_that_takes_no_reference():
    assert_quiet(get_without_put_on_exit, diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -40,3 +40,14 @@ static int bar_parse(struct bar *b)
     }
     EXPORT_SYMBOL_GPL(bar_parse);
     
    +void bar_put_helper(struct bar *b)
    +{
    +\tstruct bar_helper *nat;
    +
    +\tnat = bar_helper_find(b->name);
    +\tif (!b->live)
    +\t\treturn;
    +
    +\tmodule_put(nat->module);
    +}
    +
    """), include_low=True)


# lan78xx_mdio_init() (6.12), the bus kept in the driver's structure: in tree mode the new
# return both leaks the node and asks about the stored bus; the leak is the finding shown.
MDIO_INIT = """static int foo_mdio_init(struct foo_net *dev)
{
	struct device_node *node;
	int ret;

	dev->mdiobus = mdiobus_alloc();
	if (!dev->mdiobus)
		return -ENOMEM;

	dev->mdiobus->priv = (void *)dev;
	dev->mdiobus->read = foo_mdiobus_read;
	dev->mdiobus->write = foo_mdiobus_write;

	node = of_get_child_by_name(dev->udev->dev.of_node, "mdio");
	ret = of_mdiobus_register(dev->mdiobus, node);
	of_node_put(node);
	if (ret) {
		netdev_err(dev->net, "can't register MDIO bus\\n");
		goto exit1;
	}

	return 0;
exit1:
	mdiobus_free(dev->mdiobus);
	return ret;
}

static void foo_remove_mdio(struct foo_net *dev)
{
	mdiobus_unregister(dev->mdiobus);
	mdiobus_free(dev->mdiobus);
}
"""


def test_tree_mode_shows_the_leak_before_the_question_at_one_exit():
    post = MDIO_INIT.replace("\tof_node_put(node);\n", "\tif (ret)\n\t\treturn ret;\n\tof_node_put(node);\n", 1)
    series, ctx_for = helpers.tree_case("drivers/net/usb/foo.c", MDIO_INIT, post)
    ret = post.splitlines().index("\t\treturn ret;") + 1
    assert_fires(get_without_put_on_exit, series, [("drivers/net/usb/foo.c", ret)], context_for=ctx_for)


def test_fires_in_a_whole_function_whose_kept_put_consumes_the_reference():
    # a work handler drops the reference its queuer took: a new early return keeps it
    assert_fires(get_without_put_on_exit, diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -30,8 +30,10 @@ static void foo_work(struct work_struct *w)
     {
     \tstruct foo *foo = container_of(w, struct foo, work);
     
    +\tif (!foo->ready)
    +\t\treturn;
     \tfoo_process(foo);
     \tkref_put(&foo->ref, foo_release);
     }
     
     static int foo_probe(struct platform_device *pdev)
    """), [("drivers/foo/core.c", 34)])
