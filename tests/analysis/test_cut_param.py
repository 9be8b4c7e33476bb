"""git cuts a hunk's section line at 80 characters: the last parameter's name may be cut."""

from reviewbot.analysis import flow


def test_a_cut_parameter_is_completed_from_the_code_shown():
    header = "static int clk_register_clk_parent_data_device_probe(struct platform_device *pde"
    assert flow.cut_param(header, "\tctx->dev = &pdev->dev;\n\tof_node_put(pdev->dev.of_node);") == "pdev"


def test_a_whole_header_has_no_cut_parameter():
    assert flow.cut_param("static int foo_probe(struct platform_device *pdev)", "pdev->dev") is None


def test_a_cut_type_gives_nothing():
    assert flow.cut_param("static int foo_probe(struct platform_dev", "pdev->dev") is None


def test_a_cut_name_the_code_never_uses_gives_nothing():
    assert flow.cut_param("static int foo_probe(struct device *dev, struct foo_priv *pri", "dev->of_node") is None
