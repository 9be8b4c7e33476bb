"""A devm registration is tied to a device other than the one being probed.

## What it does
Flags an added `devm_*()` registration (`devm_led_classdev_register`, `devm_*_register`,
`devm_*_add`, `devm_request_*irq`, `devm_add_action[_or_reset]`, ...) in a probe function whose device argument is not the
probed device: the parent (`pdev->dev.parent`, a pointer assigned from it), a device found by
a lookup (`of_find_device_by_node()`, `bus_find_device()`, ...) or another driver's device
(`chip->dev` of the MFD core).  A conversion of `foo_register(X, ...)` to
`devm_foo_register(X, ...)` that keeps such an `X` is the typical way in.

## Why is this bad?
devres entries are released when the device they are attached to unbinds, "No matter what,
all devres entries are released on driver detach" (devres.rst).  Attached to the parent, the
registration outlives the unbind of the child driver whose memory (`led`, `data`) and callbacks
it uses: use-after-free after `unbind` or `rmmod` of the child.  From the lm3533 fix: "you
cannot blindly do devres conversions so that deregistration ends up being tied to the parent
device, something which leads to use-after-free on driver unbind".

## Example
```c
static int foo_led_probe(struct platform_device *pdev)
{
	led->master = pdev->dev.parent;
	ret = devm_led_classdev_register(led->master, &led->cdev);
```

## Use instead
```c
static int foo_led_probe(struct platform_device *pdev)
{
	ret = devm_led_classdev_register(&pdev->dev, &led->cdev);
```
The class device's parent and the devres owner are the same argument here; pass the probed
device, or keep the non-devm call and unregister in `remove()`.

## Known problems
The device of an object the probe registered with devres on the probed device
(`chip->mcdev.led_cdev.dev` after `devm_led_classdev_multicolor_register(&client->dev,
&chip->mcdev)`) is not reported: a device without a driver releases its devres in
`device_del()`, which runs at the probed device's unbind.
In hunk mode a pointer such as `priv->dev` may well be the probed device: it is reported only
when the patch converts a non-devm call with the same argument (medium) or the hunk shows the
pointer being set from a parent (high); otherwise at low confidence.

## Confidence
High when the argument is visibly the parent; medium for a device the hunk shows coming from
a lookup, and for a devm conversion on another
driver's device pointer; low otherwise.

## References
- `Documentation/driver-api/driver-model/devres.rst`
- d584221e683b "leds: lm3533: fix use-after-free on unbind"
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel
from reviewbot.analysis.clex import statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule
from reviewbot.checks._hunks import kind_text

RULE = Rule.from_doc(__doc__, id="MOD016", slug="devm-wrong-device", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("devm-lifetime",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("devm_",)
# In tree mode the whole files decide (what the module cancels, pins or builds in): the
# hunk-only verdict does not stand beside the tree's (reviewbot.engine).
TREE_VERDICT = True

_DEVM_REG = lazyre.compile(r"\b(devm_\w*(?:register|_add|_create|request_\w*irq|_attach|add_action)\w*)\s*\(")
# probe(struct platform_device *pdev) and friends: the bus object whose `dev` is being probed
_PROBE_PARAM = lazyre.compile(r"\b(?:platform_device|i2c_client|spi_device|usb_interface|pci_dev|"
                          r"auxiliary_device|serdev_device|mdio_device|sdio_func|amba_device|"
                          r"hid_device|virtio_device|pnp_dev|acpi_device|device)\s*\*\s*(\w+)")


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        added = kind_text(fd, "+")
        if not _DEVM_REG.search(added):
            continue
        for h in fd.hunks:
            header = _probe_header(h)
            params = _PROBE_PARAM.findall(header)
            if not params:
                continue
            post = ctx.post(fd.path)
            new_lines = [ln for ln in h.lines if ln.kind != "-"]
            whole = post if post is not None else "\n".join(ln.text for ln in new_lines)
            removed = [st.text for st in statements(h.old_side()) if all(ln.removed for ln in st.lines)]
            pre = ctx.pre(fd.path)
            pre_calls = _calls(pre) if pre is not None else set()
            for st in statements(h.new_side()):
                if not st.any_added:
                    continue
                for m in _DEVM_REG.finditer(st.text):
                    args = cmodel.split_args(clex.balanced(st.text, m.end()))
                    if not args:
                        continue
                    dev = args[0]
                    if (m.group(1), re.sub(r"\s+", "", dev)) in pre_calls:
                        continue  # tree mode: the pre-image already made this call on this device
                    if any(re.sub(r"\s+", "", st.text) == re.sub(r"\s+", "", r) for r in removed):
                        continue  # moved or re-indented
                    at = st.first.new_no or 0
                    if post is not None:  # tree mode: the file up to this call
                        scope = "\n".join(post.splitlines()[:at])
                    else:
                        scope = "\n".join(ln.text for ln in new_lines if (ln.new_no or 0) < at)
                    verdict = _judge(dev, params, scope, whole)
                    if verdict is None:
                        continue
                    plain = m.group(1)[len("devm_"):]
                    converted = any(re.search(r"\b%s\s*\(\s*%s\s*," % (re.escape(plain), re.escape(dev)), r)
                                    for r in removed)
                    if verdict == "parent":
                        conf = Confidence.HIGH
                    elif verdict == "lookup":
                        conf = None
                    elif converted:
                        conf = None
                    else:
                        conf = Confidence.LOW
                    yield RULE.finding(fd.path, st.line_of(re.escape(m.group(1))),
                                       f"{m.group(1)}() on {dev[:24]}: released when that device "
                                       f"unbinds, not this one", confidence=conf)


# Lookups that return another device (with a reference): never the device being probed.
_LOOKUP = lazyre.compile(r"(?:of_find_device_by_node|of_find_i2c_device_by_node|of_find_spi_device_by_node|"
                     r"bus_find_device\w*|class_find_device\w*|driver_find_device\w*|device_find_child\w*|"
                     r"\w+_find_device_by_\w+|get_device)\s*\(")


def _probe_header(h) -> str:
    """The probe/bind function the hunk is in: its section header, or a header it shows."""
    if re.search(r"probe|bind|init", h.section or ""):
        return h.section
    for ln in h.lines:
        if ln.kind != "-" and re.match(r"^(static\s+)?int\s+\w*(probe|bind|init)\w*\s*\(", ln.text):
            return ln.text
    return ""


def _calls(text: str) -> set[tuple[str, str]]:
    """(devm function, device argument) of every devm registration in a file image."""
    out = set()
    for m in _DEVM_REG.finditer(text):
        args = cmodel.split_args(clex.balanced(text, m.end()))
        if args:
            out.add((m.group(1), re.sub(r"\s+", "", args[0])))
    return out


def _probed(expr: str, params: list[str]) -> bool:
    """Is `expr` (whitespace-free) a spelling of the probed device: `&pdev->dev`, `pdev`, `dev`?"""
    return expr == "dev" or any(expr in (f"&{p}->dev", p, f"{p}->dev", f"&{p}->device") for p in params)


def _set_to_probed(lhs: str, params: list[str], text: str) -> bool:
    """Does `text` assign the probed device (or a local alias of it) to `lhs`?"""
    for rhs in re.findall(r"(?<![\w>.])%s\s*=\s*([^;=][^;]*);" % re.escape(lhs), text):
        if _probed(re.sub(r"\s+", "", rhs), params):
            return True
    return False


def _child_of_devm_register(obj: str, params: list[str], scope: str) -> bool:
    """`chip->mcdev.led_cdev.dev` after `devm_led_classdev_multicolor_register(&client->dev,
    &chip->mcdev)`: the device of an object this probe registered with devres on the probed
    device.  A device without a driver releases its devres in device_del() (drivers/base/
    core.c), which that registration's undo runs at the probed device's unbind: what is tied
    to it goes no later than the probed device's own devres."""
    for m in re.finditer(r"\bdevm_\w*register\w*\s*\(", scope):
        args = [re.sub(r"\s+", "", a) for a in cmodel.split_args(clex.balanced(scope, m.end()))]
        if len(args) < 2 or not _probed(args[0], params):
            continue
        for a in args[1:]:
            a = a.lstrip("&")
            if a and (obj == a or obj.startswith((a + ".", a + "->"))):
                return True
    return False


