"""Small, fast C helpers for hunk-level reasoning (no parser needed).

Comments and string literals are blanked (keeping columns and line structure), and physical
lines are joined into statements so `if (a &&\\n try_module_get(m))` is seen as one.
Function-level analysis with tree-sitter lives in reviewbot.analysis.cmodel (the model) and
reviewbot.analysis.flow (functions as a diff shows them, and their paths).
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from reviewbot.model import DiffLine

_TOKEN = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
_NOT_NL = re.compile(r"[^\n]")
_WS = re.compile(r"\s+")
_DEREF_ASSIGN = re.compile(r"\*\s*\w+\s*=")
_STAR_LINE = re.compile(r"^[^\S\n]*\*", re.M)


def blank(text: str) -> str:
    """Replace comments and string/char literal contents with spaces (newlines kept)."""
    if "/" not in text and '"' not in text and "'" not in text:
        return text  # every token _TOKEN matches starts with one of these
    return _TOKEN.sub(_blank_token, text)


def _blank_token(m: re.Match) -> str:
    s = m.group(0)
    if "\n" not in s:  # one line (nearly all): every character but the quotes becomes a space
        if s[0] in "\"'":
            return s[0] + " " * (len(s) - 2) + s[-1]
        return " " * len(s)
    if s[0] in "\"'":
        return s[0] + _NOT_NL.sub(" ", s[1:-1]) + s[-1]
    return _NOT_NL.sub(" ", s)


class _Lines:
    """Cache key: the very DiffLine objects (identity), kept alive while the entry is cached.

    Several checks ask for the statements of the same hunk side; the answer depends only on
    these lines, so it is computed once (a bounded LRU keeps memory flat over long series).
    """

    __slots__ = ("lines", "_ids", "_hash")

    def __init__(self, lines: Iterable[DiffLine]):
        self.lines = tuple(lines)
        self._ids = tuple(map(id, self.lines))  # both keys hold their lines: equal ids = same objects
        self._hash = hash(self._ids)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return isinstance(other, _Lines) and self._ids == other._ids


_SCOPE = threading.local()  # .memo: {(function, key): result} of the patch under review


@contextlib.contextmanager
def memo_scope():
    """Remember every answer until the block ends (the engine opens one per patch).

    The LRU below is bounded (memory flat over long series), so on a patch with more hunk
    sides than it holds, each check that walks all hunks would recompute every one of them;
    inside a scope each hunk side is computed once per patch, whatever the patch's size."""
    prev = getattr(_SCOPE, "memo", None)
    _SCOPE.memo = {}
    try:
        yield
    finally:
        _SCOPE.memo = prev


def _scoped(fn, key: "_Lines"):
    memo = getattr(_SCOPE, "memo", None)
    if memo is None:
        return fn(key)
    got = memo.get((fn, key))
    if got is None:
        got = memo[fn, key] = fn(key)
    return got


def code_lines(lines: Sequence[DiffLine]) -> list[str]:
    """The lines' text with comments/strings blanked, comment state carried across lines."""
    return list(_scoped(_code_lines, _Lines(lines)))


_FUNCTION_HEAD = re.compile(r"^[A-Za-z_].*\)\s*\{\s*$")
_FUNCTION_DECL = re.compile(r"^[A-Za-z_].*\)\s*$")  # a definition whose `{` is on the next line


def function_removed(old: Sequence[DiffLine], idx: int) -> bool:
    """Is old-side line `idx` (of a hunk's old side) inside a function whose opening `{` is
    removed too: the function goes as a whole, not just this line?  Climbs the blocks around
    the line (comments and strings blanked) to the one that opens at column 0 (`{` alone, or
    a definition line ending in `{`).  The function's own head and `{` lines count as inside."""
    text = old[idx].text
    nxt = old[idx + 1].text if idx + 1 < len(old) else ""
    if text.startswith("{") or _FUNCTION_HEAD.match(text) or (nxt.startswith("{") and _FUNCTION_DECL.match(text)):
        return old[idx].removed
    codes = code_lines(old)
    depth = 0
    for j in range(idx - 1, -1, -1):
        depth += codes[j].count("}") - codes[j].count("{")
        if depth < 0:
            if old[j].text.startswith("{") or _FUNCTION_HEAD.match(old[j].text):
                return old[j].removed
            depth = 0  # an inner block: keep climbing to the function
    return False


