from reviewbot.checks.module import devm_lifetime
from reviewbot.context import Context, FileImages
from tests.helpers import DATA, assert_fires, assert_quiet, diff, load_case, tree_case

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


def test_fires_on_real_drm_encoder_and_of_property_handoffs():
    # kernel-doc of drm_encoder_init(): "should not be allocated with devm_kzalloc()"
    assert_fires(devm_lifetime, load_case(CASES / "m1-ingenic-drm-devm-encoder.patch"),
                 at=[("drivers/gpu/drm/ingenic/ingenic-drm-drv.c", 1027)])
    assert_quiet(devm_lifetime, load_case(CASES / "m1-ingenic-drm-devm-encoder.fix.patch"), include_low=True)
    # of_remove_property() never frees a property: devm memory in the tree is used after unbind
    assert_fires(devm_lifetime, load_case(CASES / "m3-dwc3-qcom-devm-of-property.patch"),
                 at=[("drivers/usb/dwc3/dwc3-qcom.c", 661)])
    assert_quiet(devm_lifetime, load_case(CASES / "m3-dwc3-qcom-devm-of-property.fix.patch"), include_low=True)


def test_fires_on_real_callback_allocation_whose_free_callback_is_emptied():
    assert_fires(devm_lifetime, load_case(CASES / "m1-rockchip-dt-node-to-map-devm.patch"),
                 at=[("drivers/pinctrl/pinctrl-rockchip.c", 511)])
    assert_quiet(devm_lifetime, load_case(CASES / "m1-rockchip-dt-node-to-map-devm.fix.patch"), include_low=True)


# A paraphrase: other names, a connector embedded in the devm memory, the call split over lines.
EMBEDDED_CONNECTOR = diff("""
    --- a/drivers/gpu/drm/bridge/acme.c
    +++ b/drivers/gpu/drm/bridge/acme.c
    @@ -40,4 +40,8 @@ static int acme_bind(struct device *dev, struct device *master, void *data)
    -\tctx = drmm_kzalloc(drm, sizeof(*ctx), GFP_KERNEL);
    +\tctx = devm_kzalloc(dev, sizeof(*ctx), GFP_KERNEL);
     \tif (!ctx)
     \t\treturn -ENOMEM;
    -\tret = drm_connector_init(drm, &ctx->connector, &acme_funcs, DRM_MODE_CONNECTOR_DSI);
    +\tret = drm_connector_init(drm,
    +\t\t\t\t &ctx->connector,
    +\t\t\t\t &acme_funcs,
    +\t\t\t\t DRM_MODE_CONNECTOR_DSI);
    +\tctx->dev = dev;
""")

# devm memory that only stays with the binding: a regmap config, a name for a bound-only IRQ.
BOUND_ONLY = diff("""
    --- a/drivers/gpu/drm/bridge/acme.c
    +++ b/drivers/gpu/drm/bridge/acme.c
    @@ -40,3 +40,6 @@ static int acme_probe(struct platform_device *pdev)
    +\tname = devm_kasprintf(&pdev->dev, GFP_KERNEL, "acme-%d", id);
    +\tctx = devm_kzalloc(&pdev->dev, sizeof(*ctx), GFP_KERNEL);
    +\tret = drm_connector_init(drm, &other->connector, &acme_funcs, DRM_MODE_CONNECTOR_DSI);
     \tif (!ctx)
     \t\treturn -ENOMEM;
     \tplatform_set_drvdata(pdev, ctx);
""")


def test_fires_on_paraphrased_embedded_drm_object():
    assert_fires(devm_lifetime, EMBEDDED_CONNECTOR, at=[("drivers/gpu/drm/bridge/acme.c", 40)])


def test_quiet_when_the_handed_object_is_not_the_devm_memory():
    assert_quiet(devm_lifetime, BOUND_ONLY, include_low=True)


def test_tree_mode_does_not_report_a_handoff_the_pre_image_had():
    pre = ("static int foo_probe(struct platform_device *pdev)\n{\n"
           "\tfoo = devm_kzalloc(&pdev->dev, sizeof(*foo), GFP_KERNEL);\n"
           "\tmisc_register(&foo->misc);\n\treturn 0;\n}\n")
    post = pre.replace("sizeof(*foo), GFP_KERNEL", "sizeof(*foo),\n\t\t\t   GFP_KERNEL")
    series, context_for = tree_case("drivers/char/foo.c", pre, post)
    assert_quiet(devm_lifetime, series, include_low=True, context_for=context_for)
    series, context_for = tree_case("drivers/char/foo.c", pre.replace("devm_kzalloc(&pdev->dev, ", "kzalloc("), post)
    assert_fires(devm_lifetime, series, at=[("drivers/char/foo.c", 3)], context_for=context_for)


PER_OPEN = diff("""
    --- a/drivers/misc/acme.c
    +++ b/drivers/misc/acme.c
    @@ -20,3 +20,6 @@ static struct acme_dev *acme_from_inode(struct inode *inode)
     static int acme_open(struct inode *inode,
     \t\t     struct file *file)
     {
    +\tstruct acme_ctx *ctx = devm_kzalloc(adev->dev, sizeof(*ctx), GFP_KERNEL);
    +\tif (!ctx)
    +\t\treturn -ENOMEM;
""")

FIRST_OPEN_ONLY = diff("""
    --- a/sound/soc/acme/debug.c
    +++ b/sound/soc/acme/debug.c
    @@ -20,3 +20,6 @@ static struct acme_dev *acme_from_inode(struct inode *inode)
     static int acme_dbg_open(struct inode *inode, struct file *file)
     {
     \tif (!dfse->buf) {
    +\t\tdfse->buf = devm_kmalloc(sdev->dev, PAGE_SIZE, GFP_KERNEL);
    +\t\tif (!dfse->buf)
    +\t\t\treturn -ENOMEM;
""")


