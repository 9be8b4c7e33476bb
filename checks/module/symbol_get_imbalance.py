"""`symbol_get()`/`symbol_put()` (and `dvb_attach()`/`dvb_detach()`) no longer balance.

## What it does
Flags patches that break the symmetry of symbol references:
- a removed `symbol_get()` / `symbol_request()` whose `symbol_put()` callers stay (the patch
  removes no matching put and does not re-add the get), and a removed `symbol_put()` whose
  `symbol_get()` stays (a leaked module reference);
- a `dvb_attach(foo_attach, ...)` replaced by a direct `foo_attach(...)` call: the frontend's
  release path still does `dvb_detach()` / `symbol_put()` on a reference that was never taken;
- an added `symbol_put()` / `symbol_put_addr()` for a symbol the patch never gets (low
  confidence: the get may be elsewhere in the file);
- a `dvb_frontend_detach()` / `dvb_detach()` removed from an exit path (right before a
  `return` or `goto`) and not added back elsewhere: the frontend and the module references its
  `dvb_attach()` calls took leak on that path.  A removed `symbol_put()` right before an exit
  is medium confidence too, unless the same put stays beside it (a double put removed).

## Why is this bad?
`include/linux/module.h`: "Get/put a kernel symbol (calls must be symmetric)".
`__symbol_get()` pins the exporting module with `strong_try_module_get()`; `symbol_put()`
drops that pin.  One put too many takes the module's refcount below its base, so `lsmod`
shows `-1` and the module can be unloaded while a frontend still calls into it; one get too
few on the DVB path has the same effect, because `dvb_frontend_detach()` always
`dvb_detach()`es `fe->ops.release` (and the tuner/analog release hooks) when
`CONFIG_MEDIA_ATTACH` is set.

From the lgdt3306a fix: "When used as an i2c device there is a module usage count mismatch on
removal ... dvb_attach increments the usage count so it is properly balanced on removal."

## Example
```c
 	config->i2c_addr = client->addr;
-	fe = dvb_attach(lgdt3306a_attach, config, client->adapter);
+	fe = lgdt3306a_attach(config, client->adapter);
 	if (fe == NULL) {
```

## Use instead
```c
 	config->i2c_addr = client->addr;
-	fe = lgdt3306a_attach(config, client->adapter);
+	fe = dvb_attach(lgdt3306a_attach, config, client->adapter);
 	if (fe == NULL) {
```
Keep one `symbol_get()` per `symbol_put()`.  A function that creates two frontends which are
both detached takes the second reference explicitly (`symbol_get(foo_attach)`, as drxk does).

## Known problems
Hunk mode does not see the export type of the symbol (`symbol_get()` of a plain
`EXPORT_SYMBOL` fails since 9011e49d54dc) nor every path of the function; the error-path
balance of an added `symbol_get()` is MOD003's.  A direct `*_attach()` call is only reported
when the patch itself replaces a `dvb_attach()` of the same function.  A removed put is
medium confidence only when the diff still shows its `symbol_get()` (else it may be the
removal of a double put, which is a fix).

## References
- `include/linux/module.h` (`symbol_get()`, `symbol_put()`), `kernel/module/main.c`
  `__symbol_get()`, `include/media/dvbdev.h` (`dvb_attach()`, `dvb_detach()`),
  `drivers/media/dvb-core/dvb_frontend.c` `dvb_frontend_detach()`
- "module: add a function to add module references" (Greg Kroah-Hartman on
  auditing references taken on behalf of other code)
  https://lore.kernel.org/r/a078eb2e46d00ec59c8a91ea0afa5190730c9e58.1651212016.git.mchehab@kernel.org
- 9011e49d54dc "modules: only allow symbol_get of EXPORT_SYMBOL_GPL modules"
- "media: dvb: symbol fixup for dvb_attach()" (Greg Kroah-Hartman, 2023)
- "[media] drxk: Fix driver removal" (Mauro Carvalho Chehab, 2011)
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis.clex import call_args, statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks.module._refs import added_calls, removed_calls
from reviewbot.checks._hunks import hunks

RULE = Rule.from_doc(__doc__, id="MOD022", slug="symbol-get-imbalance", level=Level.WARNING,
                     confidence=Confidence.HIGH, tags=("symbol-get-imbalance",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("symbol_", "dvb_attach", "dvb_frontend_detach", "dvb_detach")


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    removed = [c for c in removed_calls(patch) if c.family == "symbol"]
    added = [c for c in added_calls(patch) if c.family == "symbol"]
    removed_puts = {c.target for c in removed if c.role == "put"}
    added_gets = {c.target for c in added if c.role == "get"}
    added_puts = {c.target for c in added if c.role == "put"}
    for c in removed:
        if c.role != "get" or c.in_removed_function or c.target in added_gets or c.target in removed_puts:
            continue
        if c.target in added_puts:
            continue  # both sides change together
        yield RULE.finding(c.path, c.line, f"symbol_get({c.target}) removed but its symbol_put() stays",
                           confidence=Confidence.MEDIUM)
    removed_gets = {c.target for c in removed if c.role == "get"}
    for c in removed:
        if c.role != "put" or c.in_removed_function or c.target in removed_gets or c.target in added_puts:
            continue
        if c.target in added_gets:
            continue
        seen = _get_in_context(patch, c.target) or (_before_exit(c.hunk, c.line) and not _still_put(c))
        yield RULE.finding(c.path, c.line, f"{c.func}({c.target}) removed but its symbol_get() stays",
                           confidence=Confidence.MEDIUM if seen else Confidence.LOW)
    removed_get_all = removed_gets
    for c in added:
        if c.role == "put" and c.target not in added_gets and c.target not in removed_puts \
                and c.target not in removed_get_all:
            yield RULE.finding(c.path, c.line, f"{c.func}({c.target}) without a symbol_get() in this patch",
                               confidence=Confidence.LOW)
    yield from _direct_attach(patch)
    yield from _removed_detach(patch)


_EXIT = lazyre.compile(r"^\s*(return\b[^;]*|goto\s+\w+)\s*;")


def _before_exit(hunk, line) -> bool:
    """Is the old-side statement right after `line` a return or goto (an exit path)?"""
    old = hunk.old_side()
    rest = [ln for ln in old[old.index(line) + 1:] if ln.text.strip()]
    return bool(rest) and _EXIT.match(rest[0].text) is not None


def _still_put(c) -> bool:
    """Does the same put stay right beside the removed one (the removal of a double put)?"""
    old = c.hunk.old_side()
    i = old.index(c.line)
    near = [ln for ln in old[max(0, i - 2):i + 3] if ln is not c.line and not ln.removed]
    return any(a.strip() == c.target for ln in near for f in ("symbol_put", "symbol_put_addr")
               for a in call_args(ln.text, f))


# Puts of what dvb_attach() took: dvb_frontend_detach() releases the frontend and drops the
# module references of its attach and of the tuner/SEC attached to it.
_DETACH = lazyre.compile(r"^\s*(dvb_frontend_detach|dvb_detach)\s*\((.+)\)\s*;")


def _removed_detach(patch: Patch) -> Iterator[Finding]:
    """A `dvb_frontend_detach(fe)` / `dvb_detach(f)` removed from an exit path (followed by a
    return or goto) and not added back anywhere in the patch: the references the attach took
    leak on that path."""
    added = "\n".join(ln.text for fd in patch.c_files for ln in fd.added())
    for fd in patch.c_files:
        if fd.is_deleted:
            continue
        for hunk in hunks(fd, removed=("dvb_frontend_detach", "dvb_detach")):
            for ln in hunk.old_side():
                m = ln.removed and _DETACH.match(ln.text)
                if not m or not _before_exit(hunk, ln):
                    continue
                if re.search(r"\b%s\s*\(\s*%s\s*\)" % (m.group(1), re.escape(m.group(2).strip())), added):
                    continue  # moved (to an unwind label, say)
                yield RULE.finding(fd.path, ln, f"{m.group(1)}({m.group(2).strip()}) removed from this exit path: "
                                                f"the module references dvb_attach() took leak here",
                                   confidence=Confidence.MEDIUM)


def _get_in_context(patch: Patch, target: str) -> bool:
    """Does a context line of the patch still show `symbol_get(target)`?"""
    for fd in patch.c_files:
        for ln in fd.lines():
            if ln.kind == " " and any(a.strip() == target for f in ("symbol_get", "symbol_request")
                                      for a in call_args(ln.text, f)):
                return True
    return False


def _direct_attach(patch: Patch) -> Iterator[Finding]:
    """`dvb_attach(foo_attach, a, b)` removed, `foo_attach(a, b)` added in the same hunk."""
    for fd in patch.c_files:
        for hunk in hunks(fd, removed="dvb_attach"):
            attached = set()
            for st in statements(hunk.old_side()):
                if not any(ln.removed for ln in st.lines):
                    continue
                for args in call_args(st.text, "dvb_attach"):
                    fn = args.split(",", 1)[0].strip()
                    if re.fullmatch(r"\w+", fn):
                        attached.add(fn)
            if not attached:
                continue
            for st in statements(hunk.new_side()):
                if not st.any_added or "dvb_attach" in st.text:
                    continue
                for fn in attached:
                    if re.search(r"\b%s\s*\(" % re.escape(fn), st.text):
                        line = st.line_of(r"\b%s\s*\(" % re.escape(fn))
                        if line.added:
                            yield RULE.finding(fd.path, line, f"{fn}() called without dvb_attach(): dvb_detach() will unbalance it")

