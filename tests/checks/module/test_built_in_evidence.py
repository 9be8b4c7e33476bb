"""MOD006/MOD026 on new drivers: what a patch itself says about the build and the owner.

The shapes are 6.12 drivers posted as new files (benchmarks/new_drivers.py): each quiet case
is a real driver the rule used to flag, each firing case the same code made modular."""

from reviewbot.checks.module import init_exit_self_ref, missing_owner
from reviewbot.checks.module._builtin import from_patch, from_text
from tests.helpers import assert_fires, assert_quiet, diff


def new_file(path: str, body: str, extra: str = ""):
    lines = body.strip("\n").split("\n")
    head = (f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n"
            + "".join(f"+{ln}\n" for ln in lines))
    return diff(f"diff --git a/{path} b/{path}\nnew file mode 100644\n" + head + extra)


# drivers/clocksource/timer-owl.c (6.12, lines 94-176), shortened: a clock_event_device that
# only TIMER_OF_DECLARE() registers (a stub under MODULE: the file is built in only).
OWL = """
static struct clock_event_device owl_clockevent = {
\t.name\t\t\t= "owl_tick",
\t.rating\t\t\t= 200,
\t.set_state_oneshot\t= owl_timer_set_state_oneshot,
};

static int __init owl_timer_init(struct device_node *node)
{
\tclockevents_config_and_register(&owl_clockevent, rate, 0xf, 0xffffffff);
\treturn 0;
}
TIMER_OF_DECLARE(owl_s500, "actions,s500-timer", owl_timer_init);
"""


def test_built_in_only_registration_is_quiet():
    assert_quiet(missing_owner, new_file("drivers/clocksource/timer-owl.c", OWL), include_low=True)


def test_the_same_object_in_a_modular_driver_fires():
    modular = OWL.replace('TIMER_OF_DECLARE(owl_s500, "actions,s500-timer", owl_timer_init);',
                          "module_platform_driver(owl_timer_driver);")
    assert_fires(missing_owner, new_file("drivers/clocksource/timer-owl.c", modular),
                 at=[("drivers/clocksource/timer-owl.c", 1)])


# drivers/edac/altera_edac.c (6.12): four module_platform_driver() in one file (lines 494, 522,
# 824, 2225) cannot build as a module (each defines init_module); its inject fops have no owner.
ALTERA = """
static const struct file_operations altr_edac_device_inject_fops = {
\t.open = simple_open,
\t.write = altr_edac_device_trig,
\t.llseek = generic_file_llseek,
};

module_platform_driver(altr_sdram_edac_driver);

module_platform_driver(altr_edac_driver);
"""


def test_two_module_entry_points_mean_built_in():
    assert_quiet(missing_owner, new_file("drivers/edac/altera_edac.c", ALTERA), include_low=True)
    one = ALTERA.replace("module_platform_driver(altr_edac_driver);", "")
    assert_fires(missing_owner, new_file("drivers/edac/altera_edac.c", one), at=[("drivers/edac/altera_edac.c", 1)])


# drivers/ata/pata_octeon_cf.c (6.12, lines 62-64): the macro sets `.module = THIS_MODULE`
# (include/linux/libata.h __ATA_BASE_SHT).
OCTEON = """
static const struct scsi_host_template octeon_cf_sht = {
\tATA_PIO_SHT(DRV_NAME),
};

module_platform_driver(octeon_cf_driver);
"""


def test_a_macro_member_may_set_the_owner():
    assert_quiet(missing_owner, new_file("drivers/ata/pata_octeon_cf.c", OCTEON), include_low=True)
    spelled = OCTEON.replace("\tATA_PIO_SHT(DRV_NAME),", "\t.name = DRV_NAME,\n\t.can_queue = ATA_DEF_QUEUE |\n\t\tATA_SHT_X,")
    # a value continued on the next line is not a macro member: the advice stands
    assert_fires(missing_owner, new_file("drivers/ata/pata_octeon_cf.c", spelled),
                 at=[("drivers/ata/pata_octeon_cf.c", 1)])


