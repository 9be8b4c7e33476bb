from reviewbot.checks.module import init_exit_self_ref
from tests.helpers import assert_fires, assert_quiet, diff

PUT_IN_EXIT = diff("""
    --- a/drivers/foo/foo.c
    +++ b/drivers/foo/foo.c
    @@ -200,4 +200,5 @@ static int __init foo_init(void)
     static void __exit foo_exit(void)
     {
     \tfoo_unregister();
    +\tmodule_put(THIS_MODULE);
     }
""")

GET_IN_INIT = diff("""
    --- a/drivers/foo/foo.c
    +++ b/drivers/foo/foo.c
    @@ -180,4 +180,5 @@ static void foo_cleanup(void)
     static int foo_init(void)
     {
    +\t__module_get(THIS_MODULE);
     \treturn foo_register();
     }
    @@ -300,2 +301,3 @@ static void foo_exit(void)
     
    +module_init(foo_init);
     module_exit(foo_exit);
""")

# A put outside init/exit (paired with a get in open) is not this rule's business.
PUT_IN_RELEASE = diff("""
    --- a/drivers/foo/foo.c
    +++ b/drivers/foo/foo.c
    @@ -200,4 +200,5 @@ static int foo_open(struct inode *inode, struct file *file)
     static int foo_release(struct inode *inode, struct file *file)
     {
     \tfoo_stop();
    +\tmodule_put(THIS_MODULE);
     }
""")

# drivers/memory/tegra/tegra124-emc.c (6.12, lines 1507-1515): deliberate pin in probe with a
# comment, here as an __init function taking it.
DELIBERATE = diff("""
    --- a/drivers/memory/tegra/tegra-foo-emc.c
    +++ b/drivers/memory/tegra/tegra-foo-emc.c
    @@ -1505,3 +1505,11 @@ static int __init tegra_emc_init(void)
     \ttegra_emc_interconnect_init(emc);
     
    +\t/*
    +\t * Don't allow the kernel module to be unloaded. Unloading adds some
    +\t * extra complexity which doesn't really worth the effort in a case of
    +\t * this driver.
    +\t */
    +\ttry_module_get(THIS_MODULE);
    +
    +\treturn 0;
     }
""")


def test_fires_on_module_put_in_exit():
    assert_fires(init_exit_self_ref, PUT_IN_EXIT, at=[("drivers/foo/foo.c", 203)])


def test_fires_on_pin_in_module_init_target():
    assert_fires(init_exit_self_ref, GET_IN_INIT, at=[("drivers/foo/foo.c", 182)])


def test_quiet_outside_init_and_exit():
    assert_quiet(init_exit_self_ref, PUT_IN_RELEASE, include_low=True)


def test_real_deliberate_pin_is_low_confidence():
    assert_quiet(init_exit_self_ref, DELIBERATE)
    assert_fires(init_exit_self_ref, DELIBERATE, at=[("drivers/memory/tegra/tegra-foo-emc.c", 1512)],
                 include_low=True)


def test_tree_mode_quiet_when_the_file_is_built_in_only():
    from reviewbot.context import Context, FileFacts
    built_in = Context(mode="tree", facts={"drivers/foo/foo.c": FileFacts(modular=False)})
    assert_quiet(init_exit_self_ref, PUT_IN_EXIT, include_low=True, context_for=lambda p: built_in)
    unknown = Context(mode="tree")
    assert_fires(init_exit_self_ref, PUT_IN_EXIT, at=[("drivers/foo/foo.c", 203)], context_for=lambda p: unknown)
