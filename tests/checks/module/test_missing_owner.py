from reviewbot.checks.module import missing_owner
from tests.helpers import assert_fires, assert_quiet, diff

# drivers/watchdog/softdog.c (6.12, lines 163-180) as a new driver, with .owner dropped.
SOFTDOG_NO_OWNER = diff("""
    --- a/drivers/watchdog/softdog2.c
    +++ b/drivers/watchdog/softdog2.c
    @@ -160,2 +160,18 @@ static int softdog_stop(struct watchdog_device *w)
     }
     
    +static struct watchdog_info softdog_info = {
    +\t.identity = "Software Watchdog",
    +\t.options = WDIOF_SETTIMEOUT | WDIOF_KEEPALIVEPING | WDIOF_MAGICCLOSE,
    +};
    +
    +static const struct watchdog_ops softdog_ops = {
    +\t.start = softdog_ping,
    +\t.stop = softdog_stop,
    +};
    +
    +static struct watchdog_device softdog_dev = {
    +\t.info = &softdog_info,
    +\t.ops = &softdog_ops,
    +\t.min_timeout = 1,
    +\t.max_timeout = 65535,
    +};
""")

# The same 6.12 code as it really is: owner set.
SOFTDOG_REAL = diff("""
    --- a/drivers/watchdog/softdog2.c
    +++ b/drivers/watchdog/softdog2.c
    @@ -160,2 +160,7 @@ static int softdog_stop(struct watchdog_device *w)
     }
     
    +static const struct watchdog_ops softdog_ops = {
    +\t.owner = THIS_MODULE,
    +\t.start = softdog_ping,
    +\t.stop = softdog_stop,
    +};
""")

NEW_FOPS = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -50,2 +50,7 @@ static int foo_release(struct inode *inode, struct file *file)
     }
     
    +static const struct file_operations foo_fops = {
    +\t.open\t\t= foo_open,
    +\t.release\t= foo_release,
    +\t.unlocked_ioctl\t= foo_ioctl,
    +};
""")

# Traps: types without owner, macros that set it, wrapper-registered drivers, cpuidle.
TRAPS = diff("""
    --- a/drivers/misc/foo.c
    +++ b/drivers/misc/foo.c
    @@ -50,2 +50,32 @@ static int foo_show(struct seq_file *s, void *v)
     }
     
    +DEFINE_SHOW_ATTRIBUTE(foo);
    +
    +static const struct proc_ops foo_proc_ops = {
    +\t.proc_open\t= foo_proc_open,
    +\t.proc_read\t= seq_read,
    +};
    +
    +static const struct tty_operations foo_tty_ops = {
    +\t.open = foo_tty_open,
    +\t.close = foo_tty_close,
    +};
    +
    +static struct miscdevice foo_misc = {
    +\t.minor = MISC_DYNAMIC_MINOR,
    +\t.name = "foo",
    +\t.fops = &foo_fops,
    +};
    +
    +static struct platform_driver foo_driver = {
    +\t.driver = {
    +\t\t.name = "foo",
    +\t},
    +\t.probe = foo_probe,
    +};
    +
    +static struct cpuidle_driver foo_idle_driver = {
    +\t.name = "foo_idle",
    +\t.states = { },
    +};
    +
""")

DEBUGFS_FOPS = diff("""
    --- a/drivers/net/wireless/foo/debug.c
    +++ b/drivers/net/wireless/foo/debug.c
    @@ -50,2 +50,7 @@ static ssize_t foo_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
     }
     
    +static const struct file_operations fops_reset = {
    +\t.write = foo_write,
    +\t.open = simple_open,
    +};
    +
    @@ -90,2 +95,3 @@ void foo_debugfs_init(struct foo *ar)
     {
    +\tdebugfs_create_file("reset", 0200, ar->debugfs, ar, &fops_reset);
     }
""")

BUILT_IN = diff("""
    --- a/kernel/foo.c
    +++ b/kernel/foo.c
    @@ -50,2 +50,6 @@ static int foo_open(struct inode *inode, struct file *file)
     }
     
    +static const struct file_operations foo_fops = {
    +\t.open\t\t= foo_open,
    +};
    +
""")

RUNTIME_OWNER = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -50,2 +50,10 @@ static int foo_release(struct inode *inode, struct file *file)
     }
     
    +static struct file_operations foo_fops = {
    +\t.open\t\t= foo_open,
    +};
    +
    +static int foo_setup(void)
    +{
    +\tfoo_fops.owner = THIS_MODULE;
    +}
""")


