"""A kref or kobject is released with kfree(), gets an empty release, or a failed get is ignored.

## What it does
Flags added code that:
- passes `kfree` (cast or not) as the release of `kref_put()`/`kref_put_mutex()`;
- adds an empty `release()` for a `struct device`, `kobject` or `kref` (`{ }` body);
- sets `.release = NULL` in a `kobj_type`/`device_type`/`class` initializer;
- calls `kref_get_unless_zero()` as a statement, ignoring whether it took the reference;
- removes the release callback of an object that stays refcounted: `x->dev.release = fn;`
  (when no device type or class is set next to it, whose release would run instead) or
  `.release = fn,` of a `kobj_type`/`device_type`/`class` (its header in sight, or in the
  pre-image), with no release, type or class set on the added lines;
- adds, in a release callback (`void fn(struct device|kobject|kref *x)`, named for a
  release), a put of the object being released (`put_device(dev)`, `kobject_put(kobj)`,
  `kref_put(kref, ...)`, or `put_device(&foo->dev)` after `foo = container_of(dev, ...)`):
  the release runs when the count reached zero, so that put drops a reference nobody holds;
- removes the `kfree()` of the container from a release callback (`void fn(struct
  device|kobject|kref *)`, named for a release) with nothing freeing in its place (tree mode:
  unless the callback still frees that object); not a `kfree()` of the bare parameter, which
  is how the release of a static device is fixed;
- takes a reference (`kref_get()`, `kobject_get()`, `get_device()`, ... the table's getters of an
  object) after the unlock of the lock that the same block looked the object up under (`lock;
  x = idr_find(...); unlock; kref_get(&x->ref);`), when the patch added the get or moved the
  unlock above it: between the unlock and the get the last put can free `x` (a count that may
  already be zero).

## Why is this bad?
`Documentation/core-api/kobject.rst`: "every kobject must have a release() method ... Do not
try to get rid of this warning by providing an 'empty' release function."  A kref's release
receives the `struct kref *`, not the containing object: `kfree()` on it frees the wrong
pointer unless the kref happens to be the first member, and newer `kref.h` says "The caller
may not pass NULL or kfree() as the release function".  "If all your cleanup function needs to
do is call kfree(), then you must create a wrapper function which uses container_of()".
`kref_get_unless_zero()` is `__must_check`: when it fails the object is already being
released, and using it anyway is a use-after-free.  Without a release (or with one that frees
nothing) the last put leaves the object allocated: `device_release()` warns "does not have a
release() function, it is broken and must be fixed", `kobject_cleanup()` "does not have a
release() function", and the memory leaks.

## Example
```c
static void foo_release(struct device *dev)
{
}
```

## Use instead
```c
static void foo_release(struct device *dev)
{
	kfree(container_of(dev, struct foo, dev));
}
```

An empty `kref` release used only by `kref_put()` calls that test the result
(`if (!kref_put(&x->ref, noop)) return;`: kref_put() returns 1 when the count reached zero, and
the caller frees or recycles the object itself) is not reported; with no such call in sight (a
header's inline helper uses it) it is low.  A device's or kobject's empty release is always
reported: their core frees nothing after the release.

## Known problems
A release that is empty because the object is static and never freed is still reported: a
static `struct device` or kobject in a module is itself a lifetime bug (its release would run
after the module text is gone).

## Confidence
High for `kfree` as a kref release and for an ignored `kref_get_unless_zero()`; medium for an
empty release (it may be deliberate for static objects), for a release callback that stops
freeing, and for a removed release in hunk mode (a type or class set out of sight may release
the device; tree mode reads the pre-image around it: high).

## References
- `Documentation/core-api/kobject.rst`, `Documentation/core-api/kref.rst`
- `include/linux/kref.h`: `kref_get_unless_zero()` is `__must_check`
- Coccinelle `api/atomic_as_refcounter.cocci` (the neighbouring pattern)
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel
from reviewbot.analysis.clex import statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch, Side
from reviewbot.rules import Rule
from reviewbot.checks._hunks import hunks, kind_text
from reviewbot.checks.module import _get_after_unlock, _release_cb

RULE = Rule.from_doc(__doc__, id="MOD021", slug="kref-misuse", level=Level.WARNING,
                     confidence=Confidence.HIGH, tags=("kref-imbalance",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("kref", "release", "unlock")
# What it says about a C file depends on that file (and the commit message) alone: it runs
# only on the files that hold a TRIGGER string (reviewbot.engine).
TRIGGER_PER_FILE = True

_KREF_PUT = lazyre.compile(r"\bkref_put(?:_mutex|_lock)?\s*\(")


def _kfree_release(text: str) -> bool:
    """`kref_put(&x->ref, kfree)` or with a cast: the release argument is kfree itself."""
    for m in _KREF_PUT.finditer(text):
        args = cmodel.split_args(clex.balanced(text, m.end()))
        if len(args) >= 2 and re.search(r"(^|\)|\s)kfree$", args[1].strip()):
            return True
    return False
_EMPTY_RELEASE = lazyre.compile(r"^(?:static\s+)?void\s+(\w+)\s*\(\s*struct\s+(device|kobject|kref)\s*\*\s*\w+\s*\)\s*\{\s*\}$")
_NULL_RELEASE = lazyre.compile(r"^\.release\s*=\s*NULL\s*,?$")
_IGNORED_GET = lazyre.compile(r"^(?:\(void\)\s*)?kref_get_unless_zero\s*\(.*\)\s*;$")


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        if "release" in kind_text(fd, "+- ") or any("release" in h.section for h in fd.hunks):
            if fd.removed():
                yield from _removed_releases(fd, ctx)
            yield from _puts_in_own_release(fd)
        if "unlock" in kind_text(fd, "+- ") and ("unlock" in kind_text(fd, "+") or "get" in kind_text(fd, "+")):
            for side in _get_after_unlock.function_sides(fd, ctx.post(fd.path)):
                for st, name, var, unlock in _get_after_unlock.gets_after_unlock(statements(side)):
                    yield RULE.finding(fd.path, st.line_of(re.escape(name)) if st.any_added else unlock.first,
                                       f"{name}() on {var} after {unlock.text.strip().split('(')[0]}(): {var} was looked up under that lock "
                                       f"and its last put may already have freed it; take the reference before "
                                       f"unlocking")
        if not ("kref" in kind_text(fd, "+") or "release" in kind_text(fd, "+")):
            continue
        for h in hunks(fd, new=("kref", "release")):
            stmts = statements(h.new_side())
            for i, st in enumerate(stmts):
                if ("kref" not in st.text and "release" not in st.text) or not st.any_added:
                    continue  # every pattern below names a kref or a release
                text = st.text
                if _kfree_release(text):
                    yield RULE.finding(fd.path, st.line_of(r"kref_put"),
                                       "kfree() as a kref release frees the kref, not its container")
                elif _IGNORED_GET.match(text):
                    yield RULE.finding(fd.path, st.line_of(r"kref_get_unless_zero"),
                                       "kref_get_unless_zero() result ignored: the object may be dying")
                elif _NULL_RELEASE.match(text):
                    yield RULE.finding(fd.path, st.line_of(r"\.release"), "release set to NULL",
                                       confidence=Confidence.MEDIUM)
                elif text.endswith("{") and i + 1 < len(stmts) and stmts[i + 1].text == "}":
                    m = _EMPTY_RELEASE.match(text + " }")
                    if m and "release" in m.group(1):
                        conf = Confidence.MEDIUM
                        if m.group(2) == "kref":
                            uses = _kref_put_uses(_shown_text(fd, ctx), m.group(1))
                            if uses and all(uses):
                                continue  # `if (kref_put(&x->ref, noop)) ...`: the caller acts on zero
                            if not uses:
                                conf = Confidence.LOW  # its kref_put() is out of sight (a header)
                        yield RULE.finding(fd.path, st.first, f"empty {m.group(2)} release {m.group(1)}()",
                                           confidence=conf)


def _shown_text(fd, ctx: Context) -> str:
    post = ctx.post(fd.path)
    return post if post is not None else "\n".join(ln.text for h in fd.hunks for ln in h.lines if ln.kind != "-")


def _kref_put_uses(text: str, release: str) -> list[bool]:
    """For each `kref_put*(..., release)` of the text: is its result used (`if (kref_put(...))`,
    `return kref_put(...)`, `ret = kref_put(...)`)?  kref_put() returns 1 when the count reached
    zero and the release ran: a caller that tests it frees or recycles the object itself, so an
    empty kref release is a marker there (Documentation/core-api/kref.rst), unlike a device's or
    a kobject's, whose core frees nothing after the release."""
    out = []
    for m in _KREF_PUT.finditer(text):
        args = cmodel.split_args(clex.balanced(text, m.end()))
        if len(args) < 2 or args[-1].strip().lstrip("&") != release:
            continue
        before = text[max(0, m.start() - 40):m.start()].rstrip()
        out.append(re.search(r"(\bif\s*\(\s*!?|\breturn|[=!(&|?:]|\bwhile\s*\(\s*!?)$", before) is not None)
    return out


