"""MOD003: a getter returns the argument it counted (`ce = intel_context_get(m->context)`,
`phy->mdio.dev.fwnode = fwnode_handle_get(child)`): its result and its argument name one
object, so a put of either drops the reference, and a result stored in a structure is kept
there (i915 selftest_migrate.c, fwnode_mdio.c, etnaviv_gem_submit.c of 6.12, paraphrased).
Tree mode: the patch adds the function to a file that has only its include."""

from reviewbot.checks.module import get_without_put_on_exit
from tests.helpers import assert_fires, assert_quiet, tree_case

_PRE = "#include <linux/foo.h>\n\n"


def _added(path: str, body: str):
    """(series, context_for) adding `body` after the file's two lines."""
    return tree_case(path, _PRE, _PRE + body.lstrip("\n").replace("\\t", "\t"))


def _quiet(series_ctx):
    series, context_for = series_ctx
    assert_quiet(get_without_put_on_exit, series, context_for=context_for)


def _fires(series_ctx, path: str, line: int):
    series, context_for = series_ctx
    assert_fires(get_without_put_on_exit, series, [(path, line + len(_PRE.splitlines()))], context_for=context_for)


_LOCAL = """
static int foo_ccs_copy(struct foo_migrate *m, struct foo_request **out)
{
\tstruct intel_context *ce;
\tint err;

\tce = foo_migrate_create_context(m);
\tif (IS_ERR(ce))
\t\tce = intel_context_get(m->context);

\terr = intel_context_pin(ce);
\tif (err)
\t\t{exit};

\terr = foo_context_copy(ce, out);
\tintel_context_unpin(ce);
out:
\tintel_context_put(ce);
\treturn err;
}
"""


def test_quiet_when_the_result_of_the_getter_is_put():
    series = _added("drivers/gpu/drm/foo/foo_migrate.c", _LOCAL.replace("{exit}", "goto out"))
    _quiet(series)


def test_fires_when_an_exit_skips_the_put_of_the_result():
    series = _added("drivers/gpu/drm/foo/foo_migrate.c", _LOCAL.replace("{exit}", "return err"))
    _fires(series, "drivers/gpu/drm/foo/foo_migrate.c", 12)


_FIELD = """
int foo_mdio_register_phy(struct mii_bus *bus, struct phy_device *phy,
\t\t\t  struct fwnode_handle *child)
{
\tint rc;

\tphy->mdio.dev.fwnode = fwnode_handle_get(child);
\trc = phy_device_register(phy);
\tif (rc) {
\t\tphy->mdio.dev.fwnode = NULL;
{put}\t\tgoto clean_phy;
\t}
\treturn 0;

clean_phy:
\tphy_device_free(phy);
\treturn rc;
}
"""


def test_quiet_when_the_argument_of_the_getter_is_put():
    series = _added("drivers/net/mdio/foo_mdio.c", _FIELD.replace("{put}", "\t\tfwnode_handle_put(child);\n"))
    _quiet(series)


def test_fires_when_the_stored_reference_is_cleared_without_a_put():
    series = _added("drivers/net/mdio/foo_mdio.c", _FIELD.replace("{put}", ""))
    _fires(series, "drivers/net/mdio/foo_mdio.c", 10)


_HOLDER = """
static int foo_ioctl_submit(struct foo_file *file, struct foo_submit *submit)
{
\tint ret;

\t{keep} = etnaviv_iommu_context_get(file->ctx->mmu);
\tret = foo_sched_job_init(submit);
\tif (ret)
\t\tgoto err_submit_put;

\tret = foo_queue(submit, {keepname});
\tetnaviv_iommu_context_put({keepname});
\treturn ret;

err_submit_put:
\tfoo_submit_put(submit);
\treturn ret;
}
"""


def test_quiet_when_the_result_is_kept_in_the_holder():
    series = _added("drivers/gpu/drm/foo/foo_submit.c", _HOLDER.replace("{keep}", "\tsubmit->mmu_context").replace(
        "{keepname}", "submit->mmu_context"))
    _quiet(series)