@functools.lru_cache(maxsize=1024)
def _code_lines(key: _Lines) -> tuple[str, ...]:
    lines = key.lines
    joined = "\n".join([ln.text for ln in lines])
    # An unterminated /* at the end of a fragment: blank to the end.
    out = blank(joined)
    start = out.find("/*")
    if start >= 0:
        out = out[:start] + _NOT_NL.sub(" ", out[start:])
    # A fragment that starts inside a comment (' * foo' / '*/' lines).
    res = out.split("\n")
    if "*" not in joined:
        return tuple(res)
    i, pos = 0, 0
    for m in _STAR_LINE.finditer(joined):  # the lines whose first non-blank is '*'
        i += joined.count("\n", pos, m.start())
        pos = m.start()
        t = lines[i].text.lstrip()
        if not t.startswith("*)") and "*/" not in t[:2] or t.startswith("*/"):
            if not _DEREF_ASSIGN.match(t):  # '*p = x;' is code
                res[i] = " " * len(res[i])
    return tuple(res)


@dataclass(frozen=True)
class Stmt:
    text: str  # joined, comments blanked, whitespace folded
    lines: tuple[DiffLine, ...]

    @property
    def first(self) -> DiffLine:
        return self.lines[0]

    def line_of(self, needle: str) -> DiffLine:
        """The physical line where `needle` (a regex) first matches; the first line otherwise."""
        for ln, code in zip(self.lines, code_lines(self.lines)):
            if re.search(needle, code):
                return ln
        return self.first

    @property
    def any_added(self) -> bool:
        return any(ln.added for ln in self.lines)

    @property
    def indent(self) -> int:
        """The leading whitespace of its first line (tabs and spaces, each one)."""
        text = self.lines[0].text
        return len(text) - len(text.lstrip("\t "))


def statements(lines: Sequence[DiffLine]) -> list[Stmt]:
    """Join physical lines into statements (split after ';', '{', '}' and preprocessor lines)."""
    return list(_scoped(_statements, _Lines(lines)))


@functools.lru_cache(maxsize=1024)
def _statements(key: _Lines) -> tuple[Stmt, ...]:
    lines = key.lines
    out: list[Stmt] = []
    buf: list[DiffLine] = []
    parts: list[str] = []
    depth = 0
    for ln, code in zip(lines, _code_lines(key)):
        stripped = code.strip()
        if not buf:
            if not stripped:
                continue
            if stripped[0] == "#":
                out.append(Stmt(stripped, (ln,)))
                continue
        buf.append(ln)
        parts.append(stripped)
        if "(" in stripped or ")" in stripped:
            depth += stripped.count("(") - stripped.count(")")
        last = stripped[-1:]
        if depth <= 0 and (last in _ENDS and last or last == ":" and not stripped.endswith("::")):
            out.append(Stmt(_fold(parts), tuple(buf)))
            buf, parts, depth = [], [], 0
        elif len(buf) > 40:  # runaway (macro soup): give up on this fragment
            out.append(Stmt(_fold(parts), tuple(buf)))
            buf, parts, depth = [], [], 0
    if buf:
        out.append(Stmt(_fold(parts), tuple(buf)))
    return tuple(out)


_ENDS = frozenset(";{}")


def _fold(parts: list[str]) -> str:
    """The statement's stripped lines joined, whitespace runs folded to one space."""
    text = parts[0] if len(parts) == 1 else " ".join(parts)
    # printable ASCII only (" " to "~": no tab, no other whitespace than " "), tested without a regex
    if "  " in text or text.endswith(" ") or not (text.isascii() and text.isprintable()):
        return _WS.sub(" ", text).strip()
    return text


