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
