"""Shared reasoning for the get/put balance rules: functions as the diff shows them, exits,
goto unwind chains, aliases and "is this put on the path to that exit".

A `FuncView` pairs one function's old and new image with the diff lines that touch it.  In
tree mode the images are the full functions from `ctx.pre(path)`/`ctx.post(path)`; in hunk mode
they are the hunks' fragments (`cmodel.parse_fragment`), and `partial` is True: a label or put
that the hunks do not show is unknown, not absent.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

from reviewbot import lazyre
from reviewbot import cmodel
from reviewbot.checks import _intent
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _apis
from reviewbot.context import Context
from reviewbot.model import DiffLine, FileDiff

class _Explains:
    """Changelog words that explain a removed put as the fix of an over-put (the author says the
    reference was already dropped elsewhere: "double put", "underflow", "redundant put", ...).
    The vocabulary is `checks/_intent.py`'s, for removed puts; used to lower confidence, never
    to raise it.  `.search(text)` like the regular expression it replaces."""

    def search(self, text: str) -> str | None:
        return _intent.explains(text or "", "put")


OVERPUT_WORDS = _Explains()


@dataclass
class FuncView:
    path: str
    name: str
    _old: object  # cmodel.Function | None, or a callable producing it (parsed lazily)
    _new: object
    partial: bool  # hunk mode: only fragments are known
    by_new: dict[int, DiffLine] = field(default_factory=dict)
    by_old: dict[int, DiffLine] = field(default_factory=dict)
    hunks: list = field(default_factory=list)

    @property
    def old(self) -> cmodel.Function | None:
        if callable(self._old):
            self._old = self._old()
        return self._old

    @property
    def new(self) -> cmodel.Function | None:
        if callable(self._new):
            self._new = self._new()
        return self._new

    def changed(self) -> list[DiffLine]:
        return [ln for h in self.hunks for ln in h.lines if ln.kind != " "]

    def text(self, kinds: str = " +-") -> str:
        return "\n".join(ln.text for h in self.hunks for ln in h.lines if ln.kind in kinds)


def _section_name(section: str) -> str:
    m = re.search(r"(\w+)\s*\(", section or "")
    return m.group(1) if m else (section or "").strip()


def views(fd: FileDiff, ctx: Context, need: Callable[[str], bool] | None = None) -> Iterator[FuncView]:
    """One FuncView per function the diff touches (tree mode) or per run of hunks sharing a
    section header (hunk mode).  With `need`, hunk groups whose text it rejects are
    skipped before anything is parsed."""
    post = ctx.post(fd.path)
    pre = ctx.pre(fd.old_path or fd.path) if fd.old_path else ctx.pre(fd.path)
    if post is not None or pre is not None:
        yield from _tree_views(fd, pre, post)
        return
    groups: list[list] = []
    for h in fd.hunks:
        if groups and _section_name(groups[-1][-1].section) == _section_name(h.section) and h.section:
            groups[-1].append(h)
        else:
            groups.append([h])
    for hs in groups:
        if need is not None and not need("\n".join(ln.text for h in hs for ln in h.lines)):
            continue
        name = _section_name(hs[0].section)
        whole = len(hs) == 1 and hs[0].old_len == 0 and hs[0].new_start <= 1  # a new file
        if not whole and not any(ln.text.rstrip() == "}" for h in hs for ln in h.lines[:-1]):
            v = FuncView(fd.path, name,
                         lambda hs=hs: _only(cmodel.parse_fragment(cmodel.side_lines(hs, "old"))),
                         lambda hs=hs: _only(cmodel.parse_fragment(cmodel.side_lines(hs, "new"))),
                         True, hunks=hs)
            _index(v)
            yield v
            continue
        # the hunks leave the section's function: one view per function they show (a new
        # file is parsed as a file: its file-scope declarations are not a function's locals)
        old_cf = cmodel.parse_fragment(cmodel.side_lines(hs, "old"))
        new_cf = cmodel.parse("\n".join(t for _, t in cmodel.side_lines(hs, "new")) + "\n") if whole \
            else cmodel.parse_fragment(cmodel.side_lines(hs, "new"))
        names, index = [], {}
        for f in old_cf.functions + new_cf.functions:
            if f.name not in names:
                names.append(f.name)
        for n in names:
            of, nf = old_cf.function_named(n), new_cf.function_named(n)
            v = FuncView(fd.path, name if n == cmodel.FRAGMENT_FUNC else n, of, nf, True,
                         hunks=_slice(hs, of, nf, index) if len(names) > 1 else hs)
            _index(v)
            yield v


def _slice(hunks: list, old: cmodel.Function | None, new: cmodel.Function | None,
           index: dict | None = None) -> list:
    """The part of a hunk group that lies inside one function (a group can hold many: a new
    file is one hunk).  Keeps each view linear in its own function's size: the lines of each
    side are found by bisection over that side's (sorted) line numbers, cached in `index`."""
    index = {} if index is None else index
    out = []
    for h in hunks:
        sides = index.get(id(h))
        if sides is None:
            sides = index[id(h)] = (_side_numbers(h, "-", "new_no"), _side_numbers(h, "+", "old_no"))
        keep: set[int] = set()
        for fn, (pos, nos) in ((new, sides[0]), (old, sides[1])):
            if fn is not None:
                keep.update(pos[bisect.bisect_left(nos, fn.start):bisect.bisect_right(nos, fn.end)])
        if keep:
            out.append(replace(h, lines=tuple(h.lines[i] for i in sorted(keep))))
    return out or hunks


