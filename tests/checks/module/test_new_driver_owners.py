"""New-driver sample of session 12: four owners the rules did not see (fire and silent tests).

- MOD016: `indio_dev->dev.parent` of an iio device made by `devm_iio_device_alloc(&client->dev,
  ...)` is the probed device: a class device's allocator sets the parent it is given (ad7746.c);
  the parent of the probed device itself stays reported.
- MOD019: `priv->mutex_dev = &pdev->dev` with `pdev = of_find_device_by_node(...)` holds the
  lookup's reference, so `put_device(priv->mutex_dev)` is its put (mtk_drm_drv.c); the probed
  `pdev`'s own device still holds none.
- MOD015: a devm allocation in `if (!x) { ...; x = ...; }` runs on the first call only
  (vboxguest_core.c vbg_balloon_work()); an unguarded one still piles up.
- MOD035: a devm IRQ on the device of an object remove() unregisters before its kfree()
  (btusb.c: `&hdev->dev`, hci_unregister_dev()): device_del() releases that device's devres.
"""

from reviewbot.checks.module import devm_lifetime, devm_wrong_device, device_ref_imbalance, unbind_teardown_order
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet, tree_case

IIO = """
static int foo_adc_probe(struct i2c_client *client)
{
\tstruct iio_dev *indio_dev;
\tint ret;

\tindio_dev = devm_iio_device_alloc(&client->dev, sizeof(struct foo_chip));
\tif (!indio_dev)
\t\treturn -ENOMEM;
\tindio_dev->name = "foo";
\tret = i2c_smbus_write_byte_data(client, 0x10, 0);
\tif (ret < 0)
\t\treturn ret;
\treturn devm_iio_device_register(indio_dev->dev.parent, indio_dev);
}
"""
IPATH = "drivers/iio/adc/foo-adc.c"


def test_mod016_quiet_on_the_parent_of_a_device_made_on_the_probed_one():
    assert_quiet(devm_wrong_device, new_file(IPATH, IIO), include_low=True)


def test_mod016_fires_on_the_probed_devices_own_parent():
    code = IIO.replace("devm_iio_device_register(indio_dev->dev.parent,", "devm_iio_device_register(client->dev.parent,")
    assert_fires(devm_wrong_device, new_file(IPATH, code), at=[(IPATH, _at(code, "devm_iio_device_register"))])


def test_mod016_fires_when_the_device_was_made_on_another_parent():
    code = IIO.replace("devm_iio_device_alloc(&client->dev,", "devm_iio_device_alloc(client->dev.parent,")
    assert_fires(devm_wrong_device, new_file(IPATH, code), at=[(IPATH, _at(code, "devm_iio_device_register"))])


MPATH = "drivers/gpu/drm/foo/foo_drm_drv.c"
BIND = """\
static int foo_drm_bind(struct device *dev)
{
\tstruct foo_drm_private *private = dev_get_drvdata(dev);
\tstruct platform_device *pdev;
\tint ret;

\tpdev = of_find_device_by_node(private->mutex_node);
\tif (!pdev)
\t\treturn -EPROBE_DEFER;
\tprivate->mutex_dev = &pdev->dev;
\tret = foo_kms_init(private);
\tif (ret < 0)
\t\tgoto err_put_dev;
\treturn 0;

err_put_dev:
\tput_device(private->mutex_dev);
\treturn ret;
}

static void foo_drm_unbind(struct device *dev)
{
\tstruct foo_drm_private *private = dev_get_drvdata(dev);

\tfoo_kms_deinit(private);
}
"""
UNBIND_PUT = BIND.replace("\tfoo_kms_deinit(private);\n", "\tfoo_kms_deinit(private);\n\tput_device(private->mutex_dev);\n")


def test_mod019_quiet_on_the_put_of_a_member_holding_a_lookups_device():
    series, ctx = tree_case(MPATH, BIND, UNBIND_PUT)
    assert_quiet(device_ref_imbalance, series, context_for=ctx)


def test_mod019_fires_when_the_member_holds_the_probed_device():
    probe = BIND.replace("static int foo_drm_bind(struct device *dev)", "static int foo_drm_probe(struct platform_device *pdev)") \
        .replace("\tstruct platform_device *pdev;\n", "").replace(
        "\tpdev = of_find_device_by_node(private->mutex_node);\n\tif (!pdev)\n\t\treturn -EPROBE_DEFER;\n", "")
    post = probe.replace("\tfoo_kms_deinit(private);\n", "\tfoo_kms_deinit(private);\n\tput_device(private->mutex_dev);\n")
    series, ctx = tree_case(MPATH, probe, post)
    at = max(i for i, ln in enumerate(post.splitlines(), 1) if "put_device(private->mutex_dev)" in ln)
    assert_fires(device_ref_imbalance, series, at=[(MPATH, at)], context_for=ctx)