def call_args(text: str, func: str) -> list[str]:
    """Argument text of every call to `func` in `text` (balanced parentheses)."""
    res = []
    if func not in text:  # the rules ask about every call name in every hunk: most are absent
        return res
    for m in _call_of(func).finditer(text):
        i = m.end()
        depth = 1
        j = i
        while j < len(text) and depth:
            if text[j] == "(":
                depth += 1
            elif text[j] == ")":
                depth -= 1
            j += 1
        res.append(text[i:j - 1].strip())
    return res


@functools.lru_cache(maxsize=4096)
def _call_of(func: str) -> re.Pattern:
    return re.compile(r"\b%s\s*\(" % re.escape(func))


@functools.lru_cache(maxsize=65536)  # pure; the checks compare every call with every other
def norm(expr: str | None) -> str:
    """Normalise an expression for comparison: no spaces, no redundant outer parens."""
    e = _WS.sub("", expr or "")
    while e.startswith("(") and e.endswith(")"):
        e = e[1:-1]
    return e


def pointee_struct(text: str, var: str) -> str | None:
    """The struct `var` is declared in `text` to point to (`struct foo *var;`, a parameter
    `struct foo *var)`, `struct foo *var = ...`), or None."""
    m = re.search(r"\bstruct\s+(\w+)\s*\*\s*%s\s*[;=,)]" % re.escape(var), text)
    return m.group(1) if m else None


def runs(lines: Iterable[DiffLine]) -> list[list[DiffLine]]:
    """Split a hunk's lines into maximal runs of the same kind."""
    out: list[list[DiffLine]] = []
    for ln in lines:
        if out and out[-1][0].kind == ln.kind:
            out[-1].append(ln)
        else:
            out.append([ln])
    return out


def replacements(hunk) -> Iterator[tuple[list[DiffLine], list[DiffLine]]]:
    """(removed run, added run) pairs of a hunk: lines replaced in place, in either order.
    Found once per hunk (its memo, when it has one: several rules ask); fresh lists each time."""
    memo = getattr(hunk, "_memo", None)
    got = memo.get("replacements") if memo is not None else None
    if got is None:
        got = tuple(_replacements(hunk.lines))
        if memo is not None:
            memo["replacements"] = got
    for a, b in got:
        yield list(a), list(b)


def _replacements(lines) -> Iterator[tuple[tuple[DiffLine, ...], tuple[DiffLine, ...]]]:
    rs = runs(lines)
    for a, b in zip(rs, rs[1:]):
        if {a[0].kind, b[0].kind} != {"-", "+"}:
            continue
        yield (tuple(a), tuple(b)) if a[0].removed else (tuple(b), tuple(a))


_DEFINITION = re.compile(r"^(?:[A-Za-z_][^;(]*?\b)?(\w+)\s*\(", re.M)


def defining_function(text: str, pos: int) -> str | None:
    """The name on the column-0 line that defines the function around offset `pos` of a C
    text (the last such line after the previous function's closing brace), or None."""
    m = None
    for m in _DEFINITION.finditer(text, max(text.rfind("\n}", 0, pos), 0), pos + 1):
        pass
    return m.group(1) if m is not None else None


def balanced(text: str, start: int) -> str:
    """The text from `start` (just after an opening parenthesis) to its closing one."""
    depth, j = 1, start
    while j < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[j], 0)
        j += 1
    return text[start:j - 1]


_BARE_CALL = re.compile(r"^(?P<name>\w+)\s*\((?P<args>.*)\)\s*;$")
_IF = re.compile(r"^if\s*\(")


@dataclass(frozen=True, slots=True)
class CallStmt:
    """A statement that is one call, optionally guarded: `[if (cond)] name(args);`.

    `cond` is the guard's text (None without one) and `args` the call's argument text, both
    as written (`cmodel.split_args` splits the arguments)."""

    name: str
    args: str
    cond: str | None = None

    @classmethod
    def parse(cls, text: str) -> "CallStmt | None":
        """The call statement `text` is (a `clex.Stmt`'s text), or None when it is anything else."""
        cond = None
        if text.startswith("if"):
            m = _IF.match(text)
            if not m:
                return None
            cond = balanced(text, m.end())
            text = text[m.end() + len(cond) + 1:].strip()
        m = _BARE_CALL.match(text)
        return cls(m.group("name"), m.group("args"), cond) if m else None
