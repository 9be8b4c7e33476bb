"""MOD003: the ways a condition says a get failed (or never ran), read on the new-driver seeds
of session 11 (each a false leak at first read):

- `if (dev->driver && try_module_get(dev->driver->owner)) { ...; module_put(...); }`: the get is
  one operand of an `&&` chain, so past the if nothing is held on either way
  (drivers/scsi/scsi_scan.c scsi_resume_device(), scsi_rescan_device());
- `if (isci_get_device(idev) == NULL) { ... } else { ...; isci_put_device(idev); }`: a comparison
  of the get with NULL is its failure test (drivers/scsi/isci/remote_device.c);
- `fence = dma_fence_get(rcu_dereference_protected(syncobj->fence, 1)); if (!fence) return;`: a
  getter returns the argument it counted, NULL for NULL (drivers/gpu/drm/drm_syncobj.c).
"""

from reviewbot.checks.module import get_without_put_on_exit
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet, tree_case

RESUME = """
int scsi_foo_resume_device(struct scsi_device *sdev)
{
\tstruct device *dev = &sdev->sdev_gendev;
\tint ret = 0;

\tdevice_lock(dev);
\tif (sdev->sdev_state != SDEV_RUNNING) {
\t\tret = -EWOULDBLOCK;
\t\tgoto unlock;
\t}

\tif (dev->driver && try_module_get(dev->driver->owner)) {
\t\tstruct scsi_driver *drv = to_scsi_driver(dev->driver);

\t\tif (drv->resume)
\t\t\tret = drv->resume(dev);
\t\tmodule_put(dev->driver->owner);
\t}

unlock:
\tdevice_unlock(dev);

\treturn ret;
}
EXPORT_SYMBOL(scsi_foo_resume_device);
"""
SCSI = "drivers/scsi/scsi_foo.c"


def test_quiet_past_an_and_chain_whose_true_branch_puts():
    assert_quiet(get_without_put_on_exit, new_file(SCSI, RESUME), include_low=True)


def test_fires_when_the_true_branch_leaves_with_the_reference():
    code = RESUME.replace("\t\t\tret = drv->resume(dev);\n",
                          "\t\t\tret = drv->resume(dev);\n\t\tif (ret)\n\t\t\tgoto unlock;\n")
    assert_fires(get_without_put_on_exit, new_file(SCSI, code),
                 at=[(SCSI, _at(code, "ret = drv->resume(dev);") + 2)], include_low=True)


ISCI = """
enum sci_status isci_foo_terminate(struct isci_host *ihost, struct isci_remote_device *idev)
{
\tenum sci_status status = SCI_SUCCESS;
\tunsigned long flags;

\tspin_lock_irqsave(&ihost->scic_lock, flags);

\tif (isci_get_device(idev) == NULL) {
\t\tdev_dbg(&ihost->pdev->dev, "%s: failed isci_get_device(idev=%p)\\n", __func__, idev);
\t\tspin_unlock_irqrestore(&ihost->scic_lock, flags);
\t\tstatus = SCI_FAILURE;
\t} else {
\t\tsci_remote_device_terminate_requests(idev);
\t\tspin_unlock_irqrestore(&ihost->scic_lock, flags);
\t\twait_event_timeout(ihost->eventq, isci_check_devempty(ihost, idev), HZ);
\t\tisci_put_device(idev);
\t}
\treturn status;
}
"""
ISCI_PATH = "drivers/scsi/isci/foo_device.c"


def test_quiet_when_a_null_comparison_is_the_gets_failure_branch():
    assert_quiet(get_without_put_on_exit, new_file(ISCI_PATH, ISCI), include_low=True)


def test_fires_when_the_success_branch_leaves_with_the_reference():
    code = ISCI.replace("\t\tsci_remote_device_terminate_requests(idev);\n",
                        "\t\tif (sci_remote_device_terminate_requests(idev))\n\t\t\treturn SCI_FAILURE;\n")
    assert_fires(get_without_put_on_exit, new_file(ISCI_PATH, code),
                 at=[(ISCI_PATH, _at(code, "return SCI_FAILURE;"))], include_low=True)


FENCE = """
static void
syncobj_foo_entry_func(struct drm_syncobj *syncobj, struct syncobj_eventfd_entry *entry)
{
\tint ret;
\tstruct dma_fence *fence;

\t/* This happens inside the syncobj lock */
\tfence = dma_fence_get(rcu_dereference_protected(syncobj->fence, 1));
\tif (!fence)
\t\treturn;

\tret = dma_fence_chain_find_seqno(&fence, entry->point);
\tif (ret != 0) {
\t\tdma_fence_put(fence);
\t\treturn;
\t}

\tentry->fence = fence;
\tret = dma_fence_add_callback(fence, &entry->fence_cb, syncobj_foo_fence_func);
}
"""
FENCE_PATH = "drivers/gpu/drm/drm_foo.c"


def test_quiet_when_the_getters_result_tests_null():
    series, ctx = tree_case(FENCE_PATH, "", FENCE.lstrip("\n"))
    assert_quiet(get_without_put_on_exit, series, context_for=ctx, include_low=True)


def test_fires_when_a_later_test_of_another_pointer_returns():
    code = FENCE.replace("\tif (!fence)\n\t\treturn;\n", "\tif (!entry->ev_fd_ctx)\n\t\treturn;\n")
    series, ctx = tree_case(FENCE_PATH, "", code.lstrip("\n"))
    assert_fires(get_without_put_on_exit, series, context_for=ctx,
                 at=[(FENCE_PATH, _at(code, "if (!entry->ev_fd_ctx)") + 1)])
