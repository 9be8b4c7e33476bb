"""What the commit message says a removal is for: the patch's intent, as data.

A rule that reports a *removed* get, put or owner asks `says_extra(patch, role)`: does the
author explain the removed call as extra (double, redundant, unbalanced, set by the core)?
If so, the removal is most likely the fix of that defect, and the finding is at most a
low-confidence question, unless the function itself proves the reference is now unbalanced
(the rule decides that).  Intent only ever lowers a finding: a positive case is never
raised by words, and words are evidence for ranking, never proof.

`PHRASES` is the whole vocabulary: (pattern, roles).  `roles` names the kind of removal the
phrase explains:

- ``get``: the removed call took a reference (try_module_get, get_device, of_node_get, ...):
  a "refcount leak", an "extra get", a "superfluous try_module_get()" is fixed by removing it;
- ``put``: the removed call dropped one (module_put, put_device, kobject_put, ...): a "double
  put", an "underflow", an "use-after-free" is fixed by removing it;
- ``owner``: a removed `.owner = THIS_MODULE`: "set by the core", "the core already sets";
- ``*``: any removal ("redundant", "unnecessary", "not needed", "no longer needed").

Patterns match prose (not identifiers: `(?<![\\w./-])`), case-insensitively.
"""

from __future__ import annotations

import functools
import re

_ANY = ("get", "put", "owner")

# (pattern, roles it explains).  Keep each phrase general: it describes the defect class,
# never one patch.
PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # the removed call was one too many
    (r"redundant", _ANY),
    (r"superfluous", _ANY),
    (r"unnecessary", _ANY),
    (r"unneeded", _ANY),
    (r"needless(ly)?", _ANY),
    (r"(is|are|was|were) (not|no longer) (needed|necessary|required)", _ANY),
    (r"no (longer )?need (for|to)", _ANY),
    (r"(extra|spurious|duplicated?|excess(ive)?|second|additional) (\w+ ){0,2}"
     r"(get|put|reference|refcount|ref|call|module_put|put_device|of_node_put|kobject_put)", _ANY),
    (r"(un|im)balanced?", _ANY),
    (r"imbalance", _ANY),
    (r"mismatch(ed)?", ("get", "put")),
    # a get too many: the reference is never dropped
    (r"(refcount|reference|ref(erence)?[- ]count(ing)?|device|node|module|memory) leaks?", ("get",)),
    (r"leak(s|ed|ing)? (a |the |of )?(\w+ ){0,2}(reference|refcount|ref)", ("get",)),
    (r"never (released|dropped|put|freed)", ("get",)),
    # a put too many: the reference is dropped twice
    (r"double[- ](put|free|release|unref|drop|decrement)", ("put",)),
    (r"put (it |them )?twice", ("put",)),
    (r"(already|also) (\w+ ){0,3}(put|released|dropped|freed|decremented|unregistered)", ("put",)),
    (r"(refcount|reference count|ref(erence)?) underflows?|underflow", ("put",)),
    (r"over-?put", ("put",)),
    (r"use[- ]after[- ]free|uaf", ("put",)),
    (r"without (a )?(matching|corresponding) (get|reference)", ("put",)),
    # the owner field is filled in by the core
    (r"(set|filled|populated|assigned|handled|done|taken care of) (\w+ ){0,2}by (the )?"
     r"(\w+ ){0,2}(core|helper|macro|framework|register\w*)", ("owner", "get")),
    (r"(core|helper|macro|framework) (\w+ ){0,2}(already )?(sets|fills|assigns|handles|takes care)",
     ("owner", "get")),
)


@functools.cache
def _pattern(role: str) -> re.Pattern[str]:
    alts = [p for p, roles in PHRASES if role in roles]
    return re.compile(r"(?<![\w./-])(%s)(?![\w/-])" % "|".join(alts), re.I)


def _prose(text: str) -> str:
    """The message without trailers, quoted code and diff-like lines (they are not the author's claim)."""
    keep = []
    for line in (text or "").splitlines():
        s = line.strip()
        if re.match(r"^[\w-]+:\s", s) and re.match(
                r"^(Signed-off-by|Acked-by|Reviewed-by|Tested-by|Reported-by|Suggested-by|Cc|Link|"
                r"Closes|Co-developed-by|Message-Id|From|To|Date)\b", s, re.I):
            continue
        if line.startswith(("+", "-", "@@", ">")):
            continue
        keep.append(line)
    return "\n".join(keep)


def explains(text: str, role: str) -> str | None:
    """The phrase of `text` that explains a removed `role` call as extra, if any."""
    m = _pattern(role).search(_prose(text))
    return m.group(0) if m else None


def says_extra(patch, role: str) -> str | None:
    """Does the patch's subject or commit message explain a removed `role` call as extra?"""
    return explains("%s\n%s" % (getattr(patch, "subject", "") or "", getattr(patch, "message", "") or ""),
                    role)
