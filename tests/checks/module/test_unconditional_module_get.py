from reviewbot.checks.module import unconditional_module_get
from tests.helpers import assert_fires, assert_quiet, diff

LOOKUP = diff("""
    --- a/net/foo/mod.c
    +++ b/net/foo/mod.c
    @@ -90,3 +90,9 @@ static struct foo_trans *foo_get_trans_by_name(const char *s)
     \tspin_lock(&foo_trans_lock);
     
    +\tlist_for_each_entry(t, &foo_trans_list, list)
    +\t\tif (strcmp(t->name, s) == 0) {
    +\t\t\t__module_get(t->owner);
    +\t\t\tfound = t;
    +\t\t\tbreak;
    +\t\t}
     \tspin_unlock(&foo_trans_lock);
""")

# net/9p/mod.c (6.12, lines 92-97): the lookup with try_module_get() under the lock.
REAL_9P = diff("""
    --- a/net/9p/mod.c
    +++ b/net/9p/mod.c
    @@ -90,3 +90,9 @@ static struct p9_trans_module *_p9_get_trans_by_name(const char *s)
     \tspin_lock(&v9fs_trans_lock);
     
    +\tlist_for_each_entry(t, &v9fs_trans_list, list)
    +\t\tif (strcmp(t->name, s) == 0 &&
    +\t\t    try_module_get(t->owner)) {
    +\t\t\tfound = t;
    +\t\t\tbreak;
    +\t\t}
     \tspin_unlock(&v9fs_trans_lock);
""")

# An extra reference after a checked one: __module_get() is the right call.
EXTRA_REF = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -10,2 +10,6 @@ static int foo_open(struct foo *foo)
     {
    +\tif (!try_module_get(foo->ops->owner))
    +\t\treturn -ENODEV;
    +\t/* one more for the async worker, dropped when it finishes */
    +\t__module_get(foo->ops->owner);
     \treturn 0;
""")

SELF = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -10,2 +10,3 @@ static int foo_open(struct inode *inode, struct file *file)
     {
    +\t__module_get(THIS_MODULE);
     \treturn 0;
""")


def test_fires_on_module_get_of_looked_up_object():
    assert_fires(unconditional_module_get, LOOKUP, at=[("net/foo/mod.c", 94)])


def test_quiet_on_real_9p_lookup():
    assert_quiet(unconditional_module_get, REAL_9P, include_low=True)


def test_quiet_on_extra_reference_after_a_checked_one():
    assert_quiet(unconditional_module_get, EXTRA_REF, include_low=True)


def test_quiet_on_self_reference():
    assert_quiet(unconditional_module_get, SELF, include_low=True)
