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


def _saying(series, message: str):
    import dataclasses
    p = dataclasses.replace(series.patches[0], message=message)
    return dataclasses.replace(series, patches=(p,))


def test_get_the_author_calls_a_leak_with_put_in_another_function_is_a_question():
    said = _saying(GET_REMOVED_PUT_STAYS, "The reference taken in foo_open() is unbalanced and leaks\n"
                                          "the module; remove it.\n")
    assert_quiet(unmatched_module_put, said)
    assert_fires(unmatched_module_put, said, at=[("drivers/foo/core.c", 21, "old")], include_low=True)


def test_put_kept_in_the_same_function_still_proves_the_imbalance():
    same_fn = diff("""
        --- a/drivers/foo/core.c
        +++ b/drivers/foo/core.c
        @@ -20,8 +20,5 @@ static int foo_call(struct foo *foo)
         {
        -\tif (!try_module_get(foo->ops->owner))
        -\t\treturn -ENODEV;
        -
         \tret = foo->ops->call(foo);
         \tmodule_put(foo->ops->owner);
         \treturn ret;
         }
    """)
    said = _saying(same_fn, "Remove the unnecessary try_module_get().\n")
    assert_fires(unmatched_module_put, said, at=[("drivers/foo/core.c", 21, "old")])