# drivers/infiniband/hw/mlx5/odp.c (6.12, lines 1872-1875): a fragment ib_set_device_ops()
# merges into mlx5_ib_dev_ops (main.c), whose `.driver_id` and `.owner` are set.
ODP = """
static const struct ib_device_ops mlx5_ib_dev_odp_ops = {
\t.advise_mr = mlx5_ib_advise_mr,
};
"""


def test_merged_ops_fragment_needs_no_owner():
    path = "drivers/infiniband/hw/mlx5/odp.c"
    assert_quiet(missing_owner, new_file(path, ODP), include_low=True)
    main = ODP.replace("\t.advise_mr", "\t.driver_id = RDMA_DRIVER_MLX5,\n\t.advise_mr")
    assert_fires(missing_owner, new_file(path, main), at=[(path, 1)])


# A changed file (not new) whose patch also adds its Kconfig symbol and Makefile line.
def _with_build(kind: str):
    return diff("""
        --- a/drivers/char/foo.c
        +++ b/drivers/char/foo.c
        @@ -50,2 +50,7 @@ static int foo_release(struct inode *inode, struct file *file)
         }
         
        +static const struct file_operations foo_fops = {
        +\t.open\t\t= foo_open,
        +\t.release\t= foo_release,
        +\t.unlocked_ioctl\t= foo_ioctl,
        +};
        --- a/drivers/char/Kconfig
        +++ b/drivers/char/Kconfig
        @@ -10,2 +10,6 @@ menu "Character devices"
         
         source "drivers/tty/Kconfig"
        +
        +config FOO
        +\tKIND "Foo device"
        +\tdepends on OF
        --- a/drivers/char/Makefile
        +++ b/drivers/char/Makefile
        @@ -5,2 +5,4 @@ obj-y += mem.o
         obj-$(CONFIG_TTY_PRINTK) += ttyprintk.o
         obj-y += misc.o
        +foo-drv-y := foo.o foo_core.o
        +obj-$(CONFIG_FOO) += foo-drv.o
    """.replace("KIND", kind))


def test_kconfig_and_makefile_lines_of_the_patch_decide():
    assert_quiet(missing_owner, _with_build("bool"), include_low=True)
    assert_fires(missing_owner, _with_build("tristate"), at=[("drivers/char/foo.c", 52)])


def test_evidence_helpers():
    assert from_text("module_init(a);\nmodule_exit(b);\n") is None
    assert from_text("builtin_platform_driver(x);\n") is True
    assert from_text("IRQCHIP_DECLARE(x, \"y\", z);\nmodule_platform_driver(d);\n") is None
    assert from_patch(_with_build("bool").patches[0], "drivers/char/foo.c") is True
    assert from_patch(_with_build("tristate").patches[0], "drivers/char/foo.c") is False
    assert from_patch(_with_build("bool").patches[0], "drivers/char/bar.c") is None


# drivers/ras/amd/atl/core.c (6.12, lines 207-208): a pin in init with a comment that says why.
ATL = diff("""
    --- a/drivers/ras/amd/atl/core.c
    +++ b/drivers/ras/amd/atl/core.c
    @@ -203,3 +203,6 @@ static int __init amd_atl_init(void)
     \tif (get_df_system_info())
     \t\treturn -ENODEV;
     
    +\t/* Increment this module's recount so that it can't be easily unloaded. */
    +\t__module_get(THIS_MODULE);
    +
""")


def test_init_pin_explained_by_a_comment_is_low():
    assert_quiet(init_exit_self_ref, ATL)
    assert_fires(init_exit_self_ref, ATL, at=[("drivers/ras/amd/atl/core.c", 207)], include_low=True)
    silent = ATL.patches[0].diff.replace("so that it can't be easily unloaded", "for the decoder")
    assert_fires(init_exit_self_ref, diff(silent), at=[("drivers/ras/amd/atl/core.c", 207)])