def test_fires_on_new_watchdog_ops_without_owner():
    assert_fires(missing_owner, SOFTDOG_NO_OWNER, at=[("drivers/watchdog/softdog2.c", 167)])


def test_quiet_on_real_softdog_ops():
    assert_quiet(missing_owner, SOFTDOG_REAL, include_low=True)


def test_fires_on_new_fops_without_owner():
    assert_fires(missing_owner, NEW_FOPS, at=[("drivers/char/foo.c", 52)])


def test_quiet_on_owner_free_types_and_wrappers():
    assert_quiet(missing_owner, TRAPS, include_low=True)


def test_debugfs_fops_without_a_release_of_its_own_is_quiet():
    # debugfs_remove() drains every call but ->release (fs/debugfs/file.c full_proxy_release())
    assert_quiet(missing_owner, DEBUGFS_FOPS, include_low=True)
    core = DEBUGFS_FOPS.patches[0].diff.replace("\t.open = simple_open,\n", "\t.release = single_release,\n")
    assert "single_release" in core
    assert_quiet(missing_owner, diff(core), include_low=True)


def test_debugfs_fops_with_a_release_of_its_own_is_low_confidence():
    own = DEBUGFS_FOPS.patches[0].diff.replace("\t.open = simple_open,\n", "\t.release = foo_release,\n")
    assert "foo_release" in own
    assert_quiet(missing_owner, diff(own))
    assert_fires(missing_owner, diff(own), at=[("drivers/net/wireless/foo/debug.c", 52)], include_low=True)


# drivers/mmc/core/mmc_test.c (6.12, lines 3150-3156 and 3192-3222) as a new file: the fops reach
# debugfs_create_file() through a helper that passes its `fops` parameter on.
DEBUGFS_THROUGH_HELPER = """
    --- /dev/null
    +++ b/drivers/mmc/core/foo_test.c
    @@ -0,0 +1,22 @@
    +static const struct file_operations mmc_test_fops_test = {
    +\t.open\t\t= mtf_test_open,
    +\t.read\t\t= seq_read,
    +\t.release\t= single_release,
    +};
    +
    +static int __mmc_test_register_dbgfs_file(struct mmc_card *card,
    +\tconst char *name, umode_t mode, const struct file_operations *fops)
    +{
    +\tstruct dentry *file = NULL;
    +
    +\tif (card->debugfs_root)
    +\t\tfile = debugfs_create_file(name, mode, card->debugfs_root,
    +\t\t\t\t\t   card, fops);
    +\treturn 0;
    +}
    +
    +static int mmc_test_register_dbgfs_file(struct mmc_card *card)
    +{
    +\treturn __mmc_test_register_dbgfs_file(card, "test", S_IWUSR | S_IRUGO,
    +\t\t&mmc_test_fops_test);
    +}
"""


def test_debugfs_fops_handed_over_through_a_helper_are_quiet():
    assert_quiet(missing_owner, diff(DEBUGFS_THROUGH_HELPER), include_low=True)
    misc = DEBUGFS_THROUGH_HELPER.replace("debugfs_create_file(", "foo_create_file(")
    assert_fires(missing_owner, diff(misc), at=[("drivers/mmc/core/foo_test.c", 1)])


def test_quiet_on_built_in_code():
    assert_quiet(missing_owner, BUILT_IN, include_low=True)


def test_quiet_when_owner_set_at_run_time():
    assert_quiet(missing_owner, RUNTIME_OWNER, include_low=True)


CDEV_NO_OWNER = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -80,2 +80,4 @@ static int foo_probe(struct platform_device *pdev)
     \tfoo->devt = MKDEV(foo_major, 0);
    +\tcdev_init(&foo->cdev, &foo_fops);
    +\tret = cdev_add(&foo->cdev, foo->devt, 1);
     \tif (ret)
""")

CDEV_OWNER = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -80,2 +80,5 @@ static int foo_probe(struct platform_device *pdev)
     \tfoo->devt = MKDEV(foo_major, 0);
    +\tcdev_init(&foo->cdev, &foo_fops);
    +\tfoo->cdev.owner = THIS_MODULE;
    +\tret = cdev_add(&foo->cdev, foo->devt, 1);
     \tif (ret)
""")


def test_fires_on_cdev_init_without_owner():
    assert_fires(missing_owner, CDEV_NO_OWNER, at=[("drivers/char/foo.c", 81)])


