"""Mutation benchmark: how well do the module rules generalise beyond the dev corpus?

Builds synthetic "reversed fix" cases from REAL kernel code (Debian's linux-source-6.12, the
tree extracted under `.cache/bench/linux-source-6.12/`, or extracted there from
`/usr/src/linux-source-6.12.tar.xz` when missing): for a seeded random sample of driver files
it applies defect-introducing mutations to real functions and turns each into a unified diff
(difflib, real line numbers, 3 lines of context).  Every diff is reviewed in hunk mode with
`reviewbot.engine.review` and the default output (low-confidence findings hidden), and scored
like `reviewbot eval`: a positive is detected when a finding has the file's path, the expected
side and a line within +-3 of an expected line; a negative fails when it produces any finding.

Mutation kinds (positives):
  del_put      delete a put_device/module_put/of_node_put/i2c_put_adapter/symbol_put that sits
               right before a return/goto, after a matching get of the same expression in the
               function -> expect old side at the removed put, or new side at the exit
  goto_skip    retarget `goto L` (L: runs a put) to a later label that skips the put
               -> expect new side at the goto
  del_owner    delete `.owner = THIS_MODULE,` from a struct initializer in a modular driver
               -> expect old side at the removed line
  del_pair     delete try_module_get(X->owner...) and its module_put()s on another module's
               owner in one function -> expect old side at the removed get
  devm_parent  `devm_*(&pdev->dev, ...)` in a probe -> `devm_*(pdev->dev.parent, ...)`
               -> expect new side at the changed call
Over-put kinds (an added put of a reference nobody holds there; the APIs come from the
kernel-API table checks/data/refs.tsv via checks/_kapi.py), each -> expect new side at the
added put:
  dup_put      an existing plain put (a table putter of the device/of_node/fwnode/kobject/
               pci_dev/usb_dev/i2c_adapter/module families) written twice in a row
  dup_put_label  an unwind label (one statement) that falls through to `L2: put(x);` gets its
               own `put(x);` (one step, so that the hunk's context shows the fall-through)
  put_after_unregister  `device_unregister(x)` / `platform_device_unregister(p)` /
               `i2c_unregister_device(c)` (table putters named *unregister*: del + put)
               followed by a put of the same device
  put_borrowed a put of something the function never took a reference on, before its final
               `return 0;`: the node of its parameter device (`dev->of_node`,
               `pdev->dev.of_node`, through a local), or the parameter device itself
  put_after_consuming_call  a put of the @from/@prev argument right after a table lookup
               that drops it (`of_find_compatible_node(from, ...)`, `pci_get_device(v, d, from)`)
  put_in_loop_cursor  a put of a table iterator's loop variable (`for_each_child_of_node(np,
               child)`) as the last statement of the loop body
Lifetime kinds (drawn from their own sample of files, so the kinds above keep theirs):
  devm_conv    `x = kzalloc(sizeof(*x), ...)` in a function given a bus device, where x's struct
               (defined in the file) embeds a cdev, miscdevice, kref, struct device, kobject,
               video_device or tty_port -> `devm_kzalloc(<that device>, ...)`, and every whole-line
               `kfree(v);` of a `struct T *v` of that type in the file removed (the conversion)
               -> expect new side at the allocation
  dvb_direct   `dvb_attach(foo_attach, a, b)` -> `foo_attach(a, b)` (no symbol reference taken,
               but dvb_frontend_detach() still drops one) -> expect new side at the call
  del_detach   delete a `dvb_frontend_detach()`/`dvb_detach()`/`symbol_put()` that sits right
               before a return/goto after a dvb_attach()/symbol_get() in the function
               -> expect old side at the removed line, or new side at the exit
  devref_to_modref  `get_device(E);` / `put_device(E);` of one function -> `__module_get(<E's
               driver>->owner);` / `module_put(...)`: a module reference instead of a reference
               on the device -> expect new side at the replaced get
  del_symbol_put  delete a `symbol_put(x);` / `symbol_put_addr(x);` of a function that takes
               `symbol_get(x)` / `symbol_request(x)` (anywhere in it) -> expect old side at the put
  del_unlink   delete a `list_del(&x->m);` (m list_add()ed to a file-scope LIST_HEAD in the file) or
               a notifier unregistration from a remove/unbind/disconnect function
               -> expect old side at the removed line
  put_borrowed_lookup  the put a caller would wrongly write (the accessor table
               checks/data/borrowed.tsv, `lookup` rows: `acpi_fetch_acpi_dev()`,
               `__dev_get_by_name()`, `get_cpu_device()`, `phy_find_first()`, ...) of a
               variable such a lookup returned, at the top level after its last use
  put_in_failed_get  the getter's put as the first statement of the branch taken when a
               conditional getter of the table failed (`if (!try_module_get(m)) {`,
               `kobject_get_unless_zero()`, `scsi_device_get()`)
  cleanup_after_release_put  a function that sets `x->dev.release = fn` and puts `&x->dev` gets,
               right after that put, one of the member cleanups `fn` does (`kfree(x->name)`,
               `ida_free(&ida, x->id)`): the release runs it again
  del_wrapper_put  delete a subsystem's own putter (checks/data/wrappers.tsv: `nvme_put_ctrl()`,
               `drm_gem_object_put()`, `cec_put_device()`, not a core-table API) that sits right
               before an error exit, after the function took that reference (a getter whose
               release names it, or `x = call(...)`) -> expect old side at the removed put, or
               new side at the exit (samples its own files: those that call such a wrapper)
  put_of_scoped  `T *v __free(cls) = ...;` (cls a reference class: device_node, fwnode_handle,
               put_device, pci_dev_put, fput, ...) gets `putter(v);` after v's last use in its
               block: the cleanup puts it again at the end of the scope
  put_after_handoff  `fput(f);` right after `fd_install(fd, f);` (it consumes the reference) or
               `filp_close(f, id);` (it ends in fput())
  put_declared_node  `of_node_put(np);` before the final return of an OF match-table init
               callback (`CLK_OF_DECLARE()`, `TIMER_OF_DECLARE()`, `IRQCHIP_DECLARE()`, ...)
               given `struct device_node *np`: its caller holds the node
  put_given_node  `of_node_put(np);` / `fwnode_handle_put(fwnode);` before the final return of a
               function given that node as its parameter (not named for a teardown, never taking
               or reassigning the node): its caller holds the reference and drops it itself
  put_spec_node  `of_node_put(args->np);` before the final return of a function given a parsed
               phandle specifier (`struct of_phandle_args *args`, an `of_xlate()` callback): the
               caller parsed it and puts `args->np` after the call
(the last nine sample their own files: those that call such an API / set a release / declare a
callback / call such a wrapper)
Kref and added-exit kinds (each samples its own files):
  add_return_skip_put  `if (ret) return ret;` added after a top-level `ret = call(...);` between a
               get of the table and the top-level put of the fall-through path -> expect new side
               at the return
  add_goto_skip_put  the same with `goto L;`, L a label below the put whose code runs no put
  add_check_skip_put  `if (!v) return -EINVAL;` added after a top-level `v = call(...);` anywhere
               between such a get and put
  kref_put_twice  a `kref_put(&x->ref, release);` statement written twice -> new side at the second
  use_after_kref_put  a `kref_put()` moved above the one to three statements before it that use
               its object -> new side at the moved put or the uses
  kobj_fail_kfree  `kobject_put(&x->kobj);` in the failure branch of `kobject_init_and_add()`
               -> `kfree(x);` -> new side at the kfree
  del_release_cb  a `x->dev.release = fn;` (no type or class set near by) or `.release = fn,` of a
               kobj_type/device_type/class initializer deleted -> old side at it
  release_no_free  the `kfree(x);` of a release callback (`void fn(struct device|kobject|kref *)`)
               deleted -> old side at it
  put_in_own_release  a put of the object being released (`put_device(dev)`, `kobject_put(kobj)`,
               `kref_put(kref, fn)`) added before a release callback's last statement -> new
               side at it
  del_exit_after_put  the `return`/`goto` that ends `{ ...; put(x); return ...; }` deleted, x used
               in the lines after the block -> old side at the removed exit
Path kinds (whole-function shapes, from their own sample of files that use the table's APIs):
  del_label_put  a put of the table right after an unwind label that two or more gotos reach
               (after a get of its object) is deleted -> expect old side at the put, or new
               side at any of the gotos
  get_above_return  a top-level `x = getter(...);` whose reference the function drops later is
               moved above the braceless `if (...) return -E...;` before it -> expect new side
               at the moved get or at that return
  put_after_return  a put right before a `return` (after a get of its object) is moved below
               it -> expect new side at the return, or old side at the put
  iter_put_dropped  inside a table iterator's loop (not `_scoped`), the put of the loop variable
               right before a `return`, `goto` or `break` is deleted -> expect old side at the
               put, or new side at the exit
  del_unreg_made  `x = i2c_new_dummy_device(...)` / `platform_device_register_simple()` /
               `kobject_create_and_add()` ... (a table registration that returns what it made),
               its release (`i2c_unregister_device(x)`, ...) right before a later error exit is
               deleted -> expect old side at the release, or new side at the exit
(the last three sample their own files: those that call such an API / set a release)
Unbind kinds (each samples its own files; the set-ups, teardowns and devm twins come from the
table checks/data/teardown.tsv via checks/_kapi.py):
  unreg_late   a teardown of the table at the top level of remove()/disconnect()/unbind() moved
               after the next resource teardown (`kfree`, `*_free*`, `*_disable*`, `iounmap`, ...)
               -> expect new side at that statement
  devm_late    the probe's plain set-up -> its devm twin, and its teardown dropped from a remove()
               that still releases resources after it -> expect new side at the devm call
  del_unreg    an IRQ or interface teardown deleted from remove() while its plain set-up stays
               -> expect old side at the removed line (hunk mode cannot see the set-up: low)
  spi_undevm   `devm_spi_alloc_host()` (and master/target/slave) -> the plain allocator in a
               driver that calls spi_unregister_controller() -> expect new side at the call
  devref_to_thismod  `get_device(E)`/`put_device(E)` -> `__module_get(THIS_MODULE)`/
               `module_put(THIS_MODULE)` -> expect new side at the replaced get
  del_bound_check  the test that a device is bound (`if (!i2c_client_has_driver(c)) goto ..;`,
               `|| c->dev.driver == NULL`) before a `try_module_get(c->dev.driver->owner)`
               removed -> expect old side at the removed test
  kfree_devm   `kfree(x)` of devm memory: at the end of remove() for a devm-allocated member,
               or on an error return after a local's devm allocation -> expect new side at it
  plain_after_devm  the plain teardown of a devm-managed set-up (`free_irq()` of a
               `devm_request_irq()`) added at the end of remove() -> expect new side at it
  objalloc_to_devm  `x = devm_pwmchip_alloc(dev, ...)` (iio, counter, input, rc, mux) ->
               `x = devm_kzalloc(dev, sizeof(*x), GFP_KERNEL)` -> expect new side at it
Devres given up or mixed (each samples its own files; the twins come from the kernel-API
tables through checks/module/_devm_dropped.py):
  undevm       a devm set-up of probe (allocator, IRQ, registration, devres getter) made plain with
               no release added -> expect old side at the removed line (or new side at it)
  del_devm_action  `ret = devm_add_action_or_reset(dev, fn, x); if (ret) return ret;` deleted
               (fn called nowhere else) -> expect old side at the removed action
  action_to_remove  the same action deleted and `fn(x);` added to remove(), in a driver that
               registers an interface or IRQ with devm -> expect old side at the removed action
  devm_keep_release  `x = kzalloc(...)` whose function kfree()s x on an exit -> devm_kzalloc(),
               the kfree() kept -> expect new side at the allocation
Unbind vs module reference:
  pin_parent   `try_module_get(x->dev.driver->owner)` of a looked-up device -> the driver of its
               parent (`x->dev.parent->driver->owner`) -> expect new side at the get
  link_to_pin  `device_link_add(consumer, supplier, ...)` -> `try_module_get(<supplier's
               driver>->owner)` -> expect new side at the get
Devres-owned references, remove-only releases, extra gets (each samples its own files):
  put_after_devm_action  `ret = devm_add_action_or_reset(dev, fn, x);` whose `fn(void *p)` in the
               file is one put of the table on p: that put of x added in the call's failure
               branch (`if (ret) { put(x); return ret; }`) or before the final `return 0;`
               -> expect new side at the added put
  put_devm_got `x = devm_clk_get(...)` (a devm getter/allocator of DEVRES_PUTS) in probe: its plain
               put added at the end of remove() (a member) or before probe's `return 0;`
  devm_keep_put  `x = clk_get(dev, ...)` whose put the file calls -> `devm_clk_get(dev, ...)`, the
               put kept -> expect new side at the call
  undevm_remove_only  a devm set-up of probe made plain with its release added at the end of
               remove() only, while probe has error exits after it -> old side at the removed line
  put_unowned_member  `priv->np = dev->of_node;` / `priv->dev = &pdev->dev;` (the member's only
               stores, no get on it in the file): `of_node_put(priv->np);` / `put_device(priv->dev);`
               added at the end of remove() -> new side at the put
  extra_get_on_return  a constructor (`*alloc*`/`*create*`/`*new*`) that device_initialize()s /
               kref_init()s / kobject_init()s x and ends `return x;` (x not published on a list
               or IDR) gets `get_device(&x->dev);` / `kref_get(...)` / `kobject_get(...)` right
               before that return -> new side at the get
  get_after_unlock  `lock; x = lookup(); [if (x)] get(x); unlock;`: the unlock moved above the
               get -> new side at the moved unlock or the get
Extra / premature put and narrowed put kinds (issue 13; each samples its own files):
  put_into_err_branch  a put of the table (after a get) right after `r = call(...);` and before
               `if (r) ...exit` moved into that branch before its exit: the success path keeps
               the reference -> old side at the removed put, or new side at the moved one
  put_before_goto_put  a branch's `goto L;`, whose label L puts x at the top level, gets its own
               put of x before the goto -> new side at it
  kref_put_to_kfree  `kref_put(&x->m, fn);` (m kref_init()ed in the file) -> `kfree(x);`
  put_returned_obj  `x = getter(...)` ... `return x;` gets the getter's put of x right before
               the return -> new side at it
  put_in_lookup_loop  a loop whose head walks its cursor with a lookup that drops `@from`
               (`while ((pdev = pci_get_device(v, d, pdev)))`) gets the cursor's put as the
               last statement of its body -> new side at it
  put_after_register_ok  `ret = platform_device_add(x); if (ret) ...exit;` (a register of the
               table whose failure the caller puts) gets that put right after the failure check,
               on the success path -> new side at it
Devres semantics (each samples its own files; issue 13, branch q-devm):
  devm_in_callback  `x = kzalloc(...)` ... `kfree(x);` on the fall-through path of an ops callback
               that runs per call (a member of a file-scope ops initializer other than
               probe/remove/bind/connect/add/...) -> `devm_kzalloc(<the device it logs with>, ...)`,
               the kfree()s dropped -> expect new side at the allocation
  devm_irq_requeue  the probe's `request_irq()` (or a registration of teardown.tsv) -> its devm
               twin, the teardown dropped from a remove() that after it only cancels work, timers
               or tasklets -> expect new side at the devm call
  undo_devm_enabled  the undo a managed getter's devres action runs (devres_undo.tsv:
               `clk_disable_unprepare()` of `devm_clk_get_enabled()`) added at the end of remove()
               (a member) or on an error return after the get -> expect new side at it
  enable_to_devm  `x = devm_clk_get(...)` -> `devm_clk_get_enabled(...)`, the function's
               `clk_prepare_enable(x)` (and its check) deleted, remove()'s disable kept
               -> expect new side at the getter
  drmm_to_devm `x = drmm_kzalloc(drm, ...)` -> `devm_kzalloc(<drm>->dev, ...)` -> new side at it
Negatives:
  fix          the reverse diff of every positive (the fix as it would be posted)
  fix_said     (over-put kinds) the same fix with a message that names the defect it removes
               ("Fix a double put: ..."), as such fixes are posted
  unrelated    an unrelated edit in the same functions (a numeric constant or a log string)

Run:  .venv/bin/python benchmarks/mutations.py [--limit N] [--seed S] [--files F] [--show KIND]
      [--kinds K1,K2] [--tree-mode] [--cocci-only]
`--tree-mode` reviews as `--tree` does for the touched file (its whole pre- and post-image;
no other files), `--cocci-only` (implies it) scores only the findings of the Coccinelle path
engine (REVIEWBOT_ENGINES=cocci), `--kinds` runs only those mutation kinds.
`--limit` caps the cases per kind, `--files` the sample of files scanned; `--show KIND` prints
the missed/noisy cases of that kind (with the diff) for diagnosis.
"""

from __future__ import annotations

import argparse
import difflib
import os
import random
import re
import subprocess
import sys
import tarfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewbot.analysis import clex, cmodel  # noqa: E402
from reviewbot import engine  # noqa: E402
from reviewbot.context import Context, FileImages  # noqa: E402
from reviewbot.diffparse import parse_diff  # noqa: E402
from reviewbot.model import Patch, Series  # noqa: E402
from reviewbot.report.jsonout import review_dict  # noqa: E402

TREE = ROOT / ".cache" / "bench" / "linux-source-6.12"
TARBALL = Path("/usr/src/linux-source-6.12.tar.xz")
TOL = 3
SCANNED = ("drivers", "sound", "net", "fs", "block", "crypto")
HUNK_RE = re.compile(r"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@")
KINDS = ("del_put", "del_put_self", "goto_skip", "del_owner", "del_pair", "devm_parent",
         "dup_put", "dup_put_label", "put_after_unregister", "put_borrowed",
         "put_after_consuming_call", "put_in_loop_cursor",
         "del_put_family", "ret_skip_put", "reg_fail_no_put", "del_release_put",
         "devm_conv", "dvb_direct", "del_detach", "devref_to_modref", "del_symbol_put", "del_unlink",
         "put_borrowed_lookup", "put_in_failed_get", "cleanup_after_release_put", "del_wrapper_put",
         "put_of_scoped", "put_after_handoff", "put_declared_node",
         "del_label_put", "get_above_return", "put_after_return", "del_all_puts", "del_put_inner", "put_before_use", "put_stored_on_success", "unscope", "put_wrong_node",
         "unreg_late", "devm_late", "del_unreg", "spi_undevm", "devref_to_thismod", "del_bound_check",
         "kfree_devm", "plain_after_devm", "objalloc_to_devm", "put_given_node", "put_spec_node",
         "add_return_skip_put", "add_goto_skip_put", "kref_put_twice", "use_after_kref_put",
         "kobj_fail_kfree", "add_check_skip_put", "del_release_cb", "release_no_free", "put_in_own_release",
         "del_exit_after_put",
         "undevm", "del_devm_action", "devm_keep_release", "pin_parent", "link_to_pin", "action_to_remove",
         "put_after_devm_action", "put_devm_got", "devm_keep_put", "undevm_remove_only", "put_unowned_member",
         "extra_get_on_return", "get_after_unlock",
         "put_into_err_branch", "put_before_goto_put", "kref_put_to_kfree", "put_returned_obj",
         "put_in_lookup_loop", "put_after_register_ok", "devm_in_callback", "devm_irq_requeue",
         "undo_devm_enabled", "enable_to_devm", "drmm_to_devm", "iter_put_dropped", "del_unreg_made")


@dataclass
class Case:
    kind: str
    path: str
    old: list[str]
    new: list[str]
    expected: list[tuple[str, int]] = field(default_factory=list)  # (side, line)
    positive: bool = True

    def diff(self) -> str:
        """difflib's unified diff with git's hunk-header function context (the nearest line
        above the hunk that starts with a letter, `_` or `$`, as git's default funcname)."""
        out = []
        for ln in difflib.unified_diff(self.old, self.new, f"a/{self.path}", f"b/{self.path}", n=3):
            m = HUNK_RE.match(ln)
            if m:
                start = int(m.group(1)) - 1
                fn = next((self.old[k].rstrip()[:80] for k in range(start - 1, -1, -1)
                           if re.match(r"[A-Za-z_$]", self.old[k])), "")
                ln = f"{m.group(0)} {fn}\n" if fn else ln
            out.append(ln)
        return "".join(out)


def ensure_tree() -> Path:
    if (TREE / "drivers").is_dir():
        return TREE
    if not TARBALL.exists():
        sys.exit(f"mutations: error: neither {TREE} nor {TARBALL} exists")
    TREE.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(TARBALL) as tf:
        members = [m for m in tf.getmembers() if m.isfile() and m.name.endswith(".c")
                   and m.name.split("/")[1:2] and m.name.split("/")[1] in SCANNED]
        tf.extractall(TREE.parent, members=members, filter="data")
    return TREE


def candidate_files(tree: Path, rng: random.Random, nfiles: int, pat: str | None = None) -> list[Path]:
    pat = pat or r"put_device\(|module_put\(|of_node_put\(|i2c_put_adapter\(|symbol_put\(|\.owner\s*=\s*THIS_MODULE|devm_[a-z_]+\(&pdev->dev"
    out = subprocess.run(["grep", "-rlE", "--include=*.c", pat, *SCANNED],
                         cwd=tree, capture_output=True, text=True).stdout.split()
    out.sort()
    rng.shuffle(out)
    return [tree / p for p in out[:nfiles]]


# ---------------------------------------------------------------- function spans

