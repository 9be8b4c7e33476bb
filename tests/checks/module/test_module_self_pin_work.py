"""MOD001: a self-pin handed to a work item whose handler drops it (fresh new-driver seed 11,
drivers/net/wireless/intel/iwlwifi/mvm/ops.c and pcie/trans.c in 6.12): at most a low question
at the pin; the hazard is the put at the end of the handler, which MOD013 reports.  And a pin
in an exported function (seed 6174)."""

from reviewbot.checks.module import code_after_module_put, module_self_pin
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

REPROBE = """
struct foo_reprobe {
\tstruct device *dev;
\tstruct work_struct work;
};

static void foo_reprobe_wk(struct work_struct *wk)
{
\tstruct foo_reprobe *reprobe;

\treprobe = container_of(wk, struct foo_reprobe, work);
\tif (device_reprobe(reprobe->dev))
\t\tdev_err(reprobe->dev, "reprobe failed!\\n");
\tput_device(reprobe->dev);
\tkfree(reprobe);
\tmodule_put(THIS_MODULE);
}

void foo_nic_restart(struct foo *priv)
{
\tstruct foo_reprobe *reprobe;

\tif (!try_module_get(THIS_MODULE))
\t\treturn;

\treprobe = kzalloc(sizeof(*reprobe), GFP_ATOMIC);
\tif (!reprobe) {
\t\tmodule_put(THIS_MODULE);
\t\treturn;
\t}
\treprobe->dev = get_device(priv->dev);
\tINIT_WORK(&reprobe->work, foo_reprobe_wk);
\tschedule_work(&reprobe->work);
}
"""


def test_a_pin_handed_to_a_work_item_that_drops_it_is_a_low_question():
    series = new_file("drivers/foo/foo.c", REPROBE)
    assert_quiet(module_self_pin, series)
    assert_fires(module_self_pin, series, at=[("drivers/foo/foo.c", _at(REPROBE, "try_module_get"))], include_low=True)
    # the put at the handler's end is still reported
    assert_fires(code_after_module_put, series, at=[("drivers/foo/foo.c", _at(REPROBE, "module_put(THIS_MODULE);"))])


def test_fires_when_no_work_handler_drops_it():
    code = REPROBE.replace("\tkfree(reprobe);\n\tmodule_put(THIS_MODULE);\n}", "\tkfree(reprobe);\n}")
    assert_fires(module_self_pin, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "try_module_get"))])
    # a handler that drops it, but is not the one set up here
    code = REPROBE.replace("INIT_WORK(&reprobe->work, foo_reprobe_wk)", "INIT_WORK(&reprobe->work, foo_other_wk)")
    assert_fires(module_self_pin, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "try_module_get"))])


# drivers/soc/ixp4xx/ixp4xx-qmgr.c (6.12, fresh new-driver seed 6174): the pin in an exported
# function, dropped by its exported release pair
EXPORTED = """
int foo_request_queue(unsigned int queue)
{
\tif (!try_module_get(THIS_MODULE))
\t\treturn -ENODEV;
\tfoo_used[queue] = 1;
\treturn 0;
}
EXPORT_SYMBOL(foo_request_queue);

void foo_release_queue(unsigned int queue)
{
\tfoo_used[queue] = 0;
\tmodule_put(THIS_MODULE);
}
EXPORT_SYMBOL(foo_release_queue);
"""


def test_a_pin_in_an_exported_function_is_a_low_question():
    series = new_file("drivers/foo/foo.c", EXPORTED)
    assert_quiet(module_self_pin, series)
    assert_fires(module_self_pin, series, at=[("drivers/foo/foo.c", _at(EXPORTED, "try_module_get"))], include_low=True)


def test_fires_when_the_pinning_function_is_not_exported():
    code = EXPORTED.replace("EXPORT_SYMBOL(foo_request_queue);\n", "")
    assert_fires(module_self_pin, new_file("drivers/foo/foo.c", code), at=[("drivers/foo/foo.c", _at(code, "try_module_get"))])
