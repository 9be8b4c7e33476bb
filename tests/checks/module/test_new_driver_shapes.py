"""Shapes of 6.12 files posted as new files (the lead's new-driver seeds 109, 113, 127, 131) that
were reported wrongly, each next to the defect that must still be reported: an init of the
caller's object (register_virtio_device()), a node the file stores in the device, an unwind loop
through a local, a flag that says the lookup held, an allocation tested in its own condition, a
connect call split over lines, a put of a holder's reference, a table getter's own definition,
an unwind label inside a loop that breaks out to the put after it (xe_bo.c)."""

from reviewbot.checks.module import device_ref_imbalance, get_without_put_on_exit
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet, tree_case

PATH = "drivers/virtio/foo_virtio.c"

REGISTER = """
static int foo_device_of_init(struct foo_device *dev)
{
\tstruct device_node *np, *pnode = dev_of_node(dev->dev.parent);

\tif (!pnode)
\t\treturn 0;
\tnp = of_get_next_available_child(pnode, NULL);
\tif (!np)
\t\treturn -ENODEV;
\t{set_node}
\treturn 0;
}

int foo_register_device(struct foo_device *{param})
{
\tint err;
{alloc}
\tdev->dev.bus = &foo_bus;
\tdevice_initialize(&dev->dev);

\terr = ida_alloc(&foo_index_ida, GFP_KERNEL);
\tif (err < 0)
\t\tgoto out;

\tdev->index = err;
\terr = foo_device_of_init(dev);
\tif (err)
\t\tgoto out_ida_remove;

\terr = device_add(&dev->dev);
\tif (err)
\t\tgoto out_of_node_put;

\treturn 0;

out_of_node_put:
\tof_node_put(dev->dev.of_node);
out_ida_remove:
\tida_free(&foo_index_ida, dev->index);
out:
\treturn err;
}
"""


def _register(set_node="dev->dev.of_node = np;", param="dev", alloc=""):
    code = REGISTER.replace("{set_node}", set_node).replace("{param}", param).replace("{alloc}", alloc)
    return code.strip("\n").replace("\\t", "\t") + "\n"


def test_an_init_of_the_callers_object_is_a_question_not_a_leak():
    series, ctx = tree_case(PATH, "", _register())
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)
    assert_fires(get_without_put_on_exit, series, [(PATH, _at(_register(), "goto out;"))],
                 include_low=True, context_for=ctx)


def test_an_init_of_an_object_the_function_made_is_a_leak():
    code = _register(param="parent", alloc="\tstruct foo_device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);\n\n"
                                          "\tif (!dev)\n\t\treturn -ENOMEM;\n\tdev->dev.parent = parent;")
    code = code.replace("struct foo_device *parent", "struct device *parent")
    series, ctx = tree_case(PATH, "", code)
    assert_fires(get_without_put_on_exit, series, [(PATH, _at(code, "goto out;"))], context_for=ctx)


def test_a_node_the_file_stores_in_the_device_is_its_to_put():
    series, ctx = tree_case(PATH, "", _register())
    assert_quiet(device_ref_imbalance, series, context_for=ctx)


def test_a_node_copied_from_the_parent_is_still_borrowed():
    code = _register(set_node="dev->dev.of_node = dev->dev.parent->of_node;\n\tof_node_put(np);")
    series, ctx = tree_case(PATH, "", code)
    assert_fires(device_ref_imbalance, series, [(PATH, _at(code, "of_node_put(dev->dev.of_node);"))],
                 context_for=ctx)


UNWIND_LOOP = """
static int foo_live_engines(struct foo_i915 *i915, unsigned int nengines)
{
\tstruct foo_request **request;
\tstruct foo_engine *engine;
\tunsigned int idx;
\tint err = 0;

\trequest = kcalloc(nengines, sizeof(*request), GFP_KERNEL);
\tif (!request)
\t\treturn -ENOMEM;

\tidx = 0;
\tfor_each_foo_engine(engine, i915) {
\t\trequest[idx] = foo_engine_create_request(engine);
\t\tif (IS_ERR(request[idx])) {
\t\t\terr = PTR_ERR(request[idx]);
\t\t\tgoto out_request;
\t\t}
\t\ti915_request_get(request[idx]);
\t\ti915_request_add(request[idx]);
\t\terr = foo_check(request[idx]);
\t\tidx++;
\t\tif (err)
\t\t\tgoto out_request;
\t}

\tidx = 0;
\tfor_each_foo_engine(engine, i915) {
\t\tstruct foo_request *rq = request[idx];

\t\ti915_request_wait(rq);
\t\ti915_request_put(rq);
\t\trequest[idx] = NULL;
\t\tidx++;
\t}

out_request:
\tidx = 0;
\tfor_each_foo_engine(engine, i915) {
\t\tstruct foo_request *rq = request[idx];

\t\tif (!rq)
\t\t\tcontinue;
\t\t{put}
\t\tidx++;
\t}
\tkfree(request);
\treturn err;
}
"""