def test_fires_on_devm_memory_allocated_per_open():
    assert_fires(devm_lifetime, PER_OPEN, at=[("drivers/misc/acme.c", 23)])


def test_allocation_only_on_first_open_is_low_confidence():
    # sound/soc/sof/debug.c memory_info_open() (6.12) allocates its buffer once
    assert_quiet(devm_lifetime, FIRST_OPEN_ONLY)
    assert_fires(devm_lifetime, FIRST_OPEN_ONLY, at=[("sound/soc/acme/debug.c", 23)], include_low=True)


# The shape of "firmware: raspberrypi: Keep count of all consumers" turned around: a kref'd
# object is converted to devm and its release stops freeing it.
KREF_RELEASE_DROPPED = diff("""
    --- a/drivers/firmware/acme.c
    +++ b/drivers/firmware/acme.c
    @@ -40,9 +40,8 @@ static void acme_fw_release(struct kref *kref)
     {
     \tstruct acme_fw *fw = container_of(kref, struct acme_fw, consumers);
     
     \tmbox_free_channel(fw->chan);
    -\tkfree(fw);
     }
     
     static void acme_fw_put(struct acme_fw *fw)
     {
    @@ -80,3 +79,3 @@ static int acme_fw_probe(struct platform_device *pdev)
    -\tfw = kzalloc(sizeof(*fw), GFP_KERNEL);
    +\tfw = devm_kzalloc(&pdev->dev, sizeof(*fw), GFP_KERNEL);
     \tif (!fw)
     \t\treturn -ENOMEM;
""")


def test_fires_when_a_release_callback_stops_freeing_a_converted_object():
    assert_fires(devm_lifetime, KREF_RELEASE_DROPPED, at=[("drivers/firmware/acme.c", 79)])


def test_quiet_when_only_the_remove_path_kfree_goes():
    series = diff("""
        --- a/drivers/firmware/acme.c
        +++ b/drivers/firmware/acme.c
        @@ -40,5 +40,4 @@ static void acme_fw_remove(struct platform_device *pdev)
         {
         \tstruct acme_fw *fw = platform_get_drvdata(pdev);
         \tmbox_free_channel(fw->chan);
        -\tkfree(fw);
         }
        @@ -80,3 +79,3 @@ static int acme_fw_probe(struct platform_device *pdev)
        -\tfw = kzalloc(sizeof(*fw), GFP_KERNEL);
        +\tfw = devm_kzalloc(&pdev->dev, sizeof(*fw), GFP_KERNEL);
         \tif (!fw)
         \t\treturn -ENOMEM;
    """)
    assert_quiet(devm_lifetime, series, include_low=True)


# drivers/pwm/core.c (6.12, pwm_export_release()/pwm_export_child()) turned into a devm
# conversion: the object embeds a struct device whose release freed it.  The release callback
# takes the struct device and climbs to its container with a helper of its own.
PWM_EXPORT_CONVERTED = diff("""
    --- a/drivers/pwm/core.c
    +++ b/drivers/pwm/core.c
    @@ -714,7 +714,6 @@ static void pwm_export_release(struct device *pwm_dev)
     {
     \tstruct pwm_export *export = pwmexport_from_dev(pwm_dev);
     
    -\tkfree(export);
     }
     
     static int pwm_export_child(struct device *pwmchip_dev, struct pwm_device *pwm)
    @@ -726,7 +725,7 @@ static int pwm_export_child(struct device *pwmchip_dev, struct pwm_device *pwm)
     \tif (test_and_set_bit(PWMF_EXPORTED, &pwm->flags))
     \t\treturn -EBUSY;
     
    -\texport = kzalloc(sizeof(*export), GFP_KERNEL);
    +\texport = devm_kzalloc(pwmchip_dev, sizeof(*export), GFP_KERNEL);
     \tif (!export) {
     \t\tclear_bit(PWMF_EXPORTED, &pwm->flags);
     \t\treturn -ENOMEM;
""")


def test_fires_when_a_device_release_callback_stops_freeing_a_converted_object():
    assert_fires(devm_lifetime, PWM_EXPORT_CONVERTED, at=[("drivers/pwm/core.c", 728)])


# drivers/fsi/fsi-sbefifo.c paraphrased: the struct embeds a struct device and a cdev (its
# definition is in the patched file), the probe converts it to devm and drops the error-path
# kfree.  Only the tree (or a hunk showing the struct) tells what the memory embeds.
SBEFIFO_POST = ("struct sbefifo {\n\tuint32_t magic;\n\tstruct device dev;\n\tstruct cdev cdev;\n};\n"
                + "\n" * 24
                + "static int sbefifo_probe(struct device *dev)\n{\n\tstruct sbefifo *sbefifo;\n\n"
                  "\tsbefifo = devm_kzalloc(dev, sizeof(*sbefifo), GFP_KERNEL);\n")
SBEFIFO = diff("""
    --- a/drivers/fsi/fsi-sbefifo.c
    +++ b/drivers/fsi/fsi-sbefifo.c
    @@ -31,7 +31,7 @@ static int sbefifo_probe(struct device *dev)
     {
     \tstruct sbefifo *sbefifo;
     
    -\tsbefifo = kzalloc(sizeof(*sbefifo), GFP_KERNEL);
    +\tsbefifo = devm_kzalloc(dev, sizeof(*sbefifo), GFP_KERNEL);
     \tif (!sbefifo)
     \t\treturn -ENOMEM;
     
""")


