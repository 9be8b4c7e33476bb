"""Fixes that remove an over-put, or move a get into its check, are not reported for the defect
they fix (the patch's intent, checks/_intent.py, read by every rule that reports a removal)."""

import dataclasses

from reviewbot.checks import ALL
from tests.helpers import diff, run_rule

REMOVED_DOUBLE_MODULE_PUT = diff("""
    --- a/drivers/media/foo/foo-core.c
    +++ b/drivers/media/foo/foo-core.c
    @@ -120,10 +120,8 @@ static int foo_close_stream(struct foo_dev *fd)
     \tint ret;
     
     \tret = foo_hw_stop(fd);
    -\tif (ret) {
    -\t\tmodule_put(fd->ops->owner);
    +\tif (ret)
     \t\treturn ret;
    -\t}
     \tfd->streaming = false;
     \treturn 0;
     }
""", subject="[PATCH] media: foo: fix double module_put() on close",
    message="foo_release() drops the module reference that foo_open() took, but the\n"
            "error path of foo_close_stream() drops it a second time: remove the\n"
            "extra module_put().\n")

REMOVED_PUT_AFTER_UNREGISTER = diff("""
    --- a/drivers/i2c/busses/i2c-foo.c
    +++ b/drivers/i2c/busses/i2c-foo.c
    @@ -500,7 +500,6 @@ static void foo_remove(struct platform_device *pdev)
     \tstruct foo_i2c *i2c = platform_get_drvdata(pdev);
     
     \tdevice_unregister(&i2c->child->dev);
    -\tput_device(&i2c->child->dev);
     \ti2c_del_adapter(&i2c->adap);
     }
     
""", subject="[PATCH] i2c: foo: fix refcount underflow in foo_remove()",
    message="device_unregister() already drops the reference; the put_device() that\n"
            "follows it is a double put.\n")

GET_MOVED_INTO_CHECK = diff("""
    --- a/net/foo/af_foo.c
    +++ b/net/foo/af_foo.c
    @@ -80,9 +80,10 @@ static int foo_bind_proto(struct foo_sock *fs, struct foo_proto *proto)
     {
     \tint err;
     
    -\ttry_module_get(proto->owner);
    +\tif (!try_module_get(proto->owner))
    +\t\treturn -ENOENT;
     \terr = proto->bind(fs);
     \tif (err)
     \t\tmodule_put(proto->owner);
     \treturn err;
     }
""", subject="[PATCH] net: foo: check the result of try_module_get()")

GET_FOLDED_INTO_CHECK = diff("""
    --- a/drivers/scsi/foo.c
    +++ b/drivers/scsi/foo.c
    @@ -80,8 +80,6 @@ static int foo_attach(struct foo_host *h, struct foo_lld *lld)
     {
    -\tbool ok = try_module_get(lld->owner);
    -
    -\tif (!ok)
    +\tif (!try_module_get(lld->owner))
     \t\treturn -ENODEV;
     \th->lld = lld;
     \treturn 0;
     }
""", subject="[PATCH] scsi: foo: move try_module_get() into the check")


def _shown(series, include_low=False):
    out = []
    for mod in ALL:
        out += run_rule(mod, series).shown(include_low=include_low)
    return out


def test_fix_removing_a_double_module_put_is_silent():
    assert not _shown(REMOVED_DOUBLE_MODULE_PUT)


def test_fix_removing_a_put_after_unregister_is_silent():
    assert not _shown(REMOVED_PUT_AFTER_UNREGISTER)


def test_without_the_message_the_removed_put_is_still_reported():
    # (not the put after device_unregister(): the function itself shows that one was a second put)
    bare = dataclasses.replace(REMOVED_DOUBLE_MODULE_PUT.patches[0], message="", subject="[PATCH] media: foo")
    series = dataclasses.replace(REMOVED_DOUBLE_MODULE_PUT, patches=(bare,))
    assert _shown(series), "the removal finding exists; only the stated intent lowers it"


def test_get_moved_into_its_check_is_silent():
    assert not _shown(GET_MOVED_INTO_CHECK, include_low=True)
    assert not _shown(GET_FOLDED_INTO_CHECK, include_low=True)
