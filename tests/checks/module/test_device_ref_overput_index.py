"""MOD019: an unwind loop that steps its index before each put does not put the element the
goto's branch already put (drivers/net/can/cc770/cc770_isa.c of 6.12, cc770_isa_init();
fresh new-driver seed 4096)."""

from reviewbot.checks.module import device_ref_imbalance
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

ISA = """
static int __init foo_isa_init(void)
{
\tint idx, err;

\tfor (idx = 0; idx < ARRAY_SIZE(foo_isa_devs); idx++) {
\t\tfoo_isa_devs[idx] = platform_device_alloc(KBUILD_MODNAME, idx);
\t\tif (!foo_isa_devs[idx]) {
\t\t\terr = -ENOMEM;
\t\t\tgoto exit_free_devices;
\t\t}
\t\terr = platform_device_add(foo_isa_devs[idx]);
\t\tif (err) {
\t\t\tplatform_device_put(foo_isa_devs[idx]);
\t\t\tgoto exit_free_devices;
\t\t}
\t}
\treturn 0;

exit_free_devices:
\twhile (--idx >= 0) {
\t\tif (foo_isa_devs[idx])
\t\t\tplatform_device_unregister(foo_isa_devs[idx]);
\t}
\treturn err;
}
"""


def test_quiet_when_the_unwind_steps_the_index_before_its_put():
    assert_quiet(device_ref_imbalance, new_file("drivers/foo/foo.c", ISA))


def test_fires_when_the_unwind_puts_the_same_element():
    code = ISA.replace("\twhile (--idx >= 0) {\n\t\tif (foo_isa_devs[idx])\n\t\t\tplatform_device_unregister(foo_isa_devs[idx]);\n\t}\n",
                       "\tplatform_device_unregister(foo_isa_devs[idx]);\n")
    assert_fires(device_ref_imbalance, new_file("drivers/foo/foo.c", code),
                 at=[("drivers/foo/foo.c", _at(code, "platform_device_put(")),
                     ("drivers/foo/foo.c", _at(code, "platform_device_unregister"))])
