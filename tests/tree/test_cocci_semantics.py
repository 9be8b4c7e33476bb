"""The semantic patches of the Coccinelle path engine on real-shaped driver code, rule by rule:
each fires on a defect written the way 6.12 drivers write the correct code, and stays silent on
that correct code and on a legitimate look-alike.

The functions are paraphrases of 6.12 drivers (phy-exynos5250-sata.c exynos_sata_phy_probe(),
dwc3-imx8mp.c dwc3_imx8mp_probe(), qcom_aoss.c, leds-lp55xx-common.c, hdac_sysfs.c), with other
names, so that what fires is the API's rule and not one driver's text.
"""

from __future__ import annotations

import difflib
import shutil

import pytest

from reviewbot.cocci import anchor, run
from reviewbot.context import Context, FileImages
from reviewbot.diffparse import parse_diff
from reviewbot.model import Patch

pytestmark = pytest.mark.skipif(shutil.which("spatch") is None,
                                reason="spatch (Debian package coccinelle) is not installed: scripts/system-deps.sh")

PATH = "drivers/phy/foo/phy-foo.c"


def matches(text: str, kind: str | None = None):
    found, err = run.run({("post", PATH): text}, {("post", PATH): None})
    assert err is None
    return [m for m in found if kind is None or m.kind == kind]


def kept(text: str, kind: str):
    """The matches that survive the engine's ownership filters (anchor._keep)."""
    from reviewbot.analysis import cmodel

    cf = cmodel.parse(text)
    return [m for m in matches(text, kind) if anchor._keep(m, text.split("\n"), cf)]


# ---------------------------------------------------------------- a reference kept in a field

_PROBE = """
static int foo_sata_phy_probe(struct platform_device *pdev)
{
	struct foo_sata_phy *phy;
	struct device *dev = &pdev->dev;
	struct device_node *node;
	int ret;

	phy = devm_kzalloc(dev, sizeof(*phy), GFP_KERNEL);
	if (!phy)
		return -ENOMEM;

	node = of_parse_phandle(dev->of_node, "foo,i2c-phandle", 0);
	if (!node)
		return -EINVAL;

	phy->client = of_find_i2c_device_by_node(node);
	of_node_put(node);
	if (!phy->client)
		return -EPROBE_DEFER;

	dev_set_drvdata(dev, phy);

	phy->clk = devm_clk_get(dev, "phyctrl");
	if (IS_ERR(phy->clk)) {
		dev_err(dev, "failed to get clk for PHY\\n");
{CLK_FAIL}
	}

	ret = clk_prepare_enable(phy->clk);
	if (ret)
		goto put_dev;

	return 0;

put_dev:
	put_device(&phy->client->dev);
	return ret;
}
"""


def test_holder_fires_on_an_error_return_that_skips_the_put():
    text = _PROBE.replace("{CLK_FAIL}", "\t\treturn PTR_ERR(phy->clk);")
    found = kept(text, "field")
    assert [(m.obj, m.api) for m in found] == [("phy->client", "of_find_i2c_device_by_node")]
    assert text.split("\n")[found[0].exit_line - 1].strip() == "return PTR_ERR(phy->clk);"


def test_holder_fires_on_a_goto_to_an_unwind_without_the_put():
    text = _PROBE.replace("{CLK_FAIL}", "\t\tret = PTR_ERR(phy->clk);\n\t\tgoto put_dev;").replace(
        "\tput_device(&phy->client->dev);\n", "\tdev_dbg(dev, \"failed\\n\");\n")
    assert [m.obj for m in kept(text, "field")] == ["phy->client"]


def test_holder_quiet_when_every_error_exit_puts_and_on_success():
    """The error paths reach the put; the success `return 0` keeps the reference for remove();
    the NULL test's own `return -EPROBE_DEFER` holds nothing."""
    text = _PROBE.replace("{CLK_FAIL}", "\t\tret = PTR_ERR(phy->clk);\n\t\tgoto put_dev;")
    assert kept(text, "field") == []


def test_holder_quiet_when_a_devm_action_owns_the_structure():
    text = _PROBE.replace("{CLK_FAIL}", "\t\treturn PTR_ERR(phy->clk);").replace(
        "\tdev_set_drvdata(dev, phy);\n",
        "\tret = devm_add_action_or_reset(dev, foo_sata_put_client, phy);\n\tif (ret)\n\t\treturn ret;\n")
    assert kept(text, "field") == []


