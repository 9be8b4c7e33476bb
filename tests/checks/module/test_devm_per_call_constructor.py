"""MOD015: a function given a `*_request`-typed object is taken to run per call, unless it
constructs that object (initialises its lock or counter): t7xx_hif_dpmaif_rx.c of 6.12,
t7xx_dpmaif_bat_alloc() fills a driver's own `struct dpmaif_bat_request` once per binding
(new-driver seed 139).  An object the core hands a callback per call comes initialised."""

from reviewbot.checks.module import devm_lifetime
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

ALLOC = """
int foo_bat_alloc(const struct foo_ctrl *ctrl, struct foo_bat_request *bat_req,
\t\t  const enum bat_type buf_type)
{
\tbat_req->type = buf_type;
\tbat_req->wr_idx = 0;

\tbat_req->base = dma_alloc_coherent(ctrl->dev, FOO_BAT_COUNT * sizeof(struct foo_bat),
\t\t\t\t\t   &bat_req->bus_addr, GFP_KERNEL | __GFP_ZERO);
\tif (!bat_req->base)
\t\treturn -ENOMEM;

\tbat_req->skb = devm_kzalloc(ctrl->dev, FOO_BAT_COUNT * sizeof(struct foo_bat_skb),
\t\t\t\t    GFP_KERNEL);
\tif (!bat_req->skb)
\t\tgoto err_free_dma_mem;

\tspin_lock_init(&bat_req->mask_lock);
\tatomic_set(&bat_req->refcnt, 0);
\treturn 0;

err_free_dma_mem:
\tdma_free_coherent(ctrl->dev, FOO_BAT_COUNT * sizeof(struct foo_bat), bat_req->base,
\t\t\t  bat_req->bus_addr);
\treturn -ENOMEM;
}
"""

# A crypto request handed to an update callback: every call.
UPDATE = """
static int foo_ahash_update(struct ahash_request *req)
{
\tstruct foo_hash_ctx *ctx = crypto_ahash_ctx(crypto_ahash_reqtfm(req));
\tstruct foo_req_ctx *rctx = ahash_request_ctx(req);

\trctx->buf = devm_kzalloc(ctx->dev, req->nbytes, GFP_KERNEL);
\tif (!rctx->buf)
\t\treturn -ENOMEM;
\tspin_lock_init(&ctx->lock);
\treturn foo_hash_queue(ctx, req);
}
"""

PATH = "drivers/net/wwan/foo/foo_rx.c"


def test_quiet_on_a_constructor_of_the_request_typed_object():
    assert_quiet(devm_lifetime, new_file(PATH, ALLOC))


def test_fires_when_the_function_only_uses_the_object():
    uses = ALLOC.replace("\tspin_lock_init(&bat_req->mask_lock);\n\tatomic_set(&bat_req->refcnt, 0);\n", "")
    assert_fires(devm_lifetime, new_file(PATH, uses), at=[(PATH, _at(uses, "devm_kzalloc"))])


def test_fires_on_a_core_request_whose_context_lock_is_set_up():
    # the lock set up belongs to the tfm context, not to the request the callback is handed
    assert_fires(devm_lifetime, new_file("drivers/crypto/foo/foo-hash.c", UPDATE),
                 at=[("drivers/crypto/foo/foo-hash.c", _at(UPDATE, "devm_kzalloc"))])
