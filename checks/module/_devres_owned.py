"""References that devres owns: a put by hand is the second one (facts for MOD036).

Two hand-overs give a reference to devres, which drops it when the driver unbinds (after
`.remove()`) or when probe fails:

- a devm getter or allocator of a refcounted object (`devm_clk_get()`, `devm_spi_alloc_host()`,
  `devm_iio_device_alloc()`, `devm_gpiod_get_optional()`, ...): its devres action calls the put
  of the plain twin (`clk_put()`, `spi_controller_put()`, `iio_device_free()`, `gpiod_put()`).
  The twin's releases come from the kernel-API tables: the table's release column of the plain
  call, the putters whose release column names it, else the kernel's undo naming
  (`iio_device_alloc()` / `iio_device_free()`);
- `devm_add_action_or_reset(dev, fn, x)` with an action `fn` that puts its argument: from then
  on (and at once, if the call fails: "_or_reset") devres owns that reference.  Plain
  `devm_add_action()` leaves it to the caller when it fails.

A put of such an object by hand (in `.remove()`, on an error exit, at the end of probe) drops a
reference the code no longer holds: devres puts it again.
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

from reviewbot.analysis.clex import norm
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _apis, _devm_dropped
from reviewbot.checks.module._devm import DEVM_ALLOCATORS

# release names that end an object's reference (not the undo of a registration: a devm-allocated
# object may still be unregistered by hand, `input_unregister_device()` of a devm input device)
_DROPS = re.compile(r"(?:^|_)(?:put|free|release|unref|unmap|iounmap|destroy)(?:_|$)|^(?:kfree|fput)$")
_NOT_DROPS = re.compile(r"unregister|deregister|_remove|_del\b|disable|unprepare")
_CAST = r"(?:\([^()]*\)\s*)?"


def _releases_of(plain: str) -> set[str]:
    out = set(kapi.releases(plain))
    out.update(_apis.putters_answering(plain))  # the putters whose answers hold it
    for r in kapi.of_kind("putter"):  # a putter row whose release column names the plain call
        if plain in r.release:
            out.add(r.name)
    row = _devm_dropped.twins().get("devm_" + plain) or _devm_dropped._by_name("devm_" + plain)
    if row is not None:
        out.update(row[1])
    if plain.startswith(("ioremap", "of_iomap")):
        out.add("iounmap")
    if re.match(r"alloc_(?:etherdev|netdev|candev)", plain):
        out.add("free_candev" if "candev" in plain else "free_netdev")
    return {n for n in out if _DROPS.search(n) and not _NOT_DROPS.search(n)}


@functools.lru_cache(maxsize=512)
def drops_devm(release: str, devm: str) -> bool:
    """Does `release()` drop what the devm call `devm()` set up (its plain twin's put)?"""
    if not devm.startswith("devm_") or devm in DEVM_ALLOCATORS or devm.startswith("devm_add_action"):
        return False
    return release in _releases_of(devm[len("devm_"):])


def _leaf_pat(obj: str) -> str:
    """A regex for the object's expression, spaces free (`priv->clk`, `host`)."""
    return r"\s*".join(map(re.escape, re.findall(r"->|\.|\w+|\S", norm(obj).lstrip("&"))))


def devm_source(obj: str, scope: str) -> str | None:
    """The devm call `obj` is assigned from in `scope`, if every call assigned to it there is a
    devm one (a plain getter on another path makes a manual put right there)."""
    pat = _leaf_pat(obj)
    if not pat:
        return None
    found = None
    for m in re.finditer(r"(?<![\w>.])%s\s*=\s*%s([A-Za-z_]\w*)\s*\(" % (pat, _CAST), scope):
        name = m.group(1)
        if name in ("ERR_PTR", "ERR_CAST", "IS_ERR", "PTR_ERR"):
            continue
        if not name.startswith("devm_"):
            return None
        found = found or name
    return found


_ACTION = re.compile(r"\b(devm_add_action(?:_or_reset)?)\s*\(\s*[^,;]+,\s*(\w+)\s*,\s*%s([^;]*?)\s*\)\s*;" % _CAST)


def _action_def(fn: str, text: str) -> tuple[str, str] | None:
    m = re.search(r"^[\w \t\*]*\b%s\s*\(\s*void\s*\*\s*(\w+)\s*\)\s*\{(.*?)^\}" % re.escape(fn), text, re.M | re.S)
    return (m.group(1), m.group(2)) if m else None


def put_action(fn: str, text: str) -> bool:
    """Is `fn` a devm action that puts the data it is given?  Its body (when `text` shows it) is
    a few statements with a put (of the table, or put/unref-named) of its parameter (or of a
    local set from it); a body out of sight is judged by the name (`foo_put_device`)."""
    d = _action_def(fn, text)
    if d is None:
        return _PUT_NAME.search(fn) is not None
    param, body = d
    if body.count(";") > 4:
        return False
    aliases = {param} | set(re.findall(r"\b(\w+)\s*=\s*%s%s\s*;" % (_CAST, re.escape(param)), body))
    for m in re.finditer(r"\b([A-Za-z_]\w*)\s*\(\s*%s&?\s*(\w+)" % _CAST, body):
        if m.group(2) in aliases and (_apis.is_putter(m.group(1)) and m.group(1) != "kfree"
                                      or _PUT_NAME.search(m.group(1))):
            return True
    return False


_PUT_NAME = re.compile(r"(?:^|_)(?:put|unref)(?:_|$)")


def actions_on(obj: str, text: str) -> list[tuple[int, str, str]]:
    """(offset, api, fn) of each `devm_add_action[_or_reset](dev, fn, obj)` in `text` whose
    action puts `obj`."""
    want = norm(obj).lstrip("&")
    return [(start, api, fn) for start, api, fn, data in _actions(text)
            if data == want and put_action(fn, text)]


@functools.lru_cache(maxsize=8)
def _actions(text: str) -> tuple[tuple[int, str, str, str], ...]:
    """(offset, api, fn, data) of each `devm_add_action[_or_reset](dev, fn, data)` in `text`:
    found once per text (a file is asked about each put of each of its functions)."""
    return tuple((m.start(), m.group(1), m.group(2), norm(m.group(3)).lstrip("&")) for m in _ACTION.finditer(text))


# accessors that hand back the driver data a probe stored (`platform_get_drvdata(pdev)`): the
# object is the one a `*_set_drvdata()` of the file stored, with whatever owner it had there
_DRVDATA_GET = re.compile(r"^(?:\w+_get_drvdata|dev_get_drvdata)$")
_DRVDATA_SET = re.compile(r"\b(?:\w+_set_drvdata|dev_set_drvdata)\s*\([^;]*?,\s*%s(\w+)\s*\)\s*;" % _CAST)


def stored_devm_source(obj: str, text: str) -> str | None:
    """The devm call the object a drvdata accessor returns came from: the file stores a local
    `V` with `*_set_drvdata()` and every other assignment of `V` in the file is that devm call
    (`host = devm_spi_alloc_host(...); ... platform_set_drvdata(pdev, host);`): what
    `.remove()` reads back is devres-owned."""
    found = None
    for m in _DRVDATA_SET.finditer(text):
        var = m.group(1)
        if var != obj:
            continue
        for a in re.finditer(r"(?<![\w>.])%s\s*=\s*%s([A-Za-z_]\w*)\s*\(" % (re.escape(var), _CAST), text):
            name = a.group(1)
            if name in ("ERR_PTR", "ERR_CAST", "IS_ERR", "PTR_ERR") or _DRVDATA_GET.match(name):
                continue
            if not name.startswith("devm_"):
                return None
            found = found or name
    return found


_MANAGED_UNDO = re.compile(r"\bdevm_\w*(?:put|release|remove|free)\w*\s*\(")


def _names(q, obj: str) -> bool:
    """The call `q` is given `obj` or something reached through it (`devm_free_irq(dev, irq,
    dspi)` lets go of an IRQ, not of the controller `host`)."""
    base = re.split(r"->|\.", obj)[0]
    return any(re.search(r"(?<![\w>.])%s(?!\w)" % re.escape(base), a) for a in q.args)


def _put_obj(p) -> str | None:
    name = p.name
    if name == "kfree" or name.startswith("devm_") or _NOT_DROPS.search(name):
        return None
    if _apis.is_putter(name):
        obj = _apis.put_object(name, list(p.args))
    elif _DROPS.search(name) and p.args:
        obj = p.args[0]
    else:
        return None
    return norm(obj).lstrip("&") if obj else None


def _reached_after(func, q, p) -> bool:
    """Can the put `p` run after the call `q` (a goto on q's own line is its failure test)?"""
    from reviewbot.checks.module._exit_leaks import reached_after
    return reached_after(func, q.node, p.node, q.line + 1)


def devres_puts(view, added, text: str) -> Iterator[tuple[object, str]]:
    """Added puts of a reference devres owns: the object comes from a devm getter/allocator whose
    devres action runs this put (`clk_put()` of a `devm_clk_get()`), or a put action was
    registered on it with devm_add_action_or_reset().  `text`: the file (tree mode) or what the
    hunks show of it."""
    func = view.new
    if func is None or func.name.startswith(("devm_", "dmaenginem_")):
        return
    calls = func.calls()
    for p in added:
        obj = _put_obj(p)
        if not obj or obj in ("NULL", "dev"):
            continue
        if any(q.line < p.line and _MANAGED_UNDO.search(q.name + "(") and _names(q, obj) for q in calls):
            continue  # devres let go of something by hand here: the put may be its pair
        member = "->" in obj or "." in obj
        srcs = [q for q in calls if q.line < p.line and q.lhs and norm(q.lhs) == obj]
        if srcs and all(_DRVDATA_GET.match(q.name) for q in srcs):
            src = stored_devm_source(obj, text)  # remove(): the probe's object, read back
        elif srcs:
            src = srcs[-1].name if all(q.name.startswith("devm_") for q in srcs) else None
        else:
            src = devm_source(obj, text) if member else None
        if src is not None and drops_devm(p.name, src):
            yield p, (f"{p.name}({obj}) of what {src}() returned: devres puts it again when probe "
                      f"fails or the driver unbinds")
            continue
        acts = [q for q in calls if q.line < p.line and q.name.startswith("devm_add_action") and len(q.args) == 3
                and norm(re.sub(r"^\([^()]*\)\s*", "", q.args[2].strip())).lstrip("&") == obj
                and put_action(q.args[1].strip(), text)]
        if acts:
            q = acts[-1]
            if any(q.line < r.line < p.line and r.lhs and norm(r.lhs) == obj for r in calls):
                continue  # a new reference after the hand-over
            if q.name == "devm_add_action" and p.line - q.line <= 3:
                continue  # the failure branch of a plain devm_add_action(): still the caller's
            if not _reached_after(func, q, p):
                continue  # the put's label is reached only by gotos before the hand-over (pruss.c)
            yield p, f"{p.name}({obj}) after {q.name}() handed that reference to {q.args[1].strip()}(): " \
                     f"devres puts it again"
            continue
        if member and func.name not in [fn for _, _, fn in actions_on(obj, text)]:
            for _pos, api, fn in actions_on(obj, text):
                yield p, f"{p.name}({obj}) of a reference {api}() handed to {fn}(): devres puts it again"
                break
