"""MOD003 on drivers posted as new files (fresh new-driver seeds, hunk mode): shapes from 6.12
where the reference is not leaked, each next to a real-shaped leak that must still fire."""

from reviewbot.checks.module import get_without_put_on_exit
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

# drivers/gpu/drm/drm_drv.c (6.12, drm_minor_acquire()): the get on `minor->dev` is taken only
# when `minor` is found; the `if (!minor)` exit after it runs with no reference.
BASE_TESTED_NULL = """
struct foo_minor *foo_minor_acquire(struct xarray *xa, unsigned int id)
{
\tstruct foo_minor *minor;

\txa_lock(xa);
\tminor = xa_load(xa, id);
\tif (minor)
\t\tdrm_dev_get(minor->dev);
\txa_unlock(xa);

\tif (!minor) {
\t\treturn ERR_PTR(-ENODEV);
\t} else if (drm_dev_is_unplugged(minor->dev)) {
\t\tdrm_dev_put(minor->dev);
\t\treturn ERR_PTR(-ENODEV);
\t}

\treturn minor;
}
"""


def test_quiet_where_the_base_of_the_object_is_tested_null_after_the_get():
    assert_quiet(get_without_put_on_exit, new_file("drivers/foo/foo.c", BASE_TESTED_NULL))


def test_fires_when_the_tested_pointer_is_set_again_or_a_member_is_tested():
    # a second lookup before the test: the first reference is lost on the `!minor` exit
    code = BASE_TESTED_NULL.replace("\txa_unlock(xa);\n", "\txa_unlock(xa);\n\tminor = xa_load(xa, id + 1);\n")
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "return ERR_PTR(-ENODEV);"))])
    # a test of a member, not of the pointer the get dereferenced: the reference is held there
    code = BASE_TESTED_NULL.replace("\tif (!minor) {", "\tif (!minor->index) {")
    assert_fires(get_without_put_on_exit, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "return ERR_PTR(-ENODEV);"))])
