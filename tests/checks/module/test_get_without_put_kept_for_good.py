"""MOD003, new-driver sample of session 12: three exits that keep a reference for its owner.

- a status returned in the arm of `if (retval == 0)` is a success exit (ohci-pxa27x.c of 6.12:
  usb_create_hcd() sets the driver data, remove() reads it back and usb_put_hcd()s it);
- an `__init` of built-in code (TIMER_OF_DECLARE) returning success with the clock it got still
  enabled keeps it running for good (mips-gic-timer.c); a clock only read is still leaked;
- a reference taken on an object the function was given and handed to a devres action before
  the failing exit is the action's (cxl/port.c: `get_device(&cxlmd->dev);
  devm_add_action_or_reset(&port->dev, schedule_detach, cxlmd);`).
"""

from types import SimpleNamespace

from reviewbot.checks.module import get_without_put_on_exit
from reviewbot.context import Context, FileImages
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

HCD = """
static int foo_hcd_probe(struct platform_device *pdev)
{
\tstruct usb_hcd *hcd;
\tint retval, irq;

\tirq = platform_get_irq(pdev, 0);
\tif (irq < 0)
\t\treturn irq;
\thcd = usb_create_hcd(&foo_hc_driver, &pdev->dev, "foo");
\tif (!hcd)
\t\treturn -ENOMEM;
\tretval = foo_start_hc(hcd);
\tif (retval < 0)
\t\tgoto err;
\tretval = usb_add_hcd(hcd, irq, 0);
\tif (retval == 0) {
\t\tdevice_wakeup_enable(hcd->self.controller);
\t\treturn retval;
\t}
\tfoo_stop_hc(hcd);
 err:
\tusb_put_hcd(hcd);
\treturn retval;
}

static void foo_hcd_remove(struct platform_device *pdev)
{
\tstruct usb_hcd *hcd = platform_get_drvdata(pdev);

\tusb_remove_hcd(hcd);
\tfoo_stop_hc(hcd);
\tusb_put_hcd(hcd);
}
"""
PATH = "drivers/usb/host/ohci-foo.c"


def test_quiet_when_the_status_returned_was_tested_zero_and_remove_puts():
    assert_quiet(get_without_put_on_exit, new_file(PATH, HCD))


def test_fires_when_the_status_may_be_an_error():
    code = HCD.replace("\tif (retval == 0) {", "\tif (retval != -EPROBE_DEFER) {")
    assert_fires(get_without_put_on_exit, new_file(PATH, code), at=[(PATH, _at(code, "\t\treturn retval;"))])


def test_fires_when_the_status_is_set_again_before_the_return():
    code = HCD.replace("\t\tdevice_wakeup_enable(hcd->self.controller);",
                       "\t\tretval = device_wakeup_enable(hcd->self.controller);")
    assert_fires(get_without_put_on_exit, new_file(PATH, code), at=[(PATH, _at(code, "\t\treturn retval;"))])


TIMER = """
static int __init foo_timer_of_init(struct device_node *node)
{
\tstruct clk *clk;
\tint ret;

\tclk = of_clk_get(node, 0);
\tif (IS_ERR(clk))
\t\treturn PTR_ERR(clk);
\tret = clk_prepare_enable(clk);
\tif (ret < 0) {
\t\tclk_put(clk);
\t\treturn ret;
\t}
\tfoo_rate = clk_get_rate(clk);
\tret = foo_clocksource_init();
\tif (ret)
\t\treturn ret;
\treturn 0;
}
TIMER_OF_DECLARE(foo_timer, "foo,timer", foo_timer_of_init);
"""
TPATH = "drivers/clocksource/timer-foo.c"


def test_an_enabled_clock_kept_by_a_built_in_timer_is_in_use():
    # the error return after the enable still leaks the clock (and leaves it enabled)
    # (hunk mode asks about init-time code at low confidence); the success exit is not reported
    assert_fires(get_without_put_on_exit, new_file(TPATH, TIMER),
                 at=[(TPATH, _at(TIMER, "foo_clocksource_init()") + 2)], include_low=True)


def test_a_clock_only_read_is_still_leaked_on_success():
    # exynos_mct.c's tick clock: got for its rate, never enabled, never put
    code = TIMER.replace("\tret = clk_prepare_enable(clk);\n\tif (ret < 0) {",
                         "\tret = foo_check(node);\n\tif (ret < 0) {")
    lines = code.strip("\n").splitlines()
    at = [i for i, ln in enumerate(lines, 1) if ln.strip() in ("return ret;", "return 0;")][-2:]
    assert_fires(get_without_put_on_exit, new_file(TPATH, code), at=[(TPATH, a) for a in at], include_low=True)


def test_a_module_keeping_an_enabled_clock_in_a_local_leaks_it():
    code = TIMER.replace("TIMER_OF_DECLARE(foo_timer, \"foo,timer\", foo_timer_of_init);",
                         "module_init(foo_mod_init);\nmodule_exit(foo_mod_exit);")
    lines = code.strip("\n").splitlines()
    at = [i for i, ln in enumerate(lines, 1) if ln.strip() in ("return ret;", "return 0;")][-2:]
    assert_fires(get_without_put_on_exit, new_file(TPATH, code), at=[(TPATH, a) for a in at], include_low=True)


TAKE = """
static void foo_schedule_detach(void *cxlmd)
{
\tfoo_schedule_memdev_detach(cxlmd);
}

static int foo_endpoint_port_probe(struct foo_port *port)
{
\tstruct foo_memdev *cxlmd = to_foo_memdev(port->uport_dev);
\tint rc;

\tget_device(&cxlmd->dev);
\trc = devm_add_action_or_reset(&port->dev, foo_schedule_detach, cxlmd);
\tif (rc)
\t\treturn rc;
\trc = foo_decode_init(port);
\tif (rc)
\t\treturn rc;
\treturn 0;
}
"""
CPATH = "drivers/cxl/foo_port.c"


def _take_stands(code: str) -> bool:
    text = code.strip("\n").replace("\\t", "\t") + "\n"
    lines = text.split("\n")
    get = next(i for i, ln in enumerate(lines, 1) if "get_device(" in ln)
    exit_line = next(i for i, ln in enumerate(lines, 1) if "foo_decode_init" in ln) + 2
    m = SimpleNamespace(kind="take", path=CPATH, get_line=get, exit_line=exit_line, api="get_device",
                        obj="cxlmd")
    ctx = Context(mode="tree", files={CPATH: FileImages(pre=None, post=text)})
    return get_without_put_on_exit._cocci_leak_stands(ctx, {}, m)


def test_a_taken_reference_handed_to_a_devres_action_is_the_actions():
    assert not _take_stands(TAKE)


def test_a_taken_reference_kept_on_a_failing_exit_stands():
    code = TAKE.replace("\trc = devm_add_action_or_reset(&port->dev, foo_schedule_detach, cxlmd);\n"
                        "\tif (rc)\n\t\treturn rc;\n", "")
    assert _take_stands(code)
