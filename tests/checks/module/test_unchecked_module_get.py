from reviewbot.checks.module import unchecked_module_get
from tests.helpers import assert_fires, assert_quiet, diff

# drivers/crypto/marvell/octeontx/otx_cptvf_algs.c (6.12, lines 1565-1572), as an added hunk.
REAL_STATEMENT_FORM = diff("""
    --- a/drivers/crypto/marvell/octeontx/otx_cptvf_algs.c
    +++ b/drivers/crypto/marvell/octeontx/otx_cptvf_algs.c
    @@ -1563,3 +1563,10 @@ int otx_cpt_crypto_init(struct pci_dev *pdev, struct module *mod,
     \t\tif (atomic_read(&se_devices.count) == num_devices &&
     \t\t    is_crypto_registered == false) {
    +\t\t\tif (cpt_register_algs()) {
    +\t\t\t\tdev_err(&pdev->dev,
    +\t\t\t\t   "Error in registering crypto algorithms\\n");
    +\t\t\t\tret =  -EINVAL;
    +\t\t\t\tgoto err;
    +\t\t\t}
    +\t\t\ttry_module_get(mod);
     \t\t\tis_crypto_registered = true;
""")

VOID_CAST = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -10,2 +10,3 @@ static int foo_start(struct foo *foo)
     {
    +\t(void)try_module_get(foo->ops->owner);
     \treturn foo->ops->start(foo);
""")

# net/9p/mod.c (6.12, lines 92-97): the call continues an `if (a &&` condition.
REAL_CONTINUATION = diff("""
    --- a/net/9p/mod.c
    +++ b/net/9p/mod.c
    @@ -90,3 +90,9 @@ static struct p9_trans_module *_p9_get_trans_by_name(const char *s)
     \tspin_lock(&v9fs_trans_lock);
     
    +\tlist_for_each_entry(t, &v9fs_trans_list, list)
    +\t\tif (strcmp(t->name, s) == 0 &&
    +\t\t    try_module_get(t->owner)) {
    +\t\t\tfound = t;
    +\t\t\tbreak;
    +\t\t}
     \tspin_unlock(&v9fs_trans_lock);
""")

CHECKED = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -10,2 +10,7 @@ static int foo_start(struct foo *foo)
     {
    +\tbool ok = try_module_get(foo->ops->owner);
    +
    +\tif (!ok)
    +\t\treturn -ENODEV;
    +\tok = try_module_get(foo->other->owner) && ok;
     \treturn foo->ops->start(foo);
""")

WARNED = diff("""
    --- a/drivers/usb/typec/foo.c
    +++ b/drivers/usb/typec/foo.c
    @@ -65,2 +65,3 @@ struct foo_switch *foo_switch_get(struct fwnode_handle *fwnode)
     \tif (!IS_ERR_OR_NULL(sw))
    +\t\tWARN_ON(!try_module_get(sw->owner));
     \treturn sw;
""")


def test_fires_on_real_statement_form():
    assert_fires(unchecked_module_get, REAL_STATEMENT_FORM,
                 at=[("drivers/crypto/marvell/octeontx/otx_cptvf_algs.c", 1571)])


def test_fires_on_void_cast():
    assert_fires(unchecked_module_get, VOID_CAST, at=[("drivers/foo/core.c", 11)])


def test_quiet_on_real_multiline_condition():
    assert_quiet(unchecked_module_get, REAL_CONTINUATION, include_low=True)


def test_quiet_when_result_is_tested():
    assert_quiet(unchecked_module_get, CHECKED, include_low=True)


def test_warn_on_is_low_confidence():
    assert_quiet(unchecked_module_get, WARNED)
    assert_fires(unchecked_module_get, WARNED, at=[("drivers/usb/typec/foo.c", 66)], include_low=True)


# drivers/misc/kgdbts.c (6.12): the debugger pins the test module while it runs; KGDB_TESTS is
# bool, so THIS_MODULE is NULL and try_module_get(NULL) cannot fail.
SELF_PIN_IGNORED = diff("""
    --- a/drivers/misc/foo_dbg.c
    +++ b/drivers/misc/foo_dbg.c
    @@ -1164,2 +1164,4 @@ static void foo_dbg_pre_exp_handler(void)
     {
    +\tif (!foo_dbg_connected)
    +\t\ttry_module_get(THIS_MODULE);
     }
""")


def test_self_pin_ignored_is_not_reported_in_code_built_in_only():
    from reviewbot.context import Context, FileFacts
    built_in = Context(mode="tree", facts={"drivers/misc/foo_dbg.c": FileFacts(modular=False)})
    modular = Context(mode="tree", facts={"drivers/misc/foo_dbg.c": FileFacts(modular=True)})
    assert_quiet(unchecked_module_get, SELF_PIN_IGNORED, include_low=True, context_for=lambda p: built_in)
    assert_fires(unchecked_module_get, SELF_PIN_IGNORED, at=[("drivers/misc/foo_dbg.c", 1166)],
                 context_for=lambda p: modular)
    assert_fires(unchecked_module_get, VOID_CAST, at=[("drivers/foo/core.c", 11)],
                 context_for=lambda p: Context(mode="tree", facts={"drivers/foo/core.c": FileFacts(modular=False)}))