# ---------------------------------------------------------------- a reference returned in a structure

_PHANDLE = """
static int foo_get_channel(struct device_node *np, struct foo_priv *priv)
{
	struct of_phandle_args args;
	int ret;

	ret = of_parse_phandle_with_args(np, "mboxes", "#mbox-cells", 0, &args);
	if (ret)
		return ret;

	if (args.args_count != 1) {
{BAD_COUNT}
	}
	priv->chan = args.args[0];
{TAIL}
}
"""


def test_out_argument_fires_when_an_exit_skips_the_put_of_args_np():
    text = _PHANDLE.replace("{BAD_COUNT}", "\t\treturn -EINVAL;").replace(
        "{TAIL}", "\tof_node_put(args.np);\n\treturn 0;")
    assert [(m.obj, m.api) for m in kept(text, "leak")] == [("args.np", "of_parse_phandle_with_args")]


def test_out_argument_quiet_when_every_exit_puts_or_the_node_is_kept():
    good = _PHANDLE.replace("{BAD_COUNT}", "\t\tof_node_put(args.np);\n\t\treturn -EINVAL;").replace(
        "{TAIL}", "\tof_node_put(args.np);\n\treturn 0;")
    assert kept(good, "leak") == []
    stored = _PHANDLE.replace("{BAD_COUNT}", "\t\tof_node_put(args.np);\n\t\treturn -EINVAL;").replace(
        "{TAIL}", "\tpriv->np = args.np;\n\treturn 0;")
    assert kept(stored, "leak") == []


def test_out_argument_quiet_on_a_failed_parse_in_a_loop():
    """A failed parse holds nothing: `if (of_parse_phandle_with_args(...)) break;`."""
    text = """
static int foo_count_clocks(struct device_node *np)
{
	struct of_phandle_args args;
	int i, n = 0;

	for (i = 0; ; i++) {
		if (of_parse_phandle_with_args(np, "clocks", "#clock-cells", i, &args))
			break;
		n += args.args_count;
		of_node_put(args.np);
	}
	return n;
}
"""
    assert kept(text, "leak") == []


# ---------------------------------------------------------------- an iterator left by break

_BREAK = """
static int foo_find_engine(struct device_node *np, struct foo_chip *chip)
{
	struct device_node *child;
	u32 reg;

	for_each_available_child_of_node(np, child) {
		if (of_property_read_u32(child, "reg", &reg))
			continue;
		if (reg == chip->id)
			break;
	}
{AFTER}
	return 0;
}
"""


def test_iterator_break_fires_when_nothing_after_the_loop_drops_the_node():
    text = _BREAK.replace("{AFTER}", "\tif (!child)\n\t\treturn -ENODEV;\n\tchip->found = true;")
    found = kept(text, "iterbreak")
    assert [(m.obj, m.api) for m in found] == [("child", "for_each_available_child_of_node")]
    assert text.split("\n")[found[0].exit_line - 1].strip() == "return 0;"


def test_iterator_break_quiet_when_the_node_is_put_or_kept_after_the_loop():
    put = _BREAK.replace("{AFTER}", "\tif (!child)\n\t\treturn -ENODEV;\n\tchip->found = true;\n\tof_node_put(child);")
    assert kept(put, "iterbreak") == []
    stored = _BREAK.replace("{AFTER}", "\tif (!child)\n\t\treturn -ENODEV;\n\tchip->np = child;")
    assert kept(stored, "iterbreak") == []


def test_iterator_break_quiet_on_a_break_of_an_inner_switch():
    text = """
static int foo_count_leds(struct device_node *np)
{
	struct device_node *child;
	int n = 0;
	u32 mode;

	for_each_child_of_node(np, child) {
		if (of_property_read_u32(child, "mode", &mode))
			mode = 0;
		switch (mode) {
		case 1:
			n++;
			break;
		default:
			break;
		}
	}
	return n;
}
"""
    assert kept(text, "iterbreak") == []


# ---------------------------------------------------------------- a failed registration

_REGISTER = """
static int foo_widget_add(struct foo_bus *bus, struct foo_widget *w)
{
	int ret;

	device_initialize(&w->dev);
	w->dev.parent = bus->dev;
	w->dev.release = foo_widget_release;
	ret = dev_set_name(&w->dev, "widget%d", w->id);
	if (ret)
		goto err_put;
	ret = device_add(&w->dev);
	if (ret) {
{FAIL}
		return ret;
	}
	return 0;

err_put:
	put_device(&w->dev);
	return ret;
}
"""


