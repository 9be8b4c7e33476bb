"""MOD019: an added call in a device's release callback (`x->dev.release = foo_release;` in the
file) that a function of the file already makes on the same member before its put of that
device: the last put runs the release, which does it a second time (shape of 6.12.107's
drivers/mmc/core/block.c, where `mmc_blk_remove_rpmb_part()` unregisters `rpmb->rdev` and
then puts `&rpmb->dev`; the stable fix took the unregister out of the release)."""

from reviewbot.checks.module import device_ref_imbalance
from tests.helpers import assert_fires, assert_quiet, tree_case

PATH = "drivers/misc/foo/foo_core.c"
PRE = """\
struct foo_part {
\tstruct device dev;
\tstruct foo_host *host;
\tstruct bar_dev *bdev;
\tint id;
};

static void foo_part_dev_release(struct device *dev)
{
\tstruct foo_part *part = dev_get_drvdata(dev);

\tfoo_host_put(part->host);
\tida_free(&foo_ida, part->id);
\tkfree(part);
}

static int foo_part_alloc(struct foo_host *host, int id)
{
\tstruct foo_part *part;

\tpart = kzalloc(sizeof(*part), GFP_KERNEL);
\tif (!part)
\t\treturn -ENOMEM;
\tpart->id = id;
\tpart->host = host;
\tpart->dev.release = foo_part_dev_release;
\tdevice_initialize(&part->dev);
\tdev_set_drvdata(&part->dev, part);
\tpart->bdev = bar_dev_register(&part->dev);
\treturn 0;
}

static void foo_part_remove(struct foo_part *part)
{
\tbar_dev_unregister(part->bdev);
\tdevice_del(&part->dev);
\tput_device(&part->dev);
}
"""
POST = PRE.replace("\tfoo_host_put(part->host);\n", "\tbar_dev_unregister(part->bdev);\n\tfoo_host_put(part->host);\n")


def test_tree_mode_fires_on_release_repeating_the_teardown():
    series, ctx = tree_case(PATH, PRE, POST)
    assert_fires(device_ref_imbalance, series, at=[(PATH, 12)], context_for=ctx)


def test_quiet_on_the_fix():
    series, ctx = tree_case(PATH, POST, PRE)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)


def test_quiet_when_the_teardown_clears_the_member():
    # the teardown sets the member to NULL after its unregister: the release's call is a no-op
    pre = PRE.replace("\tbar_dev_unregister(part->bdev);\n\tdevice_del", "\tbar_dev_unregister(part->bdev);\n"
                      "\tpart->bdev = NULL;\n\tdevice_del")
    post = pre.replace("\tfoo_host_put(part->host);\n", "\tbar_dev_unregister(part->bdev);\n\tfoo_host_put(part->host);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)


def test_quiet_when_the_teardown_leaves_the_member_to_the_release():
    # moved: the teardown no longer unregisters, the release does it once
    pre = PRE.replace("\tbar_dev_unregister(part->bdev);\n\tdevice_del", "\tdevice_del")
    post = pre.replace("\tfoo_host_put(part->host);\n", "\tbar_dev_unregister(part->bdev);\n\tfoo_host_put(part->host);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)


def test_quiet_when_the_release_is_another_objects():
    # the release is set for another struct's device: the teardown's put runs a different one
    pre = PRE.replace("static void foo_part_remove(struct foo_part *part)\n",
                      "static void foo_part_remove(struct foo_other *part)\n")
    post = pre.replace("\tfoo_host_put(part->host);\n", "\tbar_dev_unregister(part->bdev);\n\tfoo_host_put(part->host);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)


KOBJ_PATH = "drivers/misc/foo/foo_sysfs.c"
KOBJ_PRE = """\
struct foo_attr_set {
\tstruct kobject kobj;
\tstruct foo_ctx *ctx;
};

static void foo_attr_set_release(struct kobject *kobj)
{
\tstruct foo_attr_set *set = container_of(kobj, struct foo_attr_set, kobj);

\tkfree(set);
}

static const struct kobj_type foo_attr_set_ktype = {
\t.release = foo_attr_set_release,
\t.sysfs_ops = &kobj_sysfs_ops,
};

static int foo_attr_set_add(struct foo_ctx *ctx, struct kobject *parent)
{
\tstruct foo_attr_set *set;
\tint err;

\tset = kzalloc(sizeof(*set), GFP_KERNEL);
\tif (!set)
\t\treturn -ENOMEM;
\tset->ctx = foo_ctx_get(ctx);
\terr = kobject_init_and_add(&set->kobj, &foo_attr_set_ktype, parent, "attrs");
\tif (err) {
\t\tkobject_put(&set->kobj);
\t\treturn err;
\t}
\tctx->attrs = set;
\treturn 0;
}

static void foo_attr_set_remove(struct foo_attr_set *set)
{
\tfoo_ctx_put(set->ctx);
\tkobject_put(&set->kobj);
}
"""
KOBJ_POST = KOBJ_PRE.replace("\n\tkfree(set);\n}", "\n\tfoo_ctx_put(set->ctx);\n\tkfree(set);\n}")


def test_tree_mode_fires_on_a_kobj_type_release_repeating_the_teardown():
    # the release comes from the ktype the file gives kobject_init_and_add()
    series, ctx = tree_case(KOBJ_PATH, KOBJ_PRE, KOBJ_POST)
    assert_fires(device_ref_imbalance, series, at=[(KOBJ_PATH, 10)], context_for=ctx)


def test_quiet_when_the_ktype_release_is_anothers():
    pre = KOBJ_PRE.replace("&foo_attr_set_ktype, parent", "&foo_other_ktype, parent")
    post = pre.replace("\n\tkfree(set);\n}", "\n\tfoo_ctx_put(set->ctx);\n\tkfree(set);\n}")
    series, ctx = tree_case(KOBJ_PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)
