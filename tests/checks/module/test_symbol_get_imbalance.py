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
