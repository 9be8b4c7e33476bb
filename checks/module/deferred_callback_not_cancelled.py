"""A work item, timer or tasklet is set up, but nothing in the file cancels it before teardown.

## What it does
For an added `INIT_WORK(&x->w, fn)`, `INIT_DELAYED_WORK()`, `timer_setup()`, `hrtimer_init()`/
`hrtimer_setup()` or `tasklet_setup()`/`tasklet_init()` in a file the review can see whole (a
new file in hunk mode, the post-image in tree mode), looks for the synchronous cancel of the
same member anywhere in the file: `cancel_work_sync`, `cancel_delayed_work_sync`, `flush_work`,
`timer_delete_sync`/`del_timer_sync`/`timer_shutdown_sync`, `hrtimer_cancel`, `tasklet_kill`,
or a devm auto-cancel (`devm_work_autocancel`, `devm_delayed_work_autocancel`).  Also flags a
removed cancel of a member whose setup stays.

## Why is this bad?
The callback is module text.  If `remove()` or `module_exit` returns while the work is queued or
the timer armed, the callback runs after the driver data is freed or the module is gone.
Jason Gunthorpe (2025 thread, see References): "if a cleanup function, required to be called prior to module exit,
revokes any .text pointers then you don't need to hold the module refcount ... hrtimer does
have such a function which is why it doesn't take the refcount" - but only if it is called.

## Example
```diff
 static void foo_remove(struct platform_device *pdev)
 {
 	struct foo *foo = platform_get_drvdata(pdev);
 
-	cancel_delayed_work_sync(&foo->poll_work);
 	foo_hw_off(foo);
 }
```

## Use instead
```c
static void foo_remove(struct platform_device *pdev)
{
	struct foo *foo = platform_get_drvdata(pdev);

	cancel_delayed_work_sync(&foo->poll_work);
	foo_hw_off(foo);
}
```

## Known problems
Not reported: a work item that is only queued on a workqueue the driver destroys or drains
(`destroy_workqueue()` runs every pending item to completion), and, in tree mode, a cancel in
another source file of the same module (Makefile `foo-y := core.o bar.o`).  In hunk mode a
cancel in a file the patch does not show is not seen, and files that are not new are only
checked for removed cancels.

## Confidence
Medium for a removed cancel; low for a new file without any cancel (the teardown may live in
another file).

## References
- `Documentation/core-api/workqueue.rst`; `Documentation/RCU/rcubarrier.rst`
- `include/linux/timer.h`: `timer_shutdown_sync()` kernel-doc
- "cancel work on remove" fixes in the kernel history
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule
from reviewbot.checks._hunks import kind_text, shown_new

RULE = Rule.from_doc(__doc__, id="MOD012", slug="deferred-callback-not-cancelled", level=Level.WARNING,
                     confidence=Confidence.MEDIUM)
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("WORK", "_work", "timer_setup", "hrtimer_", "tasklet_", "timer_delete", "timer_shutdown",
           "del_timer")
# In tree mode the whole files decide (what the module cancels, pins or builds in): the
# hunk-only verdict does not stand beside the tree's (reviewbot.engine).
TREE_VERDICT = True

_SETUP = lazyre.compile(r"\b(INIT_WORK|INIT_DELAYED_WORK|timer_setup|hrtimer_init|hrtimer_setup|tasklet_setup|"
                    r"tasklet_init)\s*\(\s*&\s*(?P<obj>[\w>.\-\[\]]+)")
_SETUP_WORDS = ("INIT_", "timer_setup", "hrtimer_", "tasklet_")  # one is in every _SETUP match
_CANCEL = (r"\b(cancel_work_sync|cancel_delayed_work_sync|cancel_work|cancel_delayed_work|flush_work|"
           r"flush_delayed_work|timer_delete_sync|timer_shutdown_sync|del_timer_sync|timer_delete|del_timer|"
           r"timer_shutdown|hrtimer_cancel|hrtimer_try_to_cancel|tasklet_kill|devm_work_autocancel|"
           r"devm_delayed_work_autocancel|disable_work_sync|disable_delayed_work_sync)\s*\([^;]*&\s*%s\s*[,)]")


def _member(obj: str) -> str:
    return re.split(r"->|\.", obj)[-1]


def _cancels(text: str, obj: str) -> bool:
    m = _member(obj)
    return re.search(_CANCEL % (r"[\w>.\-\[\]]*\b" + re.escape(m)), text) is not None


def _drained(text: str, obj: str) -> bool:
    """Is the work only queued on a private workqueue that `text` destroys or drains?
    destroy_workqueue() and drain_workqueue() run every pending item to completion."""
    m = _member(obj)
    wqs = re.findall(r"\bqueue_\w*work\w*\s*\(\s*([\w>.\-\[\]]+)\s*,[^;]*\b%s\b" % re.escape(m), text)
    return bool(wqs) and all(
        re.search(r"\b(destroy_workqueue|drain_workqueue)\s*\(\s*[\w>.\-\[\]]*\b%s\s*\)" % re.escape(_member(w)), text)
        for w in wqs)


def _module_sources(ctx: Context, path: str) -> str:
    """Tree mode: the other sources of the module `path` is linked into (teardown often lives in
    the core file of a multi-file driver)."""
    out = []
    for src in ctx.facts_of(path).module_objects:
        if src != path:
            out.append(ctx.read(src) or "")
    return "\n".join(out)


def _handled(text: str, obj: str) -> bool:
    return _cancels(text, obj) or _drained(text, obj)


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        removed = [ln for ln in fd.removed()]
        post = ctx.post(fd.path)
        added_text = kind_text(fd, "+")
        shown = shown_new(fd)
        # removed cancels whose member is still set up (visible) and not cancelled elsewhere
        for ln in removed:
            # the pattern needs a `(` and a `&` on the line: most removed lines have neither
            m = re.search(_CANCEL % r"(?P<obj>[\w>.\-\[\]]+)", ln.text) if "&" in ln.text and "(" in ln.text else None
            if not m:
                continue
            obj = m.group("obj")
            scope = post if post is not None else shown
            arming = re.compile(r"\b(add_timer|mod_timer\w*|queue_\w*work\w*|schedule_\w*work\w*|hrtimer_start\w*|"
                                r"tasklet_\w*schedule|INIT_\w*WORK|timer_setup|hrtimer_init|tasklet_setup)\s*\("
                                r"[^;]*\b%s\b" % re.escape(_member(obj)))
            if any(arming.search(o.text) for o in removed):
                continue  # the patch removes the arming too: nothing is left to cancel
            if _cancels(added_text, obj) or (post is not None and (
                    _handled(post, obj) or _handled(_module_sources(ctx, fd.path) + "\n" + post, obj))):
                continue
            setups = [s for s in _SETUP.finditer(scope) if _member(s.group("obj")) == _member(obj)]
            if setups or post is None:
                if post is None and not setups:
                    # the setup is not shown: only when the hunk keeps the function (an edit)
                    if not any(o.kind == " " and o.text.strip() not in ("", "{", "}") for o in fd.lines()):
                        continue
                yield RULE.finding(fd.path, ln, f"removed {m.group(1)}() of {_member(obj)}: the callback "
                                                f"can run after teardown")
        # new setups in a file seen whole
        whole = post if post is not None else (added_text if fd.is_new else None)
        if whole is None:
            continue
        others = None
        for ln in fd.added():
            s = any(w in ln.text for w in _SETUP_WORDS) and _SETUP.search(ln.text)
            if not s or _handled(whole, s.group("obj")):
                continue
            if post is not None:
                others = _module_sources(ctx, fd.path) if others is None else others
                if _handled(others + "\n" + whole, s.group("obj")):
                    continue  # cancelled (or its workqueue destroyed) in another file of the module
            if not re.search(r"\bmodule_exit\b|\bmodule_\w+_driver\b|\.remove\w*\s*=", whole):
                continue  # built-in or no teardown to check against
            yield RULE.finding(fd.path, ln, f"{s.group(1)}() of {_member(s.group('obj'))} is never "
                                            f"cancelled in this file", confidence=Confidence.LOW)
