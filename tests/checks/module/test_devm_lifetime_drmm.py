"""MOD015: DRM-managed memory (freed with the drm_device's last reference) made devm (freed at unbind)."""

from reviewbot.checks.module import devm_lifetime
from tests.helpers import assert_fires, assert_quiet, diff

# drivers/gpu/drm/vc4/vc4_dpi.c vc4_dpi_bind() of 6.12: the encoder state lives in drmm memory.
DRMM_TO_DEVM = """
    --- a/drivers/gpu/drm/vc4/vc4_dpi.c
    +++ b/drivers/gpu/drm/vc4/vc4_dpi.c
    @@ -316,7 +316,7 @@ static int vc4_dpi_bind(struct device *dev, struct device *master, void *data)
     \tstruct vc4_dpi *dpi;
     \tint ret;
     
    -\tdpi = drmm_kzalloc(drm, sizeof(*dpi), GFP_KERNEL);
    +\tdpi = devm_kzalloc(dev, sizeof(*dpi), GFP_KERNEL);
     \tif (!dpi)
     \t\treturn -ENOMEM;
     
"""


def test_fires_on_drmm_memory_made_devm():
    assert_fires(devm_lifetime, diff(DRMM_TO_DEVM), at=[("drivers/gpu/drm/vc4/vc4_dpi.c", 319)])


def test_quiet_on_the_fix():
    fix = DRMM_TO_DEVM.replace("    -\tdpi = drmm", "    +\tdpi = drmm").replace("    +\tdpi = devm", "    -\tdpi = devm")
    fix = fix.replace("    +\tdpi = drmm_kzalloc(drm, sizeof(*dpi), GFP_KERNEL);\n    -\tdpi = devm_kzalloc(dev, sizeof(*dpi), GFP_KERNEL);\n",
                      "    -\tdpi = devm_kzalloc(dev, sizeof(*dpi), GFP_KERNEL);\n    +\tdpi = drmm_kzalloc(drm, sizeof(*dpi), GFP_KERNEL);\n")
    assert_quiet(devm_lifetime, diff(fix), include_low=True)


def test_quiet_when_the_removed_drmm_call_is_not_the_allocation():
    # the hunk drops an unrelated drmm_ call and adds devm memory of another variable
    other = DRMM_TO_DEVM.replace("    -\tdpi = drmm_kzalloc(drm, sizeof(*dpi), GFP_KERNEL);\n",
                                 "    -\tret = drmm_mode_config_init(drm);\n")
    assert_quiet(devm_lifetime, diff(other))
