"""MOD006: file_operations registered with register_chrdev() by a file that never
unregisters them (drivers/tty/vt/vc_screen.c of 6.12, built in; fresh new-driver seed 1001)."""

from reviewbot.checks.module import missing_owner
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

VCS = """
static const struct file_operations foo_fops = {
\t.read\t\t= foo_read,
\t.open\t\t= foo_open,
\t.release\t= foo_release,
};

int __init foo_init(void)
{
\tif (register_chrdev(FOO_MAJOR, "foo", &foo_fops))
\t\tpanic("unable to get major %d for foo device", FOO_MAJOR);
\treturn 0;
}
"""


def test_quiet_when_the_file_never_unregisters_the_chrdev():
    assert_quiet(missing_owner, new_file("drivers/tty/foo.c", VCS))


def test_fires_when_the_file_unregisters_it():
    code = VCS + "\nvoid __exit foo_exit(void)\n{\n\tunregister_chrdev(FOO_MAJOR, \"foo\");\n}\n"
    assert_fires(missing_owner, new_file("drivers/tty/foo.c", code), at=[("drivers/tty/foo.c", _at(code, "foo_fops = {"))])


# drivers/clocksource/hyperv_timer.c of 6.12 (built in; new-driver seed 149): clocksources
# registered from __init code, never unregistered.
CLOCKSOURCE = """
static struct clocksource foo_cs_tsc = {
\t.name\t= "foo_clocksource_tsc_page",
\t.rating\t= 500,
\t.read\t= read_foo_clock_tsc_cs,
\t.mask\t= CLOCKSOURCE_MASK(64),
\t.flags\t= CLOCK_SOURCE_IS_CONTINUOUS,
};

static void __init foo_init_tsc_clocksource(void)
{
\tif (!foo_tsc_page_valid())
\t\treturn;
\tclocksource_register_hz(&foo_cs_tsc, NSEC_PER_SEC/100);
}
"""


def test_quiet_when_the_file_never_unregisters_what_it_registers():
    assert_quiet(missing_owner, new_file("drivers/clocksource/foo_timer.c", CLOCKSOURCE))


def test_fires_when_the_file_unregisters_it_or_registers_with_devm():
    path = "drivers/clocksource/foo_timer.c"
    code = CLOCKSOURCE + "\nstatic void __exit foo_exit(void)\n{\n\tclocksource_unregister(&foo_cs_tsc);\n}\n"
    assert_fires(missing_owner, new_file(path, code), at=[(path, _at(code, "foo_cs_tsc = {"))])
    devm = CLOCKSOURCE.replace("clocksource_register_hz(&foo_cs_tsc", "devm_clocksource_register_hz(dev, &foo_cs_tsc")
    assert_fires(missing_owner, new_file(path, devm), at=[(path, _at(devm, "foo_cs_tsc = {"))])


# drivers/base/devtmpfs.c of 6.12 (built in; new-driver seed 191): register_filesystem() in
# __init code whose only unregister_filesystem() is that init's own failure unwind.
DEVTMPFS = """
static struct file_system_type foo_fs_type = {
\t.name = "foofs",
\t.mount = public_foo_mount,
};

int __init foofs_init(void)
{
\tint err;

\terr = register_filesystem(&foo_fs_type);
\tif (err) {
\t\tpr_err("unable to register foofs type %d\\n", err);
\t\treturn err;
\t}

\tthread = kthread_run(foofsd, &err, "kfoofs");
\tif (IS_ERR(thread))
\t\terr = PTR_ERR(thread);

\tif (err) {
\t\tpr_err("unable to create foofs %d\\n", err);
\t\tunregister_filesystem(&foo_fs_type);
\t\treturn err;
\t}
\treturn 0;
}
"""


def test_quiet_when_the_only_unregister_is_the_inits_own_unwind():
    assert_quiet(missing_owner, new_file("drivers/base/foofs.c", DEVTMPFS))


def test_fires_when_another_function_unregisters_it():
    path = "drivers/base/foofs.c"
    code = DEVTMPFS + "\nvoid foofs_exit(void)\n{\n\tunregister_filesystem(&foo_fs_type);\n}\n"
    assert_fires(missing_owner, new_file(path, code), at=[(path, _at(code, "foo_fs_type = {"))])


def test_fires_when_an_unregister_of_another_name_is_handed_it():
    # drivers/target/target_core_rd.c: transport_backend_register(&rd_mcp_ops) in __init,
    # target_backend_unregister(&rd_mcp_ops) in the exit helper
    path = "drivers/target/foo_rd.c"
    code = DEVTMPFS.replace("register_filesystem(&foo_fs_type);\n\tif (err) {",
                            "transport_foo_register(&foo_fs_type);\n\tif (err) {") \
        + "\nvoid foo_module_exit(void)\n{\n\ttarget_foo_unregister(&foo_fs_type);\n}\n"
    assert_fires(missing_owner, new_file(path, code), at=[(path, _at(code, "foo_fs_type = {"))])


# drivers/base/devtmpfs.c: the kernel-internal mount made in __init and never unmounted
MOUNT = """
static struct vfsmount *mnt;

static struct file_system_type internal_foo_type = {
\t.name = "foofs",
\t.init_fs_context = shmem_init_fs_context,
\t.kill_sb = kill_litter_super,
};

int __init foofs_mount_init(void)
{
\tchar opts[] = "mode=0755";

\tmnt = vfs_kern_mount(&internal_foo_type, 0, "foofs", opts);
\tif (IS_ERR(mnt))
\t\treturn PTR_ERR(mnt);
\treturn 0;
}
"""


def test_quiet_when_a_boot_time_kernel_mount_is_never_unmounted():
    assert_quiet(missing_owner, new_file("drivers/base/foofs.c", MOUNT))


def test_fires_when_the_kernel_mount_is_unmounted():
    path = "drivers/base/foofs.c"
    code = MOUNT + "\nvoid foofs_mount_exit(void)\n{\n\tkern_unmount(mnt);\n}\n"
    assert_fires(missing_owner, new_file(path, code), at=[(path, _at(code, "internal_foo_type = {"))])
