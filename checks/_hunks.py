"""Walking a file's hunks: the loop a hunk-level rule starts with.

    for fd in patch.c_files:
        for hunk in hunks(fd, added="module_put"):      # hunks adding a line that holds it
            for st in statements(hunk.new_side()):
                ...

A rule names the words without which a hunk has nothing for it, and on which lines they must
stand; the other hunks are skipped before any statement is joined.
"""

from __future__ import annotations

import functools
import re
from typing import Iterator, Union

from reviewbot.model import FileDiff, Hunk

# Which lines of a hunk each keyword of hunks() looks at.
_KINDS = {"added": "+", "removed": "-", "changed": "+-", "new": "+ ", "old": "- "}

Words = Union[str, tuple[str, ...], bool]  # a word, any of these words, or True: any line


def hunks(fd: FileDiff, *, added: Words = (), removed: Words = (), changed: Words = (),
          new: Words = (), old: Words = ()) -> Iterator[Hunk]:
    """The hunks of `fd`, in diff order, that meet every condition given.

    A condition names a kind of line and words: one line of that kind holds one of the words
    (a string or a tuple of strings), or, with True, the hunk has a line of that kind at all.
    Kinds: `added` and `removed` lines, `changed` (either), `new` (the new side: context and
    added lines) and `old` (context and removed lines).  With no condition: every hunk."""
    want = [(_KINDS[k], (w,) if isinstance(w, str) else w)
            for k, w in (("added", added), ("removed", removed), ("changed", changed),
                         ("new", new), ("old", old)) if w]
    if not all(_file_holds(fd, kinds, words) for kinds, words in want):
        return  # no line of the file holds them: no hunk does (a treewide patch: most files)
    if len(want) == 1:  # the usual call: one condition (no generator per hunk)
        (kinds, words), = want
        for hunk in fd.hunks:
            if _holds(hunk, kinds, words):
                yield hunk
        return
    for hunk in fd.hunks:
        if all(_holds(hunk, kinds, words) for kinds, words in want):
            yield hunk


def _holds(hunk: Hunk, kinds: str, words: tuple[str, ...] | bool) -> bool:
    """Does a line of one of `kinds` hold one of `words` (True: is there such a line)?  Looked
    up in the text of those lines joined by newlines, made once per hunk and kinds (the
    hunk's memo): a word holds no newline, so it is in the joined text exactly when it is in
    one of the lines.  (A line loop per rule and hunk was a tenth of a treewide patch's review.)"""
    text = hunk._memo.get(kinds)
    if text is None:  # False: no line of these kinds
        lines = [ln.text for ln in hunk.lines if ln.kind in kinds]
        text = hunk._memo[kinds] = "\n".join(lines) if lines else False
    if text is False:
        return False
    if words is True:
        return True
    if len(words) == 1:
        return words[0] in text
    return any(w in text for w in words)


def side_text(hunk: Hunk, side: str) -> str:
    """The text of one side of a hunk (`"new"`: context and added lines, `"old"`: context and
    removed lines, or `"added"`, `"removed"`...: a keyword of hunks()), joined by newlines
    ('' when it has no such line); made once per hunk (the memo hunks() uses)."""
    kinds = _KINDS[side]
    text = hunk._memo.get(kinds)
    if text is None:
        lines = [ln.text for ln in hunk.lines if ln.kind in kinds]
        text = hunk._memo[kinds] = "\n".join(lines) if lines else False
    return text or ""


def _file_holds(fd: FileDiff, kinds: str, words: tuple[str, ...] | bool) -> bool:
    """_holds() for the whole file: the text of its lines of `kinds`, joined by newlines, made
    once per file and kinds (the file's memo).  A word (no newline) in a line of a hunk is in
    that text; a word with a newline, or True, is left to the hunks."""
    if words is True or not _plain(words):
        return True
    text = kind_text(fd, kinds)
    if len(words) == 1:
        return words[0] in text
    return any(w in text for w in words)


@functools.lru_cache(maxsize=1024)
def _plain(words: tuple[str, ...]) -> bool:
    return not any("\n" in w for w in words)


def kind_text(fd: FileDiff, kinds: str) -> str:
    """The text of the lines of `fd` whose kind is one of `kinds` ("+", "-", "+ ", "- ",
    "+- "...), in diff order, joined by newlines: `"\\n".join(ln.text for ln in fd.added())`
    is `kind_text(fd, "+")`, of `fd.lines()` `kind_text(fd, "+- ")`.  Made once per file and
    kinds (the file's memo): many rules ask for the same texts of every file of a patch."""
    key = ("hunks", kinds)
    text = fd._memo.get(key)
    if text is None:
        text = fd._memo[key] = "\n".join([ln.text for h in fd.hunks for ln in h.lines if ln.kind in kinds])
    return text


