"""`fops_get()` / `replace_fops()` / `file->f_op` used in a way that skips module pinning.

## What it does
Flags added code that swaps a file's operations without the pinning the VFS relies on:
- `replace_fops()` outside an `->open()` implementation;
- a direct assignment `file->f_op = &other_fops;` (use `replace_fops()` with `fops_get()`);
- `fops_get()` whose result is ignored, or assigned and never tested for NULL.

## Why is this bad?
`do_dentry_open()` pins `f_op->owner` with `fops_get()` and `__fput()` drops it with
`fops_put(file->f_op)`.  Swapping `f_op` by hand leaves the file pinning the old module while
calling into the new one, and the final `fops_put()` drops a reference on a module that was
never pinned.  `include/linux/fs.h` on `replace_fops()`: "This one is to be used *ONLY* from
->open() instances.  fops must be non-NULL, pinned down *and* module dependencies should be
sufficient to pin the caller down as well."  `fops_get()` is
`try_module_get((fops)->owner)` and returns NULL while the owner is going away.

## Example
```c
static int foo_open(struct inode *inode, struct file *file)
{
	file->f_op = &foo_real_fops;
	return foo_real_fops.open(inode, file);
}
```

## Use instead
```c
static int foo_open(struct inode *inode, struct file *file)
{
	const struct file_operations *new = fops_get(&foo_real_fops);

	if (!new)
		return -ENODEV;
	replace_fops(file, new);
	return new->open(inode, file);
}
```

## Known problems
A direct assignment outside an ->open() of the address of a `file_operations` defined in the
same file (a hangup or disconnect switching open files to dead operations: tty's
`hung_up_tty_fops`, ALSA's `snd_shutdown_f_ops`) is low confidence: both fops pin the same
module.  The function's role is read from its name (`*open*`) in the hunk; an open implementation
with another name is misread (medium confidence).  A NULL test after the end of the hunk is
not seen (low confidence for an untested assignment).  In code that is never a module (the
tree's Kconfig/Makefile, or the patch's own evidence) a direct assignment is low confidence:
the file's own fops have no owner there (`THIS_MODULE` is NULL; drivers/char/mem.c's
memory_open() switches to the minor's fops).

## References
- `include/linux/fs.h` (`fops_get()`, `fops_put()`, `replace_fops()`), `fs/open.c`
  `do_dentry_open()`, `fs/file_table.c` `__fput()`, `fs/char_dev.c` `chrdev_open()`
- `Documentation/filesystems/vfs.rst` (struct file_operations)
- Jason Gunthorpe: "file_operations doesn't have such a cleanup function which is
  why it takes the refcount"
  https://lore.kernel.org/r/Z8GViQzZJVFPxfNd@phenom.ffwll.local,
  https://lore.kernel.org/r/20250228184013.GF39591@nvidia.com
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis.clex import statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks.module._refs import enclosing_function
from reviewbot.checks.module._builtin import never_module
from reviewbot.checks._hunks import hunks, kind_text

RULE = Rule.from_doc(__doc__, id="MOD027", slug="fops-misuse", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("other",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("f_op", "fops_get", "replace_fops")
# In tree mode the build facts decide (built-in code has no module): the hunk-only verdict does
# not stand beside the tree's (reviewbot.engine).
TREE_VERDICT = True

_DIRECT = lazyre.compile(r"^\w+(?:->|\.)f_op\s*=\s*(?!fops_get\b)[^=]")
_BARE_GET = lazyre.compile(r"^(?:\(\s*void\s*\)\s*)?fops_get\s*\(.*\)\s*;$")
_ASSIGN_GET = lazyre.compile(r"^(?:[\w\s\*]+\s)?\**(\w+)\s*=\s*fops_get\s*\(.*\)\s*;$")


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        if fd.path.startswith("fs/") and fd.path.count("/") == 1:
            continue  # the VFS core itself implements these
        for hunk in hunks(fd, added=("f_op", "fops_get", "replace_fops")):
            stmts = statements(hunk.new_side())
            for k, st in enumerate(stmts):
                if not st.any_added:
                    continue
                text = st.text.strip()
                if "replace_fops" in text:
                    line = st.line_of(r"\breplace_fops\s*\(")
                    fn = enclosing_function(hunk, line, "new")
                    if line.added and fn and "open" not in fn:
                        yield RULE.finding(fd.path, line, f"replace_fops() in {fn}(): only ->open() may swap f_op")
                elif _DIRECT.match(text):
                    line = st.line_of(r"f_op\s*=")
                    if line.added:
                        fn = enclosing_function(hunk, line, "new")
                        conf = Confidence.LOW if _revocation(text, fn, fd, ctx) or never_module(ctx, patch, fd) else None
                        yield RULE.finding(fd.path, line, "f_op assigned directly: use fops_get() + replace_fops()",
                                           confidence=conf)
                elif _BARE_GET.match(text):
                    line = st.line_of(r"\bfops_get\s*\(")
                    if line.added:
                        yield RULE.finding(fd.path, line, "fops_get() result ignored: NULL when the owner is going",
                                           confidence=Confidence.HIGH)
                else:
                    m = _ASSIGN_GET.match(text)
                    if m:
                        line = st.line_of(r"\bfops_get\s*\(")
                        var = m.group(1)
                        if line.added and not any(re.search(r"\b%s\b" % re.escape(var), s.text)
                                                  and re.search(r"\bif\b|\?|!", s.text) for s in stmts[k + 1:]):
                            yield RULE.finding(fd.path, line, f"'{var}' from fops_get() is not tested for NULL",
                                               confidence=Confidence.LOW)


_OWN_FOPS = lazyre.compile(r"^\w+(?:->|\.)f_op\s*=\s*&\s*(\w+)\s*;")


def _revocation(text: str, fn: str, fd, ctx: Context) -> bool:
    """`filp->f_op = &hung_up_tty_fops;` outside an ->open(): an open file is switched to dead
    operations of this same file (tty hangup, ALSA's snd_card_disconnect()), which pin the
    same module as the operations the file was opened with; the open-time swap to another
    module's fops is the case replace_fops() exists for."""
    m = _OWN_FOPS.match(text)
    if not m or not fn or "open" in fn:
        return False
    whole = ctx.post(fd.path)
    if whole is None:
        whole = kind_text(fd, "+ ")
    return re.search(r"\bstruct\s+file_operations\s+%s\s*=" % re.escape(m.group(1)), whole) is not None

