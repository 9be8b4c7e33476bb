#!/usr/bin/env python3
"""Generate checks/data/wrappers.tsv: the subsystems' own get/put wrappers of a Linux tree.

    .venv/bin/python scripts/gen_wrappers.py [TREE] [-o checks/data/wrappers.tsv]

TREE defaults to /work/linux-6.12 (a git checkout; any directory of sources works).  The method
(columns: checks/data/wrappers.md) is semantic: a function is a wrapper when its (short) body
calls a get or put of the kernel-API table (checks/data/refs.tsv) on one of its parameters
(`p`, `&p->kref`, `p->np`), e.g. `kref_put(&p->ref, rel)`, `put_device(&p->dev)`,
`kref_get(&p->kref); return p;`.  Names are never evidence; `xxx_get`/`xxx_put` naming only
breaks ties when a getter's object type has several putters.  Wrappers of wrappers are found
by iterating to a fixed point.  Kept: static inline functions of headers and non-static
functions of .c files (names every driver can call).  Static functions of .c files are left
out (file-local names, and the same name means different things in different files); a name
whose other definitions (config stubs aside) are not the same kind of wrapper is dropped.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewbot.checks import _kapi as kapi  # noqa: E402  (the table this extends)

MAX_BODY = 900  # characters of a wrapper's body (comments stripped)
MAX_STMTS = 8  # statements (`;`) in it
MAX_WRAP = 3  # statements of a wrapper besides the guard, `return;` and declarations

# Table putters that are teardown, hand-offs or array forms rather than one reference drop.
_NOT_PLAIN_PUT = frozenset({
    "device_unregister", "platform_device_unregister", "i2c_unregister_device", "kset_unregister",
    "mdiobus_unregister", "cdev_del", "cdev_device_del", "filp_close", "fd_install", "replace_fops",
    "phy_detach", "phy_disconnect", "class_dev_iter_exit", "mdiobus_free", "phy_device_free",
    "gpiod_free", "regulator_bulk_free", "clk_bulk_put", "gpiod_put_array", "dvb_module_release",
    "fdput", "dvb_detach", "symbol_put", "symbol_put_addr",
})
_NOT_PLAIN_GET = frozenset({"gpiod_request", "get_file_rcu", "get_file_active", "fops_get"})
_CONDITIONAL = frozenset({"kref_get_unless_zero", "kobject_get_unless_zero", "try_module_get",
                          "scsi_device_get", "tty_port_get", "spi_controller_get", "spi_dev_get"})
HINTS = ("put", "unref", "unregister", "free", "release", "detach")  # _apis.PUTTER_HINTS


@dataclass(frozen=True)
class Base:
    """A call that takes or drops one reference on its argument `arg` (0-based)."""
    name: str
    kind: str  # getter | putter
    family: str
    arg: int
    conditional: bool = False
    via: str = "@"  # where, on its argument, a wrapper's reference lives (`&@->kref`)


def _core() -> dict[str, kapi.Row]:
    """refs.tsv alone (kapi.get() also answers for the wrappers this script writes)."""
    return {r.name: r for r in kapi.rows()}


def table_bases() -> dict[str, Base]:
    out = {}
    for r in kapi.rows():
        if not re.fullmatch(r"arg\d+", r.ref_on):
            continue
        if r.kind == "putter" and r.name not in _NOT_PLAIN_PUT:
            out[r.name] = Base(r.name, "putter", r.family, r.ref_arg)
        elif r.kind == "getter" and r.name not in _NOT_PLAIN_GET:
            out[r.name] = Base(r.name, "getter", r.family, r.ref_arg, r.name in _CONDITIONAL)
    return out


@dataclass
class Func:
    name: str
    path: str
    line: int  # 1-based, the line holding the name
    static: bool
    header: bool
    ret: str  # the return type text
    params: list[tuple[str, str]]  # (type, name)
    body: str  # comments stripped
    body_line: int  # 1-based line of the body's first character
    raw_lines: list[str] = field(default_factory=list)


_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
# A definition: at column 0, an optional return type, the name, the parameter list, `{`.
_DEF = re.compile(r"^(?P<pre>[A-Za-z_][\w \t\*]*?[\s\*])?(?P<name>[A-Za-z_]\w*)[ \t]*\("
                  r"(?P<params>[^(){};#]*(?:\([^()]*\)[^(){};#]*)*)\)[ \t]*(?:__\w+[ \t]*)*\n?\{", re.M)
_KEYWORDS = frozenset({"if", "for", "while", "switch", "return", "sizeof", "else", "do", "case"})


def _blank_comments(text: str) -> str:
    """Comments replaced by spaces (newlines kept, so offsets and line numbers stay)."""
    return _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _body_end(text: str, i: int) -> int | None:
    """Index just past the `}` matching the `{` at text[i]."""
    depth = 0
    n = len(text)
    j = i
    while j < n:
        c = text[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j + 1
        elif c in "\"'":
            k = j + 1
            while k < n and text[k] != c:
                k += 2 if text[k] == "\\" else 1
            j = k
        j += 1
        if j - i > MAX_BODY * 3:
            return None
    return None


def _params(text: str) -> list[tuple[str, str]]:
    out = []
    depth, cur = 0, ""
    for c in text:
        if c == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += c == "("
        depth -= c == ")"
        cur += c
    out.append(cur)
    res = []
    for p in out:
        p = " ".join(p.split())
        m = re.search(r"([A-Za-z_]\w*)\s*(\[[^\]]*\])?$", p)
        if not m or p in ("void", "") or "(" in p:
            continue
        res.append((p[:m.start()].strip(), m.group(1)))
    return res


def functions(path: str, text: str) -> list[Func]:
    clean = _blank_comments(text)
    header = path.endswith(".h")
    out = []
    for m in _DEF.finditer(clean):
        name = m.group("name")
        if name in _KEYWORDS or name.isupper():
            continue
        start = m.start()
        line_start = clean.rfind("\n", 0, start) + 1
        prev_start = clean.rfind("\n", 0, max(line_start - 1, 0)) + 1
        prev = clean[prev_start:line_start].strip() if line_start else ""
        pre = (m.group("pre") or "")
        if not pre.strip() and prev and not prev.endswith((";", "}", ")", "{")) and not prev.startswith("#"):
            pre = prev + " "
        if not pre.strip() or "#" in pre or "=" in pre:
            continue
        if re.match(r"\s*(typedef|return|else|struct\s+\w+\s*$)", pre):
            continue
        lb = m.end() - 1
        end = _body_end(clean, lb)
        if end is None:
            continue
        body = clean[lb + 1:end - 1]
        if len(body) > MAX_BODY or body.count(";") > MAX_STMTS:
            continue
        lineno = clean.count("\n", 0, start) + 1
        out.append(Func(name=name, path=path, line=lineno, static="static" in pre.split(),
                        header=header, ret=" ".join(pre.replace("static", " ").replace("inline", " ").split()),
                        params=_params(m.group("params")), body=body,
                        body_line=clean.count("\n", 0, lb + 1) + 1,
                        raw_lines=text[lb + 1:end - 1].split("\n")))
    if header or path.endswith(".c"):
        for m in _MACRO.finditer(clean):
            expr = m.group(3).strip()
            if not re.match(r"[A-Za-z_]\w*\s*\(", expr) or expr.count("(") != expr.count(")"):
                continue
            params = [("", p.strip()) for p in m.group(2).split(",") if p.strip()]
            lineno = clean.count("\n", 0, m.start()) + 1
            out.append(Func(name=m.group(1), path=path, line=lineno, static=not header, header=header,
                            ret="macro", params=params, body=" return " + expr + ";", body_line=lineno,
                            raw_lines=[text.split("\n")[lineno - 1]]))
    return out


_MACRO = re.compile(r"^#\s*define\s+([A-Za-z_]\w*)\(([\w\s,]*)\)[ \t]+([^\n\\]+)$", re.M)


def _call_args(text: str, i: int) -> list[str] | None:
    """The top-level arguments of the call whose `(` is at text[i]."""
    depth, cur, args = 0, "", []
    for j in range(i, len(text)):
        c = text[j]
        if c == "(":
            depth += 1
            if depth == 1:
                continue
        elif c == ")":
            depth -= 1
            if depth == 0:
                args.append(cur.strip())
                return args
        elif c == "," and depth == 1:
            args.append(cur.strip())
            cur = ""
            continue
        cur += c
    return None


def _via(arg: str, params: list[tuple[str, str]]) -> tuple[int, str] | None:
    """(parameter index, path) when `arg` names parameter p itself (`@`), something embedded in
    it (`&@->kref`, `&@->dev.kobj`) or a pointer member of it (`@->np`)."""
    a = " ".join(arg.split())
    a = re.sub(r"(?<![\w\s])\s*\(\s*([A-Za-z_]\w*)\s*\)|^\(\s*([A-Za-z_]\w*)\s*\)",
               lambda m: m.group(1) or m.group(2), a)
    conv = re.fullmatch(r"[A-Za-z_]\w*\s*\(\s*(&?\s*[A-Za-z_]\w*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*)\s*\)", a)
    if conv:  # put_device(disk_to_dev(disk)): a conversion to the embedded object
        inner = _via(conv.group(1), params)
        return (inner[0], "&" + inner[1].lstrip("&") if inner[1] != "@" else "&@->*") if inner else None
    m = re.fullmatch(r"(&\s*)?([A-Za-z_]\w*)((?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*)", a)
    if not m:
        return None
    for i, (_, pname) in enumerate(params):
        if m.group(2) == pname:
            path = re.sub(r"\s+", "", m.group(3))
            if m.group(1) and not path:
                return None  # &p: a pointer to the parameter variable
            return i, ("&" if m.group(1) else "") + "@" + path
    return None


def _struct(ptype: str) -> str:
    m = re.search(r"(?:struct|union)\s+(\w+)", ptype)
    return m.group(1) if m else ptype.replace("const", "").replace("*", "").strip()


@dataclass
class Wrapper:
    func: Func
    kind: str  # getter | putter
    base: Base
    arg: int  # 0-based parameter
    via: str
    evidence: str
    conditional: bool
    returns_arg: bool = False


_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


def classify(f: Func, bases: dict[str, Base]) -> Wrapper | None:
    """Is `f` a get or put wrapper of a base call on one of its parameters?"""
    if not f.params:
        return None
    calls = []
    for m in _CALL.finditer(f.body):
        b = bases.get(m.group(1))
        if b is None or b.name == f.name:
            continue
        args = _call_args(f.body, m.end() - 1)
        if not args or b.arg >= len(args):
            continue
        v = _via(args[b.arg], f.params)
        if v is None:
            continue
        calls.append((m, b, v))
    if not calls:
        return None
    kinds = {b.kind for _, b, _ in calls}
    if len(kinds) != 1:
        return None  # takes and drops: a swap or a test, not a wrapper
    m, b, (pi, arg_via) = calls[0]
    via = _compose(arg_via, b.via)
    pname = f.params[pi][1]
    body = f.body
    if re.search(r"^\s*[A-Za-z_]\w*\s*:(?!:)", body, re.M):
        return None  # labels: a function with its own error unwinding, not a wrapper
    if not _on_main_path(body, m.start(), pname, b.kind):
        return None
    # essentially the get or put: at most MAX_WRAP statements besides `return;` and locals
    stmts = [t for t in re.split(r"[;{}]", body) if t.strip() and not re.fullmatch(
        r"\s*(return|(?:const\s+)?(?:struct\s+)?\w+[\s\*]+\w+\s*(?:=\s*[^=].*)?)\s*", t, re.S)]
    if len(stmts) > MAX_WRAP:
        return None
    if b.kind == "getter":
        # the reference goes to the caller: no other statement touches the object or stores
        # anything (a getter that stores or schedules hands its reference to that owner)
        stmt_of_get = body[:m.start()].count(";")
        parts = body.split(";")
        for k, t in enumerate(parts):
            if k == stmt_of_get or not t.strip() or re.match(r"\s*[{}]*\s*(?:else\s*)?return\b", t):
                continue
            t = re.sub(r"^[\s{}]*(?:if\s*\([^;]*\)\s*)?(?:else\s*)?", "", t)
            if re.search(r"\b%s\b" % re.escape(pname), t) or re.search(r"[^=!<>]=[^=]", t) and not \
                    re.fullmatch(r"\s*(?:const\s+)?(?:struct\s+)?\w+[\s\*]+\w+\s*=[^;]*", t, re.S):
                return None
    if b.kind == "putter" and re.search(r"\b%s\b" % re.escape(pname), body[m.end():].split(";", 1)[-1]):
        return None  # the parameter is used after the drop: not the last thing a put wrapper does
    # a destructor frees the object itself; a put inside a loop drops many (`*_put_all()`)
    if re.search(r"\b(kfree|kvfree|vfree|kfree_sensitive|kmem_cache_free)\s*\((?:\s*\w+\s*,)?\s*%s\s*\)" % re.escape(pname), body):
        return None
    if re.search(r"\b(for|while)\s*\(|\bfor_each\w*\s*\(|list_for_each", body[:m.start()]) and \
            b.kind == "putter":
        return None
    line_no = body.count("\n", 0, m.start())
    ev = f.raw_lines[line_no].strip() if line_no < len(f.raw_lines) else ""
    if not ev or len(ev) > 160:
        return None
    if b.kind == "putter":
        if f.ret.split()[-1:] not in (["void"], ["int"], ["bool"]) and "*" in f.ret:
            return None  # returns a pointer: a lookup or a swap, not a put
        return Wrapper(f, "putter", b, pi, via, ev, False)
    # getter: returns the parameter (or the base's result), or is void; never another pointer
    ret_void = f.ret.split()[-1:] == ["void"] and "*" not in f.ret
    returns = re.findall(r"\breturn\b([^;]*);", body)
    returns_arg = any(re.search(r"\b%s\b" % re.escape(pname), r) or b.name in r for r in returns)
    if not ret_void and not returns_arg:
        if not (b.conditional and re.fullmatch(r"(bool|int)", f.ret.split()[-1] if f.ret.split() else "")):
            return None
    if "*" in f.ret and returns and not all(
            re.search(r"\b%s\b" % re.escape(pname), r) or b.name in r or
            re.fullmatch(r"\s*(NULL|ERR_PTR\(.*\))\s*", r) for r in returns):
        return None  # returns some other object on a path
    conditional = b.conditional or (bool(re.search(r"\breturn\s+NULL\s*;", body)) and "*" in f.ret)
    if arg_via.startswith("@->") and "*" in f.ret and all(
            re.match(r"\s*(?:\w+\s*\(\s*)?%s\s*\([^?]*$" % b.name, r) or re.fullmatch(r"\s*NULL\s*", r)
            for r in returns) and not any(
            re.search(r"\b%s\b" % re.escape(pname), re.sub(r"\b%s\s*\(.*" % b.name, "", r, flags=re.S))
            for r in returns):
        # `return of_node_get(opp->np);`: a new reference on the member object, returned
        return Wrapper(f, "lookup", b, pi, via, ev, conditional, True)
    return Wrapper(f, "getter", b, pi, via, ev, conditional, returns_arg and "*" in f.ret)


_GUARD = re.compile(r"(?:\s|!|&&|\|\||\(|\)|==|!=|NULL|IS_ERR_OR_NULL|IS_ERR|unlikely|likely|WARN_ON_ONCE|"
                    r"WARN_ON|(?:atomic|refcount)_dec_and_test|&|->|\.|\b%s\b|\b[a-z_]\w*\b(?=\s*(?:->|\.|\)|$)))*")


def _compose(arg_via: str, base_via: str) -> str:
    """put_device(&p->dev) inside foo_put(p) called as foo_put(&x->foo): `&@->foo->dev`."""
    if base_via == "@":
        return arg_via
    if arg_via == "@":
        return base_via
    return "&" + base_via.lstrip("&").replace("@", arg_via.lstrip("&"), 1)


def _guard_ok(cond: str, pname: str) -> bool:
    """A condition that only tests the parameter (or its members) for NULL / an error / a
    last reference, as `if (p)`, `if (!IS_ERR_OR_NULL(p->np))`, `if (refcount_dec_and_test(..))`."""
    names = set(re.findall(r"\b[A-Za-z_]\w*\b", re.sub(r"(->|\.)\s*\w+", "", cond)))
    names -= {"NULL", "IS_ERR_OR_NULL", "IS_ERR", "unlikely", "likely", "WARN_ON_ONCE", "WARN_ON",
              "atomic_dec_and_test", "refcount_dec_and_test"}
    return names <= {pname} and not re.search(r"[-+*/%<>]=?(?!>)|\?", re.sub(r"->|!=|==", "", cond))


def _on_main_path(body: str, pos: int, pname: str, kind: str) -> bool:
    """Is the call at body[pos] run whenever the object is there: at the top level of the body,
    or under guards that test only the parameter (a getter's call may sit in its condition)?"""
    depth = 0
    i = pos
    while i > 0:
        i -= 1
        c = body[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth:
                depth -= 1
                continue
            head = body[max(body.rfind(";", 0, i), body.rfind("}", 0, i), body.rfind("{", 0, i)) + 1:i].strip()
            m = re.fullmatch(r"if\s*\((.*)\)", head, re.S)
            if not m or not _guard_ok(m.group(1), pname):
                return False
        elif c in ";" and depth == 0 and i < pos:
            pass
    stmt_start = max(body.rfind(";", 0, pos), body.rfind("}", 0, pos), body.rfind("{", 0, pos)) + 1
    head = body[stmt_start:pos].strip()
    if not head or head in ("return", "(void)"):
        return True
    if re.fullmatch(r"[\w\s\*]*=", head):  # `ret = put(..)`; a getter's result must be returned
        lhs = head.rstrip("=").split()[-1].lstrip("*") if head.rstrip("=").split() else ""
        return kind == "putter" or bool(lhs) and re.search(r"\breturn\s+%s\s*;" % re.escape(lhs), body) is not None
    if re.fullmatch(r"return\s*(?:\w+\s*\(\s*)?", head):  # `return to_foo(get_device(..))`
        return True
    m = re.match(r"(?:else\s+)?if\s*\(", head)
    if not m or head.startswith("else"):
        return False
    if kind == "getter":  # `if (p && kref_get_unless_zero(&p->kref))`: the get is the test
        cond = head[m.end():]
        return _guard_ok(re.sub(r"&&\s*!?\s*$", "", cond.strip()) or "1", pname) if cond.strip() else True
    cond = head[m.end():]
    cond = cond[:cond.rfind(")")] if cond.rstrip().endswith(")") else cond
    return _guard_ok(cond, pname)


def _trivial(f: Func) -> bool:
    """A config stub: empty, or only a return of a constant / its parameter."""
    b = re.sub(r"\s+", " ", f.body).strip()
    return not b or re.fullmatch(r"(return\s*[^;()]*;|return\s+ERR_PTR\s*\([^;]*\)\s*;|\(void\)\s*\w+\s*;|\s)*", b) \
        is not None


def scan(tree: Path) -> tuple[list[Func], dict[str, list[Func]]]:
    try:
        files = subprocess.run(["git", "-C", str(tree), "ls-files", "*.c", "*.h"], capture_output=True,
                               text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        files = [str(p.relative_to(tree)) for p in tree.rglob("*.[ch]")]
    files = [f for f in files if not f.startswith(("tools/", "scripts/", "Documentation/", "samples/"))]
    wanted = re.compile(r"(put|get|hold|unref|release|free|detach)\w*\s*\(")
    funcs: list[Func] = []
    by_name: dict[str, list] = {}  # name -> its definitions that may wrap; None for the others
    for rel in files:
        try:
            text = (tree / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for f in functions(rel, text):
            if wanted.search(f.body):
                funcs.append(f)
                by_name.setdefault(f.name, []).append(f)
            elif not _trivial(f):
                by_name.setdefault(f.name, []).append(None)
    return funcs, by_name


def derive(funcs: list[Func], by_name: dict[str, list[Func]]) -> list[Wrapper]:
    bases = table_bases()
    found: dict[str, Wrapper] = {}
    for _ in range(4):  # wrappers of wrappers
        new = 0
        for f in funcs:
            if f.name in found or f.name in _core():
                continue
            if f.static and not f.header:
                continue
            w = classify(f, bases)
            if w is None:
                continue
            found[f.name] = w
            if w.kind != "lookup":
                bases[f.name] = Base(f.name, w.kind, w.base.family, w.arg, w.conditional, w.via)
            new += 1
        if not new:
            break
    out = []
    for name, w in found.items():
        again = classify(w.func, bases)
        if again is None or again.kind != w.kind:
            continue  # with the wrappers found later, it both takes and drops, or is no wrapper
        ok = True
        for g in by_name.get(name, ()):
            if g is None:
                ok = False  # another definition that calls no get or put at all
                break
            if g is w.func or _trivial(g):
                continue
            other = classify(g, bases)
            if other is None or other.kind != w.kind or other.base.family != w.base.family:
                ok = False
                break
        if ok:
            out.append(w)
    core = _core()
    while True:  # a wrapper of a dropped (ambiguous) wrapper goes too
        kept = {w.func.name for w in out}
        left = [w for w in out if w.base.name in core or w.base.name in kept]
        if len(left) == len(out):
            break
        out = left
    return sorted(out, key=lambda w: w.func.name)


def pair(ws: list[Wrapper]) -> dict[str, list[str]]:
    """getter -> putters of the same object type, family and member path."""
    puts: dict[tuple, list[Wrapper]] = {}
    for w in ws:
        if _key(w)[0] in _BASE_TYPES:
            continue  # a wrapper of put_device(dev) itself: any device getter pairs with it
        if w.kind == "putter":
            puts.setdefault(_key(w), []).append(w)
    out = {}
    for w in ws:
        if w.kind != "getter":
            continue  # a lookup returns a reference on another object: its base's putter drops it
        cands = puts.get(_key(w), [])
        if len(cands) > 1:  # naming breaks the tie: foo_get -> foo_put
            named = [c for c in cands if c.func.name == _swap(w.func.name)]
            cands = named or cands
        out[w.func.name] = [c.func.name for c in cands][:4]
    return out


_BASE_TYPES = frozenset({"device", "module", "kref", "kobject", "device_node", "fwnode_handle", "file",
                         "pci_dev", "usb_device", "net_device", "kset", "usb_interface"})


def _key(w: Wrapper) -> tuple:
    via = w.via.lstrip("&")
    via = re.sub(r"(\.kobj|\.kref|->kref|\.refcount)$", "", via)
    return (_struct(w.func.params[w.arg][0]), _fam(w.base.family), via)


def _fam(f: str) -> str:
    return {"kobject": "device", "pci_dev": "device", "usb_dev": "device", "of_node": "of"}.get(f, f)


def _swap(name: str) -> str:
    for a, b in (("_get", "_put"), ("get_", "put_"), ("_ref", "_unref"), ("_hold", "_put")):
        if a in name:
            return name.replace(a, b, 1)
    return ""


COLUMNS = ("function", "kind", "ref_on", "family", "release", "on_error", "also_module_ref",
           "defined_in", "evidence", "object", "via", "calls")


def rows(ws: list[Wrapper]) -> list[list[str]]:
    pairs = pair(ws)
    getters_of: dict[str, list[str]] = {}
    for g, ps in pairs.items():
        for p in ps:
            getters_of.setdefault(p, []).append(g)
    out = []
    for w in ws:
        f = w.func
        if w.kind == "putter":
            release = getters_of.get(f.name, [])
            release = release or [g for g in (_table_getter(w.base),) if g] or getters_of.get(w.base.name, [])
            on_error = "none"
        else:
            base_put = _table_putter(w.base) or "|".join(pairs.get(w.base.name, []))
            release = pairs.get(f.name, []) + [p for p in (base_put,) if p]
            on_error = "none (NULL: no reference taken)" if w.conditional else "none"
        ref_on = "return" if w.kind == "lookup" else f"arg{w.arg + 1}"
        out.append([f.name, w.kind, ref_on, w.base.family, "|".join(dict.fromkeys(release)) or "none",
                    on_error, "yes" if w.base.family == "module" else "no", f"{f.path}:{f.line}",
                    w.evidence, _struct(f.params[w.arg][0]), w.via, w.base.name])
    return out


def _table_putter(b: Base) -> str:
    """The base call's own putter: a get_device() wrapper is also undone by put_device()."""
    for n in (b.name,):
        r = _core().get(n)
        if r is not None:
            rel = kapi.releases(n)
            return rel[0] if rel else ""
    return ""


def _table_getter(b: Base) -> str:
    r = _core().get(b.name)
    for alt in r.release if r is not None else ():
        g = _core().get(alt.split()[0])
        if g is not None and g.kind == "getter":
            return g.name
    return ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tree", nargs="?", default="/work/linux-6.12")
    ap.add_argument("-o", "--output", default=str(ROOT / "checks/data/wrappers.tsv"))
    ap.add_argument("--cache", help="pickle of the scan (re-running the derivation only)")
    args = ap.parse_args(argv)
    tree = Path(args.tree)
    if not tree.is_dir():
        print(f"gen_wrappers: {tree}: not a directory", file=sys.stderr)
        return 2
    if args.cache and os.path.exists(args.cache):
        with open(args.cache, "rb") as fh:
            funcs, by_name = pickle.load(fh)
    else:
        funcs, by_name = scan(tree)
        if args.cache:
            with open(args.cache, "wb") as fh:
                pickle.dump((funcs, by_name), fh)
    ws = derive(funcs, by_name)
    with open(args.output, "w", encoding="utf-8") as fh:
        fh.write("\t".join(COLUMNS) + "\n")
        for r in rows(ws):
            fh.write("\t".join(c.replace("\t", " ") for c in r) + "\n")
    print(f"{len(ws)} wrappers ({sum(w.kind == 'getter' for w in ws)} getters) -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
