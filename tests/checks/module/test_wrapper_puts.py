"""The subsystems' own get/put wrappers (checks/data/wrappers.tsv) reach the rules.

Real-shaped patches on drivers/nvme/host/core.c of 6.12 (nvme_dev_open(): `nvme_get_ctrl(ctrl)`,
then `nvme_put_ctrl(ctrl)` when the module pin fails), where `nvme_get_ctrl()` is
`get_device(ctrl->device)` and `nvme_put_ctrl()` is `put_device(ctrl->device)`: no rule names them.
"""

from reviewbot.checks.module import _apis, device_ref_imbalance, get_without_put_on_exit, use_after_put
from tests.helpers import assert_fires, assert_quiet, diff

PATH = "drivers/nvme/host/core.c"

REMOVED_WRAPPER_PUT = diff("""
    --- a/drivers/nvme/host/core.c
    +++ b/drivers/nvme/host/core.c
    @@ -3548,9 +3548,7 @@ static int nvme_dev_open(struct inode *inode, struct file *file)
     
     \tnvme_get_ctrl(ctrl);
    -\tif (!try_module_get(ctrl->ops->module)) {
    -\t\tnvme_put_ctrl(ctrl);
    +\tif (!try_module_get(ctrl->ops->module))
     \t\treturn -EINVAL;
    -\t}
     
     \tfile->private_data = ctrl;
     \treturn 0;
""")

# the fix as it would be posted: the put comes back
FIX = diff("""
    --- a/drivers/nvme/host/core.c
    +++ b/drivers/nvme/host/core.c
    @@ -3548,7 +3548,9 @@ static int nvme_dev_open(struct inode *inode, struct file *file)
     
     \tnvme_get_ctrl(ctrl);
    -\tif (!try_module_get(ctrl->ops->module))
    +\tif (!try_module_get(ctrl->ops->module)) {
    +\t\tnvme_put_ctrl(ctrl);
     \t\treturn -EINVAL;
    +\t}
     
     \tfile->private_data = ctrl;
     \treturn 0;
""")

# the put moves into an unwind label the failure now jumps to: still dropped
MOVED_TO_LABEL = diff("""
    --- a/drivers/nvme/host/core.c
    +++ b/drivers/nvme/host/core.c
    @@ -3548,12 +3548,14 @@ static int nvme_dev_open(struct inode *inode, struct file *file)
     
     \tnvme_get_ctrl(ctrl);
    -\tif (!try_module_get(ctrl->ops->module)) {
    -\t\tnvme_put_ctrl(ctrl);
    -\t\treturn -EINVAL;
    -\t}
    +\tif (!try_module_get(ctrl->ops->module))
    +\t\tgoto out_put;
     
     \tfile->private_data = ctrl;
     \treturn 0;
    +
    +out_put:
    +\tnvme_put_ctrl(ctrl);
    +\treturn -EINVAL;
     }
     
     static int nvme_dev_release(struct inode *inode, struct file *file)
""")

# a use of the controller moved after its wrapper put
USE_MOVED_AFTER_PUT = diff("""
    --- a/drivers/nvme/host/core.c
    +++ b/drivers/nvme/host/core.c
    @@ -3548,8 +3548,8 @@ static int nvme_dev_open(struct inode *inode, struct file *file)
     
     \tnvme_get_ctrl(ctrl);
     \tif (!try_module_get(ctrl->ops->module)) {
    -\t\tdev_warn(ctrl->device, "no module for %s\\n", ctrl->ops->name);
     \t\tnvme_put_ctrl(ctrl);
    +\t\tdev_warn(ctrl->device, "no module for %s\\n", ctrl->ops->name);
     \t\treturn -EINVAL;
     \t}
     
""")




def test_the_wrappers_are_in_the_rules_vocabulary():
    assert "nvme_put_ctrl" in _apis.PUTTERS and "nvme_get_ctrl" in _apis.PUTTERS["nvme_put_ctrl"]
    assert "nvme_put_ctrl" in _apis.BY_GETTER["nvme_get_ctrl"].putters
    assert _apis.PUTTER_NAMES.search("\tnvme_put_ctrl(ctrl);").group(1) == "nvme_put_ctrl"
    assert _apis.has_putter_call("x = 1;\n\tdrm_gem_object_put(obj);")
    assert _apis.GETTER_NAMES.match("nvme_get_ctrl(ctrl)") is not None


def test_removed_wrapper_put_on_error_path_fires():
    assert_fires(get_without_put_on_exit, REMOVED_WRAPPER_PUT, [(PATH, 3551, "old")])


def test_its_fix_is_quiet():
    assert_quiet(get_without_put_on_exit, FIX)


def test_put_moved_into_unwind_label_is_quiet():
    assert_quiet(get_without_put_on_exit, MOVED_TO_LABEL)


def test_use_after_wrapper_put_fires():
    assert_fires(use_after_put, USE_MOVED_AFTER_PUT, [(PATH, 3552)])


# drivers/gpu/drm/drm_gem_dma_helper.c: drm_gem_object_put() is kref_put(&obj->refcount, ..)
# through __drm_gem_object_put(): a second put on the same path drops a reference nobody holds
SECOND_WRAPPER_PUT = diff("""
    --- a/drivers/gpu/drm/drm_gem_dma_helper.c
    +++ b/drivers/gpu/drm/drm_gem_dma_helper.c
    @@ -378,6 +378,7 @@ unsigned long drm_gem_dma_get_unmapped_area(struct file *filp,
     
     \\tif (!drm_vma_node_is_allowed(node, priv)) {
     \\t\\tdrm_gem_object_put(obj);
    +\\t\\tdrm_gem_object_put(obj);
     \\t\\treturn -EACCES;
     \\t}
     
""")


def test_second_wrapper_put_fires():
    assert_fires(device_ref_imbalance, SECOND_WRAPPER_PUT, [("drivers/gpu/drm/drm_gem_dma_helper.c", 381)])
