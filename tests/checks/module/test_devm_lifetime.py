from reviewbot.checks.module import devm_lifetime
from reviewbot.context import Context, FileImages
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case

CASES = DATA / "checks" / "devm-lifetime"

CONVERTED = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -30,6 +30,6 @@ static int foo_probe(struct platform_device *pdev)
    -\tfoo = kzalloc(sizeof(*foo), GFP_KERNEL);
    +\tfoo = devm_kzalloc(&pdev->dev, sizeof(*foo), GFP_KERNEL);
     \tif (!foo)
     \t\treturn -ENOMEM;
     \tcdev_init(&foo->cdev, &foo_fops);
     \tfoo->cdev.owner = THIS_MODULE;
     \tret = cdev_add(&foo->cdev, devt, 1);
""")

PLAIN_STATE = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -30,5 +30,5 @@ static int foo_probe(struct platform_device *pdev)
    -\tfoo = kzalloc(sizeof(*foo), GFP_KERNEL);
    +\tfoo = devm_kzalloc(&pdev->dev, sizeof(*foo), GFP_KERNEL);
     \tif (!foo)
     \t\treturn -ENOMEM;
     \tplatform_set_drvdata(pdev, foo);
     \tfoo->base = devm_platform_ioremap_resource(pdev, 0);
""")

NEW_CODE = diff("""
    --- a/drivers/char/foo.c
    +++ b/drivers/char/foo.c
    @@ -30,2 +30,4 @@ static int foo_probe(struct platform_device *pdev)
    +\tfoo = devm_kzalloc(&pdev->dev, sizeof(*foo), GFP_KERNEL);
    +\tmisc_register(&foo->misc);
     \tif (ret)
     \t\treturn ret;
""")


def test_fires_on_conversion_of_cdev_container():
    assert_fires(devm_lifetime, CONVERTED, at=[("drivers/char/foo.c", 30)])


def test_quiet_on_bound_only_state():
    assert_quiet(devm_lifetime, PLAIN_STATE, include_low=True)


def test_new_code_is_low_confidence():
    assert_quiet(devm_lifetime, NEW_CODE)
    assert_fires(devm_lifetime, NEW_CODE, at=[("drivers/char/foo.c", 30)], include_low=True)


def test_tree_mode_sees_handoff_elsewhere_in_the_file():
    post = ("static int foo_open(struct inode *inode, struct file *file)\n{\n"
            "\tfile->private_data = foo;\n\treturn 0;\n}\n") + "\n" * 24 + (
        "static int foo_probe(struct platform_device *pdev)\n{\n"
        "\tfoo = devm_kzalloc(&pdev->dev, sizeof(*foo), GFP_KERNEL);\n")
    assert post.splitlines()[31].startswith("\tfoo = devm_kzalloc")
    series = diff("""
        --- a/drivers/char/foo.c
        +++ b/drivers/char/foo.c
        @@ -32,1 +32,1 @@ static int foo_probe(struct platform_device *pdev)
        -\tfoo = kzalloc(sizeof(*foo), GFP_KERNEL);
        +\tfoo = devm_kzalloc(&pdev->dev, sizeof(*foo), GFP_KERNEL);
    """)
    assert_quiet(devm_lifetime, series, include_low=True)
    ctx = Context(mode="tree", files={"drivers/char/foo.c": FileImages(pre=None, post=post)})
    assert_fires(devm_lifetime, series, at=[("drivers/char/foo.c", 32)], context_for=lambda p: ctx)


def test_fires_on_real_btusb_conversion():
    assert_fires(devm_lifetime, load_case(CASES / "btusb-devm-data-lifetime.patch"),
                 at=[("drivers/bluetooth/btusb.c", 4055)])
    assert_quiet(devm_lifetime, load_case(CASES / "btusb-devm-data-lifetime.fix.patch"), include_low=True)
