"""Which functions a patch touches, which spatch matches it introduces, and where to report them."""

from __future__ import annotations

import re
from typing import Iterable

from reviewbot.analysis import cmodel
from reviewbot.context import Context
from reviewbot.model import FileDiff, Patch, Side

_JUMP = re.compile(r"\b(return|goto|break)\b")
_PUTLIKE = re.compile(r"\b\w*(put|free|release|unregister|close|detach|disconnect|del)\w*\s*\(")


def touched(patch: Patch, ctx: Context, keep=None) -> dict[FileDiff, set[str]]:
    """{C file: names of the functions with a changed line, in either image}.  `keep(fd)`:
    only the files it accepts (the others' images are not parsed)."""
    out: dict[FileDiff, set[str]] = {}
    for fd in patch.c_files:
        if fd.is_binary or not fd.path.endswith(".c") or (keep is not None and not keep(fd)):
            continue
        pre, post = ctx.pre(fd.old_path or fd.path), ctx.post(fd.path)
        names: set[str] = set()
        for text, side in ((pre, "-"), (post, "+")):
            if text is None:
                continue
            cf = cmodel.parse(text)
            for ln in fd.lines():
                if ln.kind != side:
                    continue
                f = cf.function_at(ln.old_no if side == "-" else ln.new_no)
                if f is not None and f.name != "?":
                    names.add(f.name)
        if names:
            out[fd] = names
    return out


def _lines(text: str | None) -> list[str]:
    return text.split("\n") if text is not None else []


def _mentions(text: str, obj: str) -> bool:
    return re.search(rf"(?<![\w.>]){re.escape(obj)}\b", text) is not None


def _scoped(lines: list[str], start: int, end: int, obj: str) -> bool:
    """Is `obj` declared with __free() (scope-based cleanup) in these lines?"""
    pat = re.compile(rf"\b{re.escape(obj)}\s+__free\s*\(|__free\s*\(\s*\w+\s*\)\s*\**\s*{re.escape(obj)}\b")
    return any(pat.search(ln) for ln in lines[start - 1:end])


def _label_puts(lines: list[str], start: int, end: int, exit_line: int, obj: str) -> bool:
    """Does the `goto` at `exit_line` land on code that releases `obj`?"""
    m = re.search(r"\bgoto\s+(\w+)\s*;", lines[exit_line - 1] if 0 < exit_line <= len(lines) else "")
    if not m:
        return False
    at = next((i for i in range(start, end + 1) if re.match(rf"\s*{m.group(1)}\s*:", lines[i - 1])), None)
    if at is None:
        return False
    for ln in lines[at:end]:
        if _PUTLIKE.search(ln) and _mentions(ln, obj):
            return True
        if re.match(r"\s*return\b", ln):
            return False
    return False


def _returns_derived(lines: list[str], start: int, end: int, exit_line: int, obj: str) -> bool:
    """Does the exit return a value made from `obj` (`ecc = platform_get_drvdata(pdev); ...
    return ecc;`)?  The caller then holds the reference through it: a hand-off."""
    text = lines[exit_line - 1] if 0 < exit_line <= len(lines) else ""
    m = re.search(r"\breturn\s+(?:\w+\()?\s*&?(\w+)", text)
    if not m or m.group(1) == obj:
        return False
    # v = x->member, &x->member, (T *)x, to_foo(x), container_of(x, ...), *_get_drvdata(x)
    derived = re.compile(rf"\b{re.escape(m.group(1))}\s*=\s*(\([\w\s*]+\)\s*)?"
                         rf"(&?\s*{re.escape(obj)}\s*(->|\.|;)|\w*(drvdata|to_\w+|container_of)\w*\s*\()")
    return any(derived.search(ln) and _mentions(ln.split("=", 1)[1], obj) for ln in lines[start - 1:end])


def _null_branch(f, exit_line: int, obj: str) -> bool:
    """Is the exit on a branch where `obj` is NULL or an error (`if (!x) ...`, the `else` of
    `if (x)`)?  No reference is held there."""
    if f is None or f.node is None:
        return False
    o = re.escape(obj)
    failed = re.compile(rf"^(!\s*{o}|{o}\s*==\s*NULL|NULL\s*==\s*{o}|IS_ERR(_OR_NULL)?\s*\(\s*{o}\s*\))$")
    held = re.compile(rf"^({o}|{o}\s*!=\s*NULL|!\s*IS_ERR(_OR_NULL)?\s*\(\s*{o}\s*\))$")
    stack = [f.node]
    while stack:
        n = stack.pop()
        if not (n.start_point[0] + 1 <= exit_line <= n.end_point[0] + 1):
            continue
        if n.type == "if_statement":
            cond = n.child_by_field_name("condition")
            text = re.sub(r"\s+", " ", cond.text.decode("utf-8", "replace")).strip() if cond is not None else ""
            while text.startswith("(") and text.endswith(")"):
                text = text[1:-1].strip()
            then, other = n.child_by_field_name("consequence"), n.child_by_field_name("alternative")
            inside = lambda b: b is not None and b.start_point[0] + 1 <= exit_line <= b.end_point[0] + 1  # noqa: E731
            if (failed.match(text) and inside(then)) or (held.match(text) and inside(other)):
                return True
        stack.extend(n.children)
    return False


