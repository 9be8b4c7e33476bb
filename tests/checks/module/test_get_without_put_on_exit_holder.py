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
    assert_fires(get_without_put_on_exit, series, at=[("drivers/char/foo_port.c", 32)])  # the return under the label: only by the goto


def test_fires_when_the_object_torn_down_was_not_built_from_the_holder():
    series = diff(_PORT.replace("{alloc}", "alloc_foo_port_for").replace("(driver, idx);", "(NULL, idx);")
                  .replace("{teardown}", "release_foo_port"))
    assert_fires(get_without_put_on_exit, series, at=[("drivers/char/foo_port.c", 32)])  # the return under the label: only by the goto


# get_file() returns the file it was given, counted (include/linux/fs.h): the reference is on
# what it returns.  drivers/tty/tty_io.c redirected_tty_write() and tioccons(), as a new file
# in tree mode: a put through the returned pointer, and a store into a file-scope variable.
_REDIRECT = """\
static struct file *redirect;

static ssize_t foo_redirected_write(struct kiocb *iocb, struct iov_iter *iter)
{
\tstruct file *p = NULL;

\tspin_lock(&redirect_lock);
\tif (redirect)
\t\tp = get_file(redirect);
\tspin_unlock(&redirect_lock);
\tif (p) {
\t\tssize_t res;

\t\tres = foo_file_write(p, iocb, iter);
\t\t{put}
\t\treturn res;
\t}
\treturn foo_write(iocb, iter);
}

static int foo_set_console(struct file *file)
{
\tspin_lock(&redirect_lock);
\tredirect = get_file(file);
\tspin_unlock(&redirect_lock);
\treturn 0;
}
"""


def test_quiet_on_a_get_file_put_through_what_it_returned_and_one_kept_in_a_static():
    from tests.helpers import tree_case
    series, ctx = tree_case("drivers/tty/foo_cons.c", "", _REDIRECT.replace("{put}", "fput(p);"))
    assert_quiet(get_without_put_on_exit, series, include_low=True, context_for=ctx)


_ATTACH = """\
static int foo_attach(struct foo *foo, struct file *file)
{
\tstruct file *f;

\tf = get_file(file);
\tfoo->file = f;
\treturn 0;
}
"""


def test_fires_on_an_exit_added_before_the_returned_file_is_kept():
    from tests.helpers import tree_case
    post = _ATTACH.replace("\tfoo->file = f;", "\tif (foo->busy)\n\t\treturn -EBUSY;\n\tfoo->file = f;")
    series, ctx = tree_case("drivers/tty/foo_cons.c", _ATTACH, post)
    assert_fires(get_without_put_on_exit, series, at=[("drivers/tty/foo_cons.c", 7)], context_for=ctx)


# rio_mport_cdev's do_dma_request() of 6.12, posted as a new file: the request is handed to the
# DMA callback (`tx->callback_param = req`) and the kref_get() right after takes the reference
# that callback drops; a timeout return does not leak it.
CALLBACK_REF = """\
static int foo_do_dma(struct foo_req *req, struct dma_async_tx_descriptor *tx, long tmo)
{
\tlong wret;

\ttx->callback = foo_dma_callback;
\ttx->callback_param = req;
\tkref_get(&req->refcount);
\tif (foo_submit(tx) < 0) {
\t\tkref_put(&req->refcount, foo_req_free);
\t\treturn -EIO;
\t}

\twret = wait_for_completion_interruptible_timeout(&req->req_comp, tmo);
\tif (wret == 0)
\t\treturn -ETIMEDOUT;
\treturn 0;
}
"""


def test_quiet_on_a_get_taken_for_the_callback_the_object_was_handed_to():
    text = CALLBACK_REF
    series = diff("--- /dev/null\n+++ b/drivers/rapidio/foo.c\n@@ -0,0 +1,%d @@\n" % len(text.splitlines())
                  + "".join("+" + ln + "\n" for ln in text.splitlines()))
    assert_quiet(get_without_put_on_exit, series)