def _side_numbers(h, skip: str, attr: str) -> tuple[list[int], list[int]]:
    """Positions in `h.lines` of one side's lines (kind != skip) and their line numbers."""
    pos, nos = [], []
    for i, ln in enumerate(h.lines):
        no = getattr(ln, attr)
        if ln.kind != skip and no is not None:
            pos.append(i)
            nos.append(no)
    return pos, nos


def _only(cf: cmodel.CFile) -> cmodel.Function | None:
    fs = [f for f in cf.functions if f.name == cmodel.FRAGMENT_FUNC]
    return fs[0] if fs else (cf.functions[0] if cf.functions else None)


def _index(v: FuncView) -> None:
    for h in v.hunks:
        for ln in h.lines:
            if ln.new_no is not None and ln.kind != "-":
                v.by_new[ln.new_no] = ln
            if ln.old_no is not None and ln.kind != "+":
                v.by_old[ln.old_no] = ln


def _tree_views(fd: FileDiff, pre: str | None, post: str | None) -> Iterator[FuncView]:
    new_cf = cmodel.parse(post) if post else None
    old_cf = cmodel.parse(pre) if pre else None
    seen: dict[tuple, FuncView] = {}
    for h in fd.hunks:
        for ln in h.lines:
            nf = new_cf.function_at(ln.new_no) if new_cf and ln.new_no and ln.kind != "-" else None
            of = old_cf.function_at(ln.old_no) if old_cf and ln.old_no and ln.kind != "+" else None
            if nf is None and of is None:
                continue
            name = (nf or of).name
            key = name
            v = seen.get(key)
            if v is None:
                if nf is None and new_cf:
                    nf = new_cf.function_named(name)
                if of is None and old_cf:
                    of = old_cf.function_named(name)
                v = seen[key] = FuncView(fd.path, name, of, nf, False)
            if h not in v.hunks:
                v.hunks.append(h)
    for v in seen.values():
        _index(v)
        yield v


# ---------------------------------------------------------------- statements and exits

def line_of(node) -> int:
    return node.start_point[0] + 1


def calls_in(node) -> list[cmodel.Call]:
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "call_expression":
            c = cmodel._call(n)
            if c:
                out.append(c)
        stack.extend(n.children)
    out.sort(key=lambda c: c.line)
    return out