# The release callback of a refcounted object: `x->dev.release = fn;` (a struct device member),
# `.release = fn,` in a kobj_type / device_type / class initializer.
_DEV_RELEASE_SET = lazyre.compile(r"^[\w>.\-\[\]]*(?:->|\.)dev\.release\s*=\s*(\w+)\s*;$")
_FIELD_RELEASE = lazyre.compile(r"^\.release\s*=\s*&?\s*(\w+)\s*,?$")
_REFCOUNTED_TYPE = lazyre.compile(r"\bstruct\s+(kobj_type|device_type|class)\s+\w+\s*=\s*\{")
# ... and what gives the object a release another way: a device's type or class (their
# `release`/`dev_release` run when the device has none), a kobj_type.
_ANY_RELEASE_SET = lazyre.compile(r"(?:^|->|\.)(?:release|dev_release|type|class)\s*=|\bkobj_type\b|\bdevice_type\b")
# A call that frees or drops something: what a release does.
_FREES = lazyre.compile(r"\b\w*(free|put|release|destroy|unref)\w*\s*\(")


def _removed_releases(fd, ctx: Context) -> Iterator[Finding]:
    """A release callback the patch takes away from a refcounted object that stays: the
    removed `x->dev.release = fn;` or `.release = fn,` of a kobj_type/device_type/class (its
    header in sight, or in the pre-image), with no release set anywhere on the added lines; or
    a release callback (`void fn(struct device|kobject|kref *)`) whose free the patch removes
    with nothing freeing in its place.  The last put then frees nothing: the driver core
    warns that the device "does not have a release() function" and the memory leaks."""
    added = kind_text(fd, "+")
    if _ANY_RELEASE_SET.search(added):
        return  # a release comes back (moved to a type, renamed, rewritten)
    pre = ctx.pre(fd.old_path or fd.path)
    for h in fd.hunks:
        old = h.old_side()
        for i, ln in enumerate(old):
            if not ln.removed or "release" not in ln.text:
                continue
            text = ln.text.strip()
            if not _kept_near(old, i):
                continue  # the object's set-up goes as a whole
            m = _DEV_RELEASE_SET.match(text)
            if m and not _typed_device(h, pre, ln.old_no):
                yield RULE.finding(fd.path, ln, f"removed release {m.group(1)}() of a struct device that "
                                                f"stays: its last put frees nothing (no release() function)",
                                   side=Side.OLD, confidence=Confidence.MEDIUM if pre is None else None)
                continue
            m = _FIELD_RELEASE.match(text)
            if m and _in_refcounted_type(old, i, pre, ln.old_no):
                yield RULE.finding(fd.path, ln, f"removed .release = {m.group(1)} of a refcounted type: "
                                                f"the last put of its objects frees nothing",
                                   side=Side.OLD, confidence=Confidence.MEDIUM if pre is None else None)
        rel = _release_cb.of(h, side="old")
        if rel is not None:
            # a kfree() of the parameter itself (not its container) frees a bare device or
            # kobject: removing it is how a static object's release is fixed (vpe-cmp.c)
            gone = [ln for ln in rel.lines if ln.removed and re.match(r"^\s*kfree\s*\(", ln.text)
                    and not rel.is_self(clex.balanced(ln.text, ln.text.index("(") + 1))]
            if gone and not any(_FREES.search(ln.text) for ln in h.lines if ln.added) \
                    and not _still_freed(ctx.post(fd.path), rel.name, gone[0].text):
                yield RULE.finding(fd.path, gone[0], f"{rel.name}() no longer frees its object: the "
                                                     f"last put of the {rel.family} leaks it", side=Side.OLD,
                                   confidence=Confidence.MEDIUM)


