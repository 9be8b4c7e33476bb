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


# kobject_init_and_add() failed: its kernel-doc says kobject_put() must still be called (the
# ktype's release frees the container and the kobject's name); mdev_type_add() in 6.12.
KOBJ_PUT_TO_KFREE = """
    --- a/drivers/vfio/mdev/mdev_sysfs.c
    +++ b/drivers/vfio/mdev/mdev_sysfs.c
    @@ -179,7 +179,7 @@ static int mdev_type_add(struct mdev_parent *parent, struct mdev_type *type)
     \t\t\t\t   "%s-%s", dev_driver_string(parent->dev),
     \t\t\t\t   type->sysfs_name);
     \tif (ret) {
    -\t\tkobject_put(&type->kobj);
    +\t\tkfree(type);
     \t\treturn ret;
     \t}
     
"""


def test_fires_when_the_put_of_an_embedded_kobject_becomes_kfree():
    assert_fires(release_bypassed_by_kfree, diff(KOBJ_PUT_TO_KFREE), [("drivers/vfio/mdev/mdev_sysfs.c", 182)])


def test_quiet_on_kfree_becoming_the_kobject_put():
    fix = KOBJ_PUT_TO_KFREE.replace("-\t\tkobject_put", "@K@").replace("+\t\tkfree", "-\t\tkfree") \
        .replace("@K@", "+\t\tkobject_put")
    assert "+\t\tkobject_put" in fix
    assert_quiet(release_bypassed_by_kfree, diff(fix), include_low=True)


def test_quiet_when_the_device_put_is_of_another_allocation():
    assert_quiet(release_bypassed_by_kfree, diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -20,3 +20,3 @@ static void bar_free_mac(struct bar_mac *mac)
     \tlist_del(&mac->list);
    -\tput_device(&mac->mc_dev->dev);
    +\tkfree(mac);
     }
    """), include_low=True)
