"""devm-allocated memory handed to an object that can outlive the driver binding.

## What it does
Flags an added `x = devm_kzalloc()` (`devm_kmalloc`, `devm_kcalloc`, `devm_kmalloc_array`)
when the same function or file hands `x` to an object with its own lifetime: the private data
of an HCI, video, input, tty or misc device (`hci_set_drvdata(hdev, x)`,
`video_set_drvdata(vdev, x)`), `file->private_data = x`, or an embedded `cdev`, `struct device`,
kobject or kref initialised inside `x`.  Converting such an allocation from `kzalloc()` (and
dropping the `kfree()`s) is the typical way in.

## Why is this bad?
devres frees the memory when the driver unbinds ("No matter what, all devres entries are
released on driver detach"), with "no reference counting".  The objects above are refcounted
and reachable from user space: an open file descriptor, a queued HCI command or a sysfs reader
keeps them alive after unbind, and their callbacks then use freed driver data.  Laurent
Pinchart: "Please don't use devm_kzalloc() to allocate structures that can be accessed from
userspace ... This is incompatible with proper unplug handling."

## Example
```diff
-	data = kzalloc(sizeof(*data), GFP_KERNEL);
+	data = devm_kzalloc(&intf->dev, sizeof(*data), GFP_KERNEL);
 	if (!data)
 		return -ENOMEM;
 	hdev = hci_alloc_dev();
 	hci_set_drvdata(hdev, data);
```

## Use instead
```c
	data = kzalloc(sizeof(*data), GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	hdev = hci_alloc_dev();
	hci_set_drvdata(hdev, data);
	/* kfree(data) from the last user's release / after hci_free_dev() */
```
Or use the subsystem's managed allocator tied to the right lifetime (`drmm_*`,
`devm_drm_dev_alloc`), or a kref with a release.

## Known problems
Only hand-offs the hunk (or, in tree mode, the file) shows are seen.  State that is used only
while bound and whose user-space paths are revoked synchronously in `remove()` is fine; the
rule cannot see that and reports new code at low confidence, conversions at medium.

## Confidence
Medium for a `kzalloc()` to `devm_kzalloc()` conversion, low for new code.

## References
- `Documentation/driver-api/driver-model/devres.rst`
- RULES.md MOD015: 1e7c57355a3b "firmware: raspberrypi: Keep count of all consumers";
  "bus: hisi_lpc: Don't use devm_kzalloc() to allocate logical PIO range"
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.clex import statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

RULE = Rule.from_doc(__doc__, id="MOD015", slug="devm-lifetime", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("devm-lifetime",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("devm_k",)

_DEVM_ALLOC = re.compile(r"^(?:[\w\s\*]*?\s\**)?(?P<var>[\w>.\-]+)\s*=\s*devm_k(?:z|m|c)alloc(?:_array)?\s*\(")
_PLAIN_ALLOC = r"\b%s\s*=\s*k(?:z|m|c)alloc(?:_array)?\s*\("


# Every hand-off _handoffs() knows contains one of these.
_HANDOFF_WORDS = ("_set_drvdata", "_set_subdevdata", "_set_private_data", "private_data", "cdev_init",
                  "cdev_device_add", "device_initialize", "device_register", "kobject_init", "kref_init",
                  "misc_register", "tty_port_init", "video_register_device", "drm_dev_init")


_SETTERS = ("hci_set_drvdata|video_set_drvdata|input_set_drvdata|tty_set_drvdata|v4l2_set_subdevdata|"
            "snd_card_set_private_data")
_INITS = ("cdev_init|cdev_device_add|device_initialize|device_register|kobject_init|kobject_init_and_add|"
          "kref_init|misc_register|tty_port_init|video_register_device|v4l2_device_register|drm_dev_init")
# The places a hand-off of any variable can be (each _handoffs() match lies inside one).
_SITES = re.compile(r"\b(%s)\s*\([^;]*|\b(file|filp|fp)->private_data\s*=[^;]*;|\b(%s)\s*\(\s*&[^;]*"
                    % (_SETTERS, _INITS))


def _handoffs(var: str) -> re.Pattern:
    v = re.escape(var)
    return re.compile(r"\b(%s)\s*\([^;]*,\s*%s\s*\)|\b(file|filp|fp)->private_data\s*=\s*%s\s*;|"
                      r"\b(%s)\s*\(\s*&\s*%s->" % (_SETTERS, v, v, _INITS, v))


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        added = [ln for ln in fd.added()]
        if not any("devm_k" in ln.text for ln in added):
            continue
        post = ctx.post(fd.path)
        shown = "\n".join(ln.text for ln in fd.lines() if ln.kind != "-")
        scope = post if post is not None else shown
        if not any(w in scope for w in _HANDOFF_WORDS):
            continue  # nothing in sight could hand the memory over
        sites = [m.group(0) for m in _SITES.finditer(scope)]
        removed = "\n".join(ln.text for ln in fd.removed())
        seen: dict[str, tuple[re.Match | None, bool]] = {}  # var -> (hand-off, converted): one search each
        for h in fd.hunks:
            if not any("devm_k" in ln.text for ln in h.lines if ln.kind != "-"):
                continue
            for st in statements(h.new_side()):
                if not st.any_added:
                    continue
                m = _DEVM_ALLOC.match(st.text)
                if not m:
                    continue
                var = m.group("var")
                if not any(var in site for site in sites):
                    continue
                if var not in seen:
                    found = _handoffs(var).search(scope)
                    seen[var] = (found, found is not None and
                                 re.search(_PLAIN_ALLOC % re.escape(var), removed) is not None)
                hand, converted = seen[var]
                if not hand:
                    continue
                what = hand.group(0)
                what = "file->private_data" if "private_data" in what else what.split("(")[0].strip() + "()"
                yield RULE.finding(fd.path, st.line_of(r"devm_k"),
                                   f"devm memory '{var}' handed to {what} can outlive the unbind",
                                   confidence=None if converted else Confidence.LOW)