_LEAVES = {"for_statement", "while_statement", "do_statement", "switch_statement"}


def _breaks_loop(f, m) -> bool:
    """Does the `break` at line `m.via` leave the iterator loop that starts at `m.get_line`
    (and not a `switch` or loop inside it)?"""
    if f is None or f.node is None or not m.via:
        return False
    stack, brk = [f.node], None
    while stack:
        n = stack.pop()
        if n.type == "break_statement" and n.start_point[0] + 1 == m.via:
            brk = n
            break
        if n.start_point[0] + 1 <= m.via <= n.end_point[0] + 1:
            stack.extend(n.children)
    n = brk.parent if brk is not None else None
    while n is not None and n.start_point[0] + 1 > m.get_line:
        if n.type in _LEAVES:
            return False
        n = n.parent
    return brk is not None and n is not None and n.type not in _LEAVES


_HOLDER_RELEASE = re.compile(r"\b\w*(put|release|unregister|_del|destroy|cleanup|_free|free_|remove)\w*\s*\(")


def _stored_then_released(lines: list[str], m) -> bool:
    """`foo->parent = y; ... foo_release(foo);` between the get and the exit: the reference was
    handed to a structure whose own release helper drops it on the way out."""
    base = re.sub(r"^&?\s*(\w+).*$", r"\1", m.obj)
    text = lines[m.get_line:m.exit_line]
    holders = {h.group(1) for ln in text
               for h in [re.search(rf"\b(\w+)\s*(->|\.)[\w.>-]+\s*=\s*&?\s*{re.escape(base)}\b", ln)] if h}
    return any(_HOLDER_RELEASE.search(ln) and any(_mentions(ln.split("(", 1)[1], h) for h in holders)
               for ln in text if "(" in ln)


def _keep(m, lines: list[str], cf) -> bool:
    f = cf.function_named(m.function) if cf is not None else None
    start, end = (f.start, f.end) if f is not None else (1, len(lines))
    get = lines[m.get_line - 1] if 0 < m.get_line <= len(lines) else ""
    if m.obj == "__free" or "__free(" in get or _scoped(lines, start, end, m.obj):
        return False
    if m.kind == "iter" and _label_puts(lines, start, end, m.exit_line, m.obj):
        return False
    if m.kind in ("leak", "field", "iterbreak") and _null_branch(f, m.exit_line, m.obj):
        return False
    if m.kind == "iterbreak" and not _breaks_loop(f, m):
        return False
    if m.kind == "take" and (m.obj.startswith("&") or _stored_then_released(lines, m)):
        return False  # `kref_get(&auth->kref)` also matches as the object `auth`, whose escapes are wider
    return m.kind != "leak" or not _returns_derived(lines, start, end, m.exit_line, m.obj)


def old_to_new(fd: FileDiff):
    """The post-image line of each pre-image line the diff keeps (None: a removed line)."""
    kept: dict[int, int | None] = {}
    shifts = []  # (first old line after a hunk, new - old from there on)
    for h in fd.hunks:
        for ln in h.lines:
            if ln.kind == " ":
                kept[ln.old_no] = ln.new_no
            elif ln.kind == "-":
                kept[ln.old_no] = None
        shifts.append((h.old_start + h.old_len, (h.new_start + h.new_len) - (h.old_start + h.old_len)))

    def to_new(no: int) -> int | None:
        if no in kept:
            return kept[no]
        delta = 0
        for first, d in shifts:
            if no >= first:
                delta = d
        return no + delta

    return to_new


def _removed_release(fd: FileDiff, ctx: Context, m) -> bool:
    """Does the patch remove a release of the match's object in its function?"""
    pre = ctx.pre(fd.old_path or fd.path)
    fn = cmodel.parse(pre).function_named(m.function) if pre else None
    return fn is not None and any(ln.kind == "-" and fn.start <= ln.old_no <= fn.end and _PUTLIKE.search(ln.text)
                                  and _mentions(ln.text, m.obj) for ln in fd.lines())


