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
