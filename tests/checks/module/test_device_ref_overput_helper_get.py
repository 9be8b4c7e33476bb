"""MOD019: a probe whose unwind puts the device that a helper of the same file took a
reference on for it (drivers/net/ethernet/agere/et131x.c of 6.12: et131x_adapter_init() keeps
`adapter->pdev = pci_dev_get(pdev)`, et131x_pci_setup()'s unwind puts pdev; new-driver seed 137)."""

from reviewbot.checks.module import device_ref_imbalance
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

PROBE = """
static struct bar_adapter *bar_adapter_init(struct net_device *netdev,
\t\t\t\t\t   struct pci_dev *pdev)
{
\tstruct bar_adapter *adapter;

\tadapter = netdev_priv(netdev);
\tadapter->pdev = pci_dev_get(pdev);
\tadapter->netdev = netdev;
\tspin_lock_init(&adapter->lock);
\treturn adapter;
}

static int bar_pci_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
\tstruct net_device *netdev;
\tstruct bar_adapter *adapter;
\tint rc;

\trc = pci_enable_device(pdev);
\tif (rc < 0)
\t\treturn rc;

\tnetdev = alloc_etherdev(sizeof(struct bar_adapter));
\tif (!netdev) {
\t\trc = -ENOMEM;
\t\tgoto err_disable;
\t}
\tSET_NETDEV_DEV(netdev, &pdev->dev);

\tadapter = bar_adapter_init(netdev, pdev);

\tadapter->regs = pci_ioremap_bar(pdev, 0);
\tif (!adapter->regs) {
\t\trc = -ENOMEM;
\t\tgoto err_free_dev;
\t}

\trc = register_netdev(netdev);
\tif (rc < 0)
\t\tgoto err_iounmap;

\tpci_set_drvdata(pdev, netdev);
\treturn 0;

err_iounmap:
\tiounmap(adapter->regs);
err_free_dev:
\tpci_dev_put(pdev);
\tfree_netdev(netdev);
err_disable:
\tpci_disable_device(pdev);
\treturn rc;
}
"""

PATH = "drivers/net/ethernet/bar/bar_main.c"


def test_quiet_when_a_helper_of_the_file_took_the_reference_it_puts():
    assert_quiet(device_ref_imbalance, new_file(PATH, PROBE))


def test_fires_when_the_helper_takes_none():
    borrowed = PROBE.replace("adapter->pdev = pci_dev_get(pdev);", "adapter->pdev = pdev;")
    assert_fires(device_ref_imbalance, new_file(PATH, borrowed), at=[(PATH, _at(PROBE, "pci_dev_put(pdev)"))],
                 include_low=True)


def test_fires_when_the_helper_takes_it_on_another_argument():
    # the helper's reference is on the device it reaches through netdev, not on the probe's pdev
    other = PROBE.replace("adapter->pdev = pci_dev_get(pdev);", "adapter->pdev = pci_dev_get(to_pci_dev(netdev->dev.parent));")
    assert_fires(device_ref_imbalance, new_file(PATH, other), at=[(PATH, _at(PROBE, "pci_dev_put(pdev)"))],
                 include_low=True)
