"""Fire/silent tests for the rule changes the catalog audit (benchmarks/catalog_audit.py) led to:
paraphrases of the catalog's triggers on real Linux 6.12 code, their fixes and look-alikes."""
import re

from reviewbot.checks.module import device_ref_imbalance
from tests.helpers import assert_fires, assert_quiet, diff, run_rule

# tfp410_init() of 6.12: the device's own node put on an error path.  The function passes
# dev->of_node to a lookup (of_graph_get_remote_node()), which references what it finds, not
# its argument: nobody took a reference on dev->of_node here.
PUT_DEVICE_NODE = diff("""
    --- a/drivers/gpu/drm/bridge/ti-tfp410.c
    +++ b/drivers/gpu/drm/bridge/ti-tfp410.c
    @@ -358,8 +358,10 @@ static int tfp410_init(struct device *dev, bool i2c)
     
     \t/* Get the next bridge, connected to port@1. */
     \tnode = of_graph_get_remote_node(dev->of_node, 1, -1);
    -\tif (!node)
    +\tif (!node) {
    +\t\tof_node_put(dev->of_node);
     \t\treturn -ENODEV;
    +\t}
     
     \tdvi->next_bridge = of_drm_find_bridge(node);
     \tof_node_put(node);
""")

# The same put where the function took its own reference on the node: fine.
PUT_DEVICE_NODE_GOT = diff("""
    --- a/drivers/gpu/drm/bridge/ti-tfp410.c
    +++ b/drivers/gpu/drm/bridge/ti-tfp410.c
    @@ -358,8 +358,10 @@ static int tfp410_init(struct device *dev, bool i2c)
     
     \t/* Get the next bridge, connected to port@1. */
     \tnode = of_graph_get_remote_node(of_node_get(dev->of_node), 1, -1);
    -\tif (!node)
    +\tif (!node) {
    +\t\tof_node_put(dev->of_node);
     \t\treturn -ENODEV;
    +\t}
     
     \tdvi->next_bridge = of_drm_find_bridge(node);
     \tof_node_put(node);
""")

# The lookup's result put on that path (the usual fix shape): fine.
PUT_FOUND_NODE = diff("""
    --- a/drivers/gpu/drm/bridge/ti-tfp410.c
    +++ b/drivers/gpu/drm/bridge/ti-tfp410.c
    @@ -363,8 +363,10 @@ static int tfp410_init(struct device *dev, bool i2c)
     
     \tdvi->next_bridge = of_drm_find_bridge(node);
    -\tof_node_put(node);
     
    -\tif (!dvi->next_bridge)
    +\tif (!dvi->next_bridge) {
    +\t\tof_node_put(node);
     \t\treturn -EPROBE_DEFER;
    +\t}
    +\tof_node_put(node);
     
     \t/* Get the powerdown GPIO. */
""")


def test_fires_on_put_of_device_node_passed_to_a_lookup():
    assert_fires(device_ref_imbalance, PUT_DEVICE_NODE, at=[("drivers/gpu/drm/bridge/ti-tfp410.c", 362)])


def test_quiet_when_the_function_got_the_node_or_puts_the_found_one():
    assert_quiet(device_ref_imbalance, PUT_DEVICE_NODE_GOT)
    assert_quiet(device_ref_imbalance, PUT_FOUND_NODE)


# ublk_get_device() of 6.12: the code after `if (kobject_get_unless_zero(k)) return ub;` runs
# only when the get failed; a put there drops a reference nobody took.
PUT_AFTER_SUCCESS_RETURN = diff("""
    --- a/drivers/block/ublk_drv.c
    +++ b/drivers/block/ublk_drv.c
    @@ -637,6 +637,7 @@ static noinline struct ublk_device *ublk_get_device(struct ublk_device *ub)
     {
     \tif (kobject_get_unless_zero(&ub->cdev_dev.kobj))
     \t\treturn ub;
    +\tkobject_put(&ub->cdev_dev.kobj);
     \treturn NULL;
     }
     
""")

# A goto on success to a label that puts: the put runs on the success path (fine).
PUT_AFTER_SUCCESS_GOTO_LABEL = diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -40,6 +40,8 @@ static int foo_poke(struct foo *foo)
     \tif (kobject_get_unless_zero(&foo->kobj))
     \t\tgoto used;
     \treturn -ENODEV;
    +used:
    +\tkobject_put(&foo->kobj);
     \treturn 0;
     }
     
