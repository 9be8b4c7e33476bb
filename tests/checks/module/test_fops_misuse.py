from reviewbot.checks.module import fops_misuse
from tests.helpers import assert_fires, assert_quiet, diff

DIRECT_F_OP = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -40,3 +40,4 @@ static int foo_open(struct inode *inode, struct file *file)
     {
    +\tfile->f_op = &foo_real_fops;
     \treturn foo_real_fops.open(inode, file);
     }
""")

REPLACE_OUTSIDE_OPEN = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -60,3 +60,4 @@ static long foo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
     {
    +\treplace_fops(file, &foo_other_fops);
     \treturn 0;
     }
""")

BARE_FOPS_GET = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -40,3 +40,4 @@ static int foo_open(struct inode *inode, struct file *file)
     {
    +\tfops_get(&foo_real_fops);
     \treturn 0;
     }
""")

# drivers/char/misc.c (6.12, lines 118-161, abridged): the canonical open-time swap.
REAL_MISC_OPEN = diff("""
    --- a/drivers/char/misc.c
    +++ b/drivers/char/misc.c
    @@ -126,2 +126,15 @@ static int misc_open(struct inode *inode, struct file *file)
     
     \tlist_for_each_entry(iter, &misc_list, list) {
    +\t\tif (iter->minor != minor)
    +\t\t\tcontinue;
    +\t\tc = iter;
    +\t\tnew_fops = fops_get(iter->fops);
    +\t\tbreak;
    +\t}
    +
    +\tif (!new_fops)
    +\t\tgoto fail;
    +
    +\tfile->private_data = c;
    +\terr = 0;
    +\treplace_fops(file, new_fops);
""")


def test_fires_on_direct_f_op_assignment():
    assert_fires(fops_misuse, DIRECT_F_OP, at=[("drivers/char/foo.c", 41)])


def test_fires_on_replace_fops_outside_open():
    assert_fires(fops_misuse, REPLACE_OUTSIDE_OPEN, at=[("drivers/char/foo.c", 61)])


def test_fires_on_ignored_fops_get():
    assert_fires(fops_misuse, BARE_FOPS_GET, at=[("drivers/char/foo.c", 41)])


def test_quiet_on_real_misc_open():
    assert_quiet(fops_misuse, REAL_MISC_OPEN, include_low=True)


# A hangup switching the open files to dead operations of the same file (drivers/tty/tty_io.c
# __tty_hangup(), 6.12, abridged and renamed): both fops pin the same module.
_HANGUP = """
    --- /dev/null
    +++ b/drivers/char/foo_port.c
    @@ -0,0 +1,20 @@
    +static ssize_t hung_up_foo_read(struct file *file, char __user *buf, size_t n, loff_t *pos)
    +{
    +\treturn 0;
    +}
    +
    +static const struct file_operations hung_up_foo_fops = {
    +\t.read\t\t= hung_up_foo_read,
    +};
    +
    +static void foo_port_hangup(struct foo_port *port)
    +{
    +\tstruct foo_file *priv;
    +\tstruct file *filp;
    +
    +\tlist_for_each_entry(priv, &port->files, list) {
    +\t\tfilp = priv->file;
    +\t\tfilp->f_op = &{fops};
    +\t}
    +\tport->hung_up = true;
    +}
"""


def test_dead_fops_of_the_same_file_outside_open_is_low_confidence():
    own = diff(_HANGUP.replace("{fops}", "hung_up_foo_fops"))
    assert_quiet(fops_misuse, own)
    assert_fires(fops_misuse, own, at=[("drivers/char/foo_port.c", 17)], include_low=True)


def test_fires_on_fops_of_another_file_outside_open():
    assert_fires(fops_misuse, diff(_HANGUP.replace("{fops}", "bar_dead_fops")), at=[("drivers/char/foo_port.c", 17)])


def test_direct_f_op_assignment_in_code_built_in_only_is_low_confidence():
    # drivers/char/mem.c (obj-y): memory_open() switches to the minor's fops, all of the file
    from reviewbot.context import Context, FileFacts
    built_in = Context(mode="tree", facts={"drivers/char/foo.c": FileFacts(modular=False)})
    assert_quiet(fops_misuse, DIRECT_F_OP, context_for=lambda p: built_in)
    assert_fires(fops_misuse, DIRECT_F_OP, at=[("drivers/char/foo.c", 41)], include_low=True,
                 context_for=lambda p: built_in)
    assert_fires(fops_misuse, DIRECT_F_OP, at=[("drivers/char/foo.c", 41)],
                 context_for=lambda p: Context(mode="tree", facts={"drivers/char/foo.c": FileFacts(modular=True)}))