def test_fires_when_the_result_is_only_a_local():
    series = _added("drivers/gpu/drm/foo/foo_submit.c", _HOLDER.replace(
        "{keep}", "\tstruct etnaviv_iommu_context *mmu;\n\n\tmmu").replace("{keepname}", "mmu"))
    _fires(series, "drivers/gpu/drm/foo/foo_submit.c", 10)


# exynos_hdmi.c hdmi_mode_fixup(): the get on an argument is skipped for NULL, and the exit
# under `if (!connector)` holds nothing; a later exit with the connector found does
_NULL_ARG = """
static bool foo_mode_fixup(struct drm_encoder *encoder, struct drm_display_mode *adjusted)
{
\tstruct drm_connector *connector = foo_find_connector(encoder);
\tint mode_ok;

\tif (connector)
\t\tdrm_connector_get(connector);

\tif ({test})
\t\treturn true;

\tmode_ok = foo_mode_valid(connector, adjusted);
\tdrm_connector_put(connector);
\treturn mode_ok == MODE_OK;
}
"""


def test_quiet_on_an_exit_where_the_object_is_null():
    _quiet(_added("drivers/gpu/drm/foo/foo_hdmi.c", _NULL_ARG.replace("{test}", "!connector")))


def test_fires_on_an_exit_where_the_object_was_found():
    _fires(_added("drivers/gpu/drm/foo/foo_hdmi.c", _NULL_ARG.replace("{test}", "!adjusted->clock")),
           "drivers/gpu/drm/foo/foo_hdmi.c", 10)


# i915_gem_context.c i915_gem_create_context(): a kref_init()ed object freed on the unwind
# before anyone else has it: the bare kref counts nothing else
_KREF = """
static struct foo_ctx *foo_create_context(struct foo_device *fdev)
{
\tstruct foo_ctx *ctx;
\tint err;

\tctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
\tif (!ctx)
\t\treturn ERR_PTR(-ENOMEM);

\tkref_init(&ctx->ref);
\tctx->fdev = fdev;

\terr = foo_ctx_setup(ctx);
\tif (err)
\t\tgoto err_ctx;

\treturn ctx;

err_ctx:
\tdma_fence_put(ctx->fence);
{free}\treturn ERR_PTR(err);
}
"""


def test_quiet_when_the_unwind_frees_the_container_of_a_bare_kref():
    _quiet(_added("drivers/gpu/drm/foo/foo_ctx.c", _KREF.replace("{free}", "\tkfree(ctx);\n")))


def test_fires_when_the_unwind_forgets_the_container_of_a_bare_kref():
    _fires(_added("drivers/gpu/drm/foo/foo_ctx.c", _KREF.replace("{free}", "")),
           "drivers/gpu/drm/foo/foo_ctx.c", 15)


# be2iscsi be_main.c beiscsi_boot_create_kset(): each scsi_host_get() goes to a boot kobject
# made with a release callback that puts it; a later failure does not leak the earlier one
_RELEASE_CB = """
static void foo_boot_kobj_release(void *data)
{
\tstruct foo_hba *phba = data;

\tscsi_host_put(phba->shost);
}

static int foo_boot_create_kset(struct foo_hba *phba)
{
\tstruct iscsi_boot_kobj *boot_kobj;

\tif (!scsi_host_get(phba->shost))
\t\treturn -ENODEV;
\tboot_kobj = iscsi_boot_create_target(phba->boot_kset, 0, phba, foo_show_boot_tgt_info,
\t\t\t\t\t     foo_tgt_get_attr_visibility, {release});
\tif (!boot_kobj)
\t\tgoto put_shost;

\tif (!foo_boot_ready(phba))
\t\tgoto free_kset;
\treturn 0;

put_shost:
\tscsi_host_put(phba->shost);
free_kset:
\tiscsi_boot_destroy_kset(phba->boot_kset);
\treturn -ENOMEM;
}
"""


def test_quiet_when_the_reference_went_to_an_object_made_with_its_release():
    _quiet(_added("drivers/scsi/foo/foo_main.c", _RELEASE_CB.replace("{release}", "foo_boot_kobj_release")))


