"""MOD014: a test that the module finished its init, removed before try_module_get() of it
(kernel/bpf/btf.c btf_try_get_module(): try_module_get() succeeds during MODULE_STATE_COMING)."""

from reviewbot.checks.module import module_ref_for_unbind
from tests.helpers import assert_fires, assert_quiet, diff

BTF = """
    --- a/kernel/bpf/btf.c
    +++ b/kernel/bpf/btf.c
    @@ -8221,10 +8221,7 @@ struct module *btf_try_get_module(const struct btf *btf)
     \t\tif (btf_mod->btf != btf)
     \t\t\tcontinue;
     
    -\t\t/* We must only consider module whose __init routine has
    -\t\t * finished, hence we must check for BTF_MODULE_F_LIVE flag.
    -\t\t */
    -\t\tif ((btf_mod->flags & BTF_MODULE_F_LIVE) && try_module_get(btf_mod->module))
    +\t\tif (try_module_get(btf_mod->module))
     \t\t\tres = btf_mod->module;
     
     \t\tbreak;
"""


def test_fires_on_the_dropped_live_flag():
    assert_fires(module_ref_for_unbind, diff(BTF), at=[("kernel/bpf/btf.c", 8224)])


def test_quiet_on_the_fix():
    fix = """
    --- a/kernel/bpf/btf.c
    +++ b/kernel/bpf/btf.c
    @@ -8221,7 +8221,10 @@ struct module *btf_try_get_module(const struct btf *btf)
     \t\tif (btf_mod->btf != btf)
     \t\t\tcontinue;
     
    -\t\tif (try_module_get(btf_mod->module))
    +\t\t/* We must only consider module whose __init routine has
    +\t\t * finished, hence we must check for BTF_MODULE_F_LIVE flag.
    +\t\t */
    +\t\tif ((btf_mod->flags & BTF_MODULE_F_LIVE) && try_module_get(btf_mod->module))
     \t\t\tres = btf_mod->module;
     
     \t\tbreak;
"""
    assert_quiet(module_ref_for_unbind, diff(fix), include_low=True)


# The same defect written another way: the state test is its own statement, the get untouched.
SPLIT = """
    --- a/kernel/trace/foo_events.c
    +++ b/kernel/trace/foo_events.c
    @@ -410,8 +410,6 @@ static struct foo_event *foo_find_event(const char *name)
     \tlist_for_each_entry(ev, &foo_events, list) {
     \t\tif (strcmp(ev->name, name))
     \t\t\tcontinue;
    -\t\tif (!module_is_live(ev->mod) || ev->mod->state != MODULE_STATE_LIVE)
    -\t\t\tcontinue;
     \t\tif (!try_module_get(ev->mod))
     \t\t\treturn NULL;
     \t\treturn ev;
"""


def test_fires_on_a_separate_state_test_removed():
    assert_fires(module_ref_for_unbind, diff(SPLIT), at=[("kernel/trace/foo_events.c", 413, "old")])


def test_quiet_when_only_the_notifier_case_goes():
    # a notifier's `case MODULE_STATE_LIVE:` removed, no module reference in sight
    notifier = """
    --- a/kernel/trace/foo_events.c
    +++ b/kernel/trace/foo_events.c
    @@ -500,8 +500,6 @@ static int foo_module_notify(struct notifier_block *nb, unsigned long val, void *data)
     \tcase MODULE_STATE_COMING:
     \t\tfoo_add_module(mod);
     \t\tbreak;
    -\tcase MODULE_STATE_LIVE:
    -\t\tbreak;
     \tcase MODULE_STATE_GOING:
     \t\tfoo_remove_module(mod);
     \t\tbreak;
"""
    assert_quiet(module_ref_for_unbind, diff(notifier), include_low=True)


def test_quiet_when_a_get_takes_the_place_of_the_test():
    # sound/soc/intel/catpt/device.c catpt_resume(): `module_is_live(owner)` becomes a get and
    # an immediate put of the same module, the same question asked another way
    catpt = """
    --- a/sound/soc/intel/catpt/device.c
    +++ b/sound/soc/intel/catpt/device.c
    @@ -81,10 +81,11 @@ static int __maybe_unused catpt_resume(struct device *dev)
     \tif (ret)
     \t\treturn ret;
     
    -\tif (!module_is_live(dev->driver->owner)) {
    +\tif (!try_module_get(dev->driver->owner)) {
     \t\tdev_info(dev, "module unloading, skipping fw boot\\n");
     \t\treturn 0;
     \t}
    +\tmodule_put(dev->driver->owner);
     
     \tret = catpt_boot_firmware(cdev, true);
     \tif (ret) {
"""
    review_findings = [f for f in __import__("tests.helpers", fromlist=["run_rule"]).run_rule(
        module_ref_for_unbind, diff(catpt)).findings if "init" in f.message]
    assert not review_findings
