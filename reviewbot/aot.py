"""Work every start-up repeated, done ahead of time: as Python keeps the bytecode of modules.

Two things a cold `reviewbot review` of a short series spent ~15% of its CPU on, always the
same way:

- *Regular expressions.*  `re.compile()` turns a pattern into the integer code the C matcher
  (`_sre`) runs, in Python (`re._parser`, `re._compiler`): ~400 patterns (the rules', the TRIGGER
  tries', b4's and the email package's), ~40 ms.  The cache keeps that code and hands it
  straight to `_sre.compile`, which is what `re._compiler.compile` ends with.
- *Dataclasses.*  `@dataclass` writes the source of `__init__`, `__repr__`, `__eq__`, ... and
  compiles it with `exec()`: ~290 compiles for ~50 classes.  The cache keeps the compiled code
  of each such source text; `dataclasses` executes it as `exec(text)` would (same code object,
  same globals and namespace).

Both are exact: a pattern or a source text that is not in the file is compiled as always, and
what comes out of the file equals what compiling gives (`Pattern.__eq__` compares pattern,
flags and code; code objects compare by value; tests/contract/test_aot.py checks every entry
against a fresh compile).  The file (`reviewbot/data/aot-<interpreter>.marshal`) is written by
`scripts/gen_aot.py` for one interpreter (the code is CPython's internal form); another
interpreter, or no file, runs without it.  REVIEWBOT_NO_AOT=1 turns it off.

`install()` is called once, by `reviewbot/__init__.py`: it wraps `re._compiler.compile` (re's own
cache of 512 patterns stays in front of it) and gives the `dataclasses` module an `exec` of its
own that looks the text up first.
"""

from __future__ import annotations

import builtins
import marshal
import os
import sys
from pathlib import Path

try:  # CPython's internals; anything else (or a layout change) runs without the cache
    import _sre
    from importlib.util import MAGIC_NUMBER
    from re import _compiler
except ImportError:  # pragma: no cover
    _sre = _compiler = None
    MAGIC_NUMBER = b""

DATA = Path(__file__).resolve().parent / "data"


def tag() -> str:
    """The interpreter the code of a cache file is valid for: its bytecode magic and sre's."""
    return f"{sys.implementation.cache_tag}-{MAGIC_NUMBER.hex()}-{getattr(_sre, 'MAGIC', 0)}"


def path() -> Path:
    return DATA / f"aot-{tag()}.marshal"


_patterns: dict = {}  # (pattern, flags) -> marshalled (flags, code, groups, groupindex, indexgroup)
_tries: dict = {}  # tuple of strings -> lazyre.any_of()'s pattern for them (building it: ~20 ms)
_code: dict = {}  # dataclass method source text -> marshalled compiled code
_installed = False


def encode_pattern(pattern, flags: int) -> bytes:
    """What the cache keeps for one pattern: the arguments `re._compiler.compile` gives
    `_sre.compile` (CPython 3.11-3.13)."""
    p = _compiler._parser.parse(pattern, flags)
    code = _compiler._code(p, flags)
    groupindex = p.state.groupdict
    indexgroup = [None] * p.state.groups
    for k, i in groupindex.items():
        indexgroup[i] = k
    return marshal.dumps((int(flags | p.state.flags), [int(c) for c in code], p.state.groups - 1,
                          dict(groupindex), tuple(indexgroup)))


def compile_source(text: str):
    """What `exec(text, ...)` compiles (from the dataclasses module, which has no __future__
    imports to pass on)."""
    return builtins.compile(text, "<string>", "exec", dont_inherit=True)


def encode_source(text: str) -> bytes:
    """What the cache keeps for one dataclass method's source: its code, marshalled (the file
    is read whole at start-up; each entry is decoded when its class is made)."""
    return marshal.dumps(compile_source(text))


def pattern_from(pattern, blob: bytes):
    final, code, groups, groupindex, indexgroup = marshal.loads(blob)
    return _sre.compile(pattern, final, code, groups, groupindex, indexgroup)


def trie(strings: tuple) -> str | None:
    """The pattern `lazyre.any_of(strings)` makes, when the cache holds it (and its code)."""
    return _tries.get(strings)


def install() -> None:
    """Serve the cached compiles from the cache file (once per process)."""
    global _installed, _patterns, _tries, _code
    if _installed or _sre is None or not _usable() or os.environ.get("REVIEWBOT_NO_AOT"):
        return
    _installed = True
    try:
        data = marshal.loads(path().read_bytes())
        patterns, tries, code = data["re"], data["any_of"], data["dataclasses"]
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        return
    if not all(isinstance(d, dict) for d in (patterns, tries, code)):
        return
    _patterns, _tries, _code = patterns, tries, code
    compile_ = _compiler.compile

    def compile(p, flags=0):  # noqa: A001  (re._compiler.compile's name)
        blob = patterns.get((p, flags))
        if blob is not None and not flags & 128:  # re.DEBUG prints while compiling
            return pattern_from(p, blob)
        return compile_(p, flags)

    compile.__wrapped__ = compile_
    _compiler.compile = compile

    import dataclasses

    if "exec" not in vars(dataclasses):
        def exec(source, globals=None, locals=None, /):  # noqa: A001  (the builtin's name)
            got = code.get(source) if type(source) is str else None
            return builtins.exec(source if got is None else marshal.loads(got), globals, locals)

        dataclasses.exec = exec


def _usable() -> bool:
    """The internals this relies on are there, as in CPython 3.11-3.13."""
    return all(hasattr(_compiler, name) for name in ("compile", "_code", "_parser")) \
        and hasattr(_sre, "compile") and hasattr(_compiler._parser, "parse")


def uninstall() -> None:
    """Back to re's own compile and the builtin exec (tests, scripts/gen_aot.py)."""
    global _installed, _patterns, _tries, _code
    _patterns, _tries, _code = {}, {}, {}
    if _compiler is not None and hasattr(_compiler.compile, "__wrapped__"):
        _compiler.compile = _compiler.compile.__wrapped__
    dataclasses = sys.modules.get("dataclasses")
    if dataclasses is not None and "exec" in vars(dataclasses):
        del dataclasses.exec
    _installed = False
