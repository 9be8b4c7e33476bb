"""Fresh tree-mode new-driver seeds 67 and 73 (session 10): three wrong findings, each a
kernel rule the checks did not know.  Fixtures are paraphrases (other names, other buses).

- MOD019: `sdev = to_foo_slave(dev)` then `put_device(&sdev->dev)` in a bus remove() is the
  parameter again (container_of's inverse): the probe's `get_device(dev)` took it.
- MOD003: a function that sets the `.release` of the device its unwind puts, a release that
  puts the reference the function took (`scsi_host_put(sdev->shost)`), handed it to the device.
- MOD035: a devm IRQ that the file's own release helper frees (`devm_free_irq()` on the same
  IRQ and cookie) is ended by that helper, not by devres after remove().
"""

from reviewbot.checks.module import device_ref_imbalance, get_without_put_on_exit, unbind_teardown_order
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet, tree_case

BUS = """
static int foo_slave_probe(struct device *dev)
{
\tstruct foo_driver *fdrv = to_foo_driver(dev->driver);
\tstruct foo_slave *sdev = to_foo_slave(dev);
\tint err;

\tGET_LINE
\terr = fdrv->probe(sdev);
\tif (err)
\t\tput_device(dev);
\treturn err;
}

static void foo_slave_remove(struct device *dev)
{
\tstruct foo_driver *fdrv = to_foo_driver(dev->driver);
\tstruct foo_slave *sdev = to_foo_slave(dev);

\tif (fdrv->remove)
\t\tfdrv->remove(sdev);
\tput_device(&sdev->dev);
}
"""


def test_mod019_quiet_on_remove_putting_through_the_accessor_what_probe_got():
    code = BUS.replace("GET_LINE", "get_device(dev);")
    assert_quiet(device_ref_imbalance, new_file("drivers/foo/foo-bus.c", code))
    series, ctx = tree_case("drivers/foo/foo-bus.c", "", code.lstrip("\n").replace("\\t", "\t"))
    assert_quiet(device_ref_imbalance, series, context_for=ctx)


def test_mod019_fires_when_no_setup_took_it():
    code = BUS.replace("GET_LINE", "dev_dbg(dev, \"probing\\n\");").replace("\t\tput_device(dev);\n", "\t\treturn err;\n")
    code = code.replace("\\t\\tput_device(dev);\n", "\\t\\treturn err;\n")
    assert_fires(device_ref_imbalance, new_file("drivers/foo/foo-bus.c", code),
                 at=[("drivers/foo/foo-bus.c", _at(code, "put_device(&sdev->dev)"))])


REG = """
static void foo_slave_release(struct device *dev)
{
\tstruct foo_slave *sdev = to_foo_slave(dev);

\tRELEASE_PUT
\tkfree(sdev);
}

int foo_slave_register(struct Scsi_Host *shost, struct foo_slave *sdev)
{
\tint ret;

\tdevice_initialize(&sdev->dev);
\tscsi_host_get(shost);
\tsdev->dev.parent = &shost->shost_gendev;
\tsdev->dev.release = foo_slave_release;
\tdev_set_name(&sdev->dev, "foo%d-%d", shost->host_no, sdev->id);

\tret = device_add(&sdev->dev);
\tif (ret < 0) {
\t\tpr_err("foo: cannot add slave %d\\n", sdev->id);
\t\tgoto err_put;
\t}
\treturn 0;

err_put:
\tput_device(&sdev->dev);
\treturn ret;
}
"""


def _tree(code: str):
    return tree_case("drivers/foo/foo-core.c", "", code.lstrip("\n").replace("\\t", "\t"))


def test_mod003_quiet_when_the_release_set_here_puts_the_reference():
    series, ctx = _tree(REG.replace("RELEASE_PUT", "scsi_host_put(sdev->shost);"))
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


def test_mod003_fires_when_the_release_puts_nothing_or_another_reference():
    code = REG.replace("RELEASE_PUT", "dev_dbg(dev, \"gone\\n\");")
    series, ctx = _tree(code)
    where = [("drivers/foo/foo-core.c", _at(code, "goto err_put;"))]
    assert_fires(get_without_put_on_exit, series, at=where, context_for=ctx)
    code = REG.replace("RELEASE_PUT", "scsi_host_put(sdev->transport_host);")  # another host's reference
    series, ctx = _tree(code)
    assert_fires(get_without_put_on_exit, series, at=[("drivers/foo/foo-core.c", _at(code, "goto err_put;"))],
                 context_for=ctx)


IRQ = """
static irqreturn_t foo_disp_irq(int irq, void *arg)
{
\tstruct foo_disp *disp = arg;

\treturn disp->user_handler(irq, disp->user_data);
}

int foo_disp_request_irq(struct foo_disp *disp, irq_handler_t handler, void *data)
{
\tdisp->user_handler = handler;
\tdisp->user_data = data;
\treturn devm_request_irq(&disp->pdev->dev, disp->irq, foo_disp_irq,
\t\t\t\tIRQF_SHARED, "foo disp", disp);
}

FREE_FN(struct foo_disp *disp)
{
\tdevm_free_irq(&disp->pdev->dev, disp->irq, COOKIE);
\tdisp->user_handler = NULL;
}

static void foo_disp_unbind(struct device *dev, struct device *master, void *data)
{
\tstruct foo_disp *disp = dev_get_drvdata(dev);

\tpm_runtime_disable(dev);
\tkfree(disp);
}
"""


def _irq(free_fn: str, cookie: str = "disp"):
    code = IRQ.replace("FREE_FN", free_fn).replace("COOKIE", cookie)
    return code, *_ttree(code)


def _ttree(code: str):
    return tree_case("drivers/gpu/drm/foo/foo_disp.c", "", code.lstrip("\n").replace("\\t", "\t"))


def test_mod035_quiet_when_the_files_own_helper_frees_the_devm_irq():
    _code, series, ctx = _irq("void foo_disp_free_irq")
    assert_quiet(unbind_teardown_order, series, context_for=ctx)
    assert_quiet(unbind_teardown_order, new_file("drivers/gpu/drm/foo/foo_disp.c", _code))


def test_mod035_fires_when_the_free_is_a_suspends_or_another_cookies():
    for fn, cookie in (("static int foo_disp_suspend", "disp"), ("void foo_disp_free_irq", "data")):
        code, series, ctx = _irq(fn, cookie)
        assert_fires(unbind_teardown_order, series, context_for=ctx,
                     at=[("drivers/gpu/drm/foo/foo_disp.c", _at(code, "devm_request_irq"))])
