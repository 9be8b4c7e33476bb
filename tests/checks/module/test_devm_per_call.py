"""MOD015: memory one call used (freed on the path to its return) made devm: kept until unbind."""

from reviewbot.checks.module import devm_lifetime
from tests.helpers import assert_fires, assert_quiet, diff

# drivers/usb/serial/kl5kusb105.c klsi_105_set_termios() (a tty set_termios callback: every
# termios change), its buffer made devm and the kfree() at its end dropped.
SET_TERMIOS = """
    --- a/drivers/usb/serial/kl5kusb105.c
    +++ b/drivers/usb/serial/kl5kusb105.c
    @@ -378,7 +378,7 @@ static void klsi_105_set_termios(struct tty_struct *tty,
     \tunsigned long flags;
     \tspeed_t baud;
     
    -\tcfg = kmalloc(sizeof(*cfg), GFP_KERNEL);
    +\tcfg = devm_kmalloc(dev, sizeof(*cfg), GFP_KERNEL);
     \tif (!cfg)
     \t\treturn;
     
    @@ -481,6 +481,5 @@ static void klsi_105_set_termios(struct tty_struct *tty,
     \t/* now commit changes to device */
     \tklsi_105_chg_port_settings(port, cfg);
     err:
    -\tkfree(cfg);
     }
     
"""


def test_fires_on_set_termios_buffer_made_devm():
    assert_fires(devm_lifetime, diff(SET_TERMIOS), at=[("drivers/usb/serial/kl5kusb105.c", 381)])


def test_quiet_on_the_fix():
    fix = SET_TERMIOS.replace("    -\tcfg = kmalloc", "    +\tcfg = kmalloc", 1).replace(
        "    +\tcfg = devm_kmalloc", "    -\tcfg = devm_kmalloc", 1).replace("    -\tkfree(cfg);", "    +\tkfree(cfg);")
    fix = fix.replace("@@ -378,7 +378,7 @@", "@@ -378,7 +378,7 @@").replace("@@ -481,6 +481,5 @@", "@@ -481,5 +481,6 @@")
    assert_quiet(devm_lifetime, diff(fix), include_low=True)


# The same conversion in probe: devm memory there lives as long as the binding, as meant.
IN_PROBE = """
    --- a/drivers/usb/serial/foo.c
    +++ b/drivers/usb/serial/foo.c
    @@ -100,7 +100,7 @@ static int foo_probe(struct usb_interface *intf, const struct usb_device_id *id)
     \tstruct foo_cfg *cfg;
     \tint ret;
     
    -\tcfg = kmalloc(sizeof(*cfg), GFP_KERNEL);
    +\tcfg = devm_kmalloc(&intf->dev, sizeof(*cfg), GFP_KERNEL);
     \tif (!cfg)
     \t\treturn -ENOMEM;
     
    @@ -120,5 +120,4 @@ static int foo_probe(struct usb_interface *intf, const struct usb_device_id *id)
     \tret = foo_read_cfg(intf, cfg);
     
    -\tkfree(cfg);
     \treturn ret;
     }
"""


def test_quiet_in_probe():
    assert_quiet(devm_lifetime, diff(IN_PROBE))


# Freed only on an error label the success path returns before: memory kept for later.
ERROR_LABEL_ONLY = """
    --- a/drivers/iommu/foo.c
    +++ b/drivers/iommu/foo.c
    @@ -300,7 +300,7 @@ static struct iommu_domain *foo_domain_alloc_paging(struct device *dev)
     {
     \tstruct foo_domain *dom;
     
    -\tdom = kzalloc(sizeof(*dom), GFP_KERNEL);
    +\tdom = devm_kzalloc(dev, sizeof(*dom), GFP_KERNEL);
     \tif (!dom)
     \t\treturn NULL;
     
    @@ -315,7 +315,6 @@ static struct iommu_domain *foo_domain_alloc_paging(struct device *dev)
     \t\tgoto err;
     \treturn &dom->domain;
     
     err:
    -\tkfree(dom);
     \treturn NULL;
     }
"""


def test_quiet_when_only_an_error_label_freed_it():
    assert_quiet(devm_lifetime, diff(ERROR_LABEL_ONLY))
