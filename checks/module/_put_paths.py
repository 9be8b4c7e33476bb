"""Where a removed put sat on the paths of its function, and whose reference it dropped
(MOD003's removed-put detector asks these before calling a removed put a leak).

A removed put is a leak only if a get is still unmatched on its path: not when a put of the
same object (or an unregister, or a lookup that drops its `@from`) already ran on the same
straight path (`put_before`), not when it ends the body of a loop (`loop_body`; in tree mode a
`for_each_*` loop whose cursor it is, `iterator_cursor`: the iterator drops it), and only at
low confidence when it was the firmware node of the function's own parameter device
(`borrowed`).  `main_path` answers the other question: a put of a local with no later put,
reassignment or return of it ran on every later path of its block (the function's, a loop
body's, an `if` branch's).
"""

from __future__ import annotations

import re

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel, flow
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _apis, _refpaths
from reviewbot.context import Context

_EXIT = lazyre.compile(r"^(return\b.*;|goto\s+\w+\s*;|\}\s*$)")
_LABEL = lazyre.compile(r"^\w+\s*:$")
_CONTROL = lazyre.compile(r"^(if|for|while|switch|do|else)\b|\b\w+_for_each\w*\s*\(|^for_each\w*\s*\(")


def loop_body(stmts, i: int) -> bool:
    """Is stmts[i] in the body of a loop whose head is shown (`for`, `while`, `for_each_*`)?"""
    depth = 0
    for st in reversed(stmts[max(0, i - 12):i]):
        t = st.text
        if t.startswith("}") and not t.endswith("{"):
            depth += 1
        elif t.endswith("{"):
            if depth == 0:
                return re.match(r"^(for|while|do)\b|^\w*for_each\w*\s*\(", t) is not None
            depth -= 1
    return False


def put_before(stmts, i: int, obj: str) -> bool:
    """Does a kept put of `obj` (or an unregister, which puts) run right before the removed put
    at stmts[i], on the same straight path (no label, branch or new get in between)?  Then the
    removed put was a second one: removing it fixes an over-put.  Not the first stage of a
    two-stage release of the table (`mdiobus_unregister()` before `mdiobus_free()`): it leaves
    the reference the removed second stage dropped."""
    gone = clex.CallStmt.parse(stmts[i].text)
    for st in reversed(stmts[max(0, i - 6):i]):
        text = st.text
        if _LABEL.match(text) or _CONTROL.search(text) or text.endswith(("{", "}")) or _EXIT.match(text):
            return False
        if all(ln.removed for ln in st.lines):
            continue
        if drops(text, obj):
            return True  # `np = of_find_compatible_node(np, ...)` dropped the reference on its @from
        if _apis.GETTER_NAMES.search(text) and obj.lstrip("&").split("->")[0] in text:
            return False
        m = clex.CallStmt.parse(text)
        if m and m.cond is None and _apis.is_putter(m.name) and _apis.same_object(
                _apis.put_object(m.name, list(cmodel.split_args(m.args))), obj):
            if gone is not None and (m.name, gone.name) in _apis.STAGED:
                continue
            return True
    return False


def ends_block(stmts, i: int) -> bool:
    """Is the first kept statement after stmts[i] a closing brace (the put ends its block)?"""
    for st in stmts[i + 1:]:
        if not all(ln.removed for ln in st.lines):
            return st.text == "}"
    return False


def iterator_cursor(fd, view: flow.FuncView, ctx: Context, st, name: str, obj: str) -> bool:
    """Tree mode: is the removed put (statement `st`) inside a `for_each_*` loop of the table
    whose cursor is `obj`?  The iterator takes and drops the cursor's reference itself."""
    if view.partial or view.old is None:
        return False
    pre = (ctx.pre(fd.old_path or fd.path) or "").splitlines()
    lines = {ln.old_no for ln in st.lines if ln.old_no}
    for c in view.old.calls():
        if c.name != name or c.line not in lines:
            continue
        for anc in cmodel.ancestors(c.node):
            if anc.type not in ("while_statement", "for_statement"):
                continue
            at = flow.line_of(anc)
            head = pre[at - 1] if 0 < at <= len(pre) else ""
            m = re.search(r"\b(\w*for_each\w*)\s*\(", head)
            row = kapi.get(m.group(1)) if m else None
            if row is None or not row.is_iterator or row.ref_arg is None:
                return False
            args = cmodel.split_args(clex.balanced(head, m.end()))
            return row.ref_arg < len(args) and _apis.same_object(args[row.ref_arg], obj)
    return False


