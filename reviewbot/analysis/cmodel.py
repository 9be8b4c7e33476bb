"""A C model built with tree-sitter: functions, calls, exits, labels, initializers, #if blocks.

`parse(text)` reads a whole file (tree mode: `ctx.post(path)` / `ctx.pre(path)`);
`parse_fragment(lines)` reads what a hunk shows (context plus one side's changed lines),
wrapped in a dummy function so statements parse, with the real line numbers kept.

Kernel macros confuse the grammar (`list_for_each_entry(...) {`, attribute soup, `#ifdef`
halves of an `if`).  tree-sitter recovers with ERROR nodes; a `Function` whose subtree holds
one is marked `degraded`, and rules lower their confidence or skip it: never guess silently.
Nothing here raises on bad input.

The Parser and Language are built once per process, and parsed files are cached by content,
so rules that all look at the same post-image share one parse.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

MAX_BYTES = 4_000_000  # larger inputs are not parsed (a generated table, not code to review)
MAX_FRAGMENT_LINES = 20_000  # a hunk view of one function never spans more
STATEMENT_DEPTH = 64  # how far up from a call its statement is looked for
PARSE_SECONDS = 1.0  # CPU seconds of one parse; past it the file or fragment counts as unparsable


@functools.lru_cache(maxsize=1)
def _language():
    """The C grammar, loaded on first use (most patches never reach a parse: start-up stays lean)."""
    try:  # the grammar is a runtime dependency, but a broken install must not crash the review
        import tree_sitter
        import tree_sitter_c
    except ImportError:  # pragma: no cover - exercised only on a broken install
        return None
    return tree_sitter.Language(tree_sitter_c.language())


_PARSERS = threading.local()


def _parser():
    """This thread's C parser.  A tree_sitter.Parser is not safe to share: a service reviews in
    several threads, and two parses at once in one parser crashed the process."""
    p = getattr(_PARSERS, "parser", None)
    if p is None:
        lang = _language()
        if lang is None:
            return None
        import tree_sitter

        p = _PARSERS.parser = tree_sitter.Parser(lang)
    return p


def _text(node) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


def _fold(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[str, ...]
    line: int  # line of the call's name
    stmt_line: int  # first line of the enclosing statement
    lhs: str | None  # `x` in `x = f(...)` or `T *x = f(...)`
    in_condition: bool  # the call sits in an if/while condition
    node: object = field(compare=False, repr=False, default=None)


@dataclass(frozen=True)
class Jump:
    kind: str  # "return" | "goto" | "break" | "continue"
    line: int
    label: str | None = None  # goto target
    value: str = ""  # return expression text
    node: object = field(compare=False, repr=False, default=None)


@dataclass(frozen=True)
class Label:
    name: str
    line: int
    node: object = field(compare=False, repr=False, default=None)


@dataclass(frozen=True)
class Initializer:
    """`struct T var = { .f = v, ... }` (file or function scope)."""

    struct_type: str | None
    var: str | None
    fields: tuple[tuple[str, str, int], ...]  # (designator, value text, line)
    line: int


@dataclass(frozen=True)
class Assign:
    """`left = right` or `T *left = right` (a declaration with an initializer)."""

    left: str  # folded, leading `*` and spaces dropped: `x`, `p->dev`
    right: str  # folded
    line: int
    node: object = field(compare=False, repr=False, default=None)


@dataclass
class Function:
    name: str
    start: int
    end: int
    degraded: bool
    node: object = field(repr=False, default=None)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def body(self):
        return self.node.child_by_field_name("body") if self.node is not None else None

    @property
    def text(self) -> str:
        return _text(self.node)

    def _walk(self) -> list:
        if "walk" not in self._cache:
            out = []
            stack = [self.node]
            while stack:
                n = stack.pop()
                out.append(n)
                stack.extend(reversed(n.children))
            self._cache["walk"] = out
        return self._cache["walk"]

    def assignments(self) -> list[Assign]:
        """Every assignment and initialised declaration of the function, in source order."""
        if "assign" not in self._cache:
            out = []
            for n in self._walk():
                if n.type not in ("init_declarator", "assignment_expression"):
                    continue
                left = n.child_by_field_name("declarator") or n.child_by_field_name("left")
                right = n.child_by_field_name("value") or n.child_by_field_name("right")
                if left is None or right is None:
                    continue
                out.append(Assign(re.sub(r"^[\s*]+", "", _fold(_text(left))), _fold(_text(right)),
                                  n.start_point[0] + 1, n))
            self._cache["assign"] = out
        return self._cache["assign"]

    def calls(self) -> list[Call]:
        if "calls" not in self._cache:
            self._cache["calls"] = [c for n in self._walk() if n.type == "call_expression"
                                    for c in [_call(n)] if c]
        return self._cache["calls"]

    def jumps(self) -> list[Jump]:
        if "jumps" not in self._cache:
            out = []
            for n in self._walk():
                if n.type == "return_statement":
                    val = _text(n)[len("return"):].rstrip(";").strip()
                    out.append(Jump("return", n.start_point[0] + 1, value=_fold(val), node=n))
                elif n.type == "goto_statement":
                    lab = n.child_by_field_name("label")
                    out.append(Jump("goto", n.start_point[0] + 1, label=_text(lab), node=n))
                elif n.type in ("break_statement", "continue_statement"):
                    out.append(Jump(n.type.split("_")[0], n.start_point[0] + 1, node=n))
            self._cache["jumps"] = out
        return self._cache["jumps"]

    def labels(self) -> dict[str, Label]:
        if "labels" not in self._cache:
            out = {}
            for n in self._walk():
                if n.type == "labeled_statement":
                    lab = n.child_by_field_name("label")
                    out[_text(lab)] = Label(_text(lab), n.start_point[0] + 1, n)
            self._cache["labels"] = out
        return self._cache["labels"]

    def statements(self) -> list:
        """Every statement node of the body in source order (nested ones included)."""
        if "stmts" not in self._cache:
            self._cache["stmts"] = [n for n in self._walk() if n.type.endswith("_statement")
                                    or n.type in ("declaration", "labeled_statement")]
        return self._cache["stmts"]

    def label_path(self, label: str, limit: int = 8) -> list:
        """Top-level statements executed from `label` on: falls through later labels, follows
        gotos (at most `limit` of them), stops at the first return."""
        out = []
        seen = set()
        target = label
        labels = self.labels()
        while target and target not in seen and len(seen) < limit:
            seen.add(target)
            lab = labels.get(target)
            if lab is None or lab.node.parent is None:
                return out
            node = lab.node
            while node.parent is not None and node.parent.type == "labeled_statement":
                node = node.parent
            if node.parent is None:
                return out
            top = [c for c in node.parent.named_children if c.type != "comment"]
            idx = next((i for i, s in enumerate(top) if s.start_byte == node.start_byte), None)
            if idx is None:
                return out
            target = None
            block = node.parent
            while True:
                for s in top[idx:]:
                    inner = _unlabel(s)
                    out.append(s)
                    if inner is not None and inner.type == "break_statement":
                        break
                    if inner is not None and inner.type == "return_statement":
                        return out
                    if inner is not None and inner.type == "goto_statement":
                        target = _text(inner.child_by_field_name("label"))
                        break
                else:
                    break  # fell off the end of the block
                if target is not None:
                    break
                # `cleanup: ...; put(bo); break;` in a loop body (xe_bo.c): on after the loop
                loop = block.parent
                if block.type != "compound_statement" or loop is None or loop.type not in (
                        "for_statement", "while_statement", "do_statement") or loop.parent is None:
                    return out
                top = [c for c in loop.parent.named_children if c.type != "comment"]
                idx = next((i for i, t in enumerate(top) if t.start_byte == loop.start_byte), None)
                if idx is None:
                    return out
                idx += 1
                block = loop.parent
        return out


def _unlabel(node):
    while node is not None and node.type == "labeled_statement":
        kids = [c for c in node.named_children if c.type != "statement_identifier"]
        node = kids[0] if kids else None
    return node


def descendants(node) -> Iterator:
    """`node` and every named node below it (depth first)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.named_children)


