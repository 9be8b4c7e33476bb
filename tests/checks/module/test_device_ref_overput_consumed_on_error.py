"""MOD019: an added put, in the failure branch of a call the kernel-API table says consumes the
reference even when it fails (`drm_sched_job_add_dependency()`: "@fence is consumed in both the
success and error cases"), of the reference taken for that call (shape of 6.12's
amdgpu_vm_sdma.c `amdgpu_vm_sdma_update()`)."""

from reviewbot.checks.module import device_ref_imbalance
from tests.helpers import assert_fires, assert_quiet, diff, tree_case

PATH = "drivers/gpu/drm/foo/foo_vm_sdma.c"
PRE = """\
static int foo_vm_sdma_update(struct foo_vm_update_params *p, struct dma_resv *resv)
{
\tstruct dma_resv_iter cursor;
\tstruct dma_fence *fence;
\tint r;

\tdma_resv_for_each_fence(&cursor, resv, DMA_RESV_USAGE_KERNEL, fence) {
\t\tdma_fence_get(fence);
\t\tr = drm_sched_job_add_dependency(&p->job->base, fence);
\t\tif (r) {
\t\t\tdma_resv_iter_end(&cursor);
\t\t\treturn r;
\t\t}
\t}
\treturn 0;
}
"""
POST = PRE.replace("\t\tif (r) {\n", "\t\tif (r) {\n\t\t\tdma_fence_put(fence);\n")


def test_tree_mode_fires_on_put_after_a_consumer_that_failed():
    series, ctx = tree_case(PATH, PRE, POST)
    assert_fires(device_ref_imbalance, series, at=[(PATH, 11)], context_for=ctx)


def test_hunk_mode_fires_when_the_hunk_shows_the_call():
    series = diff("""
        --- a/drivers/gpu/drm/foo/foo_vm_sdma.c
        +++ b/drivers/gpu/drm/foo/foo_vm_sdma.c
        @@ -234,6 +234,7 @@ static int foo_vm_sdma_update(struct foo_vm_update_params *p,
         \t\tdma_fence_get(fence);
         \t\tr = drm_sched_job_add_dependency(&p->job->base, fence);
         \t\tif (r) {
        +\t\t\tdma_fence_put(fence);
         \t\t\tdma_resv_iter_end(&cursor);
         \t\t\treturn r;
         \t\t}
    """)
    assert_fires(device_ref_imbalance, series, at=[("drivers/gpu/drm/foo/foo_vm_sdma.c", 237)])


def test_quiet_when_the_caller_puts_its_own_reference_on_both_paths():
    # the caller holds a reference of its own (a lookup's) and gives the consumer another:
    # its failure branch drops the caller's own, as the success path does further down
    pre = PRE.replace("\t\treturn 0;\n}", "\t\treturn 0;\n}").replace(
        "\tdma_resv_for_each_fence(&cursor, resv, DMA_RESV_USAGE_KERNEL, fence) {\n", "\t{\n\t\tfence = foo_fence_lookup(p);\n").replace(
        "\t\t\tdma_resv_iter_end(&cursor);\n", "").replace("\t}\n\treturn 0;", "\t\tdma_fence_put(fence);\n\t}\n\treturn 0;")
    post = pre.replace("\t\tif (r) {\n", "\t\tif (r) {\n\t\t\tdma_fence_put(fence);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)
