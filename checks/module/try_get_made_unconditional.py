"""A get that can fail on a dying object replaced by one that cannot.

## What it does
Flags a conditional get (`kref_get_unless_zero()`, `kobject_get_unless_zero()`,
`refcount_inc_not_zero()`, `atomic_inc_not_zero()`, `percpu_ref_tryget()`,
`get_page_unless_zero()`, `maybe_get_net()`) that a patch replaces, on the same object, by its
unconditional twin (`kref_get()`, `kobject_get()`, `refcount_inc()`, `atomic_inc()`,
`percpu_ref_get()`, `get_page()`, `get_net()`).  The finding sits on the added get.  The
twins come from the kernel-API table (a getter `X_unless_zero`/`X_not_zero` whose `X` is also
a getter) plus the counter primitives under it.  `try_module_get()` -> `__module_get()` is
MOD024's.

## Why is this bad?
The conditional form exists for objects reached without a reference of one's own: found in a
list, an idr or a hash table while their last put may be running.  Once the count is zero the
release has started (or is waiting for the lock the lookup holds); `kref_get()` on it brings
it back to one, the release frees it anyway, and the caller uses freed memory
(`refcount_inc()` warns "addition on 0; use-after-free").  `include/linux/kref.h`: "This
function... is a way to safely obtain a reference to an object whose refcount may reach zero
in parallel" (`kref_get_unless_zero()`), and `kref_get()` is only for "a reference already
held" (`kref_get()`'s kernel-doc: the caller must already hold a reference).

## Example
```c
	list_for_each_entry(ctx, &priv->ctxs, node) {
		if (ctx->id == id) {
			kref_get(&ctx->ref);
			found = ctx;
			break;
		}
	}
```

## Use instead
```c
	list_for_each_entry(ctx, &priv->ctxs, node) {
		if (ctx->id == id && kref_get_unless_zero(&ctx->ref)) {
			found = ctx;
			break;
		}
	}
```

## Known problems
Right when the lookup's lock is also the one the release takes before freeing
(`kref_put_mutex()`/`kref_put_lock()` with that lock): then the count cannot be zero while
the lock is held.  The hunk rarely shows the release, so the finding stays medium confidence.

## References
- `include/linux/kref.h` (`kref_get()`, `kref_get_unless_zero()`, `kref_put_mutex()`)
- `include/linux/refcount.h` (`refcount_inc()` on zero: "use-after-free" warning)
- `Documentation/core-api/kref.rst` ("the lookup-and-get must be done atomically")
"""

from __future__ import annotations

from typing import Iterator

from reviewbot.analysis import clex
from reviewbot.checks import _kapi as kapi
from reviewbot.context import Context
from reviewbot.model import Confidence, Finding, Level, Patch
from reviewbot.rules import Rule

RULE = Rule.from_doc(__doc__, id="MOD031", slug="try-get-made-unconditional", level=Level.WARNING,
                     confidence=Confidence.MEDIUM, tags=("kref-imbalance",))

# The counters under the table's getters (not reference-counting APIs of their own in the table).
_PRIMITIVES = {"refcount_inc_not_zero": "refcount_inc", "atomic_inc_not_zero": "atomic_inc",
               "atomic_long_inc_not_zero": "atomic_long_inc", "percpu_ref_tryget": "percpu_ref_get",
               "percpu_ref_tryget_live": "percpu_ref_get", "get_page_unless_zero": "get_page",
               "maybe_get_net": "get_net"}


def _twins() -> dict[str, str]:
    out = dict(_PRIMITIVES)
    for row in kapi.of_kind("getter"):
        for suffix in ("_unless_zero", "_not_zero"):
            base = row.name[: -len(suffix)]
            if row.name.endswith(suffix) and kapi.get(base) is not None:
                out[row.name] = base
    return out


TWINS = _twins()
# The rule judges a replacement (the conditional get removed, its twin added); the Example shows
# only the result, which on its own is not wrong (a reference may already be held).
DOC_EXAMPLES_EXECUTABLE = False
TRIGGER = tuple(sorted(TWINS))
# What it says about a C file depends on that file (and the commit message) alone: it runs
# only on the files that hold a TRIGGER string (reviewbot.engine).
TRIGGER_PER_FILE = True


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        for h in fd.hunks:
            for rem, add in clex.replacements(h):
                text = "\n".join(ln.text for ln in rem)
                for cond, plain in TWINS.items():
                    for arg in clex.call_args(text, cond):
                        obj = clex.norm(arg.split(",")[0])
                        for ln in add:
                            if any(clex.norm(a.split(",")[0]) == obj for a in clex.call_args(ln.text, plain)):
                                yield RULE.finding(fd.path, ln, f"{plain}({arg.strip()}) replaces {cond}(): "
                                                                f"on an object whose count may already be zero "
                                                                f"it revives one that is being freed")
                                break
