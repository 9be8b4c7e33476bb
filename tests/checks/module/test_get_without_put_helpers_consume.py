"""Who drops the reference when a function of the file is handed the object (session 11's
new-driver seeds, each a false finding at first read):

- `scsi_target_destroy(starget)` whose body puts `dev = &starget->dev`, after
  `dev = &starget->dev; device_initialize(dev);`: the helper drops the member's reference
  (drivers/scsi/scsi_scan.c scsi_alloc_target(); MOD003);
- `g5_pm72_cpufreq_init(cpunode)` ends with `of_node_put(cpunode)`, and its only caller hands it
  the node of_cpu_device_node_get() returned and never puts it: the callee consumes the
  reference, so its put is its own (MOD019) and the caller's exit leaks nothing (MOD003, the
  path matcher's finding; drivers/cpufreq/pmac64-cpufreq.c);
- `struct device *dev = &pdev->dev; ... device_add(dev)` in platform_device_add(): the caller's
  object, put by the caller after a failure (drivers/base/platform.c).
"""

from reviewbot.analysis import cmodel
from reviewbot.checks.module import _ownership, _refpaths, device_ref_imbalance, get_without_put_on_exit
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

TARGET = """
static void scsi_foo_target_destroy(struct scsi_target *starget)
{
\tstruct device *dev = &starget->dev;
\tstruct Scsi_Host *shost = dev_to_shost(dev->parent);
\tunsigned long flags;

\tstarget->state = STARGET_DEL;
\ttransport_destroy_device(dev);
\tspin_lock_irqsave(shost->host_lock, flags);
\tlist_del_init(&starget->siblings);
\tspin_unlock_irqrestore(shost->host_lock, flags);
\tput_device(dev);
}

static void scsi_foo_target_dev_release(struct device *dev)
{
\tstruct device *parent = dev->parent;
\tstruct scsi_target *starget = to_scsi_target(dev);

\tkfree(starget);
\tput_device(parent);
}

static struct scsi_target *scsi_foo_alloc_target(struct device *parent, int channel, uint id)
{
\tstruct Scsi_Host *shost = dev_to_shost(parent);
\tstruct device *dev = NULL;
\tstruct scsi_target *starget;
\tstruct scsi_target *found_target;
\tunsigned long flags;
\tint error, ref_got;

\tstarget = kzalloc(sizeof(*starget), GFP_KERNEL);
\tif (!starget)
\t\treturn NULL;
\tdev = &starget->dev;
\tdevice_initialize(dev);
\tkref_init(&starget->reap_ref);
\tdev->parent = get_device(parent);
\tdev->release = scsi_foo_target_dev_release;
\tstarget->id = id;
 retry:
\tspin_lock_irqsave(shost->host_lock, flags);
\tfound_target = __scsi_foo_find_target(parent, channel, id);
\tif (found_target)
\t\tgoto found;
\tlist_add_tail(&starget->siblings, &shost->__targets);
\tspin_unlock_irqrestore(shost->host_lock, flags);
\tif (shost->hostt->target_alloc) {
\t\terror = shost->hostt->target_alloc(starget);
\t\tif (error) {
\t\t\tscsi_foo_target_destroy(starget);
\t\t\treturn NULL;
\t\t}
\t}
\tget_device(dev);
\treturn starget;

 found:
\tref_got = kref_get_unless_zero(&found_target->reap_ref);
\tspin_unlock_irqrestore(shost->host_lock, flags);
\tif (ref_got) {
\t\tput_device(dev);
\t\treturn found_target;
\t}
\tput_device(&found_target->dev);
\tmsleep(1);
\tgoto retry;
}
"""
SCSI = "drivers/scsi/scsi_foo.c"


def test_quiet_when_the_helper_puts_the_member_of_its_argument():
    assert_quiet(get_without_put_on_exit, new_file(SCSI, TARGET))


