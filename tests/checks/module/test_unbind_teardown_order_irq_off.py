"""MOD035: remove() that turns the devm IRQ off before it frees the handler's data
(drivers/media/i2c/tda1997x.c of 6.12, fresh new-driver seed 17)."""

from reviewbot.checks.module import unbind_teardown_order
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

TDA = """
static int foo_probe(struct i2c_client *client)
{
\tstruct foo_state *state;
\tint ret;

\tstate = kzalloc(sizeof(*state), GFP_KERNEL);
\tif (!state)
\t\treturn -ENOMEM;
\tstate->client = client;
\tret = devm_request_threaded_irq(&client->dev, client->irq,
\t\t\t\t\tNULL, foo_isr_thread,
\t\t\t\t\tIRQF_TRIGGER_LOW | IRQF_ONESHOT,
\t\t\t\t\tKBUILD_MODNAME, state);
\tif (ret)
\t\tgoto err_free_state;
\treturn 0;

err_free_state:
\tkfree(state);
\treturn ret;
}

static void foo_remove(struct i2c_client *client)
{
\tstruct v4l2_subdev *sd = i2c_get_clientdata(client);
\tstruct foo_state *state = to_state(sd);

\tdisable_irq(state->client->irq);
\tfoo_power_mode(state, 0);
\tv4l2_async_unregister_subdev(sd);
\tkfree(state);
}
"""


def test_quiet_when_remove_disables_the_irq_before_the_free():
    assert_quiet(unbind_teardown_order, new_file("drivers/media/i2c/foo.c", TDA))
    freed = TDA.replace("\tdisable_irq(state->client->irq);\n", "\tdevm_free_irq(&client->dev, client->irq, state);\n")
    assert_quiet(unbind_teardown_order, new_file("drivers/media/i2c/foo.c", freed))


def test_fires_when_the_irq_goes_off_after_the_free_or_without_waiting():
    where = [("drivers/media/i2c/foo.c", _at(TDA, "devm_request_threaded_irq"))]
    late = TDA.replace("\tdisable_irq(state->client->irq);\n", "").replace("\tkfree(state);\n}", "\tkfree(state);\n\tdisable_irq(client->irq);\n}")
    assert_fires(unbind_teardown_order, new_file("drivers/media/i2c/foo.c", late), at=where)
    nosync = TDA.replace("disable_irq(", "disable_irq_nosync(")
    assert_fires(unbind_teardown_order, new_file("drivers/media/i2c/foo.c", nosync), at=where)
    other = TDA.replace("disable_irq(state->client->irq)", "disable_irq(state->wake_gpio_irq)")
    assert_fires(unbind_teardown_order, new_file("drivers/media/i2c/foo.c", other), at=where)
