"""Fresh tree-mode new-driver seeds 67, 71, 73 (session 10): six more wrong findings, each a
kernel rule the checks did not know.  Fixtures are paraphrases (other names, other APIs).

- MOD015: a `devm_*()` function of the file is a managed API itself (its users call it from
  probe, once): a devres action it adds is its contract, not a per-open pile-up.
- MOD003: `if (dev) sdev = to_foo_slave(dev); ... if (!sdev) return -ENODEV;`: the container of
  a found object is not NULL, so that exit found nothing; and its later put through the
  container (`foo_slave_put(sdev)`) drops the lookup's reference.
- MOD019: a put under `if (x->holder == obj)` drops the reference the member holds, not the
  one the function put before its goto.
- MOD003: `rq = reqs[i]` in each loop walking the array names that element: the unwind loop's
  put of `rq` drops `reqs[i]`'s reference.
- MOD019: `foo_put()` beside `foo_get()`, which finds a device and returns its driver data with
  the reference held, is the pair's put, though `foo->dev` holds only `&pdev->dev`.
- MOD006 (tree mode): fops used only as the files of a file system the module registers with
  `.owner = THIS_MODULE` are pinned by its superblock.
"""

from reviewbot.checks.module import device_ref_imbalance, devm_lifetime, get_without_put_on_exit, missing_owner
from reviewbot.context import Context, FileFacts
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet, diff, tree_case


def _tree(path: str, code: str):
    return tree_case(path, "", code.lstrip("\n").replace("\\t", "\t"))


DEVM_OPEN = """
static void NAME_close_action(void *port)
{
\tfoo_port_close(port);
}

int NAME_open(struct device *dev, struct foo_port *port)
{
\tint ret;

\tret = foo_port_open(port);
\tif (ret)
\t\treturn ret;
\treturn devm_add_action_or_reset(dev, NAME_close_action, port);
}
EXPORT_SYMBOL_GPL(NAME_open);
"""


def test_mod015_quiet_in_a_managed_api_of_the_file():
    code = DEVM_OPEN.replace("NAME", "devm_foo_port")
    assert_quiet(devm_lifetime, new_file("drivers/tty/foo/core.c", code))


def test_mod015_fires_in_a_plain_open():
    code = DEVM_OPEN.replace("NAME", "foo_port_start")
    assert_fires(devm_lifetime, new_file("drivers/tty/foo/core.c", code),
                 at=[("drivers/tty/foo/core.c", _at(code, "devm_add_action_or_reset"))])


DEL_BY_NAME = """
static int foo_del_slave(struct foo_priv *priv, const char *name, u32 tag)
{
\tstruct foo_slave *sdev = NULL;
\tstruct device *dev;

\tif (name[0]) {
\t\tdev = bus_find_device_by_name(&foo_bus_type, NULL, name);
\t\tif (dev)
\t\t\tsdev = SET_LINE;
\t} else {
\t\tsdev = foo_find_by_tag(priv, tag);
\t}

\tif (!sdev) {
\t\tdev_dbg(priv->dev, "no slave %s\\n", name);
\t\treturn -ENODEV;
\t}

\tfoo_slave_unlink(sdev);
\tput_device(&sdev->dev);
\treturn 0;
}
"""


def _cocci_stands(code: str, exit_needle: str) -> bool:
    """Does the Coccinelle path "bus_find_device_by_name() ... exit" stand (tree mode: the get
    and the exit in different blocks, which only the Coccinelle leak rule walks)?"""
    from types import SimpleNamespace
    from reviewbot.context import FileImages
    text = code.lstrip("\n").replace("\\t", "\t")
    path = "drivers/foo/foo_cdev.c"
    m = SimpleNamespace(kind="leak", path=path, get_line=_at(code, "bus_find_device_by_name"),
                        exit_line=_at(code, exit_needle), api="bus_find_device_by_name", obj="dev")
    ctx = Context(mode="tree", files={path: FileImages(pre=None, post=text)})
    return get_without_put_on_exit._cocci_leak_stands(ctx, {}, m)


def test_mod003_quiet_when_the_null_test_is_of_the_found_objects_container():
    code = DEL_BY_NAME.replace("SET_LINE", "to_foo_slave(dev)")
    assert not _cocci_stands(code, "return -ENODEV;")
    assert not _cocci_stands(code, "return 0;")  # put_device(&sdev->dev) is the found device's put


