"""MOD003, tree mode: a structure member set once from a local names the local's object, and a
reference kept in a field is dropped by the file's clean-up helper (main after the session 11
merge, new-driver seeds 163 and 167):

- `warrior->dev = input_dev; ... input_register_device(warrior->dev) ... fail1:
  input_free_device(input_dev);` (drivers/input/joystick/warrior.c);
- `input = devm_input_allocate_device(...); g15->input = input; ...
  input_register_device(g15->input)`: devres frees what a failed registration leaves
  (drivers/hid/hid-lg-g15.c);
- `ushc->int_urb = usb_alloc_urb(...)`, then `err: ushc_clean_up(ushc); return ret;`, whose body
  frees `ushc->int_urb` (drivers/mmc/host/ushc.c).
"""

from types import SimpleNamespace

from reviewbot.checks.module import get_without_put_on_exit
from reviewbot.context import Context, FileImages
from tests.checks.module.test_get_without_put_on_exit import _at
from tests.helpers import assert_fires, assert_quiet, tree_case

WARRIOR = """static int foo_connect(struct serio *serio, struct serio_driver *drv)
{
\tstruct foo *warrior;
\tstruct input_dev *input_dev;
\tint err = -ENOMEM;

\twarrior = kzalloc(sizeof(*warrior), GFP_KERNEL);
\tinput_dev = input_allocate_device();
\tif (!warrior || !input_dev)
\t\tgoto fail1;

\twarrior->dev = input_dev;
\tinput_dev->name = "Foo Warrior";
\tinput_dev->dev.parent = &serio->dev;
\tserio_set_drvdata(serio, warrior);

\terr = serio_open(serio, drv);
\tif (err)
\t\tgoto fail2;

\terr = input_register_device(warrior->dev);
\tif (err)
\t\tgoto fail3;

\treturn 0;

 fail3:\tserio_close(serio);
 fail2:\tserio_set_drvdata(serio, NULL);
 fail1:\tinput_free_device(input_dev);
\tkfree(warrior);
\treturn err;
}
""".replace("\\t", "\t")
PATH = "drivers/input/joystick/foo.c"


def test_quiet_when_the_unwind_frees_the_local_the_member_was_set_from():
    series, ctx = tree_case(PATH, "", WARRIOR)
    assert_quiet(get_without_put_on_exit, series, context_for=ctx)


def test_fires_when_the_member_is_set_again():
    code = WARRIOR.replace("\tinput_dev->name = \"Foo Warrior\";\n",
                           "\tinput_dev->name = \"Foo Warrior\";\n\twarrior->dev = foo_other_input(serio);\n")
    series, ctx = tree_case(PATH, "", code)
    assert_fires(get_without_put_on_exit, series, context_for=ctx, at=[(PATH, _at(code, "goto fail3;"))])


def _stands(text: str, kind: str, api: str, get_needle: str, exit_line: int) -> bool:
    lines = text.split("\n")
    get = next(i for i, ln in enumerate(lines, 1) if get_needle in ln)
    m = SimpleNamespace(kind=kind, path=PATH, get_line=get, exit_line=exit_line, api=api, obj="x")
    ctx = Context(mode="tree", files={PATH: FileImages(pre=None, post=text)})
    return get_without_put_on_exit._cocci_leak_stands(ctx, {}, m)


G15 = """static int foo_probe(struct hid_device *hdev, const struct hid_device_id *id)
{
\tstruct input_dev *input;
\tstruct foo_g15 *g15;
\tint ret;

\tg15 = devm_kzalloc(&hdev->dev, sizeof(*g15), GFP_KERNEL);
\tif (!g15)
\t\treturn -ENOMEM;
\tinput = {alloc}(&hdev->dev);
\tif (!input)
\t\treturn -ENOMEM;
\tg15->input = input;
\tret = input_register_device(g15->input);
\tif (ret)
\t\tgoto error_hw_stop;
\treturn 0;

error_hw_stop:
\thid_hw_stop(hdev);
\treturn ret;
}
""".replace("\\t", "\t")


def test_a_register_of_a_member_set_from_a_devm_allocation_is_devres_to_undo():
    exit_line = len(G15.split("\n")) - 2
    assert not _stands(G15.replace("{alloc}", "devm_input_allocate_device"), "register",
                       "input_register_device", "= input_register_device(", exit_line)
    assert _stands(G15.replace("{alloc}", "foo_input_allocate"), "register",
                   "input_register_device", "= input_register_device(", exit_line)


USHC = """static void foo_clean_up(struct foo_data *ushc)
{
\tusb_free_urb(ushc->{freed});
\tkfree(ushc->int_data);
}

static int foo_probe(struct usb_interface *intf, const struct usb_device_id *id)
{
\tstruct foo_data *ushc;
\tint ret;

\tushc = kzalloc(sizeof(*ushc), GFP_KERNEL);
\tif (!ushc)
\t\treturn -ENOMEM;
\tushc->int_urb = usb_alloc_urb(0, GFP_KERNEL);
\tif (ushc->int_urb == NULL) {
\t\tret = -ENOMEM;
\t\tgoto err;
\t}
\tret = foo_add_host(ushc);
\tif (ret)
\t\tgoto err;
\treturn 0;

err:
\tfoo_clean_up(ushc);
\treturn ret;
}
""".replace("\\t", "\t")


def test_a_field_freed_by_the_files_clean_up_helper_is_not_kept():
    exit_line = len(USHC.split("\n")) - 2
    assert not _stands(USHC.replace("{freed}", "int_urb"), "field", "usb_alloc_urb",
                       "= usb_alloc_urb(", exit_line)
    assert _stands(USHC.replace("{freed}", "csw_urb"), "field", "usb_alloc_urb",
                   "= usb_alloc_urb(", exit_line)
