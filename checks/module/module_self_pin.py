"""A module takes a reference on itself with `try_module_get(THIS_MODULE)`.

## What it does
Flags an added `try_module_get(THIS_MODULE)` or `__module_get(THIS_MODULE)`: code that pins
the very module it is running in.

## Why is this bad?
A module can only pin itself safely if something else already holds a reference: the
`try_module_get()` kernel-doc asks for "direct protection" (a reference taken by *another*
entity) or "implied protection" (for example a kernfs active reference).  If no one else pins
the module, the call cannot close the race with `rmmod`: the module may already be `GOING`
while this code runs.  If someone else does pin it, the call is redundant.

Christoph Hellwig (nbd): "try_module_get(THIS_MODULE) is an indicator for an unsafe pattern.
If we don't already have a reference it could never close the race."  Greg Kroah-Hartman:
"try_module_get(THIS_MODULE) is always racy and probably does not do what you want it to do.
You always want to get/put module references from code that is NOT the code calling these
functions."

## Example
```c
static ssize_t reset_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	do_reset(dev);
	module_put(THIS_MODULE);
	return len;
}
```

## Use instead
```c
static ssize_t reset_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	do_reset(dev);	/* kernfs active reference drains before the attribute goes away */
	return len;
}
```
Let the core that calls into the module take the reference (an `owner` field in the ops
struct and a `THIS_MODULE` register wrapper).  To hand an extra reference to async work from
a path that is already pinned, use `__module_get(THIS_MODULE)`; a kthread holding it must end
with `module_put_and_kthread_exit()`.

## Known problems
Legitimate idioms are reported at low confidence (not posted by default): a reference handed
to a kthread that exits through `module_put_and_kthread_exit()`, a reference handed to a work
item whose handler (shown, and set up by the code shown) ends with `module_put(THIS_MODULE)`
(MOD013 reports that put), a pin in a function the file exports (`EXPORT_SYMBOL()`: a calling
module already holds a reference on this one through the symbol), debugger pins (kgdb), and a
deliberate permanent pin next to a "don't allow unload" comment.  The hunk does not show who
calls the function, so an implied reference (sysfs, fops) is not proven, only suspected.
Not reported: a get whose `if` block ends by dropping it
(`if (try_module_get(THIS_MODULE)) { ...; module_put(THIS_MODULE); }`): a `module_is_live()`
test that holds nothing afterwards.
A file built only into the kernel (`THIS_MODULE` is NULL): in tree mode by Kconfig/Makefile,
from a patch by the Kconfig/Makefile lines it adds or a new file's own entry points
(`checks/module/_builtin.py`).

## References
- `include/linux/module.h`, `kernel/module/main.c`: `try_module_get()` kernel-doc
- Adam Richter, "Do not call try_module_get() unnecessarily" (LKML, Nov 2002):
  https://lore.kernel.org/r/20021118230821.8F3822C241@lists.samba.org and Adam J. Richter's
  reply, https://lore.kernel.org/r/200211191918.LAA11641@adam.yggdrasil.com
- c55b2b983b0f "nbd: fix race between nbd_alloc_config() and module removal"
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis.clex import statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks.module._builtin import never_module
from reviewbot.checks._hunks import hunks
from reviewbot.checks.module._refs import enclosing_function

RULE = Rule.from_doc(__doc__, id="MOD001", slug="module-self-pin", level=Level.WARNING,
                     confidence=Confidence.HIGH, tags=("self-pin",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("THIS_MODULE",)
# In tree mode the whole files decide (what the module cancels, pins or builds in): the
# hunk-only verdict does not stand beside the tree's (reviewbot.engine).
TREE_VERDICT = True
# A self-pin should go, not be checked: MOD002's "result ignored" at the same call says less.
SUPERSEDES = ("MOD002",)

_SELF_GET = lazyre.compile(r"\b(try_module_get|__module_get)\s*\(\s*THIS_MODULE\s*\)")
# Idioms where a self-reference is the documented way.
_HANDOFF = lazyre.compile(r"\b(kthread_run|kthread_create\w*|module_put_and_kthread_exit|kgdb\w*|"
                      r"suppress_bind_attrs)\b|[Dd]on'?t allow .{0,40}unload")


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        if never_module(ctx, patch, fd):
            continue  # built in only (the tree's Kconfig, or the patch's): THIS_MODULE is NULL, nothing is pinned
        # a finding is a statement of the new side calling _SELF_GET: "module_get" on a line
        # of it, not just in the section header (hunks() looks at the lines)
        for hunk in hunks(fd, new="module_get"):
            shown = hunk.new_side()
            context_text = hunk.section + "\n" + "\n".join(ln.text for ln in shown)
            if "module_get" not in context_text:
                continue
            idiom = bool(_HANDOFF.search(context_text)) or _work_drops_it(context_text)
            stmts = statements(shown)
            for k, st in enumerate(stmts):
                m = _SELF_GET.search(st.text)
                if not m or not st.any_added:
                    continue
                line = st.line_of(_SELF_GET.pattern)
                if not line.added:
                    continue
                func = m.group(1)
                if _liveness_test(st.text, stmts[k + 1:k + 8]):
                    continue  # get + immediate put: a "module going away?" test (module_is_live()), no pin held
                low = idiom or func == "__module_get" or _exported(enclosing_function(hunk, line, "new"), context_text)
                yield RULE.finding(fd.path, line, f"{func}(THIS_MODULE) pins the module from its own code",
                                   confidence=Confidence.LOW if low else None)


def _exported(name: str, text: str) -> bool:
    """The pin is taken in a function the file exports (`EXPORT_SYMBOL(qmgr_request_queue)`,
    drivers/soc/ixp4xx/ixp4xx-qmgr.c): a module that calls it links against the symbol, and
    resolving it took a reference on this module (kernel/module/main.c ref_module()), so the
    self-pin is redundant while such a caller runs, not racy: a low question."""
    return bool(name) and re.search(r"\bEXPORT_SYMBOL(?:_GPL|_NS|_NS_GPL)?\s*\(\s*%s\s*[,)]" % re.escape(name),
                                    text) is not None


_WORK_FN = lazyre.compile(r"\bvoid\s+(\w+)\s*\(\s*struct\s+work_struct\s*\*\s*\w+\s*\)\s*\{")
_WORK_PUT = lazyre.compile(r"\bmodule_put\s*\(\s*THIS_MODULE\s*\)\s*;\s*\}")


def _work_drops_it(text: str) -> bool:
    """The pin is handed to a work item: a work handler of the code shown ends by dropping it
    (`...; kfree(reprobe); module_put(THIS_MODULE); }`) and the code shown sets that handler up
    (`INIT_WORK(&reprobe->work, iwl_mvm_reprobe_wk)`).  The work runs after the pinning code
    returned; the hazard is the put at the handler's end (MOD013 reports it there)."""
    for m in _WORK_FN.finditer(text):
        end = _body_end(text, m.end())
        if _WORK_PUT.search(text, m.end(), end + 1) and re.search(
                r"\b(INIT_WORK|INIT_DELAYED_WORK|DECLARE_WORK|DECLARE_DELAYED_WORK)\s*\([^;]*\b%s\s*\)" % m.group(1), text):
            return True
    return False


def _body_end(text: str, start: int) -> int:
    """The offset of the `}` closing the block opened just before `start`."""
    depth, k = 1, start
    while k < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[k], 0)
        k += 1
    return k - 1


def _liveness_test(text: str, after) -> bool:
    """`if (... try_module_get(THIS_MODULE)) { ...; module_put(THIS_MODULE); }`: the reference
    lives only inside the block, to learn whether the module is going away (what
    module_is_live() tells) and to keep it while the block runs; nothing is pinned after it."""
    if not re.search(r"\btry_module_get\s*\(\s*THIS_MODULE\s*\)\s*\)\s*\{$", text) or \
            re.search(r"!\s*try_module_get", text):
        return False
    depth, prev = 1, ""
    for a in after:
        if a.text.endswith("{"):
            depth += 1
        elif a.text.startswith("}"):
            depth -= 1
            if depth == 0:
                return re.match(r"^module_put\s*\(\s*THIS_MODULE\s*\)\s*;$", prev) is not None
        prev = a.text
    return False
