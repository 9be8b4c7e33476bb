"""MOD035: an IRQ made devm while remove() still cancels the work its handler queues
(drivers/platform/x86/lenovo-yogabook.c of 6.12: yogabook_backside_hall_irq() calls
schedule_work(&data->work))."""

from reviewbot.checks.module import unbind_teardown_order
from tests.helpers import assert_fires, assert_quiet, diff

REQUEUE = """
    --- a/drivers/platform/x86/lenovo-yogabook.c
    +++ b/drivers/platform/x86/lenovo-yogabook.c
    @@ -220,7 +220,7 @@ static int yogabook_probe(struct device *dev, struct yogabook_data *data,
     \t/* Set default brightness before enabling the IRQ */
     \tdata->set_kbd_backlight(data, YB_KBD_BL_DEFAULT);
     
    -\tr = request_irq(data->backside_hall_irq, yogabook_backside_hall_irq,
    +\tr = devm_request_irq(dev, data->backside_hall_irq, yogabook_backside_hall_irq,
     \t\t\tIRQF_TRIGGER_RISING | IRQF_TRIGGER_FALLING,
     \t\t\t"backside_hall_sw", data);
     \tif (r)
    @@ -252,7 +252,6 @@ static void yogabook_remove(struct yogabook_data *data)
     {
     \tint r = 0;
     
    -\tfree_irq(data->backside_hall_irq, data);
     \tcancel_work_sync(&data->work);
     
     \tif (!test_bit(YB_KBD_IS_ON, &data->flags))
"""


def test_fires_when_remove_still_cancels_work_after_the_irq_went_devm():
    assert_fires(unbind_teardown_order, diff(REQUEUE), at=[("drivers/platform/x86/lenovo-yogabook.c", 223)])


def test_quiet_on_the_fix():
    fix = (REQUEUE.replace("    -\tr = request_irq", "    +\tr = request_irq@").replace("    +\tr = devm_request_irq",
                                                                                    "    -\tr = devm_request_irq")
           .replace("    +\tr = request_irq@", "    +\tr = request_irq").replace("    -\tfree_irq", "    +\tfree_irq")
           .replace("@@ -252,7 +252,6 @@", "@@ -252,6 +252,7 @@"))
    # keep the -/+ order of the first hunk (removed line first)
    fix = fix.replace("    +\tr = request_irq(data->backside_hall_irq, yogabook_backside_hall_irq,\n"
                      "    -\tr = devm_request_irq(dev, data->backside_hall_irq, yogabook_backside_hall_irq,\n",
                      "    -\tr = devm_request_irq(dev, data->backside_hall_irq, yogabook_backside_hall_irq,\n"
                      "    +\tr = request_irq(data->backside_hall_irq, yogabook_backside_hall_irq,\n")
    assert_quiet(unbind_teardown_order, diff(fix), include_low=True)


def test_quiet_when_nothing_but_the_irq_teardown_was_there():
    # remove() has nothing after the free_irq(): devres freeing the IRQ last is the same order
    alone = REQUEUE.replace("     \tcancel_work_sync(&data->work);\n", "     \tdata->flags = 0;\n")
    assert_quiet(unbind_teardown_order, diff(alone), include_low=True)
