"""New-driver sample of session 12, seed 241 (tree mode, read after the first round's fixes):
five classes, each with a fire and a silent test.

- MOD003: `if (WARN_ONCE(!port, fmt, ...)) return NULL;` is the get's failure (drivers/of/
  property.c of_graph_get_next_endpoint()); `WARN()`/`WARN_ONCE()` take a message after the test.
- MOD003 (Coccinelle): a function ending in `while (1) {...}` that only returns leave has no path
  to its closing brace (the same function).
- MOD003 (Coccinelle field path): `fail: if (hdw) { ...; usb_free_urb(hdw->ctl_write_urb); }
  return NULL;` drops the field on the way (pvrusb2-hdw.c).
- MOD003: `put_device(&mac_cb->phy_dev->mdio.dev)` is the put of the phy device
  `of_phy_find_device()` returned (hns_dsaf_mac.c): the table spells its release so.
- MOD019: `cdev_device_del(&slave->cdev, &slave->dev); put_device(dev);` with
  `slave = to_fsi_slave(dev)` is an unregister in two halves (fsi-core.c).
"""

from types import SimpleNamespace

from reviewbot.checks.module import device_ref_imbalance, get_without_put_on_exit
from reviewbot.context import Context, FileImages
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet, tree_case

OF = """
struct device_node *foo_graph_get_port(const struct device_node *parent, struct device_node *prev)
{
\tstruct device_node *port;

\tif (!parent)
\t\treturn NULL;
\tport = of_get_parent(prev);
\tif (WARN_ONCE(!port, "%s(): endpoint %pOF has no parent node\\n", __func__, prev))
\t\treturn NULL;
\tif (foo_bad(port))
\t\treturn NULL;
\tof_node_put(port);
\treturn prev;
}
"""
OPATH = "drivers/of/foo.c"


def test_warn_once_with_a_message_tests_the_get_itself():
    # the failure branch holds nothing; the other early return leaks
    assert_fires(get_without_put_on_exit, new_file(OPATH, OF), at=[(OPATH, _at(OF, "foo_bad(port)") + 1)])


def test_warn_once_of_another_condition_is_not_the_failure():
    code = OF.replace("WARN_ONCE(!port,", "WARN_ONCE(!prev,")
    ret = _at(code, "WARN_ONCE") + 1
    assert_fires(get_without_put_on_exit, new_file(OPATH, code), at=[(OPATH, ret), (OPATH, ret + 2)])


ENDLESS = """
struct device_node *foo_next_endpoint(const struct device_node *parent, struct device_node *prev)
{
\tstruct device_node *endpoint, *port;

\tport = of_get_child_by_name(parent, "port");
\tif (!port)
\t\treturn NULL;
\twhile (1) {
\t\tendpoint = of_get_next_child(port, prev);
\t\tif (endpoint) {
\t\t\tof_node_put(port);
\t\t\treturn endpoint;
\t\t}
\t\tprev = NULL;
\t\tdo {
\t\t\tport = of_get_next_child(parent, port);
\t\t\tif (!port)
\t\t\t\treturn NULL;
\t\t} while (!of_node_name_eq(port, "port"));
\t}
}
"""


def _stands(code: str, kind: str, api: str, get_needle: str, exit_line: int | None = None) -> bool:
    text = code.strip("\n").replace("\\t", "\t") + "\n"
    lines = text.split("\n")
    get = next(i for i, ln in enumerate(lines, 1) if get_needle in ln)
    end = exit_line or max(i for i, ln in enumerate(lines, 1) if ln == "}")
    m = SimpleNamespace(kind=kind, path=OPATH, get_line=get, exit_line=end, api=api, obj="")
    ctx = Context(mode="tree", files={OPATH: FileImages(pre=None, post=text)})
    return get_without_put_on_exit._cocci_leak_stands(ctx, {}, m)


def test_an_endless_loop_has_no_path_to_the_closing_brace():
    assert not _stands(ENDLESS, "leak", "of_get_child_by_name", "of_get_child_by_name")