def test_fires_when_the_helper_puts_another_member():
    code = TARGET.replace("\tput_device(dev);\n}", "\tput_device(dev->parent);\n}", 1)
    lines = [i for i, ln in enumerate(code.strip("\n").splitlines(), 1) if ln == "\t\t\treturn NULL;"]
    assert_fires(get_without_put_on_exit, new_file(SCSI, code), at=[(SCSI, lines[-1])])


CPUFREQ = """
static int __init g5_foo_cpufreq_init(struct device_node *cpunode)
{
\tconst u32 *valp;
\tint rc = 0;

\tvalp = of_get_property(cpunode, "clock-frequency", NULL);
\tif (!valp) {
\t\trc = -ENODEV;
\t\tgoto bail;
\t}
\tmax_freq = (*valp) / 1000;
\trc = cpufreq_register_driver(&g5_cpufreq_driver);
 bail:
\tof_node_put(cpunode);
\treturn rc;
}

static int __init g5_cpufreq_init(void)
{
\tstruct device_node *cpunode;
\tint rc = 0;

\tcpunode = of_cpu_device_node_get(0);
\tif (cpunode == NULL) {
\t\tpr_err("Can't find any CPU node\\n");
\t\treturn -ENODEV;
\t}

\tif (of_machine_is_compatible("PowerMac7,2"))
\t\trc = g5_foo_cpufreq_init(cpunode);

\treturn rc;
}

module_init(g5_cpufreq_init);
"""
CPUFREQ_PATH = "drivers/cpufreq/foo-cpufreq.c"


def test_quiet_when_the_callers_hand_their_reference_to_the_function():
    assert_quiet(device_ref_imbalance, new_file(CPUFREQ_PATH, CPUFREQ), include_low=True)


def test_fires_when_the_caller_puts_after_the_call():
    code = CPUFREQ.replace("\t\trc = g5_foo_cpufreq_init(cpunode);\n",
                           "\t\trc = g5_foo_cpufreq_init(cpunode);\n\tof_node_put(cpunode);\n")
    assert_fires(device_ref_imbalance, new_file(CPUFREQ_PATH, code),
                 at=[(CPUFREQ_PATH, _at(code, "bail:") + 1)], include_low=True)


def _func(code: str, name: str) -> cmodel.Function:
    return cmodel.parse(code.strip("\n").replace("\\t", "\t")).function_named(name)


def test_the_callers_get_is_handed_to_a_consuming_function():
    caller = _func(CPUFREQ, "g5_cpufreq_init")
    (g,) = [g for g in _refpaths.gets(caller) if g.call.name == "of_cpu_device_node_get"]
    (ret,) = [j for j in caller.jumps() if j.kind == "return" and j.value.strip() == "rc"]
    assert _ownership.handed_on(caller, g, ret)
    other = CPUFREQ.replace("\tof_node_put(cpunode);\n\treturn rc;", "\treturn rc;")
    caller = _func(other, "g5_cpufreq_init")
    (g,) = [g for g in _refpaths.gets(caller) if g.call.name == "of_cpu_device_node_get"]
    (ret,) = [j for j in caller.jumps() if j.kind == "return" and j.value.strip() == "rc"]
    assert not _ownership.handed_on(caller, g, ret)


PLATFORM = """
int platform_foo_device_add(struct platform_device *pdev)
{
\tstruct device *dev = &pdev->dev;
\tint ret;

\tif (!dev->parent)
\t\tdev->parent = &platform_bus;
\tdev->bus = &platform_bus_type;
\tdev_set_name(dev, "%s.%d", pdev->name, pdev->id);

\tret = device_add(dev);
\tif (ret)
\t\tgoto failed;

\treturn 0;

 failed:
\tif (pdev->id_auto)
\t\tida_free(&platform_devid_ida, pdev->id);
\treturn ret;
}
"""


def test_a_local_naming_a_parameters_member_is_the_callers_object():
    func = _func(PLATFORM, "platform_foo_device_add")
    assert _ownership.callers_object(func, "dev")
    own = PLATFORM.replace("\tstruct device *dev = &pdev->dev;", "\tstruct device *dev = &foo_global->dev;")
    assert not _ownership.callers_object(_func(own, "platform_foo_device_add"), "dev")
