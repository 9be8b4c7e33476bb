"""MOD003: a pin on a holder's member (`try_module_get(driver->owner)`) taken over by an object
built from that holder, whose teardown the unwind runs (drivers/tty/tty_io.c tty_init_dev():
`tty = alloc_tty_struct(driver, idx)`, `release_tty(tty, idx)` on the error path, and
release_one_tty() puts `driver->owner`).  Posted as a new file, renamed."""

from reviewbot.checks.module import get_without_put_on_exit
from tests.helpers import assert_fires, assert_quiet, diff

_PORT = """
    --- /dev/null
    +++ b/drivers/char/foo_port.c
    @@ -0,0 +1,40 @@
    +static void foo_port_free(struct work_struct *work)
    +{
    +\tstruct foo_port *port = container_of(work, struct foo_port, free_work);
    +\tstruct foo_driver *driver = port->driver;
    +\tstruct module *owner = driver->owner;
    +
    +\tkfree(port);
    +\tmodule_put(owner);
    +}
    +
    +static void release_foo_port(struct foo_port *port)
    +{
    +\tschedule_work(&port->free_work);
    +}
    +
    +struct foo_port *foo_port_open(struct foo_driver *driver, int idx)
    +{
    +\tstruct foo_port *port;
    +\tint ret;
    +
    +\tif (!try_module_get(driver->owner))
    +\t\treturn ERR_PTR(-ENODEV);
    +
    +\tport = {alloc}(driver, idx);
    +\tif (!port) {
    +\t\tmodule_put(driver->owner);
    +\t\treturn ERR_PTR(-ENOMEM);
    +\t}
    +
    +\tret = foo_port_setup(port);
    +\tif (ret)
    +\t\tgoto err_release;
    +
    +\treturn port;
    +
    +err_release:
    +\t{teardown}(port);
    +\treturn ERR_PTR(ret);
    +}
    +
"""


def test_quiet_when_the_unwind_tears_down_the_object_that_took_over_the_pin():
    series = diff(_PORT.replace("{alloc}", "alloc_foo_port").replace("{teardown}", "release_foo_port"))
    assert_quiet(get_without_put_on_exit, series, include_low=True)


def test_fires_when_the_unwind_does_not_tear_it_down():
    series = diff(_PORT.replace("{alloc}", "alloc_foo_port").replace("{teardown}", "foo_port_log"))
    assert_fires(get_without_put_on_exit, series, at=[("drivers/char/foo_port.c", 32), ("drivers/char/foo_port.c", 38)])


def test_fires_when_the_object_torn_down_was_not_built_from_the_holder():
    series = diff(_PORT.replace("{alloc}", "alloc_foo_port_for").replace("(driver, idx);", "(NULL, idx);")
                  .replace("{teardown}", "release_foo_port"))
    assert_fires(get_without_put_on_exit, series, at=[("drivers/char/foo_port.c", 32), ("drivers/char/foo_port.c", 38)])
