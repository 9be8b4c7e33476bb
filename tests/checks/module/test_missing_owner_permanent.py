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