def test_mod003_fires_when_the_container_is_set_from_something_else():
    code = DEL_BY_NAME.replace("SET_LINE", "foo_slave_lookup(priv, name)")
    assert _cocci_stands(code, "return -ENODEV;")
    assert _cocci_stands(code, "return 0;")


ACCEPT = """
int foo_accept(struct foo_id *id, struct foo_qp *qp)
{
\tstruct pci_dev *pdev = id->provider_data;
\tint rv = -EINVAL;

\tpci_dev_put(pdev);
\tif (qp->state > FOO_QP_READY)
\t\tgoto error_unlock;
\tpci_dev_get(pdev);
\tqp->pdev = pdev;
\trv = foo_send_reply(qp);
\tif (rv)
\t\tgoto error_unlock;
\treturn 0;

error_unlock:
\tfoo_destroy_sock(qp);
\tCOND {
\t\tpci_dev_put(pdev);
\t\tqp->pdev = NULL;
\t}
\treturn rv;
}
"""


def _accept(cond: str):
    code = ACCEPT.replace("COND", cond)
    return code, new_file("drivers/infiniband/foo/foo_cm.c", code)


def test_mod019_quiet_on_a_put_under_a_test_that_the_member_holds_it():
    _code, series = _accept("if (qp->pdev == pdev)")
    assert_quiet(device_ref_imbalance, series)


def test_mod019_fires_on_the_same_put_under_another_test():
    code, series = _accept("if (rv == -EAGAIN)")
    assert_fires(device_ref_imbalance, series, at=[("drivers/infiniband/foo/foo_cm.c", _at(code, "\t\tpci_dev_put(pdev);"))])


SELFTEST = """
static int foo_live_requests(struct foo_gpu *gpu, unsigned int n)
{
\tstruct foo_request **request;
\tunsigned int idx;
\tint err = 0;

\trequest = kcalloc(n, sizeof(*request), GFP_KERNEL);
\tif (!request)
\t\treturn -ENOMEM;

\tfor (idx = 0; idx < n; idx++) {
\t\trequest[idx] = foo_request_create(gpu);
\t\tif (IS_ERR(request[idx])) {
\t\t\terr = PTR_ERR(request[idx]);
\t\t\trequest[idx] = NULL;
\t\t\tgoto out_request;
\t\t}
\t\ti915_request_get(request[idx]);
\t\ti915_request_add(request[idx]);
\t\tif (foo_request_completed(request[idx])) {
\t\t\terr = -EINVAL;
\t\t\tgoto out_request;
\t\t}
\t}

\tfor (idx = 0; idx < n; idx++) {
\t\tstruct foo_request *rq = request[idx];

\t\tfoo_request_wait(rq);
\t}

out_request:
\tfor (idx = 0; idx < n; idx++) {
\t\tstruct foo_request *rq = request[idx];

\t\tif (!rq)
\t\t\tbreak;
\t\tPUT_LINE
\t}
\tkfree(request);
\treturn err;
}
"""


def test_mod003_quiet_when_the_unwind_loop_puts_each_element_through_a_local():
    code = SELFTEST.replace("PUT_LINE", "i915_request_put(rq);")
    series, ctx = _tree("drivers/gpu/drm/foo/selftest_foo.c", code)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


def test_mod003_fires_when_the_unwind_loop_puts_another_arrays_elements():
    code = SELFTEST.replace("PUT_LINE", "i915_request_put(rq);").replace(
        "out_request:\n\tfor (idx = 0; idx < n; idx++) {\n\t\tstruct foo_request *rq = request[idx];",
        "out_request:\n\tfor (idx = 0; idx < n; idx++) {\n\t\tstruct foo_request *rq = gpu->done[idx];")
    assert "gpu->done[idx]" in code
    series, ctx = _tree("drivers/gpu/drm/foo/selftest_foo.c", code)
    assert_fires(get_without_put_on_exit, series, context_for=ctx,
                 at=[("drivers/gpu/drm/foo/selftest_foo.c", _at(code, "err = -EINVAL;") + 1)])


