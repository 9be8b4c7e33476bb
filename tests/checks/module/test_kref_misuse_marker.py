"""MOD021: an empty kref release whose kref_put() callers test the result (the count reached
zero; they free or recycle the object themselves).  drivers/gpu/drm/xe/xe_bo.c of 6.12
(fresh new-driver seed 29): __xe_bo_release_dummy() for xe_bo_put_deferred() in xe_bo.h."""

from reviewbot.checks.module import kref_misuse
from tests.checks.module.test_get_without_put_on_exit import new_file
from tests.helpers import assert_fires, assert_quiet

MARKER = """
static void foo_release_dummy(struct kref *kref)
{
}

bool foo_put_deferred(struct foo *foo, struct llist_head *deferred)
{
\tif (!kref_put(&foo->refcount, foo_release_dummy))
\t\treturn false;

\treturn llist_add(&foo->freed, deferred);
}
"""


def test_quiet_when_every_kref_put_with_it_tests_the_result():
    assert_quiet(kref_misuse, new_file("drivers/foo/foo.c", MARKER))


def test_low_when_its_kref_put_is_out_of_sight():
    code = MARKER.split("bool foo_put_deferred")[0]
    series = new_file("drivers/foo/foo.c", code)
    assert_quiet(kref_misuse, series)
    assert_fires(kref_misuse, series, at=[("drivers/foo/foo.c", 1)], include_low=True)


def test_fires_when_a_kref_put_ignores_the_result():
    code = MARKER.replace("\tif (!kref_put(&foo->refcount, foo_release_dummy))\n\t\treturn false;\n",
                          "\tkref_put(&foo->refcount, foo_release_dummy);\n")
    assert_fires(kref_misuse, new_file("drivers/foo/foo.c", code), at=[("drivers/foo/foo.c", 1)])
    # a device's empty release stays reported whatever its callers do
    dev = MARKER.replace("struct kref *kref", "struct device *dev")
    assert_fires(kref_misuse, new_file("drivers/foo/foo.c", dev), at=[("drivers/foo/foo.c", 1)])
