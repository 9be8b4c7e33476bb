"""Release callbacks a hunk shows: `void fn(struct device|kobject|kref *x)` named for a release,
and the object it releases (its parameter, or the same object through its container).

The release of a refcounted object runs when its count reached zero: a put of that object in
it drops a reference nobody holds, and removing one is no leak (MOD021, MOD003).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewbot import lazyre

HEADER = lazyre.compile(r"^(?:static\s+)?void\s+(\w+)\s*\(\s*struct\s+(device|kobject|kref)\s*\*\s*(\w+)\s*\)")
PUTTERS = {"device": ("put_device",), "kobject": ("kobject_put",),
           "kref": ("kref_put", "kref_put_mutex", "kref_put_lock")}
_CONTAINER = lazyre.compile(r"\b(\w+)\s*=\s*(?:container_of\s*\(\s*(\w+)\s*,[^,]+,\s*([\w.]+)\s*\)|"
                            r"(to_\w+|\w+_to_\w+)\s*\(\s*(\w+)\s*\))")


@dataclass(frozen=True)
class Release:
    name: str  # the callback
    family: str  # device | kobject | kref
    selves: frozenset[str]  # the released object's spellings (`dev`, `&foo->dev`)
    lines: tuple  # the hunk's lines of the callback's body, on the side `of` read

    def is_self(self, obj: str) -> bool:
        o = re.sub(r"\s+", "", obj or "")
        return o in self.selves or "&" + o in self.selves


_COLUMN0 = re.compile(r"[A-Za-z_]")  # a line starting at column 0 (a function header)


def of(h, side: str = "new") -> Release | None:
    """The release callback whose body the hunk `h` edits: its header is the last one at
    column 0 above the hunk's first change, or the hunk's section.  `side`: which lines to
    read ("new": context and added, "old": context and removed).  Lines past the callback's
    closing brace are another function's and left out."""
    skip = "-" if side == "new" else "+"
    first = next((i for i, ln in enumerate(h.lines) if ln.kind != " "), 0)
    header, start = h.section.strip(), 0
    for i, ln in enumerate(h.lines[:first]):
        if _COLUMN0.match(ln.text):
            header, start = ln.text.strip(), i + 1
    m = HEADER.match(header)
    if not m or "release" not in m.group(1):
        return None
    body = []
    for ln in h.lines[start:]:
        if ln.kind == skip:
            continue
        if ln.text.rstrip() == "}":
            break
        body.append(ln)
    param = m.group(3)
    selves = {param, "&" + param, "&*" + param}
    for ln in body:
        c = _CONTAINER.search(ln.text)
        if c and (c.group(2) == param or c.group(5) == param):
            if c.group(2):
                selves.add(f"&{c.group(1)}->{c.group(3)}")
            else:
                selves.update(f"&{c.group(1)}->{w}" for w in ("dev", "kobj", "kref", "ref", "refcount"))
    return Release(m.group(1), m.group(2), frozenset(selves), tuple(body))
