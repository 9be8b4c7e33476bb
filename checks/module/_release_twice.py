"""Added cleanup that the object's release callback does again (MOD019's over-put findings).

Once `device_initialize()`/`device_register()` (or `kobject_init()`) ran, the last put of the
embedded device calls its `release` callback, and what that callback frees is freed there.  A
function that sets `x->dev.release = foo_release` and, on a path after its put of `&x->dev`,
also frees or puts a member the release frees or puts (`kfree(x->name)`, `ida_free(&ida,
x->id)`, `of_node_put(x->np)`) does it twice: a double free, or a reference dropped twice.
The release callback's body is read from the file (tree mode, or a hunk that shows it).

Each finding is a tuple (call, message); the rule builds the Finding.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import cmodel
from reviewbot.analysis.clex import norm
from reviewbot.checks._message import short
from reviewbot.checks.module import _apis, _refpaths
from reviewbot.checks.module._overput import _runs_before

_RELEASE = lazyre.compile(r"^(?P<v>\w+)(->|\.)(?:\w+(?:->|\.))*release$")
_CONVERT = lazyre.compile(r"^\(?\s*(to_\w+|container_of|\w+_from_\w+|dev_get_drvdata)\s*\(\s*&?\s*(?P<p>\w+)")
_OBJ_PUTS = ("put_device", "kobject_put")


def _member_path(arg: str, var: str) -> str | None:
    """`var->name` -> `->name`; `&var->id` -> `&->id` (None when arg is not a member of var)."""
    a = norm(arg)
    amp = a.startswith("&")
    a = a.lstrip("&")
    if not a.startswith(var) or not re.match(r"(->|\.)\w", a[len(var):]):
        return None
    return ("&" if amp else "") + a[len(var):]


def _release_actions(fn) -> set[tuple[str, int, str]]:
    """(call, argument index, member path of the released object) the release callback runs."""
    header = fn.text[:fn.text.find("{")]
    m = re.search(r"\(\s*(?:const\s+)?struct\s+\w+\s*\*\s*(\w+)\s*\)", header)
    if not m:
        return set()
    names = {m.group(1)}
    for a in fn.assignments():
        c = _CONVERT.match(a.right)
        if c and c.group("p") in names and re.fullmatch(r"\w+", a.left):
            names.add(a.left)
    out = set()
    for c in fn.calls():
        for i, a in enumerate(c.args):
            for v in names:
                path = _member_path(a, v)
                if path and not path.lstrip("&").startswith(("->dev", ".dev", "->kobj", ".kobj")):
                    out.add((c.name, i, path))
    return out


def release_twice(view, added_calls, cfile) -> Iterator[tuple]:
    func = view.new
    if func is None or cfile is None:
        return
    releases: dict[str, str] = {}
    for n in func._walk():
        if n.type != "assignment_expression":
            continue
        left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
        if left is None or right is None or right.type != "identifier":
            continue
        m = _RELEASE.match(cmodel._fold(cmodel._text(left)))
        if m:
            releases[m.group("v")] = cmodel._text(right)
    if not releases:
        return
    calls = func.calls()
    for var, fname in releases.items():
        fn = cfile.function_named(fname)
        if fn is None or fn.name == func.name:
            continue
        actions = _release_actions(fn)
        if not actions:
            continue
        puts = [c for c in calls if c.name in _OBJ_PUTS and c.args and norm(c.args[0]).lstrip("&")
                .startswith(var) and re.fullmatch(r"(->|\.)(dev|kobj)", norm(c.args[0]).lstrip("&")[len(var):])]
        for p in added_calls:
            hit = next((i for i, a in enumerate(p.args) if (p.name, i, _member_path(a, var)) in actions), None)
            if hit is None:
                continue
            q = next((q for q in puts if q.line < p.line and _runs_before(q, p)), None)
            if q is None:
                continue
            yield p, (f"{p.name}({short(', '.join(p.args), 24)}) after {q.name}(): "
                      f"{fname}() already does it when that put drops the last reference")