def drops(text: str, obj: str) -> str | None:
    """The lookup of the table that `text` calls and that drops its `@from`/`@prev` argument,
    given `obj` (`pci_get_device(v, d, pdev)`), or None."""
    for m in re.finditer(r"\b(\w+)\s*\(", text):
        row = kapi.get(m.group(1))
        if row is None or row.drops_arg is None or row.is_iterator:
            continue
        args = cmodel.split_args(clex.balanced(text, m.end()))
        if row.drops_arg < len(args) and _apis.same_object(args[row.drops_arg], obj):
            return row.name
    return None


PARAM = lazyre.compile(r"(\w+)\s*(?:\[\s*\])?\s*[,)]")


def borrowed(view: flow.FuncView, h, obj: str, name: str = "") -> bool:
    """Is `obj` the firmware node of the function's own parameter device (`pdev->dev.of_node`,
    `dev->of_node`), or a node the function is given (`of_node_put(np)` of a parameter `np`),
    with no get of it in sight?  The device, or the caller, holds that reference, not the
    function: a put of it was an over-put, and removing it fixes one."""
    base = re.sub(r"((->|\.)(dev|of_node|fwnode|kobj))+$", "", clex.norm(obj).lstrip("&*"))
    if not re.fullmatch(r"\w+", base):
        return False
    if view.partial or view.old is None:
        header = h.section or ""
        text = view.text(" -")
    else:
        header = view.old.text.split("{", 1)[0]
        text = view.old.text
    if "(" not in header:
        return False
    params = PARAM.findall(header.split("(", 1)[1]) + [c for c in [flow.cut_param(header, text)] if c]
    if base not in params:
        return False
    node_param = name in ("of_node_put", "fwnode_handle_put") and clex.norm(obj).lstrip("&*") == base
    if re.search(r"(->|\.)(of_node|fwnode)$", clex.norm(obj)) is None and not node_param:
        return False  # the device itself: a remove() may drop what its probe() took
    return not any(_apis.same_object(g, obj) or _apis.same_object(g, base)
                   for _, g in calls_on_text(text))


def calls_on_text(text: str) -> list[tuple[str, str]]:
    out = []
    for m in _apis.GETTER_NAMES.finditer(text):
        api = _apis.BY_GETTER[m.group(1)]
        args = list(cmodel.split_args(clex.balanced(text, m.end())))
        line_start = text.rfind("\n", 0, m.start()) + 1
        lhs = re.match(r"^\s*(?:[\w\s\*]+?\s\**)?([\w>.\-\[\]&]+)\s*=\s*$", text[line_start:m.start()])
        obj = _apis.ref_object(api, args, lhs.group(1) if lhs else None)
        if obj:
            out.append((m.group(1), obj))
    return out


def _block_removed(stmts, i: int) -> bool:
    """Is the rest of the block holding stmts[i], up to its closing brace, removed too?"""
    ind = stmts[i].indent
    for st in stmts[i + 1:]:
        if st.text.startswith("}") and st.indent < ind:
            return all(ln.removed for ln in st.lines)
        if not all(ln.removed for ln in st.lines):
            return False
    return True


