"""MOD003 / MOD025: a get on the object a constructor returns (the reversed fix of iio's
"trigger: Fix reference counting", cdev_alloc() of 6.12, shapes)."""

from reviewbot.checks.module import get_without_put_on_exit, removed_needed_ref
from tests.helpers import assert_fires, assert_quiet, diff

_ALLOC = """
    --- a/drivers/iio/industrialio-trigger.c
    +++ b/drivers/iio/industrialio-trigger.c
    @@ -556,6 +556,7 @@ struct iio_trigger *viio_trigger_alloc(struct device *parent,
     \t\tirq_modify_status(trig->subirq_base + i,
     \t\t\t\t  IRQ_NOREQUEST | IRQ_NOAUTOEN, IRQ_NOPROBE);
     \t}
    +\tget_device(&trig->dev);
     
     \treturn trig;
     
"""
EXTRA_GET = diff(_ALLOC)
# a lookup: its get is the caller's reference
LOOKUP = diff(_ALLOC.replace("viio_trigger_alloc", "iio_trigger_find_get"))
# published on a list by the constructor: the list keeps the first reference
PUBLISHED = diff(_ALLOC.replace("\t\tirq_modify_status(trig->subirq_base + i,\n", "\t\tlist_add(&trig->list, &trigs);\n").replace(
    "\t\t\t\t  IRQ_NOREQUEST | IRQ_NOAUTOEN, IRQ_NOPROBE);\n", "\t\tfoo(i);\n"))

REMOVED = diff("""
    --- a/fs/char_dev.c
    +++ b/fs/char_dev.c
    @@ -644,7 +644,6 @@ struct cdev *cdev_alloc(void)
     \t\tINIT_LIST_HEAD(&p->list);
     \t\tkobject_init(&p->kobj, &ktype_cdev_dynamic);
     \t}
    -\tkobject_get(&p->kobj);
     \treturn p;
     }
     
""")


def test_fires_on_a_get_right_before_the_constructor_returns_the_object():
    assert_fires(get_without_put_on_exit, EXTRA_GET, at=[("drivers/iio/industrialio-trigger.c", 559)])


def test_quiet_in_a_lookup():
    assert_quiet(get_without_put_on_exit, LOOKUP, include_low=True)


def test_quiet_when_the_constructor_publishes_the_object():
    assert_quiet(get_without_put_on_exit, PUBLISHED, include_low=True)


def test_removing_that_get_is_the_fix():
    assert_quiet(removed_needed_ref, REMOVED, include_low=True)