""")


def test_fires_on_put_after_an_if_that_returned_on_get_success():
    assert_fires(device_ref_imbalance, PUT_AFTER_SUCCESS_RETURN, at=[("drivers/block/ublk_drv.c", 640)])


def test_quiet_on_put_under_a_label_the_success_branch_jumps_to():
    assert_quiet(device_ref_imbalance, PUT_AFTER_SUCCESS_GOTO_LABEL, include_low=True)


from reviewbot.checks.module import unbind_teardown_order  # noqa: E402

# mt6779_keypad_pdrv_probe() of 6.12 with the managed IRQ moved above the managed clock (as
# git shows the swap): devres now disables the clock before it frees the IRQ.
_IRQ_MOVE_TEXT = """
    --- a/drivers/input/keyboard/mt6779-keypad.c
    +++ b/drivers/input/keyboard/mt6779-keypad.c
    @@ -208,22 +208,22 @@ static int mt6779_keypad_pdrv_probe(struct platform_device *pdev)
     \tregmap_update_bits(keypad->regmap, MTK_KPD_SEL, MTK_KPD_SEL_COL,
     \t\t\t   MTK_KPD_SEL_COLMASK(keypad->n_cols));
     
    +\tirq = platform_get_irq(pdev, 0);
    +\tif (irq < 0)
    +\t\treturn irq;
    +
    +\terror = devm_request_threaded_irq(&pdev->dev, irq,
    +\t\t\t\t\t  NULL, mt6779_keypad_irq_handler,
    +\t\t\t\t\t  IRQF_ONESHOT, MTK_KPD_NAME, keypad);
    +\tif (error) {
    +\t\tdev_err(&pdev->dev, "Failed to request IRQ#%d: %d\\n",
    +\t\t\tirq, error);
    +\t\treturn error;
    +\t}
    +
     \tkeypad->clk = devm_clk_get_enabled(&pdev->dev, "kpd");
     \tif (IS_ERR(keypad->clk))
     \t\treturn PTR_ERR(keypad->clk);
    -
    -\tirq = platform_get_irq(pdev, 0);
    -\tif (irq < 0)
    -\t\treturn irq;
    -
    -\terror = devm_request_threaded_irq(&pdev->dev, irq,
    -\t\t\t\t\t  NULL, mt6779_keypad_irq_handler,
    -\t\t\t\t\t  IRQF_ONESHOT, MTK_KPD_NAME, keypad);
    -\tif (error) {
    -\t\tdev_err(&pdev->dev, "Failed to request IRQ#%d: %d\\n",
    -\t\t\tirq, error);
    -\t\treturn error;
    -\t}
     
     \terror = input_register_device(keypad->input_dev);
     \tif (error) {
"""

# A look-alike: the IRQ moved above register set-up that no devres action undoes.
_IRQ_PAST_REGMAP_TEXT = """
    --- a/drivers/input/keyboard/mt6779-keypad.c
    +++ b/drivers/input/keyboard/mt6779-keypad.c
    @@ -205,13 +205,13 @@ static int mt6779_keypad_pdrv_probe(struct platform_device *pdev)
     \t\t\t\t   MTK_KPD_SEL_DOUBLE_KP_MODE,
     \t\t\t\t   MTK_KPD_SEL_DOUBLE_KP_MODE);
     
    +\terror = devm_request_threaded_irq(&pdev->dev, irq,
    +\t\t\t\t\t  NULL, mt6779_keypad_irq_handler,
    +\t\t\t\t\t  IRQF_ONESHOT, MTK_KPD_NAME, keypad);
     \tregmap_update_bits(keypad->regmap, MTK_KPD_SEL, MTK_KPD_SEL_ROW,
     \t\t\t   MTK_KPD_SEL_ROWMASK(keypad->n_rows));
     \tregmap_update_bits(keypad->regmap, MTK_KPD_SEL, MTK_KPD_SEL_COL,
     \t\t\t   MTK_KPD_SEL_COLMASK(keypad->n_cols));
    -\terror = devm_request_threaded_irq(&pdev->dev, irq,
    -\t\t\t\t\t  NULL, mt6779_keypad_irq_handler,
    -\t\t\t\t\t  IRQF_ONESHOT, MTK_KPD_NAME, keypad);
     
     \tkeypad->clk = devm_clk_get_enabled(&pdev->dev, "kpd");
     \tif (IS_ERR(keypad->clk))
