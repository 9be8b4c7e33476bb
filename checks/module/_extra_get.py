"""A get on the object a constructor is about to return: one reference too many (facts for MOD003
and MOD025).

A constructor (`*_alloc()`, `*_create()`, `*_new()`, by the kernel's naming) returns a fresh
object whose first reference (`device_initialize()`, `kref_init()`, `kobject_init()`) is the
caller's: the caller's free/put drops it and the object goes.  A bare get of that object
right before `return obj;` hands the caller a second reference nobody drops: the object is
never freed (the reversed fix of iio's "trigger: Fix reference counting").  Lookup functions
(`*_get()`, `*_find()`, a constructor that looks an existing object up first) and objects the
function also publishes (a list, an IDR, a member: that holder keeps the first reference)
take that get on purpose.
"""

from __future__ import annotations

import re

from reviewbot import lazyre
from reviewbot.analysis import clex
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _apis

_CTOR = lazyre.compile(r"(?:^|_)(?:alloc|allocate|create|new)(?:_|$)")
_NOT_CTOR = lazyre.compile(r"(?:^|_)(?:get|find|lookup|ref|grab|hold|dup|clone|open|attach)(?:_|$)")
_PUBLISH = r"(?:list_add\w*|hlist_add\w*|idr_alloc\w*|idr_replace|xa_store\w*|xa_insert\w*|radix_tree_insert|" \
           r"rb_link_node|\w+_set_drvdata|\w*_register\w*|\w+_add)\s*\([^;]*\b%s\b"


def _returns_its_argument(name: str) -> bool:
    row = kapi.get(name)
    return row is not None and row.kind == "getter" and row.family != "module" and row.ref_arg == 0


def get_before_return(stmt_text: str, next_text: str, fn: str, shown: str) -> str | None:
    """The object, when `stmt_text` is a bare get of the object that `next_text` (the next
    statement) returns, in constructor `fn` whose shown text `shown` neither looks it up nor
    publishes it."""
    m = clex.CallStmt.parse(stmt_text.strip())
    if not m or m.cond is not None or not _returns_its_argument(m.name):
        return None
    if not _CTOR.search(fn) or _NOT_CTOR.search(fn):
        return None
    obj = clex.norm(m.args.split(",")[0])
    var = re.split(r"->|\.", obj.lstrip("&*( "))[0].strip()
    r = re.match(r"^\s*return\s+(\w+)\s*;", next_text)
    if r is None or r.group(1) != var:
        return None
    v = re.escape(var)
    if re.search(r"(?<![\w>.])%s\s*=\s*(?:\([^()]*\)\s*)?\w*(?:find|lookup|get|search)\w*\s*\(" % v, shown):
        return None  # found, not made: a get for the caller is how a lookup returns it
    if re.search(_PUBLISH % v, shown) or re.search(r"(?:->|\.)\w+\s*=\s*%s\s*;" % v, shown):
        return None  # kept by someone else too: the first reference is theirs
    return obj


def added_extra_gets(fd):
    """(statement, getter, object, function) of each added bare get right before its
    constructor returns the object."""
    from reviewbot.checks.module._refs import enclosing_function
    from reviewbot.checks._hunks import hunk_names, names_on
    getters = _apis.GETTER_NAMES.names
    # a getter call's name is a whole word of its statement's lines (blanking comments and
    # strings never makes one): a file or hunk whose new side names none is skipped unjoined
    if not names_on(fd, "new", getters):
        return
    for h in fd.hunks:
        if not hunk_names(fd, h, "new", getters):
            continue
        stmts = clex.statements(h.new_side())
        for k, st in enumerate(stmts[:-1]):
            if not st.any_added or not _apis.has_getter_call(st.text):
                continue
            fn = enclosing_function(h, st.first, "new")
            shown = "\n".join(s.text for s in stmts if enclosing_function(h, s.first, "new") == fn)
            obj = get_before_return(st.text, stmts[k + 1].text, fn, shown)
            if obj is not None:
                yield st, clex.CallStmt.parse(st.text.strip()).name, obj, fn


def removed_extra_get(h, i: int) -> bool:
    """Was the removed line `h.lines[i]` a bare get right before its constructor's `return obj;`
    (the old side)?  Removing it is the fix of an extra reference."""
    from reviewbot.checks.module._refs import enclosing_function
    ln = h.lines[i]
    nxt = next((x for x in h.lines[i + 1:] if x.kind != "+" and x.text.strip()), None)
    if nxt is None:
        return False
    fn = enclosing_function(h, ln, "old")
    shown = "\n".join(x.text for x in h.old_side())
    return get_before_return(ln.text, nxt.text, fn, shown) is not None
