"""MOD036: a teardown that the same function undoes again (drivers/iio/magnetometer/af8133j.c
of 6.12, af8133j_set_scale(): pm_runtime_disable() ... pm_runtime_enable() around a register
write, with devm_pm_runtime_enable() in probe; fresh new-driver seed 5150)."""

from reviewbot.checks.module import devm_released_twice
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

BRACKET = """
static int foo_set_scale(struct foo_data *data, u8 range)
{
\tstruct device *dev = &data->client->dev;
\tint ret = 0;

\tpm_runtime_disable(dev);
\tif (!pm_runtime_status_suspended(dev))
\t\tret = regmap_write(data->regmap, FOO_REG_RANGE, range);
\tpm_runtime_enable(dev);

\tdata->range = range;
\treturn ret;
}

static int foo_probe(struct i2c_client *client)
{
\tstruct device *dev = &client->dev;
\tint ret;

\tret = devm_pm_runtime_enable(dev);
\tif (ret)
\t\treturn ret;
\treturn 0;
}
"""


def test_quiet_when_the_function_sets_it_up_again():
    assert_quiet(devm_released_twice, new_file("drivers/iio/foo.c", BRACKET))


def test_fires_when_it_stays_torn_down():
    code = BRACKET.replace("\tpm_runtime_enable(dev);\n", "")
    assert_fires(devm_released_twice, new_file("drivers/iio/foo.c", code),
                 at=[("drivers/iio/foo.c", _at(code, "pm_runtime_disable(dev);"))])