PAIR = """
struct foo_mbox *foo_mbox_get(struct device *dev)
{
\tstruct platform_device *pdev;
\tstruct device_node *np;
\tstruct foo_mbox *mbox;

\tnp = of_parse_phandle(dev->of_node, "foo,mbox", 0);
\tif (!np)
\t\treturn ERR_PTR(-ENODEV);
\tpdev = of_find_device_by_node(np);
\tof_node_put(np);
\tif (!pdev)
\t\treturn ERR_PTR(-EINVAL);
\tmbox = platform_get_drvdata(pdev);
\tif (!mbox) {
\t\tput_device(&pdev->dev);
\t\treturn ERR_PTR(-EPROBE_DEFER);
\t}
\tDROP
\treturn mbox;
}

void foo_mbox_put(struct foo_mbox *mbox)
{
\tif (!IS_ERR_OR_NULL(mbox))
\t\tput_device(mbox->dev);
}

static int foo_mbox_probe(struct platform_device *pdev)
{
\tstruct foo_mbox *mbox;

\tmbox = devm_kzalloc(&pdev->dev, sizeof(*mbox), GFP_KERNEL);
\tif (!mbox)
\t\treturn -ENOMEM;
\tmbox->dev = &pdev->dev;
\tplatform_set_drvdata(pdev, mbox);
\treturn 0;
}
"""


def test_mod019_quiet_on_the_put_half_of_the_files_get_put_pair():
    code = PAIR.replace("\tDROP\n", "")
    series, ctx = _tree("drivers/soc/foo/foo_mbox.c", code)
    assert_quiet(device_ref_imbalance, series, context_for=ctx)


def test_mod019_fires_when_the_get_drops_the_reference_before_returning():
    code = PAIR.replace("DROP", "put_device(&pdev->dev);")
    series, ctx = _tree("drivers/soc/foo/foo_mbox.c", code)
    assert_fires(device_ref_imbalance, series, context_for=ctx,
                 at=[("drivers/soc/foo/foo_mbox.c", _at(code, "put_device(mbox->dev)"))])


FS_FOPS = diff("""
    --- /dev/null
    +++ b/drivers/foo/foofs/state.c
    @@ -0,0 +1,9 @@
    +static int foo_state_open(struct inode *inode, struct file *file)
    +{
    +\treturn 0;
    +}
    +
    +const struct file_operations foo_state_fops = {
    +\t.open = foo_state_open,
    +\t.llseek = default_llseek,
    +};
""")

SUPER = """
static int foofs_fill_super(struct super_block *sb, struct fs_context *fc)
{
\tstatic const struct tree_descr files[] = {
\t\t[2] = { "state", &foo_state_fops, S_IRUSR },
\t\t{ "" },
\t};
\treturn simple_fill_super(sb, FOOFS_MAGIC, files);
}

static struct file_system_type foofs_type = {
\t.owner = THIS_MODULE,
\t.name = "foofs",
\t.init_fs_context = foofs_init_fs_context,
\t.kill_sb = kill_litter_super,
};

static int __init foofs_init(void)
{
\treturn register_filesystem(&foofs_type);
}
""".replace("\\t", "\t")


def _fs_ctx(super_text: str):
    facts = FileFacts(modular=True, module_objects=("drivers/foo/foofs/super.c", "drivers/foo/foofs/state.c"))
    return lambda p: Context(mode="tree", others={"drivers/foo/foofs/super.c": super_text},
                             facts={"drivers/foo/foofs/state.c": facts})


def test_mod006_quiet_on_the_files_of_the_modules_own_filesystem():
    assert_quiet(missing_owner, FS_FOPS, include_low=True, context_for=_fs_ctx(SUPER))


def test_mod006_fires_when_the_fops_also_serve_a_char_device_or_no_fs_owns_them():
    where = [("drivers/foo/foofs/state.c", 6)]
    cdev = SUPER + "\nstatic void foo_cdev_setup(struct cdev *c)\n{\n\tcdev_init(c, &foo_state_fops);\n}\n"
    assert_fires(missing_owner, FS_FOPS, at=where, context_for=_fs_ctx(cdev))
    assert_fires(missing_owner, FS_FOPS, at=where, context_for=_fs_ctx(SUPER.replace("\t.owner = THIS_MODULE,\n", "")))