BALLOON = """
static void foo_balloon_work(struct work_struct *work)
{
\tstruct foo_dev *gdev = container_of(work, struct foo_dev, balloon.work);
\tu32 chunks = foo_query_chunks(gdev);

\tif (!gdev->balloon.max_chunks) {
\t\tgdev->balloon.pages =
\t\t\tdevm_kcalloc(gdev->dev, chunks, sizeof(struct page **), GFP_KERNEL);
\t\tif (!gdev->balloon.pages)
\t\t\treturn;
\t\tgdev->balloon.max_chunks = chunks;
\t}
\tfoo_balloon_resize(gdev, chunks);
}
"""
BPATH = "drivers/virt/foo/foo_core.c"


def test_mod015_quiet_on_a_first_call_allocation():
    assert_quiet(devm_lifetime, new_file(BPATH, BALLOON))


def test_mod015_fires_on_an_allocation_on_every_call():
    code = BALLOON.replace("\tif (!gdev->balloon.max_chunks) {", "\tif (chunks) {")
    assert_fires(devm_lifetime, new_file(BPATH, code), at=[(BPATH, _at(code, "devm_kcalloc"))])


BT = """
static int foo_config_oob_wake(struct hci_dev *hdev)
{
\tstruct foo_data *data = hci_get_drvdata(hdev);
\tint irq, ret;

\tirq = of_irq_get_byname(data->udev->dev.of_node, "wakeup");
\tif (irq <= 0)
\t\treturn 0;
\tret = devm_request_irq(&hdev->dev, irq, foo_oob_wake_handler, 0, "OOB Wake", data);
\tif (ret)
\t\treturn ret;
\tdata->oob_wake_irq = irq;
\treturn 0;
}

static void foo_disconnect(struct usb_interface *intf)
{
\tstruct foo_data *data = usb_get_intfdata(intf);
\tstruct hci_dev *hdev = data->hdev;

\thci_unregister_dev(hdev);
\thci_free_dev(hdev);
\tkfree(data);
}
"""
BTPATH = "drivers/bluetooth/foo_usb.c"


def test_mod035_quiet_when_remove_unregisters_the_devres_owner_first():
    assert_quiet(unbind_teardown_order, new_file(BTPATH, BT))


def test_mod035_fires_when_the_owner_is_unregistered_after_the_free():
    code = BT.replace("\thci_unregister_dev(hdev);\n\thci_free_dev(hdev);\n\tkfree(data);\n",
                      "\tkfree(data);\n\thci_unregister_dev(hdev);\n\thci_free_dev(hdev);\n")
    assert_fires(unbind_teardown_order, new_file(BTPATH, code), at=[(BTPATH, _at(code, "devm_request_irq"))])


DEBUGFS = """
static void foo_debugfs_add_entry(struct foo_pub *drvr, const char *fn,
\t\t\t\t  int (*read_fn)(struct seq_file *seq, void *data))
{
\tstruct device *dev = drvr->dev;
\tstruct foo_debugfs_entry *entry;

\tentry = devm_kzalloc(dev, sizeof(*entry), GFP_KERNEL);
\tif (!entry)
\t\treturn;
\tentry->read = read_fn;
\tdebugfs_create_file(fn, 0444, drvr->dbgfs_dir, entry, &foo_debugfs_def_ops);
}
"""
DPATH = "drivers/net/wireless/foo/debug.c"


def test_mod015_quiet_when_only_a_callback_parameter_takes_the_per_call_object():
    # brcmsmac debug.c: the seq_file is the parameter of `read_fn`, not of the function
    assert_quiet(devm_lifetime, new_file(DPATH, DEBUGFS))


def test_mod015_fires_when_the_function_takes_the_per_call_object():
    code = DEBUGFS.replace("static void foo_debugfs_add_entry(struct foo_pub *drvr, const char *fn,\n"
                           "\t\t\t\t  int (*read_fn)(struct seq_file *seq, void *data))",
                           "static void foo_debugfs_add_entry(struct foo_pub *drvr, struct seq_file *seq)")
    assert_fires(devm_lifetime, new_file(DPATH, code), at=[(DPATH, _at(code, "devm_kzalloc"))])