def test_register_fires_when_a_failed_add_is_kfreed():
    """After device_initialize() the refcount owns the memory: kfree() is no release."""
    found = kept(_REGISTER.replace("{FAIL}", "\t\tkfree(w);"), "register")
    assert [(m.api, m.obj) for m in found] == [("device_add", "&w->dev")]


def test_register_quiet_when_the_failed_add_is_put():
    assert kept(_REGISTER.replace("{FAIL}", "\t\tput_device(&w->dev);"), "register") == []


# ---------------------------------------------------------------- pre- and post-image compared by exit

_TWO_EXITS = """
static int foo_read_ids(struct foo_priv *priv)
{
	struct device_node *np;
	int ret;

	np = of_find_compatible_node(NULL, NULL, "foo,ids");
	if (!np)
		return -ENODEV;

	if (priv->legacy)
		return 0;

	ret = of_property_read_u32(np, "id", &priv->id);
	if (ret) {
		of_node_put(np);
		return ret;
	}

	of_node_put(np);
	return 0;
}
"""


def _patch(old: str, new: str) -> Patch:
    import difflib

    body = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{PATH}", f"b/{PATH}"))
    return Patch(index=1, subject="[PATCH] phy: foo: tidy", msgid=None, author="A <a@example.org>",
                 message="", notes="", diff=body, files=parse_diff(body))


def _introduced(old: str, new: str):
    found, err = run.run({("pre", PATH): old, ("post", PATH): new}, {})
    assert err is None
    ctx = Context(mode="tree", files={PATH: FileImages(old, new)})
    return anchor.introduced(_patch(old, new), ctx, found)


def test_a_removed_put_is_reported_in_a_function_that_already_leaked_elsewhere():
    """The `legacy` exit leaked before the patch; the patch removes the put of the error exit:
    that exit's path is new, and is reported at the removed put."""
    new = _TWO_EXITS.replace("\tif (ret) {\n\t\tof_node_put(np);\n\t\treturn ret;\n\t}\n",
                             "\tif (ret)\n\t\treturn ret;\n")
    found = _introduced(_TWO_EXITS, new)
    assert [(m.kind, m.obj, m.side.value) for m in found] == [("leak", "np", "old")]
    assert _TWO_EXITS.split("\n")[found[0].line - 1].strip() == "of_node_put(np);"


def test_an_unrelated_change_in_a_function_that_already_leaked_is_not_reported():
    new = _TWO_EXITS.replace('"id", &priv->id', '"foo,id", &priv->id')
    assert _introduced(_TWO_EXITS, new) == []


# ---------------------------------------------------------------- over-puts (MOD019)

_LOOKUP_PUT = """
int foo_ahb_enable_smmu(struct device_node *dn)
{
	struct device *dev;
	struct foo_ahb *ahb;
	u32 val;

	dev = driver_find_device_by_of_node(&foo_ahb_driver.driver, dn);
	if (!dev)
		return -EPROBE_DEFER;
	ahb = dev_get_drvdata(dev);
	put_device(dev);
	val = foo_readl(ahb, FOO_XBAR_CTRL);
	foo_writel(ahb, val | FOO_SMMU_INIT_DONE, FOO_XBAR_CTRL);
{TAIL}
	return 0;
}
"""


def test_double_put_fires_on_a_second_put_of_a_lookup_reference():
    found = kept(_LOOKUP_PUT.replace("{TAIL}", "\tput_device(dev);"), "doubleput")
    assert [(m.api, m.obj) for m in found] == [("driver_find_device_by_of_node", "dev")]


def test_double_put_quiet_with_one_put_or_a_new_get_between():
    assert kept(_LOOKUP_PUT.replace("{TAIL}", ""), "doubleput") == []
    regot = _LOOKUP_PUT.replace("\tput_device(dev);\n", "\tput_device(dev);\n\tdev = driver_find_device_by_of_node("
                                "&foo_ahb_driver.driver, dn);\n").replace("{TAIL}", "\tput_device(dev);")
    assert kept(regot, "doubleput") == []