def puts_of(calls, obj: str, putters: tuple[str, ...] | None = None) -> list[cmodel.Call]:
    """Calls that drop a reference on `obj` (any known putter when `putters` is None)."""
    out = []
    for c in calls:
        if (putters is None and _apis.is_putter(c.name)) or (putters and c.name in putters):
            if _apis.same_object(_apis.put_object(c.name, list(c.args)), obj):
                out.append(c)
    return out


def enclosing_if(node):
    """The if_statement whose consequence holds `node` (directly or in a small block)."""
    p = node.parent
    if p is not None and p.type == "compound_statement":
        p = p.parent
    if p is not None and p.type == "if_statement":
        cons = p.child_by_field_name("consequence")
        if cons is not None and cmodel.contains(cons, node):
            return p
    return None


_NEG_TEST = lazyre.compile(r"^\(?\s*(!\s*(?P<a>\*?[\w>.\-\[\]]+)|IS_ERR(_OR_NULL)?\((?P<b>[^()]+)\)|"
                       r"(?P<c>\*?[\w>.\-\[\]]+)\s*==\s*NULL|NULL\s*==\s*(?P<d>\*?[\w>.\-\[\]]+))\s*\)?$")
_NEG_PRED = lazyre.compile(r"^!\s*\w+\(\s*(?P<a>\*?[\w>.\-\[\]]+)\s*\)$")
# Condition wrappers that do not change what is tested: `if (WARN_ON(!dev))`, `unlikely(!np)`.
_COND_WRAPPER = lazyre.compile(r"^\(?\s*(?:WARN_ON(?:_ONCE)?|unlikely|likely|IS_ENABLED_AND)\s*\((.*)\)\s*\)?$")


def _unwrap(cond: str) -> str:
    prev = None
    while prev != cond:
        prev = cond
        m = _COND_WRAPPER.match(cond)
        if m and balanced(m.group(1) + ")", 0) == m.group(1):
            cond = m.group(1).strip()
    return cond


@dataclass(frozen=True)
class Get:
    call: cmodel.Call
    api: _apis.Api
    obj: str  # normalised referenced object


_CLEANUP_VAR = lazyre.compile(r"\b(\w+)\s+__free\s*\(")


def gets(func: cmodel.Function) -> list[Get]:
    """The gets of a function, but not those into a scope-based cleanup variable
    (`struct device_node *np __free(device_node) = of_get_child_by_name(...)`): the compiler
    drops that reference on every exit."""
    if "gets" in func._cache:
        return func._cache["gets"]
    out = []
    auto = None
    for c in func.calls():
        api = _apis.BY_GETTER.get(c.name)
        if api is None:
            continue
        if auto is None:
            auto = set(_CLEANUP_VAR.findall(func.text)) if "__free" in func.text else set()
        if c.lhs and ("__free" in c.lhs or c.lhs in auto):
            continue
        obj = _apis.ref_object(api, list(c.args), c.lhs)
        if obj:
            out.append(Get(c, api, obj))
    func._cache["gets"] = out
    return out


def failed_get_at(func: cmodel.Function, jump_node, aliases: "Aliases | None" = None) -> list[str]:
    """Objects whose get *failed* when `jump_node` runs (it is in the failure branch)."""
    return [o for o, _ in failed_gets_at(func, jump_node)]