def test_tree_mode_fires_on_converted_memory_that_embeds_a_refcounted_object():
    assert SBEFIFO_POST.splitlines()[33].startswith("\tsbefifo = devm_kzalloc")
    assert_quiet(devm_lifetime, SBEFIFO, include_low=True)
    pre = SBEFIFO_POST.replace("devm_kzalloc(dev, ", "kzalloc(")
    ctx = Context(mode="tree", files={"drivers/fsi/fsi-sbefifo.c": FileImages(pre=pre, post=SBEFIFO_POST)})
    assert_fires(devm_lifetime, SBEFIFO, at=[("drivers/fsi/fsi-sbefifo.c", 34)], context_for=lambda _p: ctx)


def test_tree_mode_quiet_when_the_struct_embeds_only_pointers():
    post = SBEFIFO_POST.replace("struct device dev;", "struct device *dev;").replace("struct cdev cdev;", "int n;")
    pre = post.replace("devm_kzalloc(dev, ", "kzalloc(")
    ctx = Context(mode="tree", files={"drivers/fsi/fsi-sbefifo.c": FileImages(pre=pre, post=post)})
    assert_quiet(devm_lifetime, SBEFIFO, include_low=True, context_for=lambda _p: ctx)


# drivers/mtd/nand/raw/omap_elm.c (6.12): probe puts the devm-allocated elm_info on the
# file-scope list elm_devices; a remove() that takes it off again, then a patch dropping that.
ELM_UNLINK_REMOVED = diff("""
    --- a/drivers/mtd/nand/raw/omap_elm.c
    +++ b/drivers/mtd/nand/raw/omap_elm.c
    @@ -425,7 +425,6 @@ static void elm_remove(struct platform_device *pdev)
     {
     \tstruct elm_info *info = platform_get_drvdata(pdev);
     
    -\tlist_del(&info->list);
     \tpm_runtime_put_sync(&pdev->dev);
     \tpm_runtime_disable(&pdev->dev);
     }
""")


def test_fires_when_remove_stops_taking_the_object_off_a_list():
    assert_fires(devm_lifetime, ELM_UNLINK_REMOVED, at=[("drivers/mtd/nand/raw/omap_elm.c", 428, "old")])


def test_quiet_when_the_unlink_moves_to_a_devm_action_or_is_added():
    moved = diff("""
        --- a/drivers/mtd/nand/raw/omap_elm.c
        +++ b/drivers/mtd/nand/raw/omap_elm.c
        @@ -400,2 +400,7 @@ static int elm_probe(struct platform_device *pdev)
         \tlist_add(&info->list, &elm_devices);
        +\treturn devm_add_action_or_reset(&pdev->dev, elm_unlist, info);
        +}
        +static void elm_unlist(void *data)
        +{
        +\tlist_del(&((struct elm_info *)data)->list);
         }
        @@ -425,7 +430,6 @@ static void elm_remove(struct platform_device *pdev)
         {
         \tstruct elm_info *info = platform_get_drvdata(pdev);
         
        -\tlist_del(&info->list);
         \tpm_runtime_put_sync(&pdev->dev);
         \tpm_runtime_disable(&pdev->dev);
         }
    """)
    assert_quiet(devm_lifetime, moved, include_low=True)
    fix = diff("""
        --- a/drivers/mtd/nand/raw/omap_elm.c
        +++ b/drivers/mtd/nand/raw/omap_elm.c
        @@ -425,6 +425,7 @@ static void elm_remove(struct platform_device *pdev)
         {
         \tstruct elm_info *info = platform_get_drvdata(pdev);
         
        +\tlist_del(&info->list);
         \tpm_runtime_put_sync(&pdev->dev);
         \tpm_runtime_disable(&pdev->dev);
         }
    """)
    assert_quiet(devm_lifetime, fix, include_low=True)


ELM_POST = ("static LIST_HEAD(elm_devices);\n" + "\n" * 9
            + "static int elm_probe(struct platform_device *pdev)\n{\n\tstruct elm_info *info;\n\n"
              "\tinfo = devm_kzalloc(&pdev->dev, sizeof(*info), GFP_KERNEL);\n\tif (!info)\n\t\treturn -ENOMEM;\n"
              "\tlist_add(&info->list, &elm_devices);\n\treturn 0;\n}\n")
ELM_NEW = diff("""
    --- a/drivers/mtd/nand/raw/omap_elm.c
    +++ b/drivers/mtd/nand/raw/omap_elm.c
    @@ -12,3 +12,9 @@ static int elm_probe(struct platform_device *pdev)
     {
     \tstruct elm_info *info;
     
    +\tinfo = devm_kzalloc(&pdev->dev, sizeof(*info), GFP_KERNEL);
    +\tif (!info)
    +\t\treturn -ENOMEM;
    +\tlist_add(&info->list, &elm_devices);
    +\treturn 0;
    +}
""")


def test_tree_mode_fires_on_devm_memory_left_on_a_file_scope_list():
    assert ELM_POST.splitlines()[14].startswith("\tinfo = devm_kzalloc")
    assert_quiet(devm_lifetime, ELM_NEW)  # the hunk cannot tell whether remove() unlinks it: low
    ctx = Context(mode="tree", files={"drivers/mtd/nand/raw/omap_elm.c": FileImages(pre="", post=ELM_POST)})
    assert_fires(devm_lifetime, ELM_NEW, at=[("drivers/mtd/nand/raw/omap_elm.c", 15)], context_for=lambda _p: ctx)
    unlinked = ELM_POST + "static void elm_remove(struct platform_device *pdev)\n{\n\tlist_del(&info->list);\n}\n"
    ctx = Context(mode="tree", files={"drivers/mtd/nand/raw/omap_elm.c": FileImages(pre="", post=unlinked)})
    assert_quiet(devm_lifetime, ELM_NEW, include_low=True, context_for=lambda _p: ctx)


