"""MOD003: a reference a call of the kernel-API table consumes is not leaked by the exits after
that call: `drm_sched_job_add_dependency()` ("@fence is consumed in both the success and error
cases") also on its failure branch; `dma_buf_fd()` ("consumed on success") not on the branch
that tests its failure (shapes of 6.12's amdgpu_vm_sdma.c `amdgpu_vm_sdma_update()`, whose
stable fix removed the put from the failure branch, and of a dma-buf export ioctl)."""

from reviewbot.checks.module import get_without_put_on_exit
from tests.helpers import assert_fires, assert_quiet, tree_case

PATH = "drivers/gpu/drm/foo/foo_vm_sdma.c"
WITH_PUT = """\
static int foo_vm_sdma_update(struct foo_vm_update_params *p, struct dma_resv *resv)
{
\tstruct dma_resv_iter cursor;
\tstruct dma_fence *fence;
\tint r;

\tdma_resv_iter_begin(&cursor, resv, DMA_RESV_USAGE_KERNEL);
\tdma_resv_for_each_fence_unlocked(&cursor, fence) {
\t\tdma_fence_get(fence);
\t\tr = drm_sched_job_add_dependency(&p->job->base, fence);
\t\tif (r) {
\t\t\tdma_fence_put(fence);
\t\t\tdma_resv_iter_end(&cursor);
\t\t\treturn r;
\t\t}
\t}
\tdma_resv_iter_end(&cursor);
\treturn 0;
}
"""
WITHOUT_PUT = WITH_PUT.replace("\t\t\tdma_fence_put(fence);\n", "")


def test_tree_mode_quiet_when_the_extra_put_after_a_consumer_goes():
    series, ctx = tree_case(PATH, WITH_PUT, WITHOUT_PUT)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


EXPORT_PATH = "drivers/misc/foo/foo_export.c"
EXPORT_PRE = """\
static int foo_export_fd(struct foo_obj *obj, int flags)
{
\tstruct dma_buf *dmabuf;
\tint fd;

\tdmabuf = foo_obj_export(obj);
\tif (IS_ERR(dmabuf))
\t\treturn PTR_ERR(dmabuf);
\tget_dma_buf(dmabuf);
\tfd = dma_buf_fd(dmabuf, flags);
\tif (fd < 0) {
\t\tdma_buf_put(dmabuf);
\t\tdma_buf_put(dmabuf);
\t\treturn fd;
\t}
\tdma_buf_put(dmabuf);
\treturn fd;
}
"""
EXPORT_POST = EXPORT_PRE.replace("\t\tdma_buf_put(dmabuf);\n", "")


def test_tree_mode_still_fires_when_a_consumer_on_success_failed():
    # dma_buf_fd() takes the reference only when it returns an fd: its failure branch owes it
    series, ctx = tree_case(EXPORT_PATH, EXPORT_PRE, EXPORT_POST)
    assert_fires(get_without_put_on_exit, series, at=[(EXPORT_PATH, 12, "old")], context_for=ctx)