def test_fires_when_the_callback_does_not_release_it():
    _fires(_added("drivers/scsi/foo/foo_main.c", _RELEASE_CB.replace("{release}", "foo_boot_kobj_free")),
           "drivers/scsi/foo/foo_main.c", 20)


# lpc32xx-dmamux.c lpc32xx_dmamux_reserve(): the exit after `return mux;` and the unwind label
# is reached only by the gotos, each judged with the label's code
_AFTER_RETURN = """
static void *foo_dmamux_reserve(struct of_phandle_args *dma_spec, struct of_dma *ofdma)
{
\tstruct platform_device *pdev = of_find_device_by_node(ofdma->of_node);
\tstruct foo_mux *mux;
\tint ret = -EINVAL;

\tif (dma_spec->args_count != 3)
\t\tgoto err_put_pdev;

\tdma_spec->np = of_parse_phandle(ofdma->of_node, "dma-masters", 0);
\tif (!dma_spec->np)
\t\tgoto err_put_pdev;

\tmux = foo_mux_find(pdev, dma_spec->args[0]);
\tif (!mux) {
{put}\t\tret = -EBUSY;
\t\tgoto err_put_pdev;
\t}

\tput_device(&pdev->dev);
\treturn mux;

err_put_pdev:
\tput_device(&pdev->dev);
\treturn ERR_PTR(ret);
}
"""


def test_quiet_on_the_exit_after_the_label_when_every_goto_dropped_it():
    _quiet(_added("drivers/dma/foo-dmamux.c", _AFTER_RETURN.replace("{put}", "\t\tof_node_put(dma_spec->np);\n")))


def test_fires_on_the_goto_that_keeps_it():
    _fires(_added("drivers/dma/foo-dmamux.c", _AFTER_RETURN.replace("{put}", "")), "drivers/dma/foo-dmamux.c", 17)


# xe tests/xe_migrate.c xe_migrate_copy(): the unwind labels of a loop body after `continue;`
# are reached only by the next round's gotos, which find the fence put there
_LOOP_LABELS = """
static struct dma_fence *foo_copy(struct foo_m *m, int n)
{
\tstruct dma_fence *fence = NULL;
\tint err;

\twhile (n--) {
\t\tstruct foo_job *job;

\t\tjob = foo_job_create(m);
\t\tif (IS_ERR(job)) {
\t\t\terr = PTR_ERR(job);
\t\t\tgoto err_sync;
\t\t}
\t\tdma_fence_put(fence);
\t\tfence = dma_fence_get(&job->finished);
\t\tfoo_job_push(job);
{step}\t\tcontinue;

err_sync:
\t\tif (fence) {
\t\t\tdma_fence_wait(fence, false);
\t\t\tdma_fence_put(fence);
\t\t}
\t\treturn ERR_PTR(err);
\t}

\treturn fence;
}
"""


def test_quiet_on_the_unwind_of_a_loop_body_after_continue():
    _quiet(_added("drivers/gpu/drm/foo/foo_migrate.c", _LOOP_LABELS.replace("{step}", "")))


def test_fires_on_a_return_before_the_continue():
    _fires(_added("drivers/gpu/drm/foo/foo_migrate.c", _LOOP_LABELS.replace(
        "{step}", "\t\tif (foo_job_failed(job))\n\t\t\treturn ERR_PTR(-EIO);\n")), "drivers/gpu/drm/foo/foo_migrate.c", 18)


# amdkfd kfd_process.c create_process(): a kref_get() on the new process (for the notifier),
# then a failure whose unwind frees the whole process: the count dies with its container
_KREF_GET = _KREF.replace("\tctx->fdev = fdev;\n", "\tctx->fdev = fdev;\n\tkref_get(&ctx->ref);\n")


def test_quiet_when_the_unwind_frees_the_container_of_a_kref_got_again():
    _quiet(_added("drivers/gpu/drm/foo/foo_ctx.c", _KREF_GET.replace("{free}", "\tkfree(ctx);\n")))


def test_fires_when_the_unwind_keeps_the_container_of_a_kref_got_again():
    _fires(_added("drivers/gpu/drm/foo/foo_ctx.c", _KREF_GET.replace("{free}", "")),
           "drivers/gpu/drm/foo/foo_ctx.c", 16)