# drivers/input/touchscreen/sur40.c (6.12, sur40_probe()/sur40_disconnect()) converted to devm:
# the hunk does not show struct sur40, but disconnect() unregisters the v4l2_device embedded
# in it, so its memory carries a refcounted object.
SUR40_CONVERTED = diff("""
    --- a/drivers/input/touchscreen/sur40.c
    +++ b/drivers/input/touchscreen/sur40.c
    @@ -672,7 +672,7 @@ static int sur40_probe(struct usb_interface *interface,
     \t\treturn -ENODEV;
     
     \t/* Allocate memory for our device state and initialize it. */
    -\tsur40 = kzalloc(sizeof(*sur40), GFP_KERNEL);
    +\tsur40 = devm_kzalloc(&interface->dev, sizeof(*sur40), GFP_KERNEL);
     \tif (!sur40)
     \t\treturn -ENOMEM;
     
    @@ -832,7 +832,6 @@ static void sur40_disconnect(struct usb_interface *interface)
     \tv4l2_device_unregister(&sur40->v4l2);
     
     \tkfree(sur40->bulk_in_buffer);
    -\tkfree(sur40);
     
     \tusb_set_intfdata(interface, NULL);
     \tdev_dbg(&interface->dev, "%s is now disconnected\\n", DRIVER_DESC);
""")


def test_fires_on_conversion_of_memory_whose_embedded_object_is_torn_down():
    assert_fires(devm_lifetime, SUR40_CONVERTED, at=[("drivers/input/touchscreen/sur40.c", 675)])
    plain = SUR40_CONVERTED.patches[0].diff.replace("v4l2_device_unregister(&sur40->v4l2);", "usb_kill_urb(sur40->urb);")
    assert_quiet(devm_lifetime, diff(plain), include_low=True)


def test_file_private_data_through_any_struct_file_parameter():
    """The struct file parameter may have any name: `struct file *fl` of an open callback."""
    post = ("static int foo_open(struct inode *ino, struct file *fl)\n{\n"
            "\tfl->private_data = foo;\n\treturn 0;\n}\n") + "\n" * 24 + (
        "static int foo_probe(struct platform_device *pdev)\n{\n"
        "\tfoo = devm_kzalloc(&pdev->dev, sizeof(*foo), GFP_KERNEL);\n")
    series = diff("""
        --- a/drivers/char/foo.c
        +++ b/drivers/char/foo.c
        @@ -32,1 +32,1 @@ static int foo_probe(struct platform_device *pdev)
        -\tfoo = kzalloc(sizeof(*foo), GFP_KERNEL);
        +\tfoo = devm_kzalloc(&pdev->dev, sizeof(*foo), GFP_KERNEL);
    """)
    ctx = Context(mode="tree", files={"drivers/char/foo.c": FileImages(pre=None, post=post)})
    assert_fires(devm_lifetime, series, at=[("drivers/char/foo.c", 32)], context_for=lambda _p: ctx)
    other = post.replace("struct file *fl", "struct foo_ctx *fl")
    ctx = Context(mode="tree", files={"drivers/char/foo.c": FileImages(pre=None, post=other)})
    assert_quiet(devm_lifetime, series, include_low=True, context_for=lambda _p: ctx)


# drivers/pwm/pwm-sl28cpld.c (6.12, lines 215-218) before the pwmchip_alloc() conversion: the
# pwm_chip (which has a struct device of its own) embedded in devm memory.
PWMCHIP_TO_DEVM = diff("""
    --- a/drivers/pwm/pwm-sl28cpld.c
    +++ b/drivers/pwm/pwm-sl28cpld.c
    @@ -212,10 +212,10 @@ static int sl28cpld_pwm_probe(struct platform_device *pdev)
     \t\treturn -ENODEV;
     \t}
     
    -\tchip = devm_pwmchip_alloc(&pdev->dev, 1, sizeof(*priv));
    -\tif (IS_ERR(chip))
    -\t\treturn PTR_ERR(chip);
    -\tpriv = sl28cpld_pwm_from_chip(chip);
    +\tpriv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
    +\tif (!priv)
    +\t\treturn -ENOMEM;
    +\tchip = &priv->chip;
     
     \tpriv->regmap = dev_get_regmap(pdev->dev.parent, NULL);
     \tif (!priv->regmap) {
""")


def test_fires_when_devm_memory_replaces_an_object_allocator():
    assert_fires(devm_lifetime, PWMCHIP_TO_DEVM, at=[("drivers/pwm/pwm-sl28cpld.c", 215)])


def test_quiet_on_the_object_allocator_conversion():
    fix = diff("""
        --- a/drivers/pwm/pwm-sl28cpld.c
        +++ b/drivers/pwm/pwm-sl28cpld.c
        @@ -212,10 +212,10 @@ static int sl28cpld_pwm_probe(struct platform_device *pdev)
         \t\treturn -ENODEV;
         \t}
         
        -\tpriv = devm_kzalloc(&pdev->dev, sizeof(*priv), GFP_KERNEL);
        -\tif (!priv)
        -\t\treturn -ENOMEM;
        -\tchip = &priv->chip;
        +\tchip = devm_pwmchip_alloc(&pdev->dev, 1, sizeof(*priv));
        +\tif (IS_ERR(chip))
        +\t\treturn PTR_ERR(chip);
        +\tpriv = sl28cpld_pwm_from_chip(chip);
         
         \tpriv->regmap = dev_get_regmap(pdev->dev.parent, NULL);
         \tif (!priv->regmap) {
    """)
    assert_quiet(devm_lifetime, fix, include_low=True)