def main_path(view: flow.FuncView, h, stmts, i: int, obj: str) -> bool:
    """A removed put of a local that is not a parameter, with no later kept put, reassignment
    or return of it shown: it ran on every path that got there (in the outermost block, or in
    a loop body or `if` branch: `np = of_parse_phandle(...); of_address_to_resource(np, ...);
    of_node_put(np); if (ret) ...`), and now every exit after it keeps the reference (each
    round of a loop leaks one).  The local may be a
    member of a structure on the stack (`args.np` of `of_parse_phandle_with_args(..., &args)`,
    `struct fwnode_reference_args`): the lookup filled it, the function owns it."""
    var = _apis.base_object(obj)  # `&pdev->dev` is pdev's reference
    if not re.fullmatch(r"\w+(\.\w+)?", var):
        return False
    if not re.match(r"^\t(?!\t)\S", stmts[i].lines[0].text) and _block_removed(stmts, i):
        return False  # an inner block removed with its put (a branch merged away): not a path that stays
    header = h.section if view.partial or view.old is None else view.old.text.split("{", 1)[0]
    if "(" in (header or "") and var.split(".")[0] in PARAM.findall(header.split("(", 1)[1]) + [
            flow.cut_param(header, view.text())]:
        alias = _held_alias(view, stmts[i], var)
        if alias is None:
            return False  # the caller's object
        obj = re.sub(r"(?<![\w>.])%s\b" % re.escape(var), alias, obj)
        var = alias
    if not view.partial and view.new is not None and _put_later(view, h, stmts[i], obj, var):
        return False  # tree mode: the function still drops it after that point
    for later in stmts[i + 1:]:
        if all(ln.removed for ln in later.lines):
            continue
        c = clex.CallStmt.parse(later.text)
        if c and _apis.is_putter(c.name) and _apis.same_object(
                _apis.put_object(c.name, list(cmodel.split_args(c.args))), obj):
            return False  # a later put of it is kept
        m = re.search(r"(?<![\w>.])%s\s*=(?!=)([^;]*)" % re.escape(var), later.text)
        if m and not re.search(r"(?<![\w>.])%s\b" % re.escape(var), m.group(1)):
            return True  # overwritten: the reference it held is lost here
        if m or re.search(r"\breturn\b[^;]*\b%s\b" % re.escape(var), later.text):
            return False  # handed to what it is reassigned from, or returned: it goes on elsewhere
    return True


def _held_alias(view: flow.FuncView, st, param: str) -> str | None:
    """Tree mode: the local whose reference a put of the parameter `param` drops, because the
    put sits under `if (local == param)` and the function takes references on that local
    (regulator core: `if (r == rdev) { ...; put_device(&rdev->dev); ... }`, `r` from a lookup)."""
    if view.partial or view.old is None or view.new is None:
        return None
    no = st.lines[0].old_no
    lines = view.old.text.splitlines()
    k = (no or 0) - view.old.start
    if not 0 <= k < len(lines):
        return None
    ind = len(lines[k]) - len(lines[k].lstrip("\t"))
    for text in reversed(lines[:k]):
        if not text.strip() or len(text) - len(text.lstrip("\t")) >= ind:
            continue
        ind = len(text) - len(text.lstrip("\t"))
        m = re.match(r"^\s*(?:\}\s*else\s+)?if\s*\(\s*(\w+)\s*==\s*(\w+)\s*\)", text)
        if m and param in m.groups():
            other = m.group(1) if m.group(2) == param else m.group(2)
            held = any(_apis.base_object(g.obj) == other for g in _refpaths.gets(view.new))
            return other if held else None
        if ind == 0:
            return None
    return None


def _put_later(view: flow.FuncView, h, st, obj: str, var: str) -> bool:
    """Tree mode: does the new function put `obj` after the place of the removed put `st`,
    with `var` not bound to another object in between (an assignment, a `*for_each*(var, ...)`
    loop head: `list_for_each_entry_safe(desc, ...)` over another list puts other nodes; the
    parsed text shows such heads as `while (desc, ...)`)?"""
    k = h.lines.index(st.lines[-1])
    at = next((ln.new_no for ln in h.lines[k + 1:] if ln.new_no), None) or \
        next((ln.new_no + 1 for ln in reversed(h.lines[:k]) if ln.new_no), 0)
    lines = view.new.text.splitlines()
    start = view.new.start
    rebind = re.compile(r"(?<![\w>.])%s\s*=(?!=)|(?:for_each\w*|while)\s*\(\s*%s\s*," % (re.escape(var), re.escape(var)))
    from reviewbot.checks.module._exit_leaks import reached_after
    here = next((n for n in view.new._walk() if n.type.endswith("statement") and n.start_point[0] + 1 >= at),
                None)
    for c in view.new.calls():
        if c.line < at or not _apis.is_putter(c.name) or \
                not _apis.same_object(_apis.put_object(c.name, list(c.args)), obj):
            continue
        between = lines[max(at - start, 0):max(c.line - start, 0)]
        if any(rebind.search(t) for t in between):
            continue
        if here is not None and not reached_after(view.new, here, c.node, here.start_point[0] + 1):
            continue  # under a label the path from there never jumps to (it returns first)
        return True
    return False


