"""A get taken after the lock that kept the looked-up object alive is released (facts for MOD021).

An object found in a shared structure (`idr_find()`, a list walk, `xa_load()`, a hash lookup)
is alive only while the lock that guards that structure is held (or the RCU read side): its
last `kref_put()` removes it from the structure under that lock and frees it.  The reference
that keeps it alive after the lookup must be taken before that lock is dropped.  A get after
the unlock (`spin_unlock(&lock); kref_get(&x->ref);`) races with the last put: it may run on
an object whose count already reached zero, and the memory it touches may be freed.

`gets_after_unlock(stmts)` yields (statement, getter, object, unlock statement) for each get of a
refcount (the table's getters of an object: `kref_get()`, `kobject_get()`, `get_device()`, ...;
not a module pin) whose object the same block looked up between a lock and the unlock that
precedes the get, with no get of it before that unlock, when the patch added the get or the
unlock (moved one past the other).
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot.analysis import clex
from reviewbot.checks import _kapi as kapi
from reviewbot.checks._hunks import hunk_names, names_on

_LOCK = re.compile(r"^\s*(?:(?:spin|raw_spin|read|write|mutex|xa|xa_lock|rcu_read|srcu_read)_lock\w*|down_read|"
                   r"down_write|down|lock_\w+)\s*\(")
_UNLOCK = re.compile(r"^\s*(?:(?:spin|raw_spin|read|write|mutex|xa|rcu_read|srcu_read)_unlock\w*|up_read|"
                     r"up_write|up|unlock_\w+)\s*\(")
_GETTERS = ("kref_get", "kobject_get", "get_device", "of_node_get", "fwnode_handle_get", "pci_dev_get",
            "usb_get_dev", "usb_get_intf", "dev_hold", "sock_hold", "get_task_struct", "refcount_inc", "atomic_inc")


def _is_get(name: str) -> bool:
    if name in ("refcount_inc", "atomic_inc"):
        return False  # a bare counter: its object may not be the looked-up one's refcount
    row = kapi.get(name)
    return name in _GETTERS or (row is not None and row.kind == "getter" and row.family not in ("module",)
                                and row.ref_arg == 0)


@functools.cache
def _get_names() -> frozenset[str]:
    """Every name _is_get() says yes to."""
    return frozenset(n for n in {r.name for r in kapi.all_rows()} | set(_GETTERS) if _is_get(n))


def _base(obj: str) -> str:
    return re.split(r"->|\.", clex.norm(obj).lstrip("&*( "))[0].strip()


def gets_after_unlock(stmts) -> Iterator[tuple]:
    for k, st in enumerate(stmts):
        m = clex.CallStmt.parse(re.sub(r"^\s*if\s*\(\s*\w+\s*\)\s*", "", st.text.strip()))
        if m is None or not _is_get(m.name):
            continue
        var = _base(m.args.split(",")[0])
        if not re.fullmatch(r"\w+", var or ""):
            continue
        # the unlock right before (only a test of var between)
        j = k - 1
        while j >= 0 and re.match(r"^\s*if\s*\(\s*!?\s*%s\s*\)\s*$" % re.escape(var), stmts[j].text):
            j -= 1
        if j < 0 or not _UNLOCK.match(stmts[j].text):
            continue
        unlock = stmts[j]
        if not (st.any_added or unlock.any_added):
            continue  # the order was there before the patch
        # back to the lock: the object looked up inside, no get of it there
        found = None
        for i in range(j - 1, -1, -1):
            t = stmts[i].text
            if _LOCK.match(t):
                break
            if found is None and re.match(r"^\s*(?:[\w\s\*]*?\s\**)?%s\s*=\s*(?:\([^()]*\)\s*)?\w+\s*\(" % re.escape(var), t):
                found = stmts[i]
            c = clex.CallStmt.parse(re.sub(r"^\s*if\s*\([^()]*\)\s*", "", t.strip()))
            if c is not None and _is_get(c.name) and _base(c.args.split(",")[0]) == var:
                found = None
                break  # already taken under the lock
        else:
            continue  # no lock in sight
        if found is None:
            continue
        yield st, m.name, var, unlock


def function_sides(fd, post: str | None):
    """Tree mode: for each function of the post-image an added line sits in, its new side as
    diff lines (the added ones marked, the rest context), so the lock and the lookup above a
    hunk are in view; hunk mode: the hunks' new sides."""
    from reviewbot.model import DiffLine
    if post is None:
        if not names_on(fd, "new", _get_names()):
            return  # (see below) no hunk of the file names a get
        for h in fd.hunks:
            # gets_after_unlock() starts from a statement whose call (a whole word of the
            # side's lines: blanking comments and strings never makes one) is a get: a side
            # without such a word yields nothing, and its statements need not be joined
            if hunk_names(fd, h, "new", _get_names()):
                yield h.new_side()
        return
    by_new = {ln.new_no: ln for h in fd.hunks for ln in h.new_side() if ln.new_no}
    added = sorted(no for no, ln in by_new.items() if ln.added)
    lines = post.splitlines()
    done: set[int] = set()
    for no in added:
        if no in done or no > len(lines):
            continue
        i = no - 1
        start = next((k for k in range(i, -1, -1) if lines[k].startswith(("{", "}"))), 0)
        end = next((k for k in range(i, len(lines)) if lines[k].startswith("}")), len(lines) - 1)
        if lines[start].startswith("}"):
            start += 1
        done.update(range(start + 1, end + 2))
        yield [by_new.get(k + 1) or DiffLine(" ", lines[k], None, k + 1) for k in range(start, end + 1)]
