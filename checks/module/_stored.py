"""References kept in a structure member and dropped by a teardown function.

A getter's reference that a probe/open/init function stores in a longer-lived object
(`priv->np = of_parse_phandle(...)`, `usb3->host_dev = usb_of_get_companion_dev(...)`) is owned
by that object: the function that tears the object down (`*_remove()`, `*_release()`,
`*_disconnect()`, `*_exit()`, a devm action registered for it) must drop it.  That put sits on no
error path, so the exit-path reasoning of MOD003 does not see it go: this module answers "does
the patch remove the put that ends a stored reference's life, and does nothing else drop it
now?"

- A removed put of a member (`put(x->m)`, `put(&x->m->dev)`) in a teardown function, not
  re-added, not replaced by another put of the same object in the function, not a removed
  get/put pair, is such a removal.  A put of the function's own parameter object
  (`put_device(&pdev->dev)`) is not: its reference belongs to the caller.
- A removed `devm_add_action[_or_reset](dev, fn, arg)` whose `fn` only puts its argument is a
  removed put of `arg` (the action ran it at unbind).
- In tree mode the post-image file is searched for any other release of the member (a put of
  `->m` in any function, a devm action given `->m`): then the reference still has its put.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from reviewbot import lazyre
from reviewbot.analysis import cmodel
from reviewbot.analysis.clex import CallStmt, balanced, norm
from reviewbot.checks.module import _apis

# A function that ends an object's life: the driver-model and file teardown callbacks and the
# driver's own helpers named for the step.
TEARDOWN_NAME = lazyre.compile(r"(^|_)(remove|release|exit|disconnect|unbind|destroy|free|cleanup|deinit|"
                           r"uninit|teardown|shutdown|put|detach|unregister|close|fini)(_|\d|$)")
_DEVM_ACTION = lazyre.compile(r"\bdevm_add_action(?:_or_reset)?\s*\(")


@dataclass(frozen=True)
class Removed:
    """A removed release of a stored reference."""

    line: object  # the DiffLine to anchor at (old side)
    name: str  # the putter (or the devm action's callback)
    obj: str  # the object whose reference it dropped


def member_of(obj: str) -> str | None:
    """The structure member a reference lives in (`usb3->host_dev` -> `host_dev`,
    `&priv->pdev->dev` -> `pdev`); None for a bare variable or the function's own object
    (`&pdev->dev`, `np`)."""
    e = _apis._base(obj)
    if not re.fullmatch(r"[\w>.\-]+", e) or ("->" not in e and "." not in e):
        return None
    return re.split(r"->|\.", e)[-1]


def action_putters(text: str) -> dict[str, str]:
    """`static void fn(void *data) { ...; put(x); }` callbacks in `text` whose only work is
    one put of their argument (or of a local cast from it): fn -> putter."""
    out = {}
    for m in re.finditer(r"^(?:static\s+)?void\s+(\w+)\s*\(\s*void\s*\*\s*(\w+)\s*\)\s*\{(.*?)^\}",
                         text, re.M | re.S):
        name, param, body = m.group(1), m.group(2), m.group(3)
        calls = [c for c in re.findall(r"\b(\w+)\s*\(", body) if c not in ("sizeof", "container_of")]
        puts = [c for c in calls if _apis.is_putter(c)]
        if len(puts) == 1 and len(calls) == 1:
            local = re.search(r"\b(\w+)\s*=\s*(?:\([^()]*\)\s*)?%s\s*;" % re.escape(param), body)
            arg = re.search(r"\b%s\s*\(\s*&?\s*\(?\s*(\w+)" % re.escape(puts[0]), body)
            if arg and arg.group(1) in (param, local.group(1) if local else param):
                out[name] = puts[0]
    return out


def released_in(text: str, member: str, teardown_only: bool = False) -> bool:
    """Does `text` (a file image, or the added lines) drop a reference kept in `->member`: a
    putter called on it, or a devm action given it?  With `teardown_only`, a put counts only
    inside a teardown function (an unwind in probe runs on its failure alone)."""
    if teardown_only:
        cf = cmodel.parse(text)
        spans = [(f.start, f.end) for f in cf.functions if teardown(f.name)]
        starts = [0]
        for ln in text.splitlines(True):
            starts.append(starts[-1] + len(ln))
    mem = re.compile(r"(?:->|\.)%s\b" % re.escape(member))
    for m in re.finditer(r"\b(\w+)\s*\(", text):
        name = m.group(1)
        if (_apis.is_putter(name) or name.startswith("devm_add_action")) and mem.search(balanced(text, m.end())):
            if teardown_only and not name.startswith("devm_add_action"):
                line = bisect.bisect_right(starts, m.start())
                if not any(a <= line <= b for a, b in spans):
                    continue
            return True
    return False


def gets_into(text: str, member: str) -> bool:
    """Does `text` store a getter's reference in `->member` (directly, or through a local that
    a getter filled)?"""
    for m in re.finditer(r"(?:->|\.)%s\s*=\s*(?:&\s*)?(\w+)\s*(\()?" % re.escape(member), text):
        name = m.group(1)
        if m.group(2):
            if name in _apis.BY_GETTER:
                return True
            continue
        for a in re.finditer(r"\b%s\s*=\s*" % re.escape(name), text):
            g = _apis.GETTER_NAMES.match(text, a.end())
            if g:
                return True
    return False


def teardown(view_name: str) -> bool:
    return TEARDOWN_NAME.search(view_name or "") is not None


def removed_actions(fd, old_text: str) -> list[Removed]:
    """Removed `devm_add_action*(dev, fn, arg)` calls whose callback only puts `arg`."""
    callbacks = action_putters(old_text)
    if not callbacks:
        return []
    out = []
    for h in fd.hunks:
        for ln in h.lines:
            if not ln.removed or not _DEVM_ACTION.search(ln.text):
                continue
            i = h.lines.index(ln)
            stmt = " ".join(x.text.strip() for x in h.lines[i:i + 3] if x.removed)
            m = re.search(r"devm_add_action(?:_or_reset)?\s*\(", stmt)
            args = cmodel.split_args(balanced(stmt, m.end()))
            if len(args) >= 3 and args[1].strip() in callbacks:
                out.append(Removed(ln, args[1].strip(), norm(args[2])))
    return out



def lost_release(fd, view, ctx, obj: str) -> tuple[str, bool] | None:
    """A removed put of `obj` on no exit path: is it the release, in a teardown function, of a
    reference kept in a structure member, and (tree mode) does nothing else drop it now?
    Returns (member, the file stores a getter's reference there) or None."""
    member = member_of(obj)
    if member is None or not teardown(view.name):
        return None
    for hh in view.hunks:
        for ln in hh.lines:
            c = CallStmt.parse(ln.text.strip()) if ln.kind != "-" else None
            if c and _apis.is_putter(c.name) and _apis.same_object(
                    _apis.put_object(c.name, list(cmodel.split_args(c.args))), obj):
                return None  # another put of it still runs here
    if view.partial:
        return member, False
    if view.new is None or any(_apis.is_putter(c.name) and _apis.same_object(
            _apis.put_object(c.name, list(c.args)), obj) for c in view.new.calls()):
        return None
    post, pre = ctx.post(fd.path) or "", ctx.pre(fd.old_path or fd.path) or ""
    if released_in(post, member, teardown_only=True):
        return None  # the file drops it elsewhere (another teardown step, a devm action)
    return member, gets_into(pre, member)