def failed_gets_at(func: cmodel.Function, jump_node) -> list[tuple[str, _apis.Api]]:
    """(object, API) of the gets that *failed* when `jump_node` runs: what the failure branch
    does not owe.  The API says which putter the missing reference would have needed."""
    ifs = enclosing_if(jump_node)
    if ifs is None:
        return []
    cond = ifs.child_by_field_name("condition")
    ctext = cmodel._fold(cmodel._text(cond))
    out = []
    for c in calls_in(cond) if cond is not None else []:
        api = _apis.BY_GETTER.get(c.name)
        if api and api.fails and api.ref.startswith("arg") and re.search(r"!\s*%s\b" % c.name, ctext):
            out.append((_apis.ref_object(api, list(c.args), None), api))
        elif api and api.fails and c.lhs:
            out.append((_apis._norm(c.lhs), api))
    inner = ctext[1:-1] if ctext.startswith("(") and ctext.endswith(")") else ctext
    # `if (!np || !of_device_is_available(np))`: the branch also runs with a live np, so an
    # object counts as failed only when every `||` part says so
    per_part = []
    for part in re.split(r"\|\|", _unwrap(inner)):
        found = []
        m = _NEG_TEST.match(_unwrap(part.strip())) or _NEG_PRED.match(_unwrap(part.strip()))
        if m and m.re is _NEG_PRED:
            # `if (!i2c_client_has_driver(client))`: a predicate over what a register call
            # returned is false for its error pointer too, so the branch is its failure path
            for g in gets(func):
                row = kapi.get(g.call.name)
                if row is not None and row.kind == "register" and row.returns_ref and \
                        _apis.same_object(g.obj, m.group("a")) and g.call.line < line_of(jump_node):
                    found.append((_apis._norm(m.group("a")), g.api))
                    break
        elif m:
            var = m.group("a") or m.group("b") or m.group("c") or m.group("d")
            # only when the variable was just assigned from a getter; a returned pointer that
            # tests NULL (or an error pointer) holds no reference, whatever the table says
            for g in gets(func):
                if _apis.same_object(g.obj, var) and g.call.line < line_of(jump_node) and (
                        g.api.fails or g.api.ref == "ret"):
                    found.append((_apis._norm(var), g.api))
                    break
        per_part.append(found)
    for o, a in per_part[0] if per_part else []:
        if all(any(_apis.same_object(o, o2) for o2, _ in other) for other in per_part[1:]):
            out.append((o, a))
    return [(o, a) for o, a in out if o]


@dataclass
class Aliases:
    """`a->b = v;` assignments: a put of `a->b->x` may drop the reference taken as `v->x`."""

    assigns: list[tuple[int, str, str]]  # (line, lhs, rhs identifier)
    writes: list[tuple[int, str]]  # (line, identifier assigned)

    @classmethod
    def of(cls, func: cmodel.Function | None) -> "Aliases":
        assigns, writes = [], []
        if func is not None:
            for n in func._walk():
                if n.type == "assignment_expression":
                    lhs = cmodel._fold(cmodel._text(n.child_by_field_name("left")))
                    rhs = n.child_by_field_name("right")
                    ln = line_of(n)
                    writes.append((ln, lhs))
                    if rhs is not None and rhs.type == "identifier":
                        assigns.append((ln, lhs, cmodel._text(rhs)))
        return cls(assigns, writes)

    def resolve(self, expr: str, at: int) -> set[str]:
        """`expr` and what it stands for at line `at` (aliases whose source was not rewritten)."""
        out = {_apis._norm(expr)}
        e = _apis._norm(expr).lstrip("&")
        for ln, lhs, rhs in self.assigns:
            if ln >= at or not (e == lhs or e.startswith(lhs + "->") or e.startswith(lhs + ".")):
                continue
            later = [w for w in self.assigns if w[1] == lhs and ln < w[0] < at]
            rewritten = [w for w in self.writes if w[1] == rhs and ln < w[0] < at]
            if not later and not rewritten:
                out.add(rhs + e[len(lhs):])
        return out


def same_ref(a: str, b: str, aliases: Aliases | None, at: int) -> bool:
    if _apis.same_object(a, b):
        return True
    if aliases is None:
        return False
    ra = aliases.resolve(a, at)
    rb = aliases.resolve(b, at)
    return any(_apis.same_object(x, y) for x in ra for y in rb)


def chain_calls(func: cmodel.Function, label: str) -> tuple[list[cmodel.Call], bool]:
    """Calls run from `label` to the exit, and whether the label was found at all."""
    stmts = func.label_path(label)
    if not stmts:
        return [], False
    out = []
    for s in stmts:
        out.extend(calls_in(s))
    return out, True