def introduced(patch: Patch, ctx: Context, raw: Iterable) -> list:
    """The post-image matches with no pre-image match of the same kind, function and object,
    each placed on a line of the diff (dropped when no line of the diff relates to it).  When
    the patch removes a release of the object in that function, a pre-image match hides only
    the post-image match of the same exit: the path the removed release was on leaks now,
    also in a function that already leaked the object on another exit."""
    from reviewbot.cocci import RULE_OF_KIND, Match

    raw = list(raw)
    by_path = {fd.path: fd for fd in patch.c_files}
    pre_files = {fd.path: ctx.pre(fd.old_path or fd.path) for fd in patch.c_files}
    before: dict[tuple, set] = {}
    maps = {path: old_to_new(fd) for path, fd in by_path.items()}
    for m in raw:
        if m.side == "pre" and _keep(m, _lines(pre_files.get(m.path)),
                                     cmodel.parse(pre_files[m.path]) if pre_files.get(m.path) else None):
            before.setdefault((m.path, m.kind, m.function, m.obj), set()).add(
                maps[m.path](m.exit_line) if m.path in maps else None)
    out: list[Match] = []
    seen = set()
    for m in sorted((m for m in raw if m.side == "post"), key=lambda m: (m.path, m.get_line, m.exit_line)):
        fd = by_path.get(m.path)
        if fd is None:
            continue
        old_path = fd.old_path or fd.path
        exits = before.get((old_path, m.kind, m.function, m.obj), before.get((m.path, m.kind, m.function, m.obj)))
        if exits is not None and (m.exit_line in exits or not _removed_release(fd, ctx, m)):
            continue
        where = _placed(fd, ctx, m)
        if where is None:
            continue
        key = (m.path, m.kind, m.function, m.obj, where)
        if key in seen:
            continue
        seen.add(key)
        line, side = where
        out.append(Match(RULE_OF_KIND[m.kind], m.kind, m.path, m.function, m.api, m.obj, line, side,
                         m.get_line, m.exit_line))
    return out


def _placed(fd: FileDiff, ctx: Context, m) -> tuple[int, Side] | None:
    """Where `introduced` reports the post-image match `m` unless a pre-image match hides it:
    None when it is dropped whatever the pre-image matched (``_keep``, ``_anchor``)."""
    post = ctx.post(fd.path)
    if not _keep(m, _lines(post), cmodel.parse(post) if post else None):
        return None
    return _anchor(fd, ctx, m)


def reportable(patch: Patch, ctx: Context, m) -> bool:
    """Would `introduced` report the post-image match `m` (its path relative to the patch) if
    no pre-image match hid it?  When no post-image match of a file is, its pre-image matches
    change nothing and spatch need not look for them."""
    fd = {fd.path: fd for fd in patch.c_files}.get(m.path)  # as introduced() finds it
    return fd is not None and _placed(fd, ctx, m) is not None


_GETLIKE = re.compile(r"\b\w*(get|hold|grab)\w*\s*\(")


def _overput_anchor(fd: FileDiff, m, added: dict, pre_fn) -> tuple[int, Side] | None:
    """An over-put is the patch's when it adds the put (the second one), or the put before it
    that it repeats, or removes a get of the object that the put was balancing."""
    if m.exit_line in added:
        return m.exit_line, Side.NEW
    puts = [no for no, ln in added.items() if m.get_line < no < m.exit_line
            and _PUTLIKE.search(ln.text) and _mentions(ln.text, m.obj)]
    if puts:
        return max(puts), Side.NEW
    gets = [ln for ln in fd.lines() if ln.kind == "-" and (pre_fn is None or pre_fn.start <= ln.old_no <= pre_fn.end)
            and _GETLIKE.search(ln.text) and _mentions(ln.text, m.obj)]
    return (gets[0].old_no, Side.OLD) if gets else None


def _anchor(fd: FileDiff, ctx: Context, m) -> tuple[int, Side] | None:
    """The diff line that makes the path, or None when the patch changed nothing that concerns
    this reference (then the match is a difference in how spatch read the two images, not the
    patch's doing).  In order: a removed release of the object; the added exit; the added get;
    the last added jump, or added line naming the object, between get and exit; a removed line
    naming the object (a hand-off taken away)."""
    pre = ctx.pre(fd.old_path or fd.path)
    pre_fn = cmodel.parse(pre).function_named(m.function) if pre else None
    added = {ln.new_no: ln for ln in fd.lines() if ln.kind == "+"}
    if m.kind in ("doubleput", "borrowput"):
        return _overput_anchor(fd, m, added, pre_fn)
    removed = [ln for ln in fd.lines() if ln.kind == "-"
               and (pre_fn is None or pre_fn.start <= ln.old_no <= pre_fn.end)]
    named = [ln for ln in removed if _mentions(ln.text, m.obj)]
    puts = [ln for ln in named if _PUTLIKE.search(ln.text)]
    if puts:
        # the same release added in another function (remove(), a devm action): the reference
        # is now kept for the binding and dropped at teardown, not leaked
        post = ctx.post(fd.path)
        post_fn = cmodel.parse(post).function_named(m.function) if post else None
        called = {c.group(1) for ln in puts for c in re.finditer(r"\b(\w+)\s*\(", ln.text)} - {"if"}
        moved = [ln for no, ln in added.items() if post_fn is not None and not post_fn.start <= no <= post_fn.end
                 and any(re.search(rf"\b{re.escape(c)}\s*\(", ln.text) for c in called if _PUTLIKE.search(c + "("))]
        if moved:
            return None
        return puts[0].old_no, Side.OLD
    for no in (m.exit_line, m.get_line):
        if no in added:
            return no, Side.NEW
    between = [no for no, ln in added.items() if m.get_line < no < m.exit_line
               and (_JUMP.search(ln.text) or _mentions(ln.text, m.obj))]
    if between:
        return max(between), Side.NEW
    if named:
        return named[0].old_no, Side.OLD
    return None
