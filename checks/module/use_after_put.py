"""An object is used after the put that may have freed it.

## What it does
Reports a put (`put_device`, `spi_controller_put`/`spi_master_put`, `kref_put`, `kfree`,
`module_put`, ...) that the patch moves *earlier*, past statements that still dereference the
object or data hanging off it, and an added put followed by a use of the same object.  It also
reports a removed `return`/`goto` that ended a block right after a put
(`if (err) { kref_put(&req->ref, release); return err; }`): the path now goes on past the put
to code the hunk shows still using the object, or putting it again.

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

An added put (not a move) of an object this code looked up (`x = lookup(...)` in view: the
lookup's reference is the only one it holds) followed on its path by unchanged code that still
dereferences the object, or hands it to a call, is reported too (a premature put).  A put of
an object the function was given, or took an extra reference on, may drop that extra one while
the caller holds another: not reported.
An added put right before an unchanged `return x;` of the object it dropped is reported too:
the function hands its caller a pointer whose reference it has just given up (not for the
function's own parameter, whose reference the caller holds).
A use the patch adds after an unchanged put of the object, on the put's path, is reported too
(`kref_put(&dev->kref, release);` then an added `dev->gone = 1;`), unless the object is the
function's parameter or the function took an extra reference on it before the put.
A use moved from before an unchanged put to after it is the same move (git may show it either
way) and is reported at the moved use, when that use touches the put object itself.
A move is seen across the hunks of one function (git names the same function for both and the
gap between them is short), also when the putter is renamed on the way (`acpi_dev_put(adev)`
becomes `put_device(&adev->dev)`), and for a guarded put (`if (!x->devm_allocated) put(x)`:
the put may run).  Only statements on a path after the put count: a `return`/`goto` in the
put's own block ends the path, and the `else` branch of that block is skipped.

## Known problems
From hunks alone the link between the put object and the data used after it (`priv` derived
from `host`) is usually not shown; a put moved earlier past any dereference is reported at
medium confidence.  Moving `of_node_put()`/`fwnode_handle_put()` earlier is only reported when
the node itself is used afterwards (nodes carry no driver data).

## Confidence
High when the used pointer is the put object or visibly derived from it; medium otherwise.

## References
- f2b85040acec "scsi: core: Put LLD module refcnt after SCSI device is released"
- `fs/char_dev.c` `cdev_put()`, `drivers/i2c/i2c-core-base.c` `i2c_put_adapter()`
- `Documentation/core-api/kref.rst`
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot import lazyre
from reviewbot.analysis import clex, cmodel
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _apis, _refdiff
from reviewbot.analysis.clex import norm, statements
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch, Side
from reviewbot.rules import Rule

RULE = Rule.from_doc(__doc__, id="MOD020", slug="use-after-put", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("kref-imbalance",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("kfree",) + _apis.PUTTER_TOKENS
# What it says about a C file depends on that file (and the commit message) alone: it runs
# only on the files that hold a TRIGGER string (reviewbot.engine).
TRIGGER_PER_FILE = True

_NODE_PUTS = ("of_node_put", "fwnode_handle_put")
_DEREF = lazyre.compile(r"\b(\w+)\s*(->|\.)\s*\w+")


def _base(obj: str) -> str:
    """The object a put releases as a whole: `&x->dev` -> `x`, `&s->ref` (the kref of `kref_put()`,
    whatever the member is called) -> `s`; `a->b.c` stays itself."""
    e, prev = obj.lstrip("&*( "), None
    while prev != e:  # `&x->dev.kobj` -> `x`
        prev, e = e, re.sub(r"(->|\.)(dev|device|kobj|kref|refcount|ref|refs|refcnt|users)$", "", e)
    return e


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    found = list(_check(patch, ctx))
    yield from found
    if ctx.has_tree and ctx.engine_on("python"):
        # tree mode: what the post-image's paths newly do (reviewbot counts every path)
        yield from _refdiff.findings(RULE, patch, ctx, ("uap",), found)


def _check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        # each run's lines, and whether its context lines call a putter, once for the three
        # passes below (in this order: the findings' order)
        runs = [(hunks, [ln for h in hunks for ln in h.lines]) for hunks in _function_runs(fd)]
        for hunks, lines in runs:
            added = "\n".join([ln.text for ln in lines if ln.kind == "+"])
            if not (_apis.has_putter_call(added) or re.search(r"\bkfree\s*\(", added)):
                continue
            yield from _moved_earlier(fd, lines)
            yield from _added_then_used(fd, lines)
            yield from _added_then_returned(fd, hunks[0].section or "", lines)
        put_in_context = [_apis.has_putter_call("\n".join([ln.text for ln in lines if ln.kind == " "]))
                          for _, lines in runs]
        for (hunks, lines), put in zip(runs, put_in_context):
            if put:
                yield from _added_use_after_put(fd, hunks[0].section or "", lines)
        for (hunks, lines), put in zip(runs, put_in_context):
            if put:
                yield from _moved_past_put(fd, lines)
                if any(ln.removed and _EXIT.match(ln.text) for ln in lines):
                    yield from _exit_removed_after_put(fd, lines)


_EXIT = lazyre.compile(r"^\s*(return\b|goto\s+\w+\s*;)")


def _exit_removed_after_put(fd, lines) -> Iterator[Finding]:
    """A removed `return`/`goto` that ended a block right after a kept put
    (`if (err) { kref_put(&req->ref, release); return err; }` loses its `return`): the path
    now goes on past the put, which may have freed the object, to code the hunk shows still
    using it or putting it again (before anything reassigns it)."""
    stmts, live, live_idx, depths = _live(lines)
    shown = {ln.new_no for ln in lines if not ln.removed}
    for i, st in enumerate(stmts):
        if not all(ln.removed for ln in st.lines) or not _EXIT.match(st.text):
            continue
        prev = next((s for s in reversed(stmts[:i]) if not all(ln.removed for ln in s.lines)), None)
        if prev is None or any(ln.added for ln in prev.lines) or _put_stmt(prev) is None:
            continue
        name, obj = _put_stmt(prev)
        base = _base(obj)
        if not re.fullmatch(r"\w+", base) or name.startswith("module_put"):
            continue
        k0 = live_idx[id(prev)]
        nxt = live[k0 + 1] if k0 + 1 < len(live) else None
        if nxt is None or not nxt.text.startswith("}"):
            continue  # the exit did not end the put's block: other code followed it
        for k in _on_path(live, depths, k0, len(live)):
            s = live[k]
            if any(n not in shown for n in range(prev.lines[-1].new_no + 1, s.lines[0].new_no)):
                break  # lines the hunks do not show lie between
            if re.search(r"(?<![\w>.])%s\s*=[^=]" % re.escape(base), s.text):
                break  # reassigned: another object from here on
            again = _put_stmt(s)
            if (again is not None and _apis.same_object(again[1], obj)) or _deref_or_passed(s.text, base):
                yield RULE.finding(fd.path, st.lines[0], f"without this {st.text.split()[0]}, the path goes on "
                                                         f"after {name}({obj[:24]}) to code that still uses "
                                                         f"{base}", side=Side.OLD)
                break


def _function_runs(fd) -> Iterator[list]:
    """Runs of hunks that edit one function: a put moved from one hunk to another still moved.

    Hunks join when git names the same function for both and the unchanged gap between them is
    short (the code in the gap runs between the two places, like the context shown)."""
    run: list = []
    for h in fd.hunks:
        if run:
            prev = run[-1]
            gap = h.old_start - (prev.old_start + prev.old_len)
            if h.section and h.section == prev.section and 0 <= gap <= _MAX_GAP:
                run.append(h)
                continue
            yield run
        run = [h]
    if run:
        yield run


_MAX_GAP = 12


def _put_stmt(st):
    m = clex.CallStmt.parse(st.text)
    if not m:
        return None
    name = m.name
    if not (_apis.is_putter(name) or name == "kfree"):
        return None
    obj = _apis.put_object(name, list(cmodel.split_args(m.args)))
    if not obj or (m.cond and re.fullmatch(r"!?\s*%s" % re.escape(_base(obj)), m.cond.strip())):
        return None  # `if (x) put(x)`: a NULL guard is fine; any other guard may still put
    return (name, obj)


def _derived(lines_text: str, base: str) -> set[str]:
    """Pointers visibly derived from `base`: `p = f(base)`, `p = base->x`, container_of(base...)."""
    out = {base}
    for m in re.finditer(r"(\w+)\s*=\s*([^;=]*)\b%s(?![\w.>-])" % re.escape(base), lines_text):
        out.add(m.group(1))
    return out


def _depths(stmts) -> list[int]:
    """Brace depth (relative to the fragment's start) at which each statement begins."""
    out, d = [], 0
    for st in stmts:
        out.append(d)
        d += st.text.count("{") - st.text.count("}")
    return out


def _on_path(stmts, depths, i: int, j: int) -> list[int]:
    """Indices of statements after i (up to j) that run after statement i on some path.

    A jump (return/goto/break/continue) in i's own block ends the path; an `else` branch of the
    block holding i is skipped."""
    out = []
    d = depths[i]
    k = i + 1
    while k < j:
        t = stmts[k].text
        if depths[k] < d or t.startswith("}"):
            if t.startswith("}") and re.match(r"^\}\s*else\b", t) and depths[k] <= d:
                # skip the else branch of our block
                level = depths[k] + t.count("{") - t.count("}")
                k += 1
                while k < j and depths[k] >= level:
                    k += 1
                d = min(d, level - 1)
                continue
            d = min(d, depths[k] + t.count("{") - t.count("}") if t.startswith("}") else depths[k])
        elif depths[k] == d and re.match(r"^(return|goto|break|continue)\b", t):
            break
        out.append(k)
        k += 1
    return out


def _live(lines) -> tuple[list, list, dict[int, int], list]:
    """The statements of a function's run of hunks; the live ones (not removed: the code after
    the patch), each one's index among them, by id; and their block depths."""
    stmts = statements(lines)
    live = [s for s in stmts if not all(ln.removed for ln in s.lines)]
    return stmts, live, {id(s): k for k, s in enumerate(live)}, _depths(live)


def _moves_with(st, removed_puts, i: int) -> bool:
    """`st` is an added put whose object also has a removed put further down: moved together."""
    if not all(ln.added for ln in st.lines):
        return False
    put = _put_stmt(st)
    return put is not None and any(j > i and _apis.same_object(o, put[1]) for j, (_, o) in removed_puts)


def _moved_earlier(fd, lines) -> Iterator[Finding]:
    stmts = statements(lines)
    removed_puts = [(j, _put_stmt(s)) for j, s in enumerate(stmts) if all(ln.removed for ln in s.lines)]
    removed_puts = [(j, p) for j, p in removed_puts if p]
    if not removed_puts:
        return  # nothing removed: no put moved
    _, live, live_idx, depths = _live(lines)
    text_all = "\n".join(ln.text for ln in lines)
    for i, st in enumerate(stmts):
        if not all(ln.added for ln in st.lines):
            continue
        put = _put_stmt(st)
        if put is None:
            continue
        name, obj = put
        # a put of the same object removed further down: the put moved up (perhaps renamed:
        # acpi_dev_put(adev) -> put_device(&adev->dev))
        later = [j for j, (_, o) in removed_puts if j > i and _apis.same_object(o, obj)]
        if not later:
            continue
        if any(_apis.same_object(_put_stmt(s)[1], obj) for s in stmts[i + 1:later[0]]
               if not all(ln.removed for ln in s.lines) and _put_stmt(s) and s is not st):
            continue  # another put of it in between: not a plain move
        li = live_idx[id(st)]
        lj = next((live_idx[id(s)] for s in stmts[later[0]:] if id(s) in live_idx), len(live))
        between = [live[k] for k in _on_path(live, depths, li, lj)]
        between = [s for s in between if not _moves_with(s, removed_puts, i)]  # puts moved as a block
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


def _uses_itself(text: str, base: str) -> bool:
    """Does `text` touch the object `base` itself (a member, its address, the pointer as an argument)?"""
    return re.search(r"(?<![\w>.])%s(?![\w])(?!\s*=[^=])" % re.escape(base), text) is not None


def _moved_past_put(fd, lines) -> Iterator[Finding]:
    """The same move told the other way round: a use of the object moved from before its
    (unchanged) put to after it.  git shows `put(x); use(x);` -> `use(x); put(x);` reversed so."""
    stmts, live, live_idx, depths = _live(lines)
    for i, st in enumerate(stmts):
        if not all(ln.removed for ln in st.lines) or _put_stmt(st) or re.match(r"^(return|goto)\b", st.text):
            continue
        key = norm(st.text)
        j = next((k for k in range(i + 1, len(stmts)) if all(ln.added for ln in stmts[k].lines)
                  and norm(stmts[k].text) == key), None)
        if j is None:
            continue
        between = [s for s in stmts[i + 1:j] if not all(ln.removed for ln in s.lines)]
        if not between or len(between) > 15 or any(ln.kind != " " for s in between for ln in s.lines):
            continue
        moved = stmts[j]
        lj = live_idx[id(moved)]
        for s in between:
            put = _put_stmt(s)
            if put is None:
                continue
            name, obj = put
            base = _base(obj)
            if not _uses_itself(moved.text, base) or lj not in _on_path(live, depths, live_idx[id(s)], lj + 1):
                continue
            yield RULE.finding(fd.path, moved.line_of(re.escape(base)),
                               f"now runs after {name}({obj[:24]}), which may have freed the object",
                               confidence=Confidence.HIGH)
            break


def _deref_or_passed(text: str, base: str) -> bool:
    """`text` dereferences `base` or hands it to a call (not a bare pointer test or assignment)."""
    b = re.escape(base)
    t = re.sub(r"\b(sizeof|ARRAY_SIZE|typeof|__typeof__)\s*\([^()]*\)", "", text)
    if re.search(r"(?<![\w>.])%s\s*(->|\.)\s*\w+(?!\s*=[^=])" % b, t):
        return True
    return re.search(r"\w\s*\((?:[^()]*,)?\s*&?\s*%s(\s*(->|\.)\s*\w+)*\s*[,)]" % b, t) is not None \
        and not re.search(r"\b(IS_ERR|IS_ERR_OR_NULL|PTR_ERR_OR_ZERO|WARN_ON|BUG_ON|unlikely|likely)\s*\(\s*&?%s\s*\)" % b, t)


def _looked_up(text: str, base: str) -> bool:
    """`base = lookup(...)`: the lookup's reference is the only one this code holds on it."""
    m = re.search(r"(?<![\w>.])%s\s*=\s*(\([^()]*\)\s*)?(\w+)\s*\(" % re.escape(base), text)
    if not m:
        return False
    api = _apis.BY_GETTER.get(m.group(2))
    row = kapi.get(m.group(2))
    return api is not None and api.ref == "ret" and bool(api.fails) and (row is None or row.kind == "lookup")


def _added_then_used(fd, lines) -> Iterator[Finding]:
    """An added put (not a move) followed, on its path, by unchanged code that still uses the object."""
    stmts, live, _, depths = _live(lines)
    for i, st in enumerate(live):
        if not all(ln.added for ln in st.lines):
            continue
        put = _put_stmt(st)
        if put is None:
            continue
        name, obj = put
        base = _base(obj)
        if not re.fullmatch(r"\w+", base) or name == "kfree":
            continue
        if any(all(ln.removed for ln in s.lines) and (_put_stmt(s) or (None, ""))[1]
               and _apis.same_object(_put_stmt(s)[1], obj) for s in stmts):
            continue  # a put moved or rewritten: _moved_earlier judges it
        if not any(_looked_up(s.text, base) for s in live[:i]):
            continue  # the put may drop an extra reference while the caller holds one
        shown = {ln.new_no for ln in lines if not ln.removed}
        for k in _on_path(live, depths, i, len(live)):
            s = live[k]
            first = next((ln.new_no for ln in s.lines if ln.new_no), None)
            if first is None or any(n not in shown for n in range(st.lines[-1].new_no + 1, first)):
                break  # lines the hunks do not show lie between: they may return or branch
            if re.search(r"(?<![\w>.])%s\s*=[^=]" % re.escape(base), s.text):
                break  # reassigned: a new object from here on
            if _put_stmt(s) is not None:
                break  # another put: not a use (an over-put is MOD019's)
            if any(ln.added for ln in s.lines):
                continue  # the patch's own new code: judged on its own
            if _deref_or_passed(s.text, base):
                yield RULE.finding(fd.path, st.line_of(re.escape(name)),
                                   f"{name}({obj[:24]}) before a later use of {base}")
                break


_PARAMS = lazyre.compile(r"(\w+)\s*(?:\[\s*\])?\s*[,)]")


def _added_use_after_put(fd, header: str, lines) -> Iterator[Finding]:
    """An added statement that uses the object after an unchanged put of it on its path: the put
    may have run the release (`kref_put(&dev->kref, release); dev->gone = 1;`).  Not for the
    function's own parameter, nor an object the function takes a reference on before the put
    (the put may drop that extra one while another is held): the reference put is the one the
    object was found or kept with (a lookup, the driver data, a list)."""
    stmts, live, live_idx, depths = _live(lines)
    params = _PARAMS.findall(header.split("(", 1)[1]) if "(" in header else []
    removed = {norm(s.text) for s in stmts if all(ln.removed for ln in s.lines)}
    shown = {ln.new_no for ln in lines if not ln.removed}
    for i, st in enumerate(live):
        if any(ln.kind != " " for ln in st.lines):
            continue
        put = _put_stmt(st)
        if put is None or clex.CallStmt.parse(st.text).cond:
            continue
        name, obj = put
        base = _base(obj)
        if not re.fullmatch(r"\w+", base) or base in params or name in _NODE_PUTS:
            continue
        if any(c.name in _apis.BY_GETTER and any(re.search(r"(?<![\w>.])%s\b" % re.escape(base), a)
                                                  for a in cmodel.split_args(c.args))
               for s in live[:i] for c in [clex.CallStmt.parse(s.text)] if c):
            continue  # an extra reference of its own on the object: the put may drop that one
        for k in _on_path(live, depths, i, len(live)):
            s = live[k]
            first = next((ln.new_no for ln in s.lines if ln.new_no), None)
            if first is None or any(n not in shown for n in range(st.lines[-1].new_no + 1, first)):
                break  # lines the hunks do not show lie between
            if re.search(r"(?<![\w>.])%s\s*=[^=]" % re.escape(base), s.text):
                break  # reassigned: a new object from here on
            if not all(ln.added for ln in s.lines):
                continue
            if _put_stmt(s) is not None or norm(s.text) in removed:
                break  # another put (MOD019's), or a use moved past the put (_moved_past_put)
            if _deref_or_passed(s.text, base):
                yield RULE.finding(fd.path, s.line_of(re.escape(base)),
                                   f"uses {base} after {name}({obj[:24]}), which may have freed it")
                break


def _added_then_returned(fd, header: str, lines) -> Iterator[Finding]:
    """An added put right before `return x;` of the object it dropped: the function hands
    its caller a pointer whose reference it has just given up (the caller uses it, and puts it
    again).  Not for the function's own parameter (the caller holds that reference)."""
    _, live, _, _ = _live(lines)
    params = _PARAMS.findall(header.split("(", 1)[1]) if "(" in header else []
    for st, nxt in zip(live, live[1:]):
        if not all(ln.added for ln in st.lines) or any(ln.added for ln in nxt.lines):
            continue
        put = _put_stmt(st)
        if put is None or put[0] == "kfree" or clex.CallStmt.parse(st.text).cond:
            continue
        name, obj = put
        base = _base(obj)
        if not re.fullmatch(r"\w+", base) or base in params:
            continue
        if re.fullmatch(r"return\s+(\([\w\s*]+\)\s*)?%s\s*;" % re.escape(base), nxt.text):
            yield RULE.finding(fd.path, st.line_of(re.escape(name)),
                               f"{name}({obj[:24]}) right before returning {base}: the caller gets a "
                               f"pointer whose reference this function has just dropped")