# drivers/input/joystick/adc-joystick.c (6.12 probe, shortened): the driver data of an input
# device may be devm memory; input_unregister_device() disconnects the handlers and marks the
# device going away before it returns, so no driver callback runs after unbind.  Handed to a
# misc device instead, the same memory is reached by files still open after unbind.
_INPUT_DRVDATA = """
    --- /dev/null
    +++ b/drivers/input/joystick/foo-joystick.c
    @@ -0,0 +1,16 @@
    +static int foo_joystick_probe(struct platform_device *pdev)
    +{
    +\tstruct device *dev = &pdev->dev;
    +\tstruct foo_joystick *joy;
    +\tstruct input_dev *input;
    +
    +\tjoy = devm_kzalloc(dev, sizeof(*joy), GFP_KERNEL);
    +\tif (!joy)
    +\t\treturn -ENOMEM;
    +\tinput = devm_input_allocate_device(dev);
    +\tif (!input)
    +\t\treturn -ENOMEM;
    +\tjoy->input = input;
    +\t{handoff}
    +\treturn input_register_device(input);
    +}
"""


def test_quiet_on_devm_driver_data_of_an_input_device():
    quiet = diff(_INPUT_DRVDATA.replace("{handoff}", "input_set_drvdata(input, joy);"))
    assert_quiet(devm_lifetime, quiet, include_low=True)
    misc = diff(_INPUT_DRVDATA.replace("{handoff}", "misc_register(&joy->misc);"))
    assert_fires(devm_lifetime, misc, at=[("drivers/input/joystick/foo-joystick.c", 7)], include_low=True)


# A probe that gives up devres (paraphrased from drivers/input/keyboard/imx_keypad.c-like
# probes): the buffer, the IRQ and the devm action lose their release.
UNDEVM = diff("""
    --- a/drivers/input/misc/foo.c
    +++ b/drivers/input/misc/foo.c
    @@ -100,11 +100,11 @@ static int foo_probe(struct platform_device *pdev)
     \tstruct foo *priv = platform_get_drvdata(pdev);
     \tint ret;
     
    -\tpriv->buf = devm_kzalloc(&pdev->dev, FOO_SIZE, GFP_KERNEL);
    +\tpriv->buf = kzalloc(FOO_SIZE, GFP_KERNEL);
     \tif (!priv->buf)
     \t\treturn -ENOMEM;
     
    -\tret = devm_request_irq(&pdev->dev, priv->irq, foo_isr, 0, "foo", priv);
    +\tret = request_irq(priv->irq, foo_isr, 0, "foo", priv);
     \tif (ret)
     \t\treturn ret;
     
    @@ -130,7 +130,3 @@ static int foo_probe(struct platform_device *pdev)
     \tfoo_hw_init(priv);
     
    -\tret = devm_add_action_or_reset(&pdev->dev, foo_hw_off, priv);
    -\tif (ret)
    -\t\treturn ret;
    -
     \treturn 0;
""")

# The same conversion done right: remove() and the error exit release what devres did.
UNDEVM_RELEASED = diff("""
    --- a/drivers/input/misc/foo.c
    +++ b/drivers/input/misc/foo.c
    @@ -100,13 +100,15 @@ static int foo_probe(struct platform_device *pdev)
     \tstruct foo *priv = platform_get_drvdata(pdev);
     \tint ret;
     
    -\tpriv->buf = devm_kzalloc(&pdev->dev, FOO_SIZE, GFP_KERNEL);
    +\tpriv->buf = kzalloc(FOO_SIZE, GFP_KERNEL);
     \tif (!priv->buf)
     \t\treturn -ENOMEM;
     
    -\tret = devm_request_irq(&pdev->dev, priv->irq, foo_isr, 0, "foo", priv);
    -\tif (ret)
    +\tret = request_irq(priv->irq, foo_isr, 0, "foo", priv);
    +\tif (ret) {
    +\t\tkfree(priv->buf);
     \t\treturn ret;
    +\t}
     
     \tfoo_hw_init(priv);
     
    @@ -130,4 +132,6 @@ static void foo_remove(struct platform_device *pdev)
     \tstruct foo *priv = platform_get_drvdata(pdev);
     
    -\tfoo_hw_off(priv);
    +\tfree_irq(priv->irq, priv);
    +\tkfree(priv->buf);
    +\tfoo_hw_off(priv);
     }
""")

# The devm action's callback goes with it, and its body comes back in remove().
ACTION_INLINED = diff("""
    --- a/drivers/iio/adc/foo.c
    +++ b/drivers/iio/adc/foo.c
    @@ -40,6 +40,0 @@
    -static void foo_disable_clk(void *data)
    -{
    -\tclk_disable_unprepare(data);
    -}
    -
    -
    @@ -100,9 +94,6 @@ static int foo_probe(struct platform_device *pdev)
     \tif (ret)
     \t\treturn ret;
     
    -\tret = devm_add_action_or_reset(&pdev->dev, foo_disable_clk, st->clk);
    -\tif (ret)
    -\t\treturn ret;
     \treturn foo_setup(st);
     }
     
    @@ -120,3 +114,4 @@ static void foo_remove(struct platform_device *pdev)
     {
     \tstruct foo *st = platform_get_drvdata(pdev);
    +\tclk_disable_unprepare(st->clk);
     }
""")


