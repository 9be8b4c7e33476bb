from reviewbot.checks.module import removed_owner
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case

CASES = DATA / "checks" / "removed-owner"

FOPS_OWNER_REMOVED = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -100,5 +100,4 @@ static int foo_release(struct inode *inode, struct file *file)
     
     static const struct file_operations foo_fops = {
    -\t.owner\t\t= THIS_MODULE,
     \t.open\t\t= foo_open,
     \t.release\t= foo_release,
""")

OWNER_TO_NULL = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -100,3 +100,3 @@ static int foo_release(struct inode *inode, struct file *file)
     static const struct file_operations foo_fops = {
    -\t.owner\t\t= THIS_MODULE,
    +\t.owner\t\t= NULL,
     \t.open\t\t= foo_open,
""")

# Opener above the hunk: the type comes from the hunk header (medium confidence).
FROM_SECTION = diff("""
    --- a/drivers/block/foo.c
    +++ b/drivers/block/foo.c
    @@ -200,4 +200,3 @@ static const struct block_device_operations foo_bdops = {
     \t.open\t\t= foo_open,
     \t.release\t= foo_release,
    -\t.owner\t\t= THIS_MODULE,
     };
""")

RUNTIME = diff("""
    --- a/sound/soc/foo/board.c
    +++ b/sound/soc/foo/board.c
    @@ -40,5 +40,4 @@ static int board_probe(struct platform_device *pdev)
     \tstruct snd_soc_card *card = &data->card;
     \tcard->dev = &pdev->dev;
    -\tcard->owner = THIS_MODULE;
     \tcard->name = "board";
     \treturn devm_snd_soc_register_card(&pdev->dev, card);
""")

# Bus driver: platform_driver_register()/module_platform_driver() set .driver.owner.
PLATFORM_DRIVER = diff("""
    --- a/drivers/gpio/gpio-foo.c
    +++ b/drivers/gpio/gpio-foo.c
    @@ -222,7 +222,6 @@ MODULE_DEVICE_TABLE(of, foo_match);
     static struct platform_driver foo_driver = {
     \t.driver = {
     \t\t.name = "foo",
    -\t\t.owner = THIS_MODULE,
     \t\t.of_match_table = foo_match,
     \t},
     \t.probe = foo_probe,
""")

# The object goes away entirely (converted to another API): not an owner removal.
OBJECT_REMOVED = diff("""
    --- a/drivers/watchdog/foo_wdt.c
    +++ b/drivers/watchdog/foo_wdt.c
    @@ -300,8 +300,3 @@ static long foo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
     \treturn 0;
     }
     
    -static const struct file_operations foo_wdt_fops = {
    -\t.owner\t\t= THIS_MODULE,
    -\t.open\t\t= foo_open,
    -\t.release\t= foo_release,
    -};
""")

# Moved in the same patch (reordered definitions).
MOVED = diff("""
    --- a/drivers/block/foo.c
    +++ b/drivers/block/foo.c
    @@ -10,9 +10,4 @@ static void foo_free(struct foo *foo)
     \tkfree(foo);
     }
     
    -static const struct block_device_operations foo_fops = {
    -\t.owner\t\t= THIS_MODULE,
    -\t.open\t\t= foo_open,
    -};
    -
     static int foo_probe(struct device *dev)
    @@ -90,3 +85,8 @@ static int foo_remove(struct device *dev)
     \treturn 0;
     }
     
    +static const struct block_device_operations foo_fops = {
    +\t.owner\t\t= THIS_MODULE,
    +\t.open\t\t= foo_open,
    +};
    +
""")

# cpuidle_driver: the core pins drv->owner at registration; removing it may be the fix.
CPUIDLE = diff("""
    --- a/drivers/cpuidle/cpuidle-foo.c
    +++ b/drivers/cpuidle/cpuidle-foo.c
    @@ -50,4 +50,3 @@ static int foo_enter(struct cpuidle_device *dev, struct cpuidle_driver *drv, int i)
     static struct cpuidle_driver foo_idle_driver = {
     \t.name = "foo_idle",
    -\t.owner = THIS_MODULE,
     \t.states = {
""")


def test_fires_on_removed_fops_owner():
    assert_fires(removed_owner, FOPS_OWNER_REMOVED, at=[("drivers/char/foo.c", 102, "old")])


def test_fires_when_owner_redirected_to_null():
    assert_fires(removed_owner, OWNER_TO_NULL, at=[("drivers/char/foo.c", 101, "old")])


def test_fires_with_type_from_hunk_header():
    assert_fires(removed_owner, FROM_SECTION, at=[("drivers/block/foo.c", 202, "old")])


def test_fires_on_removed_runtime_card_owner():
    assert_fires(removed_owner, RUNTIME, at=[("sound/soc/foo/board.c", 42, "old")])


def test_quiet_on_platform_driver_owner():
    assert_quiet(removed_owner, PLATFORM_DRIVER, include_low=True)


def test_quiet_when_object_removed():
    assert_quiet(removed_owner, OBJECT_REMOVED, include_low=True)


def test_quiet_when_moved():
    assert_quiet(removed_owner, MOVED, include_low=True)


def test_cpuidle_driver_owner_is_low_confidence():
    assert_quiet(removed_owner, CPUIDLE)
    assert_fires(removed_owner, CPUIDLE, at=[("drivers/cpuidle/cpuidle-foo.c", 52, "old")], include_low=True)


