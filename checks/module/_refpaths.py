"""What the paths of one function do to a reference: the gets it takes, which of them failed
where an exit runs, the puts on the way to an exit, and whether the reference leaves the
function's hands (stored, handed off, returned).

Shared by the get/put balance rules (MOD003, MOD019, MOD020, ...).  The function model and its
paths are reviewbot.analysis.flow's; the get/put vocabulary is `_apis` (the API table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewbot.analysis import cmodel
from reviewbot.analysis.clex import balanced, norm
from reviewbot.analysis.flow import Aliases, calls_in, enclosing_if, line_of
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _apis


def puts_of(calls, obj: str, putters: tuple[str, ...] | None = None) -> list[cmodel.Call]:
    """Calls that drop a reference on `obj` (any known putter when `putters` is None)."""
    out = []
    for c in calls:
        if (putters is None and _apis.is_putter(c.name)) or (putters and c.name in putters):
            if _apis.same_object(_apis.put_object(c.name, list(c.args)), obj):
                out.append(c)
    return out


_NEG_TEST = re.compile(r"^\(?\s*(!\s*(?P<a>\*?[\w>.\-\[\]]+)|IS_ERR(_OR_NULL)?\((?P<b>[^()]+)\)|"
                       r"(?P<c>\*?[\w>.\-\[\]]+)\s*==\s*NULL|NULL\s*==\s*(?P<d>\*?[\w>.\-\[\]]+))\s*\)?$")
_NEG_PRED = re.compile(r"^!\s*\w+\(\s*(?P<a>\*?[\w>.\-\[\]]+)\s*\)$")
# The pointer a `struct fd` handle holds (include/linux/file.h `#define fd_file(f) ((f).file)`):
# fdget() took a reference only when it is non-NULL, so `!fd_file(f)` tests that fdget() failed.
_FD_FILE = re.compile(r"\bfd_file\s*\(\s*([\w>.\-]+)\s*\)")
# Condition wrappers that do not change what is tested: `if (WARN_ON(!dev))`, `unlikely(!np)`.
_COND_WRAPPER = re.compile(r"^\(?\s*(?:WARN_ON(?:_ONCE)?|unlikely|likely|IS_ENABLED_AND)\s*\((.*)\)\s*\)?$")


def null_tested(part: str) -> str:
    """The pointer a condition part tests for NULL or an error (`!np`, `IS_ERR(dev)`, `np ==
    NULL`, through `WARN_ON()`-like wrappers), or ""."""
    m = _NEG_TEST.match(_unwrap(part.strip()))
    return (m.group("a") or m.group("b") or m.group("c") or m.group("d") or "") if m else ""


# `WARN(cond, fmt, ...)`, `WARN_ONCE(cond, fmt, ...)` (include/asm-generic/bug.h): the first
# argument is the condition, the rest a message
_COND_WARN_FMT = re.compile(r"^\(?\s*(?:WARN|WARN_ONCE)\s*\((.*)\)\s*\)?$", re.S)


def _unwrap(cond: str) -> str:
    """`WARN_ON(!dev)` -> `!dev`: the condition a wrapper macro tests."""
    prev = None
    while prev != cond:
        prev = cond
        m = _COND_WRAPPER.match(cond)
        if m and balanced(m.group(1) + ")", 0) == m.group(1):
            cond = m.group(1).strip()
            continue
        m = _COND_WARN_FMT.match(cond)
        if m and balanced(m.group(1) + ")", 0) == m.group(1):
            first = cmodel.split_args(m.group(1))[:1]
            if first and first[0].strip():
                cond = first[0].strip()
    return cond


@dataclass(frozen=True)
class Get:
    call: cmodel.Call
    api: _apis.Api
    obj: str  # normalised referenced object


# `*np __free(device_node)` and `__free(device_node) *np` (drivers/of/resolver.c): the variable
_CLEANUP_VAR = re.compile(r"\b(\w+)\s+__free\s*\(\s*\w+\s*\)(?!\s*\**\s*\w)|__free\s*\(\s*\w+\s*\)\s*\**\s*(\w+)")


def cleanup_vars(text: str) -> set[str]:
    """The variables `text` declares with a scope-based cleanup (`__free()`), either spelling."""
    return {a or b for a, b in _CLEANUP_VAR.findall(text)}


def gets(func: cmodel.Function) -> list[Get]:
    """The gets of a function, but not those a scope-based cleanup variable owns
    (`cleanup_owned`): the compiler drops that reference on every exit."""
    if "gets" in func._cache:
        return func._cache["gets"]
    out = []
    for c in func.calls():
        api = _apis.BY_GETTER.get(c.name)
        if api is None:
            continue
        obj = _apis.ref_object(api, list(c.args), c.lhs)
        if obj and not cleanup_owned(func, c, obj):
            out.append(Get(c, api, obj))
    func._cache["gets"] = out
    return out


_CLEANUP_INIT = re.compile(r"(?:\b\w+\s+__free\s*\(\s*\w+\s*\)|__free\s*\(\s*\w+\s*\)\s*\**\s*\w+)\s*=\s*([^;]+);")


def cleanup_owned(func: cmodel.Function, c: cmodel.Call, obj: str) -> bool:
    """Does a scope-based cleanup variable own the reference the get `c` takes on `obj`: the
    get initialises it (`struct device_node *np __free(device_node) = of_get_child_by_name()`),
    or one is initialised from the object (`pdev = of_find_device_by_node(node); struct device
    *dev __free(put_device) = pdev ? &pdev->dev : NULL;`)?"""
    if "__free" not in func.text:
        return False
    if "auto" not in func._cache:
        func._cache["auto"] = cleanup_vars(func.text)
    if c.lhs and ("__free" in c.lhs or c.lhs in func._cache["auto"]):
        return True
    base = _apis.base_object(obj) if obj else ""
    return bool(base) and any(re.search(r"\b%s\b" % re.escape(base), m.group(1))
                              for m in _CLEANUP_INIT.finditer(func.text))


def _tested_false(cond: str, name: str) -> bool:
    """The condition tests that the call `name(...)` returned false: `!name(...)`,
    `name(...) == 0` (or `== false`), `0 == name(...)`."""
    if re.search(r"!\s*%s\b" % name, cond) or re.search(r"\b(?:0|false)\s*==\s*%s\s*\(" % name, cond):
        return True
    m = re.search(r"\b%s\s*\(" % name, cond)
    return m is not None and re.match(r"\s*==\s*(?:0|false)\b", cond[m.end() + len(balanced(cond, m.end())) + 1:]) is not None


def _status_call_failed(cond: str, name: str) -> bool:
    """The condition is the call itself, or the call `< 0` / `!= 0`: true when it failed."""
    c = cond.strip()
    while c.startswith("(") and c.endswith(")") and balanced(c, 1) == c[1:-1]:
        c = c[1:-1].strip()
    m = re.match(r"%s\s*\(" % re.escape(name), c)
    if m is None:
        return False
    rest = c[m.end() + len(balanced(c, m.end())) + 1:].strip()
    return rest in ("", "< 0", "<0", "!= 0", "!=0")


def failed_get_at(func: cmodel.Function, jump_node, aliases: "Aliases | None" = None) -> list[str]:
    """Objects whose get *failed* when `jump_node` runs (it is in the failure branch)."""
    return [o for o, _ in failed_gets_at(func, jump_node)]


def failed_gets_at(func: cmodel.Function, jump_node) -> list[tuple[str, _apis.Api]]:
    """(object, API) of the gets that *failed* when `jump_node` runs: what the failure branch
    does not owe.  The API says which putter the missing reference would have needed."""
    ifs = enclosing_if(jump_node)
    if ifs is None:
        return []
    cond = ifs.child_by_field_name("condition")
    ctext = cmodel._fold(cmodel._text(cond))
    out = []
    for c in calls_in(cond) if cond is not None else []:
        api = _apis.BY_GETTER.get(c.name)
        if api and api.fails not in ("", "int") and api.ref.startswith("arg") and _tested_false(ctext, c.name):
            out.append((_apis.ref_object(api, list(c.args), None), api))
        elif api and api.fails and c.lhs:
            out.append((norm(c.lhs), api))
        elif api and api.ref.startswith("arg") and _status_call_failed(ctext, c.name) and cmodel.contains(
                ifs.child_by_field_name("consequence"), jump_node):
            # `if (of_parse_phandle_with_args(np, ..., &args)) return -EINVAL;`: an int status,
            # non-zero on failure, and the lookup then filled in nothing
            row = kapi.get(c.name)
            if row is not None and not row.returns_ref and (row.kind == "lookup" or "non-zero" in row.on_error):
                out.append((_apis.ref_object(api, list(c.args), None), api))
    inner = ctext[1:-1] if ctext.startswith("(") and ctext.endswith(")") else ctext
    # `if (!np || !of_device_is_available(np))`: the branch also runs with a live np, so an
    # object counts as failed only when every `||` part says so
    per_part = []
    for part in re.split(r"\|\|", _unwrap(inner)):
        found = []
        part = _FD_FILE.sub(r"\1", part)  # `!fd_file(f)`: the struct fd holds nothing
        m = _NEG_TEST.match(_unwrap(part.strip())) or _NEG_PRED.match(_unwrap(part.strip()))
        if m and m.re is _NEG_PRED:
            # `if (!i2c_client_has_driver(client))`: a predicate over what a register call
            # returned is false for its error pointer too, so the branch is its failure path
            for g in gets(func):
                row = kapi.get(g.call.name)
                if row is not None and row.kind == "register" and row.returns_ref and \
                        _apis.same_object(g.obj, m.group("a")) and g.call.line < line_of(jump_node):
                    found.append((norm(m.group("a")), g.api))
                    break
        elif m:
            var = m.group("a") or m.group("b") or m.group("c") or m.group("d")
            # only when the variable was just assigned from a getter; a returned pointer that
            # tests NULL (or an error pointer) holds no reference, whatever the table says
            for g in gets(func):
                if _apis.same_object(g.obj, var) and g.call.line < line_of(jump_node) and (
                        g.api.fails or g.api.ref == "ret"):
                    found.append((norm(var), g.api))
                    break
                # `fence = dma_fence_get(rcu_dereference_protected(syncobj->fence, 1)); if
                # (!fence) return;`: a getter returns the argument it counted, NULL for NULL
                if g.call.lhs and norm(g.call.lhs) == norm(var) and returned_argument(g.call) \
                        and g.call.line < line_of(jump_node):
                    found.append((g.obj, g.api))
                    break
        per_part.append(found)
    for o, a in per_part[0] if per_part else []:
        if all(any(_apis.same_object(o, o2) for o2, _ in other) for other in per_part[1:]):
            out.append((o, a))
    out += _failed_status(func, ifs, _unwrap(inner), jump_node)
    return [(o, a) for o, a in out if o]


# A condition that holds when a status is an error: `ret`, `ret < 0`, `ret != 0`,
# `IS_ERR_VALUE(ret)`, `ret == -EPROBE_DEFER`.
_STATUS_FAILED = r"^(?:%s|%s\s*(?:<|!=)\s*0|IS_ERR_VALUE\(\s*%s\s*\)|%s\s*==\s*-\s*E[A-Z0-9]+)$"


def status_reassigned(func: cmodel.Function, lhs: str, after: int, upto: int, call=None) -> bool:
    """Is `lhs` (a call's status variable) assigned again on a line in (after, upto]?  Not by
    the other arm of an `if` whose one arm makes the call `call` (`if (ok) ret =
    scsi_device_get(sdp); else ret = -ENODEV;`, ufshcd.c): that arm runs instead of it."""
    return any(n.type == "assignment_expression" and after < line_of(n) <= upto
               and cmodel._text(n.child_by_field_name("left")).strip() == lhs
               and not (call is not None and other_arm_of_if(call, n)) for n in func._walk())


def _status_or_null_failed(cond: str, status: str, obj: str) -> bool:
    """Does `cond` hold only when the get failed: its status says so (`ret`, `ret < 0`, ...),
    or, in an `||` with it, the object it fills in is NULL (`if (ret || !args.np)`,
    drivers/soc/apple/mailbox.c apple_mbox_get())?"""
    status_seen = False
    for part in re.split(r"\|\|", cond):
        part = _unwrap(part.strip())
        if re.match(_STATUS_FAILED % ((re.escape(status),) * 4), part):
            status_seen = True
            continue
        var = null_tested(part)
        if not var or not _apis.same_object(var, obj):
            return False
    return status_seen


def _failed_status(func: cmodel.Function, ifs, cond: str, jump_node) -> list[tuple[str, _apis.Api]]:
    """`ret = regulator_bulk_get(dev, n, supplies); if (ret) goto err;`: a get on an argument
    whose int status says it failed, and that then holds nothing (the table's `on_error` is
    "none": it cleaned up), seen by the branch testing that status (not reassigned since)."""
    out = []
    at = line_of(ifs)
    for g in gets(func):
        lhs = (g.call.lhs or "").strip()
        if not re.fullmatch(r"\w+", lhs) or g.api.ref == "ret" or g.api.ref_on_failure or g.call.line >= at:
            continue
        if not _status_or_null_failed(cond, lhs, g.obj):
            continue
        if status_reassigned(func, lhs, g.call.line, at, g.call.node):
            continue  # the status was reassigned since
        if cmodel.contains(ifs.child_by_field_name("consequence"), jump_node):
            out.append((g.obj, g.api))
    return out


def same_ref(a: str, b: str, aliases: Aliases | None, at: int) -> bool:
    if _apis.same_object(a, b):
        return True
    if aliases is None:
        return False
    ra = aliases.resolve(a, at)
    rb = aliases.resolve(b, at)
    return any(_apis.same_object(x, y) for x in ra for y in rb)


def same_local(func: cmodel.Function, a: str | None, b: str | None) -> bool:
    """`a` and `b` name one object, also through a local set once from an lvalue (`dev =
    &ffa_dev->dev; ... put_device(dev);` drops what `device_register(&ffa_dev->dev)` took)."""
    if _apis.same_object(a, b):
        return True
    if not a or not b:
        return False
    if "aliases" not in func._cache:
        func._cache["aliases"] = _local_aliases(func)
    al = func._cache["aliases"]
    if "members" not in func._cache:
        func._cache["members"] = _member_locals(func)
    members = func._cache["members"]

    def resolve(e: str) -> list[str]:
        e = norm(e).lstrip("&")
        out = [al.get(e) or al.get(_apis.base_object(e)) or e]
        if e in members:
            out.append(members[e])  # `warrior->dev = input_dev;`: the member holds the local's object
        m = re.match(r"^(\w+)((?:->|\.)\S+)$", e)
        if m and m.group(1) in al:
            # `wdd = wd_data->wdd; ... try_module_get(wdd->ops->owner)` and the put of
            # `wd_data->wdd->ops->owner`: the alias stands for the prefix (watchdog_dev.c)
            base, rest = norm(al[m.group(1)]), m.group(2)
            out.append(base[1:] + "." + rest[2:] if base.startswith("&") and rest.startswith("->")
                       else base + rest)
        return out
    return any(_apis.same_object(x, y) for x in resolve(a) for y in resolve(b))


def _member_locals(func: cmodel.Function) -> dict[str, str]:
    """Structure members set exactly once in the function, from a plain local
    (`warrior->dev = input_dev;`, drivers/input/joystick/warrior.c): member -> local.  A put of
    the local drops what a register call of the member took, and the other way round."""
    sets: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for a in func.assignments():
        left, right = norm(a.left), norm(a.right)
        counts[left] = counts.get(left, 0) + 1
        if re.search(r"->|\.", left) and not left.startswith("*"):
            sets.setdefault(left, []).append(right)
    # both set once: the two names stay bound wherever both hold a value
    return {left: vals[0] for left, vals in sets.items()
            if len(vals) == 1 and re.fullmatch(r"[A-Za-z_]\w*", vals[0]) and vals[0] != "NULL"
            and counts.get(vals[0]) == 1}


def alias_of(func: cmodel.Function, name: str) -> str | None:
    """What the local `name` names, when it is set once from an lvalue (`dev = &layout->dev`)."""
    if "aliases" not in func._cache:
        func._cache["aliases"] = _local_aliases(func)
    return func._cache["aliases"].get(name)


# `ndns = to_ndns(found)`, `pdev = to_platform_device(dev)`, `x = container_of(dev, struct x, dev)`:
# another name for the object (its container), as a put of `&ndns->dev` shows
_CONVERSION = re.compile(r"^(?:to_\w+|container_of(?:_const)?)\(\s*&?\s*(\w+)\s*[,)]")


_LVALUE = re.compile(r"&?\s*\w+(?:\s*(?:->|\.)\s*\w+|\[\w+\])*")


def _local_aliases(func: cmodel.Function) -> dict[str, str]:
    """Locals set once from an lvalue (`dev = &ffa_dev->dev`) or last set by a container
    conversion of a local (`ndns = to_ndns(found)`): name -> what it names."""
    from reviewbot.checks.module._refcount import _aliases
    out = dict(_aliases(func))
    last: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for a in func.assignments():  # source order: the last assignment of each name wins
        last[a.left] = a.right
        values.setdefault(norm(a.left), []).append(norm(a.right))
    for var, vals in values.items():
        # `struct i915_request *rq = request[idx];` (in each of two loops): a local only ever
        # set to one lvalue names it wherever it is used
        if var not in out and len(set(vals)) == 1 and re.fullmatch(r"\w+", var) \
                and _LVALUE.fullmatch(vals[0]) and vals[0] != var:
            out[var] = vals[0]
    for var, rhs in last.items():
        m = _CONVERSION.match(norm(rhs))
        if m and re.fullmatch(r"\w+", var) and var not in out:
            out[var] = m.group(1)
    # `if (dev) rdev = to_rio_dev(dev); } else { rdev = rio_get_comptag(...); }`: a conversion
    # whose other values are NULL or set in the other arm of an `if` (rio_mport_cdev.c): on the
    # conversion's paths the local is the container of the converted object
    convs: dict[str, list] = {}
    for a in func.assignments():
        if re.fullmatch(r"\w+", a.left) and a.left not in out:
            convs.setdefault(a.left, []).append(a)
    for var, sets in convs.items():
        conv = [(a, m.group(1)) for a in sets for m in [_CONVERSION.match(norm(a.right))] if m]
        if len(conv) != 1:
            continue
        a0, src = conv[0]
        if all(a is a0 or norm(a.right) in ("NULL", "0") or other_arm_of_if(a.node, a0.node) for a in sets):
            out[var] = src
    for c in func.calls():
        # `ce = intel_context_get(m->context)`, `phy->fwnode = fwnode_handle_get(child)`: a
        # getter returns the argument it counted, so its result and its argument name one
        # object (a put of either drops the reference), when that is the name's last value or
        # it is given no other (but NULL, once it no longer holds it)
        arg = returned_argument(c)
        vals = values.get(norm(c.lhs), [])
        if arg and norm(c.lhs) not in out and vals and (vals[-1].startswith(c.name + "(") or all(
                r.startswith(c.name + "(") or r == "NULL" for r in vals)):
            out[norm(c.lhs)] = arg
    return out


def other_arm_of_if(a, b) -> bool:
    """Are nodes `a` and `b` in the two arms of one `if` (neither in its condition)?"""
    n = a
    while n is not None and not cmodel.contains(n, b):
        n = n.parent
    if n is None or n.type != "if_statement":
        return False
    cond = n.child_by_field_name("condition")
    return cond is None or not (cmodel.contains(cond, a) or cmodel.contains(cond, b))


def returned_argument(c: cmodel.Call) -> str | None:
    """The argument a getter call assigned to something counted and returned (`x = get(y)` ->
    `y`): a `getter` row of the table (it takes a reference on an argument and returns that
    argument, or nothing), not a lookup (which returns another object)."""
    if not c.lhs or not c.args:
        return None
    row = kapi.get(c.name)
    if row is None or row.kind != "getter" or row.ref_arg is None or row.ref_arg >= len(c.args):
        return None
    return norm(c.args[row.ref_arg])


# the table's consumers: calls that take the caller's reference over (`ref_on` "argN (consumed...")
CONSUMERS = frozenset(r.name for r in kapi.all_rows() if "(consumed" in r.ref_on)


def path_consumers(func: cmodel.Function, start_line: int, exit_node) -> list[cmodel.Call]:
    """Calls of the table's consumers between `start_line` and the exit whose block encloses it."""
    return _on_the_way(func, start_line, exit_node, CONSUMERS.__contains__)


def path_puts(func: cmodel.Function, start_line: int, exit_node) -> list[cmodel.Call]:
    """Putter calls between `start_line` and the exit that run on the way to it: their block
    encloses the exit, or they sit in an `if` that only tests the object (`if (x) put(x)`)."""
    return _on_the_way(func, start_line, exit_node, _apis.is_putter)


def _on_the_way(func: cmodel.Function, start_line: int, exit_node, named) -> list[cmodel.Call]:
    """The calls `named(name)` accepts between `start_line` and the exit, in a block enclosing it."""
    end = line_of(exit_node)
    out = []
    for c in func.calls():
        if not (start_line < c.line <= end) or not named(c.name):
            continue
        blk = c.node.parent
        while blk is not None and blk.type != "compound_statement":
            blk = blk.parent
        if blk is not None and cmodel.contains(blk, exit_node):
            out.append(c)
    return out


# The right-hand side reads what an object holds: a member, its driver data, its container.
_HELD_BY = r"(?:&\s*)?\(?\b%s\b\)?\s*(?:->|\.)|\b(?:\w*_get_drvdata|dev_get_platdata|container_of|to_\w+)\s*\(\s*&?\s*\(?\b%s\b"


def _derived(func: cmodel.Function, base: str, hops: int = 3) -> set[str]:
    """Locals that hold what `base` holds, through up to `hops` assignments: `tsa =
    platform_get_drvdata(pdev); serial = &tsa->serials[i];` derives `serial` from `pdev`.  A
    function that returns one hands the reference on `base` to its caller with it (a
    `*_get_byphandle()` whose `*_put()` drops the device through the handle)."""
    out = {base}
    assigns = []
    for n in func._walk():
        if n.type == "assignment_expression":
            lhs, rhs = n.child_by_field_name("left"), n.child_by_field_name("right")
        elif n.type == "init_declarator":
            lhs, rhs = n.child_by_field_name("declarator"), n.child_by_field_name("value")
        else:
            continue
        if lhs is not None and rhs is not None:
            name = cmodel._text(lhs).lstrip("*").strip()
            if re.fullmatch(r"\w+", name):
                assigns.append((name, cmodel._fold(cmodel._text(rhs))))
    for _ in range(hops):
        grown = {name for name, rhs in assigns if name not in out and any(
            re.search(_HELD_BY % (re.escape(d), re.escape(d)), rhs) for d in out)}
        if not grown:
            break
        out |= grown
    return out


_SCALAR_DECL = r"(?:^|[;{]|\n)\s*(?:(?:const|unsigned|signed|static)\s+)*(?:int|long|short|char|bool|u8|u16|u32|u64|s8|s16|s32|s64|size_t|ssize_t|unsigned)\b[^;()]*?(?<![*\w])%s\b"


def _scalar_local(func: cmodel.Function, name: str) -> bool:
    """`int ret = 0, i = 0;`: `name` is a local integer, so returning it hands over no object
    (`i = of_alias_get_id(spec.np, "mu"); ... return i;`)."""
    return re.search(_SCALAR_DECL % re.escape(name), func.text) is not None


def stored_or_returned(func: cmodel.Function, obj: str, after: int, exit_node) -> bool:
    """The reference leaves the function's hands: stored into a structure, passed to a hand-off
    call, or returned."""
    base = re.split(r"->|\.", obj.lstrip("&"))[0]
    if exit_node is not None and exit_node.type == "return_statement":
        val = cmodel._text(exit_node)[len("return"):].strip(" ;\t\n")
        if re.search(r"\b%s\b" % re.escape(base), val):
            return True
        if re.fullmatch(r"[A-Za-z_]\w*", val) and val not in ("ret", "err", "rc", "error", "status", "res",
                                                                "NULL", "true", "false") \
                and not _scalar_local(func, val):  # `return 0;` hands no container over
            # `sdev = &sub->sdev; ... return sub;`: the container of the object goes to the caller
            for n in func._walk():
                if n.type == "assignment_expression" or n.type == "init_declarator":
                    t = cmodel._text(n)
                    if re.search(r"\b%s\b" % re.escape(val), t) and re.search(r"\b%s\b" % re.escape(base), t):
                        return True
            if val in _derived(func, base):
                return True
    end = line_of(exit_node) if exit_node is not None else func.end
    # a store just before the get counts too: `tx->callback_param = req; kref_get(&req->refcount);`
    # takes the reference the holder (the callback) will drop
    start = after - 8
    for c in func.calls():
        # `submit->ctx_ref = foo_ctx_get(submit->ctx)`: the getter returns the object it counted
        # and the reference is kept in the structure (its teardown drops it)
        if c.line == after and c.lhs and re.search(r"->|\.|\[|^\*", c.lhs) and \
                _apis.same_object(returned_argument(c), obj):
            return True
    for n in func._walk():
        if n.type == "assignment_expression" and start < line_of(n) <= end and line_of(n) != after:
            rhs = n.child_by_field_name("right")
            lhs = cmodel._fold(cmodel._text(n.child_by_field_name("left")))
            if rhs is not None and _apis.same_object(cmodel._text(rhs).lstrip("&"), obj) and (
                    "->" in lhs or "." in lhs or "[" in lhs or lhs.startswith("*")):
                return True
            # `smi_com_dev = &smi_com_pdev->dev; ... *com_dev = smi_com_dev;` (mtk-smi.c): a local
            # naming the object's embedded member is stored, and the reference with it
            rtext = cmodel._fold(cmodel._text(rhs)).strip() if rhs is not None else ""
            if re.fullmatch(r"\w+", rtext) and ("->" in lhs or "." in lhs or "[" in lhs or lhs.startswith("*")):
                alias = alias_of(func, rtext) or ""
                if alias.startswith("&") and re.split(r"->|\.", alias.lstrip("&").strip())[0] == base:
                    return True
    for c in func.calls():
        if after < c.line <= end and c.name in _apis.HANDOFF_CALLS and any(
                _apis.same_object(a.lstrip("&"), obj) or obj in a for a in c.args):
            return True
    return False
