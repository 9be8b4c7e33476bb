"""A test that a module finished its init, removed before a `try_module_get()` of it.

`try_module_get()` fails only for a module that is going away (`module_is_live()` is `state !=
MODULE_STATE_GOING`, include/linux/module.h): it succeeds while the module's init is still
running (MODULE_STATE_COMING).  Code that finds a module through something published from a
MODULE_STATE_COMING notifier (BTF, kfuncs, tracepoints of a module being loaded) must check that
the module reached MODULE_STATE_LIVE before it takes the reference: a module whose init then
fails is freed by the loader whatever its refcount, under the reference just taken.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis.clex import call_args, norm
from reviewbot.model import DiffLine, FileDiff

from reviewbot.checks._hunks import hunks

# A test of a module's state (or a flag a MODULE_STATE_LIVE notifier sets).
_LIVE_TEST = lazyre.compile(r"\bmodule_is_live\s*\(|\bMODULE_STATE_(?:LIVE|COMING)\b|\b[A-Z][A-Z0-9_]*_LIVE\b|"
                            r"->state\s*[!=]=")


def removed_live_tests(fd: FileDiff) -> Iterator[tuple[DiffLine, str]]:
    """(line, module expression) for each liveness test a hunk removes while a `try_module_get()`
    of a module that the hunk took before stays, with no liveness test added back."""
    for h in hunks(fd, removed=("LIVE", "module_is_live", "->state", "COMING")):
        if any(ln.added and _LIVE_TEST.search(ln.text) for ln in h.lines):
            continue  # rewritten, not dropped
        old_gets = {norm(a) for ln in h.old_side() for a in call_args(ln.text, "try_module_get")}
        new_gets = [(ln, norm(a)) for ln in h.new_side() for a in call_args(ln.text, "try_module_get")
                    if norm(a) in old_gets]
        if not new_gets:
            continue  # no get that stays (a get taking the test's place tests the same: catpt_resume())
        for ln in h.old_side():
            if not ln.removed or not _LIVE_TEST.search(ln.text):
                continue
            if not re.search(r"\bif\b|&&|\|\||\?|\bcontinue\b|\breturn\b", ln.text):
                continue  # a test, not the notifier's own case label or a flag being set
            at, mod = next(((g, m) for g, m in new_gets if g.added), new_gets[0])
            yield (at if at.added else ln), mod
            break