def functions(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) 0-based inclusive spans of top-level function bodies: `{` .. `}` at col 0,
    preceded by a line ending in `)` (a definition, not a struct initializer)."""
    spans = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("{") and i > 0 and lines[i - 1].rstrip().endswith(")"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("}"):
                j += 1
            if j < len(lines):
                start = i - 1
                while start > 0 and lines[start - 1].strip() and not lines[start - 1].startswith(("}", "#", "/", " *")) \
                        and not lines[start - 1].rstrip().endswith((";", "*/")):
                    start -= 1
                spans.append((start, j))
            i = j
        i += 1
    return spans


PUTS = {
    "put_device": r"get_device|find_device|_find_device|device_find|bus_find|class_find|of_find_device_by_node|"
                  r"_get_device|find_.*_by_",
    "module_put": r"try_module_get|__module_get",
    "of_node_put": r"of_get_|of_find_|of_parse_phandle|of_node_get|_get_child|of_graph_get|fwnode_get|"
                   r"of_get_parent|_by_phandle",
    "i2c_put_adapter": r"i2c_get_adapter|of_find_i2c_adapter|of_get_i2c_adapter",
    "symbol_put": r"symbol_get|symbol_request",
}
PUT_RE = re.compile(r"^\s*(" + "|".join(PUTS) + r")\((.+)\);\s*$")
EXIT_RE = re.compile(r"^\s*(return\b.*;|goto\s+\w+;)\s*$")
SUCCESS_RE = re.compile(r"^\s*return\s+(0|count|len|size|nbytes|true|\w+_len)\s*;")
LABEL_RE = re.compile(r"^(\w+):\s*$")


def _next_code(lines: list[str], i: int, end: int) -> int | None:
    j = i + 1
    while j <= end and not lines[j].strip():
        j += 1
    return j if j <= end else None


def mut_del_put(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        for i in range(s, e + 1):
            m = PUT_RE.match(lines[i])
            if not m or not lines[i].startswith("\t\t"):
                continue  # top-level puts are normal-path cleanup
            j = _next_code(lines, i, e)
            if j is None or not EXIT_RE.match(lines[j]):
                continue
            if LABEL_RE.match(lines[i - 1]) or (i > s and PUT_RE.match(lines[i - 1])):
                continue  # a put under an unwind label / a chain of puts: handled by goto_skip
            if SUCCESS_RE.match(lines[j]):
                continue  # a put before a success return is not an error path
            fn, arg = m.group(1), m.group(2).strip()
            getter = re.compile(PUTS[fn])
            key = re.sub(r"^&", "", arg)
            start = s
            while start < i and not lines[start].startswith("{"):
                start += 1  # gets in the body only (not the parameter list)
            if not any(getter.search(lines[k]) and (key in lines[k] or (k + 1 <= e and key in lines[k + 1]))
                       for k in range(start, i)):
                continue
            drop = [i]
            prev = lines[i - 1].strip()
            if prev.endswith(")") and re.match(r"(if|for|while)\b|\w*for_each\w*\s*\(", prev):
                if not prev.startswith("if") or prev.count("(") != prev.count(")"):
                    continue  # the put is a loop body: no clean reversed fix
                drop = [i - 1, i]  # `if (cond) put(x);` goes as a whole, as a fix would add it
            new = [ln for n, ln in enumerate(lines) if n not in drop]
            exp = [("old", i + 1), ("new", j + 1 - len(drop))]
            kind = "del_put_self" if arg == "THIS_MODULE" else "del_put"
            cases.append(Case(kind, path, lines, new, exp))
    return cases


def mut_goto_skip(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        labels = [(i, LABEL_RE.match(lines[i]).group(1)) for i in range(s, e + 1) if LABEL_RE.match(lines[i])]
        for n, (li, name) in enumerate(labels[:-1]):
            k = _next_code(lines, li, e)
            if k is None or not PUT_RE.match(lines[k]):
                continue
            later = labels[n + 1][1]
            for i in range(s, li):
                if re.match(rf"^\s*goto\s+{name};\s*$", lines[i]):
                    new = list(lines)
                    new[i] = lines[i].replace(f"goto {name};", f"goto {later};")
                    cases.append(Case("goto_skip", path, lines, new, [("new", i + 1)]))
    return cases


OWNER_RE = re.compile(r"^\s*\.owner\s*=\s*THIS_MODULE\s*,?\s*$")
MODULAR_RE = re.compile(r"^\s*(module_init|module_\w+_driver|MODULE_LICENSE)\(", re.M)


def mut_del_owner(path: str, lines: list[str], spans) -> list[Case]:
    if not MODULAR_RE.search("".join(lines)):
        return []
    cases = []
    for i, ln in enumerate(lines):
        if not OWNER_RE.match(ln) or not ln.startswith("\t") or ln.startswith("\t\t"):
            continue  # `.driver = { .owner = ... }` (nested, the core fills it) is excluded
        cases.append(Case("del_owner", path, lines, lines[:i] + lines[i + 1:], [("old", i + 1)]))
    return cases


TMG_RE = re.compile(r"try_module_get\(([^()]*(?:\([^()]*\))?[^()]*)\)")


def mut_del_pair(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        for i in range(s, e + 1):
            m = TMG_RE.search(lines[i])
            if not m or "THIS_MODULE" in m.group(1):
                continue
            arg = m.group(1).strip()
            puts = [k for k in range(s, e + 1) if f"module_put({arg})" in lines[k] and lines[k].strip().startswith("module_put(")]
            if not puts:
                continue
            drop = set(puts)
            if re.match(r"^\s*if\s*\(\s*!\s*try_module_get\(", lines[i]):
                if lines[i].rstrip().endswith("{"):
                    k = i + 1
                    while k <= e and lines[k].rstrip() != lines[i][: len(lines[i]) - len(lines[i].lstrip())] + "}":
                        k += 1
                    if k > e:
                        continue
                    drop |= set(range(i, k + 1))
                else:
                    drop |= {i, i + 1}
            elif re.match(r"^\s*try_module_get\(.*\);\s*$", lines[i]) or re.match(r"^\s*__module_get", lines[i]):
                drop.add(i)
            else:
                continue
            new = [ln for n, ln in enumerate(lines) if n not in drop]
            cases.append(Case("del_pair", path, lines, new, [("old", i + 1)]))
    return cases


DEVM_RE = re.compile(r"\b(devm_\w+)\(&pdev->dev,")


def mut_devm_parent(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        if "probe" not in "".join(lines[s:s + 3]):
            continue
        for i in range(s, e + 1):
            m = DEVM_RE.search(lines[i])
            if not m or not re.search(r"register|_add\b|_add_|request_\w*irq", m.group(1)):
                continue
            new = list(lines)
            new[i] = lines[i].replace(m.group(0), f"{m.group(1)}(pdev->dev.parent,", 1)
            cases.append(Case("devm_parent", path, lines, new, [("new", i + 1)]))
    return cases


# ---------------------------------------------------------------- over-put kinds (from the table)

from reviewbot.checks import _kapi as kapi  # noqa: E402

def _table(*kinds: str) -> tuple:
    """The core table's rows of these kinds (refs.tsv; not the wrappers: the kinds built on the
    table keep their samples, del_wrapper_put has its own)."""
    return tuple(r for r in kapi.rows() if r.kind in kinds)


_OVERPUT_FAMILIES = ("device", "of_node", "fwnode", "kobject", "pci_dev", "usb_dev", "i2c_adapter", "module")


def _plain_putters() -> tuple[str, ...]:
    return tuple(sorted(r.name for r in _table("putter")
                        if r.family in _OVERPUT_FAMILIES and "put" in r.name and r.ref_arg == 0))


PLAIN_PUT_RE = re.compile(r"^(\s+)(" + "|".join(_plain_putters()) + r")\(([^;]+)\);\s*$")
BRACELESS_RE = re.compile(r"^\s*((\}\s*)?else\b(?!.*\{\s*$)|(if|for|while)\b.*\)\s*$|\w*for_each\w*\(.*\)\s*$)")


def _insert(lines: list[str], at: int, text: str) -> list[str]:
    return lines[:at] + [text] + lines[at:]


def _braceless_body(lines: list[str], i: int) -> bool:
    prev = lines[i - 1] if i else ""
    return bool(BRACELESS_RE.match(prev)) and not prev.rstrip().endswith(("{", ";"))


def mut_dup_put(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = PLAIN_PUT_RE.match(lines[i])
            if not m or _braceless_body(lines, i) or "THIS_MODULE" in m.group(3):
                continue
            new = _insert(lines, i + 1, lines[i])
            cases.append(Case("dup_put", path, lines, new, [("new", i + 2)]))
    return cases


def mut_dup_put_label(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        labels = [i for i in range(s, e + 1) if LABEL_RE.match(lines[i])]
        for a, b in zip(labels, labels[1:]):
            body = [k for k in range(a + 1, b) if lines[k].strip()]
            if b != a + 2 or any(re.match(r"\s*(return|goto)\b", lines[k]) for k in body):
                continue  # label a must fall through to label b
            k = _next_code(lines, b, e)
            m = PLAIN_PUT_RE.match(lines[k]) if k is not None else None
            if not m or "THIS_MODULE" in m.group(3) or any(m.group(3) in lines[j] for j in body):
                continue
            new = _insert(lines, a + 1, lines[k])
            cases.append(Case("dup_put_label", path, lines, new, [("new", a + 2)]))
    return cases


_UNREG = tuple(r.name for r in _table("putter") if "unregister" in r.name and r.family == "device"
               and not any("still" in x for x in r.release))  # mdiobus_unregister: the put is mdiobus_free's
UNREG_RE = re.compile(r"^(\s+)(" + "|".join(_UNREG) + r")\(([^;]+)\);\s*$")


def _twin_put(fn: str) -> str | None:
    """The table's plain putter of the same object kind as the unregister `fn` (one that ends
    the same gets), if any: `input_unregister_device()` -> `input_free_device()`."""
    ends = set(kapi.get(fn).release)  # a putter's release column: the gets it ends
    return next((r.name for r in kapi.of_kind("putter") if "unregister" not in r.name and r.name != fn
                 and ends & set(r.release) and r.ref_arg == 0), None)


def mut_put_after_unregister(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = UNREG_RE.match(lines[i])
            if not m or _braceless_body(lines, i):
                continue
            ind, fn, arg = m.group(1), m.group(2), m.group(3).strip()
            if any(re.search(r"\b\w*_get\w*\(\s*&?%s\s*\)" % re.escape(arg), lines[k]) for k in range(s, i)):
                continue  # a keep-alive get (`spi_controller_get(host)`): one more put is owed
            twin = _twin_put(fn)
            if fn == "platform_device_unregister":
                put = f"platform_device_put({arg});"
            elif fn == "device_unregister":
                put = f"put_device({arg});"
            elif twin:
                put = f"{twin}({arg});"  # input_unregister_device() -> input_free_device()
            elif re.fullmatch(r"[\w>\-.]+", arg):
                put = f"put_device(&{arg}->dev);"
            else:
                continue
            new = _insert(lines, i + 1, f"{ind}{put}\n")
            cases.append(Case("put_after_unregister", path, lines, new, [("new", i + 2)]))
    return cases


PARAM_DEV_RE = re.compile(r"\bstruct\s+(device|platform_device|i2c_client|spi_device)\s*\*\s*(\w+)\s*[,)]")
NODE_LOCAL_RE = re.compile(r"^\s*(?:struct\s+device_node\s*\*\s*)?(\w+)\s*=\s*(\w+)(->dev\.|->)of_node;\s*$")


def mut_put_borrowed(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        head = "".join(lines[s:s + 3]).split("{")[0]
        params = {m.group(2): m.group(1) for m in PARAM_DEV_RE.finditer(head)}
        if not params or re.search(r"(put|release|remove|free|exit|unbind|destroy)\w*\s*\(", head):
            continue
        body = "".join(lines[s:e + 1])
        if re.search(r"get_device|of_node_get|fwnode_handle_get|put_device|of_node_put", body):
            continue  # the function manages references on something: keep the case clean
        ret = next((k for k in range(e - 1, s, -1) if lines[k] == "\treturn 0;\n"), None)
        if ret is None or LABEL_RE.match(lines[ret - 1]):
            continue
        puts = []
        for k in range(s, ret):
            m = NODE_LOCAL_RE.match(lines[k])
            if m and m.group(2) in params:
                puts.append(f"\tof_node_put({m.group(1)});\n")
                break
        for p, ty in params.items():
            if ty == "device":
                puts.append(f"\tput_device({p});\n")
            elif ty == "platform_device":
                puts.append(f"\tof_node_put({p}->dev.of_node);\n")
        for put in puts[:2]:
            cases.append(Case("put_borrowed", path, lines, _insert(lines, ret, put), [("new", ret + 1)]))
    return cases


_DROPPERS = {r.name: r for r in kapi.rows() if r.drops_arg is not None and not r.is_iterator}
DROPPER_RE = re.compile(r"^(\s+)(\w+)\s*=\s*(" + "|".join(_DROPPERS) + r")\(([^;]*)\);\s*$")


def mut_put_after_consuming_call(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = DROPPER_RE.match(lines[i])
            if not m or _braceless_body(lines, i):
                continue
            row = _DROPPERS[m.group(3)]
            args = [a.strip() for a in m.group(4).split(",")]
            if row.drops_arg >= len(args) or not re.fullmatch(r"\w+", args[row.drops_arg]) \
                    or args[row.drops_arg] in ("NULL", m.group(2)):
                continue
            put = {"of_node": "of_node_put", "fwnode": "fwnode_handle_put", "pci_dev": "pci_dev_put"}.get(row.family)
            if put is None:
                continue
            frm = args[row.drops_arg]
            if any(re.search(rf"\b(of_node_get|fwnode_handle_get|pci_dev_get)\(\s*{frm}\s*\)", lines[k])
                   for k in range(s, i)):
                continue  # a get taken for the lookup to drop: the caller's own reference is still there
            new = _insert(lines, i + 1, f"{m.group(1)}{put}({args[row.drops_arg]});\n")
            cases.append(Case("put_after_consuming_call", path, lines, new, [("new", i + 2)]))
    return cases


_ITERS = {r.name: r for r in kapi.iterators()}
ITER_RE = re.compile(r"^(\s+)(" + "|".join(_ITERS) + r")\((.*)\)\s*\{\s*$")


def mut_put_in_loop_cursor(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = ITER_RE.match(lines[i])
            if not m:
                continue
            row = _ITERS[m.group(2)]
            args = [a.strip() for a in m.group(3).split(",")]
            if row.ref_arg is None or row.ref_arg >= len(args) or not re.fullmatch(r"\w+", args[row.ref_arg]):
                continue
            put = (kapi.releases(row.name) or ({"of_node": "of_node_put", "fwnode": "fwnode_handle_put"}.get(row.family),))[0]
            if put is None:
                continue
            close = next((k for k in range(i + 1, e + 1) if lines[k] == f"{m.group(1)}}}\n"), None)
            if close is None or re.match(r"\s*(return|break|goto|continue)\b", lines[close - 1]):
                continue
            new = _insert(lines, close, f"{m.group(1)}\t{put}({args[row.ref_arg]});\n")
            cases.append(Case("put_in_loop_cursor", path, lines, new, [("new", close + 1)]))
    return cases



_LOOKUPS = {r.name: r for r in kapi.borrowed_rows() if r.kind == "lookup"}
LOOKUP_ASSIGN_RE = re.compile(r"^\t(?!\s)(?:[\w\s]+\*\s*)?(\w+)\s*=\s*(" + "|".join(map(re.escape, _LOOKUPS)) + r")\s*\(")


def mut_put_borrowed_lookup(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = LOOKUP_ASSIGN_RE.match(lines[i])
            if not m:
                continue
            var, row = m.group(1), _LOOKUPS[m.group(2)]
            rest = "".join(ln for k, ln in enumerate(lines[s:e + 1], s) if k != i)
            if re.search(r"\w*(put|get|hold)\w*\(\s*&?%s\b" % re.escape(var), rest):
                continue  # the function manages a reference on it: keep the case clean
            # after its last use, where an author drops a reference he thinks he took: the
            # next top-level line after the last line naming it (not an exit, not a label)
            uses = [k for k in range(i + 1, e) if re.search(r"\b%s\b" % re.escape(var), lines[k])]
            last = uses[-1] if uses else i
            at = next((k for k in range(last + 1, e + 1) if lines[k].startswith("\t") and not
                       lines[k].startswith("\t\t") and lines[k].strip() and not lines[k].lstrip().startswith("}")), e)
            if re.search(r"\b%s\b" % re.escape(var), lines[at]) or LABEL_RE.match(lines[at - 1]) or \
                    any(re.match(r"^\s*%s\s*=[^=]" % re.escape(var), lines[k]) for k in range(i + 1, at)):
                continue  # reassigned before the put would run
            put = "\t" + row.wrong_put % var + ";\n"
            cases.append(Case("put_borrowed_lookup", path, lines, _insert(lines, at, put), [("new", at + 1)]))
    return cases


_COND_GETS = {"try_module_get": "module_put", "kobject_get_unless_zero": "kobject_put",
              "scsi_device_get": "scsi_device_put", "fops_get": "fops_put"}
# `if (!try_module_get(x)) {` / `if (scsi_device_get(sdev)) {` (int: non-zero is the failure)
FAILED_GET_RE = re.compile(r"^(\s+)if \((!\s*)?(" + "|".join(_COND_GETS) + r")\(([^()]*(?:\([^()]*\))?[^()]*)\)\)\s*(\{)?\s*$")


def mut_put_in_failed_get(path: str, lines: list[str], spans) -> list[Case]:
    from reviewbot.checks import _kapi
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = FAILED_GET_RE.match(lines[i])
            if not m:
                continue
            ind, neg, fn, arg, brace = m.groups()
            if "THIS_MODULE" in arg:
                continue  # a self-pin: MOD001 judges those lines
            if bool(neg) == ("non-zero" in _kapi.get(fn).on_error):
                continue  # this branch is the success one
            put = f"{ind}\t{_COND_GETS[fn]}({arg.strip()});\n"
            if brace:
                new = _insert(lines, i + 1, put)
            else:
                body = lines[i + 1]
                if not body.startswith(ind + "\t") or not body.rstrip().endswith(";"):
                    continue
                new = lines[:i] + [lines[i].rstrip() + " {\n", put, body, f"{ind}}}\n"] + lines[i + 2:]
            cases.append(Case("put_in_failed_get", path, lines, new, [("new", i + 2)]))
    return cases


RELEASE_SET_RE = re.compile(r"^\s*(\w+)(->|\.)dev\.release\s*=\s*(\w+);")


def mut_cleanup_after_release_put(path: str, lines: list[str], spans) -> list[Case]:
    from reviewbot.analysis import cmodel
    from reviewbot.checks.module._release_twice import _release_actions
    cases = []
    cfile = None
    for s, e in spans:
        for i in range(s, e):
            m = RELEASE_SET_RE.match(lines[i])
            if not m:
                continue
            var, arrow, fname = m.groups()
            if cfile is None:
                cfile = cmodel.parse("".join(lines))
            fn = cfile.function_named(fname)
            acts = sorted(a for a in _release_actions(fn) if a[0] in ("kfree", "ida_free", "ida_simple_remove",
                                                                   "of_node_put", "kfree_const", "put_device")) if fn else []
            if not acts:
                continue
            name, k, member = acts[0]
            obj = ("&" if member.startswith("&") else "") + var + member.lstrip("&").replace("->", arrow, 1) \
                if arrow == "." else ("&" if member.startswith("&") else "") + var + member.lstrip("&")
            for j in range(i + 1, e):
                pm = re.match(r"^(\s+)put_device\(&%s%sdev\);\s*$" % (re.escape(var), re.escape(arrow)), lines[j])
                if not pm:
                    continue
                orig = next((c for c in fn.calls() if c.name == name), None)
                if orig is None or k >= len(orig.args):
                    break
                args = list(orig.args)
                args[k] = obj
                new = _insert(lines, j + 1, f"{pm.group(1)}{name}({', '.join(args)});\n")
                cases.append(Case("cleanup_after_release_put", path, lines, new, [("new", j + 2)]))
                break
    return cases


# Read from the file, not through the rules' vocabulary, so that the kind's sample stays the
# same when the rules run without the wrappers (the file moved away, REVIEWBOT_WRAPPERS_TSV
# naming where it went: the "before" measurement).
_WRAPPERS_TSV = Path(os.environ.get("REVIEWBOT_WRAPPERS_TSV", kapi.DATA.parent / "wrappers.tsv"))
_CORE = {t.name for t in kapi.rows()}
_WRAP_ROWS = {r.name: r for r in kapi.parse(_WRAPPERS_TSV.read_text(encoding="utf-8")) if r.name not in _CORE}
_WRAP_PUTS = {n: r for n, r in _WRAP_ROWS.items()
              if r.kind == "putter" and any(h in n for h in kapi.PUT_HINTS)}
WRAP_PUT_RE = re.compile(r"^\s*(" + "|".join(sorted(_WRAP_PUTS, key=len, reverse=True)) + r")\((.+)\);\s*$")


def mut_del_wrapper_put(path: str, lines: list[str], spans) -> list[Case]:
    """del_put for the subsystems' own putters (checks/data/wrappers.tsv, not the core table):
    a `foo_put(x);` right before an error exit (a failure return or a goto), in a block, after
    the function took that reference (a getter or lookup whose release names the put, or an
    assignment `x = call(...)`) is deleted -> expect old side at the removed put or new side
    at the exit."""
    cases = []
    for s, e in spans:
        body = s
        while body < e and not lines[body].startswith("{"):
            body += 1
        for i in range(body + 1, e + 1):
            m = WRAP_PUT_RE.match(lines[i])
            if not m or not lines[i].startswith("\t\t"):
                continue
            j = _next_code(lines, i, e)
            if j is None or not EXIT_RE.match(lines[j]) or SUCCESS_RE.match(lines[j]):
                continue
            if LABEL_RE.match(lines[i - 1]) or WRAP_PUT_RE.match(lines[i - 1]) or _braceless_body(lines, i):
                continue
            name = m.group(1)
            args = [a.strip() for a in m.group(2).split(",")]
            k = _WRAP_PUTS[name].ref_arg or 0
            if k >= len(args):
                continue
            key = _key(args[k])
            if not re.fullmatch(r"[\w>.-]+", key):
                continue
            getters = [g for g in _WRAP_PUTS[name].release if g in _WRAP_ROWS or g in _CORE]
            got = re.compile(r"(\b(%s)\s*\(.*\b%s\b|^\s*%s\s*=\s*\w+\s*\()" % (
                "|".join(map(re.escape, getters)) or "$^", re.escape(key), re.escape(key)))
            if not any(got.search(lines[n]) for n in range(body, i)):
                continue
            new = lines[:i] + lines[i + 1:]
            cases.append(Case("del_wrapper_put", path, lines, new, [("old", i + 1), ("new", j)]))
    return cases


from reviewbot.checks.module._cleanup_put import CLEANUP_PUTTER  # noqa: E402

SCOPED_DECL_RE = re.compile(r"^(\t+)(?:const\s+)?struct\s+\w+\s*\*\s*(\w+)\s+__free\((%s)\)\s*=" % "|".join(CLEANUP_PUTTER))


def mut_put_of_scoped(path: str, lines: list[str], spans) -> list[Case]:
    """`T *v __free(cls) = ...;` then, after v's last use in its block, `putter(v);`: the
    cleanup puts it again at the end of the scope."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = SCOPED_DECL_RE.match(lines[i])
            if not m:
                continue
            ind, var, cls = m.groups()
            close = next((k for k in range(i + 1, e + 1) if lines[k].lstrip("\t").startswith("}")
                          and len(lines[k]) - len(lines[k].lstrip("\t")) < len(ind)), e)
            body = range(i + 1, close)
            if any(re.search(r"\b(no_free_ptr|return_ptr|retain_and_null_ptr)\(\s*%s\s*\)|(?<![\w>.])%s\s*=[^=]"
                             % (var, var), lines[k]) for k in body):
                continue  # taken from the cleanup or reassigned: keep the case clean
            uses = [k for k in body if re.search(r"\b%s\b" % var, lines[k])]
            last = uses[-1] if uses else i
            # the next statement at the declaration's depth after the last use (not a label,
            # not a return: the put goes where an author drops a reference he thinks he owns)
            at = next((k for k in range(last + 1, close) if lines[k].startswith(ind) and not
                       lines[k].startswith(ind + "\t") and lines[k].strip() and not
                       lines[k].lstrip().startswith(("}", "return", "break", "continue", "goto", "else"))), None)
            if at is None or LABEL_RE.match(lines[at - 1]) or _braceless_body(lines, at):
                continue
            put = f"{ind}{CLEANUP_PUTTER[cls]}({var});\n"
            cases.append(Case("put_of_scoped", path, lines, _insert(lines, at, put), [("new", at + 1)]))
    return cases


