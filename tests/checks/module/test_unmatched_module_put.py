from reviewbot.checks.module import unmatched_module_put
from tests.helpers import assert_fires, assert_quiet, diff

# drivers/i2c/muxes/i2c-demux-pinctrl.c (6.12, lines 62-68 and 119-121) with the finder
# swapped back to of_find_i2c_adapter_by_node(): the bug its 2023 fix removed.
I2C_MIX = diff("""
    --- a/drivers/i2c/muxes/i2c-demux-pinctrl.c
    +++ b/drivers/i2c/muxes/i2c-demux-pinctrl.c
    @@ -62,3 +62,3 @@ static int i2c_demux_activate_master(struct i2c_demux_pinctrl_priv *priv, u32 new_chan)
     \t\tgoto err;
     
    -\tadap = of_get_i2c_adapter_by_node(priv->chan[new_chan].parent_np);
    +\tadap = of_find_i2c_adapter_by_node(priv->chan[new_chan].parent_np);
    @@ -119,3 +119,3 @@ static int i2c_demux_activate_master(struct i2c_demux_pinctrl_priv *priv, u32 new_chan)
     
      err_with_put:
     \ti2c_put_adapter(adap);
""")

# The real 6.12 code: of_get_i2c_adapter_by_node() pins the module, so the put matches.
I2C_REAL = diff("""
    --- a/drivers/i2c/muxes/i2c-demux-pinctrl.c
    +++ b/drivers/i2c/muxes/i2c-demux-pinctrl.c
    @@ -62,3 +62,3 @@ static int i2c_demux_activate_master(struct i2c_demux_pinctrl_priv *priv, u32 new_chan)
     \t\tgoto err;
     
    -\tadap = of_find_i2c_adapter_by_node(priv->chan[new_chan].parent_np);
    +\tadap = of_get_i2c_adapter_by_node(priv->chan[new_chan].parent_np);
    @@ -119,3 +119,3 @@ static int i2c_demux_activate_master(struct i2c_demux_pinctrl_priv *priv, u32 new_chan)
     
      err_with_put:
     \ti2c_put_adapter(adap);
""")

GET_REMOVED_PUT_STAYS = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -20,10 +20,7 @@ static int foo_open(struct foo *foo)
     {
    -\tif (!try_module_get(foo->ops->owner))
    -\t\treturn -ENODEV;
    -
     \treturn foo->ops->open(foo);
     }
     
     static void foo_release(struct foo *foo)
     {
     \tmodule_put(foo->ops->owner);
""")

GET_REMOVED_PUT_UNSEEN = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -20,5 +20,3 @@ static int foo_open(struct foo *foo)
     {
    -\tif (!try_module_get(foo->ops->owner))
    -\t\treturn -ENODEV;
     \treturn foo->ops->open(foo);
     }
""")

PAIR_REMOVED = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -20,11 +20,7 @@ static int foo_open(struct foo *foo)
     {
    -\tif (!try_module_get(foo->ops->owner))
    -\t\treturn -ENODEV;
    -
     \treturn foo->ops->open(foo);
     }
     
     static void foo_release(struct foo *foo)
     {
    -\tmodule_put(foo->ops->owner);
     }
""")


def test_fires_on_find_adapter_with_put_adapter():
    assert_fires(unmatched_module_put, I2C_MIX, at=[("drivers/i2c/muxes/i2c-demux-pinctrl.c", 64)])


def test_quiet_on_real_get_adapter():
    assert_quiet(unmatched_module_put, I2C_REAL, include_low=True)


def test_fires_on_removed_get_whose_put_stays():
    assert_fires(unmatched_module_put, GET_REMOVED_PUT_STAYS, at=[("drivers/foo/core.c", 21, "old")])


def test_removed_get_with_put_unseen_is_low():
    assert_quiet(unmatched_module_put, GET_REMOVED_PUT_UNSEEN)
    assert_fires(unmatched_module_put, GET_REMOVED_PUT_UNSEEN, at=[("drivers/foo/core.c", 21, "old")],
                 include_low=True)


def test_quiet_when_get_and_put_go_together():
    assert_quiet(unmatched_module_put, PAIR_REMOVED, include_low=True)