def test_quiet_on_cdev_init_with_owner():
    assert_quiet(missing_owner, CDEV_OWNER, include_low=True)


def _tree(path, post="", **facts):
    from types import MappingProxyType

    from reviewbot.context import Context, FileFacts, FileImages

    return lambda patch: Context(mode="tree", files=MappingProxyType({path: FileImages("", post)}),
                                 facts=MappingProxyType({path: FileFacts(**facts)}))


NEW_PROVIDER_OPS = diff("""
    --- a/drivers/misc/foo.c
    +++ b/drivers/misc/foo.c
    @@ -50,2 +50,6 @@ static int foo_start(struct foo_dev *fd)
     }
     
    +static const struct foo_provider_ops foo_ops = {
    +\t.start\t\t= foo_start,
    +};
    +
""")


def test_tree_mode_skips_built_in_files():
    assert_quiet(missing_owner, NEW_FOPS, include_low=True, context_for=_tree("drivers/char/foo.c", modular=False))


def test_tree_mode_learns_owner_structs_from_headers():
    ctx = _tree("drivers/misc/foo.c", modular=True,
                owner_structs=(("foo_provider_ops", "owner", "include/linux/foo.h"),))
    assert_fires(missing_owner, NEW_PROVIDER_OPS, at=[("drivers/misc/foo.c", 52)], context_for=ctx)
    assert_quiet(missing_owner, NEW_PROVIDER_OPS, include_low=True)  # hunk mode: type unknown


def test_tree_mode_sees_owner_set_elsewhere_in_file():
    post = "static int foo_init(void)\n{\n\tfoo_fops.owner = THIS_MODULE;\n\treturn 0;\n}\n"
    assert_quiet(missing_owner, NEW_FOPS, include_low=True, context_for=_tree("drivers/char/foo.c", post=post))


# An ops table of a provider that is linked into the same module as the core that pins it.
STM_POLICY = diff("""
    --- a/drivers/hwtracing/acme/p_basic.c
    +++ b/drivers/hwtracing/acme/p_basic.c
    @@ -10,2 +10,6 @@ static int basic_output_open(void *priv, struct stm_output *output)
     }
     
    +static struct stm_protocol_driver basic_pdrv = {
    +\t.name = "p_basic",
    +\t.output_open = basic_output_open,
    +};
""")


def _module_ctx(core_text: str):
    from reviewbot.context import Context, FileFacts
    facts = FileFacts(modular=True, module_objects=("drivers/hwtracing/acme/core.c", "drivers/hwtracing/acme/p_basic.c"))
    return lambda p: Context(mode="tree", others={"drivers/hwtracing/acme/core.c": core_text},
                             facts={"drivers/hwtracing/acme/p_basic.c": facts})


def test_quiet_when_the_pinning_core_is_in_the_same_module():
    assert_fires(missing_owner, STM_POLICY, at=[("drivers/hwtracing/acme/p_basic.c", 12)])
    core = ("static int stm_get_protocol(struct stm_protocol_driver *pdrv)\n{\n"
            "\tif (!try_module_get(pdrv->owner))\n\t\treturn -ENODEV;\n\treturn 0;\n}\n")
    assert_quiet(missing_owner, STM_POLICY, include_low=True, context_for=_module_ctx(core))
    # a core in the same module that pins something else: the advice stands
    other = core.replace("pdrv->owner", "pdrv->mod").replace("stm_protocol_driver", "stm_other")
    assert_fires(missing_owner, STM_POLICY, at=[("drivers/hwtracing/acme/p_basic.c", 12)],
                 context_for=_module_ctx(other))


def test_no_owner_advice_for_a_member_6_12_does_not_have():
    series = diff("""
        --- a/drivers/dma-buf/acme.c
        +++ b/drivers/dma-buf/acme.c
        @@ -10,2 +10,5 @@ static void acme_release(struct dma_buf *buf)
         }
         
        +static const struct dma_buf_ops acme_ops = {
        +\t.release = acme_release,
        +};
    """)
    assert_quiet(missing_owner, series, include_low=True)