HANDOFF_RE = re.compile(r"^(\s+)(fd_install\(\s*[^,]+,\s*([\w>.\-]+)\s*\)|filp_close\(\s*([\w>.\-]+)\s*,[^;]*\));\s*$")


def mut_put_after_handoff(path: str, lines: list[str], spans) -> list[Case]:
    """`fd_install(fd, file);` (it consumes the file reference) or `filp_close(f, id);` (it
    ends in fput()) followed by `fput(file);`."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = HANDOFF_RE.match(lines[i])
            if not m or _braceless_body(lines, i):
                continue
            obj = m.group(3) or m.group(4)
            if any(re.search(r"\bget_file\(\s*%s\s*\)" % re.escape(obj), lines[k]) for k in range(s, i)):
                continue  # a reference taken for the hand-off: the caller still owns its own
            cases.append(Case("put_after_handoff", path, lines, _insert(lines, i + 1, f"{m.group(1)}fput({obj});\n"),
                              [("new", i + 2)]))
    return cases


DECLARED_RE = re.compile(r"^(?:\w+_)?(?:OF_DECLARE\w*|IRQCHIP_DECLARE|IRQCHIP_MATCH)\s*\([^;()]*\"[^\"]*\"\s*,\s*(\w+)\s*\)")


def mut_put_declared_node(path: str, lines: list[str], spans) -> list[Case]:
    """`of_node_put(np);` at the end of an OF match-table init callback (`CLK_OF_DECLARE()`,
    `TIMER_OF_DECLARE()`, `IRQCHIP_DECLARE()`, ...) given `struct device_node *np`: its caller
    holds the node and puts it itself."""
    fns = {m.group(1) for ln in lines if (m := DECLARED_RE.match(ln))}
    cases = []
    for s, e in spans:
        head = "".join(lines[s:s + 3]).split("{")[0]
        name = re.search(r"(\w+)\s*\(", head)
        if not name or name.group(1) not in fns:
            continue
        np = re.search(r"struct\s+device_node\s*\*\s*(\w+)\s*[,)]", head)
        if not np:
            continue
        var = np.group(1)
        body = "".join(lines[s:e + 1])
        if re.search(r"\bof_node_(get|put)\(\s*%s\s*\)|(?<![\w>.])%s\s*=[^=]" % (var, var), body):
            continue  # the callback manages the node already: keep the case clean
        ret = next((k for k in range(e - 1, s, -1) if re.match(r"^\treturn\b", lines[k])), None)
        at = ret if ret is not None else e  # before the final return, or before the closing brace
        if LABEL_RE.match(lines[at - 1]) or _braceless_body(lines, at):
            continue
        cases.append(Case("put_declared_node", path, lines, _insert(lines, at, f"\tof_node_put({var});\n"),
                          [("new", at + 1)]))
    return cases


_GIVEN_NODE = {"device_node": "of_node_put", "fwnode_handle": "fwnode_handle_put"}
GIVEN_PARAM_RE = re.compile(r"\bstruct\s+(device_node|fwnode_handle|of_phandle_args|fwnode_reference_args)"
                            r"\s*\*\s*(\w+)\s*[,)]")
# functions whose job may be to drop what they are handed (their put is not the defect)
_GIVES_UP_FN = re.compile(r"(put|release|free|destroy|unref|cleanup|drop|exit|fini|teardown|delete|"
                          r"kill|unregister|unbind|detach|disconnect|remove|_del\b|dispose|unlink|close)", re.I)


def _final_return(lines: list[str], s: int, e: int) -> int | None:
    """The line of the function's last top-level statement before `}` if it is a `return`
    (else the closing brace itself, for a void function), where a put at the end would go."""
    k = e - 1
    while k > s and not lines[k].strip():
        k -= 1
    if re.match(r"^\treturn\b", lines[k]):
        return k
    return e if re.match(r"^\t\S", lines[k]) and not re.match(r"^\t(return|goto)\b", lines[k]) else None


def _given_cases(kind: str, path: str, lines: list[str], spans, spec: bool) -> list[Case]:
    if path.startswith("drivers/of/"):
        return []  # the OF core's lookups drop their @from by contract
    cases = []
    for s, e in spans:
        head = "".join(lines[s:s + 4]).split("{")[0]
        name = re.search(r"(\w+)\s*\(", head)
        if not name or _GIVES_UP_FN.search(name.group(1)):
            continue
        body = "".join(lines[s:e + 1]).split("{", 1)[-1]
        for m in GIVEN_PARAM_RE.finditer(re.sub(r"\(\s*\*\s*\w+\s*\)\s*\([^()]*\)", "", head)):
            ty, var = m.groups()
            if spec != (ty in ("of_phandle_args", "fwnode_reference_args")):
                continue
            if spec:
                member = "np" if ty == "of_phandle_args" else "fwnode"
                obj, put = f"{var}->{member}", ("of_node_put" if member == "np" else "fwnode_handle_put")
                if re.search(r"(?<![\w>.])%s\s*=[^=]|_(get|put)\w*\(\s*%s\s*\)" % (re.escape(obj), re.escape(obj)), body):
                    continue  # the function takes or swaps the node: keep the case clean
            else:
                obj, put = var, _GIVEN_NODE[ty]
                if re.search(r"(?<![\w>.])%s\s*=[^=]|\w*(get|put|find|next)\w*\(\s*%s\s*[,)]" % (var, var), body):
                    continue  # reassigned, or a get/put/lookup on it (which may drop it): keep it clean
            at = _final_return(lines, s, e)
            if at is None or LABEL_RE.match(lines[at - 1]) or _braceless_body(lines, at) \
                    or not re.match(r"^\t(return\s+(0|\w+)\s*;|\})", lines[at]) \
                    or re.match(r"^\treturn\s+(NULL|false)\s*;", lines[at]) \
                    or any(LABEL_RE.match(lines[k]) for k in range(s, at)):
                continue  # the end of the success path (not an unwind ladder's, not a failure return)
            cases.append(Case(kind, path, lines, _insert(lines, at, f"\t{put}({obj});\n"), [("new", at + 1)]))
    return cases


def mut_put_given_node(path: str, lines: list[str], spans) -> list[Case]:
    """`of_node_put(np);` / `fwnode_handle_put(fwnode);` at the end of a function given that
    node as its parameter (a helper its caller runs inside `for_each_child_of_node()`, an
    `of_xlate`/init callback): the caller holds the reference and drops it itself."""
    return _given_cases("put_given_node", path, lines, spans, spec=False)


def mut_put_spec_node(path: str, lines: list[str], spans) -> list[Case]:
    """`of_node_put(args->np);` at the end of a function given a parsed phandle specifier
    (`struct of_phandle_args *args`: an `of_xlate()` callback): the caller parsed it and puts
    `args->np` after the call."""
    return _given_cases("put_spec_node", path, lines, spans, spec=True)


# kinds that sample their own files (the files that call the APIs they mutate)
OWN_FILES = {
    "del_wrapper_put": (r"\b(" + "|".join(sorted(_WRAP_PUTS)) + r")\(", mut_del_wrapper_put),
    "put_borrowed_lookup": (r"\b(" + "|".join(map(re.escape, _LOOKUPS)) + r")\(", mut_put_borrowed_lookup),
    "put_in_failed_get": (r"\b(" + "|".join(_COND_GETS) + r")\(", mut_put_in_failed_get),
    "cleanup_after_release_put": (r"(->|\.)dev\.release\s*=\s*\w+;", mut_cleanup_after_release_put),
    "put_of_scoped": (r"__free\((" + "|".join(CLEANUP_PUTTER) + r")\)", mut_put_of_scoped),
    "put_after_handoff": (r"\b(fd_install|filp_close)\(", mut_put_after_handoff),
    "put_declared_node": (r"^(\w+_)?(OF_DECLARE\w*|IRQCHIP_DECLARE|IRQCHIP_MATCH)\(", mut_put_declared_node),
    "put_given_node": (r"^\w.*\(.*struct (device_node|fwnode_handle) \*\w+[,)]", mut_put_given_node),
    "put_spec_node": (r"struct of_phandle_args \*\w+[,)]", mut_put_spec_node),
}
# ---------------------------------------------------------------- leak kinds (from the table)
#
# Every family of the table whose references a function must drop (device, kobject, kref,
# of_node, fwnode, pci_dev, usb_dev, i2c_adapter, module): the getters and their putters, the
# register calls whose failure leaves the object to its caller (`on_error`).

_LEAK_FAMILIES = ("device", "kobject", "kref", "of_node", "fwnode", "pci_dev", "usb_dev", "i2c_adapter",
                  "module", "cdev")


def _getters_of() -> dict[str, tuple[str, ...]]:
    """putter -> the table's getters/lookups/inits/registers it releases."""
    out: dict[str, list[str]] = defaultdict(list)
    for r in _table("getter", "lookup", "init", "register"):
        if r.family not in _LEAK_FAMILIES or r.devres or r.is_iterator:
            continue
        for put in kapi.releases(r.name):
            out[put].append(r.name)
    return {k: tuple(v) for k, v in out.items() if "put" in k or "unref" in k}


GETTERS_OF = _getters_of()
FAMILY_PUT_RE = re.compile(r"^\s*(" + "|".join(sorted(GETTERS_OF, key=len, reverse=True)) + r")\((.+)\);\s*$")
LEAK_FILES_RE = "|".join(sorted(GETTERS_OF)) + r"|goto\s"


def _key(expr: str) -> str:
    """The object a put names, for finding its get: `&x->dev` -> `x`, `x->kobj` -> `x`."""
    e = re.sub(r"\s+", "", expr).lstrip("&")
    return re.sub(r"(->|\.)(dev|kobj|kref|refcount|fwnode)$", "", e)


def _got_before(lines: list[str], s: int, i: int, put: str, arg: str) -> bool:
    getters = GETTERS_OF.get(put, ())
    if not getters:
        return False
    pat = re.compile(r"\b(%s)\s*\(" % "|".join(map(re.escape, getters)))
    key = _key(arg)
    body = s
    while body < i and not lines[body].startswith("{"):
        body += 1
    return any(pat.search(lines[k]) and (key in lines[k] or (k + 1 < i and key in lines[k + 1]))
               for k in range(body, i))


