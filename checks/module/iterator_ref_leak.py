"""A `for_each_*` loop that holds a reference on its cursor is left early without dropping it.

## What it does
Flags a `break`, `return` or `goto` that leaves a reference-counting iterator loop
(`for_each_child_of_node()`, `for_each_available_child_of_node()`, `for_each_compatible_node()`,
`device_for_each_child_node()`, `fwnode_for_each_child_node()`, `for_each_pci_dev()`, ... every
iterator of the kernel-API table, `checks/data/refs.tsv`) when the patch adds that exit, or
removes the put in front of it, and nothing between the exit and the top of its block drops the
cursor's reference (`of_node_put(child)`, `fwnode_handle_put(child)`, `pci_dev_put(pdev)`: the
table's release of that iterator) or hands it on (`return child;`, `np = child;`, a `goto`
whose label puts it, an `of_node_put(child)` after the loop that a `break` reaches).

## Why is this bad?
These iterators take a reference on the node they hand to the loop body and drop it when they
step to the next one; a loop that runs to its end leaves nothing held.  Leaving the loop early
skips that step, so the current node keeps its reference: an OF node, fwnode or PCI device that
can never be freed (an overlay that cannot be removed, a leaked `pci_dev`).  The kernel-doc of
`of_get_next_child()` ("Returns a node pointer with refcount incremented, use of_node_put() on
it when done") and the iterators' own comments say so; `scripts/coccinelle/iterators/
for_each_child.cocci` exists for this bug.

## Example
```diff
 	for_each_child_of_node(np, child) {
 		ret = foo_add(child);
-		if (ret) {
-			of_node_put(child);
+		if (ret)
 			break;
-		}
 	}
```

## Use instead
```diff
-	for_each_child_of_node(np, child) {
+	for_each_child_of_node_scoped(np, child) {
 		ret = foo_add(child);
 		if (ret)
 			break;
 	}
```
or keep `of_node_put(child);` before the `break` (and put it after using the node past the
loop).

In tree mode, when Coccinelle (`spatch`) is installed, the whole touched functions of both
images are also searched with a semantic patch generated from the same table rows (in the
style of the kernel's `for_each_child.cocci`): a loop left by `return` or `goto`, and one left
by its own `break` with no put or hand-off of the node on the way to a `return` after it; only
loops the patch makes leak are reported.

## Known problems
A `_scoped` loop made plain (`for_each_child_of_node_scoped()` -> `for_each_child_of_node()`)
is reported at each early exit the hunk shows without a put, and at the loop header when the
body runs past the hunk (its exits are out of sight).  Otherwise the loop must be visible in
the hunk (its header and the exit).  One finding per loop, at its
first leaking exit.  A `goto` to a label the hunk does not show, and a loop the patch adds whole
(new code, where the whole loop is the author's fresh design and is often reworked before it is
merged) are reported at low confidence (`--all`); the `_scoped` iterators, which drop the
reference by themselves, are never reported.

## References
- `include/linux/of.h`: `for_each_child_of_node()`; `drivers/of/base.c`: `of_get_next_child()`
  kernel-doc
- `scripts/coccinelle/iterators/for_each_child.cocci` (Linux 6.12)
- 5b3f1b7ee3e1 "of: Introduce for_each_*_child_of_node_scoped() to automate of_node_put()
  handling"
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _cocci
from reviewbot.analysis.clex import call_args, code_lines
from reviewbot.analysis.cmodel import split_args
from reviewbot.context import Context
from reviewbot.model import Confidence, DiffLine, Finding, Level, Patch
from reviewbot.rules import Rule
from reviewbot.checks._hunks import hunks

RULE = Rule.from_doc(__doc__, id="MOD030", slug="iterator-ref-leak", level=Level.WARNING,
                     confidence=Confidence.HIGH, tags=("ref-leak",), engines=("python", "coccinelle"))

# The iterators of the API table that hold a reference per round (not the _scoped ones).
ITERATORS = {r.name: r for r in kapi.iterators() if "scoped" not in r.name and kapi.releases(r.name)}
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = tuple(ITERATORS)
# What it says about a C file depends on that file (and the commit message) alone: it runs
# only on the files that hold a TRIGGER string (reviewbot.engine).
TRIGGER_PER_FILE = True
# At the exit it reports, MOD003's generic "leaks the reference" says less (reviewbot.engine).
SUPERSEDES = ("MOD003",)

_HEADER = lazyre.compile(r"\b(%s)\s*\(" % "|".join(sorted(ITERATORS, key=len, reverse=True)))
_EXIT = lazyre.compile(r"^\s*(?:\}\s*)?(?:else\s+)?(?:if\s*\(.*\)\s*)?(break|return\b[^;]*|goto\s+(\w+))\s*;")


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    found = list(_python(patch)) if ctx.engine_on("python") else []
    yield from found
    yield from _cocci.findings(RULE, patch, ctx, found)  # tree mode: whole functions, with spatch


def _python(patch: Patch) -> Iterator[Finding]:
    for fd in patch.c_files:
        for hunk in hunks(fd, changed=True):
            if not _HEADER.search("\n".join(ln.text for ln in hunk.lines)):
                continue
            yield from _hunk(fd.path, hunk.lines)


def _hunk(path: str, lines: tuple[DiffLine, ...]) -> Iterator[Finding]:
    new = [ln for ln in lines if ln.kind != "-"]
    code = code_lines(new)
    for i, text in enumerate(code):
        m = _HEADER.search(text)
        if not m or text.rstrip().endswith(";"):
            continue
        row = ITERATORS[m.group(1)]
        found = call_args(text, row.name)
        args = split_args(found[0]) if found else ()
        if row.ref_arg is None or row.ref_arg >= len(args):
            continue
        var = args[row.ref_arg].strip()
        puts = kapi.releases(row.name)
        end = _body_end(code, i)
        unscoped = new[i].added and _was_scoped(lines, row.name, var)
        leaks = []
        for j in range(i + 1, end):
            ex = _EXIT.match(code[j])
            if not ex or _nested_loop_break(code, i, j, ex.group(1)):
                continue
            removed_put = _removed_put_before(lines, new[j], var, puts)
            if not (new[j].added or removed_put or unscoped):
                continue
            if _dropped_or_handed_on(code, i, j, var, puts):
                continue
            tail = _after_exit(code, new, end, ex, var, puts)
            if tail is True:
                continue
            leaks.append((j, ex, removed_put, tail))
        if not leaks:
            if unscoped and end >= len(code) and not any(_mentions_put(t, var, puts) for t in code[i:]):
                # the body runs past the hunk: its early exits are out of sight
                yield RULE.finding(path, new[i], f"{row.name}() replaces its _scoped form: an early exit "
                                   f"from the body now keeps the reference on '{var}' unless it "
                                   f"calls {puts[0]}({var})")
            continue
        # One finding per loop, at its first leaking exit.  A loop the patch writes whole is the
        # author's new code, often reworked before it is merged: a question, not a warning.
        j, ex, removed_put, tail = leaks[0]
        what = ex.group(1).split()[0] if not ex.group(1).startswith("return") else "return"
        more = f" (and {len(leaks) - 1} more exit(s) of this loop)" if len(leaks) > 1 else ""
        conf = Confidence.LOW if tail is None or (new[i].added and not unscoped) else None
        if removed_put is not None:
            yield RULE.finding(path, removed_put, f"removed {puts[0]}({var}) before an early exit of "
                               f"{row.name}(): the loop's reference on '{var}' is kept{more}", confidence=conf)
        else:
            yield RULE.finding(path, new[j], f"{what} leaves {row.name}() holding a reference on '{var}': "
                               f"{puts[0]}({var}) before leaving the loop{more}", confidence=conf)


def _was_scoped(lines, name: str, var: str) -> bool:
    """Does the hunk remove the `_scoped` form of this loop (`name_scoped(..., var)`)?  Then the
    cleanup that dropped the cursor's reference at every exit of the body is gone."""
    pat = re.compile(r"\b%s_scoped\s*\([^;]*\b%s\s*\)" % (re.escape(name), re.escape(var)))
    return any(ln.removed and pat.search(ln.text) for ln in lines)