def shown_new(fd: FileDiff) -> str:
    """The new side of every hunk of `fd` (context and added lines), joined (once per file:
    the file's memo; several rules ask)."""
    return kind_text(fd, "+ ")


_WORD = re.compile(r"\w+")


# the kinds of line each side of side_words() holds
_SIDES = {"new": " +", "old": " -", "added": "+", "removed": "-"}


def side_words(hunk: Hunk, side: str) -> frozenset[str]:
    """The distinct words (maximal runs of `\\w`) of one side of a hunk: `"new"` (context and
    added lines), `"old"` (context and removed lines), `"added"` or `"removed"`; the same set
    as `re.findall(r"\\w+", "\\n".join(ln.text for ln in those lines))`, for a rule that skips
    a hunk without the names it looks for (a name a regex finds as `\\bNAME\\b` is a whole
    word of the lines).  Not kept (a treewide patch's 100,000 hunks would hold ~300 MB of
    them): test the file first (file_side_words(), kept), then its hunks."""
    kinds = _SIDES[side]
    return _words("\n".join([ln.text for ln in hunk.lines if ln.kind in kinds]))


def names_on(fd: FileDiff, side: str, names: frozenset[str]) -> bool:
    """Is a word of that side of the file (side_words() of all its hunks) one of `names`?  The
    words of the file's context, added and removed lines are kept apart (the file's memo, once
    each: the "new" and "old" sides share the context's), for every rule that skips a file
    before its hunks."""
    return any(not names.isdisjoint(_kind_words(fd, kind)) for kind in _SIDES[side])


def hunk_names(fd: FileDiff, hunk: Hunk, side: str, names: frozenset[str]) -> bool:
    """Is a word of that side of `hunk` (a hunk of `fd`) one of `names`: the answer of
    `not names.isdisjoint(side_words(hunk, side))`, without the hunk's word set.  The names of
    the set that are words of that side of the file are found once per file (names_on()'s
    sets); a hunk then holds one of them as a word when its text has it with no word character
    on either side (each is a run of word characters)."""
    key = ("names", side, names)
    present = fd._memo.get(key)
    if present is None:
        found: set[str] = set()
        for kind in _SIDES[side]:
            found |= names.intersection(_kind_words(fd, kind))
        present = fd._memo[key] = tuple(sorted(found))
    if not present:
        return False
    text = side_text(hunk, side)
    return any(n in text and _whole_word(n).search(text) is not None for n in present)


@functools.lru_cache(maxsize=4096)
def _whole_word(name: str) -> re.Pattern:
    return re.compile(r"(?<!\w)%s(?!\w)" % re.escape(name))


def _kind_words(fd: FileDiff, kind: str) -> frozenset[str]:
    key = ("words", kind)
    got = fd._memo.get(key)
    if got is None:
        got = fd._memo[key] = _words("\n".join([ln.text for h in fd.hunks for ln in h.lines if ln.kind == kind]))
    return got


# ASCII bytes: word characters (`\w` on ASCII text: letters, digits, `_`) as they are, the rest a space
_NON_WORD_TO_SPACE = bytes(c if c < 128 and (chr(c).isalnum() or c == 95) else 32 for c in range(256))


def _words(text: str) -> frozenset[str]:
    """frozenset(re.findall(r"\\w+", text)); on ASCII text (nearly every file) by one byte
    translation and a split, quicker than the regex's match objects."""
    if text.isascii():
        return frozenset(text.encode("ascii").translate(_NON_WORD_TO_SPACE).decode("ascii").split())
    return frozenset(_WORD.findall(text))


def replacement(fd: FileDiff, line):
    """The added line that takes the place of removed line `line` in a -/+ run of equal
    length and calls the same function (`-\tof_node_put(child);` `+\tof_node_put(np);`: a
    call the patch rewrote), or None when the line is removed or replaced by other code.  A finding about a rewritten line points at what
    the patch wrote there."""
    if line is None or not line.removed:
        return None
    for h in fd.hunks:
        lines = h.lines
        for i, ln in enumerate(lines):
            if ln is not line:
                continue
            a = i
            while a > 0 and lines[a - 1].removed:
                a -= 1
            b = i
            while b + 1 < len(lines) and lines[b + 1].removed:
                b += 1
            c = b + 1
            while c < len(lines) and lines[c].added:
                c += 1
            if c - (b + 1) != b - a + 1:
                return None
            new = lines[b + 1 + (i - a)]
            return new if _first_call(new.text) and _first_call(new.text) == _first_call(line.text) else None
    return None


def _first_call(text: str) -> str | None:
    m = re.search(r"\b([A-Za-z_]\w*)\s*\(", text)
    return m.group(1) if m and m.group(1) not in ("if", "while", "for", "switch", "return", "sizeof") else None