def path_puts(func: cmodel.Function, start_line: int, exit_node) -> list[cmodel.Call]:
    """Putter calls between `start_line` and the exit that run on the way to it: their block
    encloses the exit, or they sit in an `if` that only tests the object (`if (x) put(x)`)."""
    out = []
    end = line_of(exit_node)
    for c in func.calls():
        if not (start_line < c.line <= end) or not _apis.is_putter(c.name):
            continue
        blk = c.node.parent
        while blk is not None and blk.type not in ("compound_statement",):
            blk = blk.parent
        if blk is not None and cmodel.contains(blk, exit_node):
            out.append(c)
    return out


def stored_or_returned(func: cmodel.Function, obj: str, after: int, exit_node) -> bool:
    """The reference leaves the function's hands: stored into a structure, passed to a hand-off
    call, or returned."""
    base = re.split(r"->|\.", obj.lstrip("&"))[0]
    if exit_node is not None and exit_node.type == "return_statement":
        val = cmodel._text(exit_node)[len("return"):].strip(" ;\t\n")
        if re.search(r"\b%s\b" % re.escape(base), val):
            return True
        if re.fullmatch(r"\w+", val) and val not in ("ret", "err", "rc", "error", "status", "res"):
            # `sdev = &sub->sdev; ... return sub;`: the container of the object goes to the caller
            for n in func._walk():
                if n.type == "assignment_expression" or n.type == "init_declarator":
                    t = cmodel._text(n)
                    if re.search(r"\b%s\b" % re.escape(val), t) and re.search(r"\b%s\b" % re.escape(base), t):
                        return True
    end = line_of(exit_node) if exit_node is not None else func.end
    for n in func._walk():
        if n.type == "assignment_expression" and after < line_of(n) <= end:
            rhs = n.child_by_field_name("right")
            lhs = cmodel._fold(cmodel._text(n.child_by_field_name("left")))
            if rhs is not None and _apis.same_object(cmodel._text(rhs).lstrip("&"), obj) and (
                    "->" in lhs or "." in lhs or "[" in lhs or lhs.startswith("*")):
                return True
    for c in func.calls():
        if after < c.line <= end and c.name in _apis.HANDOFF_CALLS and any(
                _apis.same_object(a.lstrip("&"), obj) or obj in a for a in c.args):
            return True
    return False


def balanced(text: str, start: int) -> str:
    """The text from `start` (just after an opening parenthesis) to its closing one."""
    depth, j = 1, start
    while j < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[j], 0)
        j += 1
    return text[start:j - 1]


_BARE_CALL = lazyre.compile(r"^(?P<name>\w+)\s*\((?P<args>.*)\)\s*;$")


class CallStmt:
    """A statement that is one call, optionally guarded: `[if (cond)] name(args);`."""

    def __init__(self, cond: str | None, name: str, args: str):
        self._g = {"cond": cond, "name": name, "args": args}

    def group(self, key: str):
        return self._g[key]

    @classmethod
    def match(cls, text: str) -> "CallStmt | None":
        cond = None
        if text.startswith("if"):
            m = re.match(r"^if\s*\(", text)
            if not m:
                return None
            cond = balanced(text, m.end())
            text = text[m.end() + len(cond) + 1:].strip()
        m = _BARE_CALL.match(text)
        return cls(cond, m.group("name"), m.group("args")) if m else None


def replacements(hunk) -> Iterator[tuple[list, list]]:
    """(removed run, added run) pairs of a hunk: lines replaced in place, in either order."""
    from reviewbot.clex import runs

    rs = runs(hunk.lines)
    for a, b in zip(rs, rs[1:]):
        if {a[0].kind, b[0].kind} != {"-", "+"}:
            continue
        yield (a, b) if a[0].removed else (b, a)


def short(s: str, n: int = 28) -> str:
    """An expression cut to fit a one-line message."""
    return s if len(s) <= n else s[: n - 1] + "…"