def test_fires_when_devres_is_given_up_without_a_release():
    # memory: low in hunk mode (its kfree() may be out of sight), medium when the file shows none
    assert_fires(devm_lifetime, UNDEVM, at=[("drivers/input/misc/foo.c", 107, "old"),
                                            ("drivers/input/misc/foo.c", 132, "old")])
    assert_fires(devm_lifetime, UNDEVM, at=[("drivers/input/misc/foo.c", 103, "old"),
                                            ("drivers/input/misc/foo.c", 107, "old"),
                                            ("drivers/input/misc/foo.c", 132, "old")], include_low=True)


def test_tree_mode_fires_on_memory_made_plain_that_nothing_frees():
    pre = ("static int foo_probe(struct platform_device *pdev)\n{\n"
           "\tpriv->buf = devm_kzalloc(&pdev->dev, FOO_SIZE, GFP_KERNEL);\n\treturn 0;\n}\n"
           "static void foo_remove(struct platform_device *pdev)\n{\n\tfoo_hw_off(priv);\n}\n")
    post = pre.replace("devm_kzalloc(&pdev->dev, ", "kzalloc(")
    series, ctx = tree_case("drivers/input/misc/foo.c", pre, post)
    assert_fires(devm_lifetime, series, at=[("drivers/input/misc/foo.c", 3, "old")], context_for=ctx)
    freed = post.replace("\tfoo_hw_off(priv);", "\tfoo_hw_off(priv);\n\tkfree(priv->buf);")
    series, ctx = tree_case("drivers/input/misc/foo.c", pre, freed)
    assert_quiet(devm_lifetime, series, include_low=True, context_for=ctx)


def test_quiet_when_the_conversion_adds_the_releases():
    assert_quiet(devm_lifetime, UNDEVM_RELEASED, include_low=True)


def test_quiet_when_a_removed_action_is_inlined():
    assert_quiet(devm_lifetime, ACTION_INLINED, include_low=True)


def test_quiet_on_memory_made_plain_because_it_outlives_the_binding():
    # the of_add_property() fix: the property memory must never be freed
    series = diff("""
        --- a/drivers/usb/dwc3/foo.c
        +++ b/drivers/usb/dwc3/foo.c
        @@ -60,4 +60,4 @@ static int foo_probe(struct platform_device *pdev)
         \tstruct property *prop;
         
        -\tprop = devm_kzalloc(&pdev->dev, sizeof(*prop), GFP_KERNEL);
        +\tprop = kzalloc(sizeof(*prop), GFP_KERNEL);
         \tof_add_property(np, prop);
    """)
    assert_quiet(devm_lifetime, series, include_low=True)


def test_tree_mode_quiet_when_the_file_already_releases_it():
    pre = ("static int foo_probe(struct platform_device *pdev)\n{\n"
           "\tret = devm_request_irq(&pdev->dev, priv->irq, foo_isr, 0, \"foo\", priv);\n\treturn ret;\n}\n"
           "static void foo_remove(struct platform_device *pdev)\n{\n\tfree_irq(priv->irq, priv);\n}\n")
    post = pre.replace("devm_request_irq(&pdev->dev, ", "request_irq(")
    series, ctx = tree_case("drivers/input/misc/foo.c", pre, post)
    assert_quiet(devm_lifetime, series, include_low=True, context_for=ctx)


def test_tree_mode_fires_when_the_release_named_call_frees_nothing():
    # safexcel_pci_probe() (6.12): `safexcel_unregister_algorithms(priv)` in remove() unregisters
    # algorithms; it does not give priv back, so a kzalloc() of priv leaks at every unbind
    pre = ("static void foo_unregister_algorithms(struct foo_priv *priv)\n{\n"
           "\tfor (i = 0; i < ARRAY_SIZE(foo_algs); i++)\n\t\tcrypto_unregister_skcipher(foo_algs[i]);\n}\n"
           "static int foo_pci_probe(struct pci_dev *pdev, const struct pci_device_id *ent)\n{\n"
           "\tpriv = devm_kzalloc(dev, sizeof(*priv), GFP_KERNEL);\n\tif (!priv)\n\t\treturn -ENOMEM;\n"
           "\tpci_set_drvdata(pdev, priv);\n\treturn 0;\n}\n"
           "static void foo_pci_remove(struct pci_dev *pdev)\n{\n"
           "\tstruct foo_priv *priv = pci_get_drvdata(pdev);\n\n\tfoo_unregister_algorithms(priv);\n}\n")
    post = pre.replace("devm_kzalloc(dev, ", "kzalloc(")
    series, ctx = tree_case("drivers/crypto/foo/foo.c", pre, post)
    assert_fires(devm_lifetime, series, at=[("drivers/crypto/foo/foo.c", 8, "old")], context_for=ctx)
    # the same call name, its body freeing the memory: released
    frees = post.replace("crypto_unregister_skcipher(foo_algs[i]);\n}", "crypto_unregister_skcipher(foo_algs[i]);\n"
                                                                        "\tkfree(priv);\n}")
    series, ctx = tree_case("drivers/crypto/foo/foo.c", pre, frees)
    assert_quiet(devm_lifetime, series, include_low=True, context_for=ctx)


