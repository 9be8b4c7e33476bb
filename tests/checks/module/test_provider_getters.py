"""Consumer getters that pin a provider (dma, mailbox, pwm, nvmem, reset, iio, clk) reach the rules.

Their rows in checks/data/refs.tsv (bodies read in 6.12: each ends in `try_module_get()` of the
provider's owner and/or a device/kref get) make MOD003 follow their references like any other get
of the table.  Before those rows only the putters were known, and an early return after
`of_dma_request_slave_channel()` or `reset_control_get_exclusive()` went unreported.
"""

import pytest

from reviewbot.checks.module import get_without_put_on_exit
from tests.helpers import assert_fires, assert_quiet, diff, tree_case

PATH = "drivers/misc/foo.c"

# (getter call, its putter, a use that can fail): a paraphrase of a driver helper that gets the
# provider's object, uses it and puts it; the patch adds a failure check that returns early
FAMILIES = [
    ("of_dma_request_slave_channel(np, \"rx\")", "dma_release_channel", "dmaengine_slave_config(h, &cfg)"),
    ("mbox_request_channel(&priv->cl, 0)", "mbox_free_channel", "mbox_send_message(h, &msg)"),
    ("pwm_get(&pdev->dev, NULL)", "pwm_put", "pwm_apply_might_sleep(h, &state)"),
    ("nvmem_cell_get(&pdev->dev, \"calib\")", "nvmem_cell_put", "foo_read_cell(h)"),
    ("reset_control_get_exclusive(&pdev->dev, NULL)", "reset_control_put", "reset_control_deassert(h)"),
    ("of_reset_control_get_shared(np, \"bus\")", "reset_control_put", "reset_control_deassert(h)"),
    ("iio_channel_get(&pdev->dev, \"vbat\")", "iio_channel_release", "iio_read_channel_raw(h, &val)"),
    ("of_clk_get_by_name(np, \"ref\")", "clk_put", "clk_prepare_enable(h)"),
]


def _early_return(get: str, put: str, use: str, fixed: bool):
    if fixed:
        branch = f"""
    +\tif (ret) {{
    +\t\t{put}(h);
    +\t\treturn ret;
    +\t}}"""
    else:
        branch = """
    +\tif (ret)
    +\t\treturn ret;"""
    added = 2 + branch.count("\n    +")
    return diff(f"""
    --- a/{PATH}
    +++ b/{PATH}
    @@ -40,9 +40,{9 + added} @@ static int foo_calibrate(struct platform_device *pdev, struct foo *priv)
     \th = {get};
     \tif (IS_ERR(h))
     \t\treturn PTR_ERR(h);
     
    +\tret = {use};{branch}
    +
     \tfoo_setup(priv, h);
     \t{put}(h);
     
     \treturn 0;
     }}
    """)


@pytest.mark.parametrize("get,put,use", FAMILIES, ids=[f[1] + ":" + f[0].split("(")[0] for f in FAMILIES])
def test_early_return_after_a_provider_get_fires(get, put, use):
    assert_fires(get_without_put_on_exit, _early_return(get, put, use, fixed=False), [(PATH, 46)])


@pytest.mark.parametrize("get,put,use", FAMILIES, ids=[f[1] + ":" + f[0].split("(")[0] for f in FAMILIES])
def test_its_fix_is_quiet(get, put, use):
    assert_quiet(get_without_put_on_exit, _early_return(get, put, use, fixed=True), include_low=True)


