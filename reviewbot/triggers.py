"""Which rules' TRIGGER strings a text holds, for every rule at once.

A rule declares the literal strings without which it has nothing to say (`TRIGGER`); the engine
runs it on a patch only when one of them is a substring of the patch's C diff (and, in tree
mode, of the file images).  Testing each rule's strings one after the other scanned every text
once per string and rule (27 rules, ~1,000 API names): a third of what a cold review of a short
series spent outside the rules.  Here every text is looked at once for all of them:

- A string of word characters (all but a few) is a substring of a text exactly when it is a
  substring of one of the text's maximal runs of word characters (its *words*).  The bits of
  the triggers a word holds are worked out once per distinct word and remembered: the words a
  text brings that were never seen are joined by newlines and searched with one trie pattern of
  every trigger string (`lazyre.any_of`, compiled ahead of time: `reviewbot.aot`).  The trie
  reports, at each position, the shortest string starting there; the longer strings starting
  there all extend it, and are tested with `startswith` (`_longer`).  So each word gets the
  bits of exactly the strings it holds.
- Any other string (`driver->owner`) is looked for in the text's pieces as it is (in their
  newline join when it holds a newline).

`Index.mask(pieces)` is the set of triggers (a bit each) whose strings the text (the pieces
joined by newlines) holds; `Index.bit(trigger)` a trigger's bit.  Same answer as
`any(s in "\\n".join(pieces) for s in trigger)` (tests/engine/test_triggers.py).
"""

from __future__ import annotations

import bisect
import re
import threading

from reviewbot import lazyre
from reviewbot.analysis import words

_WORD = re.compile(r"\w+")
_SMALL = 16_384  # characters: a larger piece (a file image) has its words from analysis.words
_MAX_KNOWN = 1 << 20  # words remembered (a long-running service reads many patches)


class Index:
    """The triggers registered so far (a bit each), and the bits of every word seen."""

    def __init__(self):
        self._bits: dict[tuple[str, ...], int] = {}
        self.generation = 0  # masks are valid for one generation (a new trigger starts the next)
        self._word_bits: dict[str, int] = {}
        self._other: dict[str, int] = {}
        self._strings: tuple[str, ...] = ()  # the word strings, sorted
        self._longer: dict[str, tuple[str, ...]] = {}  # a string -> the longer ones it begins
        self._pattern = None
        self._seen: set[str] = set()  # every word worked out in this generation
        self._hits: dict[str, int] = {}  # those of them that hold a string: their bits
        self._by_id: dict[int, tuple[tuple[str, ...], int]] = {}  # bit() without hashing the strings
        # a service reviews in several threads: a word is in _seen only with its bits in _hits,
        # and a rebuild never runs under a mask() half way through
        self._lock = threading.RLock()

    def add(self, triggers) -> None:
        """Take these triggers in (the ones it lacks), with one rebuild."""
        with self._lock:
            new = [t for t in dict.fromkeys(triggers) if t not in self._bits]
            for trigger in new:
                self._bits[trigger] = 1 << len(self._bits)
            if new:
                self._rebuild()

    def bit(self, trigger: tuple[str, ...]) -> int:
        got = self._by_id.get(id(trigger))
        if got is not None and got[0] is trigger:  # (a rule's TRIGGER: ~1,000 strings to hash)
            return got[1]
        b = self._bits.get(trigger)
        if b is None:
            self.add([trigger])
            b = self._bits[trigger]
        self._by_id[id(trigger)] = (trigger, b)  # keeps it alive: its id stays its own
        return b

    def _rebuild(self) -> None:
        word_bits: dict[str, int] = {}
        other: dict[str, int] = {}
        for trigger, b in self._bits.items():
            for s in trigger:
                table = word_bits if _WORD.fullmatch(s) else other
                table[s] = table.get(s, 0) | b
        strings = tuple(sorted(word_bits))
        self._word_bits, self._other = word_bits, other
        self._strings, self._longer = strings, {}
        self._pattern = lazyre.any_of(strings) if strings else None
        self._seen, self._hits = set(), {}
        self.generation += 1

    def mask(self, pieces: list[str]) -> int:
        """The bits of the triggers one of whose strings `"\\n".join(pieces)` holds."""
        ws: set[str] = set()
        for p in pieces:
            ws.update(words.of(p) if len(p) > _SMALL else _WORD.findall(p))
        got = 0
        with self._lock:
            if self._pattern is not None:
                new = ws.difference(self._seen)
                if new:
                    self._learn(list(new))
                hits = self._hits
                for w in hits.keys() & ws:
                    got |= hits[w]
            other = self._other
        for s, b in other.items():
            if got | b != got and (s in "\n".join(pieces) if "\n" in s else any(s in p for p in pieces)):
                got |= b
        return got

    def _learn(self, new: list[str]) -> None:
        """Work out the bits of words never seen: one search of the trie over all of them."""
        if len(self._seen) > _MAX_KNOWN:
            self._seen, self._hits = set(), {}
        joined = "\n".join(new)
        starts, at = [], 0
        for w in new:
            starts.append(at)
            at += len(w) + 1
        got = [0] * len(new)
        search, word_bits, longer = self._pattern.search, self._word_bits, self._longer
        m = search(joined)
        while m is not None:
            a, s = m.start(), m.group()
            b = word_bits[s]
            more = longer.get(s)
            if more is None:
                more = longer[s] = self._beginning_with(s)
            for t in more:
                if joined.startswith(t, a):
                    b |= word_bits[t]
            got[bisect.bisect_right(starts, a) - 1] |= b
            m = search(joined, a + 1)
        self._seen.update(new)
        self._hits.update((w, g) for w, g in zip(new, got) if g)


    def _beginning_with(self, s: str) -> tuple[str, ...]:
        """The word strings longer than `s` that begin with it (next to it in sorted order)."""
        strings = self._strings
        i = bisect.bisect_right(strings, s)
        j = i
        while j < len(strings) and strings[j].startswith(s):
            j += 1
        return strings[i:j]


def word_strings(triggers) -> tuple[str, ...]:
    """The strings of word characters of these triggers, as Index's trie holds them (sorted):
    scripts/gen_aot.py compiles that trie ahead of time for the shipped rules."""
    return tuple(sorted({s for t in triggers for s in t if _WORD.fullmatch(s)}))
