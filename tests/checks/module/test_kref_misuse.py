from reviewbot.checks.module import kref_misuse
from tests.helpers import assert_fires, assert_quiet, diff

KFREE_RELEASE = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -30,2 +30,3 @@ void foo_put(struct foo *foo)
     {
    +\tkref_put(&foo->ref, (void (*)(struct kref *))kfree);
     }
""")

EMPTY_RELEASE = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -10,2 +10,6 @@
     
    +static void foo_dev_release(struct device *dev)
    +{
    +}
    +
     static int foo_probe(struct platform_device *pdev)
""")

IGNORED_GET = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -40,3 +40,2 @@ static struct foo *foo_lookup(int id)
     \tfoo = idr_find(&foo_idr, id);
    -\tif (foo && !kref_get_unless_zero(&foo->ref))
    -\t\tfoo = NULL;
    +\tkref_get_unless_zero(&foo->ref);
""")

# lib/kobject.c (linux-source-6.12): the release the kobject.rst asks for, with a container_of
# wrapper; adding it must stay quiet.
REAL_RELEASE = diff("""
    --- a/lib/kobject.c
    +++ b/lib/kobject.c
    @@ -740,2 +740,7 @@ EXPORT_SYMBOL(kobject_put);
     
    +static void dynamic_kobj_release(struct kobject *kobj)
    +{
    +\tpr_debug("(%p): %s\\n", kobj, __func__);
    +\tkfree(kobj);
    +}
     
""")

CHECKED_GET = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -40,2 +40,4 @@ static struct foo *foo_lookup(int id)
     \tfoo = idr_find(&foo_idr, id);
    +\tif (foo && !kref_get_unless_zero(&foo->ref))
    +\t\tfoo = NULL;
     \treturn foo;
""")


def test_fires_on_kfree_as_kref_release():
    assert_fires(kref_misuse, KFREE_RELEASE, at=[("drivers/foo/core.c", 31)])


def test_fires_on_empty_device_release():
    assert_fires(kref_misuse, EMPTY_RELEASE, at=[("drivers/foo/core.c", 11)])


def test_fires_on_ignored_kref_get_unless_zero():
    assert_fires(kref_misuse, IGNORED_GET, at=[("drivers/foo/core.c", 41)])


def test_quiet_on_real_kobject_release_from_6_12():
    assert_quiet(kref_misuse, REAL_RELEASE, include_low=True)


def test_quiet_on_checked_kref_get_unless_zero():
    assert_quiet(kref_misuse, CHECKED_GET, include_low=True)
