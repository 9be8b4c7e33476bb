"""The distinct words of a text (its maximal runs of word characters, `\\w+`), memoised for
the last few texts: whole file images are asked about by the engine's TRIGGER test, the
Coccinelle step and the rules' parse gates, and each image's words are collected once.

A string of word characters is a substring of a text exactly when it is a substring of one of
its words, and a name that a regular expression finds as `\\bNAME\\b` (or `\\bNAME\\s*\\(`) is
one of its words."""

from __future__ import annotations

import functools
import re

_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=32)
def of(text: str) -> frozenset[str]:
    """The set of words of `text` (do not change it: it is shared)."""
    return frozenset(_WORD.findall(text))
