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


# New code: a devm allocation in a sysfs store() (runs on every write to the attribute).
SYSFS_STORE = """
    --- a/drivers/hwmon/foo.c
    +++ b/drivers/hwmon/foo.c
    @@ -200,6 +200,9 @@ static ssize_t label_store(struct device *dev, struct device_attribute *attr,
     \tstruct foo_data *data = dev_get_drvdata(dev);
     \tchar *label;
     
    +\tlabel = devm_kstrdup(dev, buf, GFP_KERNEL);
    +\tif (!label)
    +\t\treturn -ENOMEM;
     \tmutex_lock(&data->lock);
     \tdata->label = label;
     \tmutex_unlock(&data->lock);
"""


def test_fires_on_devm_in_a_sysfs_store():
    got = [f for f in __import__("tests.helpers", fromlist=["run_rule"]).run_rule(
        devm_lifetime, diff(SYSFS_STORE)).findings]
    assert any(f.line == 203 and "label_store" in f.message for f in got), [f.message for f in got]


# An async probe's work item does probe-time set-up once: devm there is the binding's.
PROBE_WORK = """
    --- a/drivers/misc/foo.c
    +++ b/drivers/misc/foo.c
    @@ -200,6 +200,9 @@ static void foo_probe_work(struct work_struct *work)
     \tstruct foo *foo = container_of(work, struct foo, probe_work);
     \tint ret;
     
    +\tret = devm_request_irq(foo->dev, foo->irq, foo_irq, 0, "foo", foo);
    +\tif (ret)
    +\t\treturn;
     \tfoo_start(foo);
     }
     
"""


def test_quiet_in_an_async_probe_work():
    assert_quiet(devm_lifetime, diff(PROBE_WORK), include_low=True)
