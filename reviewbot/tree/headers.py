"""Headers: include resolution and what included headers declare about module owners.

Per header (``HeaderScan``, cached by blob id): its includes, struct types with a
``struct module *`` member, and macros / static inline functions passing ``THIS_MODULE``.
``owner_facts`` walks the include graph of a file breadth-first (3 levels, 200 headers).
"""

from __future__ import annotations

import functools
import posixpath
import re

from reviewbot.tree.store import INCLUDES, Reader, Snap

INCLUDE_DEPTH = 3
MAX_HEADERS = 200

_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]', re.M)


@functools.lru_cache(maxsize=65536)
def _candidates(src_dir: str, quote: str, name: str) -> tuple[str, ...]:
    """Where `#include <name>` / `"name"` in a file of `src_dir` may be, in the order tried."""
    cands = []
    if quote == '"':
        cands.append(posixpath.normpath(posixpath.join(src_dir, name)))
    if not name.startswith("asm/"):
        cands += [posixpath.normpath("include/" + name), posixpath.normpath("include/uapi/" + name)]
    return tuple(c for c in cands if not c.startswith(".."))


def _resolve_include(reader: Reader, commit: Snap, src: str, quote: str, name: str) -> str | None:
    for c in _candidates(posixpath.dirname(src), quote, name):
        if reader.exists(commit, c):
            return c
    return None


def _header_includes(reader: Reader, at: Snap, path: str, sha: str, scan: "HeaderScan") -> tuple[str | None, ...]:
    """The headers `path` (blob `sha`) includes, resolved at `at`.  Remembered per (commit,
    path, blob) across reviews when no file the series changed is among the places looked at
    (then the commit alone decides)."""
    key = (at.commit, path, sha)
    got = INCLUDES.get(key)
    if got is not None and (not at.overlay or at.overlay.keys().isdisjoint(got[1])):
        return got[0]
    d = posixpath.dirname(path)
    looked = frozenset(c for quote, name in scan.includes for c in _candidates(d, quote, name))
    out = tuple(_resolve_include(reader, at, path, quote, name) for quote, name in scan.includes)
    if not at.overlay or at.overlay.keys().isdisjoint(looked):
        INCLUDES[key] = (out, looked)
    return out


def direct_includes(reader: Reader, commit: Snap, src: str, text: str) -> list[str]:
    out: list[str] = []
    for m in _INCLUDE.finditer(text):
        h = _resolve_include(reader, commit, src, m.group(1), m.group(2).strip())
        if h and h not in out:
            out.append(h)
    return out


class HeaderScan:
    """What one header declares that ownership rules care about (cached per blob)."""

    __slots__ = ("includes", "structs", "macros", "wrappers", "_users")

    def __init__(self, text: str):
        code = _strip_comments(text)
        self.includes = [(m.group(1), m.group(2).strip()) for m in _INCLUDE.finditer(code)]
        self.structs = _owner_structs(code) if "module" in code and _OWNER_MEMBER.search(code) else []
        self.macros: dict[str, frozenset[str]] = {}  # function-like macro -> identifiers it names
        self.wrappers: set[str] = set()
        for m in _DEFINE.finditer(code):
            body = m.group(3)
            self.macros[m.group(1)] = frozenset(_IDENT.findall(body))
            if "THIS_MODULE" in body and "THIS_MODULE" not in m.group(2) and _THIS_MODULE.search(body):
                self.wrappers.add(m.group(1))
        if "THIS_MODULE" in code:
            self.wrappers.update(_inline_wrappers(code))
        self._users: dict[str, tuple[tuple[int, str], ...]] | None = None

    def users(self) -> dict[str, tuple[tuple[int, str], ...]]:
        """identifier -> the (position, name) of the macros whose body names it."""
        if self._users is None:
            out: dict[str, list[tuple[int, str]]] = {}
            for j, (name, idents) in enumerate(self.macros.items()):
                for ident in idents:
                    out.setdefault(ident, []).append((j, name))
            self._users = {k: tuple(v) for k, v in out.items()}
        return self._users


_LINE_COMMENT = re.compile(r"//[^\n]*")


def _strip_comments(text: str) -> str:
    """C comments replaced by a space (str.find, much faster than a lazy regex on big headers)."""
    out = []
    i = 0
    while True:
        a = text.find("/*", i)
        if a < 0:
            break
        b = text.find("*/", a + 2)
        out.append(text[i:a])
        out.append(" ")
        i = len(text) if b < 0 else b + 2
    out.append(text[i:])
    code = "".join(out)
    return _LINE_COMMENT.sub("", code) if "//" in code else code


