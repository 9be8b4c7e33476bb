"""An object's destroy/release helper is replaced by a plain `kfree()`.

## What it does
Flags a removed `foo_destroy(..., obj)` / `foo_release(obj)` / `foo_put(obj)` /
`foo_free(obj)` call, or a put of an object embedded in obj (`kobject_put(&obj->kobj)`,
`put_device(&obj->dev)`), that the patch replaces, at the same place, with `kfree(obj)`.

## Why is this bad?
A destroy helper usually does more than free the memory: it calls the type's `->destroy`
callback, drops the references the object holds (the `module_put()` on the owner of its ops,
`put_device()`/`of_node_put()` of members) and unlinks it.  A bare `kfree()` skips all of that:
the module that provided the object's type stays pinned forever, member references leak, and
a still-linked object becomes a use-after-free.  In nf_tables, `nft_obj_destroy()` runs
`obj->ops->destroy` and `module_put(obj->ops->type->owner)`; freeing a temporary object with
`kfree()` leaked the expression module reference.

The put of an embedded kobject or device is the container's only release once
`kobject_init()`/`device_initialize()` ran: `kobject_init_and_add()`'s kernel-doc, "If this
function returns an error, kobject_put() must be called to properly clean up the memory
associated with the object"; `kfree()` skips the ktype's release and leaks the kobject's name.

## Example
```diff
 	if (obj->ops->update)
 		obj->ops->update(obj, newobj);
 
-	nft_obj_destroy(&trans->ctx, newobj);
+	kfree(newobj);
```

## Use instead
```c
	if (obj->ops->update)
		obj->ops->update(obj, newobj);

	nft_obj_destroy(&trans->ctx, newobj);
```

## Known problems
The helper's body is not read (not even in tree mode, when it lives in another file): a helper
that is just `kfree()` makes this a false positive; such a patch is a cleanup and says so.
Plain memory frees (`kvfree`, `kmem_cache_free`, `bitmap_free`, ...) are not helpers and are
ignored.

## References
- `Documentation/core-api/kref.rst` (release functions own the teardown)
- netfilter "Fix module reference leak" fixes
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.analysis import clex, cmodel
from reviewbot.checks.module import _apis
from reviewbot.analysis.clex import norm, statements
from reviewbot.context import Context
from reviewbot.model import Finding, Level, Patch
from reviewbot.rules import Rule

RULE = Rule.from_doc(__doc__, id="MOD029", slug="release-bypassed-by-kfree", level=Level.WARNING,
                     tags=("ref-leak",))
# The rule has nothing to say on a patch whose C diff (and, in tree mode, file images) holds none of these.
TRIGGER = ("kfree",)

# Frees of plain memory: replacing one of these by kfree() changes no ownership.
_MEMORY_FREES = frozenset({
    "kvfree", "vfree", "kfree_sensitive", "kzfree", "kmem_cache_free", "bitmap_free", "free_page",
    "free_pages", "mempool_free", "kfree_const", "devm_kfree", "kvfree_rcu", "kfree_rcu",
    "dma_free_coherent", "dma_free_attrs", "dma_pool_free", "gen_pool_free", "sg_free_table",
    "kfree_link", "free_percpu", "kvfree_sensitive", "vunmap", "iounmap", "memunmap",
})


def check(patch: Patch, ctx: Context) -> Iterator[Finding]:
    for fd in patch.c_files:
        if not any("kfree" in ln.text for ln in fd.added()):
            continue
        for h in fd.hunks:
            for rem, add in clex.replacements(h):
                helpers = []
                for st in statements(rem):
                    m = clex.CallStmt.parse(st.text)
                    if m and not m.cond and (_apis.DESTROY_HELPER.match(m.name) or _apis.is_putter(m.name)) \
                            and m.name not in _MEMORY_FREES:
                        helpers.append((m.name, [norm(x) for x in cmodel.split_args(m.args)]))
                if not helpers:
                    continue
                for st in statements(add):
                    m = clex.CallStmt.parse(st.text)
                    if not m or m.name != "kfree" or m.cond:
                        continue
                    obj = norm(m.args)
                    for name, args in helpers:
                        if obj in args or any(_member_of(a, obj) for a in args):
                            yield RULE.finding(fd.path, st.line_of(r"kfree"),
                                               f"kfree({obj[:28]}) replaces {name}(): its release "
                                               f"work and references are skipped")
                            break


def _member_of(arg: str, obj: str) -> bool:
    """Is `arg` the address of an object embedded in `obj` (`&obj->kobj`, `&obj->dev`,
    `&obj->a.ref`)?  Its put ends in the release of `obj`, so a kfree(obj) in its place skips it.
    A pointer member on the way (`&obj->child->dev`) is another allocation."""
    rest = arg[len("&" + obj):] if arg.startswith("&" + obj) else ""
    return re.fullmatch(r"(->|\.)\w+(\.\w+)*", rest) is not None
