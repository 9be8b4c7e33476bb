"""MOD019: a put before a goto whose label puts again, when the function took two references
(drivers/cdx/controller/mcdi.c of 6.12, cdx_mcdi_rpc_sync(): kref_init() and "an extra
reference for the completer to put"; fresh new-driver seed 7777)."""

from reviewbot.checks.module import device_ref_imbalance
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

MCDI = """
static int foo_rpc_sync(struct foo *foo, unsigned int cmd)
{
\tstruct foo_wait *wait_data;
\tint rc;

\twait_data = kmalloc(sizeof(*wait_data), GFP_KERNEL);
\tif (!wait_data)
\t\treturn -ENOMEM;

\tkref_init(&wait_data->ref);
\twait_data->done = false;

\t/* Claim an extra reference for the completer to put. */
\tkref_get(&wait_data->ref);
\trc = foo_rpc_async(foo, cmd, wait_data);
\tif (rc) {
\t\tkref_put(&wait_data->ref, foo_wait_release);
\t\tgoto out;
\t}

\twait_event(wait_data->wq, wait_data->done);
\trc = wait_data->rc;

out:
\tkref_put(&wait_data->ref, foo_wait_release);

\treturn rc;
}
"""


def test_quiet_when_two_references_were_taken():
    assert_quiet(device_ref_imbalance, new_file("drivers/foo/foo.c", MCDI))


def test_fires_when_only_one_was_taken():
    code = MCDI.replace("\t/* Claim an extra reference for the completer to put. */\n\tkref_get(&wait_data->ref);\n", "")
    lines = code.strip("\n").splitlines()
    puts = [i for i, ln in enumerate(lines, 1) if "kref_put(&wait_data->ref" in ln]
    assert_fires(device_ref_imbalance, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", puts[0]), ("drivers/foo/foo.c", puts[1])])