"""


def _reversed(text: str) -> str:
    """The fix: the same diff the other way round (header counts swapped)."""
    out = []
    for ln in text.splitlines():
        m = re.match(r"^(\s*)@@ -(\S+) \+(\S+) @@(.*)$", ln)
        if m:
            ln = f"{m.group(1)}@@ -{m.group(3)} +{m.group(2)} @@{m.group(4)}"
        elif re.match(r"^    \+(?!\+\+)", ln):
            ln = "    -" + ln[5:]
        elif re.match(r"^    -(?!--)", ln):
            ln = "    +" + ln[5:]
        out.append(ln)
    return "\n".join(out) + "\n"


def test_fires_when_a_devm_irq_moves_before_the_devm_clock_it_needs():
    assert_fires(unbind_teardown_order, diff(_IRQ_MOVE_TEXT),
                 at=[("drivers/input/keyboard/mt6779-keypad.c", 215)])


def test_quiet_on_the_fixing_order_and_on_a_move_past_unmanaged_code():
    assert_quiet(unbind_teardown_order, diff(_reversed(_IRQ_MOVE_TEXT)), include_low=True)
    assert_quiet(unbind_teardown_order, diff(_IRQ_PAST_REGMAP_TEXT), include_low=True)


from tests.helpers import tree_case  # noqa: E402

# vb2_core_expbuf() of 6.12 (abridged): dma_buf_fd() installs the buffer's file in a new fd on
# success, which then owns the export reference; on failure nothing is consumed.
_EXPBUF = """\
int vb2_core_expbuf(struct vb2_queue *q, int *fd, unsigned int flags)
{
	struct dma_buf *dbuf;
	int ret;

	dbuf = call_ptr_memop(get_dmabuf, q, NULL, flags & O_ACCMODE);
	if (IS_ERR_OR_NULL(dbuf))
		return -EINVAL;

	ret = dma_buf_fd(dbuf, flags & ~O_ACCMODE);
	if (ret < 0) {
		dprintk(q, 3, "failed to export\\n");
		dma_buf_put(dbuf);
		return ret;
	}

	*fd = ret;
@EXTRA@	return 0;
}
"""
_VB2 = "drivers/media/common/videobuf2/videobuf2-core.c"


def test_fires_on_put_after_dma_buf_fd_succeeded():
    series, ctx = tree_case(_VB2, _EXPBUF.replace("@EXTRA@", ""),
                            _EXPBUF.replace("@EXTRA@", "\tdma_buf_put(dbuf);\n"))
    assert_fires(device_ref_imbalance, series, at=[(_VB2, 18)], context_for=ctx)


def test_quiet_on_the_put_where_dma_buf_fd_failed():
    post = _EXPBUF.replace("@EXTRA@", "")
    series, ctx = tree_case(_VB2, post.replace("\t\tdma_buf_put(dbuf);\n", ""), post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)


from reviewbot.checks.module import module_ref_for_unbind  # noqa: E402

# intel_th_output_open() of 6.12 with a module reference on the looked-up device's driver that
# the comment says keeps it from being unbound.
_TH_PIN = """
    --- a/drivers/hwtracing/intel_th/core.c
    +++ b/drivers/hwtracing/intel_th/core.c
    @@ -818,6 +818,12 @@ static int intel_th_output_open(struct inode *inode, struct file *file)
     \\t\\tgoto out_put_device;
     \\t}
     
    +\\t/* %s */
    +\\tif (!try_module_get(dev->driver->owner)) {
    +\\t\\terr = -ENODEV;
    +\\t\\tgoto out_put_device;
    +\\t}
    +
     \\tthdrv = to_intel_th_driver(dev->driver);
     \\tfops = fops_get(thdrv->fops);
     \\tif (!fops) {
"""


def test_fires_on_a_bound_driver_pinned_to_prevent_unbind():
    assert_fires(module_ref_for_unbind, diff(_TH_PIN % "pin the output driver to prevent its unbind while open"),
                 at=[("drivers/hwtracing/intel_th/core.c", 822)])


def test_quiet_on_the_same_pin_said_to_keep_the_code_loaded():
    assert_quiet(module_ref_for_unbind, diff(_TH_PIN % "keep the output driver's code loaded while open"),
                 include_low=True)


from reviewbot.checks.module import get_without_put_on_exit  # noqa: E402

# serio_queue_event() of 6.12 (abridged) gets a new error exit after try_module_get() that
# copies the failure branch above it word for word: the diff aligns the new goto with the old
# one, so the leaking path's goto is a context line; the finding goes on the added test.
_SERIO = (
    "static int foo_queue_event(void *object, struct module *owner, int type)\n"
    "{\n"
    "\tstruct foo_event *event;\n"
    "\tunsigned long flags;\n"
    "\tint retval = 0;\n"
    "\n"
    "\tspin_lock_irqsave(&foo_lock, flags);\n"
    "\tevent = kmalloc(sizeof(*event), GFP_ATOMIC);\n"
    "\tif (!event) {\n"
    "\t\tretval = -ENOMEM;\n"
    "\t\tgoto out;\n"
    "\t}\n"
    "\n"
    "\tif (!try_module_get(owner)) {\n"
    "\t\tpr_warn(\"Can't get module reference, dropping event %d\",\n"
    "\t\t\ttype);\n"
    "\t\tkfree(event);\n"
    "\t\tretval = -EINVAL;\n"
    "\t\tgoto out;\n"
    "\t}\n"
    "\n"
    "@NEW@"
    "\tevent->owner = owner;\n"
    "\tevent->object = object;\n"
    "\tlist_add_tail(&event->node, &foo_event_list);\n"
    "\n"
    "out:\n"
    "\tspin_unlock_irqrestore(&foo_lock, flags);\n"
    "\treturn retval;\n"
    "}\n")
_NEW_EXIT = "\tif (!object) {\n\t\tkfree(event);\n\t\tretval = -EINVAL;\n\t\tgoto out;\n\t}\n\n"


# The diff as git aligns it in the real 6.12 file: the new block's `kfree(); retval = ...;
# goto out; }` matched with the old failure branch's, the added lines drawn in that branch.
_SERIO_DIFF = """
    --- a/drivers/input/serio/foo.c
    +++ b/drivers/input/serio/foo.c
    @@ -14,6 +14,12 @@ static int foo_queue_event(void *object, struct module *owner, int type)
     \tif (!try_module_get(owner)) {
     \t\tpr_warn("Can't get module reference, dropping event %d",
     \t\t\ttype);
    +\t\tkfree(event);
    +\t\tretval = -EINVAL;
    +\t\tgoto out;
    +\t}
    +
    +\tif (!object) {
     \t\tkfree(event);
     \t\tretval = -EINVAL;
     \t\tgoto out;
"""


def _serio_tree(new: str):
    from reviewbot.context import Context, FileImages
    pre, post = _SERIO.replace("@NEW@", ""), _SERIO.replace("@NEW@", new)
    ctx = Context(mode="tree", files={"drivers/input/serio/foo.c": FileImages(pre=pre, post=post)})
    return lambda p: ctx


def test_fires_on_a_copied_error_exit_after_a_module_get():
    got = run_rule(get_without_put_on_exit, diff(_SERIO_DIFF), _serio_tree(_NEW_EXIT)).shown()
    assert [(f.line, "try_module_get" in f.message) for f in got] == [(22, True)], got


def test_quiet_when_the_copied_exit_puts_the_module():
    put = _NEW_EXIT.replace("\t\tkfree(event);\n", "\t\tmodule_put(owner);\n\t\tkfree(event);\n", 1)
    series, ctx = tree_case("drivers/input/serio/foo.c", _SERIO.replace("@NEW@", ""), _SERIO.replace("@NEW@", put))
    assert_quiet(get_without_put_on_exit, series, include_low=True, context_for=ctx)


# qmp_get() of 6.12 with its of_node_put(np) moved below the `!pdev` exit: that exit keeps
# the phandle reference now.
_PUT_BELOW = """
    --- a/drivers/soc/qcom/qcom_aoss.c
    +++ b/drivers/soc/qcom/qcom_aoss.c
    @@ -458,9 +458,9 @@ struct qmp *qmp_get(struct device *dev)
     \\t\\treturn ERR_PTR(-ENODEV);
     
     \\tpdev = of_find_device_by_node(np);
    -\\tof_node_put(np);
     \\tif (!pdev)
     \\t\\treturn ERR_PTR(-EINVAL);
    +\\tof_node_put(np);
     
     \\tqmp = platform_get_drvdata(pdev);
     
"""

# The same put moved below a statement that does not leave: fine.
_PUT_BELOW_NO_EXIT = """
    --- a/drivers/soc/qcom/qcom_aoss.c
    +++ b/drivers/soc/qcom/qcom_aoss.c
    @@ -458,9 +458,9 @@ struct qmp *qmp_get(struct device *dev)
     \\t\\treturn ERR_PTR(-ENODEV);
     
     \\tpdev = of_find_device_by_node(np);
    -\\tof_node_put(np);
     \\tif (!pdev)
     \\t\\tdev_warn(dev, "no QMP device\\\\n");
    +\\tof_node_put(np);
     
     \\tqmp = platform_get_drvdata(pdev);
     
"""


def test_fires_on_a_put_moved_below_an_exit():
    assert_fires(get_without_put_on_exit, diff(_PUT_BELOW), at=[("drivers/soc/qcom/qcom_aoss.c", 461, "old")])


def test_quiet_on_the_fix_and_on_a_move_past_no_exit():
    assert_quiet(get_without_put_on_exit, diff(_reversed(_PUT_BELOW)), include_low=True)
    assert_quiet(get_without_put_on_exit, diff(_PUT_BELOW_NO_EXIT), include_low=True)
