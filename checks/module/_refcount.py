"""References counted along every path of a function (tree mode): what each path takes, drops
and hands on, from the kernel-API table.

`events(func)` walks all paths of one function image (reviewbot.analysis.paths) with a state
that counts, per object, the references the path holds:

- a get of the table adds one (`x = of_find_node_by_name()`, `get_device(d)`, `try_module_get(m)`);
  a getter that can fail holds it only on its success side: the condition that tests it
  (`if (!x)`, `if (IS_ERR(x))`, `if (ret)` after `ret = kobject_init_and_add()`,
  `if (!try_module_get(m))`) splits the path, and the failure side holds nothing unless the
  table says the caller still owns the object on failure (`device_register()`);
- a put of the table drops one; a lookup that drops its @from argument drops that one;
- a reference leaves the path's hands when it is stored into a longer-lived object, passed
  to a hand-off call, or returned;
- one object has many names: a local set once from an lvalue (`dev = &pdev->dev`), a copy
  (`p = np`), `&x->dev` and `x` (`_apis.same_object`).

and reports three kinds of event: a path that returns holding a reference it took ("leak"),
a put of a reference the path no longer holds ("overput": dropped already on that path, or
a failed get), and a use of an object after the put that dropped the path's last reference
to it ("uap").  A caller compares the events of the pre- and post-image (`new_events`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from reviewbot.analysis import cmodel, paths
from reviewbot.analysis.clex import norm
from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _apis
from reviewbot.checks.module._refpaths import cleanup_vars

_INDEX = re.compile(r"\[[^\[\]]*\]")
_STATUS = frozenset({"ret", "err", "rc", "error", "status", "retval", "rv", "result", "res", "r"})
_NOT_PUTS = frozenset({"kfree", "kvfree", "vfree"})
# first stages of the table's two-stage releases ("mdiobus_unregister then mdiobus_free")
_FIRST_STAGES = frozenset(first for first, _ in _apis.STAGED)
_WRAP = frozenset({"likely", "unlikely", "WARN_ON", "WARN_ON_ONCE"})
_ERR_RET = re.compile(r"^\(?\s*(-\s*E[A-Z0-9]+|NULL|ERR_PTR\(.*\)|PTR_ERR\(.*\)|false|dev_err_probe\(.*\))\s*\)?$", re.S)


@dataclass(frozen=True)
class Ref:
    key: str  # the object, canonical
    names: frozenset  # expressions naming it on this path
    api: str  # the getter ("" for an object the path only drops)
    line: int  # line of the get (or the first put)
    net: int  # references the path holds (gets - puts)
    st: str  # maybe | held | failed | esc | stored | borrowed
    tok: object = None  # what a condition tests for its success: a status variable or a call's byte
    put: int = 0  # line of the put that dropped the path's last reference
    arg_ref: bool = False  # the getter's reference is on an argument (it exists when the get failed)
    found: bool = False  # a lookup's new pointer: the path's reference may be the only one
    gets: tuple = ()  # lines of the gets the path counted
    kept: bool = False  # a function of the file stored it (on its success)


@dataclass(frozen=True)
class State:
    refs: tuple = ()
    via: tuple = ()  # the last jumps (goto / return lines) the path took
    err: bool = False  # the path took the non-zero side of a status test (`if (ret)`)
    facts: frozenset = frozenset()  # (name, truth) of tests the function repeats (`if (propname)` twice)


@dataclass(frozen=True)
class Event:
    kind: str  # leak | overput | uap
    api: str  # the getter (leak) or the putter (overput / uap)
    key: str
    line: int  # get line (leak), put line (overput), use line (uap)
    via: tuple  # goto lines the path took
    exit: int  # exit line (leak), the earlier put or get (overput), the put (uap)
    success: bool = False  # leak on an exit that reports success
    gets: tuple = ()  # leak: the lines of the gets the path holds
    returned: bool = False  # leak: the exit returns the object, and the path holds more than that one
    stored: bool = False  # leak: the reference sits in a member of a local object the error exit gives up


def _t(node) -> str:
    return cmodel._text(node)


def _line(node) -> int:
    return node.start_point[0] + 1


def _aliases(func: cmodel.Function) -> dict[str, str]:
    """Locals set once, from an lvalue: `dev = &pdev->dev`, `np = dev->of_node`."""
    count: dict[str, int] = {}
    val: dict[str, str] = {}
    for a in func.assignments():
        count[a.left] = count.get(a.left, 0) + 1
        val[a.left] = a.right
    out = {}
    for var, rhs in val.items():
        if count[var] == 1 and re.fullmatch(r"\w+", var) and "(" not in rhs and \
                re.fullmatch(r"&?\s*[\w]+(\s*(->|\.)\s*\w+)*", rhs) and rhs != var and not rhs.isdigit() \
                and rhs not in ("NULL", "true", "false"):
            out[var] = norm(rhs)
    return out


def _fails(api: str) -> str:
    """How the get `api` shows a failure ('' for an iterator or a name the table lacks)."""
    a = _apis.BY_GETTER.get(api)
    return a.fails if a is not None else ""


class RefSemantics:
    def __init__(self, func: cmodel.Function, text: str | None = None):
        self.func = func
        self.alias = _aliases(func)
        self.events: set[Event] = set()
        self.auto = cleanup_vars(func.text) if "__free" in func.text else set()
        self.text = text  # the file's original text (iterator macro names)
        self.iters: dict[int, tuple] = {}
        self._declared: set[str] | None = None
        self._retested: set[str] | None = None
        self._summaries: dict[str, tuple] = {}
        helper = func.name or ""
        self.getter_helper = re.search(r"(^|_)(get|find|lookup|open|attach|alloc|create|new|register|request|"
                                       r"acquire|hold|grab|ref|try_?get)(_|$)", helper) is not None

    def summary(self, name: str) -> tuple:
        """What a function defined in the same file does with its parameters: (index, member
        suffix, "put" | "keep") for each putter call on a parameter (`foo_free(priv)` that runs
        `of_node_put(priv->np)`) and each parameter stored into a longer-lived object."""
        if self.text is None or name == self.func.name:
            return ()
        if name not in self._summaries:
            self._summaries[name] = ()
            cf = cmodel.parse(self.text)
            f = cf.function_named(name) if cf is not None and not cf.error else None
            if f is not None and f.body is not None and len(f.text) < 20000:
                params = _params(f)
                out = set()
                for c in f.calls():
                    if _apis.is_putter(c.name) and c.name not in _NOT_PUTS and c.args:
                        m = re.match(r"^&?\s*(\w+)(.*)$", norm(c.args[0]))
                        if m and m.group(1) in params:
                            out.add((params.index(m.group(1)), m.group(2), "put"))
                for a in f.assignments():
                    if a.right in params and re.search(r"->|\.|\[", a.left):
                        out.add((params.index(a.right), "", "keep"))
                self._summaries[name] = tuple(sorted(out))
        return self._summaries[name]

    def retested(self) -> set[str]:
        """Names a condition of the function tests more than once (and no one assigns between
        is not known: an assignment forgets the fact)."""
        if self._retested is None:
            seen: dict[str, int] = {}
            for n in self.func._walk():
                if n.type == "if_statement":
                    cond = n.child_by_field_name("condition")
                    for subj, _ in _facts(cond, True) + _facts(cond, False):
                        if isinstance(subj, str):
                            seen[subj] = seen.get(subj, 0) + 1
            self._retested = {k for k, v in seen.items() if v >= 3}  # both sides of two tests
        return self._retested

    def locals(self) -> set[str]:
        """The function's local variables (not its parameters)."""
        params = set()
        for n in self.func._walk():
            if n.type == "parameter_declaration":
                d = n.child_by_field_name("declarator")
                while d is not None and d.type != "identifier":
                    d = d.child_by_field_name("declarator")
                if d is not None:
                    params.add(_t(d))
        return self.declared() - params

    def declared(self) -> set[str]:
        """The function's parameters and locals."""
        if self._declared is None:
            out = set()
            for n in self.func._walk():
                if n.type in ("parameter_declaration", "declaration"):
                    for d in n.children_by_field_name("declarator"):
                        while d is not None and d.type not in ("identifier",):
                            d = d.child_by_field_name("declarator")
                        if d is not None:
                            out.add(_t(d))
            self._declared = out
        return self._declared

    # ------------------------------------------------------------ names
    def canon(self, e: str | None) -> str:
        if not e:
            return ""
        e = norm(e).strip("()")
        for _ in range(4):
            m = re.match(r"^(&?)(\w+)(.*)$", e)
            if not m or m.group(2) not in self.alias:
                break
            pre, base, rest = m.group(1), self.alias[m.group(2)], m.group(3)
            if pre and base.startswith("&"):
                break
            if rest.startswith("->") and base.startswith("&"):
                e = pre + base[1:] + "." + rest[2:]
            else:
                e = pre + base + rest
        return _apis._base(e)

    def find(self, st: State, expr: str) -> int | None:
        k = self.canon(expr)
        if not k:
            return None
        for i, r in enumerate(st.refs):
            if r.key == k or any(self.canon(n) == k for n in r.names):
                return i
        if "[" in k:
            # `data->larb[i].dev` unwinds what `data->larb[id].dev = ...` stored
            k = _INDEX.sub("[]", k)
            for i, r in enumerate(st.refs):
                if r.st == "stored" and any(_INDEX.sub("[]", self.canon(n)) == k for n in r.names):
                    return i
        return None

    @staticmethod
    def _set(st: State, i: int | None, r: Ref | None) -> State:
        refs = list(st.refs)
        if i is None:
            refs.append(r)
        elif r is None:
            del refs[i]
        else:
            refs[i] = r
        return State(tuple(refs), st.via, st.err, st.facts)

    # ------------------------------------------------------------ statements
    def stmt(self, st: State, node) -> State:
        for n in _postorder(node):
            t = n.type
            if t == "call_expression":
                st = self._call(st, n)
            elif t in ("assignment_expression", "init_declarator"):
                st = self._assign(st, n)
            elif t == "field_expression":
                st = self._use(st, n.child_by_field_name("argument"), n)
        return st

    def _use(self, st: State, base, node) -> State:
        if base is None or base.type not in ("identifier", "field_expression"):
            return st
        i = self.find(st, _t(base))
        if i is None:
            return st
        r = st.refs[i]
        # a lookup's pointer after the path's put: the caller's own references (a parameter put
        # once) keep no object alive that we could tell of, and are not judged
        if r.put and r.api and r.net <= 0 and r.st in ("held", "maybe") and r.found:
            # only a dereference or an argument counts: `np = NULL` and `if (np)` do not
            self.events.add(Event("uap", r.api, r.key, _line(node), st.via, r.put))
        return st

    def _call(self, st: State, n) -> State:
        c = cmodel._call(n)
        if c is None:
            return st
        name = c.name
        api = _apis.BY_GETTER.get(name)
        row = kapi.get(name)
        if row is not None and row.drops_arg is not None and row.drops_arg < len(c.args) and not row.is_iterator:
            a = c.args[row.drops_arg]
            i = self.find(st, a)
            if i is not None:
                st = self._put(st, i, name, c.line, quiet=True)
            elif a not in ("NULL", "0"):
                st = self._set(st, None, Ref(self.canon(a), frozenset({norm(a)}), "", c.line, -1, "borrowed",
                                             put=c.line))
        if api is not None:
            return self._get(st, c, api)
        if _apis.is_putter(name) and name not in _NOT_PUTS:
            obj = _apis.put_object(name, list(c.args))
            if obj:
                i = self.find(st, obj)
                if name in _FIRST_STAGES and (i is None or st.refs[i].st == "borrowed"):
                    # `mdiobus_unregister(bus)` of a bus the caller registered: it undoes the
                    # registration, the caller's reference still needs `mdiobus_free()`
                    return st
                if i is None:
                    return self._set(st, None, Ref(self.canon(obj), frozenset({norm(obj)}), "", c.line, -1,
                                                   "borrowed", put=c.line))
                return self._put(st, i, name, c.line)
            return st
        summary = self.summary(name)
        if summary:
            # a function of the same file that puts (or keeps) what it is given
            for idx, rest, how in summary:
                if idx >= len(c.args):
                    continue
                a = c.args[idx].strip()
                obj = a.lstrip("&") + rest if rest else a
                i = self.find(st, obj)
                if i is None:
                    continue
                r = st.refs[i]
                if how == "keep" and r.st in ("held", "maybe"):
                    # kept by the callee when it succeeded: the success exits hand it on, the
                    # error exits still owe it
                    st = self._set(st, i, replace(r, kept=True))
                elif how == "put" and r.net > 0 and r.st in ("held", "maybe", "stored"):
                    st = self._set(st, i, replace(r, net=r.net - 1, put=c.line))
        handoff = name in _apis.HANDOFF_CALLS
        for a in c.args:
            i = self.find(st, a.lstrip("&"))
            if i is None:
                base = re.match(r"^&?\s*(\w+)\s*(->|\.)", a)
                if base:
                    i2 = self.find(st, base.group(1))
                    if i2 is not None:
                        st = self._use(st, _Fake(base.group(1)), n)
                continue
            r = st.refs[i]
            if handoff and r.st in ("held", "maybe"):
                st = self._set(st, i, replace(r, st="esc"))
            else:
                st = self._use(st, _Fake(a.lstrip("&")), n)
        return st

    def _get(self, st: State, c: cmodel.Call, api: _apis.Api) -> State:
        if c.lhs and ("__free" in c.lhs or c.lhs in self.auto):
            return st
        obj = _apis.ref_object(api, list(c.args), c.lhs)
        if not obj:
            return st
        if api.ref == "ret" and not c.lhs and api.fails:
            return st
        if api.ref == "ret" and not c.lhs and _handed(c.node):
            return st  # `foo(of_node_get(np))`, `return get_device(d)`: the reference goes on
        stored = bool(c.lhs) and api.ref == "ret" and not re.fullmatch(r"\w+", c.lhs)
        tok = None
        if c.in_condition and not c.lhs:
            tok = c.node.start_byte  # `if (!get_device(d))`: NULL for a NULL device, nothing held
        elif api.fails and c.lhs and api.ref != "ret":
            tok = c.lhs
        status = "stored" if stored else ("maybe" if api.fails else "held")
        names = {norm(obj)}
        if api.ref == "ret" and c.args and not api.fails:
            names.add(norm(c.args[0]))  # of_node_get(np) returns np
        i = self.find(st, obj)
        row = kapi.get(c.name)
        plain = row is None or row.kind == "getter"
        if i is None and api.ref == "ret" and c.args and not api.fails and c.lhs:
            i = self.find(st, c.args[0])  # `x = get_device(dev)` on a held dev: the same object
        if i is not None:
            r = st.refs[i]
            if r.st in ("held", "maybe", "stored") and r.net > 0:
                if not plain or api.fails:
                    return st  # device_add() after device_initialize(): the same reference
                # a second get of a held object: one more reference to drop
                return self._set(st, i, replace(r, net=r.net + 1, names=r.names | names,
                                                gets=(r.gets + (c.line,))[-3:]))
        found = api.ref == "ret" and bool(c.lhs) and (row is None or row.kind == "lookup") and api.fails != ""
        return self._set(st, i, Ref(self.canon(obj), frozenset(names), c.name, c.line, 1, status, tok,
                                    arg_ref=api.ref != "ret", found=found, gets=(c.line,)))

    def _put(self, st: State, i: int, name: str, line: int, quiet: bool = False) -> State:
        r = st.refs[i]
        if r.st == "lent" and not quiet:
            # a lookup that lends its pointer (the table of borrowed accessors): no reference to drop
            self.events.add(Event("overput", name, r.key, line, st.via, r.line))
            return self._set(st, i, replace(r, st="borrowed", net=-1, put=line))
        if r.st == "borrowed" and r.net <= -1 and not quiet:
            # the path already dropped the caller's reference once: a second put of it
            self.events.add(Event("overput", name, r.key, line, st.via, r.put))
        if r.st in ("esc", "stored", "borrowed", "lent"):
            return self._set(st, i, replace(r, net=r.net - 1, put=line))
        if r.st == "failed":
            if r.arg_ref and not quiet:
                self.events.add(Event("overput", name, r.key, line, st.via, r.line))
            return st
        if r.net <= 0 and not quiet:
            self.events.add(Event("overput", name, r.key, line, st.via, r.put or r.line))
        return self._set(st, i, replace(r, net=r.net - 1, put=line))

    def _assign(self, st: State, n) -> State:
        left = n.child_by_field_name("declarator") or n.child_by_field_name("left")
        right = n.child_by_field_name("value") or n.child_by_field_name("right")
        if left is None or right is None:
            return st
        while left.type in ("pointer_declarator", "array_declarator") and left.child_by_field_name("declarator"):
            left = left.child_by_field_name("declarator")
        lhs = cmodel._fold(_t(left)).lstrip("*").strip()
        rnode = right
        while rnode.type in ("parenthesized_expression", "cast_expression"):
            kids = [k for k in rnode.named_children if k.type not in ("type_descriptor",)]
            if not kids:
                break
            rnode = kids[-1]
        rhs = cmodel._fold(_t(rnode))
        plain = re.fullmatch(r"\w+", lhs) is not None
        if rnode.type == "call_expression":
            c = cmodel._call(rnode)
            if c is not None and (c.name in _apis.BY_GETTER):
                return st  # the get counted it
            b = kapi.borrowed(c.name) if c is not None else None
            if b is not None and b.kind == "lookup" and plain:
                j = self.find(st, lhs)
                st = self._set(st, j, Ref(self.canon(lhs), frozenset({lhs}), "", _line(n), 0, "lent"))
                return st
        i = self.find(st, rhs.lstrip("&")) if rnode.type in ("identifier", "field_expression", "pointer_expression") else None
        # the variable on the left no longer names what it held
        j = self.find(st, lhs) if plain else None
        if j is not None and j != i:
            r = st.refs[j]
            names = frozenset(x for x in r.names if x != lhs)
            if r.key == self.canon(lhs) and not names:
                st = self._set(st, j, replace(r, names=frozenset(), key="~" + r.key,
                                              st="esc" if r.st in ("held", "maybe") and r.net > 0 else r.st))
            else:
                st = self._set(st, j, replace(r, names=names))
        if st.facts and any(f[0] == norm(lhs) or f[0].startswith(norm(lhs) + "->") for f in st.facts):
            st = State(st.refs, st.via, st.err, frozenset(f for f in st.facts if not (
                f[0] == norm(lhs) or f[0].startswith(norm(lhs) + "->"))))
        for k, r in enumerate(st.refs):
            if r.tok == lhs and isinstance(r.tok, str) and k != i:
                st = self._set(st, k, replace(r, tok=None))
        if i is None:
            return st
        r = st.refs[i]
        if plain:
            return self._set(st, i, replace(r, names=r.names | {lhs}))
        if r.st in ("held", "maybe"):
            return self._set(st, i, replace(r, names=r.names | {norm(lhs)}, st="stored"))
        return st

    # ------------------------------------------------------------ conditions
    def branch(self, st: State, cond, truth: bool) -> State | None:
        facts = _facts(cond, truth)
        for subj, val in facts:
            if subj in _STATUS and val in ("nonzero", "neg", "zero"):
                st = State(st.refs, st.via, val != "zero", st.facts)
            if isinstance(subj, str) and val in ("nonzero", "zero") and subj in self.retested():
                want = val == "nonzero"
                if (subj, not want) in st.facts:
                    return None  # the path took the other side of this test before
                st = State(st.refs, st.via, st.err, st.facts | {(subj, want)})
            for i, r in enumerate(st.refs):
                hit = None
                if isinstance(subj, int):
                    if r.tok == subj:
                        fails_int = _fails(r.api) == "int" or _status_getter(r.api)
                        hit = (val == "nonzero") == fails_int  # True: failed
                        hit = "fail" if hit else "ok"
                elif isinstance(r.tok, str) and subj == r.tok:
                    hit = "fail" if val in ("nonzero", "neg") else "ok" if val == "zero" else None
                elif r.api and r.st in ("maybe", "held", "failed", "stored") and not r.arg_ref and \
                        (self.canon(subj) == r.key or subj in r.names):
                    hit = {"nonzero": "ok", "zero": "fail", "err": "fail", "errnull": "fail",
                           "noterr": "ok" if _fails(r.api) == "errptr"
                           else None, "notnull_noterr": "ok"}.get(val)
                if hit is None:
                    continue
                if hit == "fail":
                    g = _apis.BY_GETTER.get(r.api) if r.api else None  # None: an iterator's cursor
                    if r.st == "held" and r.tok is None and g is not None and g.fails and not r.arg_ref:
                        return None  # tested non-NULL before: this side cannot run
                    if g is not None and g.ref_on_failure:
                        st = self._set(st, i, replace(r, st="held", tok=None))
                    else:
                        st = self._set(st, i, replace(r, st="failed", net=0, tok=None))
                else:
                    if r.st == "failed" and not r.arg_ref:
                        return None
                    if r.st == "maybe":
                        st = self._set(st, i, replace(r, st="held", tok=None if isinstance(r.tok, int) else r.tok))
        return st

    def jump(self, st: State, node) -> State:
        if node.type == "goto_statement":
            return State(st.refs, (st.via + (_line(node),))[-3:], st.err, st.facts)
        return st

    def loop(self, st: State, node, phase: str) -> State:
        cursor = self._iter_cursor(node)
        if cursor is None:
            return st
        name, obj = cursor
        i = self.find(st, obj)
        if phase == "enter":
            return self._set(st, i, Ref(self.canon(obj), frozenset({norm(obj)}), name, _line(node), 1, "held"))
        if i is None:
            return st
        r = st.refs[i]
        if r.api != name:
            return st
        if phase == "next" and r.net <= 0 and r.st == "held" and r.put:
            # the body dropped the cursor, and the iterator drops it again when it steps
            self.events.add(Event("overput", name, r.key, r.put, st.via, r.line))
        # the iterator drops the cursor's reference when it steps (or ends with NULL)
        return self._set(st, i, None)

    def _iter_cursor(self, node):
        if node.type != "while_statement" or self.text is None:
            return None
        key = node.start_byte
        if key not in self.iters:
            self.iters[key] = None
            head = self.text[node.start_byte:node.start_byte + 200]
            m = re.match(r"(\w*for_each\w*)\s*\(", head)
            row = kapi.get(m.group(1)) if m else None
            if row is not None and row.is_iterator and row.ref_arg is not None:
                cond = node.child_by_field_name("condition")
                args = cmodel.split_args(_t(cond)[1:-1]) if cond is not None else ()
                if row.ref_arg < len(args):
                    self.iters[key] = (m.group(1), args[row.ref_arg])
        return self.iters[key]

    # ------------------------------------------------------------ exits
    def exit(self, st: State, node) -> None:
        value = _t(node)[len("return"):].strip(" ;\t\n") if node is not None else ""
        line = _line(node) if node is not None else self.func.end
        success = not _ERR_RET.match(value) and not value.startswith("-") and not (
            value in _STATUS and (st.via or st.err))
        for r in st.refs:
            if r.api and r.net > 0 and r.st == "stored" and not success and any(
                    _head(n) in self.locals() for n in r.names | {r.key} if re.search(r"->|\.|\[", n)):
                # kept in an object of this function's that an error exit gives up (a caller
                # judges whether the function itself owed the put: see _refdiff)
                self.events.add(Event("leak", r.api, r.key, r.line, st.via, line, False, r.gets, False, True))
                continue
            if not r.api or r.net <= 0 or r.st not in ("held", "maybe"):
                continue
            net = r.net
            returned = False
            if value and any(re.search(r"\b%s\b" % re.escape(re.split(r"->|\.", n.lstrip("&*"))[0]), value)
                             for n in r.names | {r.key}):
                net -= 1  # returned (or its container is): the caller gets one reference
                if net <= 0:
                    continue
                returned = True
            elif success and r.kept:
                continue
            elif success and self.getter_helper and (r.arg_ref or _head(r.key) not in self.locals()):
                continue  # a helper that takes a reference for its caller (on an object it was given)
            elif success and kapi.get(r.api) is not None and kapi.get(r.api).kind in ("register", "init"):
                continue  # published (or set up for the caller's register): the subsystem's now
            elif success and r.arg_ref and re.search(r"->|\.", r.key):
                continue  # `kobject_init_and_add(&foo->kobj, ...)`: foo owns it now
            if r.arg_ref and r.api in _apis.BY_GETTER and _apis.BY_GETTER[r.api].family in ("device", "kobject") and \
                    re.match(r"\w+", r.key) and re.match(r"\w+", r.key).group(0) not in self.declared():
                continue  # `platform_device_register(&foo_gpio_device)`: a static object, never freed
            self.events.add(Event("leak", r.api, r.key, r.line, st.via, line, success, r.gets, returned))