def _body_end(code: list[str], header: int) -> int:
    """Index after the loop body (a braced block, or the one statement after the header)."""
    depth, opened = 0, False
    for k in range(header, len(code)):
        depth += code[k].count("{") - code[k].count("}")
        opened = opened or "{" in code[k]
        if opened and depth <= 0:
            return k + 1
        if not opened and k > header and code[k].rstrip().endswith(";"):
            return k + 1
    return len(code)


def _nested_loop_break(code: list[str], header: int, at: int, what: str) -> bool:
    """A `break` inside an inner loop or switch leaves that, not the iterator's loop."""
    if what != "break":
        return False
    depth = 0
    for k in range(at - 1, header, -1):
        depth += code[k].count("}") - code[k].count("{")
        if depth < 0:
            if re.search(r"\b(for|while|switch|do)\b|\bfor_each\w*\s*\(|list_for_each", code[k]):
                return True
            depth = 0
    return False


def _mentions_put(text: str, var: str, puts: tuple[str, ...]) -> bool:
    return any(re.search(r"\b%s\s*\(\s*&?\s*%s\s*[,)]" % (re.escape(p), re.escape(var)), text) for p in puts)


def _dropped_or_handed_on(code: list[str], header: int, at: int, var: str, puts: tuple[str, ...]) -> bool:
    """A put of `var`, or a hand-off of it (stored: `np = child;`, or a new reference taken:
    `of_node_get(child)`), between the exit and the top of its block."""
    v = re.escape(var)
    if re.search(r"\breturn\b.*\b%s\b" % v, code[at]):
        return True
    depth = 0  # > 0: inside a block that closed before the exit (a sibling path): skipped
    for k in range(at, header, -1):
        text = code[k]
        if k < at:
            depth = max(0, depth + text.count("}") - text.count("{"))  # < 0: the enclosing block
            if depth > 0 or (text.count("}") and not text.count("{")):
                continue
        if _mentions_put(text, var, puts) or re.search(r"[^=!<>]=\s*%s\s*;" % v, text) or \
                re.search(r"\b(\w+)\s*\(\s*%s\s*\)" % v, text) and any(
                    kapi.takes_ref(c) for c in re.findall(r"\b(\w+)\s*\(\s*%s\s*\)" % v, text)) or \
                re.search(r"\bno_free_ptr\s*\(\s*%s\s*\)" % v, text):
            return True
    return False


def _after_exit(code, new, end, ex, var, puts):
    """Does what runs after the exit drop the reference?  True, False, or None (not visible)."""
    label = ex.group(2)
    if ex.group(1) == "break":
        return any(_mentions_put(t, var, puts) for t in code[end:end + 8])
    if label:
        for k, text in enumerate(code):
            if re.match(r"^\s*%s\s*:" % re.escape(label), text):
                return any(_mentions_put(t, var, puts) for t in code[k:k + 12])
        return None
    return False


def _removed_put_before(lines, exit_line: DiffLine, var: str, puts: tuple[str, ...]) -> DiffLine | None:
    """The removed put of `var` right in front of the exit (up to 3 lines above it), if any."""
    at = next((k for k, ln in enumerate(lines) if ln is exit_line), None)
    if at is None:
        return None
    for ln in reversed(lines[max(0, at - 4):at]):
        if ln.removed and _mentions_put(ln.text, var, puts):
            return ln
    return None
