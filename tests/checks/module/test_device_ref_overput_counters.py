"""MOD019: one put each of two counters of one object is no second put (drivers/nvmem/core.c
of 6.12, __nvmem_device_put(): the device's reference and the nvmem's own kref; fresh
new-driver seed 8192)."""

from reviewbot.checks.module import device_ref_imbalance
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

NVMEM = """
static void __foo_device_put(struct foo_nvmem *nvmem)
{
\tput_device(&nvmem->dev);
\tmodule_put(nvmem->owner);
\tkref_put(&nvmem->refcnt, foo_device_release);
}
"""


def test_quiet_on_one_put_of_each_counter():
    assert_quiet(device_ref_imbalance, new_file("drivers/nvmem/foo.c", NVMEM))


def test_fires_on_two_puts_of_one_counter():
    code = NVMEM.replace("kref_put(&nvmem->refcnt, foo_device_release)", "kobject_put(&nvmem->dev.kobj)")
    assert_fires(device_ref_imbalance, new_file("drivers/nvmem/foo.c", code),
                 at=[("drivers/nvmem/foo.c", _at(code, "put_device(&nvmem->dev)"))])


# drivers/net/ethernet/amd/xgbe/xgbe-phy-v2.c (6.12, xgbe_phy_free_phy_device()): phy_detach()
# drops the reference phy_attach_direct() took, phy_device_free() the one get_phy_device() made
PHY = """
static void foo_phy_free_phy_device(struct foo_phy_data *phy_data)
{
\tif (phy_data->phydev) {
\t\tphy_detach(phy_data->phydev);
\t\tphy_device_remove(phy_data->phydev);
\t\tphy_device_free(phy_data->phydev);
\t\tphy_data->phydev = NULL;
\t}
}
"""


def test_quiet_on_the_attach_and_the_creation_reference():
    assert_quiet(device_ref_imbalance, new_file("drivers/net/phy/foo.c", PHY), include_low=True)


def test_fires_when_the_attach_reference_is_dropped_twice():
    # phy_disconnect() detaches too: both answer the attach
    code = PHY.replace("\t\tphy_device_remove(phy_data->phydev);\n", "\t\tphy_disconnect(phy_data->phydev);\n")
    assert_fires(device_ref_imbalance, new_file("drivers/net/phy/foo.c", code),
                 at=[("drivers/net/phy/foo.c", _at(code, "phy_detach(phy_data->phydev)")),
                     ("drivers/net/phy/foo.c", _at(code, "phy_disconnect(phy_data->phydev)"))], include_low=True)