class _Fake:
    """A name standing for a node (`_use` on an argument's text)."""

    type = "identifier"

    def __init__(self, text: str):
        self.text = text.encode()
        self.start_point = (0, 0)


def _params(func: cmodel.Function) -> list[str]:
    """The names of the function's parameters, in order ("" for an unnamed one)."""
    decl = func.node.child_by_field_name("declarator") if func.node is not None else None
    while decl is not None and decl.type != "function_declarator":
        decl = decl.child_by_field_name("declarator")
    plist = decl.child_by_field_name("parameters") if decl is not None else None
    out = []
    for p in (plist.named_children if plist is not None else []):
        d = p.child_by_field_name("declarator")
        while d is not None and d.type != "identifier":
            d = d.child_by_field_name("declarator")
        out.append(_t(d) if d is not None else "")
    return out


def _head(key: str) -> str:
    m = re.match(r"[&*(\s]*(\w+)", key)
    return m.group(1) if m else key


def _handed(node) -> bool:
    """Is this call's value passed straight to another call or returned?"""
    p = node.parent
    while p is not None and p.type in ("parenthesized_expression", "cast_expression"):
        p = p.parent
    if p is not None and p.type == "return_statement":
        return True
    if p is not None and p.type == "argument_list":
        fn = p.parent.child_by_field_name("function") if p.parent is not None else None
        return fn is None or _t(fn) not in _WRAP
    return False