# A new file with a file-scope char device (drivers/tty/tty_io.c's tty_cdev, renamed): never
# deleted, it lives as long as the kernel (built-in code), so nothing unloads under an open
# file.  The same device deleted in an exit function is a module's, and needs its owner.
_STATIC_CDEV = """
    --- /dev/null
    +++ b/drivers/char/foo_aux.c
    @@ -0,0 +1,17 @@
    +static struct cdev foo_cdev, foo_console_cdev;
    +
    +int __init foo_aux_init(void)
    +{
    +\tcdev_init(&foo_cdev, &foo_aux_fops);
    +\tif (cdev_add(&foo_cdev, MKDEV(FOO_MAJOR, 0), 1) ||
    +\t    register_chrdev_region(MKDEV(FOO_MAJOR, 0), 1, "foo") < 0)
    +\t\tpanic("Couldn't register foo driver\\n");
    +\treturn 0;
    +}
    +
    +void foo_aux_exit(void)
    +{
    +\t{exit}
    +\tunregister_chrdev_region(MKDEV(FOO_MAJOR, 0), 1);
    +}
    +
"""


def test_quiet_on_a_static_cdev_the_file_never_deletes():
    assert_quiet(missing_owner, diff(_STATIC_CDEV.replace("{exit}", "foo_aux_flush();")), include_low=True)


def test_fires_on_a_static_cdev_the_file_deletes():
    assert_fires(missing_owner, diff(_STATIC_CDEV.replace("{exit}", "cdev_del(&foo_cdev);")),
                 at=[("drivers/char/foo_aux.c", 5)])


def test_quiet_on_cdev_init_added_with_cdev_device_add():
    # cdev_device_add() makes the device the cdev's parent (fs/char_dev.c: cdev_set_parent()),
    # as the rule already accepts when the code calls cdev_set_parent() itself
    text = CDEV_NO_OWNER.patches[0].diff.replace("cdev_add(&foo->cdev, foo->devt, 1)",
                                                  "cdev_device_add(&foo->cdev, &foo->dev)")
    assert "cdev_device_add" in text
    assert_quiet(missing_owner, diff(text), include_low=True)


# drivers/nvmem/rockchip-efuse.c (6.12, shortened): nvmem_register() takes the owner from the
# registering device's driver when the config names none (drivers/nvmem/core.c).
NVMEM_CONFIG = diff("""
    --- /dev/null
    +++ b/drivers/nvmem/foo-efuse.c
    @@ -0,0 +1,6 @@
    +static struct nvmem_config foo_efuse_config = {
    +\t.name = "foo-efuse",
    +\t.add_legacy_fixed_of_cells = true,
    +\t.read_only = true,
    +\t.reg_read = foo_efuse_read,
    +};
""")


def test_quiet_on_nvmem_config_whose_owner_nvmem_register_fills_in():
    assert_quiet(missing_owner, NVMEM_CONFIG, include_low=True)
    other = NVMEM_CONFIG.patches[0].diff.replace("struct nvmem_config", "struct file_operations")
    assert_fires(missing_owner, diff(other), at=[("drivers/nvmem/foo-efuse.c", 1)], include_low=True)


# drivers/xen/xenbus/xenbus_dev_backend.c (6.12) as a new file: an init and no exit, so the
# module (were it one) can never be unloaded (kernel/module/main.c delete_module()).
NO_EXIT_TEXT = """
    --- /dev/null
    +++ b/drivers/xen/xenbus/foo_backend.c
    @@ -0,0 +1,21 @@
    +static const struct file_operations xenbus_backend_fops = {
    +\t.open = xenbus_backend_open,
    +\t.mmap = xenbus_backend_mmap,
    +\t.unlocked_ioctl = xenbus_backend_ioctl,
    +};
    +
    +static struct miscdevice xenbus_backend_dev = {
    +\t.minor = MISC_DYNAMIC_MINOR,
    +\t.name = "xen/xenbus_backend",
    +\t.fops = &xenbus_backend_fops,
    +};
    +
    +static int __init xenbus_backend_init(void)
    +{
    +\tif (!xen_initial_domain())
    +\t\treturn -ENODEV;
    +
    +\treturn misc_register(&xenbus_backend_dev);
    +}
    +device_initcall(xenbus_backend_init);
    +
"""


def test_quiet_on_fops_of_a_file_that_never_unloads():
    assert_quiet(missing_owner, diff(NO_EXIT_TEXT), include_low=True)
    with_exit = NO_EXIT_TEXT.replace("    +device_initcall(xenbus_backend_init);\n    +\n",
                                     "    +module_init(xenbus_backend_init);\n    +module_exit(foo_exit);\n")
    assert with_exit != NO_EXIT_TEXT
    assert_fires(missing_owner, diff(with_exit), at=[("drivers/xen/xenbus/foo_backend.c", 1)])