_TYPE_OR_CLASS = lazyre.compile(r"(?:->|\.)dev\.(?:type|class)\s*=")


def _typed_device(h, pre: str | None, old_no: int | None) -> bool:
    """Does the device get a type or class next to the removed release (the hunk, or forty
    lines of the pre-image around it)?  device_release() runs `type->release` or
    `class->dev_release` when the device has no release of its own."""
    if any(_TYPE_OR_CLASS.search(ln.text) for ln in h.lines):
        return True
    if pre is None or old_no is None:
        return False
    lines = pre.splitlines()
    return any(_TYPE_OR_CLASS.search(t) for t in lines[max(0, old_no - 40):old_no + 40])


def _kept_near(old: list, i: int) -> bool:
    """Does a context line within two lines of old[i] hold code (the initializer or the
    function it sits in stays)?"""
    near = old[max(0, i - 2):i] + old[i + 1:i + 3]
    return any(ln.kind == " " and ln.text.strip() not in ("", "{", "}", "};") for ln in near)


def _in_refcounted_type(old: list, i: int, pre: str | None, old_no: int | None) -> bool:
    """Is old[i] inside a `struct kobj_type|device_type|class X = {` initializer: its header
    shown above it in the hunk, or (tree mode) in the pre-image?"""
    for ln in reversed(old[:i]):
        if ln.text.strip().startswith("}"):
            return False
        if _REFCOUNTED_TYPE.search(ln.text):
            return True
    if pre is None or old_no is None:
        return False
    lines = pre.splitlines()
    for k in range(min(old_no - 2, len(lines) - 1), max(-1, old_no - 40), -1):
        if lines[k].strip().startswith("}"):
            return False
        if _REFCOUNTED_TYPE.search(lines[k]):
            return True
    return False