def test_an_unwind_loop_drops_the_array_slots_through_a_local():
    code = UNWIND_LOOP.replace("{put}", "i915_request_put(rq);").strip("\n").replace("\\t", "\t") + "\n"
    series, ctx = tree_case("drivers/gpu/drm/foo/foo_request.c", "", code)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


def test_an_unwind_loop_without_the_put_leaks():
    code = UNWIND_LOOP.replace("{put}", "foo_report(rq);").strip("\n").replace("\\t", "\t") + "\n"
    series, ctx = tree_case("drivers/gpu/drm/foo/foo_request.c", "", code)
    after_get = [i for i, ln in enumerate(code.splitlines(), 1) if "goto out_request;" in ln][-1]
    assert_fires(get_without_put_on_exit, series, [("drivers/gpu/drm/foo/foo_request.c", after_get)],
                 context_for=ctx)


# A Coccinelle leak path is judged by the function's ownership facts (lead's seed 113, tree mode).
def _cocci_stands(code: str, api: str, get_needle: str, exit_needle: str, path: str = PATH) -> bool:
    from types import SimpleNamespace

    from reviewbot.context import Context, FileImages
    text = code.strip("\n").replace("\\t", "\t") + "\n"
    m = SimpleNamespace(kind="leak", path=path, get_line=_at(text, get_needle), exit_line=_at(text, exit_needle),
                        api=api, obj="")
    ctx = Context(mode="tree", files={path: FileImages(pre=None, post=text)})
    return get_without_put_on_exit._cocci_leak_stands(ctx, {}, m)


# drivers/media/usb/ttusb-dec/ttusb_dec.c: `if (!(urb = usb_alloc_urb(...)))` is the allocation's
# failure branch: usb_alloc_urb() returns NULL when it fails (the table's "cannot fail" was wrong)
ALLOC_IN_TEST = """
static int foo_alloc_iso_urbs(struct foo_dec *dec)
{
\tint i;

\tfor (i = 0; i < FOO_BUF_COUNT; i++) {
\t\tstruct urb *urb;

\t\tif (!(urb = usb_alloc_urb(FOO_FRAMES, GFP_ATOMIC))) {
\t\t\tfoo_free_iso_urbs(dec);
\t\t\treturn -ENOMEM;
\t\t}
\t\t{use}
\t}
\treturn 0;
}
"""


def test_an_allocation_tested_in_its_own_condition_failed_in_that_branch():
    code = ALLOC_IN_TEST.replace("{use}", "dec->iso_urb[i] = urb;")
    assert not _cocci_stands(code, "usb_alloc_urb", "usb_alloc_urb(", "return -ENOMEM;")


def test_an_allocation_dropped_on_no_later_exit_still_leaks():
    code = ALLOC_IN_TEST.replace("{use}", "if (foo_setup(urb))\n\t\t\treturn -EIO;\n\t\tdec->iso_urb[i] = urb;")
    assert _cocci_stands(code, "usb_alloc_urb", "usb_alloc_urb(", "return -EIO;")


# drivers/mtd/parsers/ofpart_core.c: a flag cleared in the lookup's failure branch says whether
# the node holds a reference, and every put tests it
FLAGGED = """
static int foo_parse_partitions(struct mtd_info *master)
{
\tstruct device_node *mtd_node, *ofpart_node;
\tbool dedicated = true;
\tint nr_parts = 0;

\tmtd_node = mtd_get_of_node(master);
\tofpart_node = of_get_child_by_name(mtd_node, "partitions");
\tif (!ofpart_node) {
\t\tofpart_node = mtd_node;
\t\t{clear}
\t}

\tnr_parts = foo_count(ofpart_node);
\tif (nr_parts == 0) {
\t\tif (dedicated)
\t\t\tof_node_put(ofpart_node);
\t\treturn 0;
\t}
\tif (dedicated)
\t\tof_node_put(ofpart_node);
\treturn nr_parts;
}
"""


def test_a_put_under_a_flag_cleared_on_the_lookups_failure_is_every_paths_put():
    code = FLAGGED.replace("{clear}", "dedicated = false;")
    assert not _cocci_stands(code, "of_get_child_by_name", "of_get_child_by_name(", "return 0;")


def test_a_put_under_an_unrelated_flag_is_not():
    code = FLAGGED.replace("{clear}", "pr_debug(\"no partitions\\n\");").replace(
        "bool dedicated = true;", "bool dedicated = master->dedicated;")
    assert _cocci_stands(code, "of_get_child_by_name", "of_get_child_by_name(", "return 0;")


