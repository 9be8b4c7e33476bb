
from reviewbot.checks.module import deferred_callback_not_cancelled
from tests.helpers import DATA, assert_fires, assert_quiet, diff, tree_case

REMOVED_CANCEL = diff("""
    --- a/drivers/foo/foo.c
    +++ b/drivers/foo/foo.c
    @@ -90,6 +90,5 @@ static void foo_remove(struct platform_device *pdev)
     {
     \tstruct foo *foo = platform_get_drvdata(pdev);
     
    -\tcancel_delayed_work_sync(&foo->poll_work);
     \tfoo_hw_off(foo);
     }
""")

CONVERTED_TO_DEVM = diff("""
    --- a/drivers/foo/foo.c
    +++ b/drivers/foo/foo.c
    @@ -40,3 +40,3 @@ static int foo_probe(struct platform_device *pdev)
    -\tINIT_DELAYED_WORK(&foo->poll_work, foo_poll);
    +\tret = devm_delayed_work_autocancel(&pdev->dev, &foo->poll_work, foo_poll);
     \tif (ret)
     \t\treturn ret;
""")

ARMING_REMOVED_TOO = diff("""
    --- a/drivers/foo/foo.c
    +++ b/drivers/foo/foo.c
    @@ -60,5 +60,2 @@ static int foo_exec(struct foo *foo)
     {
    -\tmod_timer(&foo->timer, jiffies + HZ);
    -\tif (foo_start(foo))
    -\t\tdel_timer_sync(&foo->timer);
     \treturn 0;
""")

NEW_FILE = diff("""
    --- /dev/null
    +++ b/drivers/foo/bar.c
    @@ -0,0 +1,9 @@
    +static int bar_probe(struct platform_device *pdev)
    +{
    +\tINIT_WORK(&bar->reset_work, bar_reset);
    +\treturn 0;
    +}
    +static struct platform_driver bar_driver = {
    +\t.probe = bar_probe,
    +};
    +module_platform_driver(bar_driver);
""")

# drivers/input/keyboard/gpio_keys.c from linux-source-6.12 (6.12.117), GPL-2.0
GPIO_KEYS = (DATA / "checks" / "deferred-callback-not-cancelled" / "gpio_keys.c").read_text()
KPATH = "drivers/input/keyboard/gpio_keys.c"


def _tree_series(pre: str, post: str):
    return tree_case(KPATH, pre, post)


def test_fires_on_removed_cancel():
    assert_fires(deferred_callback_not_cancelled, REMOVED_CANCEL, at=[("drivers/foo/foo.c", 93, "old")])


def test_quiet_on_devm_autocancel_conversion():
    assert_quiet(deferred_callback_not_cancelled, CONVERTED_TO_DEVM, include_low=True)


def test_quiet_when_the_arming_goes_too():
    assert_quiet(deferred_callback_not_cancelled, ARMING_REMOVED_TOO, include_low=True)


def test_new_file_without_cancel_is_low_confidence():
    assert_quiet(deferred_callback_not_cancelled, NEW_FILE)
    assert_fires(deferred_callback_not_cancelled, NEW_FILE, at=[("drivers/foo/bar.c", 3)], include_low=True)


def test_tree_mode_fires_on_real_gpio_keys_cancel_removed():
    post = GPIO_KEYS.replace("\telse\n\t\tcancel_delayed_work_sync(&bdata->work);\n", "", 1)
    assert post != GPIO_KEYS
    series, ctx_for = _tree_series(GPIO_KEYS, post)
    line = GPIO_KEYS.splitlines().index("\t\tcancel_delayed_work_sync(&bdata->work);") + 1
    assert_fires(deferred_callback_not_cancelled, series, at=[(KPATH, line, "old")], context_for=ctx_for)


def test_tree_mode_quiet_on_real_gpio_keys_edit_elsewhere():
    post = GPIO_KEYS.replace("INIT_DELAYED_WORK(&bdata->work, gpio_keys_gpio_work_func);",
                             "INIT_DELAYED_WORK(&bdata->work, gpio_keys_gpio_work_func); /* polled */", 1)
    series, ctx_for = _tree_series(GPIO_KEYS, post)
    assert_quiet(deferred_callback_not_cancelled, series, include_low=True, context_for=ctx_for)


def test_tree_mode_work_drained_by_destroying_its_workqueue():
    pre = ("static void acme_remove(struct platform_device *pdev)\n{\n"
           "\tstruct acme *a = platform_get_drvdata(pdev);\n\n"
           "\tdestroy_workqueue(a->wq);\n}\n")
    post = ("static int acme_probe(struct platform_device *pdev)\n{\n"
            "\tINIT_WORK(&a->event_work, acme_event);\n"
            "\tqueue_work(a->wq, &a->event_work);\n\treturn 0;\n}\n\n"
            "static struct platform_driver acme_driver = {\n\t.remove = acme_remove,\n};\n") + pre
    series, context_for = tree_case("drivers/misc/acme.c", pre, post)
    assert_quiet(deferred_callback_not_cancelled, series, include_low=True, context_for=context_for)
    # queued on the system workqueue: destroying a private one drains nothing
    post2 = post.replace("queue_work(a->wq, &a->event_work)", "schedule_work(&a->event_work)")
    series, context_for = tree_case("drivers/misc/acme.c", pre, post2)
    assert_fires(deferred_callback_not_cancelled, series, at=[("drivers/misc/acme.c", 3)], include_low=True,
                 context_for=context_for)


def test_tree_mode_work_cancelled_in_another_file_of_the_module():
    from reviewbot.context import Context, FileFacts, FileImages
    post = ("static int acme_probe(struct platform_device *pdev)\n{\n"
            "\tINIT_DELAYED_WORK(&a->poll, acme_poll);\n\treturn 0;\n}\n"
            "static struct platform_driver acme_driver = {\n\t.remove = acme_remove,\n};\n")
    series, _ = tree_case("drivers/misc/acme-main.c", "", post)
    others = {"drivers/misc/acme-core.c": "void acme_stop(struct acme *a)\n{\n\tcancel_delayed_work_sync(&a->poll);\n}\n"}
    facts = {"drivers/misc/acme-main.c": FileFacts(module_objects=("drivers/misc/acme-core.c", "drivers/misc/acme-main.c"))}
    ctx = Context(mode="tree", files={"drivers/misc/acme-main.c": FileImages(pre="", post=post)}, others=others,
                  facts=facts)
    assert_quiet(deferred_callback_not_cancelled, series, include_low=True, context_for=lambda p: ctx)
    ctx = Context(mode="tree", files={"drivers/misc/acme-main.c": FileImages(pre="", post=post)})
    assert_fires(deferred_callback_not_cancelled, series, at=[("drivers/misc/acme-main.c", 3)], include_low=True,
                 context_for=lambda p: ctx)