def test_tree_mode_quiet_when_the_plain_allocation_is_returned():
    # mei_txe_dev_init(): the device structure is the function's result, its caller frees it
    pre = ("static void foo_input_ready_enable(struct foo_device *dev)\n{\n\tfoo_reg_write(dev, FOO_IER, 1);\n}\n"
           "struct foo_device *foo_txe_dev_init(struct pci_dev *pdev)\n{\n\tstruct foo_device *dev;\n\n"
           "\tdev = devm_kzalloc(&pdev->dev, sizeof(*dev) + sizeof(*hw), GFP_KERNEL);\n\tif (!dev)\n"
           "\t\treturn NULL;\n\tfoo_device_init(dev, &pdev->dev);\n\tfoo_input_ready_enable(dev);\n"
           "\treturn dev;\n}\n")
    post = pre.replace("devm_kzalloc(&pdev->dev, ", "kzalloc(")
    series, ctx = tree_case("drivers/misc/foo/hw-txe.c", pre, post)
    assert_quiet(devm_lifetime, series, include_low=True, context_for=ctx)
    # the same function keeping the memory to itself: nothing frees it
    pre, post = (t.replace("\treturn dev;\n}", "\tfoo_start(dev);\n\treturn 0;\n}").replace(
        "struct foo_device *foo_txe", "int foo_txe") for t in (pre, post))
    series, ctx = tree_case("drivers/misc/foo/hw-txe.c", pre, post)
    assert_fires(devm_lifetime, series, at=[("drivers/misc/foo/hw-txe.c", 9, "old")], context_for=ctx)


# An IRQ requested with devm in ndo_open (net drivers request in open and free in stop).
DEVM_IRQ_IN_OPEN = diff("""
    --- a/drivers/net/ethernet/foo/foo_main.c
    +++ b/drivers/net/ethernet/foo/foo_main.c
    @@ -300,6 +300,6 @@ static int foo_ndo_open(struct net_device *ndev)
     \tstruct foo_priv *priv = netdev_priv(ndev);
     \tint ret;
     
    -\tret = request_irq(priv->irq, foo_isr, 0, ndev->name, ndev);
    +\tret = devm_request_irq(priv->dev, priv->irq, foo_isr, 0, ndev->name, ndev);
     \tif (ret)
     \t\treturn ret;
""")

DEVM_IRQ_IN_PROBE = diff("""
    --- a/drivers/net/ethernet/foo/foo_main.c
    +++ b/drivers/net/ethernet/foo/foo_main.c
    @@ -300,6 +300,6 @@ static int foo_probe(struct platform_device *pdev)
     \tstruct foo_priv *priv = netdev_priv(ndev);
     \tint ret;
     
    -\tret = request_irq(priv->irq, foo_isr, 0, ndev->name, ndev);
    +\tret = devm_request_irq(&pdev->dev, priv->irq, foo_isr, 0, ndev->name, ndev);
     \tif (ret)
     \t\treturn ret;
""")


def test_fires_on_devm_setup_in_a_per_open_callback():
    assert_fires(devm_lifetime, DEVM_IRQ_IN_OPEN, at=[("drivers/net/ethernet/foo/foo_main.c", 303)])


def test_quiet_on_devm_setup_in_probe():
    assert_quiet(devm_lifetime, DEVM_IRQ_IN_PROBE, include_low=True)


# The reverse of "iio: adc: ...: use devm_add_action_or_reset() to disable the clock": the
# clock goes off in remove(), before devres unregisters the iio device that reads it.
ACTION_TO_REMOVE = diff("""
    --- a/drivers/iio/adc/foo.c
    +++ b/drivers/iio/adc/foo.c
    @@ -100,10 +100,6 @@ static int foo_probe(struct platform_device *pdev)
     \tif (ret)
     \t\treturn ret;
     
    -\tret = devm_add_action_or_reset(&pdev->dev, foo_clk_disable, st->clk);
    -\tif (ret)
    -\t\treturn ret;
    -
     \treturn devm_iio_device_register(&pdev->dev, indio_dev);
     }
     
    @@ -120,3 +116,4 @@ static void foo_remove(struct platform_device *pdev)
     {
     \tstruct foo *st = platform_get_drvdata(pdev);
    +\tclk_disable_unprepare(st->clk);
     }
""")


def test_fires_when_a_devm_release_moves_into_remove_under_a_devm_interface():
    assert_fires(devm_lifetime, ACTION_TO_REMOVE, at=[("drivers/iio/adc/foo.c", 103, "old")])


def test_quiet_when_the_interface_is_not_devm():
    series = diff("""
        --- a/drivers/iio/adc/foo.c
        +++ b/drivers/iio/adc/foo.c
        @@ -100,10 +100,6 @@ static int foo_probe(struct platform_device *pdev)
         \\tif (ret)
         \\t\\treturn ret;
         
        -\\tret = devm_add_action_or_reset(&pdev->dev, foo_clk_disable, st->clk);
        -\\tif (ret)
        -\\t\\treturn ret;
        -
         \\treturn iio_device_register(indio_dev);
         }
         
        @@ -120,3 +116,5 @@ static void foo_remove(struct platform_device *pdev)
         {
         \\tstruct foo *st = platform_get_drvdata(pdev);
        +\\tiio_device_unregister(st->indio_dev);
        +\\tclk_disable_unprepare(st->clk);
         }
    """)
    assert_quiet(devm_lifetime, series, include_low=True)