def test_double_put_quiet_on_an_unregister_then_free_pair_and_a_put_per_loop_round():
    """mdiobus_unregister() does not drop the allocation's reference (mdiobus_free() does); a
    lookup put in each round of a loop is one put per get."""
    text = """
static int foo_mdio_probe(struct platform_device *pdev)
{
	struct mii_bus *bus;
	struct platform_device *peer;
	int i, ret;

	bus = mdiobus_alloc();
	if (!bus)
		return -ENOMEM;
	ret = mdiobus_register(bus);
	if (ret)
		goto free;
	for (i = 0; i < 4; i++) {
		peer = of_find_device_by_node(foo_peer_node(pdev, i));
		if (!peer)
			continue;
		foo_link(bus, peer);
		put_device(&peer->dev);
	}
	mdiobus_unregister(bus);
free:
	mdiobus_free(bus);
	return ret;
}
"""
    assert kept(text, "doubleput") == []


_CPU = """
static int foo_cpufreq_init(int cpu)
{
	struct device *cpu_dev = get_cpu_device(cpu);
	int ret;

	if (!cpu_dev)
		return -ENODEV;
{GET}
	ret = foo_opp_add(cpu_dev);
	put_device(cpu_dev);
	return ret;
}
"""


def test_borrowed_put_fires_on_a_put_of_a_lent_pointer():
    found = kept(_CPU.replace("{GET}", ""), "borrowput")
    assert [(m.api, m.obj) for m in found] == [("get_cpu_device", "cpu_dev")]


def test_borrowed_put_quiet_after_a_get():
    assert kept(_CPU.replace("{GET}", "\tget_device(cpu_dev);"), "borrowput") == []


# ---------------------------------------------------------------- what releases the object

_ESCAPE = """
static int foo_attach_peer(struct device *dev)
{
	struct platform_device *pdev;
	struct foo_peer *peer;

	pdev = of_find_device_by_node(dev->of_node);
	if (!pdev)
		return -ENODEV;
	peer = platform_get_drvdata(pdev);
	if (!peer->ready) {
{NOT_READY}
		return -EAGAIN;
	}
	foo_link(dev, peer);
	put_device(&pdev->dev);
	return 0;
}
"""


def test_a_release_of_a_member_is_not_a_release_of_the_object():
    """mutex_destroy(&pdev->lock) or kfree(pdev->buf) end nothing the lookup gave."""
    for call in ("\t\tmutex_destroy(&pdev->lock);", "\t\tkfree(pdev->name);"):
        found = kept(_ESCAPE.replace("{NOT_READY}", call), "leak")
        assert [(m.obj, m.api) for m in found] == [("pdev", "of_find_device_by_node")], call


def test_a_drivers_own_release_of_the_object_ends_the_path():
    for call in ("\t\tfoo_release_peer(dev, pdev);", "\t\tfoo_put_dev(&pdev->dev);"):
        assert kept(_ESCAPE.replace("{NOT_READY}", call), "leak") == [], call


# ---------------------------------------------------------------- a getter that returns its argument

_NODE_GET = """
static int foo_parse_child(struct platform_device *pdev, struct foo_priv *priv)
{
	struct device_node *np;
	int ret;

	np = of_node_get(pdev->dev.of_node);
	if (!np)
		return -ENODEV;
	ret = of_property_read_u32(np, "foo,mode", &priv->mode);
	if (ret) {
{FAIL}
		return ret;
	}
	of_node_put(np);
	return 0;
}
"""


def test_argument_getter_fires_when_an_exit_skips_the_put():
    found = kept(_NODE_GET.replace("{FAIL}", '\t\tdev_err(&pdev->dev, "no mode\\n");'), "leak")
    assert [(m.api, m.obj) for m in found] == [("of_node_get", "np")]


def test_argument_getter_quiet_with_the_put_and_for_a_status_code():
    assert kept(_NODE_GET.replace("{FAIL}", "\t\tof_node_put(np);"), "leak") == []
    status = """
static int foo_open_disk(struct scsi_device *sdev)
{
	int ret;

	ret = scsi_device_get(sdev);
	if (ret)
		return ret;
	foo_start(sdev);
	return 0;
}
"""
    assert kept(status, "leak") == []


# ---------------------------------------------------------------- a reference taken on an object given

