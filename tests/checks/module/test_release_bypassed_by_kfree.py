from reviewbot.checks.module import release_bypassed_by_kfree
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case

CASES = DATA / "checks" / "release-bypassed-by-kfree"

DESTROY_TO_KFREE = diff("""
    --- a/net/foo/core.c
    +++ b/net/foo/core.c
    @@ -20,3 +20,3 @@ static void foo_abort(struct foo_trans *trans)
     \tlist_del(&trans->list);
    -\tfoo_obj_destroy(trans->ctx, trans->obj);
    +\tkfree(trans->obj);
     }
""")

KFREE_TO_DESTROY = diff("""
    --- a/net/foo/core.c
    +++ b/net/foo/core.c
    @@ -20,3 +20,3 @@ static void foo_abort(struct foo_trans *trans)
     \tlist_del(&trans->list);
    -\tkfree(trans->obj);
    +\tfoo_obj_destroy(trans->ctx, trans->obj);
     }
""")

CACHE_FREE_TO_KFREE = diff("""
    --- a/net/foo/core.c
    +++ b/net/foo/core.c
    @@ -20,3 +20,3 @@ static void foo_abort(struct foo_trans *trans)
     \tlist_del(&trans->list);
    -\tkmem_cache_free(foo_cache, trans->obj);
    +\tkfree(trans->obj);
     }
""")


def test_fires_on_destroy_helper_replaced_by_kfree():
    assert_fires(release_bypassed_by_kfree, DESTROY_TO_KFREE, at=[("net/foo/core.c", 21)])


def test_quiet_on_kfree_replaced_by_destroy_helper():
    assert_quiet(release_bypassed_by_kfree, KFREE_TO_DESTROY, include_low=True)


def test_quiet_on_plain_memory_free_replaced_by_kfree():
    assert_quiet(release_bypassed_by_kfree, CACHE_FREE_TO_KFREE, include_low=True)


def test_fires_on_real_nft_obj_destroy():
    assert_fires(release_bypassed_by_kfree, load_case(CASES / "nft-obj-update-kfree-module-leak.patch"),
                 at=[("net/netfilter/nf_tables_api.c", 8188), ("net/netfilter/nf_tables_api.c", 8979)])
    assert_quiet(release_bypassed_by_kfree, load_case(CASES / "nft-obj-update-kfree-module-leak.fix.patch"),
                 include_low=True)
