"""An object is used after the put that may have freed it.

## What it does
Reports a put (`put_device`, `spi_controller_put`/`spi_master_put`, `kref_put`, `kfree`,
`module_put`, ...) that the patch moves *earlier*, past statements that still dereference the
object or data hanging off it, and an added put followed by a use of the same object.

## Why is this bad?
The put can drop the last reference: the release runs and frees the object, its private data
(`spi_controller_get_devdata()`, `netdev_priv()`) and, for `module_put()`, possibly the module
text that still has to run.  Everything after the put must not touch the object.  The kernel's
own careful putters show the order: `cdev_put()` caches `owner`, calls `kobject_put()`, then
`module_put(owner)`; `scsi_device_put()` does `put_device()` before `module_put(mod)`
(f2b85040acec); `i2c_put_adapter()` notes "Should be last, otherwise we risk use-after-free".

## Example
A patch that moves the put up:
```diff
 	struct foo *priv = spi_controller_get_devdata(host);
 
+	spi_controller_put(host);
 	dma_release_channel(priv->dma_rx);
-	spi_controller_put(host);
 }
```

## Use instead
```c
static void foo_remove(struct platform_device *pdev)
{
	struct spi_controller *host = platform_get_drvdata(pdev);
	struct foo *priv = spi_controller_get_devdata(host);

	dma_release_channel(priv->dma_rx);
	spi_controller_put(host);
}
```

## Known problems
From hunks alone the link between the put object and the data used after it (`priv` derived
from `host`) is usually not shown; a put moved earlier past any dereference is reported at
medium confidence.  Moving `of_node_put()`/`fwnode_handle_put()` earlier is only reported when
the node itself is used afterwards (nodes carry no driver data).

## Confidence
High when the used pointer is the put object or visibly derived from it; medium otherwise.

## References
- RULES.md MOD020: f2b85040acec "scsi: core: Put LLD module refcnt after SCSI device is released"
- `fs/char_dev.c` `cdev_put()`, `drivers/i2c/i2c-core-base.c` `i2c_put_adapter()`
- `Documentation/core-api/kref.rst`
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import cmodel
from reviewbot.checks.module import _apis, _flow
from reviewbot.clex import norm, statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

RULE = Rule.from_doc(__doc__, id="MOD020", slug="use-after-put", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("kref-imbalance",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("kfree",) + _apis.PUTTER_TOKENS

_NODE_PUTS = ("of_node_put", "fwnode_handle_put")
_DEREF = re.compile(r"\b(\w+)\s*(->|\.)\s*\w+")


def _base(obj: str) -> str:
    """The object a put releases as a whole: `&x->dev` -> `x`; `a->b.c` stays itself."""
    e = obj.lstrip("&*( ")
    e = re.sub(r"(->|\.)(dev|device|kobj|kref|refcount)$", "", e)
    return e


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        for h in fd.hunks:
            if not (_apis.has_putter_call("\n".join(ln.text for ln in h.lines if ln.added))
                    or re.search(r"\bkfree\s*\(", "\n".join(ln.text for ln in h.lines if ln.added))):
                continue
            yield from _moved_earlier(fd, h)


def _put_stmt(st):
    m = _flow.CallStmt.match(st.text)
    if not m or m.group("cond"):
        return None
    name = m.group("name")
    if not (_apis.is_putter(name) or name == "kfree"):
        return None
    obj = _apis.put_object(name, list(cmodel.split_args(m.group("args"))))
    return (name, obj) if obj else None


def _derived(lines_text: str, base: str) -> set[str]:
    """Pointers visibly derived from `base`: `p = f(base)`, `p = base->x`, container_of(base...)."""
    out = {base}
    for m in re.finditer(r"(\w+)\s*=\s*([^;=]*)\b%s(?![\w.>-])" % re.escape(base), lines_text):
        out.add(m.group(1))
    return out


def _moved_earlier(fd, h) -> Iterator[Finding]:
    stmts = statements(h.lines)
    removed_at: dict[str, list[int]] = {}  # a removed statement's text -> where
    for j, s in enumerate(stmts):
        if all(ln.removed for ln in s.lines):
            removed_at.setdefault(norm(s.text), []).append(j)
    if not removed_at:
        return  # nothing removed: no put moved
    text_all = "\n".join(ln.text for ln in h.lines)
    for i, st in enumerate(stmts):
        if not all(ln.added for ln in st.lines):
            continue
        key = norm(st.text)
        # the same put removed further down: it moved up
        later = [j for j in removed_at.get(key, ()) if j > i]
        if not later:
            continue
        put = _put_stmt(st)
        if put is None:
            continue
        name, obj = put
        between = [s for s in stmts[i + 1:later[0]] if not all(ln.removed for ln in s.lines)]
        if not between or len(between) > 15 or any(ln.kind != " " for s in between for ln in s.lines):
            continue  # a pure move over unchanged code, not a rewrite of the function
        base = _base(obj)
        related = _derived(text_all, base)
        used = [s for s in between if any(m.group(1) in related for m in _DEREF.finditer(s.text))
                or re.search(r"(?<![\w>.])%s(?![\w])(?!\s*(->|\.)\s*\w+\s*=[^=])" % re.escape(base), s.text)]
        if used:
            yield RULE.finding(fd.path, st.line_of(re.escape(name)),
                               f"{name}({obj[:24]}) moved before later uses of the object",
                               confidence=Confidence.HIGH)
            continue
        if name.startswith("module_put"):
            rel = next((s for s in between if _put_stmt(s)), None)
            if rel is not None:  # the release of that object may run in the module just put
                yield RULE.finding(fd.path, st.line_of(re.escape(name)),
                                   f"module_put() moved before {_put_stmt(rel)[0]}(): its release may "
                                   f"run in the module")
            continue
        if name in _NODE_PUTS or not re.fullmatch(r"\w+", base):
            continue  # nodes carry no driver data; a freed member buffer is not the object
        if any(_DEREF.search(s.text) and not re.match(r"^(return|goto)\b", s.text) for s in between):
            yield RULE.finding(fd.path, st.line_of(re.escape(name)),
                               f"{name}({obj[:24]}) moved before code that may use its data")