_IDENT = re.compile(r"[A-Za-z_]\w*")
_THIS_MODULE = re.compile(r"\bTHIS_MODULE\b")
_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)\n]*)\)((?:[^\n]*\\\n)*[^\n]*)", re.M)
_STRUCT_OPEN = re.compile(r"struct\s+(\w+)\s*\{")
_OWNER_MEMBER = re.compile(r"struct\s+module\s*\*\s*(?:const\s+)?(\w+)\s*(?:;|__\w+\s*;)")
_PREPROC = re.compile(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", re.M)


def _block_end(code: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(code)):
        c = code[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(code)


def _owner_structs(code: str) -> list[tuple[str, str]]:
    out = []
    for m in _STRUCT_OPEN.finditer(code):
        end = _block_end(code, m.end() - 1)
        body = code[m.end():end]
        # members of nested named struct definitions belong to those structs
        body = re.sub(r"\bstruct\s+\w+\s*\{[^{}]*\}", " ", body)
        for mm in _OWNER_MEMBER.finditer(body):
            out.append((m.group(1), mm.group(1)))
    return out


_FUNC_HEAD = re.compile(r"(\w+)\s*\([^;{}()]*(?:\([^;{}()]*\)[^;{}()]*)*\)\s*$")


def _inline_wrappers(code: str) -> set[str]:
    """Functions defined in a header whose body passes THIS_MODULE (static inline wrappers)."""
    code = _PREPROC.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), code)
    out = set()
    i = 0
    while True:
        i = code.find("{", i)
        if i < 0:
            break
        end = _block_end(code, i)
        block = code[i:end]
        if "THIS_MODULE" in block:
            head = _FUNC_HEAD.search(code, max(0, i - 400), i)
            if head and head.group(1) not in ("if", "while", "for", "switch", "sizeof"):
                out.add(head.group(1))
        i = end + 1
    return out


def owner_facts(reader: Reader, commit: Snap, includes: list[str]) -> tuple[list[tuple[str, str, str]],
                                                                           list[tuple[str, str]]]:
    """Breadth-first over the include graph: owner-carrying structs [(struct, member, header)]
    and THIS_MODULE wrappers [(name, header)]."""
    seen = set(includes)
    level, depth = list(includes), 1
    scans: list[tuple[str, HeaderScan]] = []
    read: list[tuple[str, str]] = []  # (path, blob id) of the headers scanned, in order
    while level and len(scans) < MAX_HEADERS:
        ids = [(h, reader.blob_id(commit, h)) for h in level[:MAX_HEADERS - len(scans)]]
        reader.prefetch(sha for _, sha in ids if sha not in reader.scans)
        nxt = []
        for path, sha in ids:
            if sha is None:
                continue
            scan = reader.scans.get(sha)
            if scan is None:
                scan = reader.scans[sha] = HeaderScan(reader.text(commit, path) or "")
            scans.append((path, scan))
            read.append((path, sha))
            if depth >= INCLUDE_DEPTH:
                continue
            for h in _header_includes(reader, commit, path, sha, scan):
                if h and h not in seen:
                    seen.add(h)
                    nxt.append(h)
        level, depth = nxt, depth + 1
    key = tuple(read)  # the answer is a function of the headers walked, in order (their paths and blobs)
    got = _FACTS.get(key)
    if got is None:
        if len(_FACTS) > 2000:
            _FACTS.clear()
        got = _FACTS[key] = _facts_of(scans)
    return list(got[0]), list(got[1])


# (path, blob id) of the headers an owner_facts() walk read -> its answer; content-addressed, so
# it holds across series and repositories (a new file of a series reaches the same headers)
_FACTS: dict[tuple, tuple[tuple, tuple]] = {}


def _facts_of(scans: list[tuple[str, HeaderScan]]) -> tuple[tuple, tuple]:
    structs = sorted({(s, member, path) for path, scan in scans for s, member in scan.structs})
    where: dict[str, str] = {}
    for path, scan in scans:
        for w in sorted(scan.wrappers):
            where.setdefault(w, path)
    new = set(where)
    for _ in range(3):  # macros that call a wrapper are wrappers too (module_platform_driver)
        # the macros naming a name found in the round before, in header and definition order
        # (those naming older names were settled then: added, or their name already known)
        hits = sorted({(k, j, name, path) for k, (path, scan) in enumerate(scans)
                       for n in scan.users().keys() & new for j, name in scan.users()[n]})
        new = set()
        for _k, _j, name, path in hits:
            if name not in where:
                where[name] = path
                new.add(name)
        if not new:
            break
    wrappers = sorted(where.items())
    return tuple(structs), tuple(wrappers)
