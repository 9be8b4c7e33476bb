
from reviewbot.checks.module import cdev_freed_with_container
from reviewbot.model import Series
from tests.helpers import DATA, assert_fires, assert_quiet, diff, tree_case

PATH = "drivers/watchdog/watchdog_dev.c"
FIXED = (DATA / "checks" / "cdev-freed-with-container" / "watchdog_cdev_unregister.c").read_text()
# the code before 72139dfa2464 "watchdog: Fix the race between the release of
# watchdog_core_data and cdev": cdev_del() then kfree() of the container
RACY = FIXED.replace("\tcdev_device_del(&wd_data->cdev, &wd_data->dev);", "\tcdev_del(&wd_data->cdev);") \
            .replace("\tput_device(&wd_data->dev);", "\tkfree(wd_data);")


def _series(pre: str, post: str) -> Series:
    return tree_case(PATH, pre, post)[0]


DEL_THEN_FREE = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -60,4 +60,5 @@ static void foo_remove(struct platform_device *pdev)
     \tstruct foo *foo = platform_get_drvdata(pdev);
     
     \tcdev_del(&foo->cdev);
    +\tkfree(foo);
     }
""")

FREE_OTHER = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -60,4 +60,5 @@ static void foo_remove(struct platform_device *pdev)
     \tstruct foo *foo = platform_get_drvdata(pdev);
     
     \tcdev_del(&foo->cdev);
    +\tkfree(foo->buf);
     }
""")


def test_fires_on_kfree_right_after_cdev_del():
    assert_fires(cdev_freed_with_container, DEL_THEN_FREE, at=[("drivers/char/foo.c", 63)])


def test_quiet_on_freeing_a_member_buffer():
    assert_quiet(cdev_freed_with_container, FREE_OTHER, include_low=True)


def test_fires_on_real_watchdog_race_reintroduced():
    series = _series(FIXED, RACY)
    line = RACY.splitlines().index("\tkfree(wd_data);") + 1
    assert_fires(cdev_freed_with_container, series, at=[(PATH, line)])


def test_quiet_on_real_6_12_watchdog_unregister():
    assert_quiet(cdev_freed_with_container, _series(RACY, FIXED), include_low=True)


# drivers/fpga/dfl.c (6.12, dfl_fpga_dev_ops_register()): the parent set by hand, as
# cdev_set_parent() does, keeps the feature device (and the container) while files are open
_ADD = """
int foo_dev_ops_register(struct platform_device *pdev, const struct file_operations *fops)
{
\tstruct foo_pdata *pdata = dev_get_platdata(&pdev->dev);

\tcdev_init(&pdata->cdev, fops);
\tpdata->cdev.owner = THIS_MODULE;
{parent}
\treturn cdev_add(&pdata->cdev, pdev->dev.devt, 1);
}
"""


def _new_tree_file(code: str):
    """A new file in tree mode (the post-image known): the series and its context_for."""
    return tree_case("drivers/fpga/foo.c", "", code.strip("\n").replace("\\t", "\t") + "\n")


def test_quiet_when_the_cdev_parent_is_set_by_hand():
    series, ctx = _new_tree_file(_ADD.replace("{parent}", "\tpdata->cdev.kobj.parent = &pdev->dev.kobj;"))
    assert_quiet(cdev_freed_with_container, series, include_low=True, context_for=ctx)


def test_fires_when_no_parent_is_set():
    code = _ADD.replace("{parent}\n", "")
    series, ctx = _new_tree_file(code)
    line = code.strip("\n").splitlines().index("\treturn cdev_add(&pdata->cdev, pdev->dev.devt, 1);") + 1
    assert_fires(cdev_freed_with_container, series, at=[("drivers/fpga/foo.c", line)], context_for=ctx)
