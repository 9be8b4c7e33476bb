"""Added puts of a structure member the file never took a reference for (MOD019's over-put findings).

An ownership fact: a put drops a reference somebody took.  A member filled only with pointers
that carry none (`priv->np = dev->of_node;`, `priv->dev = &pdev->dev;`, `dev_of_node(dev)`,
or a local set from one of those) holds no reference of its own: the device's node belongs to
the device, the device to the driver core.  A put of that member (typically in `.remove()` or
a release callback, "to balance" a get nobody wrote) drops the owner's reference: the node or
device is freed while the core still uses it.

Reported when the file (tree mode: the whole post-image; hunk mode: what the hunks show, as a
low-confidence question) stores into that member only such pointers, never a getter's result,
never passes the member to a getter (`of_node_get(priv->np)`) and never hands its address to
a call that could fill it (`&priv->np`).  Each finding is a tuple (put call, message[, confidence]).
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.analysis.clex import norm
from reviewbot.checks import _kapi as kapi
from reviewbot.checks._message import short
from reviewbot.checks.module import _apis
from reviewbot.model import Confidence

# a read of a member chain, no call: `dev->of_node`, `pdev->dev.of_node`, `&pdev->dev`, `client->dev.parent`
_MEMBER_READ = re.compile(r"^&?\(?\s*\w+\s*\)?(?:(?:->|\.)\w+)+$")
# a device's node or parent, read from the device (`dev->of_node`, `pdev->dev.of_node`,
# `client->dev.parent`): the device holds that reference, not the reader
_BORROWED_LEAF = re.compile(r"(?:\bdev(?:->|\.)|(?:->|\.)dev\.)(?:of_node|fwnode|parent)$")
_CALL = re.compile(r"^\(?\s*([A-Za-z_]\w*)\s*\(")
_PROBE_DEV = r"\w*probe\w*\s*\([^)]*\bstruct\s+device\s*\*\s*%s\s*[,)]"


def _function_at(text: str, pos: int) -> str:
    """The function around `pos`, from its header (column-0 braces)."""
    start = text.rfind("\n{", 0, pos)
    start = max(text.rfind("\n\n", 0, start), text.rfind("\n}", 0, start)) if start > 0 else start
    end = text.find("\n}", pos)
    return text[start if start >= 0 else 0:end if end >= 0 else len(text)]


def _borrowed_rhs(rhs: str, text: str, pos: int, depth: int = 0) -> bool | None:
    """True: `rhs` carries no reference; False: it may; None: NULL (says nothing)."""
    r = norm(rhs).strip()
    r = re.sub(r"^\((?:const\s+)?struct\s+\w+\s*\*\s*\)\s*", "", r)
    if r in ("NULL", "0"):
        return None
    if _MEMBER_READ.match(r):
        if r.startswith("&"):
            if re.search(r"(?:->|\.)dev$", r) is None:
                return False
            # a device embedded in another object, unless that object is a local the function
            # got a reference on (`pdev = of_find_device_by_node(np); priv->dev = &pdev->dev;`,
            # mtk_drm_drv.c): the member then holds the lookup's reference
            base = re.match(r"^&\(?\s*(\w+)", r)
            return base is None or not _set_by_getter(base.group(1), text, pos)
        return _BORROWED_LEAF.search(r) is not None
    m = _CALL.match(r)
    if m:
        return kapi.borrowed(m.group(1)) is not None
    if re.fullmatch(r"\w+", r) and depth == 0:
        fn = _function_at(text, pos)
        vals = [v for v in re.findall(r"(?<![\w>.*])%s\s*=\s*([^;=][^;]*);" % re.escape(r), fn)]
        if not vals:
            # the device a probe is given: the driver core holds it for the binding
            return re.search(_PROBE_DEV % re.escape(r), fn) is not None
        verdicts = [_borrowed_rhs(v, text, pos, 1) for v in vals]
        if any(v is False for v in verdicts) or not any(verdicts):
            return False
        return True
    return False


def _set_by_getter(var: str, text: str, pos: int) -> bool:
    """Does the function around `pos` set the local `var` from a getter of the table?"""
    fn = _function_at(text, pos)
    for rhs in re.findall(r"(?<![\w>.*])%s\s*=\s*([^;=][^;]*);" % re.escape(var), fn):
        m = _CALL.match(norm(rhs).strip())
        if m and m.group(1) in _apis.BY_GETTER:
            return True
    return False


def _got_in_function(rhs: str, text: str, pos: int) -> bool:
    """Does the function around `pos` pass `rhs` (or the local it names) to a getter of the table?"""
    fn = _function_at(text, pos)
    key = re.escape(rhs.lstrip("&")).replace(r"\ ", r"\s*")
    for line in fn.splitlines():
        if _apis.has_getter_call(line) and re.search(r"\(\s*&?\s*%s\s*[,)]" % key, line):
            return True
    return False


_PAIR_PUT = re.compile(r"^(\w+?)_(?:put|unref|release)$")


def _paired_getter_keeps(name: str, putter: str, text: str) -> bool:
    """Is `name` the put half of a get/put pair of the file (`qmp_put()` beside `qmp_get()`),
    whose get takes a reference the putter answers and returns without dropping it?  qcom_aoss.c:
    qmp_get() finds the device (`of_find_device_by_node()`) and returns its driver data,
    qmp_put() drops that device's reference through `qmp->dev`: the member holds no reference
    of its own, the caller of qmp_get() does."""
    m = _PAIR_PUT.match(name or "")
    if m is None:
        return False
    body = re.search(r"^\w[^;{]*\b%s_get\s*\([^;{]*\)\s*\{(.*?)^\}" % re.escape(m.group(1)), text, re.S | re.M)
    if body is None:
        return False
    for call in re.finditer(r"\b(\w+)\s*\(", body.group(1)):
        api = _apis.BY_GETTER.get(call.group(1))
        if api is not None and putter in api.putters:
            rest = body.group(1)[call.end():]
            # a put at the function's own level after the get drops it on every path
            return re.search(r"^\t%s\s*\(" % re.escape(putter), rest, re.M) is None
    return False


def put_of_unowned_member(view, added, text: str) -> Iterator[tuple]:
    func = view.new
    if func is None:
        return
    for p in added:
        if _paired_getter_keeps(view.name or func.name or "", p.name, text):
            continue  # the put half of the file's get/put pair: the get's caller owns it
        if p.name in ("kfree", "module_put") or not _apis.is_putter(p.name):
            continue
        obj = _apis.put_object(p.name, list(p.args))
        if not obj or obj.startswith("&"):
            continue
        m = re.fullmatch(r"(\w+)((?:->|\.)\w+)*(?:->|\.)(\w+)", norm(obj))
        if m is None:
            continue
        member = m.group(3)
        stores = list(re.finditer(r"(?:->|\.)%s\s*=\s*([^;=][^;]*);" % re.escape(member), text))
        if not stores:
            continue
        if re.search(r"&\s*\(?\s*%s\s*(?:->|\.)\s*%s\b(?!\s*(?:->|\.))" % (re.escape(m.group(1)), re.escape(member)),
                     text):
            continue  # its address goes to a call that may fill it (`of_property_read_...(..., &priv->np)`)
        got = re.compile(r"\b\w+\s*\([^;]*(?:->|\.)%s\b[^;]*\)" % re.escape(member))
        if any(got.search(st) and _apis.has_getter_call(st) for st in text.split(";") if member in st):
            continue  # a get on it somewhere (`phy_connect_direct(net, pdata->phydev,\n ...)`)
        verdicts = [_borrowed_rhs(s.group(1), text, s.start()) for s in stores]
        if any(v is False for v in verdicts) or not any(verdicts):
            continue
        base = m.group(1)
        if not any(v and re.search(r"\b%s\s*(?:->|\.)" % re.escape(base), text[max(0, s.start() - 80):s.start() + 2])
                   for s, v in zip(stores, verdicts)):
            continue  # the stores seen are into another structure's member of that name
        if any(v and _got_in_function(norm(s.group(1)), text, s.start()) for s, v in zip(stores, verdicts)):
            continue  # the storing function took a reference on what it stored
        first = next(s for s, v in zip(stores, verdicts) if v)
        yield p, (f"{p.name}({short(obj, 20)}): ->{member} only ever holds {short(norm(first.group(1)), 24)}, "
                  f"a pointer with no reference of its own; this drops its owner's"), \
            *((Confidence.LOW,) if view.partial else ())