def test_fires_on_a_devm_call_no_table_lists_by_its_undo_name():
    # devm_mfd_add_devices() -> mfd_add_devices(): nothing calls mfd_remove_devices()
    series = diff("""
        --- a/drivers/mfd/foo.c
        +++ b/drivers/mfd/foo.c
        @@ -100,7 +100,7 @@ static int foo_probe(struct i2c_client *client)
         \tif (ret)
         \t\treturn ret;
         
        -\treturn devm_mfd_add_devices(&client->dev, PLATFORM_DEVID_AUTO, foo_cells,
        +\treturn mfd_add_devices(&client->dev, PLATFORM_DEVID_AUTO, foo_cells,
         \t\t\t\t    ARRAY_SIZE(foo_cells), NULL, 0, NULL);
         }
         
    """)
    assert_fires(devm_lifetime, series, at=[("drivers/mfd/foo.c", 103, "old")])
    removed = diff("""
        --- a/drivers/mfd/foo.c
        +++ b/drivers/mfd/foo.c
        @@ -100,7 +100,7 @@ static int foo_probe(struct i2c_client *client)
         \tif (ret)
         \t\treturn ret;
         
        -\treturn devm_mfd_add_devices(&client->dev, PLATFORM_DEVID_AUTO, foo_cells,
        +\treturn mfd_add_devices(&client->dev, PLATFORM_DEVID_AUTO, foo_cells,
         \t\t\t\t    ARRAY_SIZE(foo_cells), NULL, 0, NULL);
         }
         
        @@ -120,3 +120,4 @@ static void foo_remove(struct i2c_client *client)
         {
         \tstruct foo *foo = i2c_get_clientdata(client);
        +\tmfd_remove_devices(&client->dev);
         }
    """)
    assert_quiet(devm_lifetime, removed, include_low=True)


def test_quiet_when_a_devm_action_is_only_moved_to_another_device():
    # drivers/iio/position/iqs624-pos.c: the action's device argument changes, the action stays
    series = diff("""
        --- a/drivers/iio/position/iqs624-pos.c
        +++ b/drivers/iio/position/iqs624-pos.c
        @@ -262,5 +262,5 @@ static int iqs624_pos_probe(struct platform_device *pdev)
         \t}
         
        -\tret = devm_add_action_or_reset(pdev->dev.parent,
        +\tret = devm_add_action_or_reset(&pdev->dev,
         \t\t\t\t       iqs624_pos_notifier_unregister,
         \t\t\t\t       iqs624_pos);
    """)
    assert_quiet(devm_lifetime, series, include_low=True)


# drivers/pci/controller/vmd.c (6.12, vmd_suspend()/vmd_resume()) as a new file: the IRQs
# resume requests with devres, suspend frees by hand: nothing piles up.
PER_RESUME_TEXT = """
    --- /dev/null
    +++ b/drivers/pci/controller/foo.c
    @@ -0,0 +1,22 @@
    +static int foo_suspend(struct device *dev)
    +{
    +\tstruct foo_dev *vmd = dev_get_drvdata(dev);
    +\tint i;
    +
    +\tfor (i = 0; i < vmd->msix_count; i++)
    +\t\tdevm_free_irq(dev, vmd->irqs[i].virq, &vmd->irqs[i]);
    +\treturn 0;
    +}
    +
    +static int foo_resume(struct device *dev)
    +{
    +\tstruct foo_dev *vmd = dev_get_drvdata(dev);
    +\tint err, i;
    +
    +\tfor (i = 0; i < vmd->msix_count; i++) {
    +\t\terr = devm_request_irq(dev, vmd->irqs[i].virq, foo_irq, IRQF_NO_THREAD, vmd->name, &vmd->irqs[i]);
    +\t\tif (err)
    +\t\t\treturn err;
    +\t}
    +\treturn 0;
    +}
"""


def test_devm_set_up_per_resume_undone_by_hand_is_quiet():
    assert_quiet(devm_lifetime, diff(PER_RESUME_TEXT), include_low=True)
    kept = PER_RESUME_TEXT.replace("devm_free_irq(dev,", "foo_mask_irq(dev,")
    assert kept != PER_RESUME_TEXT
    assert_fires(devm_lifetime, diff(kept), at=[("drivers/pci/controller/foo.c", 17)])


# drivers/gpu/drm/logicvc/logicvc_drm.c (6.12): logicvc_clocks_prepare() gets its clocks with
# devres, and only probe calls it: "prepare" names the clocks, not a per-open callback.
PREPARE_FROM_PROBE_TEXT = """
    --- /dev/null
    +++ b/drivers/gpu/drm/foo/foo_drm.c
    @@ -0,0 +1,20 @@
    +static int foo_clocks_prepare(struct foo_drm *logicvc)
    +{
    +\tlogicvc->vclk = devm_clk_get(logicvc->drm_dev.dev, "vclk");
    +\tif (IS_ERR(logicvc->vclk))
    +\t\treturn PTR_ERR(logicvc->vclk);
    +\treturn clk_prepare_enable(logicvc->vclk);
    +}
    +
    +static int foo_drm_probe(struct platform_device *pdev)
    +{
    +\tstruct foo_drm *logicvc = platform_get_drvdata(pdev);
    +\tint ret;
    +
    +\tret = foo_clocks_prepare(logicvc);
    +\tif (ret)
    +\t\treturn ret;
    +\treturn 0;
    +}
    +
    +
"""


def test_devm_set_up_in_a_prepare_helper_probe_calls_is_quiet():
    assert_quiet(devm_lifetime, diff(PREPARE_FROM_PROBE_TEXT), include_low=True)
    opened = PREPARE_FROM_PROBE_TEXT.replace("foo_drm_probe(", "foo_drm_open(")
    assert_fires(devm_lifetime, diff(opened), at=[("drivers/gpu/drm/foo/foo_drm.c", 3)])
