"""Fresh tree-mode new-driver seed 83 (session 10): two successful exits that keep a reference
another function of the file drops.  Fixtures are paraphrases.

- MOD003 (Coccinelle path): `hcd = usb_create_hcd(...)` (which sets the driver data) kept on
  `return 0;`, and remove() reads the hcd back from the driver data and puts it: kept, not leaked.
- MOD003: `adap = i2c_get_adapter(nr)` given to a call that makes an object on it (a client,
  which keeps its adapter) and put by remove() through that object (`i2c_put_adapter(
  client->adapter)`), the get's own pair.
"""

from types import SimpleNamespace

from reviewbot.checks.module import get_without_put_on_exit
from reviewbot.context import Context, FileImages
from tests.checks.module.test_get_without_put_on_exit import _at
from tests.helpers import assert_fires, assert_quiet, tree_case

HCD = """
static int foo_ohci_probe(struct platform_device *pdev)
{
\tstruct usb_hcd *hcd;
\tint irq, retval;

\tirq = platform_get_irq(pdev, 0);
\tif (irq < 0)
\t\treturn irq;
\thcd = usb_create_hcd(&foo_hc_driver, &pdev->dev, dev_name(&pdev->dev));
\tif (!hcd)
\t\treturn -ENOMEM;
\tretval = usb_add_hcd(hcd, irq, IRQF_SHARED);
\tif (retval)
\t\tgoto err_put;
\tfoo_power(pdev, 1);
\treturn 0;
err_put:
\tusb_put_hcd(hcd);
\treturn retval;
}

static void foo_ohci_remove(struct platform_device *pdev)
{
\tstruct usb_hcd *hcd = platform_get_drvdata(pdev);

\tusb_remove_hcd(hcd);
\tREMOVE_PUT
\tfoo_power(pdev, 0);
}
"""


def _stands(code: str) -> bool:
    text = code.lstrip("\n").replace("\\t", "\t")
    path = "drivers/usb/host/foo-ohci.c"
    m = SimpleNamespace(kind="leak", path=path, get_line=_at(code, "usb_create_hcd"),
                        exit_line=_at(code, "return 0;"), api="usb_create_hcd", obj="hcd")
    ctx = Context(mode="tree", files={path: FileImages(pre=None, post=text)})
    return get_without_put_on_exit._cocci_leak_stands(ctx, {}, m)


def test_cocci_success_exit_kept_and_put_by_remove_does_not_stand():
    assert not _stands(HCD.replace("REMOVE_PUT", "usb_put_hcd(hcd);"))


def test_cocci_success_exit_nobody_puts_stands():
    assert _stands(HCD.replace("REMOVE_PUT", "foo_quiesce(hcd);"))


VOU = """
static int foo_vou_probe(struct platform_device *pdev)
{
\tstruct foo_vou_pdata *pdata = pdev->dev.platform_data;
\tstruct foo_vou *vou = platform_get_drvdata(pdev);
\tstruct i2c_adapter *i2c_adap;
\tstruct v4l2_subdev *subdev;
\tint ret;

\ti2c_adap = i2c_get_adapter(pdata->i2c_adap);
\tif (!i2c_adap)
\t\treturn -ENODEV;
\tret = foo_vou_hw_init(vou);
\tif (ret < 0)
\t\tgoto err_put;
\tsubdev = MAKE_LINE;
\tif (!subdev) {
\t\tret = -ENOMEM;
\t\tgoto err_put;
\t}
\treturn 0;

err_put:
\ti2c_put_adapter(i2c_adap);
\treturn ret;
}

static void foo_vou_remove(struct platform_device *pdev)
{
\tstruct v4l2_device *v4l2_dev = platform_get_drvdata(pdev);
\tstruct v4l2_subdev *sd = list_entry(v4l2_dev->subdevs.next, struct v4l2_subdev, list);
\tstruct i2c_client *client = v4l2_get_subdevdata(sd);

\tv4l2_device_unregister(v4l2_dev);
\ti2c_put_adapter(client->adapter);
\ti2c_unregister_device(client);
}
"""


def _vou(make: str):
    code = VOU.replace("MAKE_LINE", make)
    return code, *tree_case("drivers/media/platform/foo/foo_vou.c", "", code.lstrip("\n").replace("\\t", "\t"))


def test_mod003_quiet_when_the_adapter_goes_to_the_client_remove_puts():
    _code, series, ctx = _vou("v4l2_i2c_new_subdev_board(&vou->v4l2_dev, i2c_adap, pdata->board_info, NULL)")
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


def test_mod003_fires_when_nothing_was_made_on_the_adapter():
    code, series, ctx = _vou("foo_find_subdev(&vou->v4l2_dev, pdata->board_info)")
    assert_fires(get_without_put_on_exit, series, context_for=ctx,
                 at=[("drivers/media/platform/foo/foo_vou.c", _at(code, "return 0;"))])


# bcmasp_intf.c (fresh seed 83, read again after the fixes): of_phy_connect(dev, ...) attaches
# the PHY to the net_device it is given, and ndo_stop's phy_disconnect(dev->phydev) drops it.
PHY = """
static int foo_netif_init(struct net_device *ndev, bool connect)
{
\tstruct foo_intf *intf = netdev_priv(ndev);
\tstruct phy_device *phydev;

\tif (connect) {
\t\tphydev = of_phy_connect(ndev, intf->phy_dn, foo_adj_link, intf->phy_flags, intf->phy_iface);
\t\tif (!phydev)
\t\t\treturn -ENODEV;
\t\tphy_attached_info(phydev);
\t}
\tfoo_umac_init(intf);
\tnetif_start_queue(ndev);
\treturn 0;
}

static int foo_stop(struct net_device *ndev)
{
\tstruct foo_intf *intf = netdev_priv(ndev);

\tnetif_stop_queue(ndev);
\tSTOP_PUT
\treturn 0;
}
"""


def _phy_stands(code: str) -> bool:
    text = code.lstrip("\n").replace("\\t", "\t")
    path = "drivers/net/ethernet/foo/foo_intf.c"
    m = SimpleNamespace(kind="leak", path=path, get_line=_at(code, "of_phy_connect"),
                        exit_line=_at(code, "netif_start_queue") + 1, api="of_phy_connect", obj="phydev")
    ctx = Context(mode="tree", files={path: FileImages(pre=None, post=text)})
    return get_without_put_on_exit._cocci_leak_stands(ctx, {}, m)


def test_cocci_phy_attached_to_the_given_netdev_and_disconnected_at_stop_does_not_stand():
    assert not _phy_stands(PHY.replace("STOP_PUT", "phy_disconnect(ndev->phydev);"))


def test_cocci_phy_disconnected_through_another_holder_stands():
    assert _phy_stands(PHY.replace("STOP_PUT", "phy_disconnect(intf->spare_phy);"))
