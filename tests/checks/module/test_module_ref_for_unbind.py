from reviewbot.checks.module import module_ref_for_unbind
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case

CASES = DATA / "checks" / "module-ref-for-unbind"

OWN_DRIVER = diff("""
    --- a/drivers/iio/adc/foo.c
    +++ b/drivers/iio/adc/foo.c
    @@ -50,3 +50,6 @@ static int foo_probe(struct platform_device *pdev)
     \tstruct foo *st;
     
    +\tif (!try_module_get(pdev->dev.driver->owner))
    +\t\treturn -ENODEV;
    +
     \tst = devm_kzalloc(&pdev->dev, sizeof(*st), GFP_KERNEL);
""")

# sound/soc/intel/catpt/device.c (6.12, lines 75-88): get + put at once, a liveness probe.
REAL_CATPT_PROBE = diff("""
    --- a/sound/soc/intel/catpt/device.c
    +++ b/sound/soc/intel/catpt/device.c
    @@ -75,8 +75,13 @@
     static int __maybe_unused catpt_resume(struct device *dev)
     {
     \tstruct catpt_dev *cdev = dev_get_drvdata(dev);
     \tint ret, i;
     
     \tret = catpt_dsp_power_up(cdev);
     \tif (ret)
     \t\treturn ret;
    +\tif (!try_module_get(dev->driver->owner)) {
    +\t\tdev_info(dev, "module unloading, skipping fw boot\\n");
    +\t\treturn 0;
    +\t}
    +\tmodule_put(dev->driver->owner);
""")

# An exported core API pinning the provider device's driver: not the caller's own.
CORE_EXPORTED = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -50,2 +50,4 @@ struct foo *foo_get(struct device *dev)
     {
    +\tif (!try_module_get(dev->driver->owner))
    +\t\treturn ERR_PTR(-ENODEV);
     \treturn dev_get_drvdata(dev);
""")

UNBIND_COMMENT = diff("""
    --- a/sound/hda/foo_component.c
    +++ b/sound/hda/foo_component.c
    @@ -50,2 +50,5 @@ static int foo_component_bind(struct device *dev)
     {
    +\t/* pin the module to avoid dynamic unbinding */
    +\tif (!try_module_get(acomp->ops->owner))
    +\t\treturn -ENODEV;
     \treturn 0;
""")


def test_fires_on_pin_of_own_driver():
    assert_fires(module_ref_for_unbind, OWN_DRIVER, at=[("drivers/iio/adc/foo.c", 52)])


def test_real_catpt_liveness_probe_is_low_confidence():
    assert_quiet(module_ref_for_unbind, REAL_CATPT_PROBE)
    assert_fires(module_ref_for_unbind, REAL_CATPT_PROBE, at=[("sound/soc/intel/catpt/device.c", 83)],
                 include_low=True)


def test_quiet_on_exported_core_get():
    assert_quiet(module_ref_for_unbind, CORE_EXPORTED, include_low=True)


def test_unbind_comment_is_low_confidence():
    assert_quiet(module_ref_for_unbind, UNBIND_COMMENT)
    assert_fires(module_ref_for_unbind, UNBIND_COMMENT, at=[("sound/hda/foo_component.c", 52)], include_low=True)


def test_fires_on_real_adi_axi_adc_reversal():
    assert_fires(module_ref_for_unbind, load_case(CASES / "adi-axi-adc-wrong-module-ref.patch"),
                 at=[("drivers/iio/adc/adi-axi-adc.c", 335)])


def test_quiet_on_real_adi_axi_adc_fix():
    assert_quiet(module_ref_for_unbind, load_case(CASES / "adi-axi-adc-wrong-module-ref.fix.patch"), include_low=True)
