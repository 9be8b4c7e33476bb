from reviewbot.checks.module import module_self_pin
from tests.helpers import ROOT, assert_fires, assert_quiet, diff, load_case

FIRES = diff("""
    --- a/drivers/block/foo.c
    +++ b/drivers/block/foo.c
    @@ -10,3 +10,6 @@ static ssize_t reset_store(struct device *dev,
     {
    +\tif (!try_module_get(THIS_MODULE))
    +\t\treturn -ENODEV;
    +\tdo_reset(dev);
     \treturn len;
     }
""")

QUIET_KTHREAD = diff("""
    --- a/crypto/algboss.c
    +++ b/crypto/algboss.c
    @@ -10,3 +10,6 @@ static int cryptomgr_schedule_probe(struct crypto_larval *larval)
     {
    +\tif (!try_module_get(THIS_MODULE))
    +\t\tgoto err;
    +\tthread = kthread_run(cryptomgr_probe, param, "cryptomgr_probe");
     \treturn NOTIFY_STOP;
     }
""")


def test_fires_on_try_module_get_this_module():
    assert_fires(module_self_pin, FIRES, at=[("drivers/block/foo.c", 11)])


def test_quiet_on_kthread_handoff_by_default():
    assert_quiet(module_self_pin, QUIET_KTHREAD)
    assert_fires(module_self_pin, QUIET_KTHREAD, at=[("crypto/algboss.c", 11)], include_low=True)


def test_fires_on_real_zram_patch():
    series = load_case(ROOT / "examples/zram-sysfs-self-pin.patch")  # a real patch (dev corpus)
    assert_fires(module_self_pin, series, at=[("drivers/block/zram/zram_drv.c", n) for n in (1725, 1794, 2055, 2091)])


# drivers/block/rnbd/rnbd-clt-sysfs.c (2020): a module_is_live() test spelled with get + put.
LIVENESS_BLOCK = diff("""
    --- a/drivers/block/rnbd/rnbd-clt-sysfs.c
    +++ b/drivers/block/rnbd/rnbd-clt-sysfs.c
    @@ -433,3 +433,5 @@ static void rnbd_clt_remove_dev_symlink(struct rnbd_clt_dev *dev)
    -\tif (strlen(dev->blk_symlink_name) && module_is_live(THIS_MODULE))
    +\tif (strlen(dev->blk_symlink_name) && try_module_get(THIS_MODULE)) {
     \t\tsysfs_remove_link(rnbd_devs_kobj, dev->blk_symlink_name);
    +\t\tmodule_put(THIS_MODULE);
    +\t}
     }
""")

# The same get whose put comes only on a later path: the reference outlives the block.
HELD_PAST_BLOCK = diff("""
    --- a/drivers/block/rnbd/rnbd-clt-sysfs.c
    +++ b/drivers/block/rnbd/rnbd-clt-sysfs.c
    @@ -433,3 +433,6 @@ static void rnbd_clt_remove_dev_symlink(struct rnbd_clt_dev *dev)
    -\tif (strlen(dev->blk_symlink_name) && module_is_live(THIS_MODULE))
    +\tif (strlen(dev->blk_symlink_name) && try_module_get(THIS_MODULE)) {
     \t\tsysfs_remove_link(rnbd_devs_kobj, dev->blk_symlink_name);
    +\t\tdev->pinned = true;
    +\t}
    +\tqueue_work(system_wq, &dev->work);
     }
""")


def test_quiet_on_a_liveness_test_that_drops_the_reference_in_its_block():
    assert_quiet(module_self_pin, LIVENESS_BLOCK, include_low=True)
    assert_fires(module_self_pin, HELD_PAST_BLOCK, at=[("drivers/block/rnbd/rnbd-clt-sysfs.c", 433)])


def test_tree_mode_quiet_when_the_file_is_built_in_only():
    from reviewbot.context import Context, FileFacts
    built_in = Context(mode="tree", facts={"drivers/block/foo.c": FileFacts(modular=False)})
    modular = Context(mode="tree", facts={"drivers/block/foo.c": FileFacts(modular=True)})
    assert_quiet(module_self_pin, FIRES, include_low=True, context_for=lambda p: built_in)
    assert_fires(module_self_pin, FIRES, at=[("drivers/block/foo.c", 11)], context_for=lambda p: modular)
