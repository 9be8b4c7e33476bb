from reviewbot.checks.module import code_after_module_put
from tests.helpers import assert_fires, assert_quiet, diff

# crypto/algboss.c (6.12, lines 179-185) with the core helper replaced by put + return.
REAL_ALGBOSS_REVERSED = diff("""
    --- a/crypto/algboss.c
    +++ b/crypto/algboss.c
    @@ -181,5 +181,6 @@ static int cryptomgr_test(void *data)
     \tcrypto_alg_tested(param->driver, err);
     
     \tkfree(param);
    -\tmodule_put_and_kthread_exit(0);
    +\tmodule_put(THIS_MODULE);
    +\treturn 0;
     }
""")

# The real 6.12 code: the helper exits the thread from core text.
REAL_ALGBOSS = diff("""
    --- a/crypto/algboss.c
    +++ b/crypto/algboss.c
    @@ -181,6 +181,5 @@ static int cryptomgr_test(void *data)
     \tcrypto_alg_tested(param->driver, err);
     
     \tkfree(param);
    -\tmodule_put(THIS_MODULE);
    -\treturn 0;
    +\tmodule_put_and_kthread_exit(0);
     }
""")

WORK_HANDLER = diff("""
    --- a/drivers/foo/foo.c
    +++ b/drivers/foo/foo.c
    @@ -40,3 +40,4 @@ static void foo_work_fn(struct work_struct *work)
     {
     \tfoo_do(work);
    +\tmodule_put(THIS_MODULE);
     }
""")

RELEASE_CALLBACK = diff("""
    --- a/drivers/foo/foo.c
    +++ b/drivers/foo/foo.c
    @@ -40,3 +40,4 @@ static int foo_release(struct inode *inode, struct file *file)
     {
     \tfoo_stop(file);
    +\tmodule_put(THIS_MODULE);
     }
""")


def test_fires_on_real_helper_replaced_by_put_and_return():
    assert_fires(code_after_module_put, REAL_ALGBOSS_REVERSED, at=[("crypto/algboss.c", 184)])


def test_quiet_on_real_module_put_and_kthread_exit():
    assert_quiet(code_after_module_put, REAL_ALGBOSS, include_low=True)


def test_fires_in_work_handler():
    assert_fires(code_after_module_put, WORK_HANDLER, at=[("drivers/foo/foo.c", 42)])


def test_quiet_outside_threads():
    assert_quiet(code_after_module_put, RELEASE_CALLBACK, include_low=True)
