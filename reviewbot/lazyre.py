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
