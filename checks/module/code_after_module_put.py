"""A thread or work handler drops its own module reference and keeps running module text.

## What it does
Flags an added `module_put(THIS_MODULE)` in a kthread function (`int fn(void *data)`) or a
work handler (`void fn(struct work_struct *work)`), and a `module_put_and_kthread_exit()`
replaced by `module_put(THIS_MODULE)` followed by a return.

## Why is this bad?
Once the put returns, nothing stops `rmmod`: the module's text can be freed while the rest
of the function (if only its epilogue and `return`) still executes from it.
`module_put_and_kthread_exit()` exists for exactly this case: it lives in core kernel code
(`kernel/module/main.c`), drops the reference and exits the thread without returning
("A thread that wants to hold a reference to a module only while it is running can call this
to safely exit").  Work items have no such helper: the module must cancel or flush its work
in `module_exit` instead of pinning itself.

## Example
```c
static int foo_thread(void *data)
{
	foo_run(data);
	module_put(THIS_MODULE);
	return 0;
}
```

## Use instead
```c
static int foo_thread(void *data)
{
	foo_run(data);
	module_put_and_kthread_exit(0);
}
```
For work handlers: `cancel_work_sync()` / `flush_workqueue()` in the exit path (MOD012).

## Known problems
The thread or work role is read from the function signature the hunk shows (hunk header or a
shown definition line); callbacks with other signatures are not recognised.

## References
- `kernel/module/main.c` `__module_put_and_kthread_exit()`, `include/linux/module.h`
  `module_put_and_kthread_exit()`
- `Documentation/core-api/workqueue.rst` (flushing and cancelling work)
- Rusty Russell's "Module Refcount & Stuff mini-FAQ" and Adam Richter's reply
  (code must not run in a module after its last reference is dropped)
  https://lore.kernel.org/r/20021118230821.8F3822C241@lists.samba.org and Adam J. Richter's
  reply, https://lore.kernel.org/r/200211191918.LAA11641@adam.yggdrasil.com
- "exit: Rename module_put_and_exit to module_put_and_kthread_exit" (Eric Biederman, 2021)
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis.clex import statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks.module._refs import function_header
from reviewbot.checks._hunks import hunks

RULE = Rule.from_doc(__doc__, id="MOD013", slug="code-after-module-put", level=Level.WARNING,
                     confidence=Confidence.HIGH, tags=("self-pin",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("module_put",)

_PUT_SELF = r"\bmodule_put\s*\(\s*THIS_MODULE\s*\)"
_THREAD_SIG = lazyre.compile(r"\(\s*void\s*\*\s*\w*\s*\)\s*\{?\s*$|\(\s*struct\s+work_struct\s*\*\s*\w*\s*\)")


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        for hunk in hunks(fd, added="module_put"):
            replaced = any(ln.removed and re.search(r"\bmodule_put_and_(kthread_)?exit\s*\(", ln.text)
                           for ln in hunk.lines)
            for st in statements(hunk.new_side()):
                if not st.any_added or not re.search(_PUT_SELF, st.text):
                    continue
                line = st.line_of(_PUT_SELF)
                if not line.added:
                    continue
                if replaced:
                    yield RULE.finding(fd.path, line, "module_put(THIS_MODULE) replaces module_put_and_kthread_exit()")
                elif _THREAD_SIG.search(function_header(hunk, line)):
                    yield RULE.finding(fd.path, line, "module_put(THIS_MODULE) in a thread: what follows may be freed", confidence=Confidence.MEDIUM)
