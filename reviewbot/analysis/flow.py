"""Functions as a diff shows them, and the paths through them: exits, goto unwind chains,
the `if` a statement sits in, and aliases.

What a path does to a *reference* (gets, puts, hand-offs) is the rules' business: that part
needs the kernel-API table and lives with the checks (checks/module/_refpaths.py).

A `FuncView` pairs one function's old and new image with the diff lines that touch it.  In
tree mode the images are the full functions from `ctx.pre(path)`/`ctx.post(path)`; in hunk mode
they are the hunks' fragments (`cmodel.parse_fragment`), and `partial` is True: a label or put
that the hunks do not show is unknown, not absent.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator, Protocol

from reviewbot.analysis import cmodel
from reviewbot.analysis.clex import norm
from reviewbot.model import DiffLine, FileDiff


class Images(Protocol):
    """Where the whole files come from in tree mode (a check's Context is one)."""

    def pre(self, path: str) -> str | None: ...

    def post(self, path: str) -> str | None: ...


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


@functools.lru_cache(maxsize=4096)  # pure; asked for every hunk, twice, by each rule's views
def section_name(section: str) -> str:
    """The function name in a hunk header's section (`static int foo_probe(struct ...` -> foo_probe)."""
    m = _SECTION_CALL.search(section or "")
    return m.group(1) if m else (section or "").strip()


_SECTION_CALL = re.compile(r"(\w+)\s*\(")


_CUT_PARAM = re.compile(r"\(\s*(?:[^()]*,)?\s*(?:const\s+)?(?:struct\s+)?\w+\s*\*+\s*(\w+)$")


def cut_param(header: str, text: str) -> str | None:
    """git cuts a hunk's section line at 80 characters, so the last parameter's name may be
    cut (`static int foo_probe(struct platform_device *pde`).  The identifier of `text` (the
    code the hunks show) that the cut name begins, the shortest one; None when the header is
    whole or the name is not used."""
    h = (header or "").rstrip()
    if ")" in h.split("(", 1)[-1]:
        return None
    m = _CUT_PARAM.search(h)
    if not m:
        return None
    stem = m.group(1)
    names = sorted({w for w in re.findall(r"\b%s\w*" % re.escape(stem), text or "")}, key=len)
    return names[0] if names else None


def views(fd: FileDiff, ctx: Images, need: Callable[[str], bool] | None = None) -> Iterator[FuncView]:
    """One FuncView per function the diff touches (tree mode) or per run of hunks sharing a
    section header (hunk mode).  With `need`, hunk groups whose text (each line prefixed by
    its diff kind, " ", "+" or "-") it rejects are skipped before anything is parsed."""
    post = ctx.post(fd.path)
    pre = ctx.pre(fd.old_path or fd.path) if fd.old_path else ctx.pre(fd.path)
    if post is not None or pre is not None:
        yield from _tree_views(fd, pre, post)
        return
    groups: list[list] = []
    for h in fd.hunks:
        if groups and section_name(groups[-1][-1].section) == section_name(h.section) and h.section:
            groups[-1].append(h)
        else:
            groups.append([h])
    for hs in groups:
        if need is not None and not need("\n".join(ln.kind + ln.text for h in hs for ln in h.lines)):
            continue
        name = section_name(hs[0].section)
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


# ---------------------------------------------------------------- statements, branches and exits

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
        out = {norm(expr)}
        e = norm(expr).lstrip("&")
        for ln, lhs, rhs in self.assigns:
            if ln >= at or not (e == lhs or e.startswith(lhs + "->") or e.startswith(lhs + ".")):
                continue
            later = [w for w in self.assigns if w[1] == lhs and ln < w[0] < at]
            rewritten = [w for w in self.writes if w[1] == rhs and ln < w[0] < at]
            if not later and not rewritten:
                out.add(rhs + e[len(lhs):])
        return out


def chain_calls(func: cmodel.Function, label: str) -> tuple[list[cmodel.Call], bool]:
    """Calls run from `label` to the exit, and whether the label was found at all."""
    stmts = func.label_path(label)
    if not stmts:
        return [], False
    out = []
    for s in stmts:
        out.extend(calls_in(s))
    return out, True