def _still_freed(post: str | None, name: str, removed: str) -> bool:
    """Tree mode: does the post-image's `name()` still free what the removed `kfree(x)` freed
    (another call in it that frees or drops `x`)?  Hunk mode knows only the hunk: False."""
    if post is None:
        return False
    func = cmodel.parse(post).function_named(name)
    arg = clex.norm(clex.balanced(removed, removed.index("(") + 1))
    if func is None:
        return True  # the release itself is gone or renamed: not this finding's business
    return any(_FREES.search(c.name + "(") and c.args and clex.norm(c.args[0]) == arg for c in func.calls())



def _puts_in_own_release(fd) -> Iterator[Finding]:
    """An added put, in a release callback (`void fn(struct device|kobject|kref *x)`, named for a
    release), of the object being released: `put_device(dev)`, `kobject_put(kobj)`,
    `kref_put(kref, ...)`, or the same object through its container (`put_device(&foo->dev)`
    after `foo = container_of(dev, struct foo, dev)` / `to_foo(dev)`).  The release runs when
    the count reached zero: the put drops a reference nobody holds (an underflow, and the
    release runs again on freed memory)."""
    for h in fd.hunks:
        rel = _release_cb.of(h)
        if rel is None:
            continue
        for st in statements(list(rel.lines)):
            if not st.any_added:
                continue
            call = clex.CallStmt.parse(st.text)
            if call is None or call.name not in _release_cb.PUTTERS[rel.family]:
                continue
            args = cmodel.split_args(call.args)
            if args and rel.is_self(args[0]):
                yield RULE.finding(fd.path, st.line_of(re.escape(call.name)),
                                   f"{call.name}({args[0].strip()}) in {rel.name}(): the release runs when "
                                   f"the count reached zero, this put drops a reference nobody holds")
