"""MOD019 over-put classes read on the new-driver seeds of session 11 (each wrong at first read):

- `child = device_get_next_child_node(dev, child)`: the lookup drops the old reference of
  `child` and stores the new one in the same variable; a later put drops the new one
  (drivers/leds/leds-lm3692x.c lm3692x_probe_dt());
- `info.of_node = of_node_get(node)` in a `for_each_child_of_node()` body: the put on the
  failure of i2c_new_client_device() drops that extra reference, not the iterator's
  (drivers/i2c/busses/i2c-powermac.c);
- `kfree(sl)` after `device_unregister(&sl->dev)` when the release set with
  `sl->dev.release = &w1_slave_release` only drops a pointer member's reference
  (`w1_family_put(sl->family)`): it frees nothing of the container (drivers/w1/w1.c);
- `entry->syncobj = syncobj` where the entry is linked into the syncobj's own list by a
  helper of the file: a back-pointer of an entry the object owns (drivers/gpu/drm/drm_syncobj.c).
"""

from reviewbot.checks.module import device_ref_imbalance
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet, tree_case

LED = """
static int lm3692x_probe_dt(struct lm3692x_led *led)
{
\tstruct fwnode_handle *child = NULL;
\tint ret;

\tchild = device_get_next_child_node(&led->client->dev, child);
\tif (!child) {
\t\tdev_err(&led->client->dev, "No LED Child node\\n");
\t\treturn -ENODEV;
\t}

\tret = fwnode_property_read_u32(child, "reg", &led->led_enable);
\tif (ret) {
\t\tfwnode_handle_put(child);
\t\tdev_err(&led->client->dev, "reg DT property missing\\n");
\t\treturn ret;
\t}

\tled->fwnode = child;
\treturn 0;
}
"""
LED_PATH = "drivers/leds/leds-foo.c"


def test_quiet_when_the_lookup_result_rebinds_the_variable():
    assert_quiet(device_ref_imbalance, new_file(LED_PATH, LED), include_low=True)


def test_fires_when_the_next_lookup_dropped_the_put_reference():
    code = LED.replace("\tret = fwnode_property_read_u32(child, \"reg\", &led->led_enable);",
                       "\tnext = device_get_next_child_node(&led->client->dev, child);\n"
                       "\tret = fwnode_property_read_u32(next, \"reg\", &led->led_enable);")
    assert_fires(device_ref_imbalance, new_file(LED_PATH, code),
                 at=[(LED_PATH, _at(code, "fwnode_handle_put(child);"))], include_low=True)


I2C = """
static void i2c_foo_register_devices(struct i2c_adapter *adap)
{
\tstruct i2c_client *newdev;
\tstruct device_node *node;

\tfor_each_child_of_node(adap->dev.of_node, node) {
\t\tstruct i2c_board_info info = {};
\t\tu32 addr;

\t\taddr = i2c_foo_get_addr(adap, node);
\t\tif (addr == 0xffffffff)
\t\t\tcontinue;

\t\tinfo.addr = addr;
\t\tinfo.irq = irq_of_parse_and_map(node, 0);
\t\tinfo.of_node = of_node_get(node);

\t\tnewdev = i2c_new_client_device(adap, &info);
\t\tif (IS_ERR(newdev)) {
\t\t\tdev_err(&adap->dev, "Failure to register %pOF\\n", node);
\t\t\tof_node_put(node);
\t\t\tcontinue;
\t\t}
\t}
}
"""
I2C_PATH = "drivers/i2c/busses/i2c-foo.c"


def test_quiet_when_the_loop_body_took_its_own_reference():
    assert_quiet(device_ref_imbalance, new_file(I2C_PATH, I2C), include_low=True)


def test_fires_when_the_put_drops_the_iterators_reference():
    code = I2C.replace("info.of_node = of_node_get(node);", "info.of_node = node;")
    assert_fires(device_ref_imbalance, new_file(I2C_PATH, code),
                 at=[(I2C_PATH, _at(code, "of_node_put(node);"))], include_low=True)


W1 = """
static void w1_slave_release(struct device *dev)
{
\tstruct w1_slave *sl = dev_to_w1_slave(dev);

\tdev_dbg(dev, "%s: Releasing %s [%p]\\n", __func__, sl->name, sl);

\tw1_family_put(sl->family);
\tsl->master->slave_count--;
}

static int __w1_attach_slave_device(struct w1_slave *sl)
{
\tint err;

\tsl->dev.parent = &sl->master->dev;
\tsl->dev.release = &w1_slave_release;
\tdev_set_name(&sl->dev, "%02x-%012llx", sl->family_id, sl->id);

\terr = device_register(&sl->dev);
\tif (err < 0) {
\t\tput_device(&sl->dev);
\t\treturn err;
\t}
\treturn 0;
}

int w1_slave_detach(struct w1_slave *sl)
{
\tint refcnt;

\trefcnt = atomic_sub_return(1, &sl->refcnt);
\tif (refcnt == 0) {
\t\tlist_del(&sl->w1_slave_entry);
\t\tdevice_unregister(&sl->dev);
\t\tkfree(sl);
\t}
\treturn refcnt;
}
"""
W1_PATH = "drivers/w1/w1-foo.c"


def test_quiet_when_the_release_drops_only_a_pointer_members_reference():
    assert_quiet(device_ref_imbalance, new_file(W1_PATH, W1))


def test_fires_when_the_release_frees_the_container():
    code = W1.replace("\tsl->master->slave_count--;\n", "\tsl->master->slave_count--;\n\tkfree(sl);\n")
    assert_fires(device_ref_imbalance, new_file(W1_PATH, code),
                 at=[(W1_PATH, _at(code, "\t\tkfree(sl);"))])


SYNC = """
static void
drm_foo_add_eventfd(struct drm_foo *syncobj, struct foo_eventfd_entry *entry)
{
\tspin_lock(&syncobj->lock);
\tlist_add_tail(&entry->node, &syncobj->ev_fd_list);
\tspin_unlock(&syncobj->lock);
}

int drm_foo_eventfd_ioctl(struct drm_device *dev, void *data, struct drm_file *file_private)
{
\tstruct drm_foo_eventfd *args = data;
\tstruct foo_eventfd_entry *entry;
\tstruct drm_foo *syncobj;

\tsyncobj = drm_syncobj_find(file_private, args->handle);
\tif (!syncobj)
\t\treturn -ENOENT;

\tentry = kzalloc(sizeof(*entry), GFP_KERNEL);
\tif (!entry) {
\t\tdrm_syncobj_put(syncobj);
\t\treturn -ENOMEM;
\t}
\tentry->syncobj = syncobj;
\tentry->point = args->point;

\tdrm_foo_add_eventfd(syncobj, entry);
\tdrm_syncobj_put(syncobj);

\treturn 0;
}
"""
SYNC_PATH = "drivers/gpu/drm/drm_foo.c"


def test_quiet_when_the_holder_is_linked_into_the_objects_own_list():
    series, ctx = tree_case(SYNC_PATH, "", SYNC.lstrip("\n"))
    assert_quiet(device_ref_imbalance, series, context_for=ctx)


def test_fires_when_the_holder_is_linked_elsewhere():
    code = SYNC.replace("list_add_tail(&entry->node, &syncobj->ev_fd_list);",
                        "list_add_tail(&entry->node, &foo_global_list);")
    series, ctx = tree_case(SYNC_PATH, "", code.lstrip("\n"))
    assert_fires(device_ref_imbalance, series, context_for=ctx,
                 at=[(SYNC_PATH, _at(code, "drm_foo_add_eventfd(syncobj, entry);") + 1)])
