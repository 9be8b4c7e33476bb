"""Fresh tree-mode new-driver seed 89 (session 10): five wrong classes, each a kernel rule.
Fixtures are paraphrases (other names, other APIs of the same families).

- MOD019: a put under an unwind label that the code after `devm_add_action_or_reset(dev,
  put_action, np)` never jumps to (it returns first) runs only before the hand-over.
- MOD003: an `__init` function of code that is never a module keeps what a register call put
  into sysfs for the kernel's life (success exit; a file-scope variable on an error exit).
- MOD008: a `static` register helper whose return type sits on the line above is file-private;
  and code that is never a module has no provider module to pin.
- MOD003: a register call's object that a devm allocator made is devres's to drop when the
  registration fails.
- MOD019: `dev = class_find_device(...)`, `device_unregister(dev)`, `put_device(dev)`: the
  unregister drops the registration's reference, the put the lookup's.
"""

from reviewbot.checks.module import device_ref_imbalance, get_without_put_on_exit, ownerless_register_api
from reviewbot.context import Context, FileFacts, FileImages
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet, run_rule, tree_case

MUX = """
static void foo_free_clk_provider(void *data)
{
\tstruct device_node *np = data;

\tof_clk_del_provider(np);
\tof_node_put(np);
}

static int foo_clk_mux_setup(struct foo *foo, struct device_node *clks_np)
{
\tstruct device *dev = foo->dev;
\tstruct device_node *np;
\tstruct clk *mux;
\tint ret;

\tnp = of_get_child_by_name(clks_np, "mux");
\tif (!np)
\t\treturn -ENODEV;
\tmux = foo_register_mux(foo, np);
\tif (IS_ERR(mux)) {
\t\tret = PTR_ERR(mux);
\t\tgoto put_np;
\t}
\tret = of_clk_add_provider(np, of_clk_src_simple_get, mux);
\tif (ret)
\t\tgoto put_np;
\tret = devm_add_action_or_reset(dev, foo_free_clk_provider, np);
\tTAIL

put_np:
\tof_node_put(np);
\treturn ret;
}
"""


def _mux(tail: str):
    code = MUX.replace("TAIL", tail)
    return code, new_file("drivers/soc/foo/foo-clk.c", code)


def test_mod019_quiet_on_a_label_only_reached_before_the_hand_over():
    _code, series = _mux("if (ret)\n\t\tdev_err(dev, \"no free action\\n\");\n\treturn ret;")
    assert_quiet(device_ref_imbalance, series)


def test_mod019_fires_when_a_goto_after_the_hand_over_reaches_the_put():
    code, series = _mux("if (ret)\n\t\tgoto put_np;\n\tret = foo_enable(foo);\n\tif (ret)\n\t\tgoto put_np;\n\treturn 0;")
    assert_fires(device_ref_imbalance, series, at=[("drivers/soc/foo/foo-clk.c", _at(code, "put_np:") + 1)])


SYSFS = """
struct kobject *foo_fw_kobj;
EXPORT_SYMBOL_GPL(foo_fw_kobj);

static int INIT foo_fw_sysfs_init(void)
{
\tstruct kobject *tables_kobj;
\tint ret = -ENOMEM;

\tfoo_fw_kobj = kobject_create_and_add("foo", firmware_kobj);
\tif (!foo_fw_kobj)
\t\tgoto err;
\ttables_kobj = kobject_create_and_add("tables", foo_fw_kobj);
\tif (!tables_kobj)
\t\tgoto err;
\tret = sysfs_create_bin_file(tables_kobj, &bin_attr_foo_table);
\tif (!ret)
\t\treturn 0;
\tkobject_put(tables_kobj);
err:
\tpr_err("foo: sysfs failed\\n");
\treturn ret;
}
subsys_initcall(foo_fw_sysfs_init);
"""


def _sysfs(init: str, modular: bool, tail: str = ""):
    code = SYSFS.replace("INIT", init) + tail
    text = code.lstrip("\n").replace("\\t", "\t")
    path = "drivers/firmware/foo_fw.c"
    series, _ctx = tree_case(path, "", text)
    ctx = Context(mode="tree", files={path: FileImages(pre="", post=text)},
                  facts={path: FileFacts(modular=modular, kconfig_type="tristate" if modular else "bool")})
    return code, series, (lambda p: ctx)


def test_mod003_quiet_on_an_init_of_built_in_code_registering_for_good():
    _code, series, ctx = _sysfs("__init", modular=False)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


def test_mod003_fires_in_a_module_or_outside_init():
    code, series, ctx = _sysfs("", modular=False)
    assert_fires(get_without_put_on_exit, series, context_for=ctx,
                 at=[("drivers/firmware/foo_fw.c", _at(code, "\tif (!tables_kobj)") + 1),
                     ("drivers/firmware/foo_fw.c", _at(code, "return 0;"))])
    # a module that can unload (it has an exit): the tables directory is lost on success
    code, series, ctx = _sysfs("__init", modular=True, tail=EXIT)
    got = run_rule(get_without_put_on_exit, series, ctx).shown(include_low=False)
    assert any(f.line == _at(code, "return 0;") for f in got), got


