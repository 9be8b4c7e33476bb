"""MOD019: a helper that drops the lookup reference its callers hand it and then unregisters
(drivers/base/memory.c of 6.12, remove_memory_block(); fresh new-driver seed 2468)."""

from reviewbot.checks.module import device_ref_imbalance
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

MEMORY = """
static struct foo_block *find_foo_block_by_id(unsigned long id)
{
\tstruct foo_block *mem;

\tmem = xa_load(&foo_blocks, id);
\tif (mem)
\t\tget_device(&mem->dev);
\treturn mem;
}

static void remove_foo_block(struct foo_block *memory)
{
\tWARN_ON(xa_erase(&foo_blocks, memory->dev.id) == NULL);

\t/* drop the ref. we got via find_foo_block_by_id() */
\tput_device(&memory->dev);
\tdevice_unregister(&memory->dev);
}

void remove_foo_block_devices(unsigned long start, unsigned long end)
{
\tstruct foo_block *mem;
\tunsigned long id;

\tfor (id = start; id != end; id++) {
\t\tmem = find_foo_block_by_id(id);
\t\tif (WARN_ON_ONCE(!mem))
\t\t\tcontinue;
\t\tremove_foo_block(mem);
\t}
}
"""


def test_quiet_when_every_caller_hands_over_its_lookup_reference():
    assert_quiet(device_ref_imbalance, new_file("drivers/base/foo.c", MEMORY))


def test_fires_when_a_caller_hands_a_borrowed_pointer_or_puts_it_itself():
    borrowed = MEMORY.replace("\t\tmem = find_foo_block_by_id(id);", "\t\tmem = xa_load(&foo_blocks, id);")
    where = [("drivers/base/foo.c", _at(MEMORY, "put_device(&memory->dev)")),
             ("drivers/base/foo.c", _at(MEMORY, "device_unregister(&memory->dev)"))]
    assert_fires(device_ref_imbalance, new_file("drivers/base/foo.c", borrowed), at=where, include_low=True)
    puts_too = MEMORY.replace("\t\tremove_foo_block(mem);", "\t\tremove_foo_block(mem);\n\t\tput_device(&mem->dev);")
    assert_fires(device_ref_imbalance, new_file("drivers/base/foo.c", puts_too), at=where, include_low=True)
