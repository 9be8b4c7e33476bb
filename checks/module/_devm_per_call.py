"""Memory of one call made devm: the free the function ran before returning is dropped.

A function that `kfree()`s its buffer on the path that falls through to its return (a top-level
free no `return` precedes) used the memory for one call.  Allocated with a `devm_k*()`
allocator instead, and the free dropped, each call adds a devres entry that stays until the
driver unbinds: a callback that runs per call (a tty's `set_termios()`, an i2c `xfer()`, an
ethtool or nvmem read, a crypto `setkey()`) grows the device's devres list without bound.  Only
a function that runs once per binding (probe and what it calls) may keep such memory.
"""

from __future__ import annotations

import re

from reviewbot import lazyre
from reviewbot.model import DiffLine, FileDiff

from reviewbot.checks.module._refs import enclosing_function

# Functions that run once per binding, by their names: probe and its helpers, bus add/connect
# callbacks.  devm memory there lives as long as the binding, as meant.
_ONCE = lazyre.compile(r"probe|init|setup|(?<!un)bind|attach|connect|register|create|^add_|_add$|parse|_of_|_dt_|"
                       r"_dt$|resources")


def runs_once(fn: str) -> bool:
    return bool(_ONCE.search(fn))


def freed_before_return(fd: FileDiff, fn: str, var: str) -> DiffLine | None:
    """The removed top-level `kfree(var);` of function `fn` that its fall-through path ran (no
    top-level `return` between the function's shown start and the free, on the old side).  A
    hunk whose header git took from a label (`out:`) names no function: it is taken as the
    function the hunks before it were in."""
    free = re.compile(r"^\tkv?free\(\s*%s\s*\)\s*;" % re.escape(var))
    current = ""
    for h in fd.hunks:
        old = h.old_side()
        for i, ln in enumerate(old):
            got = enclosing_function(h, ln, "old") or current
            if not (ln.removed and free.match(ln.text)) or got != fn:
                continue
            before = old[:i]
            start = max((k for k, x in enumerate(before) if re.match(r"^[A-Za-z_].*\(", x.text)), default=-1)
            if any(re.match(r"^\treturn\b", x.text) for x in before[start + 1:]):
                continue  # an error label's free: the success path returned above it
            return ln
        if old:
            current = enclosing_function(h, old[-1], "old") or current
    return None