EXIT = """
static void __exit foo_fw_sysfs_exit(void)
{
\tkobject_put(foo_fw_kobj);
}
module_exit(foo_fw_sysfs_exit);
"""


REG = """
struct foo_soc_ops {
\tint (*enable)(struct foo_pmc *pmc);
\tvoid (*disable)(struct foo_pmc *pmc);
};

STATIC_LINEfoo_pmc_clk_register(struct foo_pmc *pmc, const struct foo_soc_ops *ops)
{
\treturn foo_clk_register(pmc->dev, ops);
}
"""


def test_mod008_quiet_on_a_static_helper_declared_over_two_lines():
    series = new_file("drivers/soc/foo/pmc.c", REG.replace("STATIC_LINE", "static struct clk *\n"))
    assert_quiet(ownerless_register_api, series, include_low=True)


def test_mod008_fires_on_an_exported_one():
    code = REG.replace("STATIC_LINE", "struct clk *\n") + "EXPORT_SYMBOL_GPL(foo_pmc_clk_register);\n"
    assert_fires(ownerless_register_api, new_file("drivers/soc/foo/pmc.c", code),
                 at=[("drivers/soc/foo/pmc.c", _at(code, "foo_pmc_clk_register("))])


def test_mod008_quiet_in_code_that_is_never_a_module():
    code = REG.replace("STATIC_LINE", "struct clk *\n")
    text = code.lstrip("\n").replace("\\t", "\t")
    path = "drivers/soc/foo/pmc.c"
    series, _ctx = tree_case(path, "", text)
    ctx = Context(mode="tree", files={path: FileImages(pre="", post=text)},
                  facts={path: FileFacts(modular=False, kconfig_type="bool")})
    assert_quiet(ownerless_register_api, series, include_low=True, context_for=lambda p: ctx)


SPI = """
static int foo_spi_probe(struct platform_device *pdev)
{
\tstruct spi_controller *ctrl;
\tint ret;

\tif (of_property_read_bool(pdev->dev.of_node, "spi-slave"))
\t\tctrl = ALLOC_TARGET(&pdev->dev, sizeof(struct foo_spi));
\telse
\t\tctrl = ALLOC_HOST(&pdev->dev, sizeof(struct foo_spi));
\tif (!ctrl)
\t\treturn -ENOMEM;
\tret = platform_get_irq(pdev, 0);
\tif (ret < 0) {
\t\tspi_controller_put(ctrl);
\t\treturn ret;
\t}
\tpm_runtime_enable(&pdev->dev);
\tret = spi_register_controller(ctrl);
\tif (ret) {
\t\tdev_err(&pdev->dev, "register failed: %d\\n", ret);
\t\tgoto err_pm_disable;
\t}
\treturn 0;

err_pm_disable:
\tpm_runtime_disable(&pdev->dev);
\tPUT_LINE
\treturn ret;
}
"""


def _spi(target: str, host: str, put: str = ""):
    code = SPI.replace("ALLOC_TARGET", target).replace("ALLOC_HOST", host).replace("PUT_LINE", put)
    return code, *tree_case("drivers/spi/spi-foo.c", "", code.lstrip("\n").replace("\\t", "\t"))


def test_mod003_quiet_when_devm_allocated_the_controller():
    _code, series, ctx = _spi("devm_spi_alloc_target", "devm_spi_alloc_host", "dev_dbg(&pdev->dev, \"out\\n\");")
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


def test_mod003_fires_when_a_plain_allocator_made_it():
    code, series, ctx = _spi("spi_alloc_target", "spi_alloc_host", "dev_dbg(&pdev->dev, \"out\\n\");")
    got = run_rule(get_without_put_on_exit, series, ctx).shown(include_low=False)
    assert any(f.line == _at(code, "goto err_pm_disable;") for f in got), got


UNEXPORT = """
void foo_line_unexport(struct foo_line *line)
{
\tstruct foo_line_data *data;
\tstruct device *dev;

\tmutex_lock(&foo_sysfs_lock);
\tdev = FIND;
\tif (!dev)
\t\tgoto out_unlock;
\tdata = dev_get_drvdata(dev);
\tdevice_unregister(dev);
\tif (data->irq)
\t\tfoo_line_free_irq(dev);
\tmutex_unlock(&foo_sysfs_lock);
\tput_device(dev);
\tkfree(data);
\treturn;

out_unlock:
\tmutex_unlock(&foo_sysfs_lock);
}
"""


def test_mod019_quiet_on_unregister_then_put_of_a_looked_up_device():
    code = UNEXPORT.replace("FIND", "class_find_device(&foo_class, NULL, line, foo_match_export)")
    assert_quiet(device_ref_imbalance, new_file("drivers/gpio/foo-sysfs.c", code))


def test_mod019_fires_when_the_device_was_not_looked_up():
    code = UNEXPORT.replace("FIND", "line->dev")
    assert_fires(device_ref_imbalance, new_file("drivers/gpio/foo-sysfs.c", code),
                 at=[("drivers/gpio/foo-sysfs.c", _at(code, "device_unregister(dev);")),
                     ("drivers/gpio/foo-sysfs.c", _at(code, "put_device(dev);"))])
