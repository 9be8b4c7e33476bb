"""Early exits from the kernel's reference-holding iterators (`for_each_child_of_node()` and the
other `for_each_*` rows of the API table, `checks/data/refs.tsv`).

Each round of such a loop holds a reference on the loop variable and the next step drops it; a
loop that runs to its end leaves NULL behind.  A `return`, a `goto` or a `break` out of the
body leaves the current node held: the code must put it on that path (or keep it on purpose:
store it, return it).  Used by MOD003 on the lines a function shows (a hunk's fragment, or the
whole function in tree mode).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from reviewbot import cmodel
from reviewbot.checks import _kapi as kapi


@dataclass(frozen=True)
class Iterator:
    name: str
    var_arg: int  # 0-based argument holding the loop variable
    putters: tuple[str, ...]


@functools.cache
def iterators() -> dict[str, Iterator]:
    """The table's reference-holding iterators; the `_scoped` ones drop the node themselves."""
    out = {}
    for r in kapi.iterators():
        if "automatic" in " ".join(r.release) or r.ref_arg is None:
            continue
        puts = tuple(dict.fromkeys(m for alt in r.release for m in re.findall(r"\b(\w*_put)\b", alt)))
        if puts:
            out[r.name] = Iterator(r.name, r.ref_arg, puts)
    return out


@functools.cache
def _loop_head() -> re.Pattern:
    return re.compile(r"^\s*(%s)\s*\(" % "|".join(sorted(map(re.escape, iterators()), key=len, reverse=True)))


_JUMP = re.compile(r"^\s*(?:\}?\s*else\s+)?(?:if\s*\(.*\)\s*)?(return\b[^;]*;|goto\s+(\w+)\s*;|break\s*;)")
_NESTED = re.compile(r"^\s*(for|while|switch|do)\b|^\s*\w*for_each\w*\s*\(")
_LABEL = re.compile(r"^(\w+)\s*:\s*$")


@dataclass(frozen=True)
class Exit:
    line: int  # the jump's line
    kind: str  # return | goto | break
    iterator: Iterator
    var: str


def early_exits(lines: list[tuple[int, str]]) -> list[Exit]:
    """Jumps out of an iterator's body that leave its loop variable held.  `lines` are the
    (line number, text) pairs a function shows, in order; labels and code after the loop that
    the lines do not show are unknown, and then nothing is reported for that jump."""
    if not lines or not _loop_head().search("\n".join(t for _, t in lines)):
        return []
    texts = [t for _, t in lines]
    out = []
    for i, (_, text) in enumerate(lines):
        m = _loop_head().match(text)
        if not m:
            continue
        it = iterators()[m.group(1)]
        args = cmodel.split_args(_balanced(text, m.end()))
        if it.var_arg >= len(args):
            continue
        var = args[it.var_arg].strip()
        if not re.fullmatch(r"\w+", var):
            continue
        end = _body_end(texts, i)
        if end is None:
            continue
        out.extend(_exits_in(lines, i, end, it, var))
    return out


def _balanced(text: str, start: int) -> str:
    depth, j = 1, start
    while j < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[j], 0)
        j += 1
    return text[start:j - 1]


def _body_end(texts: list[str], head: int) -> int | None:
    """Index of the last line of the loop body (a `{...}` block or one statement)."""
    depth = 0
    opened = False
    for k in range(head, len(texts)):
        code = re.sub(r"//.*|/\*.*?\*/|\"(\\.|[^\"])*\"|'(\\.|[^'])*'", "", texts[k])
        for ch in code:
            if ch == "{":
                depth += 1
                opened = True
            elif ch == "}":
                depth -= 1
        if opened and depth <= 0:
            return k
        if not opened and k > head and code.rstrip().endswith(";") and depth == 0:
            return k  # a one-statement body
    return None


def _exits_in(lines, head: int, end: int, it: Iterator, var: str) -> list[Exit]:
    out = []
    nested_until = -1
    texts = [t for _, t in lines]
    for k in range(head + 1, end + 1):
        no, text = lines[k]
        if k > nested_until and _NESTED.match(text):
            e = _body_end(texts, k)
            nested_until = e if e is not None else end
            continue  # a break in a nested loop or switch leaves that one; returns/gotos below
        m = _JUMP.match(text)
        if not m:
            continue
        stmt = m.group(1)
        kind = stmt.split()[0].rstrip(";")
        if kind == "break" and k <= nested_until:
            continue
        if kind == "return" and re.search(r"\b%s\b" % re.escape(var), stmt):
            continue  # the node goes to the caller
        if _put_or_kept_before(texts, head, k, it, var):
            continue
        if kind == "goto":
            after = _label_path(texts, m.group(2))
            if after is None or _drops(after, it, var):
                continue  # the unwind is out of sight, or it drops the node
        elif kind == "break":
            after = texts[end + 1:]
            if not any(t.strip() == "}" and not t.startswith((" ", "\t")) for t in after):
                continue  # the rest of the function is out of sight
            if _drops(after, it, var) or _kept(after, var):
                continue
        out.append(Exit(no, kind, it, var))
    return out


def _drops(texts: list[str], it: Iterator, var: str) -> bool:
    pat = re.compile(r"\b(%s)\s*\(\s*&?\s*%s\b" % ("|".join(map(re.escape, it.putters)), re.escape(var)))
    return any(pat.search(t) for t in texts)


def _kept(texts: list[str], var: str) -> bool:
    """The node is stored or handed on (`np = child;`, `priv->node = child;`, `return child;`)."""
    pat = re.compile(r"=\s*(\(\w[\w\s\*]*\)\s*)?%s\s*;|\breturn\s+%s\s*;|\bno_free_ptr\s*\(\s*%s\b"
                     % ((re.escape(var),) * 3))
    return any(pat.search(t) for t in texts)


def _put_or_kept_before(texts: list[str], head: int, k: int, it: Iterator, var: str) -> bool:
    """A put (or a store) of the node in the statements just before the jump, in its block."""
    depth = 0
    for j in range(k, head, -1):
        t = texts[j]
        depth += t.count("}") - t.count("{")
        if depth < 0:
            break  # left the jump's block
        if j < k and _JUMP.match(t):
            break
        if depth == 0 and (_drops([t], it, var) or _kept([t], var)
                           or re.search(r"\b\w*_get\s*\(\s*&?%s\b" % re.escape(var), t)):
            return True
    return False


def _label_path(texts: list[str], label: str) -> list[str] | None:
    """The lines from `label:` to the end of the shown function (None: not shown)."""
    for k, t in enumerate(texts):
        m = _LABEL.match(t.strip())
        if m and m.group(1) == label:
            return texts[k + 1:]
    return None