# drivers/bluetooth/hci_ll.c of 6.12, hci_ti_probe(): the nvmem cell is put right after it is read
HCI_TI_PROBE = """static int hci_ti_probe(struct serdev_device *serdev)
{
	struct hci_uart *hu;
	struct ll_device *lldev;
	struct nvmem_cell *bdaddr_cell;
	u32 max_speed = 3000000;

	lldev = devm_kzalloc(&serdev->dev, sizeof(struct ll_device), GFP_KERNEL);
	if (!lldev)
		return -ENOMEM;
	hu = &lldev->hu;

	serdev_device_set_drvdata(serdev, lldev);
	lldev->serdev = hu->serdev = serdev;

	lldev->enable_gpio = devm_gpiod_get_optional(&serdev->dev,
						     "enable",
						     GPIOD_OUT_LOW);
	if (IS_ERR(lldev->enable_gpio))
		return PTR_ERR(lldev->enable_gpio);

	lldev->ext_clk = devm_clk_get(&serdev->dev, "ext_clock");
	if (IS_ERR(lldev->ext_clk) && PTR_ERR(lldev->ext_clk) != -ENOENT)
		return PTR_ERR(lldev->ext_clk);

	of_property_read_u32(serdev->dev.of_node, "max-speed", &max_speed);
	hci_uart_set_speeds(hu, 115200, max_speed);

	/* optional BD address from nvram */
	bdaddr_cell = nvmem_cell_get(&serdev->dev, "bd-address");
	if (IS_ERR(bdaddr_cell)) {
		int err = PTR_ERR(bdaddr_cell);

		if (err == -EPROBE_DEFER)
			return err;

		/* ENOENT means there is no matching nvmem cell and ENOSYS
		 * means that nvmem is not enabled in the kernel configuration.
		 */
		if (err != -ENOENT && err != -ENOSYS) {
			/* If there was some other error, give userspace a
			 * chance to fix the problem instead of failing to load
			 * the driver. Using BDADDR_NONE as a flag that is
			 * tested later in the setup function.
			 */
			dev_warn(&serdev->dev,
				 "Failed to get \\"bd-address\\" nvmem cell (%d)\\n",
				 err);
			bacpy(&lldev->bdaddr, BDADDR_NONE);
		}
	} else {
		bdaddr_t *bdaddr;
		size_t len;

		bdaddr = nvmem_cell_read(bdaddr_cell, &len);
		nvmem_cell_put(bdaddr_cell);
		if (IS_ERR(bdaddr)) {
			dev_err(&serdev->dev, "Failed to read nvmem bd-address\\n");
			return PTR_ERR(bdaddr);
		}
		if (len != sizeof(bdaddr_t)) {
			dev_err(&serdev->dev, "Invalid nvmem bd-address length\\n");
			kfree(bdaddr);
			return -EINVAL;
		}

		/* As per the device tree bindings, the value from nvmem is
		 * expected to be MSB first, but in the kernel it is expected
		 * that bdaddr_t is LSB first.
		 */
		baswap(&lldev->bdaddr, bdaddr);
		kfree(bdaddr);
	}

	return hci_uart_register_device(hu, &llp);
}
"""

# the put moved below the read's error check: that return now keeps the cell (and the nvmem
# provider's module and device)
HCI_TI_PROBE_PUT_MOVED = HCI_TI_PROBE.replace(
    "\t\tnvmem_cell_put(bdaddr_cell);\n\t\tif (IS_ERR(bdaddr)) {", "\t\tif (IS_ERR(bdaddr)) {").replace(
    "\t\t}\n\t\tif (len != sizeof(bdaddr_t)) {",
    "\t\t}\n\t\tnvmem_cell_put(bdaddr_cell);\n\t\tif (len != sizeof(bdaddr_t)) {")

LL = "drivers/bluetooth/hci_ll.c"


def test_put_moved_past_an_error_return_fires_in_tree_mode():
    series, ctx = tree_case(LL, HCI_TI_PROBE, HCI_TI_PROBE_PUT_MOVED)
    line = HCI_TI_PROBE_PUT_MOVED.splitlines().index("\t\t\treturn PTR_ERR(bdaddr);") + 1
    assert_fires(get_without_put_on_exit, series, [(LL, line)], context_for=ctx)


def test_the_moved_put_undone_is_quiet():
    series, ctx = tree_case(LL, HCI_TI_PROBE_PUT_MOVED, HCI_TI_PROBE)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)