# drivers/net/usb/smsc95xx.c (lead's seed 127): phy_connect_direct() takes the attach reference
# that phy_disconnect() drops; the call is split over two lines
SPLIT_CONNECT = """
static int foo_phy_init(struct usbnet *dev, struct foo_priv *pdata)
{
\tint ret;

\tpdata->phydev = phy_find_first(pdata->mdiobus);
\tif (!pdata->phydev)
\t\treturn -ENODEV;
{connect}
\treturn 0;
}

static void foo_unbind(struct usbnet *dev, struct usb_interface *intf)
{
\tphy_disconnect(dev->net->phydev);
}
"""


def test_a_put_of_what_a_split_connect_call_took_is_balanced():
    code = SPLIT_CONNECT.replace("{connect}", "\tret = phy_connect_direct(dev->net, pdata->phydev,\n"
                                              "\t\t\t\t &foo_handle_link_change, PHY_INTERFACE_MODE_MII);\n"
                                              "\tif (ret)\n\t\treturn ret;\n")
    series, ctx = tree_case("drivers/net/usb/foo95xx.c", "", code.replace("\\t", "\t"))
    assert_quiet(device_ref_imbalance, series, context_for=ctx)


def test_a_disconnect_of_a_never_connected_phy_drops_its_owners_reference():
    code = SPLIT_CONNECT.replace("{connect}", "").replace("phy_disconnect(dev->net->phydev)", "phy_disconnect(pdata->phydev)")
    code = code.replace("struct usb_interface *intf)\n{\n", "struct usb_interface *intf)\n{\n"
                        "\tstruct foo_priv *pdata = dev->driver_priv;\n\n").replace("\\t", "\t").strip("\n") + "\n"
    series, ctx = tree_case("drivers/net/usb/foo95xx.c", "", code)
    assert_fires(device_ref_imbalance, series, [("drivers/net/usb/foo95xx.c", _at(code, "phy_disconnect("))],
                 context_for=ctx)


# drivers/infiniband/sw/siw/siw_cm.c: the unwind puts the reference the qp's member held,
# under the test that the member points at the object; the function's own put came earlier
HOLDER_PUT = """
int foo_accept(struct foo_cm_id *id, struct foo_params *params)
{
\tstruct foo_cep *cep = (struct foo_cep *)id->provider_data;
\tstruct foo_qp *qp;
\tint rv = -EINVAL;

\tfoo_cep_set_inuse(cep);
\tsiw_cep_put(cep);

\tqp = foo_qp_id2obj(params->qpn);
\tif (!qp)
\t\tgoto free_cep;
\tif (qp->state > 2)
\t\tgoto error;
\tqp->cep = cep;
\tsiw_cep_get(cep);
\treturn 0;

error:
\t{guard}
\t\tsiw_cep_put(cep);
\t\tqp->cep = NULL;
\t}
\tfoo_qp_put(qp);
free_cep:
\tfoo_cep_set_free(cep);
\treturn rv;
}
"""


def test_a_put_of_the_holders_reference_is_not_a_second_put():
    code = HOLDER_PUT.replace("{guard}", "if (qp->cep == cep) {").replace("\\t", "\t")
    assert not device_ref_imbalance_findings(code)


def device_ref_imbalance_findings(code: str) -> list:
    from tests.helpers import run_rule
    series, ctx = tree_case("drivers/infiniband/sw/foo/foo_cm.c", "", code)
    return [f for f in run_rule(device_ref_imbalance, series, ctx).shown(include_low=False)
            if "already put it" in f.message]


def test_an_unguarded_put_after_the_first_one_is_a_second_put():
    code = HOLDER_PUT.replace("{guard}", "{").replace("\\t", "\t")
    assert device_ref_imbalance_findings(code)


# drivers/gpio/gpiolib.c gpiod_request(): the definition of a getter of the table keeps, on
# success, the references it took for its caller
TABLE_GETTER = """
int {name}(struct gpio_desc *desc, const char *label)
{
\tint ret = -EPROBE_DEFER;

\tif (try_module_get(desc->gdev->owner)) {
\t\tret = foo_request_commit(desc, label);
\t\tif (ret)
\t\t\tmodule_put(desc->gdev->owner);
\t}

\tif (ret)
\t\tpr_debug("status %d\\n", ret);

\treturn ret;
}
"""


def test_a_table_getters_own_definition_hands_its_reference_to_the_caller():
    code = TABLE_GETTER.replace("{name}", "gpiod_request").replace("\\t", "\t")
    series, ctx = tree_case("drivers/gpio/foolib.c", "", code)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


def test_another_function_keeping_the_module_reference_is_asked():
    code = TABLE_GETTER.replace("{name}", "foo_line_setup").replace("\\t", "\t")
    series, ctx = tree_case("drivers/gpio/foolib.c", "", code)
    from tests.helpers import run_rule
    assert run_rule(get_without_put_on_exit, series, ctx).shown(include_low=True)


