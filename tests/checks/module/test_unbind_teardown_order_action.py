"""MOD035: a devm action given memory that remove() frees: devres runs the action after remove()."""

from reviewbot.checks.module import unbind_teardown_order
from tests.helpers import assert_fires, assert_quiet, diff

ACTION = """
    --- a/drivers/misc/foo.c
    +++ b/drivers/misc/foo.c
    @@ -100,7 +100,6 @@ static void foo_remove(struct platform_device *pdev)
     {
     \tstruct foo *priv = platform_get_drvdata(pdev);
     
    -\tfoo_hw_cleanup(priv);
     \tkfree(priv);
     }
     
    @@ -120,5 +119,9 @@ static int foo_probe(struct platform_device *pdev)
     \tpriv = kzalloc(sizeof(*priv), GFP_KERNEL);
     \tif (!priv)
     \t\treturn -ENOMEM;
    +
    +\tret = devm_add_action_or_reset(&pdev->dev, foo_hw_cleanup, priv);
    +\tif (ret)
    +\t\treturn ret;
     
     \tplatform_set_drvdata(pdev, priv);
"""


def test_fires_on_an_action_whose_data_remove_frees():
    assert_fires(unbind_teardown_order, diff(ACTION), at=[("drivers/misc/foo.c", 123)])


def test_quiet_when_the_data_is_devm_memory():
    devm = ACTION.replace("     \tpriv = kzalloc(sizeof(*priv), GFP_KERNEL);",
                          "     \tpriv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);").replace(
        "     \tkfree(priv);\n", "     \tfoo_hw_off(priv);\n")
    assert_quiet(unbind_teardown_order, diff(devm), include_low=True)


def test_quiet_when_remove_keeps_the_data():
    kept = ACTION.replace("     \tkfree(priv);\n", "     \tfoo_hw_off(priv);\n")
    assert_quiet(unbind_teardown_order, diff(kept), include_low=True)