_TAKE = """
static struct foo_msg *foo_alloc_msg(struct foo_auth *auth, const char *service)
{
	struct foo_msg *msg;
	int err = -ENOMEM;

	msg = kzalloc(sizeof(*msg), GFP_KERNEL);
	if (!msg)
		goto err;
	kref_get(&auth->kref);
	msg->auth = auth;
	if (service) {
		msg->service = kstrdup_const(service, GFP_KERNEL);
		if (!msg->service)
			goto err_put_auth;
	}
	return msg;
err_put_auth:
{PUT}
	kfree(msg);
err:
	return ERR_PTR(err);
}
"""


def test_take_fires_when_a_failing_exit_keeps_the_reference_taken():
    found = kept(_TAKE.replace("{PUT}", ""), "take")
    assert [(m.api, m.obj) for m in found] == [("kref_get", "auth")]


def test_take_quiet_when_the_unwind_puts_it_with_a_two_argument_put():
    """kref_put(&auth->kref, release): the object is one of the put's arguments."""
    assert kept(_TAKE.replace("{PUT}", "\tkref_put(&auth->kref, foo_free_auth);"), "take") == []


def test_take_quiet_when_the_holder_is_released_by_its_own_helper():
    text = """
static int foo_bind_parent(struct foo *foo, struct device *parent)
{
	int ret;

	get_device(parent);
	foo->parent = parent;
	ret = foo_start(foo);
	if (ret) {
		foo_release(foo);
		return ret;
	}
	return 0;
}
"""
    assert kept(text, "take") == []


# ---------------------------------------------------------------- a registration that returns what it made

_DUMMY = """
static int foo_pmic_probe(struct i2c_client *client)
{
	struct foo_chip *chip;
	struct i2c_client *companion;
	int ret;

	chip = devm_kzalloc(&client->dev, sizeof(*chip), GFP_KERNEL);
	if (!chip)
		return -ENOMEM;

	companion = i2c_new_dummy_device(client->adapter, client->addr + 1);
	if (IS_ERR(companion))
		return PTR_ERR(companion);

	chip->regmap = regmap_init_i2c(companion, &foo_regmap_config);
	if (IS_ERR(chip->regmap)) {
		ret = PTR_ERR(chip->regmap);
		dev_err(&client->dev, "no regmap: %d\\n", ret);
{REGMAP_FAIL}
		return ret;
	}
	chip->companion = companion;
	return 0;
}
"""


def test_made_registration_fires_when_an_error_exit_leaves_it_registered():
    """`ret = PTR_ERR(...); ...; return ret;` is an exit that fails the function, as
    `return PTR_ERR(...)` is: the companion i2c device stays registered."""
    found = kept(_DUMMY.replace("{REGMAP_FAIL}\n", ""), "leak")
    assert [(m.obj, m.api) for m in found] == [("companion", "i2c_new_dummy_device")]


def test_made_registration_quiet_with_its_unregister_and_on_success():
    """The error exit unregisters it; the success exit stores it (and is not looked at: a
    registration made for good is no leak); the failure test's own exit holds nothing."""
    text = _DUMMY.replace("{REGMAP_FAIL}", "\t\ti2c_unregister_device(companion);")
    assert kept(text, "leak") == []
    kept_for_good = """
static int __init foo_board_init(void)
{
	struct platform_device *pdev;

	pdev = platform_device_register_simple("foo-codec", -1, NULL, 0);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	return 0;
}
"""
    assert kept(kept_for_good, "leak") == []


def test_made_registration_in_a_field_fires_on_an_error_exit():
    text = """
static int foo_pmic_probe(struct i2c_client *client)
{
	struct foo_chip *chip;
	int ret;

	chip = devm_kzalloc(&client->dev, sizeof(*chip), GFP_KERNEL);
	if (!chip)
		return -ENOMEM;

	chip->companion = i2c_new_dummy_device(client->adapter, client->addr + 1);
	if (IS_ERR(chip->companion))
		return PTR_ERR(chip->companion);

	chip->regmap = regmap_init_i2c(chip->companion, &foo_regmap_config);
	if (IS_ERR(chip->regmap)) {
		ret = PTR_ERR(chip->regmap);
		return ret;
	}
	return 0;
}
"""
    assert [(m.obj, m.api) for m in kept(text, "field")] == [("chip->companion", "i2c_new_dummy_device")]


