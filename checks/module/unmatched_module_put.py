"""A module put with no matching get: removed get, or getter and putter of different APIs.

## What it does
Flags two ways a patch leaves a `module_put()` without its get:
- a removed `try_module_get()` / `__module_get()` / `fops_get()` on another module whose
  `module_put()` / `fops_put()` the patch keeps (the put is still shown in the diff, or at
  least not removed);
- an added `of_find_i2c_adapter_by_node()` whose adapter is released with
  `i2c_put_adapter()`: the finder takes only a device reference, the putter also does
  `module_put()`.

## Why is this bad?
The module refcount has a base of 1, so a single extra put silently drops it to 0 while users
remain: the module can be unloaded under them, and a later `try_release_module_ref()` hits
`BUG_ON`.  `module_put()` warns (`WARN_ON(ret < 0)`) only when the count goes negative.

From the i2c fix: "i2c_put_adapter() decrements the module refcount while
of_find_i2c_adapter_by_node() does not increment it."

## Example
```c
	adap = of_find_i2c_adapter_by_node(np);
	...
	i2c_put_adapter(adap);
```

## Use instead
```c
	adap = of_get_i2c_adapter_by_node(np);	/* device *and* module reference */
	...
	i2c_put_adapter(adap);
```
When removing a get, remove the put(s) that paired with it in the same patch.

## Known problems
A removed get whose put is not visible in the diff may have been a leak the patch fixes, so
it is reported at low confidence; it is medium confidence when the diff shows the put
staying.  When the commit message calls the removed get extra (a leak, superfluous,
unbalanced), a put staying in another function does not prove it wrong: low confidence.  Self-references (`THIS_MODULE`) are MOD001's and MOD026's.  Release helpers that
put internally are not followed.

## References
- `kernel/module/main.c` `module_put()` (`WARN_ON(ret < 0)`), `try_release_module_ref()`
- `drivers/i2c/i2c-core-of.c` / `drivers/i2c/i2c-core-base.c`: `of_find_i2c_adapter_by_node()`,
  `of_get_i2c_adapter_by_node()`, `i2c_put_adapter()`
- Rusty Russell's "Module Refcount & Stuff mini-FAQ" (every successful get needs
  exactly one put)
  https://lore.kernel.org/r/20021118230821.8F3822C241@lists.samba.org and Adam J. Richter's
  reply, https://lore.kernel.org/r/200211191918.LAA11641@adam.yggdrasil.com
- "i2c: muxes: i2c-demux-pinctrl: Use of_get_i2c_adapter_by_node()" (H. Codina, 2023)
- "[media] exynos4-is: Remove redundant module_put() for MIPI-CSIS module" (2013)
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.checks import _intent
from reviewbot.analysis.clex import call_args, norm, statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

from reviewbot.checks.module._refs import REF_CALL_TOKENS, changes, enclosing_function

RULE = Rule.from_doc(__doc__, id="MOD004", slug="unmatched-module-put", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("extra-put",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = REF_CALL_TOKENS + ("of_find_i2c_adapter_by_node",)

_PUT_OF = {"module": "module_put", "fops": "fops_put"}


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    yield from _removed_get(patch)
    yield from _i2c_mix(patch)


def _removed_get(patch: Patch) -> Iterator[Finding]:
    ch = changes(patch)
    removed = ch.removed
    if not removed:
        return
    re_added, added_get_files, removed_puts = ch.re_added, ch.added_get_files, ch.removed_puts()
    extra = _intent.says_extra(patch, "get")
    for c in removed:
        key = (c.family, c.target)
        if (c.role != "get" or c.family not in _PUT_OF or c.is_self or c.in_removed_function
                or key in re_added or key in removed_puts or (c.family, c.path) in added_get_files):
            continue
        put = _PUT_OF[c.family]
        stays = _put_stays(patch, put, c.target)
        if stays and extra and enclosing_function(c.hunk, c.line) not in stays:
            stays = set()  # "the get was extra": only a put kept in the get's own function proves it wrong
        if stays:
            yield RULE.finding(c.path, c.line, f"{c.func}({c.target}) removed but {put}() of it stays")
        else:
            yield RULE.finding(c.path, c.line, f"{c.func}({c.target}) removed: check its {put}() went too",
                               confidence=Confidence.LOW)


def _put_stays(patch: Patch, put: str, target: str) -> set[str]:
    """The functions (as hunk headers name them) in which a put of `target` stays in context."""
    out = set()
    for fd in patch.c_files:
        for h in fd.hunks:
            for ln in h.lines:
                if ln.kind == " " and any(norm(a) == target for a in call_args(ln.text, put)):
                    out.add(enclosing_function(h, ln))
    return out


def _i2c_mix(patch: Patch) -> Iterator[Finding]:
    for fd in patch.c_files:
        if not any("of_find_i2c_adapter_by_node" in ln.text for ln in fd.added()):
            continue
        found: dict[str, object] = {}
        put_vars: set[str] = set()
        for hunk in fd.hunks:
            for st in statements(hunk.new_side()):
                m = re.search(r"(\w+(?:(?:->|\.)\w+)*)\s*=\s*of_find_i2c_adapter_by_node\s*\(", st.text)
                if m and st.any_added:
                    line = st.line_of(r"of_find_i2c_adapter_by_node")
                    if line.added:
                        found[norm(m.group(1))] = line
                for a in call_args(st.text, "i2c_put_adapter"):
                    put_vars.add(norm(a))
        for var, line in found.items():
            if var in put_vars:
                yield RULE.finding(fd.path, line, "of_find_i2c_adapter_by_node() pins no module; i2c_put_adapter() unpins", confidence=Confidence.HIGH)
