"""Regular expressions compiled ahead of time, as Python caches the bytecode of modules.

`re.compile()` spends nearly all of its time in Python (`re._parser` and `re._compiler`),
turning a pattern into the integer code that the C matcher (`_sre`) runs; a cold
`reviewbot review` of a short series compiled ~400 patterns (the rules' own, the rule
vocabularies' tries, b4's and the email package's) for ~40 ms of ~0.35 s.  The code of the
patterns every review compiles is kept in a generated file (`scripts/gen_regex_cache.py`
writes it, per interpreter: the code is CPython's internal form) and handed straight to
`_sre.compile`, which is what `re._compiler.compile` ends with: the pattern object is the same
(`Pattern.__eq__` compares pattern, flags and code; tests/contract/test_regex_cache.py checks
every entry against a fresh compile).  A pattern not in the file, another interpreter, or no
file: `re` compiles as always.

`install()` (called once, by `reviewbot/__init__.py`) wraps `re._compiler.compile`; re's own
cache of 512 patterns sits in front of it as before.  REVIEWBOT_NO_REGEX_CACHE=1 turns it off.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
from pathlib import Path

try:  # CPython's internals; anything else (or a layout change) runs without the cache
    import _sre
    from re import _compiler
except ImportError:  # pragma: no cover
    _sre = _compiler = None

DATA = Path(__file__).resolve().parent / "data"


def tag() -> str:
    """The interpreter the code of a cache file is valid for."""
    magic = getattr(_sre, "MAGIC", 0)
    return f"{sys.implementation.cache_tag}-{magic}"


def path() -> Path:
    return DATA / f"regex-{tag()}.marshal"


_entries: dict = {}  # (pattern, flags) -> marshalled (flags, code, groups, groupindex, indexgroup)
_tries: dict = {}  # tuple of strings -> lazyre.any_of()'s pattern for them (building it: ~20 ms)
_installed = False


def encode(pattern, flags: int) -> bytes:
    """What the cache keeps for one pattern: the arguments `re._compiler.compile` gives
    `_sre.compile` (Python 3.11-3.13)."""
    p = _compiler._parser.parse(pattern, flags)
    code = _compiler._code(p, flags)
    groupindex = p.state.groupdict
    indexgroup = [None] * p.state.groups
    for k, i in groupindex.items():
        indexgroup[i] = k
    return marshal.dumps((int(flags | p.state.flags), [int(c) for c in code], p.state.groups - 1,
                         dict(groupindex), tuple(indexgroup)))


def _from_entry(pattern, blob: bytes):
    final, code, groups, groupindex, indexgroup = marshal.loads(blob)
    return _sre.compile(pattern, final, code, groups, groupindex, indexgroup)


def has(pattern, flags: int = 0) -> bool:
    """Is this pattern's code in the cache (so compiling it costs next to nothing)?"""
    return (pattern, flags) in _entries


def trie(strings: tuple) -> str | None:
    """The pattern `lazyre.any_of(strings)` makes, when the cache holds it (and its code)."""
    return _tries.get(strings)


def install() -> None:
    """Serve `re`'s compiles of the cached patterns from the cache file (once per process)."""
    global _installed, _entries, _tries
    if _installed or _sre is None or not _usable() or os.environ.get("REVIEWBOT_NO_REGEX_CACHE"):
        return
    _installed = True
    try:
        data = marshal.loads(path().read_bytes())
        entries, tries = data["re"], data["any_of"]
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        return
    if not isinstance(entries, dict) or not isinstance(tries, dict):
        return
    _entries, _tries = entries, tries
    compile_ = _compiler.compile

    def compile(p, flags=0):  # noqa: A001  (re._compiler.compile's name)
        blob = entries.get((p, flags))
        if blob is not None and not flags & re.DEBUG:
            return _from_entry(p, blob)
        return compile_(p, flags)

    compile.__wrapped__ = compile_
    _compiler.compile = compile


def _usable() -> bool:
    """The internals this relies on are there, as in CPython 3.11-3.13."""
    return all(hasattr(_compiler, name) for name in ("compile", "_code", "_parser")) \
        and hasattr(_sre, "compile") and hasattr(_compiler._parser, "parse")


def uninstall() -> None:
    """Back to re's own compile (tests)."""
    global _installed, _entries, _tries
    _entries, _tries = {}, {}
    if _compiler is not None and hasattr(_compiler.compile, "__wrapped__"):
        _compiler.compile = _compiler.compile.__wrapped__
    _installed = False