# drivers/gpu/drm/xe/tests/xe_bo.c: the unwind labels sit in the loop body and end in `break`;
# the reference taken before the loop is dropped after it
LOOP_LABELS = """
static int foo_bo_evict_test(struct foo_tile *tile, int n)
{
\tstruct foo_vm *vm = foo_migrate_get_vm(tile->migrate);
\tint i, err = 0;

\tfor (i = 0; i < n; i++) {
\t\terr = foo_bo_create(vm, i);
\t\tif (err)
\t\t\tgoto cleanup_all;
\t\tcontinue;

cleanup_all:
\t\tfoo_bo_cleanup(vm, i);
\t\tbreak;
\t}

\t{put}
\treturn 0;
}
"""


def test_a_loop_label_that_breaks_to_the_put_after_the_loop_is_balanced():
    code = LOOP_LABELS.replace("{put}", "xe_vm_put(vm);").replace("foo_migrate_get_vm", "xe_migrate_get_vm")
    assert_quiet(get_without_put_on_exit, new_file("drivers/gpu/drm/foo/tests/foo_bo.c", code), include_low=True)


def test_a_loop_label_that_returns_before_the_put_leaks():
    code = LOOP_LABELS.replace("{put}", "xe_vm_put(vm);").replace("foo_migrate_get_vm", "xe_migrate_get_vm")
    code = code.replace("\t\tbreak;\n", "\t\treturn err;\n")
    assert_fires(get_without_put_on_exit, new_file("drivers/gpu/drm/foo/tests/foo_bo.c", code),
                 [("drivers/gpu/drm/foo/tests/foo_bo.c", _at(code, "goto cleanup_all;")),
                  ("drivers/gpu/drm/foo/tests/foo_bo.c", _at(code, "return err;"))])


# `return 0;` returns no container of the object, whatever assignment holds a 0 beside it
# (`ret = foo_setup(np, 0)` once hid every `return 0` exit from the leak analysis)
RETURN_ZERO = """
static int foo_probe(struct platform_device *pdev)
{
\tstruct device_node *np;
\tint ret;

\tnp = of_parse_phandle(pdev->dev.of_node, "foo,bridge", 0);
\tif (!np)
\t\treturn -ENODEV;
\tret = foo_setup(np, 0);
\tif (ret) {
\t\tof_node_put(np);
\t\treturn ret;
\t}
\t{end}
\treturn 0;
}
"""


def test_return_zero_after_the_lookup_leaks_it():
    code = RETURN_ZERO.replace("{end}", "foo_start(pdev);")
    assert_fires(get_without_put_on_exit, new_file("drivers/bus/foo-config.c", code),
                 [("drivers/bus/foo-config.c", _at(code, "return 0;"))])


def test_return_zero_after_the_put_is_balanced():
    code = RETURN_ZERO.replace("{end}", "of_node_put(np);")
    assert_quiet(get_without_put_on_exit, new_file("drivers/bus/foo-config.c", code), include_low=True)


# drivers/usb/usbip/vhci_hcd.c: probe keeps the hcd usb_create_hcd() made; remove() drops it
# with the API's own putter, reached through the driver's data
KEPT_HCD = """
static int foo_hcd_probe(struct platform_device *pdev)
{
\tstruct foo *foo = *((void **)dev_get_platdata(&pdev->dev));
\tstruct usb_hcd *hcd_hs;
\tint ret;

\thcd_hs = usb_create_hcd(&foo_hc_driver, &pdev->dev, dev_name(&pdev->dev));
\tif (!hcd_hs)
\t\treturn -ENOMEM;
\tret = usb_add_hcd(hcd_hs, 0, 0);
\tif (ret != 0)
\t\tgoto put_usb2_hcd;
\treturn 0;

put_usb2_hcd:
\tusb_put_hcd(hcd_hs);
\treturn ret;
}

static void foo_hcd_remove(struct platform_device *pdev)
{
\tstruct foo *foo = *((void **)dev_get_platdata(&pdev->dev));

\tusb_remove_hcd(foo_hcd_to_hcd(foo->foo_hcd_hs));
\t{put}
}
"""


def test_a_hcd_kept_by_probe_and_put_by_remove_is_balanced():
    code = KEPT_HCD.replace("{put}", "usb_put_hcd(foo_hcd_to_hcd(foo->foo_hcd_hs));")
    assert_quiet(get_without_put_on_exit, new_file("drivers/usb/foo/foo_hcd.c", code))


def test_a_hcd_kept_by_probe_and_never_put_leaks():
    code = KEPT_HCD.replace("{put}", "foo_report(foo);")
    assert_fires(get_without_put_on_exit, new_file("drivers/usb/foo/foo_hcd.c", code),
                 [("drivers/usb/foo/foo_hcd.c", _at(code, "return 0;"))])
