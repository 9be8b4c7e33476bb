"""MOD031: a conditional get replaced by its unconditional twin on the same object."""

from reviewbot.checks.module import try_get_made_unconditional
from tests.helpers import assert_fires, assert_quiet, diff

# drivers/misc/fastrpc.c-like lookup of a context in a list under its lock (6.12 shape)
LOOKUP = """
    --- a/drivers/misc/foo/foo-rpc.c
    +++ b/drivers/misc/foo/foo-rpc.c
    @@ -120,9 +120,9 @@ static struct foo_ctx *foo_ctx_find(struct foo *priv, u32 id)
     \tspin_lock(&priv->lock);
     \tlist_for_each_entry(ctx, &priv->ctxs, node) {
     \t\tif (ctx->id == id) {
    -\t\t\tif (kref_get_unless_zero(&ctx->ref))
    -\t\t\t\tfound = ctx;
    +\t\t\tkref_get(&ctx->ref);
    +\t\t\tfound = ctx;
     \t\t\tbreak;
     \t\t}
     \t}
     \tspin_unlock(&priv->lock);
"""


def test_fires_on_kref_get_replacing_its_conditional_twin():
    assert_fires(try_get_made_unconditional, diff(LOOKUP), at=[("drivers/misc/foo/foo-rpc.c", 123)])


def test_fires_on_refcount_primitive():
    prim = LOOKUP.replace("kref_get_unless_zero(&ctx->ref)", "refcount_inc_not_zero(&ctx->refs)").replace(
        "kref_get(&ctx->ref)", "refcount_inc(&ctx->refs)")
    assert_fires(try_get_made_unconditional, diff(prim), at=[("drivers/misc/foo/foo-rpc.c", 123)])


def test_quiet_on_the_fix():
    fix = LOOKUP.replace("    -\t\t\tif (kref_get_unless_zero", "    @A").replace("    -\t\t\t\tfound", "    @B") \
        .replace("    +\t\t\tkref_get(", "    -\t\t\tkref_get(").replace("    +\t\t\tfound", "    -\t\t\tfound") \
        .replace("    @A", "    +\t\t\tif (kref_get_unless_zero").replace("    @B", "    +\t\t\t\tfound")
    assert_quiet(try_get_made_unconditional, diff(fix), include_low=True)


def test_quiet_when_the_unconditional_get_is_on_another_object():
    other = LOOKUP.replace("kref_get(&ctx->ref)", "kref_get(&priv->ref)")
    assert_quiet(try_get_made_unconditional, diff(other), include_low=True)