def _parent_is_probed(d: str, params: list[str], text: str) -> bool:
    """`indio_dev->dev.parent` after `indio_dev = devm_iio_device_alloc(&client->dev, ...)`
    (ad7746.c): a class device's allocator takes its parent first and sets `dev.parent` to it
    (iio_device_alloc(), input_allocate_device() through devm, __spi_alloc_controller(),
    iio_trigger_alloc()), so the parent of what it made from the probed device is the probed
    device."""
    m = re.fullmatch(r"(\w+)(?:->|\.)dev(?:->|\.)parent", d)
    if m is None:
        return False
    for rhs in re.findall(r"(?<![\w>.])%s\s*=\s*(\w*alloc\w*)\s*\(([^;]*)\)\s*;" % re.escape(m.group(1)), text):
        first = cmodel.split_args(rhs[1])[:1] if rhs[1] else []
        if first and (_probed(re.sub(r"\s+", "", first[0]), params) or _set_to_probed(
                re.sub(r"\s+", "", first[0]), params, text)):
            return True
    return False


def _judge(dev: str, params: list[str], scope: str, whole: str = "") -> str | None:
    """'parent', 'other', or None when `dev` is (or may be) the probed device."""
    d = re.sub(r"\s+", "", dev)
    for p in params:
        if d in (f"&{p}->dev", p, f"{p}->dev", f"&{p}->device"):
            return None
    seen = scope + "\n" + whole
    # `indio_dev->dev.parent` set to the probed device, `&st->client->dev` with `st->client = client`
    if _set_to_probed(d, params, seen):
        return None
    inner = re.fullmatch(r"&?\(?(.+?)\)?(?:->|\.)dev", d)
    if inner and (inner.group(1) in params or _set_to_probed(inner.group(1), params, seen)):
        return None
    if _parent_is_probed(d, params, seen):
        return None
    if re.search(r"(?:^&?|->|\.)\(?\w*dev(?:ice)?\)?(->|\.)parent\b", d):
        return "parent"  # a device's parent (`dev->parent`, `pdev->dev.parent`); `chip->parent`
        # is a framework object's owning device, set to the probed one (gpio-adnp.c)
    if inner and _child_of_devm_register(inner.group(1), params, scope):
        return None
    # another device found by a lookup (`of_find_device_by_node()`, `bus_find_device()`, ...)
    base = inner.group(1) if inner else d
    for rhs in re.findall(r"(?<![\w>.])%s\s*=\s*([^;=][^;]*);" % re.escape(base), scope)[-1:]:
        if _LOOKUP.match(rhs.strip()):
            return "lookup"
    if re.fullmatch(r"\w+", d):
        # a local: parent if its last assignment before the call reads one, else assume the
        # probed device (`dev = &pdev->dev`)
        rhs = re.findall(r"(?<![\w>.])%s\s*=\s*([^;=][^;]*);" % re.escape(d), scope)
        return "parent" if rhs and re.search(r"(->|\.)parent\s*$", rhs[-1].strip()) else None
    # `x->dev`, `led->master`: parent when the hunk shows it assigned from a parent pointer
    if re.search(r"%s\s*=\s*[^;]*(->|\.)parent\s*;" % re.escape(d), scope):
        return "parent"
    if re.search(r"%s\s*=\s*&?(%s)(->dev)?\s*;" % (re.escape(d), "|".join(map(re.escape, params))), scope):
        return None  # `priv->dev = &pdev->dev;`
    if re.search(r"\b%s\s*=\s*dev\s*;" % re.escape(d), scope):
        return None
    return "other"