def test_a_loop_with_a_break_reaches_the_closing_brace():
    code = ENDLESS.replace("\t\tprev = NULL;\n", "\t\tif (foo_done(prev))\n\t\t\tbreak;\n\t\tprev = NULL;\n") \
        .replace("\t}\n}", "\t}\n\tfoo_log(parent);\n}")
    assert _stands(code, "leak", "of_get_child_by_name", "of_get_child_by_name")


FIELD = """
struct foo_hdw *foo_hdw_create(struct usb_interface *intf)
{
\tstruct foo_hdw *hdw;

\thdw = kzalloc(sizeof(*hdw), GFP_KERNEL);
\tif (!hdw)
\t\tgoto fail;
\thdw->ctl_write_urb = usb_alloc_urb(0, GFP_KERNEL);
\tif (!hdw->ctl_write_urb)
\t\tgoto fail;
\tif (foo_register(intf, hdw) != 0)
\t\tgoto fail;
\treturn hdw;
 fail:
\tif (hdw) {
\t\tusb_free_urb(hdw->ctl_write_urb);
\t\tkfree(hdw);
\t}
\treturn NULL;
}
"""


def test_a_field_freed_under_the_holders_test_on_the_way_out():
    assert not _stands(FIELD, "field", "usb_alloc_urb", "usb_alloc_urb", _at(FIELD, "return NULL;"))
    code = FIELD.replace("\t\tusb_free_urb(hdw->ctl_write_urb);\n", "")
    assert _stands(code, "field", "usb_alloc_urb", "usb_alloc_urb", _at(code, "return NULL;"))


HNS = """
static int foo_mac_get_info(struct foo_mac_cb *mac_cb, struct device_node *port)
{
\tstruct device_node *np;
\tstruct regmap *syscon;

\tnp = of_parse_phandle(port, "phy-handle", 0);
\tmac_cb->phy_dev = of_phy_find_device(np);
\tif (mac_cb->phy_dev) {
\t\tput_device(&mac_cb->phy_dev->mdio.dev);
\t\tdev_dbg(mac_cb->dev, "phy_node: %pOFn\\n", np);
\t}
\tof_node_put(np);
\tsyscon = foo_syscon(port);
\tif (IS_ERR_OR_NULL(syscon))
\t\treturn -EINVAL;
\tmac_cb->serdes_ctrl = syscon;
\treturn 0;
}
"""
HPATH = "drivers/net/ethernet/foo/foo_mac.c"


def _tree(code: str):
    return tree_case(HPATH, "", code.lstrip("\n").replace("\\t", "\t"))


def test_a_phy_device_put_through_its_mdio_device():
    series, ctx = _tree(HNS)
    assert_quiet(get_without_put_on_exit, series, include_low=True, context_for=ctx)


def test_a_phy_device_put_through_another_member_is_not_its_put():
    code = HNS.replace("put_device(&mac_cb->phy_dev->mdio.dev);", "put_device(&mac_cb->phy_dev->attached_dev->dev);")
    series, ctx = _tree(code)
    assert_fires(get_without_put_on_exit, series, at=[(HPATH, _at(code, "return -EINVAL;"))], context_for=ctx)


FSI = """
static int foo_remove_slave(struct device *dev, void *arg)
{
\tstruct foo_slave *slave = to_foo_slave(dev);

\tdevice_for_each_child(dev, NULL, foo_slave_remove_device);
\tcdev_device_del(&slave->cdev, &slave->dev);
\tput_device(dev);
\treturn 0;
}
"""
FPATH = "drivers/fsi/foo-core.c"


def test_mod019_quiet_on_del_then_put_of_the_handed_device():
    assert_quiet(device_ref_imbalance, new_file(FPATH, FSI), include_low=True)


def test_mod019_fires_on_a_put_without_the_del():
    code = FSI.replace("\tcdev_device_del(&slave->cdev, &slave->dev);\n", "\tfoo_stop(slave);\n")
    assert_fires(device_ref_imbalance, new_file(FPATH, code), at=[(FPATH, _at(code, "put_device(dev)"))],
                 include_low=True)