_IF_OPEN = lazyre.compile(r"^\s*if\b.*\{\s*$")


def narrowed(view: flow.FuncView, h, st, obj: str, added_elsewhere: int) -> bool:
    """Was the removed put `st` (on the straight path, right before `if (...) {`) moved into
    that branch, which exits (`r = populate(...); put(x); if (r) {...; return r; }` becomes
    `if (r) { put(x); return r; }`)?  The put ran on every path; now the path that goes on past
    the branch keeps the reference, unless the patch puts it elsewhere too (`added_elsewhere`:
    the file's other added puts of it), or the code after the branch still uses the object
    (the old put was premature: a fix that keeps the reference for the success path)."""
    var = _apis.base_object(obj)
    if not re.fullmatch(r"\w+", var) or added_elsewhere:
        return False
    header = h.section if view.partial or view.old is None else view.old.text.split("{", 1)[0]
    if "(" in (header or "") and var in PARAM.findall(header.split("(", 1)[1]):
        return False  # the caller's object
    lines = h.lines
    k = lines.index(st.lines[-1]) + 1
    rest = [ln for ln in lines[k:] if not ln.removed and ln.text.strip()]
    if not rest or not _IF_OPEN.match(rest[0].text):
        return False
    ind = len(st.lines[0].text) - len(st.lines[0].text.lstrip())
    depth, moved, last, after = 0, False, "", []
    for n, ln in enumerate(rest):
        depth += ln.text.count("{") - ln.text.count("}")
        if depth <= 0 and n:
            after = rest[n + 1:]
            break
        t = ln.text.strip()
        if n and t and t != "}":
            last = t
        c = clex.CallStmt.parse(t) if ln.added else None
        if c and _apis.is_putter(c.name) and _apis.same_object(
                _apis.put_object(c.name, list(cmodel.split_args(c.args))), obj):
            if depth != 1 or len(ln.text) - len(ln.text.lstrip()) <= ind:
                return False
            moved = True
    else:
        return False  # the branch's end is out of sight
    if not moved or not re.match(r"(return\b.*|goto\s+\w+\s*);$", last):
        return False
    word = re.compile(r"(?<![\w>.])%s\b" % re.escape(var))
    return not any(word.search(ln.text) for ln in after)


_GENERIC_WORDS = frozenset(("err", "error", "out", "fail", "failed", "exit", "bail", "put", "unref", "free",
                            "undo", "cleanup", "done", "ret", "release", "dev"))


def label_puts_object(label: str, obj: str) -> bool:
    """Does an unwind label out of sight say by its name that it puts `obj` (`goto
    err_put_codec` for `put_device(codec_dev)`, `out_host_put` for `scsi_host_put(shost)`,
    `err_put_devs` for `&chip->devs`)?  The name must name a put and a word of the object's
    own name (its variable or last member), not only its family (`err_put_node` may put
    another node)."""
    if not _PUT_LABEL.search(label):
        return False
    words = set(label.lower().split("_")) - _GENERIC_WORDS
    names = re.findall(r"[A-Za-z]\w*", clex.norm(obj).lstrip("&*"))
    own = {w for n in names[-1:] + names[:1] for w in [n.lower()] + n.lower().split("_") if len(w) > 1} - _GENERIC_WORDS
    own |= {w[1:] for w in own if w[:1] in "sp" and len(w) > 4}  # shost -> host, pdev stays
    return bool(words & own)


_PUT_LABEL = lazyre.compile(r"(^|_)(put|unref)(_|$)")