def _status_getter(name: str) -> bool:
    row = kapi.get(name)
    return row is not None and "non-zero" in row.on_error


def _postorder(node):
    out = []
    stack = [(node, False)]
    while stack:
        n, done = stack.pop()
        if done:
            out.append(n)
            continue
        if n.type in ("compound_statement",) and n is not node:
            continue  # a statement expression's body: rare, not followed
        stack.append((n, True))
        for c in reversed(n.named_children):
            stack.append((c, False))
    return out


def _facts(cond, truth: bool) -> list:
    """What holds on the `truth` side of a condition: (subject, value) pairs, subject a name
    or a call's start byte; value nonzero | zero | neg | err | noterr | errnull."""
    n = cond
    while n is not None and n.type == "parenthesized_expression" and n.named_child_count == 1:
        n = n.named_children[0]
    if n is None:
        return []
    t = n.type
    if t == "unary_expression" and _t(n).lstrip().startswith("!"):
        return _facts(n.child_by_field_name("argument"), not truth)
    if t == "call_expression":
        fn = _t(n.child_by_field_name("function"))
        args = n.child_by_field_name("arguments")
        kids = args.named_children if args is not None else []
        if fn in _WRAP and len(kids) == 1:
            return _facts(kids[0], truth)
        if fn == "IS_ERR" and len(kids) == 1:
            return [(norm(_t(kids[0])), "err" if truth else "noterr")]
        if fn == "IS_ERR_OR_NULL" and len(kids) == 1:
            return [(norm(_t(kids[0])), "errnull" if truth else "notnull_noterr")]
        out = [(n.start_byte, "nonzero" if truth else "zero")]
        return out
    if t == "binary_expression":
        op = n.child_by_field_name("operator")
        op = _t(op) if op is not None else ""
        a, b = n.child_by_field_name("left"), n.child_by_field_name("right")
        if op == "&&":
            return (_facts(a, True) + _facts(b, True)) if truth else []
        if op == "||":
            return [] if truth else (_facts(a, False) + _facts(b, False))
        if op in ("==", "!=") and a is not None and b is not None and a.type == "identifier" and \
                re.fullmatch(r"-\s*E[A-Z0-9]+", _t(b).strip()):
            # `ret == -EAGAIN`: the status is an error on the side where it is equal
            return [(_t(a), "nonzero")] if (op == "==") == truth else []
        if op in ("==", "!=") and a is not None and b is not None:
            if _t(b) in ("NULL", "0"):
                subj = a
            elif _t(a) in ("NULL", "0"):
                subj = b
            else:
                return []
            nonzero = (op == "!=") == truth
            return _facts(subj, True) if nonzero else _facts(subj, False)
        if op in ("<", ">=") and b is not None and _t(b) == "0" and a is not None and a.type == "identifier":
            neg = (op == "<") == truth
            return [(_t(a), "neg" if neg else "zero_or_pos")]
        return []
    if t in ("identifier", "field_expression", "pointer_expression"):
        return [(norm(_t(n)), "nonzero" if truth else "zero")]
    if t == "assignment_expression":
        right = n.child_by_field_name("right")
        left = n.child_by_field_name("left")
        out = _facts(right, truth) if right is not None else []
        if left is not None:
            out.append((norm(_t(left)), "nonzero" if truth else "zero"))
        return out
    return []


def events(func: cmodel.Function | None, text: str | None = None) -> tuple[set[Event], bool] | None:
    """The reference events of every path of `func`, or None when the walk gave up.  The bool
    says the walk was complete (no state dropped at a join)."""
    if func is None or func.body is None:
        return None
    if "events" in func._cache:
        return func._cache["events"]
    sem = RefSemantics(func, text)
    ok, lossy = paths.walk(func.body, sem, State())
    res = (sem.events, not lossy) if ok else None
    func._cache["events"] = res
    return res