def test_holder_release_of_another_member_does_not_end_the_path():
    """`dma_release_channel(db->rx_chan)` in the unwind releases a member, not the structure
    `db` that holds the node: the unwind still leaks `db->phy_node` (sun4i-emac.c's probe)."""
    text = """
static int foo_emac_probe(struct platform_device *pdev)
{
	struct device_node *np = pdev->dev.of_node;
	struct foo_emac *db;
	int ret;

	db = devm_kzalloc(&pdev->dev, sizeof(*db), GFP_KERNEL);
	if (!db)
		return -ENOMEM;

	db->phy_node = of_parse_phandle(np, "phy-handle", 0);
	if (!db->phy_node)
		return -ENODEV;

	ret = foo_register(db);
	if (ret)
		goto out_release;
	return 0;

out_release:
	dma_release_channel(db->rx_chan);
{PUT}	return ret;
}
"""
    assert [m.obj for m in kept(text.replace("{PUT}", ""), "field")] == ["db->phy_node"]
    assert kept(text.replace("{PUT}", "\tof_node_put(db->phy_node);\n"), "field") == []
    helper = text.replace("{PUT}", "").replace("dma_release_channel(db->rx_chan)", "foo_emac_release(db)")
    assert kept(helper, "field") == []  # a release helper of the structure itself may drop it


def test_iterators_of_the_table_by_name_fwnode_graph_endpoints():
    """Every `*for_each*` iterator row is followed, also those whose name does not start with
    `for_each` (`fwnode_graph_for_each_endpoint`)."""
    text = """
static int foo_parse_endpoints(struct device *dev, struct foo_priv *priv)
{
	struct fwnode_handle *ep;
	int ret;

	fwnode_graph_for_each_endpoint(dev_fwnode(dev), ep) {
		ret = foo_parse_one(priv, ep);
		if (ret)
			return ret;
	}
	return 0;
}
"""
    assert [(m.obj, m.api) for m in kept(text, "iter")] == [("ep", "fwnode_graph_for_each_endpoint")]
    fixed = text.replace("\t\tif (ret)\n\t\t\treturn ret;", "\t\tif (ret) {\n\t\t\tfwnode_handle_put(ep);\n\t\t\treturn ret;\n\t\t}")
    assert kept(fixed, "iter") == []


def test_a_field_leak_stands_beside_the_path_count(monkeypatch):
    """The Coccinelle engine's findings in a whole review: the unwind of a failed probe loses the unregister of the
    i2c device kept in `chip->companion`.  The path count takes the store into the structure
    for a hand-off and finds no new leak; it does not refute the Coccinelle field path, which
    follows the field to the error exit."""
    from types import MappingProxyType

    from reviewbot import engine
    from reviewbot.model import Series

    path = "drivers/mfd/foo-pmic.c"
    pre = _DUMMY.replace("companion = i2c_new_dummy_device", "chip->companion = i2c_new_dummy_device").replace(
        "IS_ERR(companion))\n\t\treturn PTR_ERR(companion)", "IS_ERR(chip->companion))\n\t\treturn PTR_ERR(chip->companion)").replace(
        "regmap_init_i2c(companion", "regmap_init_i2c(chip->companion").replace(
        "\tchip->companion = companion;\n", "").replace("{REGMAP_FAIL}", "\t\ti2c_unregister_device(chip->companion);")
    post = pre.replace("\t\ti2c_unregister_device(chip->companion);\n", "")
    removed = pre.split("\n").index("\t\ti2c_unregister_device(chip->companion);") + 1
    diff = "".join(difflib.unified_diff(pre.splitlines(True), post.splitlines(True), f"a/{path}", f"b/{path}"))
    body = f"diff --git a/{path} b/{path}\n" + diff
    patch = Patch(index=1, subject="[PATCH] mfd: foo: tidy the error path", msgid=None,
                  author="Dev <dev@example.org>", message="Tidy.", notes="", diff=body, files=parse_diff(body))
    series = Series(subject=patch.subject, msgid=None, revision=1, base=None, patches=(patch,))
    ctx = Context(mode="tree", files=MappingProxyType({path: FileImages(pre=pre, post=post)}))
    monkeypatch.setenv("REVIEWBOT_ENGINES", "cocci")
    rv = engine.review(series, context_for=lambda _p: ctx, context_mode="tree")
    hits = [f for f in rv.findings if f.rule.id == "MOD003" and f.path == path and abs(f.line - removed) <= 3]
    assert hits, [f"{f.rule.id}:{f.line}: {f.message}" for f in rv.findings]
