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
