"""MOD003's verdict on a Coccinelle "register fails, its error path does not release x" path:
the reference a failed registration leaves is its creator's (the init or alloc that made the
object).  A function given the object by its caller returns the error to that caller, whose
unwind drops it (fwnode_mdio.c fwnode_mdiobus_phy_device_register() of 6.12, paraphrased);
a function that made the object itself must drop it."""

from types import SimpleNamespace

from reviewbot.checks.module import get_without_put_on_exit
from reviewbot.context import Context, FileImages

PATH = "drivers/net/mdio/foo_mdio.c"

_TEXT = """#include <linux/phy.h>

int foo_mdio_phy_register(struct mii_bus *mdio, struct phy_device *phy, u32 addr)
{
\tint rc;
{make}
\tphy->irq = mdio->irq[addr];
\trc = phy_device_register(phy);
\tif (rc)
\t\treturn rc;

\treturn 0;
}
"""


def _stands(make: str) -> bool:
    text = _TEXT.replace("{make}", make).replace("\\t", "\t")
    lines = text.split("\n")
    get = next(i for i, ln in enumerate(lines, 1) if "phy_device_register(" in ln)
    m = SimpleNamespace(kind="register", path=PATH, get_line=get, exit_line=get + 2,
                        api="phy_device_register", obj="phy")
    ctx = Context(mode="tree", files={PATH: FileImages(pre=None, post=text)})
    return get_without_put_on_exit._cocci_leak_stands(ctx, {}, m)


def test_a_failed_registration_of_the_callers_object_is_the_callers_to_drop():
    assert not _stands("")


def test_a_failed_registration_of_an_object_the_function_made_stands():
    assert _stands("\n\tphy = phy_device_create(mdio, addr, 0, false, NULL);\n\tif (IS_ERR(phy))\n"
                   "\t\treturn PTR_ERR(phy);\n")
    assert _stands("\n\tdevice_initialize(&phy->mdio.dev);\n".replace("&phy->mdio.dev", "phy"))