def ancestors(node) -> Iterator:
    n = node.parent if node is not None else None
    while n is not None:
        yield n
        n = n.parent


def contains(outer, inner) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


def split_args(text: str) -> tuple[str, ...]:
    """Split an argument list's text at top-level commas (types and macros are fine)."""
    from reviewbot.analysis.clex import blank

    out, depth, cur = [], 0, []
    for ch in blank(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip() or out:
        out.append("".join(cur))
    return tuple(re.sub(r"\b(struct|union|enum)\$+", r"\1 ", _fold(a)) for a in out)


_TEST_WRAPPERS = frozenset({"likely", "unlikely", "WARN_ON", "WARN_ON_ONCE"})


def _test_wrapper(p) -> bool:
    """`unlikely(f(x))`: the argument list (or the call) of a wrapper that returns its test."""
    call = p.parent if p.type == "argument_list" else p
    if call is None or call.type != "call_expression" or (p.type == "argument_list") == (p is call):
        return False
    fn = call.child_by_field_name("function")
    args = call.child_by_field_name("arguments")
    return fn is not None and _text(fn) in _TEST_WRAPPERS and args is not None and args.named_child_count == 1


def _call(n) -> Call | None:
    fn = n.child_by_field_name("function")
    if fn is None or fn.type != "identifier":
        return None
    args_node = n.child_by_field_name("arguments")
    args = split_args(_text(args_node)[1:-1]) if args_node is not None else ()
    lhs = None
    stmt_line = n.start_point[0] + 1
    in_cond = False
    p = n.parent
    while p is not None and (p.type in ("parenthesized_expression", "cast_expression", "unary_expression",
                                        "binary_expression", "pointer_expression") or _test_wrapper(p)):
        if p.type == "parenthesized_expression" and p.parent is not None and p.parent.type in (
                "if_statement", "while_statement"):
            in_cond = True
        p = p.parent
    if p is not None and p.type == "assignment_expression" and p.child_by_field_name("right") is not None \
            and contains(p.child_by_field_name("right"), n):
        lhs = _fold(_text(p.child_by_field_name("left")))
    elif p is not None and p.type == "init_declarator":
        d = p.child_by_field_name("declarator")
        while d is not None and d.type in ("pointer_declarator", "array_declarator"):
            d = d.child_by_field_name("declarator")
        lhs = _text(d) if d is not None else None
    # the statement is a few levels up; a damaged fragment can nest thousands of ERROR nodes,
    # and walking to the root for every call made that quadratic
    for a in itertools.islice(ancestors(n), STATEMENT_DEPTH):
        if a.type.endswith("_statement") or a.type == "declaration":
            stmt_line = a.start_point[0] + 1
            break
    return Call(_text(fn), args, n.start_point[0] + 1, stmt_line, lhs, in_cond, n)


@dataclass
class CFile:
    text: str
    tree: object = field(repr=False, default=None)
    functions: list[Function] = field(default_factory=list)
    degraded: bool = False
    error: str | None = None  # why nothing could be parsed

    def function_at(self, line: int) -> Function | None:
        """The first function (list order) whose lines hold `line`.  A file's functions are
        sorted by start (`_build`): bisected over the starts and the running maximum of the
        ends (tree mode asks once per diff line), else scanned."""
        fs = self.functions
        index = self.__dict__.get("_at_index")
        if index is None or index[0] != len(fs):
            index = None
            if all(a.start <= b.start for a, b in zip(fs, fs[1:])):
                ends, top = [], 0
                for f in fs:
                    top = max(top, f.end)
                    ends.append(top)
                index = (len(fs), [f.start for f in fs], ends)
            self.__dict__["_at_index"] = index or (len(fs), None, None)
        if index is None or index[1] is None:
            return next((f for f in fs if f.start <= line <= f.end), None)
        _, starts, ends = index
        # candidates: start <= line (a prefix); the first of them whose end >= line lies at or
        # after the first running maximum >= line
        for k in range(bisect.bisect_left(ends, line), bisect.bisect_right(starts, line)):
            if fs[k].end >= line:
                return fs[k]
        return None

    def function_named(self, name: str) -> Function | None:
        return next((f for f in self.functions if f.name == name), None)

    def nodes(self, *types: str) -> Iterator:
        """Every node of these types in the file (document order not guaranteed)."""
        if self.tree is None:
            return
        stack = [self.tree.root_node]
        while stack:
            n = stack.pop()
            if n.type in types:
                yield n
            stack.extend(n.children)

    def initializers(self) -> list[Initializer]:
        out = []
        for n in self.nodes("init_declarator"):
            val = n.child_by_field_name("value")
            if val is not None and val.type == "initializer_list":
                out.append(_initializer(n, val))
        return sorted(out, key=lambda i: i.line)

def _initializer(decl, val) -> Initializer:
    var = decl.child_by_field_name("declarator")
    while var is not None and var.type in ("pointer_declarator", "array_declarator"):
        var = var.child_by_field_name("declarator")
    stype = None
    p = decl.parent
    if p is not None and p.type == "declaration":
        t = p.child_by_field_name("type")
        if t is not None and t.type == "struct_specifier":
            name = t.child_by_field_name("name")
            stype = _text(name) if name is not None else None
    fields = []
    for pair in val.named_children:
        if pair.type != "initializer_pair":
            continue
        desig = "".join(_text(d) for d in pair.children_by_field_name("designator"))
        v = pair.child_by_field_name("value")
        fields.append((desig.lstrip("."), _fold(_text(v)), pair.start_point[0] + 1))
    return Initializer(stype, _text(var) if var is not None else None, tuple(fields), decl.start_point[0] + 1)


def _has_error(node) -> bool:
    return node.has_error


def function_of(n) -> Function:
    """The Function of a `function_definition` node."""
    decl = n.child_by_field_name("declarator")
    while decl is not None and decl.type != "function_declarator":
        decl = decl.child_by_field_name("declarator")
    name_node = decl.child_by_field_name("declarator") if decl is not None else None
    name = _text(name_node) if name_node is not None and name_node.type == "identifier" else "?"
    return Function(name, n.start_point[0] + 1, n.end_point[0] + 1, _has_error(n), n)


def siblings_of(func: Function) -> list[Function]:
    """The functions of the text `func` was parsed from (a whole file in tree mode or for a new
    file; the fragment's in hunk mode).  Memoised on `func`: the same sibling objects, whose
    calls() and walks are then built once however many questions a rule asks (a new list each
    call: the caller may change it)."""
    got = func._cache.get("siblings")
    if got is None:
        got = func._cache["siblings"] = _siblings(func)
    return list(got)


def _siblings(func: Function) -> list[Function]:
    root = func.node
    while root is not None and root.parent is not None:
        root = root.parent
    out, stack = [], [root] if root is not None else []
    while stack:
        n = stack.pop()
        if n.type == "function_definition":
            out.append(function_of(n))
            continue
        stack.extend(n.children)
    return out


def _build(text: str, tree) -> CFile:
    cf = CFile(text=text, tree=tree)
    root = tree.root_node
    cf.degraded = root.has_error
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type == "function_definition":
            cf.functions.append(function_of(n))
            continue
        stack.extend(n.children)
    cf.functions.sort(key=lambda f: f.start)
    return cf


_LOOP_MACRO = re.compile(r"(?m)^(?P<pre>[ \t]*(?:\}\s*)?)(?P<name>\w*for_each\w*)(?=\s*\()")
_TYPE_ARG = re.compile(r"\b(struct|union|enum)(\s+)(\w+)(?=\s*[,)])")
# The same matches, one keyword each: a pattern that starts with a literal is searched for
# that string (an alternation after \b is tried at every position: 3x slower on a file).
# `(?<!\wKW)` right after the keyword is the \b before it.
_TYPE_ARG_KW = tuple(re.compile(rf"{kw}(?<!\w{kw})(\s+)\w+(?=\s*[,)])") for kw in ("struct", "union", "enum"))
# Attribute macros with arguments (`static __printf(3, 0) struct x *f(...)`, `... __acquires(lock)`):
# the grammar reads them as a call and loses the function; they become blanks.
_ATTR_MACRO = re.compile(r"\b(?:__printf|__scanf|__attribute__|__section|__aligned|__must_hold|__acquires|"
                         r"__releases|__cond_acquires|__cond_releases|__alloc_size|__diagnose_as|__no_sanitize_\w+)"
                         r"\s*\((?:[^()\n]|\((?:[^()\n]|\([^()\n]*\))*\))*\)")


# Cheap tests that each substitution below can match at all (most files: not all three).
# _TYPE_ARG without its leading \b (a match of it is one of this); the attribute macros' names.
_TYPE_ARG_MAYBE = re.compile(r"(?:struct|union|enum)\s+\w+\s*[,)]")
_ATTR_NAMES = ("__printf", "__scanf", "__attribute__", "__section", "__aligned", "__must_hold", "__acquires",
               "__releases", "__cond_acquires", "__cond_releases", "__alloc_size", "__diagnose_as",
               "__no_sanitize_")


def normalize(text: str) -> str:
    """Rewrite kernel macro shapes the C grammar cannot read, keeping every byte offset:
    `list_for_each_entry(p, h, m) {` becomes a `while` loop over the comma expression, and a bare
    type argument (`container_of(p, struct foo, m)`) becomes one identifier (`struct$foo`)."""
    if "for_each" in text:
        text = _LOOP_MACRO.sub(lambda m: m.group("pre") + "while" + " " * (len(m.group("name")) - 5)
                               if len(m.group("name")) >= 5 else m.group(0), text)
    if _TYPE_ARG_MAYBE.search(text):
        text = _type_args(text)
    if "__" in text and any(name in text for name in _ATTR_NAMES):
        text = _ATTR_MACRO.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _type_args(text: str) -> str:
    """_TYPE_ARG.sub(keyword + "$" * len(space) + name): the keywords' matches merged in order
    (two never overlap: a match ends at a name followed by `,` or `)`)."""
    found = sorted((m for p in _TYPE_ARG_KW for m in p.finditer(text)), key=lambda m: m.start())
    out, pos = [], 0
    for m in found:
        if m.start() < pos:
            continue
        out += (text[pos:m.start(1)], "$" * (m.end(1) - m.start(1)))
        pos = m.end(1)
    return "".join(out) + text[pos:] if out else text


_RANGED = threading.local()


def _ranged_parser():
    """This thread's parser for text that starts at a later row (see parse)."""
    p = getattr(_RANGED, "parser", None)
    if p is None and _language() is not None:
        import tree_sitter

        p = _RANGED.parser = tree_sitter.Parser(_language())
    return p


@functools.lru_cache(maxsize=64)
def parse(text: str, first_row: int = 0) -> CFile:
    """Parse a whole C file.  Never raises: an unusable input gives a CFile with `error` set.

    `first_row` is the 0-based row of the text's first line in the file it comes from: node
    positions count from there (a tree-sitter included range), so a hunk at line 900000 costs
    what a hunk at line 1 costs instead of 900000 padding lines."""
    p = _parser() if not first_row else _ranged_parser()
    if p is None:
        return CFile(text=text, error="tree-sitter is not installed")
    if len(text) > MAX_BYTES:
        return CFile(text=text, error=f"file too large to parse ({len(text)} characters)")
    data = normalize(text).encode("utf-8", "replace")
    if len(data) > MAX_BYTES:
        return CFile(text=text, error=f"file too large to parse ({len(data)} bytes)")
    try:
        if first_row:
            import tree_sitter

            p.included_ranges = [tree_sitter.Range((first_row, 0), (first_row + data.count(b"\n") + 1, 0),
                                                   0, len(data))]
        tree = _parse_bounded(p, data)
        if tree is None:
            return CFile(text=text, error=f"parse gave up after {PARSE_SECONDS:g} s of CPU")
    except Exception as exc:  # pragma: no cover - tree-sitter does not raise on bad C
        return CFile(text=text, error=f"parse failed: {exc}")
    return _build(text, tree)


def _parse_bounded(p, data: bytes):
    """p.parse(data), or None past PARSE_SECONDS: tree-sitter's error recovery is super-linear
    on some damaged input (a hunk of unbalanced braces repeated a thousand times took 14 s).
    The progress callback works only with chunked input, hence the reader.  The tree keeps the
    reader as its source and serves every node.text by calling it again, concatenating chunks
    up to the node's end: small chunks keep that cheap (a 64 KB chunk copied per node cost 50 us
    a node on a 500 KB file), and cost the parse itself nothing measurable."""
    deadline = time.thread_time() + PARSE_SECONDS  # CPU time: the same verdict on a busy machine
    try:
        tree = p.parse(lambda offset, _point: data[offset:offset + _CHUNK],
                       progress_callback=lambda *_state: time.thread_time() > deadline)
    except ValueError:  # "Parsing failed": cancelled by the callback
        tree = None
    if tree is None:
        p.reset()  # a cancelled parse would resume on the next call
    return tree


_CHUNK = 1024  # bytes the reader hands out per call (a parse or a node.text)


FRAGMENT_FUNC = "__reviewbot_fragment__"


def parse_fragment(lines: Sequence[tuple[int, str]]) -> CFile:
    """Parse a hunk's view of one function body: `lines` are (line number, text) pairs in order.

    Gaps between the pairs (other hunks, or the other side's lines) become blank lines so line
    numbers stay true.  The text is wrapped in a dummy function; a fragment that opens or closes
    more braces than it shows is balanced with synthetic ones.  The result has exactly one
    Function (named FRAGMENT_FUNC) unless the fragment holds whole function definitions.
    """
    if not lines:
        return CFile(text="", error="empty fragment")
    first = lines[0][0]
    numbers = [no for no, _ in lines if no is not None]
    if numbers and max(numbers) - first > MAX_FRAGMENT_LINES:
        # no function is that long: hunks far apart under one section header, or a hostile
        # diff (its blank-line padding, and tree-sitter's parent lookups, grow with the span)
        return CFile(text="", error=f"fragment spans {max(numbers) - first} lines")
    out: list[str] = []
    cur = first
    for no, txt in lines:
        if no is None or no < cur:
            continue
        while cur < no:
            out.append("")
            cur += 1
        out.append(txt)
        cur = no + 1
    from reviewbot.analysis.clex import blank

    # A hunk that starts inside a block comment (` * text`, ` */`): that text is comment, not
    # code; blank it up to the first `*/` that no `/*` opened (line numbers stay).
    joined = "\n".join(out)
    close, open_ = joined.find("*/"), joined.find("/*")
    if close != -1 and (open_ == -1 or close < open_):
        k, seen = 0, 0
        while seen + len(out[k]) + 1 <= close + 2:
            seen += len(out[k]) + 1
            out[k] = ""
            k += 1
        col = close + 2 - seen
        out[k] = " " * col + out[k][col:]

    # A hunk that starts inside a function header (git's section line holds its first line,
    # the context goes on with the rest of the parameters down to the body's column-0 "{"):
    # those lines are no statements; blank them (line numbers stay).
    brace = next((i for i, t in enumerate(out[:8]) if t.startswith("{")), None)
    if brace and all(not t.strip() or (t[:1] in " \t" and ";" not in t and "{" not in t and "}" not in t)
                     for t in out[:brace]) and out[brace - 1].rstrip().endswith(")"):
        out[:brace] = [""] * brace

    # A column-0 "}" ends the function the hunk starts in; what follows is top-level code
    # (whole functions the hunk shows), parsed as such.
    end = next((i for i, t in enumerate(out) if t.rstrip() == "}"), None)
    hdr = _definition_start(out, len(out) if end is None else end)
    if hdr is not None:
        # the hunk shows a function from its header (kernel style: a column-0 "{" under it)
        # before any function ends: what is above it is top-level code the hunk starts in
        # (a declaration's tail); the function is parsed as itself, closed if cut off
        code = blank("\n".join(out[hdr:]))
        rest = "\n".join([""] * hdr + out[hdr:]) + "\n" + "}" * max(code.count("{") - code.count("}"), 0) + "\n"
        return parse(rest, first - 1) if first >= 2 else parse(rest)
    tail: list[str] = []
    if end is not None and any(t.strip() for t in out[end + 1:]):
        head_lines, tail = out[:end], out[end:]
    else:
        head_lines = out
    code = blank("\n".join(head_lines))
    opens = code.count("{") - code.count("}")
    # Unmatched closing braces at the start: prepend openers; unmatched openers: append closers.
    depth = low = 0
    for ch in code:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            low = min(low, depth)
    pre = "{" * (-low)
    post = "}" * max(opens - low, 0)
    if tail:  # the real closing brace closes the wrapper; balance on that same line
        tail = [post + tail[0]] + tail[1:]
        closing = ""
    else:
        closing = "\n" + post + "}"
    head = f"void {FRAGMENT_FUNC}(void) {{{pre}"
    body = "\n".join(head_lines + tail)
    # head goes on the line before the first shown line (line numbers stay exact: parse's first_row)
    if first >= 2:
        return parse(head + "\n" + body + closing + "\n", first - 2)
    return parse(head + " " + body + closing + "\n")


_DECL_START = re.compile(r"^[A-Za-z_][\w\s\*]*\b\w+\s*\(")


def _definition_start(out: list[str], before: int) -> int | None:
    """Index of the first line of a function definition whose column-0 "{" is shown before
    `before` (its header: a column-0 declarator line, maybe continued on indented lines)."""
    for j in range(1, before):
        if out[j].rstrip() != "{":
            continue
        k = j - 1
        while k > 0 and out[k][:1] in (" ", "\t") and out[k].strip():
            k -= 1
        head = " ".join(t.strip() for t in out[k:j])
        if _DECL_START.match(out[k]) and head.endswith(")") and not head.startswith(("#", "typedef")):
            return k
        return None
    return None


def side_lines(hunks: Iterable, side: str) -> list[tuple[int, str]]:
    """(line number, text) of what the hunks show on one side ('new' or 'old')."""
    if side == "new":
        return [(ln.new_no, ln.text) for h in hunks for ln in h.new_side() if ln.new_no is not None]
    return [(ln.old_no, ln.text) for h in hunks for ln in h.old_side() if ln.old_no is not None]