def test_fires_on_real_dmabuf_ops_reversal():
    assert_fires(removed_owner, load_case(CASES / "drm-dmabuf-exporter-owner.patch"), at=[
        ("drivers/gpu/drm/exynos/exynos_drm_dmabuf.c", 167, "old"),
        ("drivers/gpu/drm/i915/i915_gem_dmabuf.c", 155, "old"),
        ("drivers/gpu/drm/nouveau/nouveau_prime.c", 130, "old"),
        ("drivers/gpu/drm/radeon/radeon_prime.c", 130, "old"),
        ("drivers/staging/omapdrm/omap_gem_dmabuf.c", 182, "old")])


def test_fires_on_real_asoc_card_owner_reversal():
    assert_fires(removed_owner, load_case(CASES / "asoc-qcom-card-owner.patch"), at=[
        ("sound/soc/qcom/apq8016_sbc.c", 146, "old"), ("sound/soc/qcom/apq8096.c", 117, "old"),
        ("sound/soc/qcom/sdm845.c", 558, "old"), ("sound/soc/qcom/storm.c", 99, "old")])


def test_quiet_on_real_bus_driver_owner_cleanups():
    for name in ("neg-pl330-drop-owner", "neg-virtio-sound-drop-owner", "neg-amba-store-owner",
                 "neg-sdw-mockup-drop-owner"):
        assert_quiet(removed_owner, load_case(CASES / f"{name}.patch"), include_low=True)


# An element of an array of xt_match: the element has the array's type.
ARRAY_ELEMENT = diff("""
    --- a/net/netfilter/xt_foo.c
    +++ b/net/netfilter/xt_foo.c
    @@ -40,8 +40,7 @@ static bool foo_mt(const struct sk_buff *skb, struct xt_action_param *par)
     static struct xt_match foo_mt_reg[] __read_mostly = {
     \t{
     \t\t.name       = "foo",
     \t\t.family     = NFPROTO_IPV4,
     \t\t.match      = foo_mt,
    -\t\t.me         = THIS_MODULE,
     \t},
     \t{
""")


def test_fires_on_array_element_owner():
    series = ARRAY_ELEMENT
    assert_fires(removed_owner, series, at=[("net/netfilter/xt_foo.c", 45, "old")])
    from tests.helpers import run_rule
    (f,) = run_rule(removed_owner, series).findings
    assert "struct xt_match" in f.message and f.confidence is None


def test_tree_mode_built_in_file_is_low_confidence():
    from types import MappingProxyType

    from reviewbot.context import Context, FileFacts

    ctx = lambda patch: Context(mode="tree", facts=MappingProxyType({"drivers/char/foo.c": FileFacts(modular=False)}))  # noqa: E731
    assert_quiet(removed_owner, FOPS_OWNER_REMOVED, context_for=ctx)
    assert_fires(removed_owner, FOPS_OWNER_REMOVED, at=[("drivers/char/foo.c", 102, "old")], include_low=True,
                 context_for=ctx)


RUNTIME_UNTYPED = diff("""
    --- a/sound/soc/foo/board.c
    +++ b/sound/soc/foo/board.c
    @@ -44,4 +44,3 @@ static int board_probe(struct platform_device *pdev)
     \tcard->dev = &pdev->dev;
    -\tcard->owner = THIS_MODULE;
     \tcard->name = "board";
     \treturn devm_snd_soc_register_card(&pdev->dev, card);
""")


def test_tree_mode_finds_the_declared_type():
    from types import MappingProxyType

    from reviewbot.context import Context, FileImages
    from tests.helpers import run_rule

    pre = "\n" * 40 + "static int board_probe(struct platform_device *pdev)\n{\n\tstruct snd_soc_card *card;\n"
    ctx = lambda patch: Context(mode="tree", files=MappingProxyType({"sound/soc/foo/board.c": FileImages(pre, "")}))  # noqa: E731
    (hunk_only,) = run_rule(removed_owner, RUNTIME_UNTYPED).findings
    (tree,) = run_rule(removed_owner, RUNTIME_UNTYPED, context_for=ctx).findings
    assert hunk_only.effective_confidence.value == "medium"
    assert tree.effective_confidence.value == "high" and tree.line == 45


# struct acpi_driver: `acpi_bus_register_driver(drv)` is a macro passing THIS_MODULE, which
# __acpi_bus_register_driver() stores in drv->drv.owner (6.12 include/acpi/acpi_bus.h,
# drivers/acpi/bus.c): the initializer's owner is redundant (the intel/smartconnect cleanup).
ACPI_DRIVER = diff("""
    --- a/drivers/platform/x86/foo-wmi-hotkeys.c
    +++ b/drivers/platform/x86/foo-wmi-hotkeys.c
    @@ -88,7 +88,6 @@ static const struct acpi_device_id foo_hotkey_ids[] = {
     MODULE_DEVICE_TABLE(acpi, foo_hotkey_ids);
     
     static struct acpi_driver foo_hotkey_driver = {
    -\t.owner = THIS_MODULE,
     \t.name = "foo_hotkeys",
     \t.class = "foo",
     \t.ids = foo_hotkey_ids,
""")


def test_quiet_on_acpi_driver_owner_the_register_macro_sets():
    assert_quiet(removed_owner, ACPI_DRIVER, include_low=True)
    other = ACPI_DRIVER.patches[0].diff.replace("struct acpi_driver", "struct input_handler")
    assert_fires(removed_owner, diff(other), at=[("drivers/platform/x86/foo-wmi-hotkeys.c", 91, "old")],
                 include_low=True)