def mut_del_put_family(path: str, lines: list[str], spans) -> list[Case]:
    """del_put for every family of the table (kobject_put, kref_put, fwnode_handle_put,
    pci_dev_put, usb_put_dev, platform_device_put, ...): a put right before an error exit,
    after a get of the same object, is deleted."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e + 1):
            m = FAMILY_PUT_RE.match(lines[i])
            if not m or not lines[i].startswith("\t\t") or m.group(1) in PUTS:
                continue  # the older del_put kind covers PUTS' putters
            j = _next_code(lines, i, e)
            if j is None or not EXIT_RE.match(lines[j]) or SUCCESS_RE.match(lines[j]):
                continue
            if LABEL_RE.match(lines[i - 1]) or FAMILY_PUT_RE.match(lines[i - 1]) or _braceless_body(lines, i):
                continue
            if not _got_before(lines, s, i, m.group(1), m.group(2)):
                continue
            new = lines[:i] + lines[i + 1:]
            cases.append(Case("del_put_family", path, lines, new, [("old", i + 1), ("new", j)]))
    return cases


def _label_runs_put(lines: list[str], li: int, e: int) -> bool:
    """Does the unwind code from label line `li` to its return run a put of the table?"""
    for k in range(li + 1, e + 1):
        if FAMILY_PUT_RE.match(lines[k]) or PUT_RE.match(lines[k]):
            return True
        if re.match(r"^\s*return\b", lines[k]):
            return False
    return False


def mut_ret_skip_put(path: str, lines: list[str], spans) -> list[Case]:
    """`goto L;` (L's unwind runs a put) becomes `return ret;`: an early return before the put."""
    cases = []
    for s, e in spans:
        head = "".join(lines[s:s + 3]).split("{")[0]
        body = "".join(lines[s:e + 1])
        if not re.match(r"^(static\s+)?(inline\s+)?int\s", head) or not re.search(r"^\s*int\s+([\w,\s*]*\b)?ret\b", body, re.M):
            continue
        labels = {LABEL_RE.match(lines[i]).group(1): i for i in range(s, e + 1) if LABEL_RE.match(lines[i])}
        for i in range(s, e + 1):
            m = re.match(r"^(\s+)goto\s+(\w+);\s*$", lines[i])
            if not m or m.group(2) not in labels or labels[m.group(2)] < i or not lines[i].startswith("\t\t"):
                continue
            if not _label_runs_put(lines, labels[m.group(2)], e):
                continue
            if not re.search(r"\bret\s*=", "".join(lines[max(s, i - 4):i])):
                continue  # `return ret;` must return the error the goto path returned
            new = list(lines)
            new[i] = f"{m.group(1)}return ret;\n"
            cases.append(Case("ret_skip_put", path, lines, new, [("new", i + 1)]))
    return cases


_REG_FAIL = {r.name: r for r in _table("register", "init")
             if r.ref_on_failure and r.family in _LEAK_FAMILIES and not r.returns_ref}
REG_CALL_RE = re.compile(r"^\s*(\w+)\s*=\s*(" + "|".join(sorted(_REG_FAIL, key=len, reverse=True)) + r")\((.*)$")


def mut_reg_fail_no_put(path: str, lines: list[str], spans) -> list[Case]:
    """The put in the failure branch of a register call whose failure leaves the object to its
    caller (`device_register()`, `device_add()`, `kobject_init_and_add()`,
    `platform_device_add()`: the table's `on_error`) is deleted."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = REG_CALL_RE.match(lines[i])
            if not m:
                continue
            var, row = m.group(1), _REG_FAIL[m.group(2)]
            puts = set(kapi.releases(row.name)) | {w for w in re.findall(r"\w+", row.on_error) if "put" in w}
            k = i
            while k < e and not lines[k].rstrip().endswith(";"):
                k += 1
            k = _next_code(lines, k, e)
            if k is None or not re.match(rf"^\s*if\s*\(\s*({var}|{var}\s*<\s*0|unlikely\({var}\))\s*\)\s*{{\s*$", lines[k]):
                continue
            ind = lines[k][: len(lines[k]) - len(lines[k].lstrip())]
            for b in range(k + 1, min(e, k + 8)):
                if lines[b] == f"{ind}}}\n":
                    break
                pm = re.match(r"^\s*(\w+)\((.+)\);\s*$", lines[b])
                if pm and pm.group(1) in puts:
                    rest = [x for x in range(k + 1, b + 8) if x != b and x < e and lines[x].strip()
                            and lines[x] != f"{ind}}}\n"]
                    if not rest:
                        break
                    new = lines[:b] + lines[b + 1:]
                    exp = [("old", b + 1)]
                    x = next((x for x in range(b + 1, min(e, b + 8)) if EXIT_RE.match(lines[x])), None)
                    if x is not None:
                        exp.append(("new", x))  # the exit the branch leaves by (new numbering)
                    cases.append(Case("reg_fail_no_put", path, lines, new, exp))
                    break
    return cases


TEARDOWN_RE = re.compile(r"\b\w*_(remove|release|exit|disconnect|unbind|destroy|free|cleanup|deinit|"
                         r"uninit|teardown|shutdown|put)\s*\(")


def mut_del_release_put(path: str, lines: list[str], spans) -> list[Case]:
    """A teardown function (`*_remove()`, `*_release()`, `*_exit()`, ...) drops a reference the
    file keeps in a structure member (`priv->np = of_parse_phandle(...)` elsewhere): the put
    is deleted, so the stored reference leaks on every unbind."""
    cases = []
    text = "".join(lines)
    for s, e in spans:
        head = "".join(lines[s:s + 3]).split("{")[0]
        if not TEARDOWN_RE.search(head):
            continue
        for i in range(s + 1, e):
            m = FAMILY_PUT_RE.match(lines[i]) or PUT_RE.match(lines[i])
            if not m or not re.match(r"^\t\w", lines[i]) or _braceless_body(lines, i):
                continue
            arg = re.sub(r"\s+", "", m.group(2)).lstrip("&")
            mm = re.fullmatch(r"\w+(?:->|\.)(\w+)(?:(?:->|\.)(?:dev|kobj|kref))?", arg)
            if not mm:
                continue
            getters = GETTERS_OF.get(m.group(1), ()) or tuple(
                g for g in re.findall(r"\w+", PUTS.get(m.group(1), "")) if len(g) > 3)
            if not getters or not re.search(r"(->|\.)%s\s*=\s*(%s)\s*\(" % (
                    re.escape(mm.group(1)), "|".join(map(re.escape, getters))), text):
                continue  # the member is not filled from a get in this file
            cases.append(Case("del_release_put", path, lines, lines[:i] + lines[i + 1:], [("old", i + 1)]))
    return cases


# ---------------------------------------------------------------- path kinds
#
# Whole-function path shapes (tree mode sees the function; a hunk may not): a put removed from
# an unwind label that several gotos reach, a get moved above an early return, a put moved
# below the return it preceded.  They sample files of their own.

GET_LINE_RE = re.compile(r"^\t(\w+)\s*=\s*(%s)\s*\(.*\);\s*$" % "|".join(sorted(
    (g for gs in GETTERS_OF.values() for g in gs if (kapi.get(g) and kapi.get(g).returns_ref)), key=len, reverse=True)))


def mut_del_label_put(path: str, lines: list[str], spans) -> list[Case]:
    """`L:` followed by a put of the table, with two or more `goto L;` above it and a get of
    the object before them: the put is deleted, every goto now leaves the reference held."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            lm = LABEL_RE.match(lines[i])
            m = FAMILY_PUT_RE.match(lines[i + 1]) or PUT_RE.match(lines[i + 1])
            if not lm or not m:
                continue
            gotos = [k for k in range(s, i) if re.match(r"^\s+goto\s+%s;\s*$" % re.escape(lm.group(1)), lines[k])]
            if len(gotos) < 2 or not _got_before(lines, s, gotos[0], m.group(1), m.group(2)):
                continue
            new = lines[:i + 1] + lines[i + 2:]
            cases.append(Case("del_label_put", path, lines, new, [("old", i + 2)] + [("new", k + 1) for k in gotos]))
    return cases


def mut_get_above_return(path: str, lines: list[str], spans) -> list[Case]:
    """`x = getter(...);` (top level, later put in the function) moved above the braceless
    `if (...) return -E...;` just before it: that return now leaves with the reference."""
    cases = []
    for s, e in spans:
        body = "".join(lines[s:e + 1])
        for i in range(s + 3, e):
            m = GET_LINE_RE.match(lines[i])
            if not m:
                continue
            var = m.group(1)
            k = i - 1
            while k > s and not lines[k].strip():
                k -= 1
            if not re.match(r"^\t\treturn\s+-E\w+;\s*$", lines[k]) or not re.match(r"^\tif \(.*\)\s*$", lines[k - 1]):
                continue
            if re.search(r"\b%s\b" % re.escape(var), lines[k - 1]) or lines[k - 1].rstrip().endswith("{"):
                continue
            puts = [p for p, gs in GETTERS_OF.items() if m.group(2) in gs]
            if not any(re.search(r"\b%s\s*\(\s*&?%s\b" % (re.escape(p), re.escape(var)), body) for p in puts):
                continue  # the function drops it later: it balances the reference
            new = lines[:k - 1] + [lines[i]] + lines[k - 1:i] + lines[i + 1:]
            cases.append(Case("get_above_return", path, lines, new, [("new", k), ("new", k + 2)]))
    return cases


def mut_put_after_return(path: str, lines: list[str], spans) -> list[Case]:
    """A put of the table right before a `return` (after a get of its object) moved below it:
    the return leaves with the reference, the put is dead code."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = FAMILY_PUT_RE.match(lines[i]) or PUT_RE.match(lines[i])
            if not m or not re.match(r"^\s*return\b.*;\s*$", lines[i + 1]) or _braceless_body(lines, i):
                continue
            if LABEL_RE.match(lines[i - 1]) or not _got_before(lines, s, i, m.group(1), m.group(2)):
                continue
            new = lines[:i] + [lines[i + 1], lines[i]] + lines[i + 2:]
            cases.append(Case("put_after_return", path, lines, new, [("new", i + 1), ("old", i + 1)]))
    return cases


def mut_del_all_puts(path: str, lines: list[str], spans) -> list[Case]:
    """`x = getter(...);` and two or more puts of x in the function (error exits, unwind labels,
    the main path): every one of them is deleted, as a fix that added the whole release
    looks reversed."""
    cases = []
    for s, e in spans:
        for i in range(s + 2, e):
            m = GET_LINE_RE.match(lines[i])
            if not m:
                continue
            var = m.group(1)
            puts = [p for p, gs in GETTERS_OF.items() if m.group(2) in gs]
            at = [k for k in range(i + 1, e) if (pm := FAMILY_PUT_RE.match(lines[k]) or PUT_RE.match(lines[k]))
                  and pm.group(1) in puts and _key(pm.group(2)) == var]
            if len(at) < 2 or any(_braceless_body(lines, k) for k in at):
                continue
            if any(re.match(r"^\s*%s\s*=" % re.escape(var), lines[k]) or
                   re.search(r"for_each\w*\s*\([^;]*\b%s\b" % re.escape(var), lines[k]) for k in range(i + 1, e)):
                continue  # reassigned (or a loop cursor later): not one reference
            new = [ln for n, ln in enumerate(lines) if n not in at]
            cases.append(Case("del_all_puts", path, lines, new, [("old", k + 1) for k in at]))
            break
    return cases


def mut_del_put_inner(path: str, lines: list[str], spans) -> list[Case]:
    """`x = getter(...);` inside a nested block (a loop body, an `if` branch) and the block's
    only put of x, not followed by an exit (the next statement is more code: an `if`, a call):
    the put is deleted, so the block leaves with the reference (each round of a loop leaks one)."""
    cases = []
    for s, e in spans:
        for i in range(s + 2, e):
            m = re.match(r"^(\t\t+)(\w+)\s*=\s*(\w+)\s*\(.*\);\s*$", lines[i])
            if not m or m.group(3) not in GETTER_NAMES_RET:
                continue
            ind, var = m.group(1), m.group(2)
            puts = [p for p, gs in GETTERS_OF.items() if m.group(3) in gs]
            at = []
            for k in range(i + 1, e):
                if lines[k].strip() and not lines[k].startswith(ind):
                    break  # the block ends
                pm = FAMILY_PUT_RE.match(lines[k]) or PUT_RE.match(lines[k])
                if pm and pm.group(1) in puts and _key(pm.group(2)) == var and lines[k].startswith(ind) \
                        and not lines[k].startswith(ind + "\t"):
                    at.append(k)
            if len(at) != 1 or _braceless_body(lines, at[0]):
                continue
            k = at[0]
            j = _next_code(lines, k, e)
            if j is None or EXIT_RE.match(lines[j]) or not lines[j].startswith(ind) or LABEL_RE.match(lines[k - 1]):
                continue
            if re.search(r"\b(continue|break)\s*;", lines[j]):
                continue
            new = lines[:k] + lines[k + 1:]
            cases.append(Case("del_put_inner", path, lines, new, [("old", k + 1)]))
    return cases


def mut_put_before_use(path: str, lines: list[str], spans) -> list[Case]:
    """A put of the table (after a get of its object) moved up above the one to three
    statements of its block just before it that still use the object (`ret = foo(np->name);
    of_node_put(np);` -> `of_node_put(np); ret = foo(np->name);`): a use after put."""
    cases = []
    for s, e in spans:
        for i in range(s + 2, e):
            m = FAMILY_PUT_RE.match(lines[i]) or PUT_RE.match(lines[i])
            if not m or _braceless_body(lines, i) or not _got_before(lines, s, i, m.group(1), m.group(2)):
                continue
            var = _key(m.group(2))
            ind = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            k, uses = i, 0
            while k - 1 > s and uses < 3:
                prev = lines[k - 1]
                if not prev.startswith(ind) or prev.startswith(ind + "\t") or not prev.rstrip().endswith(";") \
                        or re.match(r"^\s*(return|goto|if|for|while|\w+:)", prev) or "=" in prev.split("(")[0] \
                        and re.match(r"^\s*%s\s*=" % re.escape(var), prev):
                    break
                if not re.search(r"(?<![\w>.])%s\s*(->|\.|,|\))" % re.escape(var), prev):
                    break
                k -= 1
                uses += 1
            if not uses or k == i:
                continue
            new = lines[:k] + [lines[i]] + lines[k:i] + lines[i + 1:]
            cases.append(Case("put_before_use", path, lines, new, [("new", k + 1)] + [("new", x + 2) for x in range(k, i)]))
            break
    return cases


def mut_unscope(path: str, lines: list[str], spans) -> list[Case]:
    """A `_scoped` iterator whose body leaves the loop early (`return`, `break`, `goto`) made
    plain (`for_each_child_of_node_scoped(np, child)` -> `for_each_child_of_node(np, child)`,
    the cursor declared at the top), or a `__free()` declaration of a node/fwnode/device made
    plain: every early exit now keeps the reference the cleanup dropped."""
    cases = []
    for s, e in spans:
        for i in range(s + 2, e):
            m = re.match(r"^(\t+)(\w*for_each_\w+)_scoped\((.*),\s*(\w+)\)\s*\{?\s*$", lines[i])
            if m and kapi.get(m.group(2)) is not None:
                ind = m.group(1)
                k = i + 1
                exits = []
                while k < e and (not lines[k].strip() or lines[k].startswith(ind + "\t") or lines[k].startswith(ind + "}") is False
                                 and lines[k].startswith(ind + "\t")):
                    if re.match(r"^\s*(return\b|break;|goto\s)", lines[k]):
                        exits.append(k)
                    k += 1
                if not exits:
                    continue
                typ = "struct fwnode_handle *" if "fwnode" in m.group(2) or m.group(2).startswith("device_for_each") \
                    else "struct device_node *"
                body = s
                while body < e and not lines[body].startswith("{"):
                    body += 1
                new = list(lines)
                new[i] = f"{ind}{m.group(2)}({m.group(3)}, {m.group(4)}){' {' if lines[i].rstrip().endswith('{') else ''}\n"
                new = new[:body + 1] + [f"\t{typ}{m.group(4)};\n"] + new[body + 1:]
                cases.append(Case("unscope", path, lines, new, [("new", i + 2)] + [("new", x + 2) for x in exits]))
                break
            m = re.match(r"^(\t+)(struct (device_node|fwnode_handle) \*)(\w+)\s+__free\(\w+\)\s*=\s*(.*)$", lines[i])
            if m:
                exits = [k for k in range(i + 1, e) if re.match(r"^\s*return\b", lines[k])]
                if not exits or any("return_ptr" in lines[k] or "no_free_ptr" in lines[k] for k in range(i, e)):
                    continue
                new = list(lines)
                new[i] = f"{m.group(1)}{m.group(2)}{m.group(4)} = {m.group(5)}\n"
                cases.append(Case("unscope", path, lines, new, [("new", i + 1)] + [("new", x + 1) for x in exits]))
                break
    return cases


def mut_put_wrong_node(path: str, lines: list[str], spans) -> list[Case]:
    """Inside `for_each_*child*(parent, child) {`, the `of_node_put(child)`/`fwnode_handle_put(child)`
    before an early exit puts `parent` instead: the child's reference leaks and the parent,
    which the loop only borrowed, is over-put."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = re.match(r"^(\t+)\w*for_each\w*child\w*\((\s*[\w>.-]+)\s*,\s*(\w+)\)\s*\{\s*$", lines[i])
            if not m or "scoped" in lines[i]:
                continue
            ind, parent, child = m.group(1), m.group(2).strip(), m.group(3)
            for k in range(i + 1, e):
                if lines[k].startswith(ind + "}"):
                    break
                pm = re.match(r"^(\s+)(of_node_put|fwnode_handle_put)\(%s\);\s*$" % re.escape(child), lines[k])
                if pm and k + 1 < e and re.match(r"^\s*(return\b|break;|goto\s)", lines[k + 1]):
                    new = list(lines)
                    new[k] = f"{pm.group(1)}{pm.group(2)}({parent});\n"
                    cases.append(Case("put_wrong_node", path, lines, new, [("new", k + 1)]))
                    break
            if cases:
                break
    return cases


def mut_put_stored_on_success(path: str, lines: list[str], spans) -> list[Case]:
    """`p->m = getter(...);` stores a reference in a structure; a put of `p->m` is added right
    before the function's final `return 0;`: the structure keeps a pointer whose reference is
    gone (a use after put later, and a second put where the structure is torn down)."""
    cases = []
    for s, e in spans:
        if not re.match(r"^\treturn 0;\s*$", lines[e - 1]):
            continue
        for i in range(s + 2, e - 1):
            m = re.match(r"^\t+([\w]+(?:->|\.)[\w.>-]+)\s*=\s*(\w+)\s*\(.*\);\s*$", lines[i])
            if not m or m.group(2) not in GETTER_NAMES_RET:
                continue
            puts = [p for p, gs in GETTERS_OF.items() if m.group(2) in gs and p in PLAIN_PUTS]
            if not puts:
                continue
            new = _insert(lines, e - 1, f"\t{puts[0]}({m.group(1)});\n")
            cases.append(Case("put_stored_on_success", path, lines, new, [("new", e)]))
            break
    return cases


def mut_iter_put_dropped(path: str, lines: list[str], spans) -> list[Case]:
    """Inside a table iterator's loop (`for_each_child_of_node(np, child) {`, not `_scoped`), the
    put of the loop variable right before a `return`, `goto` or `break` that leaves the loop is
    deleted: the loop is left holding the reference its step took -> expect old side at the
    removed put, or new side at the exit."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = ITER_RE.match(lines[i])
            if not m or "_scoped" in m.group(2):
                continue
            row = _ITERS[m.group(2)]
            args = [a.strip() for a in m.group(3).split(",")]
            if row.ref_arg is None or row.ref_arg >= len(args) or not re.fullmatch(r"\w+", args[row.ref_arg]):
                continue
            var, ind = args[row.ref_arg], m.group(1)
            close = next((k for k in range(i + 1, e + 1) if lines[k] == f"{ind}}}\n"), None)
            if close is None:
                continue
            for k in range(i + 1, close - 1):
                pm = re.match(r"^\s+(\w+)\(\s*%s\s*\);\s*$" % re.escape(var), lines[k])
                if not pm or pm.group(1) not in kapi.releases(row.name) + ("of_node_put", "fwnode_handle_put") \
                        or not re.match(r"^\s*(return\b.*;|goto\s+\w+;|break;)\s*$", lines[k + 1]) \
                        or _braceless_body(lines, k) or "return %s;" % var in lines[k + 1]:
                    continue
                new = lines[:k] + lines[k + 1:]
                cases.append(Case("iter_put_dropped", path, lines, new, [("old", k + 1), ("new", k + 1)]))
                break
    return cases


PLAIN_PUTS = frozenset(("of_node_put", "put_device", "fwnode_handle_put", "pci_dev_put", "usb_put_dev",
                        "i2c_put_adapter", "platform_device_put", "kobject_put"))
GETTER_NAMES_RET = frozenset(g for gs in GETTERS_OF.values() for g in gs if kapi.get(g) and kapi.get(g).returns_ref)
PATH_MUTATORS = (mut_del_label_put, mut_get_above_return, mut_put_after_return, mut_del_all_puts, mut_del_put_inner,
                 mut_put_before_use, mut_put_stored_on_success, mut_unscope, mut_put_wrong_node, mut_iter_put_dropped)


# ---------------------------------------------------------------- issue 13: extra put / kref kinds
#
# Each samples its own files (those that call a putter of the table / kref_init()).

def _put_at(line: str):
    return FAMILY_PUT_RE.match(line) or PUT_RE.match(line)


def _close_of(lines: list[str], i: int, e: int) -> int | None:
    """The line of the `}` closing the block line `i` opens (by indentation)."""
    ind = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    return next((k for k in range(i + 1, e + 1) if lines[k].startswith(ind + "}")), None)


IF_RET_RE = re.compile(r"^\tif \((!?(\w+)|(\w+) < 0|IS_ERR\((\w+)\))\)( \{)?\s*$")


def mut_put_into_err_branch(path: str, lines: list[str], spans) -> list[Case]:
    """A put of the table after a get, at the top level right after `r = call(...);` and
    before `if (r) { ...; return/goto }`, moved into that branch before its exit: the put ran
    on every path, now the path that goes on (success) keeps the reference."""
    cases = []
    for s, e in spans:
        for i in range(s + 2, e):
            m = _put_at(lines[i])
            if not m or not re.match(r"^\t\S", lines[i]) or "THIS_MODULE" in m.group(2):
                continue
            if not _got_before(lines, s, i, m.group(1), m.group(2)):
                continue
            j = _next_code(lines, i, e)
            if j is None or j != i + 1:
                continue
            c = IF_RET_RE.match(lines[j])
            var = c and next(g for g in c.group(2, 3, 4) if g)
            am = re.match(r"^\t(\w+) = \w+\(", lines[i - 1])
            if not c or not am or am.group(1) != var or var == _key(m.group(2)):
                continue
            key = _key(m.group(2))
            if c.group(5):  # braced branch
                end = _close_of(lines, j, e)
                if end is None or end - j < 2:
                    continue
                x = end - 1
                if not EXIT_RE.match(lines[x]) or SUCCESS_RE.match(lines[x]) or not lines[x].startswith("\t\t") \
                        or any(key in lines[k] and _put_at(lines[k]) for k in range(j + 1, end)):
                    continue
                new = lines[:i] + lines[i + 1:x] + ["\t" + lines[i]] + lines[x:]
                cases.append(Case("put_into_err_branch", path, lines, new, [("old", i + 1), ("new", x)]))
            else:
                x = j + 1
                if not EXIT_RE.match(lines[x]) or SUCCESS_RE.match(lines[x]) or not lines[x].startswith("\t\t"):
                    continue
                new = lines[:i] + [lines[j].rstrip("\n").rstrip() + " {\n", "\t" + lines[i], lines[x], "\t}\n"] \
                    + lines[x + 1:]
                cases.append(Case("put_into_err_branch", path, lines, new, [("old", i + 1), ("new", j + 1)]))
    return cases


def mut_put_before_goto_put(path: str, lines: list[str], spans) -> list[Case]:
    """A branch that jumps to an unwind label whose code puts x (`goto err_put;` ...
    `err_put: put_device(dev);`) gets its own put of x before the goto: x is put twice."""
    cases = []
    for s, e in spans:
        labels = {LABEL_RE.match(lines[k]).group(1): k for k in range(s, e + 1) if LABEL_RE.match(lines[k])}
        for i in range(s + 2, e):
            g = re.match(r"^(\t\t+)goto (\w+);\s*$", lines[i])
            li = labels.get(g.group(2)) if g else None
            if li is None or li < i or _braceless_body(lines, i) or LABEL_RE.match(lines[i - 1]):
                continue
            put = None
            for k in range(li + 1, e + 1):
                if re.match(r"^\s*return\b", lines[k]) or re.match(r"^\t\S", lines[k]) and not _put_at(lines[k]) \
                        and not LABEL_RE.match(lines[k]) and ";" not in lines[k]:
                    break
                pm = _put_at(lines[k])
                if pm and re.match(r"^\t\S", lines[k]) and "THIS_MODULE" not in pm.group(2):
                    put = pm
                    break
            if put is None or not _got_before(lines, s, i, put.group(1), put.group(2)):
                continue
            stmt = f"{put.group(1)}({put.group(2)});"
            if any(stmt in lines[k] for k in range(max(s, i - 4), i)):
                continue
            new = _insert(lines, i, g.group(1) + stmt + "\n")
            cases.append(Case("put_before_goto_put", path, lines, new, [("new", i + 1)]))
    return cases


KREF_INIT_RE = re.compile(r"\bkref_init\(\s*&\s*\w+(->|\.)(\w+)\s*\)")


def mut_kref_put_to_kfree(path: str, lines: list[str], spans) -> list[Case]:
    """`kref_put(&x->ref, release);` (a kref the file kref_init()s) becomes `kfree(x);`: the
    object is freed while other holders may still have references, and its release is skipped."""
    members = {m.group(2) for ln in lines for m in [KREF_INIT_RE.search(ln)] if m}
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = re.match(r"^(\s+)kref_put\(\s*&(\w+)->(\w+)\s*,\s*\w+\s*\);\s*$", lines[i])
            if not m or m.group(3) not in members or _braceless_body(lines, i):
                continue
            new = list(lines)
            new[i] = f"{m.group(1)}kfree({m.group(2)});\n"
            cases.append(Case("kref_put_to_kfree", path, lines, new, [("new", i + 1)]))
    return cases


def mut_put_returned_obj(path: str, lines: list[str], spans) -> list[Case]:
    """A function that gets x (`x = getter(...)`) and hands it to its caller (`return x;`)
    puts it right before that return: the caller gets a pointer without a reference (and
    drops one it does not hold)."""
    cases = []
    for s, e in spans:
        for i in range(s + 2, e + 1):
            r = re.match(r"^(\t+)return (\w+);\s*$", lines[i])
            if not r or r.group(2) in ("0", "ret", "err", "rc", "error", "NULL", "true", "false"):
                continue
            var = r.group(2)
            got = None
            for k in range(s, i):
                gm = re.match(r"^\s*%s = (\w+)\(" % re.escape(var), lines[k])
                if gm and gm.group(1) in GETTER_NAMES_RET:
                    got = gm.group(1)
            puts = [p for p, gs in GETTERS_OF.items() if got in gs and p in PLAIN_PUTS] if got else []
            if not puts or _braceless_body(lines, i) or any(re.search(r"\b%s\(\s*%s\s*\)" % (p, var), lines[k])
                                                            for p in puts for k in range(s, i)):
                continue
            new = _insert(lines, i, f"{r.group(1)}{puts[0]}({var});\n")
            cases.append(Case("put_returned_obj", path, lines, new, [("new", i + 1)]))
    return cases


_ANY_PUT_PAT = r"\b(" + "|".join(sorted(set(GETTERS_OF) | set(PUTS))) + r")\("
OWN_FILES.update({
    "put_into_err_branch": (_ANY_PUT_PAT, mut_put_into_err_branch),
    "put_before_goto_put": (_ANY_PUT_PAT, mut_put_before_goto_put),
    "kref_put_to_kfree": (r"\bkref_init\(", mut_kref_put_to_kfree),
    "put_returned_obj": (_ANY_PUT_PAT, mut_put_returned_obj),
})


_STEP_LOOKUPS = {r.name: (r.drops_arg, kapi.releases(r.name)[0]) for r in kapi.rows()
                 if r.drops_arg is not None and not r.is_iterator and kapi.releases(r.name)}
_LOOP_HEAD_RE = re.compile(r"^(\t+)(while|for)\s*\(")


def mut_put_in_lookup_loop(path: str, lines: list[str], spans) -> list[Case]:
    """A loop that walks its cursor with a lookup dropping `@from`/`@prev` (`while ((pdev =
    pci_get_device(v, d, pdev)))`, `for (...; np = of_find_compatible_node(np, ...))`) gets
    the lookup's put of the cursor as the last statement of its body: the next step's lookup
    drops that reference again."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = _LOOP_HEAD_RE.match(lines[i])
            if not m:
                continue
            h = i
            while h < min(e, i + 4) and not lines[h].rstrip().endswith("{"):
                h += 1
            if not lines[h].rstrip().endswith("{"):
                continue
            head = "".join(lines[i:h + 1])
            hit = None
            for cm in re.finditer(r"\b(%s)\s*\(" % "|".join(_STEP_LOOKUPS), head):
                args = [a.strip() for a in cmodel.split_args(clex.balanced(head, cm.end()))]
                k, put = _STEP_LOOKUPS[cm.group(1)]
                if k < len(args) and re.fullmatch(r"\w+", args[k]):
                    hit = (args[k], put)
                    break
            if hit is None or hit[0] == "NULL":
                continue
            var, put = hit
            end = _close_of(lines, i, e)
            if end is None or end - h < 2:
                continue
            last = next((lines[k] for k in range(end - 1, h, -1) if lines[k].strip()), "")
            body = "".join(lines[h + 1:end])
            if re.match(r"^\s*(break|return|goto|continue)\b", last) or re.search(r"\b%s\s*\(\s*%s\s*\)" % (put, var), body) \
                    or re.search(r"(?<![\w>.])%s\s*=[^=]" % var, body) or last.strip() == "}":
                continue
            new = _insert(lines, end, f"{m.group(1)}\t{put}({var});\n")
            cases.append(Case("put_in_lookup_loop", path, lines, new, [("new", end + 1)]))
    return cases


OWN_FILES["put_in_lookup_loop"] = (r"\b(" + "|".join(_STEP_LOOKUPS) + r")\(", mut_put_in_lookup_loop)


_REG_PUT = {r.name: r.on_error for r in kapi.of_kind("register")
            if r.family in ("device", "kobject") and r.ref_on == "arg1" and re.fullmatch(r"\w*put\w*", r.on_error or "")}
REG_CALL_RE = re.compile(r"^\t(\w+) = (%s)\((&?[\w>.\-]+)[,)]" % "|".join(sorted(_REG_PUT, key=len, reverse=True)))


def mut_put_after_register_ok(path: str, lines: list[str], spans) -> list[Case]:
    """`ret = device_add(x); if (ret) ...exit;` (a register call of the table whose failure
    leaves the object to the caller's put) gets that put on the success path, right after
    the failure check: the registration owns the reference until its unregistration."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e - 2):
            m = REG_CALL_RE.match(lines[i])
            if not m or not lines[i].rstrip().endswith(";"):
                continue
            j = i + 1
            c = re.match(r"^\tif \(%s\)( \{)?\s*$" % re.escape(m.group(1)), lines[j])
            if not c:
                continue
            end = _close_of(lines, j, e) if c.group(1) else j + 1
            if end is None or end >= e or not EXIT_RE.match(lines[end - 1 if c.group(1) else end]):
                continue
            new = _insert(lines, end + 1, f"\t{_REG_PUT[m.group(2)]}({m.group(3)});\n")
            cases.append(Case("put_after_register_ok", path, lines, new, [("new", end + 2)]))
    return cases


OWN_FILES["put_after_register_ok"] = (r"\b(" + "|".join(_REG_PUT) + r")\(", mut_put_after_register_ok)


# The registrations that return the object they made (`i2c_new_dummy_device()`,
# `platform_device_register_simple()`, `kobject_create_and_add()`, ...): release -> callers.
_MADE: dict[str, list[str]] = defaultdict(list)
for _r in kapi.of_kind("register"):
    if _r.ref_on == "return" and _r.family in ("device", "kobject") and not _r.devres:
        for _put in kapi.releases(_r.name):
            _MADE[_put].append(_r.name)
MADE_UNREG_RE = re.compile(r"^\s*(%s)\((.+)\);\s*$" % "|".join(sorted(_MADE, key=len, reverse=True)))


def mut_del_unreg_made(path: str, lines: list[str], spans) -> list[Case]:
    """`x = i2c_new_dummy_device(...)` (a registration that returns what it made and published)
    kept in a local or a field, and on a later error exit its release (`i2c_unregister_device(x)`,
    `platform_device_unregister(x)`, `kobject_put(x)`, ...) right before the exit is deleted: a
    failing function leaves the registered object behind -> expect old side at the removed
    release, or new side at the exit."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e + 1):
            m = MADE_UNREG_RE.match(lines[i])
            if not m or not lines[i].startswith("\t\t"):
                continue
            j = _next_code(lines, i, e)
            if j is None or not EXIT_RE.match(lines[j]) or SUCCESS_RE.match(lines[j]):
                continue
            if LABEL_RE.match(lines[i - 1]) or _braceless_body(lines, i):
                continue
            made = re.compile(r"%s\s*=\s*(%s)\(" % (re.escape(_key(m.group(2))),
                                                   "|".join(map(re.escape, _MADE[m.group(1)]))))
            if not any(made.search(lines[k]) for k in range(s, i)):
                continue
            new = lines[:i] + lines[i + 1:]
            cases.append(Case("del_unreg_made", path, lines, new, [("old", i + 1), ("new", j)]))
    return cases


OWN_FILES["del_unreg_made"] = (r"\b(" + "|".join(sorted({n for v in _MADE.values() for n in v})) + r")\(",
                               mut_del_unreg_made)


# ---------------------------------------------------------------- lifetime kinds

BUS_PARAM_RE = re.compile(r"\bstruct\s+(device|platform_device|i2c_client|spi_device|usb_interface|pci_dev|"
                          r"auxiliary_device|serdev_device|hid_device)\s*\*\s*(\w+)\s*[,)]")
OUTLIVING = r"cdev|miscdevice|kref|device|kobject|video_device|tty_port"
KALLOC_RE = re.compile(r"^(\s+)(\w+) = (kzalloc|kmalloc)\(sizeof\(\*\2\), ")


def _struct_embeds(text: str, name: str) -> bool:
    m = re.search(r"^struct\s+%s\s*\{(.*?)^\};" % re.escape(name), text, re.M | re.S)
    return bool(m and re.search(r"^\s+struct\s+(%s)\s+\w+\s*;" % OUTLIVING, m.group(1), re.M))


def mut_devm_conv(path: str, lines: list[str], spans) -> list[Case]:
    text = "".join(lines)
    cases = []
    for s, e in spans:
        head = "".join(lines[s:s + 3]).split("{")[0]
        pm = BUS_PARAM_RE.search(head)
        if not pm:
            continue
        dev = pm.group(2) if pm.group(1) == "device" else f"&{pm.group(2)}->dev"
        body = "".join(lines[s:e + 1])
        for i in range(s, e + 1):
            m = KALLOC_RE.match(lines[i])
            if not m:
                continue
            var = m.group(2)
            tm = re.search(r"\bstruct\s+(\w+)\s*\*\s*%s\b" % re.escape(var), body)
            if not tm or not _struct_embeds(text, tm.group(1)):
                continue
            ty = tm.group(1)
            drop = set()
            for s2, e2 in spans:
                fbody = "".join(lines[s2:e2 + 1])
                names = set(re.findall(r"\bstruct\s+%s\s*\*\s*(\w+)" % re.escape(ty), fbody))
                for k in range(s2, e2 + 1):
                    km = re.match(r"^\s*kfree\((\w+)\);\s*$", lines[k])
                    if km and km.group(1) in names:
                        drop.add(k)
            if not drop or any(_braceless_body(lines, k) for k in drop):
                continue
            new = list(lines)
            new[i] = lines[i].replace(f"{m.group(3)}(", f"devm_kzalloc({dev}, ", 1)
            new = [ln for n, ln in enumerate(new) if n not in drop]
            line = i + 1 - sum(1 for k in drop if k < i)
            cases.append(Case("devm_conv", path, lines, new, [("new", line)]))
    return cases


DVB_ATTACH_RE = re.compile(r"\bdvb_attach\((\w+),[ \t]*")


def mut_dvb_direct(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for i, ln in enumerate(lines):
        m = DVB_ATTACH_RE.search(ln)
        if not m or ln.lstrip().startswith(("#", "*", "/")):
            continue
        new = list(lines)
        new[i] = ln[:m.start()] + m.group(1) + "(" + ln[m.end():]
        cases.append(Case("dvb_direct", path, lines, new, [("new", i + 1)]))
    return cases


DETACH_RE = re.compile(r"^\s*(dvb_frontend_detach|dvb_detach|symbol_put|symbol_put_addr)\((.+)\);\s*$")


def mut_del_detach(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        for i in range(s, e + 1):
            m = DETACH_RE.match(lines[i])
            if not m or not lines[i].startswith("\t\t"):
                continue
            j = _next_code(lines, i, e)
            if j is None or not EXIT_RE.match(lines[j]) or SUCCESS_RE.match(lines[j]):
                continue
            if _braceless_body(lines, i) or LABEL_RE.match(lines[i - 1]):
                continue
            if not any(re.search(r"\b(dvb_attach|symbol_get|symbol_request)\(", lines[k]) for k in range(s, i)):
                continue
            new = lines[:i] + lines[i + 1:]
            cases.append(Case("del_detach", path, lines, new, [("old", i + 1), ("new", j)]))
    return cases


GETDEV_RE = re.compile(r"^(\s+)get_device\((&(\w+)->dev|(\w+))\);\s*$")


def mut_devref_to_modref(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        for i in range(s, e + 1):
            m = GETDEV_RE.match(lines[i])
            if not m:
                continue
            arg = m.group(2)
            owner = f"{m.group(3)}->dev.driver->owner" if m.group(3) else f"{m.group(4)}->driver->owner"
            puts = [k for k in range(s, e + 1) if lines[k].strip() == f"put_device({arg});"]
            new = list(lines)
            new[i] = f"{m.group(1)}__module_get({owner});\n"
            for k in puts:
                new[k] = lines[k].replace(f"put_device({arg});", f"module_put({owner});")
            cases.append(Case("devref_to_modref", path, lines, new, [("new", i + 1)]))
    return cases


def mut_devref_to_thismod(path: str, lines: list[str], spans) -> list[Case]:
    """`get_device(E);` / `put_device(E);` of one function -> `__module_get(THIS_MODULE);` /
    `module_put(THIS_MODULE);`: the driver pins its own module as "protection" instead of
    holding the device -> expect new side at the replaced get."""
    cases = []
    for s, e in spans:
        for i in range(s, e + 1):
            m = GETDEV_RE.match(lines[i])
            if not m:
                continue
            arg = m.group(2)
            puts = [k for k in range(s, e + 1) if lines[k].strip() == f"put_device({arg});"]
            new = list(lines)
            new[i] = f"{m.group(1)}__module_get(THIS_MODULE);\n"
            for k in puts:
                new[k] = lines[k].replace(f"put_device({arg});", "module_put(THIS_MODULE);")
            cases.append(Case("devref_to_thismod", path, lines, new, [("new", i + 1)]))
    return cases


BOUND_DISJUNCT_RE = re.compile(r"\s*\|\|\s*(?:!\s*(?P<a>[\w>.-]+?)(?:->|\.)driver\b(?!\s*->)|"
                               r"(?P<b>[\w>.-]+?)(?:->|\.)driver\s*==\s*NULL)")


HAS_DRIVER_RE = re.compile(r"^\s*if \(!i2c_client_has_driver\((\w+)\)\)\s*$")


def mut_del_bound_check(path: str, lines: list[str], spans) -> list[Case]:
    """`if (client == NULL || client->dev.driver == NULL)` before a `try_module_get(
    client->dev.driver->owner)` loses its bound test (`|| ...driver == NULL`): an unbound
    device has no driver -> expect old side at the changed condition."""
    cases = []
    for s, e in spans:
        for i in range(s, e + 1):
            hm = HAS_DRIVER_RE.match(lines[i])
            if hm and i + 1 <= e and re.match(r"^\s*(goto \w+|return\b.*|break);\s*$", lines[i + 1]):
                owner = re.compile(r"\b%s(?:->|\.)dev\.driver->owner\b" % re.escape(hm.group(1)))
                if any(owner.search(lines[k]) for k in range(i + 2, min(e + 1, i + 12))):
                    cases.append(Case("del_bound_check", path, lines, lines[:i] + lines[i + 2:], [("old", i + 1)]))
                continue
            joined = lines[i].rstrip("\n")
            split = joined.rstrip().endswith("||") and i + 1 <= e
            if split:  # `if (c == NULL ||` / `\t\tc->dev.driver == NULL) {`
                joined = joined.rstrip() + " " + lines[i + 1].strip()
            m = BOUND_DISJUNCT_RE.search(joined)
            if not m or not lines[i].lstrip().startswith("if"):
                continue
            dev = m.group("a") or m.group("b")
            owner = re.compile(r"\b%s(?:->|\.)driver->owner\b" % re.escape(dev))
            if not any(owner.search(lines[k]) for k in range(i + 1, min(e + 1, i + 12))):
                continue
            new = list(lines)
            new[i] = joined[:m.start()] + joined[m.end():] + "\n"
            if split:
                del new[i + 1]
            cases.append(Case("del_bound_check", path, lines, new, [("old", i + 1)]))
    return cases


SYMPUT_RE = re.compile(r"^\s*(symbol_put|symbol_put_addr)\((\w+)\);\s*$")


def mut_del_symbol_put(path: str, lines: list[str], spans) -> list[Case]:
    cases = []
    for s, e in spans:
        body = "".join(lines[s:e + 1])
        for i in range(s, e + 1):
            m = SYMPUT_RE.match(lines[i])
            if not m or _braceless_body(lines, i):
                continue
            if not re.search(r"\b(symbol_get|symbol_request)\(\s*%s\s*\)" % m.group(2), body) and \
                    m.group(1) != "symbol_put_addr":
                continue
            if m.group(1) == "symbol_put_addr" and not re.search(r"\b(symbol_get|symbol_request)\(", body):
                continue
            cases.append(Case("del_symbol_put", path, lines, lines[:i] + lines[i + 1:], [("old", i + 1)]))
    return cases


UNLINK_RE = re.compile(r"^\s*(?:list_del\w*\(&[\w>.-]+->(\w+)\);|\w*(?:unregister\w*_notifier|notifier_chain_unregister)\w*\(.*\);)\s*$")


def mut_del_unlink(path: str, lines: list[str], spans) -> list[Case]:
    text = "".join(lines)
    cases = []
    for s, e in spans:
        if not re.search(r"(remove|unbind|disconnect)\w*\s*\(", "".join(lines[s:s + 2]).split("{")[0]):
            continue
        for i in range(s, e + 1):
            m = UNLINK_RE.match(lines[i])
            if not m or _braceless_body(lines, i):
                continue
            if m.group(1):
                add = re.search(r"list_add\w*\(&[\w>.-]+->%s,\s*&(\w+)\)" % m.group(1), text)
                if not add or not re.search(r"^(static )?LIST_HEAD\(%s\)" % add.group(1), text, re.M):
                    continue
            cases.append(Case("del_unlink", path, lines, lines[:i] + lines[i + 1:], [("old", i + 1)]))
    return cases


# ---------------------------------------------------------------- unbind teardown order
#
# The set-ups whose callbacks an unbind must stop, their synchronous teardowns and devm twins:
# the table checks/data/teardown.tsv (read through checks/_kapi.py).

def _teardown_table():
    from reviewbot.checks import _kapi
    return _kapi.teardown_rows()


UNBIND_HEAD_RE = re.compile(r"(remove|unbind|disconnect)\w*\s*\(")
RESOURCE_RE = re.compile(r"^\t(kv?free|vfree|\w+_free\w*|free_\w+|\w*destroy\w*|\w*unmap\w*|\w*disable\w*|"
                         r"\w+_put\w*|\w+_deinit|\w+_exit|dma_release_channel|\w+_release\w*)\(.*\);\s*$")


def _teardown_names(kinds=("irq", "interface", "deferred")) -> dict[str, object]:
    out = {}
    for r in _teardown_table():
        if r.kind in kinds:
            for t in r.teardown:
                out.setdefault(t, r)
    return out


def _unbind_teardowns(lines, spans, kinds=("irq", "interface", "deferred")):
    """(span, i, name, row, later resource teardown lines) for each whole-line table teardown at
    the top level of an unbind function."""
    names = _teardown_names(kinds)
    tre = re.compile(r"^\t(%s)\(.*\);\s*$" % "|".join(sorted(names, key=len, reverse=True)))
    for s, e in spans:
        if not UNBIND_HEAD_RE.search("".join(lines[s:s + 2]).split("{")[0]):
            continue
        for i in range(s, e + 1):
            m = tre.match(lines[i])
            if not m or _braceless_body(lines, i):
                continue
            later = [k for k in range(i + 1, e + 1) if RESOURCE_RE.match(lines[k])
                     and not tre.match(lines[k]) and not _braceless_body(lines, k)]
            yield (s, e), i, m.group(1), names[m.group(1)], later


def mut_unreg_late(path: str, lines: list[str], spans) -> list[Case]:
    """A teardown of the table in remove() moved after the first resource teardown that
    followed it (`input_unregister_device()` after `clk_disable_unprepare()`)."""
    cases = []
    for _span, i, _name, _row, later in _unbind_teardowns(lines, spans):
        if not later:
            continue
        k = later[0]
        new = lines[:i] + lines[i + 1:k + 1] + [lines[i]] + lines[k + 1:]
        cases.append(Case("unreg_late", path, lines, new, [("new", k + 1)]))
    return cases


def _devm_twin_call(lines: list[str], row, spans) -> int | None:
    """The line of a whole-statement call of `row.setup(` in a probe function (not devm)."""
    call = re.compile(r"^\t+(?:\w[\w>.\[\]-]*\s*=\s*)?%s\(" % re.escape(row.setup))
    for s, e in spans:
        if not re.search(r"probe\w*\s*\(", "".join(lines[s:s + 2]).split("{")[0]):
            continue
        for i in range(s, e + 1):
            if call.match(lines[i]):
                return i
    return None


def mut_devm_late(path: str, lines: list[str], spans) -> list[Case]:
    """`request_irq()` / a registration in probe -> its devm twin (the probed device first when
    the plain call does not take it), and its teardown dropped from remove(), while remove()
    still releases resources after the point where the teardown was."""
    cases = []
    for _span, i, name, row, later in _unbind_teardowns(lines, spans, ("irq", "interface")):
        if not later or not row.devm:
            continue
        j = _devm_twin_call(lines, row, spans)
        if j is None:
            continue
        head = "".join(lines[k] for k in range(max(0, j - 60), j))
        pm = BUS_PARAM_RE.findall(head)
        if not pm:
            continue
        ty, var = pm[-1]
        dev = var if ty == "device" else f"&{var}->dev"
        plain = lines[j]
        at = plain.index(row.setup + "(") + len(row.setup) + 1
        first = plain[at:].lstrip()
        extra = "" if first.startswith((dev, "dev,", "&pdev->dev")) or row.kind == "interface" and \
            re.match(r"&?\w+(->|\.)dev\b", first) else dev + ", "
        if row.kind != "irq" and not extra and not first.startswith(("&", "dev")):
            extra = dev + ", "
        new = list(lines)
        new[j] = plain[:at - len(row.setup) - 1] + row.devm + "(" + extra + plain[at:]
        new = new[:i] + new[i + 1:]
        cases.append(Case("devm_late", path, lines, new, [("new", j + 1 if j < i else j)]))
    return cases


def mut_del_unreg(path: str, lines: list[str], spans) -> list[Case]:
    """An IRQ or interface teardown deleted from remove() while its plain set-up stays."""
    text = "".join(lines)
    cases = []
    for _span, i, name, row, _later in _unbind_teardowns(lines, spans, ("irq", "interface")):
        rows = [r for r in _teardown_table() if name in r.teardown]
        if not any(re.search(r"(?<!devm_)\b%s\(" % r.setup, text) for r in rows):
            continue
        if any(r.devm and re.search(r"\b%s\(" % r.devm, text) for r in rows):
            continue
        cases.append(Case("del_unreg", path, lines, lines[:i] + lines[i + 1:], [("old", i + 1)]))
    return cases


SPI_DEVM_RE = re.compile(r"\bdevm_(spi_alloc_(?:host|master|target|slave))\(")


def mut_spi_undevm(path: str, lines: list[str], spans) -> list[Case]:
    """`devm_spi_alloc_host()` -> `spi_alloc_host()` in a driver that unregisters the controller
    by hand in remove(): the unregister then frees the private data remove() still uses."""
    text = "".join(lines)
    if not re.search(r"(?<!devm_)\bspi_unregister_(controller|master)\(", text):
        return []
    cases = []
    for i, ln in enumerate(lines):
        m = SPI_DEVM_RE.search(ln)
        if m:
            new = list(lines)
            new[i] = ln[:m.start()] + m.group(1) + "(" + ln[m.end():]
            cases.append(Case("spi_undevm", path, lines, new, [("new", i + 1)]))
    return cases


DEVM_MEMBER_RE = re.compile(r"^\t+(?P<var>(?P<base>\w+)->\w+) = devm_k(?:zalloc|malloc|calloc|memdup|strdup|asprintf)\(")
DEVM_LOCAL_RE = re.compile(r"^\t(?P<var>\w+) = devm_k(?:zalloc|malloc|calloc)\(")
ERR_RETURN_RE = re.compile(r"^(\t\t+)return (-E\w+|ret|err|rc|error|PTR_ERR\(\w+\));\s*$")


def _unbind_spans(lines, spans):
    return [(s, e) for s, e in spans if UNBIND_HEAD_RE.search("".join(lines[s:s + 2]).split("{")[0])]


def mut_kfree_devm(path: str, lines: list[str], spans) -> list[Case]:
    """A `kfree()` of devm memory: of a devm-allocated member (`priv->buf`) at the end of a
    remove() that uses the same pointer, or of a local on an error return after its devm
    allocation in the same function -> expect new side at the added kfree."""
    cases = []
    for s, e in spans:
        for i in range(s, e + 1):
            m = DEVM_MEMBER_RE.match(lines[i])
            if m:
                for s2, e2 in _unbind_spans(lines, spans):
                    body = "".join(lines[s2:e2 + 1])
                    if not re.search(r"\b%s\b" % m.group("base"), body):
                        continue
                    at = e2 if not re.match(r"^\treturn\b", lines[e2 - 1]) else e2 - 1
                    new = _insert(lines, at, f"\tkfree({m.group('var')});\n")
                    cases.append(Case("kfree_devm", path, lines, new, [("new", at + 1)]))
                    break
                continue
            m = DEVM_LOCAL_RE.match(lines[i])
            if not m:
                continue
            for k in range(i + 3, e + 1):
                r = ERR_RETURN_RE.match(lines[k])
                if r and not _braceless_body(lines, k) and lines[k - 1].rstrip().endswith(("{", ";")):
                    new = _insert(lines, k, f"{r.group(1)}kfree({m.group('var')});\n")
                    cases.append(Case("kfree_devm", path, lines, new, [("new", k + 1)]))
                    break
    return cases


def mut_plain_after_devm(path: str, lines: list[str], spans) -> list[Case]:
    """The plain teardown of a devm-managed set-up (`free_irq()` of a `devm_request_irq()`,
    `iio_device_unregister()` of a `devm_iio_device_register()`) added at the end of remove()
    -> expect new side at the added call."""
    rows = {r.devm: r for r in _teardown_table() if r.devm and (r.kind in ("irq", "interface")
                                                                or r.devm == "devm_pm_runtime_enable")}
    call = re.compile(r"\b(%s)\(" % "|".join(sorted(rows, key=len, reverse=True)))
    unbind = _unbind_spans(lines, spans)
    if not unbind:
        return []
    s2, e2 = unbind[0]
    text = "".join(lines)
    cases = []
    for m in call.finditer(text):
        j, depth = m.end(), 1
        while j < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        args = [a.strip() for a in re.split(r",(?![^()]*\))", text[m.end():j - 1])]
        row = rows[m.group(1)]
        if row.kind == "irq" and len(args) >= 3:
            targs = f"{args[1]}, {args[-1]}"
        elif len(args) == 1 or row.devm == "devm_pm_runtime_enable":
            targs = args[0]
        elif len(args) >= 2:
            targs = args[1]
        else:
            continue
        if "\n" in targs or not re.fullmatch(r"[\w>.&\[\]()-]+(, [\w>.&\[\]()-]+)?", targs):
            continue
        at = e2 if not re.match(r"^\treturn\b", lines[e2 - 1]) else e2 - 1
        new = _insert(lines, at, f"\t{row.teardown[0]}({targs});\n")
        cases.append(Case("plain_after_devm", path, lines, new, [("new", at + 1)]))
    return cases


OBJ_ALLOC_RE = re.compile(r"^(\t+)(\w+) = (devm_pwmchip_alloc|devm_counter_alloc|devm_iio_device_alloc|"
                          r"devm_input_allocate_device|devm_rc_allocate_device|devm_mux_chip_alloc)\(([^,()]+(?:\([^()]*\))?[^,()]*)")


def mut_objalloc_to_devm(path: str, lines: list[str], spans) -> list[Case]:
    """`x = devm_pwmchip_alloc(dev, ...)` (an allocator of a core object with its own struct
    device) -> `x = devm_kzalloc(dev, sizeof(*x), GFP_KERNEL)` -> expect new side at it."""
    cases = []
    for i, ln in enumerate(lines):
        m = OBJ_ALLOC_RE.match(ln)
        if not m or not ln.rstrip().endswith(";"):
            continue
        new = list(lines)
        new[i] = f"{m.group(1)}{m.group(2)} = devm_kzalloc({m.group(4).strip()}, sizeof(*{m.group(2)}), GFP_KERNEL);\n"
        cases.append(Case("objalloc_to_devm", path, lines, new, [("new", i + 1)]))
    return cases


def _devm_twins():
    from reviewbot.checks.module import _devm_dropped
    return _devm_dropped.twins()


# plain set-ups that take no device (the devm twin's first argument goes)
_NO_DEV_PLAIN = ("iio_device_register", "spi_register_controller", "spi_register_master", "i2c_add_adapter",
                 "gpiochip_add_data", "pwmchip_add", "register_netdev", "counter_add", "rproc_add",
                 "mbox_controller_register", "pm_runtime_enable", "devfreq_add_device")
PROBE_HEAD_RE = re.compile(r"probe\w*\s*\(")
DEVM_STMT_RE = re.compile(r"^(\t+(?:[\w>.\[\]-]+ = |return |if \(\(?(?:[\w>.-]+ = )?)?)(devm_\w+)\(([^;]*)\);?")


def mut_undevm(path: str, lines: list[str], spans) -> list[Case]:
    """A managed set-up of probe (`devm_kzalloc()`, `devm_request_irq()`, `devm_clk_get()`,
    `devm_led_classdev_register()`, ...: the devm twins of the teardown table, the devm_k*()
    allocators, the devres getters of the API table) made plain, with no release added anywhere
    -> expect old side at the removed line (or new side at its plain twin)."""
    twins = _devm_twins()
    text = "".join(lines)
    cases = []
    for s, e in spans:
        if not PROBE_HEAD_RE.search("".join(lines[s:s + 2]).split("{")[0]):
            continue
        for i in range(s, e + 1):
            m = DEVM_STMT_RE.match(lines[i])
            if not m or m.group(2) not in twins or "," not in m.group(3):
                continue
            plain, names, kind = twins[m.group(2)]
            if kind not in ("memory", "irq", "interface", "resource"):
                continue
            if names and re.search(r"\b(%s)\s*\(" % "|".join(map(re.escape, names)), text) and kind != "memory":
                continue  # the file releases it by hand already
            args = m.group(3)
            if kind in ("memory", "irq") or plain in _NO_DEV_PLAIN:
                args = args.split(",", 1)[1].lstrip()
            new = list(lines)
            new[i] = lines[i][:m.start(2)] + plain + "(" + args + lines[i][m.end(3):]
            cases.append(Case("undevm", path, lines, new, [("old", i + 1), ("new", i + 1)]))
    return cases


ACTION_RE = re.compile(r"^(\t+)(?:(\w+) = |return )devm_add_action_or_reset\([^;]*\);\s*$")


def mut_del_devm_action(path: str, lines: list[str], spans) -> list[Case]:
    """`ret = devm_add_action_or_reset(dev, fn, data); if (ret) return ret;` deleted (or
    `return devm_add_action_or_reset(...);` -> `return 0;`) while nothing else calls fn
    -> expect old side at the removed line."""
    text = "".join(lines)
    cases = []
    for s, e in spans:
        for i in range(s, e + 1):
            m = ACTION_RE.match(lines[i])
            if not m:
                continue
            fn = re.search(r"devm_add_action_or_reset\([^,]+,\s*(\w+)", lines[i])
            if not fn or len(re.findall(r"\b%s\b" % fn.group(1), text)) > 2:
                continue  # its callback is called elsewhere too
            if m.group(2):
                if not (i + 2 <= e and re.match(r"^\s*if \(%s\)\s*$" % m.group(2), lines[i + 1])
                        and re.match(r"^\s*return %s;\s*$" % m.group(2), lines[i + 2])):
                    continue
                new = lines[:i] + lines[i + 3:]
            else:
                new = lines[:i] + [m.group(1) + "return 0;\n"] + lines[i + 1:]
            cases.append(Case("del_devm_action", path, lines, new, [("old", i + 1)]))
    return cases


def mut_action_to_remove(path: str, lines: list[str], spans) -> list[Case]:
    """`ret = devm_add_action_or_reset(dev, fn, data); if (ret) return ret;` in probe deleted and
    `fn(data);` added at the end of remove(), in a driver that registers an interface or an IRQ
    with devm: remove() now releases before devres unregisters it -> expect old side at the
    removed action."""
    from reviewbot.checks.module import devm_lifetime
    text = "".join(lines)
    if not devm_lifetime._devm_registrations(text):
        return []
    unbind = _unbind_spans(lines, spans)
    if not unbind:
        return []
    s2, e2 = unbind[0]
    cases = []
    for s, e in spans:
        if not PROBE_HEAD_RE.search("".join(lines[s:s + 2]).split("{")[0]):
            continue
        for i in range(s, e - 2):
            m = re.match(r"^\t(\w+) = devm_add_action_or_reset\([^,]+,\s*(\w+),\s*([^;]+)\);\s*$", lines[i])
            if not m or not (re.match(r"^\tif \(%s\)\s*$" % m.group(1), lines[i + 1])
                             and re.match(r"^\t\treturn %s;\s*$" % m.group(1), lines[i + 2])):
                continue
            at = e2 if not re.match(r"^\treturn\b", lines[e2 - 1]) else e2 - 1
            if at <= i:
                continue
            new = lines[:i] + lines[i + 3:at] + [f"\t{m.group(2)}({m.group(3).strip()});\n"] + lines[at:]
            cases.append(Case("action_to_remove", path, lines, new, [("old", i + 1)]))
    return cases


PLAIN_KALLOC_RE = re.compile(r"^(\t+)(\w+) = (kzalloc|kmalloc|kcalloc)\(")


def mut_devm_keep_release(path: str, lines: list[str], spans) -> list[Case]:
    """A half-done conversion to devres: `x = kzalloc(...)` in a function given a bus device,
    whose error exits `kfree(x)`, -> `devm_kzalloc(<dev>, ...)` with the kfree()s kept
    -> expect new side at the allocation."""
    cases = []
    for s, e in spans:
        head = "".join(lines[s:s + 3]).split("{")[0]
        pm = BUS_PARAM_RE.search(head)
        if not pm:
            continue
        dev = pm.group(2) if pm.group(1) == "device" else f"&{pm.group(2)}->dev"
        for i in range(s, e + 1):
            m = PLAIN_KALLOC_RE.match(lines[i])
            if not m:
                continue
            if not any(re.match(r"^\s*kfree\(%s\);\s*$" % m.group(2), lines[k]) for k in range(i + 1, e + 1)):
                continue
            new = list(lines)
            new[i] = lines[i].replace(f"{m.group(3)}(", f"devm_{m.group(3)}({dev}, ", 1)
            cases.append(Case("devm_keep_release", path, lines, new, [("new", i + 1)]))
    return cases


OWNER_PIN_RE = re.compile(r"\b(try_module_get|__module_get)\((\w+)(->dev\.|->dev->|\.dev\.)driver->owner\)")


def mut_pin_parent(path: str, lines: list[str], spans) -> list[Case]:
    """`try_module_get(x->dev.driver->owner)` of a device the function looked up (x is no
    parameter) -> the driver of x's PARENT (`x->dev.parent->driver->owner`), as class-device
    providers are pinned -> expect new side at the get."""
    cases = []
    for s, e in spans:
        head = "".join(lines[s:s + 3]).split("{")[0]
        for i in range(s, e + 1):
            m = OWNER_PIN_RE.search(lines[i])
            if not m or re.search(r"\*\s*%s\b" % m.group(2), head):
                continue
            sep = m.group(3)
            parent = f"{m.group(2)}{sep}parent->driver->owner" if sep != "->dev->" else \
                f"{m.group(2)}->dev->parent->driver->owner"
            new = list(lines)
            new[i] = lines[i][:m.start(2)] + parent + lines[i][m.end(3) + len("driver->owner"):]
            cases.append(Case("pin_parent", path, lines, new, [("new", i + 1)]))
    return cases


LINK_RE = re.compile(r"\bdevice_link_add\(([^,]+),\s*([^,]+),\s*[^;]*\)(?=\)?;|\)\s*$|\)\s*\{)")


def mut_link_to_pin(path: str, lines: list[str], spans) -> list[Case]:
    """`device_link_add(consumer, supplier, flags)` -> `try_module_get(<supplier's driver>->owner)`:
    a module pin where the link kept the supplier bound -> expect new side at the get."""
    cases = []
    for i, ln in enumerate(lines):
        m = LINK_RE.search(ln)
        if not m or ln.lstrip().startswith(("*", "/")):
            continue
        sup = m.group(2).strip()
        if sup.startswith("&"):
            owner = f"{sup[1:]}.driver->owner"
        elif re.fullmatch(r"[\w>.-]+", sup):
            owner = f"{sup}->driver->owner"
        else:
            continue
        new = list(lines)
        new[i] = ln[:m.start()] + f"try_module_get({owner})" + ln[m.end():]
        cases.append(Case("link_to_pin", path, lines, new, [("new", i + 1), ("old", i + 1)]))
    return cases


_UNBIND_TEARDOWN_PAT = r"(free_irq|_unregister\w*|_deregister|_remove_host|gpiochip_remove|_del_adapter|pwmchip_remove)\("
OWN_FILES.update({
    "unreg_late": (_UNBIND_TEARDOWN_PAT, mut_unreg_late),
    "devm_late": (_UNBIND_TEARDOWN_PAT, mut_devm_late),
    "del_unreg": (_UNBIND_TEARDOWN_PAT, mut_del_unreg),
    "spi_undevm": (r"devm_spi_alloc_(host|master|target|slave)\(", mut_spi_undevm),
    "devref_to_thismod": (r"^\s+get_device\(", mut_devref_to_thismod),
    "objalloc_to_devm": (r"= devm_(pwmchip_alloc|counter_alloc|iio_device_alloc|input_allocate_device|"
                         r"rc_allocate_device|mux_chip_alloc)\(", mut_objalloc_to_devm),
    "kfree_devm": (r"= devm_k(zalloc|malloc|calloc|memdup|strdup|asprintf)\(", mut_kfree_devm),
    "plain_after_devm": (r"devm_(request_\w*irq|\w*register\w*|\w+_add\w*|pm_runtime_enable)\(", mut_plain_after_devm),
    "del_bound_check": (r"driver\s*==\s*NULL|!\s*[a-z_>.-]+driver\)|!i2c_client_has_driver\(", mut_del_bound_check),
    "undevm": (r"= devm_(kzalloc|kmalloc|kcalloc|request_\w*irq|clk_get|regulator_get|gpiod_get|\w+_register\w*|"
               r"\w+_add\w*)\(", mut_undevm),
    "del_devm_action": (r"devm_add_action_or_reset\(", mut_del_devm_action),
    "devm_keep_release": (r"= k(zalloc|malloc|calloc)\(", mut_devm_keep_release),
    "action_to_remove": (r"devm_add_action_or_reset\(", mut_action_to_remove),
    "pin_parent": (r"module_get\(\w+(->dev\.|->dev->|\.dev\.)driver->owner\)", mut_pin_parent),
    "link_to_pin": (r"device_link_add\(", mut_link_to_pin),
})


# ---------------------------------------------------------------- kref / added-exit kinds
#
# Real shapes of reference bugs a patch adds, paraphrased from the tree: an added early exit
# (a new error check) between a get and the put the function's fall-through path runs, a
# kref put written twice on a path, a kref put moved above the last uses of its object, and
# a kobject_init_and_add() failure released with kfree() instead of kobject_put().

_STATUS = r"(ret|err|rc|error|status|res)"
_STATUS_CALL_RE = re.compile(r"^\t%s = \w+\(.*\);\s*$" % _STATUS)


def _top_put_of(lines: list[str], start: int, end: int, var: str) -> int | None:
    """The first top-level (one tab) put of the table on `var` after `start`, if the lines in
    between hold no label (a straight path) and no other top-level exit."""
    for k in range(start + 1, end + 1):
        if LABEL_RE.match(lines[k]) or re.match(r"^\t(return\b|goto\s)", lines[k]):
            return None
        m = FAMILY_PUT_RE.match(lines[k]) or PUT_RE.match(lines[k])
        if m and lines[k].startswith("\t") and not lines[k].startswith("\t\t") and _key(m.group(2)) == var:
            return k
    return None


def _added_exit_sites(lines: list[str], spans):
    """(function end, get line, status-call line, put line, status variable): a top-level
    `v = getter(...);` of the table, a later top-level put of v on the straight path, and a
    top-level `ret = call(...);` between them whose next line does not test it."""
    for s, e in spans:
        for g in range(s + 1, e):
            m = GET_LINE_RE.match(lines[g])
            if not m:
                continue
            p = _top_put_of(lines, g, e, m.group(1))
            if p is None:
                continue
            for k in range(g + 1, p):
                sm = _STATUS_CALL_RE.match(lines[k])
                nxt = _next_code(lines, k, e)
                if not sm or nxt is None or re.search(r"\b%s\b" % sm.group(1), lines[nxt]) \
                        or re.search(r"\b%s\b" % re.escape(m.group(1)), lines[k].split("=", 1)[0]):
                    continue
                yield e, g, k, p, sm.group(1)
                break


def mut_add_return_skip_put(path: str, lines: list[str], spans) -> list[Case]:
    """`if (ret) return ret;` added after a status call between a get and the put of the
    fall-through path (the patch adds an error check that returns directly)."""
    cases = []
    for _e, _g, k, _p, var in _added_exit_sites(lines, spans):
        new = lines[:k + 1] + [f"\tif ({var})\n", f"\t\treturn {var};\n"] + lines[k + 1:]
        cases.append(Case("add_return_skip_put", path, lines, new, [("new", k + 3)]))
    return cases


def mut_add_goto_skip_put(path: str, lines: list[str], spans) -> list[Case]:
    """`if (ret) goto L;` added the same way, L a label below the put whose code runs no put:
    the jump skips the put of the fall-through path."""
    cases = []
    for e, _g, k, p, var in _added_exit_sites(lines, spans):
        label = None
        for x in range(p + 1, e + 1):
            lm = LABEL_RE.match(lines[x])
            if lm:
                if not _label_runs_put(lines, x, e):
                    label = lm.group(1)
                break
        if label is None:
            continue
        new = lines[:k + 1] + [f"\tif ({var})\n", f"\t\tgoto {label};\n"] + lines[k + 1:]
        cases.append(Case("add_goto_skip_put", path, lines, new, [("new", k + 3)]))
    return cases


_VALUE_CALL_RE = re.compile(r"^\t([\w>.\-]+) = \w+\(.*\);\s*$")


def mut_add_check_skip_put(path: str, lines: list[str], spans) -> list[Case]:
    """`if (!v) return -EINVAL;` added after a top-level `v = call(...);` (v not the object
    nor a status) anywhere between a get and the put of the fall-through path: a new sanity
    check that returns directly."""
    cases = []
    for s, e in spans:
        for g in range(s + 1, e):
            m = GET_LINE_RE.match(lines[g])
            if not m:
                continue
            p = _top_put_of(lines, g, e, m.group(1))
            if p is None:
                continue
            for k in range(g + 1, p):
                vm = _VALUE_CALL_RE.match(lines[k])
                nxt = _next_code(lines, k, e)
                if not vm or nxt is None or re.fullmatch(_STATUS, vm.group(1)) \
                        or re.split(r"->|\.", vm.group(1))[0] == m.group(1) \
                        or re.search(r"\b%s\b" % re.escape(vm.group(1)), lines[nxt]):
                    continue
                new = lines[:k + 1] + [f"\tif (!{vm.group(1)})\n", "\t\treturn -EINVAL;\n"] + lines[k + 1:]
                cases.append(Case("add_check_skip_put", path, lines, new, [("new", k + 3)]))
                break
    return cases


KREF_PUT_LINE_RE = re.compile(r"^(\s+)kref_put(_mutex|_lock)?\((&?[\w>.\-\[\]]+),.*\);\s*$")


def mut_kref_put_twice(path: str, lines: list[str], spans) -> list[Case]:
    """A `kref_put(&x->ref, release);` statement written twice: the first may run the release
    and free x, the second drops a reference nobody holds."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = KREF_PUT_LINE_RE.match(lines[i])
            if not m or _braceless_body(lines, i) or "=" in lines[i].split("kref_put")[0]:
                continue
            cases.append(Case("kref_put_twice", path, lines, _insert(lines, i + 1, lines[i]), [("new", i + 2)]))
    return cases


def mut_use_after_kref_put(path: str, lines: list[str], spans) -> list[Case]:
    """A `kref_put(&x->ref, release);` moved above the one to three statements of its block
    just before it that use x: when that put is the last, they use freed memory."""
    cases = []
    for s, e in spans:
        for i in range(s + 2, e):
            m = KREF_PUT_LINE_RE.match(lines[i])
            if not m or _braceless_body(lines, i) or "=" in lines[i].split("kref_put")[0]:
                continue
            var = _key(m.group(3))
            if not re.fullmatch(r"\w+", var):
                continue
            ind = m.group(1)
            k, uses = i, 0
            while k - 1 > s and uses < 3:
                prev = lines[k - 1]
                if not prev.startswith(ind) or prev.startswith(ind + "\t") or not prev.rstrip().endswith(";") \
                        or re.match(r"^\s*(return|goto|if|for|while|\w+:)", prev) \
                        or re.search(r"\b(unlock|lock)\w*\(", prev) or re.match(r"^\s*%s\s*=" % var, prev):
                    break
                if not re.search(r"(?<![\w>.])%s\s*->" % re.escape(var), prev):
                    break
                k -= 1
                uses += 1
            if not uses:
                continue
            new = lines[:k] + [lines[i]] + lines[k:i] + lines[i + 1:]
            cases.append(Case("use_after_kref_put", path, lines, new, [("new", k + 1)] + [("new", x + 2) for x in range(k, i)]))
    return cases


KOBJ_ADD_RE = re.compile(r"^\s*(\w+) = kobject_init_and_add\(\s*&(\w+)->(\w+)\s*,")


def mut_kobj_fail_kfree(path: str, lines: list[str], spans) -> list[Case]:
    """In the failure branch of `ret = kobject_init_and_add(&x->kobj, ...)`, the
    `kobject_put(&x->kobj);` its kernel-doc demands becomes `kfree(x);`: the kobject (its name,
    its ktype's release) is not released through its refcount."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e):
            m = KOBJ_ADD_RE.match(lines[i])
            if not m:
                continue
            var, obj, member = m.groups()
            for b in range(i + 1, min(e, i + 10)):
                if re.match(r"^\s*kobject_put\(\s*&%s->%s\s*\);\s*$" % (obj, member), lines[b]):
                    ind = lines[b][: len(lines[b]) - len(lines[b].lstrip())]
                    if not re.search(r"\bif\s*\(.*\b%s\b" % var, "".join(lines[i:b])):
                        break
                    new = list(lines)
                    new[b] = f"{ind}kfree({obj});\n"
                    cases.append(Case("kobj_fail_kfree", path, lines, new, [("new", b + 1)]))
                    break
                if re.match(r"^\s*(return\b|goto\s)", lines[b]):
                    break
    return cases


def mut_del_release_cb(path: str, lines: list[str], spans) -> list[Case]:
    """The release callback of a refcounted object deleted: `x->dev.release = fn;`, or
    `.release = fn,` of a `struct kobj_type|device_type|class` initializer."""
    cases = []
    for i, ln in enumerate(lines):
        if re.match(r"^\t+[\w>.\-\[\]]*(->|\.)dev\.release\s*=\s*\w+;\s*$", ln):
            if any(re.search(r"(->|\.)dev\.(type|class)\s*=", t) for t in lines[max(0, i - 40):i + 40]):
                continue  # device_release() would run the type's or class's release: no bug
            cases.append(Case("del_release_cb", path, lines, lines[:i] + lines[i + 1:], [("old", i + 1)]))
        elif re.match(r"^\t\.release\s*=\s*\w+,?\s*$", ln):
            head = next((lines[k] for k in range(i - 1, max(-1, i - 30), -1) if re.match(r"^\S", lines[k])), "")
            if re.search(r"\bstruct\s+(kobj_type|device_type|class)\s+\w+\s*=\s*\{", head):
                cases.append(Case("del_release_cb", path, lines, lines[:i] + lines[i + 1:], [("old", i + 1)]))
    return cases


def mut_release_no_free(path: str, lines: list[str], spans) -> list[Case]:
    """The `kfree(x);` of a release callback (`void fn(struct device|kobject|kref *)`) that
    frees its container deleted: the last put leaks the object."""
    cases = []
    for s, e in spans:
        if not re.match(r"^(static\s+)?void\s+\w*release\w*\(struct\s+(device|kobject|kref)\s*\*\s*\w+\)\s*$",
                        lines[s]):
            continue
        for i in range(s + 1, e):
            if re.match(r"^\tkfree\(\w+\);\s*$", lines[i]):
                cases.append(Case("release_no_free", path, lines, lines[:i] + lines[i + 1:], [("old", i + 1)]))
                break
    return cases


_SELF_PUT = {"device": "put_device({p});", "kobject": "kobject_put({p});", "kref": "kref_put({p}, {fn});"}


def mut_put_in_own_release(path: str, lines: list[str], spans) -> list[Case]:
    """A put of the object being released added to its release callback (`void fn(struct
    device|kobject|kref *p)`), before its last statement: the count is already zero."""
    cases = []
    for s, e in spans:
        m = re.match(r"^(static\s+)?void\s+(\w*release\w*)\(struct\s+(device|kobject|kref)\s*\*\s*(\w+)\)\s*$",
                     lines[s])
        if not m or e - s < 4 or not re.match(r"^\t\w.*;\s*$", lines[e - 1]):
            continue
        put = _SELF_PUT[m.group(3)].format(p=m.group(4), fn=m.group(2))
        cases.append(Case("put_in_own_release", path, lines, _insert(lines, e - 1, f"\t{put}\n"), [("new", e)]))
    return cases


def mut_del_exit_after_put(path: str, lines: list[str], spans) -> list[Case]:
    """`if (...) { ...; put(x); return ...; }` loses its exit, x still used after the block:
    the path goes on past the put (a use after put, or a second put)."""
    cases = []
    for s, e in spans:
        for i in range(s + 1, e - 2):
            m = FAMILY_PUT_RE.match(lines[i]) or PUT_RE.match(lines[i]) or KREF_PUT_LINE_RE.match(lines[i])
            if not m or not lines[i].startswith("\t\t"):
                continue
            arg = m.group(3) if m.re is KREF_PUT_LINE_RE else m.group(2)
            var = _key(arg)
            ind = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            if not re.fullmatch(r"\w+", var) or not EXIT_RE.match(lines[i + 1]) \
                    or not lines[i + 1].startswith(ind) or lines[i + 2] != ind[:-1] + "}\n":
                continue
            after = "".join(lines[i + 3:min(e, i + 9)])
            if not re.search(r"(?<![\w>.])%s\s*->" % var, after) or re.search(r"(?<![\w>.])%s\s*=[^=]" % var, after):
                continue
            cases.append(Case("del_exit_after_put", path, lines, lines[:i + 1] + lines[i + 2:], [("old", i + 2)]))
    return cases


_KREF_PUTTERS = r"(" + "|".join(sorted(PLAIN_PUTS | {"module_put", "kref_put"})) + r")\("
OWN_FILES.update({
    "add_return_skip_put": (_KREF_PUTTERS, mut_add_return_skip_put),
    "add_goto_skip_put": (_KREF_PUTTERS, mut_add_goto_skip_put),
    "add_check_skip_put": (_KREF_PUTTERS, mut_add_check_skip_put),
    "del_release_cb": (r"(->|\.)dev\.release\s*=|^\s*\.release\s*=", mut_del_release_cb),
    "release_no_free": (r"void\s+\w*release\w*\(struct\s+(device|kobject|kref)\s*\*", mut_release_no_free),
    "put_in_own_release": (r"void\s+\w*release\w*\(struct\s+(device|kobject|kref)\s*\*", mut_put_in_own_release),
    "del_exit_after_put": (_KREF_PUTTERS, mut_del_exit_after_put),
    "kref_put_twice": (r"kref_put(_mutex|_lock)?\(", mut_kref_put_twice),
    "use_after_kref_put": (r"kref_put(_mutex|_lock)?\(", mut_use_after_kref_put),
    "kobj_fail_kfree": (r"kobject_init_and_add\(", mut_kobj_fail_kfree),
})


LIFETIME_MUTATORS = (mut_devm_conv, mut_dvb_direct, mut_del_detach, mut_devref_to_modref, mut_del_symbol_put)

# ---------------------------------------------------------------- devres-owned references

def _table_putter(name: str) -> bool:
    from reviewbot.checks import _kapi
    r = _kapi.get(name)
    return r is not None and r.kind == "putter" and name != "kfree"


PUT_ACTION_DEF_RE = re.compile(r"^static void (\w+)\(void \*(\w+)\)\n\{\n\t(\w+)\((?:\([^()]*\))?(\w+)\);\n\}\n",
                               re.M)
ACTION_CALL_RE = re.compile(r"^(\t+)(\w+) = devm_add_action_or_reset\([^,]+,\s*(\w+),\s*(?:\([^()]*\))?"
                            r"([\w>.-]+)\);\s*$")


def mut_put_after_devm_action(path: str, lines: list[str], spans) -> list[Case]:
    """`ret = devm_add_action_or_reset(dev, fn, x);` where the file's `fn(void *p)` is one put of
    the table on p: that put of x is added in the call's failure branch (`if (ret) return ret;`
    -> `{ put(x); return ret; }`: the action already ran) or else before the function's final
    `return` (devres puts it again at unbind) -> expect new side at the added put."""
    text = "".join(lines)
    acts = {m.group(1): m.group(3) for m in PUT_ACTION_DEF_RE.finditer(text)
            if m.group(4) == m.group(2) and _table_putter(m.group(3))}
    cases = []
    for s, e in spans:
        for i in range(s, e + 1):
            m = ACTION_CALL_RE.match(lines[i])
            if not m or m.group(3) not in acts:
                continue
            put, ind, var, obj = acts[m.group(3)], m.group(1), m.group(2), m.group(4)
            if i + 2 <= e and re.match(r"^\s*if \(%s\)\s*$" % var, lines[i + 1]) and \
                    re.match(r"^\s*return %s;\s*$" % var, lines[i + 2]):
                new = lines[:i + 1] + [f"{ind}if ({var}) {{\n", f"{ind}\t{put}({obj});\n", f"{ind}\treturn {var};\n",
                                       f"{ind}}}\n"] + lines[i + 3:]
                cases.append(Case("put_after_devm_action", path, lines, new, [("new", i + 3)]))
                continue
            fin = _final_return(lines, s, e)
            if fin is None or fin <= i or not re.match(r"^\treturn 0;", lines[fin]):
                continue
            new = _insert(lines, fin, f"\t{put}({obj});\n")
            cases.append(Case("put_after_devm_action", path, lines, new, [("new", fin + 1)]))
    return cases


# devm getters/allocators of a refcounted object (6.12) whose plain twin takes the same arguments,
# with the put that the devres action runs
DEVRES_PUTS = {
    "devm_clk_get": "clk_put", "devm_clk_get_optional": "clk_put", "devm_regulator_get": "regulator_put",
    "devm_regulator_get_optional": "regulator_put", "devm_gpiod_get": "gpiod_put",
    "devm_gpiod_get_optional": "gpiod_put", "devm_gpiod_get_index": "gpiod_put",
    "devm_spi_alloc_host": "spi_controller_put", "devm_spi_alloc_master": "spi_master_put",
    "devm_spi_alloc_target": "spi_controller_put", "devm_iio_device_alloc": "iio_device_free",
    "devm_phy_get": "phy_put", "devm_pwm_get": "pwm_put", "devm_nvmem_cell_get": "nvmem_cell_put",
    "devm_iio_channel_get": "iio_channel_release", "devm_reset_control_get_exclusive": "reset_control_put",
    "devm_pinctrl_get": "pinctrl_put", "devm_usb_get_phy": "usb_put_phy",
}
DEVRES_GOT_RE = re.compile(r"^(\t+)([\w>.-]+) = (%s)\(" % "|".join(sorted(DEVRES_PUTS, key=len, reverse=True)))


def mut_put_devm_got(path: str, lines: list[str], spans) -> list[Case]:
    """`x = devm_clk_get(...)` (a devm getter/allocator of `DEVRES_PUTS`) in probe: its plain
    put (`clk_put(x)`) added before probe's final `return`, or for a member at the end of
    remove() -> expect new side at the put."""
    cases = []
    unbind = _unbind_spans(lines, spans)
    for s, e in spans:
        if not PROBE_HEAD_RE.search("".join(lines[s:s + 2]).split("{")[0]):
            continue
        for i in range(s, e + 1):
            m = DEVRES_GOT_RE.match(lines[i])
            if not m:
                continue
            var, put = m.group(2), DEVRES_PUTS[m.group(3)]
            base = re.split(r"->|\.", var)[0]
            done = False
            if "->" in var:
                for s2, e2 in unbind:
                    if re.search(r"\*%s = " % re.escape(base), "".join(lines[s2:e2])) and \
                            re.match(r"^\}", lines[e2]):
                        at = e2 if not re.match(r"^\treturn\b", lines[e2 - 1]) else e2 - 1
                        new = _insert(lines, at, f"\t{put}({var});\n")
                        cases.append(Case("put_devm_got", path, lines, new, [("new", at + 1)]))
                        done = True
                        break
            if done:
                continue
            fin = _final_return(lines, s, e)
            if fin is None or fin <= i or not re.match(r"^\treturn 0;", lines[fin]):
                continue
            new = _insert(lines, fin, f"\t{put}({var});\n")
            cases.append(Case("put_devm_got", path, lines, new, [("new", fin + 1)]))
    return cases


PLAIN_GOT_RE = re.compile(r"^(\t+)([\w>.-]+) = (%s)\(" % "|".join(
    sorted((k[len("devm_"):] for k in DEVRES_PUTS), key=len, reverse=True)))


def mut_devm_keep_put(path: str, lines: list[str], spans) -> list[Case]:
    """A half-done conversion to devres of a refcounted getter/allocator: `x = clk_get(dev, ...)`
    whose put `clk_put(x)` the file calls -> `devm_clk_get(dev, ...)`, the put kept -> expect
    new side at the call."""
    text = "".join(lines)
    cases = []
    for s, e in spans:
        for i in range(s, e + 1):
            m = PLAIN_GOT_RE.match(lines[i])
            if not m or lines[i][m.end(3) - len(m.group(3)) - 1] == "_":
                continue
            var, plain = m.group(2), m.group(3)
            put = DEVRES_PUTS["devm_" + plain]
            scope = text if "->" in var else "".join(lines[s:e + 1])
            if not re.search(r"^\s*%s\(%s\);" % (put, re.escape(var)), scope, re.M):
                continue
            new = list(lines)
            new[i] = lines[i].replace(f" = {plain}(", f" = devm_{plain}(", 1)
            cases.append(Case("devm_keep_put", path, lines, new, [("new", i + 1)]))
    return cases


ERR_EXIT_RE = re.compile(r"^\s*(return -E[A-Z0-9]+|return (ret|err|rc|error|PTR_ERR\(.*\)|dev_err_probe\(.*);|goto \w+;)")


def mut_undevm_remove_only(path: str, lines: list[str], spans) -> list[Case]:
    """A managed set-up of probe made plain (`devm_clk_get()` -> `clk_get()`, `devm_kzalloc()` ->
    `kzalloc()`, `devm_iio_device_register()` -> `iio_device_register()`) with its release
    added at the end of remove() only, while probe has error exits after the set-up (devres
    undid it there) -> expect old side at the removed line (or new side at the plain call)."""
    from reviewbot.checks.module import _devres_owned
    twins = _devm_twins()
    unbind = _unbind_spans(lines, spans)
    if not unbind:
        return []
    s2, e2 = unbind[0]
    if not re.match(r"^\}", lines[e2]):
        return []
    rm_text = "".join(lines[s2:e2])
    cases = []
    for s, e in spans:
        if s <= s2 <= e or not PROBE_HEAD_RE.search("".join(lines[s:s + 2]).split("{")[0]):
            continue
        for i in range(s, e + 1):
            m = DEVM_STMT_RE.match(lines[i])
            if not m or m.group(2) not in twins or "," not in m.group(3):
                continue
            plain, names, kind = twins[m.group(2)]
            lhs = re.match(r"^\t+([\w>.\[\]-]+) = ", lines[i])
            args = m.group(3)
            if kind == "memory" and lhs and "->" in lhs.group(1):
                rel, obj = "kfree", lhs.group(1)
            elif kind == "resource" and lhs:
                rels = sorted(_devres_owned._releases_of(plain), key=lambda n: ("put" not in n, n))
                if not rels:
                    continue
                rel, obj = rels[0], lhs.group(1)
            elif kind == "interface" and plain not in ("pm_runtime_enable",):
                obj = args.split(",", 1)[1].split(",")[0].strip() if "," in args else ""
                if not re.fullmatch(r"[\w>.-]+", obj):
                    continue
                rel = names[0]
            else:
                continue
            base = re.split(r"->|\.", obj)[0].lstrip("&")
            if not re.search(r"[\s*]%s\s*=" % re.escape(base), rm_text):
                continue  # remove() does not name the object the same way
            if not any(ERR_EXIT_RE.match(lines[k]) for k in range(i + 4, e)):
                continue  # no error exit of probe after the set-up
            if kind in ("memory", "irq") or plain in _NO_DEV_PLAIN:
                args = args.split(",", 1)[1].lstrip()
            new = list(lines)
            new[i] = lines[i][:m.start(2)] + plain + "(" + args + lines[i][m.end(3):]
            at = e2 if not re.match(r"^\treturn\b", lines[e2 - 1]) else e2 - 1
            new = new[:at] + [f"\t{rel}({obj});\n"] + new[at:]
            cases.append(Case("undevm_remove_only", path, lines, new, [("old", i + 1), ("new", i + 1)]))
    return cases


UNOWNED_STORE_RE = re.compile(r"^\t+(\w+)->(\w+) = (&\w+(?:->|\.)(dev)|(?:\w*dev(?:->|\.)|\w+->dev\.)(of_node));\s*$")


def mut_put_unowned_member(path: str, lines: list[str], spans) -> list[Case]:
    """`priv->np = dev->of_node;` / `priv->dev = &pdev->dev;` (the only stores into that member,
    none of a getter's result, no get on the member in the file): `of_node_put(priv->np);` /
    `put_device(priv->dev);` added at the end of remove() -> expect new side at the put."""
    text = "".join(lines)
    unbind = _unbind_spans(lines, spans)
    cases = []
    seen = set()
    for i, ln in enumerate(lines):
        m = UNOWNED_STORE_RE.match(ln)
        if not m or m.group(2) in seen:
            continue
        base, member, leaf = m.group(1), m.group(2), m.group(4) or m.group(5)
        stores = re.findall(r"(?:->|\.)%s\s*=\s*([^;=][^;]*);" % member, text)
        if any(not re.fullmatch(r"&\w+(?:->|\.)dev|(?:\w*dev(?:->|\.)|\w+->dev\.)of_node|NULL", st.strip())
               for st in stores):
            continue
        if re.search(r"&\s*\w+(?:->|\.)%s\b" % member, text) or re.search(
                r"\b(of_node_get|get_device|fwnode_handle_get|of_node_put|put_device)\([^;]*(->|\.)%s\b" % member, text):
            continue
        put = "of_node_put" if leaf == "of_node" else "put_device"
        for s2, e2 in unbind:
            if not re.search(r"\*%s = " % re.escape(base), "".join(lines[s2:e2])) or not re.match(r"^\}", lines[e2]):
                continue
            at = e2 if not re.match(r"^\treturn\b", lines[e2 - 1]) else e2 - 1
            new = _insert(lines, at, f"\t{put}({base}->{member});\n")
            cases.append(Case("put_unowned_member", path, lines, new, [("new", at + 1)]))
            seen.add(member)
            break
    return cases


CTOR_HEAD_RE = re.compile(r"\b\w*(alloc|create|new)\w*\s*\(")
INIT_REF_RE = re.compile(r"^\t+(device_initialize|kref_init|kobject_init)\(&(\w+)->([\w.]+)[,)]")


def mut_extra_get_on_return(path: str, lines: list[str], spans) -> list[Case]:
    """A constructor (`*alloc*`, `*create*`, `*new*`) that `device_initialize(&x->dev)` /
    `kref_init(&x->ref)` / `kobject_init(&x->kobj, ...)` and ends `return x;` gets
    `get_device(&x->dev);` / `kref_get(&x->ref);` / `kobject_get(&x->kobj);` right before that
    return: the caller already owns the first reference, the second is never dropped -> expect
    new side at the added get."""
    getter = {"device_initialize": "get_device", "kref_init": "kref_get", "kobject_init": "kobject_get"}
    cases = []
    for s, e in spans:
        head = "".join(lines[s:s + 2]).split("{")[0]
        if not CTOR_HEAD_RE.search(head) or re.search(r"(get|find|lookup)", head.split("(")[0]):
            continue
        for i in range(s, e + 1):
            m = INIT_REF_RE.match(lines[i])
            if not m:
                continue
            var = m.group(2)
            fin = _final_return(lines, s, e)
            if fin is None or fin <= i or not re.match(r"^\treturn %s;" % var, lines[fin]):
                continue
            if re.search(r"\b(h?list_add\w*|idr_alloc\w*|xa_store\w*|xa_insert\w*|radix_tree_insert)\([^;]*\b%s\b"
                         % var, "".join(lines[i:fin])):
                continue  # published: the list keeps the first reference, a get for the caller is right
            new = _insert(lines, fin, f"\t{getter[m.group(1)]}(&{var}->{m.group(3)});\n")
            cases.append(Case("extra_get_on_return", path, lines, new, [("new", fin + 1)]))
            break
    return cases


LOCK_LINE_RE = re.compile(r"^(\t+)(spin_lock\w*|mutex_lock\w*|read_lock\w*|write_lock\w*|rcu_read_lock|xa_lock\w*)\(")
BARE_GET_RE = re.compile(r"^\t+(kref_get|kobject_get|get_device|of_node_get|pci_dev_get|dev_hold|sock_hold)\(&?(\w+)\b")


def mut_get_after_unlock(path: str, lines: list[str], spans) -> list[Case]:
    """`lock(L); x = lookup(...); [if (x)] get(x); unlock(L);` (at most 6 lines): the unlock moved
    above the get (and its `if`) -> the get runs on an object the lock no longer keeps alive
    -> expect new side at the moved unlock or the get."""
    cases = []
    for s, e in spans:
        for i in range(s, e + 1):
            lm = LOCK_LINE_RE.match(lines[i])
            if not lm:
                continue
            for k in range(i + 1, min(i + 7, e)):
                g = BARE_GET_RE.match(lines[k])
                if not g:
                    continue
                var = g.group(2)
                if not any(re.match(r"^\t+%s = \w+\(" % var, lines[x]) for x in range(i + 1, k)):
                    break
                unl = k + 1
                if unl > e or not re.match(r"^\t+(spin_unlock|mutex_unlock|read_unlock|write_unlock|rcu_read_unlock|"
                                           r"xa_unlock)\w*\(", lines[unl]):
                    break
                top = k - 1 if re.match(r"^\t+if \(!?%s\)\s*$" % var, lines[k - 1]) else k
                if lines[unl][:len(lines[unl]) - len(lines[unl].lstrip())] != lines[top][:len(lines[top]) - len(lines[top].lstrip())]:
                    break  # not the same block
                new = lines[:top] + [lines[unl]] + lines[top:unl] + lines[unl + 1:]
                cases.append(Case("get_after_unlock", path, lines, new, [("new", top + 1), ("new", top + 2)]))
                break
    return cases


OWN_FILES.update({
    "put_after_devm_action": (r"devm_add_action_or_reset\(", mut_put_after_devm_action),
    "put_devm_got": (r"= devm_(%s)\(" % "|".join(k[len("devm_"):] for k in DEVRES_PUTS), mut_put_devm_got),
    "devm_keep_put": (r"(%s)\(" % "|".join(DEVRES_PUTS.values()), mut_devm_keep_put),
    "get_after_unlock": (r"^\s+(kref_get|kobject_get|get_device|of_node_get|pci_dev_get|dev_hold|sock_hold)\(",
                         mut_get_after_unlock),
    "extra_get_on_return": (r"^\s+(device_initialize|kref_init|kobject_init)\(&", mut_extra_get_on_return),
    "put_unowned_member": (r"^\s+\w+->\w+ = &?\w+(->|\.)(dev\.)?(of_node|dev);", mut_put_unowned_member),
    "undevm_remove_only": (r"= devm_(kzalloc|kmalloc|kcalloc|clk_get|regulator_get|gpiod_get|reset_control_get|"
                           r"phy_get|\w+_register\w*)\w*\(", mut_undevm_remove_only),
})


# ---------------------------------------------------------------- devm outside probe, devm IRQ requeue
#
# Written from what devres guarantees, not from a case: a devres entry lives until the driver
# unbinds, so one made in a callback that runs many times per binding piles up (and memory
# handed out per call outlives its user); and a devm IRQ is freed only after .remove()
# returns, so a handler that queues work or arms a timer can do it again after remove()
# cancelled them.

# Ops-struct members that run once per binding (or free): a devm call there is probe-time.
_ONCE_MEMBER_RE = re.compile(r"probe|remove|bind|attach|detach|connect|^add|_add$|online|shutdown|exit|destroy|"
                             r"release|free|^init$|_init$|^init_|driver|owner|name")
_OPS_MEMBER_RE = re.compile(r"^\t+\.(\w+)\s*=\s*&?(\w+),?\s*$")
_DEV_ARG_RE = re.compile(r"\bdev_(?:err|warn|info|dbg|notice|err_probe|err_ratelimited|warn_ratelimited)\(\s*"
                         r"([\w>.&-]+)\s*,")
_CB_ALLOC_RE = re.compile(r"^(\t+)(\w+) = (kzalloc|kmalloc|kcalloc|kmalloc_array|kstrdup|kmemdup)\(")


def _callbacks(lines: list[str]) -> set[str]:
    """Functions a file-scope ops initializer names for a member that runs per call (not
    probe/remove/bind/...)."""
    out = set()
    for ln in lines:
        m = _OPS_MEMBER_RE.match(ln)
        if m and not _ONCE_MEMBER_RE.search(m.group(1)):
            out.add(m.group(2))
    return out


def mut_devm_in_callback(path: str, lines: list[str], spans) -> list[Case]:
    """`x = kzalloc(...)` ... `kfree(x);` (at the top level: the memory of one call) in an ops
    callback that runs per call (a member of an
    ops initializer other than probe/remove/bind/...: `.dt_node_to_map`, `.open`,
    `.hw_params`, `.request`, `.ndo_open`, `.store` of an attribute, ...) -> `devm_kzalloc(<the
    device the function logs with>, ...)` with the kfree()s dropped: each call keeps its memory
    until the driver unbinds -> expect new side at the allocation."""
    cbs = _callbacks(lines)
    if not cbs:
        return []
    cases = []
    for s, e in spans:
        head = "".join(lines[s:s + 3]).split("{")[0]
        name = re.search(r"(\w+)\s*\(", head)
        if not name or name.group(1) not in cbs or re.search(r"probe|init|setup|bind|create", name.group(1)):
            continue
        body = "".join(lines[s:e + 1])
        dm = _DEV_ARG_RE.search(body) or re.search(r"\bstruct device \*(\w+)", body)
        if not dm:
            continue
        dev = dm.group(1)
        for i in range(s, e + 1):
            m = _CB_ALLOC_RE.match(lines[i])
            if not m or not lines[i].rstrip().endswith(";"):
                continue
            var = m.group(2)
            drop = [k for k in range(i + 1, e + 1) if re.match(r"^\s*kv?free\(%s\);\s*$" % var, lines[k])]
            if any(_braceless_body(lines, k) for k in drop) or not any(
                    lines[k].startswith("\tk") and not any(re.match(r"^\treturn\b", lines[n]) for n in range(i, k))
                    for k in drop):
                continue  # freed on the fall-through path (a top-level free no return precedes): one call's memory
            new = list(lines)
            new[i] = lines[i].replace(f"{m.group(3)}(", f"devm_{m.group(3)}({dev}, ", 1)
            new = [ln for n, ln in enumerate(new) if n not in drop]
            cases.append(Case("devm_in_callback", path, lines, new, [("new", i + 1)]))
            break
    return cases


def _to_devm_twin(lines: list[str], spans, row) -> tuple[int, str] | None:
    """(line, rewritten line) turning the probe's plain `row.setup(...)` into its devm twin
    (the probed device first when the plain call does not take it)."""
    j = _devm_twin_call(lines, row, spans)
    if j is None:
        return None
    head = "".join(lines[k] for k in range(max(0, j - 60), j))
    pm = BUS_PARAM_RE.findall(head)
    if not pm:
        return None
    ty, var = pm[-1]
    dev = var if ty == "device" else f"&{var}->dev"
    plain = lines[j]
    at = plain.index(row.setup + "(") + len(row.setup) + 1
    first = plain[at:].lstrip()
    extra = "" if first.startswith((dev, "dev,", "&pdev->dev")) else dev + ", "
    return j, plain[:at - len(row.setup) - 1] + row.devm + "(" + extra + plain[at:]


def mut_devm_irq_requeue(path: str, lines: list[str], spans) -> list[Case]:
    """`request_irq()` (or a registration of the table) in probe -> its devm twin, the teardown
    dropped from a remove() that, after it, only cancels work, timers or tasklets (no resource
    teardown: not devm_late): the IRQ or interface now stays live until devres tears it down
    after remove() returns, and its handler or callbacks can queue the work again after the
    cancel -> expect new side at the devm call."""
    deferred = _teardown_names(("deferred",))
    dre = re.compile(r"^\t(%s)\(" % "|".join(sorted(deferred, key=len, reverse=True)))
    cases = []
    for (s, e), i, _name, row, later in _unbind_teardowns(lines, spans, ("irq", "interface")):
        if later or not row.devm:
            continue
        if not any(dre.match(lines[k]) for k in range(i + 1, e + 1)):
            continue
        conv = _to_devm_twin(lines, spans, row)
        if conv is None:
            continue
        j, text = conv
        torn = re.search(r"\((.*?)[,)]", lines[i])
        if not torn or torn.group(1).strip() not in text:
            continue  # the teardown of another IRQ or object than the one converted
        new = list(lines)
        new[j] = text
        new = new[:i] + new[i + 1:]
        cases.append(Case("devm_irq_requeue", path, lines, new, [("new", j + 1 if j < i else j)]))
    return cases


OWN_FILES.update({
    "devm_in_callback": (r"= (kzalloc|kmalloc|kcalloc|kmalloc_array|kstrdup|kmemdup)\(", mut_devm_in_callback),
    "devm_irq_requeue": (r"(cancel_\w*work\w*|del_timer\w*|timer_delete\w*|tasklet_kill|hrtimer_cancel)\(",
                         mut_devm_irq_requeue),
})


# ---------------------------------------------------------------- devres undoes an enable (devres_undo.tsv)

def _undo_rows():
    from reviewbot.checks import _kapi
    return {r.devm: r for r in _kapi.devres_undo_rows() if r.on == "return"}


DEVM_ENABLED_RE = re.compile(r"^\t+(?P<var>[\w>.-]+) = (?P<api>devm_\w+)\(")


def mut_undo_devm_enabled(path: str, lines: list[str], spans) -> list[Case]:
    """The undo a managed getter's devres action runs (`clk_disable_unprepare()` of a
    `devm_clk_get_enabled()` clock, `reset_control_assert()` of a `_shared_deasserted` reset)
    added by hand: at the end of a remove() that uses the same base pointer (a member), or on
    an error return after the get in the same function -> expect new side at the added call."""
    rows = _undo_rows()
    cases = []
    for s, e in spans:
        for i in range(s, e + 1):
            m = DEVM_ENABLED_RE.match(lines[i])
            if not m or m.group("api") not in rows:
                continue
            var, undo = m.group("var"), rows[m.group("api")].undo[0]
            base = re.split(r"->|\.", var)[0]
            if base != var:
                for s2, e2 in _unbind_spans(lines, spans):
                    if not re.search(r"\b%s\b" % re.escape(base), "".join(lines[s2:e2 + 1])):
                        continue
                    at = e2 if not re.match(r"^\treturn\b", lines[e2 - 1]) else e2 - 1
                    cases.append(Case("undo_devm_enabled", path, lines, _insert(lines, at, f"\t{undo}({var});\n"),
                                      [("new", at + 1)]))
                    break
            for k in range(i + 3, e + 1):
                r = ERR_RETURN_RE.match(lines[k])
                if r and not _braceless_body(lines, k) and lines[k - 1].rstrip().endswith(("{", ";")):
                    cases.append(Case("undo_devm_enabled", path, lines,
                                      _insert(lines, k, f"{r.group(1)}{undo}({var});\n"), [("new", k + 1)]))
                    break
    return cases


CLK_GET_RE = re.compile(r"^(\t+)(?P<var>[\w>.-]+) = devm_clk_get(?P<opt>_optional)?\(")


def mut_enable_to_devm(path: str, lines: list[str], spans) -> list[Case]:
    """A half-done conversion to `devm_clk_get_enabled()`: `x = devm_clk_get(dev, id)` and the
    `clk_prepare_enable(x)` (with its error check) of the same function -> `x =
    devm_clk_get_enabled(dev, id)` without the enable, while the `clk_disable_unprepare(x)`
    of remove() stays -> expect new side at the getter."""
    text = "".join(lines)
    cases = []
    for s, e in spans:
        for i in range(s, e + 1):
            m = CLK_GET_RE.match(lines[i])
            if not m:
                continue
            var = m.group("var")
            v = re.escape(var)
            if not any(re.match(r"^\tclk_disable_unprepare\(%s\);\s*$" % v, lines[k])
                       for s2, e2 in _unbind_spans(lines, spans) for k in range(s2, e2 + 1)):
                continue
            drop = None
            for k in range(i + 1, e + 1):
                if re.match(r"^\t(?:clk_prepare_enable\(%s\);)\s*$" % v, lines[k]):
                    drop = [k]
                elif re.match(r"^\t(\w+) = clk_prepare_enable\(%s\);\s*$" % v, lines[k]) and k + 2 <= e:
                    if re.match(r"^\tif \(\w+\)\s*$", lines[k + 1]) and lines[k + 2].rstrip().endswith(";"):
                        drop = [k, k + 1, k + 2]
                    elif re.match(r"^\tif \(\w+\) \{\s*$", lines[k + 1]):
                        end = next((n for n in range(k + 2, e + 1) if lines[n].rstrip() == "\t}"), None)
                        drop = list(range(k, end + 1)) if end is not None else None
                if drop:
                    break
            if not drop:
                continue
            new = list(lines)
            new[i] = lines[i].replace("devm_clk_get%s(" % (m.group("opt") or ""),
                                      "devm_clk_get%s_enabled(" % (m.group("opt") or ""), 1)
            new = [ln for n, ln in enumerate(new) if n not in drop]
            cases.append(Case("enable_to_devm", path, lines, new, [("new", i + 1)]))
    return cases


OWN_FILES.update({
    "undo_devm_enabled": (r"= devm_(clk_get\w*_(enabled|prepared)\w*|reset_control_get\w*_deasserted)\(",
                          mut_undo_devm_enabled),
    "enable_to_devm": (r"= devm_clk_get(_optional)?\(", mut_enable_to_devm),
})


DRMM_ALLOC_RE = re.compile(r"^(\t+\S.*?= )drmm_(kzalloc|kmalloc|kcalloc)\((&?)([\w>.-]+), ")


def mut_drmm_to_devm(path: str, lines: list[str], spans) -> list[Case]:
    """`x = drmm_kzalloc(drm, ...)` (freed with the drm_device's last reference, which user space
    can hold after unbind) -> `x = devm_kzalloc(<drm's device>, ...)` (freed at unbind)
    -> expect new side at the allocation."""
    cases = []
    for i, ln in enumerate(lines):
        m = DRMM_ALLOC_RE.match(ln)
        if not m:
            continue
        dev = f"{m.group(4)}.dev" if m.group(3) else f"{m.group(4)}->dev"
        new = list(lines)
        new[i] = ln[:m.start(2) - len("drmm_")] + f"devm_{m.group(2)}({dev}, " + ln[m.end():]
        cases.append(Case("drmm_to_devm", path, lines, new, [("new", i + 1)]))
    return cases


OWN_FILES["drmm_to_devm"] = (r"= drmm_k(zalloc|malloc|calloc)\(", mut_drmm_to_devm)

# Later kinds draw from a file sample of their own (pattern, generator seed offset), so the
# samples of the kinds before them stay what they were.
LATER_LIFETIME = ((mut_del_unlink, r"list_del|unregister\w*_notifier|notifier_chain_unregister", 3),)
LIFETIME_PAT = (r"dvb_attach\(|symbol_get\(|get_device\(|struct (cdev|miscdevice|kref|video_device|tty_port) \w+;|"
                r"struct (device|kobject) \w+;")


def lifetime_files(tree: Path, rng: random.Random, nfiles: int, pat: str = LIFETIME_PAT) -> list[Path]:
    out = subprocess.run(["grep", "-rlE", "--include=*.c", pat, *SCANNED],
                         cwd=tree, capture_output=True, text=True).stdout.split()
    out.sort()
    rng.shuffle(out)
    return [tree / p for p in out[:nfiles]]


MUTATORS = (mut_del_put, mut_goto_skip, mut_del_owner, mut_del_pair, mut_devm_parent,
            mut_dup_put, mut_dup_put_label, mut_put_after_unregister, mut_put_borrowed,
            mut_put_after_consuming_call, mut_put_in_loop_cursor)
LEAK_MUTATORS = (mut_del_put_family, mut_ret_skip_put, mut_reg_fail_no_put, mut_del_release_put)
LEAK_KINDS = KINDS[12:16]
LIFE_KINDS = KINDS[16:22]
PATH_KINDS = ("del_label_put", "get_above_return", "put_after_return", "del_all_puts", "del_put_inner", "put_before_use", "put_stored_on_success", "unscope", "put_wrong_node",
              "iter_put_dropped")
assert all(k in KINDS for k in PATH_KINDS)

NUM_RE = re.compile(r"(?<![\w.])(\d+)(?![\w.])")
STR_RE = re.compile(r'(\w+)\((.*?)"([^"\\%]{4,})')


def unrelated(case: Case, rng: random.Random) -> Case | None:
    """Change a constant or a log string somewhere in the function(s) the mutation touched."""
    lo = min(line for _, line in case.expected) - 1
    span = next(((s, e) for s, e in functions(case.old) if s <= lo <= e), None)
    if span is None:
        span = (max(0, lo - 30), min(len(case.old) - 1, lo + 30))
    idx = list(range(span[0], span[1] + 1))
    rng.shuffle(idx)
    for i in idx:
        ln = case.old[i]
        if ln.lstrip().startswith(("#", "/*", "*", "case ")) or "[" in ln:
            continue
        m = STR_RE.search(ln)
        if m:
            new_ln = ln[:m.start(3)] + "cannot " + m.group(3) + ln[m.end(3):]
        else:
            m = NUM_RE.search(ln)
            if not m or m.group(1) in ("0", "1") or ln.lstrip().startswith(("if", "for", "while")):
                continue
            new_ln = ln[:m.start(1)] + str(int(m.group(1)) + 1) + ln[m.end(1):]
        new = list(case.old)
        new[i] = new_ln
        return Case("unrelated", case.path, case.old, new, [], positive=False)
    return None


# ---------------------------------------------------------------- review + score

TREE_MODE = False  # --tree-mode: the rules also get the file's pre- and post-image
COCCI_ONLY = False  # --cocci-only: only the findings the Coccinelle path engine produced


OVERPUT_KINDS = KINDS[6:12] + KINDS[22:25] + ("put_given_node", "put_spec_node", "put_before_goto_put",
                                                "put_returned_obj", "put_in_lookup_loop", "put_after_register_ok")
# The message an over-put fix is posted with: it names the defect it removes.
FIX_MESSAGE = "Fix a double put: the reference was already dropped on this path."


def review(case: Case, message: str = "Update error handling.") -> tuple[list[dict], list[dict]]:
    body = case.diff()
    patch = Patch(index=1, subject="[PATCH] driver: update error handling", msgid=None,
                  author="Bench <bench@example.org>", message=message, notes="",
                  diff=body, files=parse_diff(body))
    series = Series(subject=patch.subject, msgid=None, revision=1, base=None, patches=(patch,))
    if TREE_MODE:
        ctx = Context(mode="tree", files=MappingProxyType(
            {case.path: FileImages(pre="".join(case.old), post="".join(case.new))}))
        rv = engine.review(series, context_for=lambda _p: ctx, context_mode="tree")
    else:
        rv = engine.review(series)
    shown, every = review_dict(rv)["findings"], review_dict(rv, show_all=True)["findings"]
    if COCCI_ONLY:
        from reviewbot.checks.module import _cocci

        shown, every = ([f for f in fs if _cocci.is_cocci_message(f["message"])] for fs in (shown, every))
    return shown, every


def detected(case: Case, findings: list[dict]) -> bool:
    return any(f["path"] == case.path and f["side"] == side and abs(f["line"] - line) <= TOL
               for side, line in case.expected for f in findings)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=60, help="cases per mutation kind (default 60)")
    ap.add_argument("--files", type=int, default=4000, help="files sampled from the tree (default 4000)")
    ap.add_argument("--seed", type=int, default=612)
    ap.add_argument("--show", default=None, help="print failures of this kind (or 'all')")
    ap.add_argument("--kinds", default=None, help="comma-separated mutation kinds to run (default all)")
    ap.add_argument("--tree-mode", action="store_true",
                    help="give the rules the touched file's full pre/post image (as --tree does)")
    ap.add_argument("--cocci-only", action="store_true",
                    help="with --tree-mode: score only the Coccinelle path engine's findings")
    args = ap.parse_args(argv)
    global TREE_MODE, COCCI_ONLY
    TREE_MODE = args.tree_mode or args.cocci_only
    COCCI_ONLY = args.cocci_only
    if COCCI_ONLY:
        os.environ["REVIEWBOT_ENGINES"] = "cocci"
    rng = random.Random(args.seed)
    rng_over = random.Random(args.seed + 1)
    tree = ensure_tree()
    kinds = tuple(k for k in KINDS if not args.kinds or k in args.kinds.split(","))
    by_kind: dict[str, list[Case]] = defaultdict(list)
    for f in candidate_files(tree, rng, args.files):
        if all(len(by_kind[k]) >= args.limit for k in kinds
               if k not in LEAK_KINDS + LIFE_KINDS + PATH_KINDS and k not in OWN_FILES):
            break
        try:
            lines = f.read_text(encoding="utf-8").splitlines(True)
        except (UnicodeDecodeError, OSError):
            continue
        spans = functions(lines)
        rel = str(f.relative_to(tree))
        for mut in MUTATORS:
            if all(k in LEAK_KINDS + LIFE_KINDS + PATH_KINDS or k in OWN_FILES for k in kinds):
                break
            cs = [c for c in mut(rel, lines, spans) if c.kind in kinds]
            # the over-put kinds shuffle with their own generator: the older kinds' samples
            # stay what they were before those kinds existed
            (rng if mut in MUTATORS[:5] else rng_over).shuffle(cs)
            for c in cs[:2]:  # at most two cases of a kind per file: spread over many drivers
                if len(by_kind[c.kind]) < args.limit:
                    by_kind[c.kind].append(c)
    for kind, (pat, mut) in OWN_FILES.items():
        if kind not in kinds:
            continue
        found = subprocess.run(["grep", "-rlE", "--include=*.c", pat, *SCANNED],
                               cwd=tree, capture_output=True, text=True).stdout.split()
        found.sort()
        rng_own = random.Random(args.seed + 2)
        rng_own.shuffle(found)
        for rel in found:
            if len(by_kind[kind]) >= args.limit:
                break
            try:
                lines = (tree / rel).read_text(encoding="utf-8").splitlines(True)
            except (UnicodeDecodeError, OSError):
                continue
            cs = [c for c in mut(rel, lines, functions(lines)) if c.kind == kind]
            rng_own.shuffle(cs)
            by_kind[kind].extend(cs[:min(2, args.limit - len(by_kind[kind]))])
    # the leak kinds sample their own files (every putter family of the table, and unwind
    # gotos) with their own generator: the older kinds' samples stay what they were
    leak = [k for k in kinds if k in LEAK_KINDS]
    if leak:
        rng_leak = random.Random(args.seed + 2)
        for f in candidate_files(tree, rng_leak, args.files, LEAK_FILES_RE):
            if all(len(by_kind[k]) >= args.limit for k in leak):
                break
            try:
                lines = f.read_text(encoding="utf-8").splitlines(True)
            except (UnicodeDecodeError, OSError):
                continue
            spans = functions(lines)
            rel = str(f.relative_to(tree))
            for mut in LEAK_MUTATORS:
                cs = [c for c in mut(rel, lines, spans) if c.kind in leak]
                rng_leak.shuffle(cs)
                for c in cs[:2]:
                    if len(by_kind[c.kind]) < args.limit:
                        by_kind[c.kind].append(c)
    # the lifetime kinds sample files of their own too
    rng_life = random.Random(args.seed + 2)
    groups = [(LIFETIME_MUTATORS, LIFETIME_PAT, rng_life)] + [
        ((mut,), pat, random.Random(args.seed + off)) for mut, pat, off in LATER_LIFETIME]
    for muts, pat, grng in groups:
        want = {m.__name__[4:] for m in muts} & set(kinds)
        if not want:
            continue
        for f in lifetime_files(tree, grng, args.files, pat):
            if all(len(by_kind[k]) >= args.limit for k in want):
                break
            try:
                lines = f.read_text(encoding="utf-8").splitlines(True)
            except (UnicodeDecodeError, OSError):
                continue
            if any(not ln.endswith("\n") for ln in lines):
                continue  # a form feed or a CR splits lines where a diff does not
            spans = functions(lines)
            rel = str(f.relative_to(tree))
            for mut in muts:
                cs = [c for c in mut(rel, lines, spans) if c.kind in want]
                grng.shuffle(cs)
                for c in cs[:2]:
                    if len(by_kind[c.kind]) < args.limit:
                        by_kind[c.kind].append(c)
    # the path kinds sample their own files too (seed offset 4)
    want = [k for k in kinds if k in PATH_KINDS]
    if want:
        rng_path = random.Random(args.seed + 4)
        for f in candidate_files(tree, rng_path, args.files, LEAK_FILES_RE):
            if all(len(by_kind[k]) >= args.limit for k in want):
                break
            try:
                lines = f.read_text(encoding="utf-8").splitlines(True)
            except (UnicodeDecodeError, OSError):
                continue
            if any(not ln.endswith("\n") for ln in lines):
                continue
            spans = functions(lines)
            rel = str(f.relative_to(tree))
            for mut in PATH_MUTATORS:
                cs = [c for c in mut(rel, lines, spans) if c.kind in want]
                rng_path.shuffle(cs)
                for c in cs[:2]:
                    if len(by_kind[c.kind]) < args.limit:
                        by_kind[c.kind].append(c)
    rows = []
    fails: list[tuple[Case, list[dict], list[dict]]] = []
    neg = {"fix": [0, 0], "fix_said": [0, 0], "unrelated": [0, 0]}
    fp_rules: dict[str, dict[str, int]] = {k: defaultdict(int) for k in neg}
    for kind in kinds:
        hit = 0
        for c in by_kind[kind]:
            shown, every = review(c)
            if detected(c, shown):
                hit += 1
            else:
                fails.append((c, shown, every))
            fix = Case("fix", c.path, c.new, c.old, [], positive=False)
            negs = [fix]
            if kind in OVERPUT_KINDS:
                negs.append(Case("fix_said", c.path, c.new, c.old, [], positive=False))
            u = unrelated(c, rng)
            if u is not None:
                negs.append(u)
            for n in negs:
                shown_n, every_n = review(n, FIX_MESSAGE) if n.kind == "fix_said" else review(n)
                neg[n.kind][0] += 1
                if shown_n:
                    neg[n.kind][1] += 1
                    for fd in shown_n:
                        fp_rules[n.kind][f"{kind}:{fd['rule']}"] += 1
                    fails.append((n, shown_n, every_n))
        rows.append((kind, len(by_kind[kind]), hit))
    print("| mutation | cases | detected | recall |")
    print("|---|---:|---:|---:|")
    for kind, n, hit in rows:
        print(f"| {kind} | {n} | {hit} | {hit / n:.0%} |" if n else f"| {kind} | 0 | 0 | - |")
    tot_n = sum(n for _, n, _ in rows)
    tot_h = sum(h for _, _, h in rows)
    print(f"| **all** | {tot_n} | {tot_h} | {tot_h / max(tot_n, 1):.0%} |")
    print()
    print("| negative | cases | with findings | FP rate |")
    print("|---|---:|---:|---:|")
    for k, (n, bad) in neg.items():
        print(f"| {k} | {n} | {bad} | {bad / max(n, 1):.1%} |")
    for k, d in fp_rules.items():
        if d:
            print(f"\n{k} false positives by (mutation:rule): " + ", ".join(f"{r}={c}" for r, c in sorted(d.items())))
    if args.show:
        for c, shown, every in fails:
            if args.show not in ("all", c.kind):
                continue
            print(f"\n=== {c.kind} {c.path} expected={c.expected}")
            print(" shown:", [(f["rule"], f["side"], f["line"], f.get("confidence")) for f in shown])
            print(" all:  ", [(f["rule"], f["side"], f["line"], f.get("confidence")) for f in every])
            print(c.diff())
    return 0


if __name__ == "__main__":
    sys.exit(main())
