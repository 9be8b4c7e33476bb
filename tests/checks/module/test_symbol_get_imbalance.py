from reviewbot.checks.module import symbol_get_imbalance
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case

CASES = DATA / "checks" / "symbol-get-imbalance"

DIRECT_ATTACH = diff("""
    --- a/drivers/media/usb/foo/foo-dvb.c
    +++ b/drivers/media/usb/foo/foo-dvb.c
    @@ -100,3 +100,3 @@ static int foo_frontend_attach(struct foo_adapter *adap)
     \tstruct foo_state *st = adap->priv;
    -\tadap->fe = dvb_attach(bar_attach, &bar_config, &st->i2c);
    +\tadap->fe = bar_attach(&bar_config, &st->i2c);
     \tif (!adap->fe)
""")

TO_DVB_ATTACH = diff("""
    --- a/drivers/media/usb/foo/foo-dvb.c
    +++ b/drivers/media/usb/foo/foo-dvb.c
    @@ -100,3 +100,3 @@ static int foo_frontend_attach(struct foo_adapter *adap)
     \tstruct foo_state *st = adap->priv;
    -\tadap->fe = bar_attach(&bar_config, &st->i2c);
    +\tadap->fe = dvb_attach(bar_attach, &bar_config, &st->i2c);
     \tif (!adap->fe)
""")

GET_REMOVED = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -40,4 +40,3 @@ static int foo_bind(struct foo *foo)
     \tfoo->cb = cb;
    -\tsymbol_get(foo_helper);
     \treturn 0;
     }
""")

PAIR_REMOVED = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -40,9 +40,7 @@ static int foo_bind(struct foo *foo)
     \tfoo->cb = cb;
    -\tfoo->helper = symbol_get(foo_helper);
     \treturn 0;
     }
     
     static void foo_unbind(struct foo *foo)
     {
    -\tsymbol_put(foo_helper);
     }
""")


def test_fires_on_direct_attach_call():
    assert_fires(symbol_get_imbalance, DIRECT_ATTACH, at=[("drivers/media/usb/foo/foo-dvb.c", 101)])


def test_quiet_on_switch_to_dvb_attach():
    assert_quiet(symbol_get_imbalance, TO_DVB_ATTACH, include_low=True)


def test_fires_on_removed_symbol_get():
    assert_fires(symbol_get_imbalance, GET_REMOVED, at=[("drivers/foo/core.c", 41, "old")])


def test_quiet_when_get_and_put_go_together():
    assert_quiet(symbol_get_imbalance, PAIR_REMOVED, include_low=True)


def test_fires_on_real_lgdt3306a_reversal():
    assert_fires(symbol_get_imbalance, load_case(CASES / "lgdt3306a-probe-dvb-attach.patch"),
                 at=[("drivers/media/dvb-frontends/lgdt3306a.c", 2172)])


def test_quiet_on_real_lgdt3306a_fix():
    assert_quiet(symbol_get_imbalance, load_case(CASES / "lgdt3306a-probe-dvb-attach.fix.patch"), include_low=True)


def test_fires_on_real_drxk_reversal():
    assert_fires(symbol_get_imbalance, load_case(CASES / "drxk-double-symbol-put.patch"),
                 at=[("drivers/media/dvb/frontends/drxk_hard.c", 6444, "old")])


def test_quiet_on_real_drxk_fix():
    # The fix adds a statement-form symbol_get() that balances the second symbol_put().
    assert_quiet(symbol_get_imbalance, load_case(CASES / "drxk-double-symbol-put.fix.patch"), include_low=True)


PUT_REMOVED = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -40,8 +40,7 @@ static int foo_bind(struct foo *foo)
     \tfoo->helper = symbol_get(foo_helper);
     \treturn 0;
     }
     
     static void foo_unbind(struct foo *foo)
     {
    -\tsymbol_put(foo_helper);
     }
""")

DOUBLE_PUT_REMOVED = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -60,4 +60,3 @@ static void foo_unbind(struct foo *foo)
     {
     \tsymbol_put(foo_helper);
    -\tsymbol_put(foo_helper);
     }
""")


def test_fires_on_removed_put_whose_get_stays():
    assert_fires(symbol_get_imbalance, PUT_REMOVED, at=[("drivers/foo/core.c", 46, "old")])


def test_removed_put_without_visible_get_is_low():
    assert_quiet(symbol_get_imbalance, DOUBLE_PUT_REMOVED)


# drivers/media/pci/ddbridge/ddbridge-core.c (6.12, demod_attach_stv0910()): the error path
# after a failed LNB attach no longer detaches the frontend dvb_attach() returned.
DETACH_REMOVED = diff("""
    --- a/drivers/media/pci/ddbridge/ddbridge-core.c
    +++ b/drivers/media/pci/ddbridge/ddbridge-core.c
    @@ -1225,7 +1225,6 @@ static int demod_attach_stv0910(struct ddb_input *input, int type, int tsfast)
     
     \tif (!dvb_attach(lnbh25_attach, dvb->fe, &lnbcfg, i2c)) {
     \t\tdev_err(dev, "No LNBH25 found!\\n");
    -\t\tdvb_frontend_detach(dvb->fe);
     \t\treturn -ENODEV;
     \t}
     
""")


def test_fires_on_detach_removed_from_an_error_path():
    assert_fires(symbol_get_imbalance, DETACH_REMOVED,
                 at=[("drivers/media/pci/ddbridge/ddbridge-core.c", 1228, "old")])


def test_quiet_when_the_detach_moves_to_an_unwind_label():
    series = diff("""
        --- a/drivers/media/pci/ddbridge/ddbridge-core.c
        +++ b/drivers/media/pci/ddbridge/ddbridge-core.c
        @@ -1225,9 +1225,12 @@ static int demod_attach_stv0910(struct ddb_input *input, int type, int tsfast)
         
         \tif (!dvb_attach(lnbh25_attach, dvb->fe, &lnbcfg, i2c)) {
         \t\tdev_err(dev, "No LNBH25 found!\\n");
        -\t\tdvb_frontend_detach(dvb->fe);
        -\t\treturn -ENODEV;
        +\t\tret = -ENODEV;
        +\t\tgoto err_detach;
         \t}
         
         \treturn 0;
        +err_detach:
        +\tdvb_frontend_detach(dvb->fe);
        +\treturn ret;
         }
    """)
    assert_quiet(symbol_get_imbalance, series, include_low=True)


# drivers/vfio/vfio_main.c (6.12, vfio_device_get_kvm_safe()): the put on the failure path of
# the second symbol_get() removed; the first get is out of the hunk's view.
PUT_BEFORE_EXIT_REMOVED = diff("""
    --- a/drivers/vfio/vfio_main.c
    +++ b/drivers/vfio/vfio_main.c
    @@ -452,7 +452,6 @@ void vfio_device_get_kvm_safe(struct vfio_device *device, struct kvm *kvm)
     
     \tfn = symbol_get(kvm_get_kvm_safe);
     \tif (WARN_ON(!fn)) {
    -\t\tsymbol_put(kvm_put_kvm);
     \t\treturn;
     \t}
     
""")


def test_removed_put_before_an_exit_is_reported():
    assert_fires(symbol_get_imbalance, PUT_BEFORE_EXIT_REMOVED, at=[("drivers/vfio/vfio_main.c", 455, "old")])
