"""Regular expressions compiled on first use, not at import.

The rule modules define ~80 patterns at module level; compiling them all was half of what
importing the rules cost (every `reviewbot review` pays it before the first patch), while a
review runs only the rules whose TRIGGER strings the patch holds.  `lazyre.compile(...)` has
the interface of `re.compile(...)` for what the rules use (search, match, finditer, sub, ...,
and `.pattern`); the first attribute looked up compiles the pattern and puts the compiled
pattern's methods on the object itself, so later calls cost what they cost on a `re.Pattern`.

Not a `re.Pattern`: pass `.pattern` (a string) where a function wants a pattern argument.
"""

from __future__ import annotations

import re

_ATTRS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner",
          "pattern", "flags", "groups", "groupindex")


class LazyPattern:
    def __init__(self, pattern: str, flags: int = 0):
        self._args = (pattern, flags)

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "_args":
            raise AttributeError(name)
        compiled = re.compile(*self._args)
        for attr in _ATTRS:
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazyre.compile({self._args[0]!r})"


def compile(pattern: str, flags: int = 0) -> LazyPattern:  # noqa: A001  (re.compile's name)
    return LazyPattern(pattern, flags)


def any_of(strings) -> LazyPattern:
    """A pattern that finds any of these literal strings (its search() is true exactly when one
    of them is a substring), written as a trie: `kref_(?:get|put)`.  A search then tests one
    character (class) per position instead of every string in turn, so 800 strings cost about
    what 10 do (an alternation of 800 literals, or 800 `in` tests, costs 800 times one).
    The rules' TRIGGER tries come ready-made from reviewbot.aot (see cached_any_of)."""
    got = cached_any_of(strings)
    if got is not None:
        return got
    return LazyPattern(_trie(strings))


def cached_any_of(strings) -> LazyPattern | None:
    """any_of(strings) when reviewbot.aot holds it, pattern and code (so it costs next to
    nothing to make), else None."""
    from reviewbot import aot

    pattern = aot.trie(strings if isinstance(strings, tuple) else tuple(strings))
    return None if pattern is None else LazyPattern(pattern)


def _trie(strings) -> str:
    trie: dict = {}
    for w in strings:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True  # a string ends here

    def emit(node: dict) -> str:
        if "" in node:
            return ""  # a shorter string ends here: what follows cannot matter to a search
        alts = [re.escape(ch) + emit(node[ch]) for ch in sorted(node)]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return emit(trie) if trie else "(?!)"



class Gated:
    """A pattern that can only match a string holding every one of `literals` (the caller
    vouches for that: each is a literal part of every match): `search()` / `match()` on a
    string that lacks one of them return None without compiling the pattern.  For the patterns
    made per variable name (`kfree(NAME);`): most strings they are tried on do not hold the
    name, and compiling each costs far more than the `in` tests.  The same answers as
    `re.compile(pattern, flags)`."""

    __slots__ = ("_args", "_literals", "_compiled")

    def __init__(self, pattern: str, flags: int = 0, literals: tuple[str, ...] = ()):
        self._args = (pattern, flags)
        self._literals = literals
        self._compiled = None

    @property
    def pattern(self) -> str:
        return self._args[0]

    def _holds(self, string: str) -> bool:
        return all(lit in string for lit in self._literals)

    def _re(self):
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return self._compiled

    def search(self, string: str, *pos):
        return self._re().search(string, *pos) if self._holds(string) else None

    def match(self, string: str, *pos):
        return self._re().match(string, *pos) if self._holds(string) else None


def gated(pattern: str, flags: int = 0, literals: tuple[str, ...] = ()) -> Gated:
    return Gated(pattern, flags, literals)
