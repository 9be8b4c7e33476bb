"""Added cleanup that the object's release callback does again, or a release callback that
repeats what the put's caller did (MOD019's over-put findings).

Once `device_initialize()`/`device_register()` (or `kobject_init()`) ran, the last put of the
embedded device calls its `release` callback, and what that callback frees is freed there.  A
function that sets `x->dev.release = foo_release` and, on a path after its put of `&x->dev`,
also frees or puts a member the release frees or puts (`kfree(x->name)`, `ida_free(&ida,
x->id)`, `of_node_put(x->np)`) does it twice: a double free, or a reference dropped twice.
The release callback's body is read from the file (tree mode, or a hunk that shows it).

Each finding is a tuple (call, message); the rule builds the Finding.
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import cmodel
from reviewbot.analysis.clex import norm, pointee_struct
from reviewbot.checks._message import short
from reviewbot.checks.module import _apis, _refpaths
from reviewbot.checks.module._overput import _runs_before

_RELEASE = lazyre.compile(r"^(?P<v>\w+)(->|\.)(?:\w+(?:->|\.))*release$")
_CONVERT = lazyre.compile(r"^\(?\s*(to_\w+|container_of|\w+_from_\w+|dev_get_drvdata)\s*\(\s*&?\s*(?P<p>\w+)")
_OBJ_PUTS = ("put_device", "kobject_put")
# a call that gives something up: a put, free or unregister (twice is a double free or put)
_DROPS = lazyre.compile(r"(put|free|release|destroy|unref|unregister|delete|_del$|remove|kill)", re.I)


def _member_path(arg: str, var: str) -> str | None:
    """`var->name` -> `->name`; `&var->id` -> `&->id` (None when arg is not a member of var)."""
    a = norm(arg)
    amp = a.startswith("&")
    a = a.lstrip("&")
    if not a.startswith(var) or not re.match(r"(->|\.)\w", a[len(var):]):
        return None
    return ("&" if amp else "") + a[len(var):]


def _release_calls(fn) -> list[tuple]:
    """(call, argument index, member path of the released object) of each call the release
    callback `fn` runs on a member of the object it releases."""
    header = fn.text[:fn.text.find("{")]
    m = re.search(r"\(\s*(?:const\s+)?struct\s+\w+\s*\*\s*(\w+)\s*\)", header)
    if not m:
        return []
    names = {m.group(1)}
    for a in fn.assignments():
        c = _CONVERT.match(a.right)
        if c and c.group("p") in names and re.fullmatch(r"\w+", a.left):
            names.add(a.left)
    out = []
    for c in fn.calls():
        for i, a in enumerate(c.args):
            for v in names:
                path = _member_path(a, v)
                if path and not path.lstrip("&").startswith(("->dev", ".dev", "->kobj", ".kobj")):
                    out.append((c, i, path))
    return out


def _release_actions(fn) -> set[tuple[str, int, str]]:
    """(call, argument index, member path of the released object) the release callback runs."""
    return {(c.name, i, path) for c, i, path in _release_calls(fn)}


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


def _struct_of(fn, var: str) -> str | None:
    """The struct type `var` is declared with in `fn` (a parameter or a local), or None."""
    return pointee_struct(fn.text, var)


def release_again(view, added_calls, cfile) -> Iterator[tuple]:
    """An added call in a device's release callback that a function of the file already makes
    on the same member before its put of that device.

    `x->dev.release = foo_release` in the file makes `foo_release()` run at the last put of
    `&x->dev`; a function that does `unregister(x->m); ...; put_device(&x->dev);` (without
    clearing `x->m` in between) has it done once, and the release added here does it again:
    a second unregister, free or put of the member."""
    func = view.new
    if func is None or cfile is None or not added_calls:
        return
    sets = re.finditer(r"(?<![\w>.])(?P<v>\w+)(?P<m>(?:(?:->|\.)\w+)+?)\.release\s*=\s*&?\s*%s\s*;"
                       % re.escape(func.name), cfile.text)
    owners = set()  # (container struct, member the device is embedded as)
    for s in sets:
        line = cfile.text.count("\n", 0, s.start()) + 1
        setter = cfile.function_at(line)
        member = re.split(r"->|\.", s.group("m"))[-1]
        t = _struct_of(setter, s.group("v")) if setter is not None else None
        if t and member in ("dev", "kobj"):
            owners.add((t, member))
    owners |= _typed_owners(func.name, cfile)
    if not owners:
        return
    mine = [(c, i, path) for c, i, path in _release_calls(func) if _DROPS.search(c.name)
            and any(c.line == p.line and c.name == p.name for p in added_calls)]
    if not mine:
        return
    for g in cfile.functions:
        if g.name == func.name or g.node is None:
            continue
        calls = g.calls()
        for t, member in owners:
            for v in set(re.findall(r"\bstruct\s+%s\s*\*\s*(\w+)\s*[,;)=]" % re.escape(t), g.text)):
                puts = [r for r in calls if r.name in _OBJ_PUTS + ("device_unregister",) and r.args
                        and norm(r.args[0]).lstrip("&") in (f"{v}->{member}", f"{v}.{member}")]
                if not puts:
                    continue
                for p, i, path in mine:
                    q = next((q for q in calls if q.name == p.name and len(q.args) > i
                              and _member_path(q.args[i], v) == path), None)
                    if q is None:
                        continue
                    r = next((r for r in puts if r.line > q.line and _runs_before(q, r)), None)
                    if r is None or _cleared(g, v, path, q.line, r.line):
                        continue
                    yield p, (f"{p.name}({short(', '.join(p.args), 24)}) in the release callback: "
                              f"{g.name}() already does it before {r.name}() drops the reference "
                              f"that runs {func.name}()")
                    mine = [x for x in mine if x[0] is not p]
        if not mine:
            return


def _typed_owners(fname: str, cfile) -> set[tuple[str, str]]:
    """(container struct, member) of the objects whose type's release is `fname`: a `struct
    kobj_type` given to `kobject_init[_and_add](&x->kobj, &ktype, ...)` or a `struct
    device_type` set as `x->dev.type = &dtype;` in the file, whose `.release` is `fname`."""
    out = set()
    for init in cfile.initializers():
        if init.struct_type not in ("kobj_type", "device_type") or not init.var or \
                not any(f == "release" and v.lstrip("&").strip() == fname for f, v, _ in init.fields):
            continue
        k = re.escape(init.var)
        uses = [(m, "kobj") for m in re.finditer(
            r"\bkobject_init(?:_and_add)?\s*\(\s*&\s*(?P<v>\w+)\s*(?:->|\.)\s*(?P<m>\w+)\s*,\s*&\s*%s\b" % k,
            cfile.text)] + [(m, "dev") for m in re.finditer(
                r"(?<![\w>.])(?P<v>\w+)\s*(?:->|\.)\s*(?P<m>\w+)\s*\.\s*type\s*=\s*&\s*%s\s*;" % k, cfile.text)]
        for m, _family in uses:
            setter = cfile.function_at(cfile.text.count("\n", 0, m.start()) + 1)
            t = _struct_of(setter, m.group("v")) if setter is not None else None
            if t:
                out.add((t, m.group("m")))
    return out


def _cleared(fn, var: str, path: str, start: int, end: int) -> bool:
    """Is `var<path>` assigned in `fn` between lines start and end (`x->m = NULL;`)?"""
    target = var + path.lstrip("&")
    return any(start <= a.line <= end and norm(a.left) == target for a in fn.assignments())


# `x->dev.release = fn;`, `card->private_free = fn;`: a callback the last put/free of the
# holder (`&x->dev`, `card`) runs
CALLBACK_SET = lazyre.compile(r"(?<![\w>.])(?P<h>\w+(?:(?:->|\.)\w+)*?)(?:->|\.)(?:release|private_free)"
                              r"\s*=\s*&?\s*(?P<fn>\w+)\s*;")
# the tail every CALLBACK_SET match holds: a cheap scan that rules most files out (the whole
# pattern, with its look-behind and lazy holder, costs ~10 ms on a 250 KB file)
_CALLBACK_TAIL = lazyre.compile(r"(?:release|private_free)\s*=\s*&?\s*\w+\s*;")


@functools.lru_cache(maxsize=8)
def sets_callbacks(text: str) -> bool:
    """CALLBACK_SET.search(text) is not None (memoised: a post-image is asked once)."""
    return _CALLBACK_TAIL.search(text) is not None and CALLBACK_SET.search(text) is not None


# what drops the holder's reference (an unregister or destroy alone need not: v4l2_device_unregister())
_LAST_PUT = lazyre.compile(r"(put|free)|^device_unregister$")
_PRIVATE = lazyre.compile(r"^\(?\s*(?P<p>\w+)\s*->\s*private_data\s*$")


def _typed_actions(fn) -> set[tuple[str, int, str, str]]:
    """(call, argument index, member path, struct type of the object) of each dropping call the
    callback `fn` makes on a member of its object, or of what that object leads to (its container,
    drvdata, `->private_data`)."""
    header = fn.text[:fn.text.find("{")]
    m = re.search(r"\(\s*(?:const\s+)?struct\s+\w+\s*\*\s*(\w+)\s*\)", header)
    if not m:
        return set()
    names = {m.group(1)}
    for a in fn.assignments():
        c = _CONVERT.match(a.right) or _PRIVATE.match(a.right)
        if c and c.group("p") in names and re.fullmatch(r"\w+", a.left):
            names.add(a.left)
    out = set()
    for c in fn.calls():
        if not _DROPS.search(c.name):
            continue
        for i, a in enumerate(c.args):
            for v in names:
                path = _member_path(a, v)
                t = _struct_of(fn, v) if path else None
                if t and not path.lstrip("&").startswith(("->dev", ".dev", "->kobj", ".kobj")):
                    out.add((c.name, i, path, t))
    return out


def _holder_matches(arg: str, g, holder: str, setter) -> bool:
    """Is `arg` (an argument in function g) the holder expression `holder` of function `setter`,
    judged by struct types: the same member of a same-typed base, or a same-typed variable?"""
    a = norm(arg).lstrip("&")
    ha = re.match(r"^(\w+)((?:->|\.)\w+)*$", a)
    hh = re.match(r"^(\w+)((?:->|\.)\w+)*$", holder)
    if not ha or not hh:
        return False
    ta, th = _struct_of(g, ha.group(1)), _struct_of(setter, hh.group(1))
    if ta is None or ta != th:
        return False
    last = lambda e: re.split(r"->|\.", e)[-1] if re.search(r"->|\.", e) else None  # noqa: E731
    return last(a) == last(holder)


def freed_again(view, added_calls, cfile) -> Iterator[tuple]:
    """An added dropping call after the put or free of an object whose callback, set anywhere in
    the file (`x->dev.release = fn;`, `card->private_free = fn;`), makes the same call on the
    same member of a same-typed object: the last put runs the callback, which does it again
    (snd-go7007.c: `snd_card_free_when_closed(gosnd->card); v4l2_device_put(&go->v4l2_dev);`
    where `go7007_snd_card_free()` puts `&go->v4l2_dev` of `card->private_data`)."""
    func = view.new
    if func is None or cfile is None or not added_calls:
        return
    calls = func.calls()
    seen = set()
    for s in CALLBACK_SET.finditer(cfile.text):
        fn = cfile.function_named(s.group("fn"))
        setter = cfile.function_at(cfile.text.count("\n", 0, s.start()) + 1)
        if fn is None or setter is None or fn.name == func.name:
            continue
        actions = _typed_actions(fn)
        if not actions:
            continue
        holder = norm(s.group("h"))
        for p in added_calls:
            if p.line in seen or not _DROPS.search(p.name):
                continue
            for i, a in enumerate(p.args):
                m = re.match(r"^&?\s*(\w+)\s*(?:->|\.)", norm(a))
                path = _member_path(a, m.group(1)) if m else None
                t = _struct_of(func, m.group(1)) if path else None
                if t is None or (p.name, i, path, t) not in actions:
                    continue
                q = next((q for q in calls if q.line < p.line and q is not p and _LAST_PUT.search(q.name)
                          and q.args and _holder_matches(q.args[0], func, holder, setter)
                          and _runs_before(q, p)), None)
                if q is None or any(q.line < c.line < p.line and "get" in c.name and any(
                        norm(x) == norm(a) for x in c.args) for c in calls):
                    continue
                seen.add(p.line)
                yield p, (f"{p.name}({short(', '.join(p.args), 24)}) after {q.name}({short(q.args[0], 24)}): "
                          f"{fn.name}(), which that call runs, does it too")
                break
