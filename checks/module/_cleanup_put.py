"""Added puts of a variable whose scope-based cleanup puts it too (MOD019's over-put findings).

A path fact from `include/linux/cleanup.h`: a variable declared `T *v __free(cls) = ...;`
is handed to the cleanup of `cls` when it goes out of scope (`DEFINE_FREE(device_node, struct
device_node *, if (_T) of_node_put(_T))` in include/linux/of.h, and so on).  An explicit put of
`v` inside that scope, with `v` neither reassigned (`v = NULL`, a new lookup) nor taken out of
the cleanup's hands (`no_free_ptr(v)`, `return_ptr(v)`, `retain_and_null_ptr(v)`) after it,
drops the reference a second time when the scope ends: the cleanup puts what is already put.

The class -> putter pairs are the DEFINE_FREE() lines of 6.12 for the reference families of
the kernel-API table.  Each finding is a tuple (put call, message); the rule builds the Finding.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import cmodel
from reviewbot.analysis.clex import norm
from reviewbot.checks._message import short
from reviewbot.checks.module import _apis

# DEFINE_FREE(cls, type, if (_T) putter(_T)) of 6.12 (include/linux/{of,property,device,pci,
# file,netdevice,gpio/driver,sched/task}.h, include/sound/core.h)
CLEANUP_PUTTER = {
    "device_node": "of_node_put",
    "fwnode_handle": "fwnode_handle_put",
    "put_device": "put_device",
    "pci_dev_put": "pci_dev_put",
    "fput": "fput",
    "dev_put": "dev_put",
    "gpio_device_put": "gpio_device_put",
    "put_task": "put_task_struct",
    "snd_card_unref": "snd_card_unref",
}
_DECL = lazyre.compile(r"__free\s*\(\s*(?P<cls>\w+)\s*\)")
# After these the cleanup no longer holds the pointer (cleanup.h): it puts NULL at scope end.
_TAKEN = r"\b(no_free_ptr|return_ptr|retain_and_null_ptr|take_fd)\s*\(\s*%s\s*\)"


# `T *v __free(cls) =` and `T __free(cls) *v =` (tree-sitter does not always parse either as a
# declaration: the attribute-like macro confuses it, so the text is read)
_SCOPED = lazyre.compile(r"(?:\*\s*(?P<v1>\w+)\s+__free\s*\(\s*(?P<c1>\w+)\s*\)|"
                         r"__free\s*\(\s*(?P<c2>\w+)\s*\)\s*\*\s*(?P<v2>\w+))\s*=")


def _scoped_vars(func) -> dict[str, list[tuple[str, object]]]:
    """var -> [(cleanup class, the block the declaration lives in)]."""
    out: dict[str, list[tuple[str, object]]] = {}
    text = func.text
    blocks = None
    for m in _SCOPED.finditer(text):
        var, cls = (m.group("v1"), m.group("c1")) if m.group("v1") else (m.group("v2"), m.group("c2"))
        at = func.node.start_byte + len(text[:m.start()].encode("utf-8"))
        if blocks is None:
            blocks = [n for n in func._walk() if n.type in ("compound_statement", "for_statement")]
        inner = [b for b in blocks if b.start_byte <= at < b.end_byte]
        if inner:
            out.setdefault(var, []).append((cls, max(inner, key=lambda b: b.start_byte)))
    return out


def put_of_scoped(view, added) -> Iterator[tuple[object, str]]:
    func = view.new
    if "__free" not in func.text:
        return
    scoped = _scoped_vars(func)
    if not scoped:
        return
    for p in added:
        obj = _apis.put_object(p.name, list(p.args))
        if not obj or norm(obj) not in scoped:
            continue
        var = norm(obj)
        hit = next(((cls, blk) for cls, blk in scoped[var]
                    if CLEANUP_PUTTER.get(cls) == p.name and cmodel.contains(blk, p.node)), None)
        if hit is None:
            continue
        cls, blk = hit
        after = cmodel._fold(cmodel._text(blk)[p.node.end_byte - blk.start_byte:])
        if re.search(r"(?<![\w>.])%s\s*=[^=]" % re.escape(var), after) \
                or re.search(_TAKEN % re.escape(var), after):
            continue  # reassigned or taken from the cleanup after the put
        yield p, (f"{p.name}({short(var, 20)}) of a __free({cls}) variable: the cleanup puts it "
                  f"again when it goes out of scope")
