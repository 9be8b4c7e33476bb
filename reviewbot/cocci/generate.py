"""Semantic patches (SmPL) for `spatch`, generated from the get/put table (checks/data/refs.tsv).

Nothing here names an API: every getter, lookup, putter and iterator comes from the table, so a
row added there is covered by the next run.  Three rule kinds, written the way the kernel's
own scripts are (``scripts/coccinelle/free/put_device.cocci``,
``scripts/coccinelle/iterators/for_each_child.cocci``), with ``exists`` path semantics and
ownership hand-offs as ``when != e = x`` escapes:

``leak``
    ``x = getter(...)`` (a row whose ``ref_on`` is the return value: lookups, getters, and the
    allocations that create the first reference), the failure test of ``x``, then a path to a
    ``return`` on which no release sees ``x`` and ``x`` is not handed off (stored, returned,
    passed to a drvdata setter or a devm action).  A release is any release function of the
    table, or a call whose name says it releases (``_RELEASE_RE``), with ``x`` in its arguments.
``iter``
    a ``for_each_*`` iterator of the table (``ref_on`` "argN (loop var)") left by ``return`` or
    ``goto`` before the end, with no release of the loop variable and no hand-off of it on
    the way.  (A ``break`` is not followed: what runs after the loop decides, and it is often
    a put.)
``register``
    a ``register`` row whose failure rule (``on_error``) names a release of the object it was
    given (``device_register``: put_device), called and failed, then a ``return`` in its
    error branch that does not release the object.

Each match prints one tab-separated line (``@script:python``): the kind, the file, the function,
the API, the object expression and the lines of the get and of the exit.

The text is made at run time (a few milliseconds) and written once to the user's cache
directory under a hash of itself (``cached_path``), where spatch reads it.
``python -m reviewbot.cocci.generate`` prints it.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from reviewbot.checks import _kapi as kapi  # the table, read once for the rules and for spatch

MARK = "@@RB@@"  # first field of every line the semantic patch prints

# Function names in the `release` column (which is prose in places).
_RELEASE_WORD = re.compile(r"\b([a-z_][a-z0-9_]*)\s*(?:\(|$|\||\s)")
# Names of release helpers a driver writes itself (foo_put_node(), bar_release()).
_RELEASE_RE = "(put|free|release|unregister|_del|destroy|cleanup)"
_PUTTERISH = re.compile(r"(put|free|release|close|detach|disconnect|unregister|exit|del)")


# The members that embed a counted object in a driver's structure: a struct device, kobject or
# kref (the putters of those families take &x->dev, &x->kobj, &x->kref).
_EMBEDDED_RE = "^(dev|kobj|kref|ref|refcount)$"


def table_text() -> str:
    return kapi.DATA.read_text(encoding="utf-8")


def rows(text: str | None = None) -> tuple[kapi.Row, ...]:
    return kapi.rows() if text is None else kapi.parse(text)


def releases(row: kapi.Row, known: set[str]) -> tuple[str, ...]:
    """The functions named in a row's `release` column (known APIs or put/free-like names)."""
    out = []
    for m in _RELEASE_WORD.finditer("|".join(row.release) + " "):
        name = m.group(1)
        if name in known or (_PUTTERISH.search(name) and "_" in name):
            out.append(name)
    return tuple(dict.fromkeys(out))


def _ident_set(names) -> str:
    return ", ".join(sorted(names))


def _disj(names) -> str:
    return "\\(" + "\\|".join(sorted(names)) + "\\)"


_REPORT = """
@script:python@
p1 << {rule}.p1;
p2 << {rule}.p2;
x << {rule}.x;
f << {rule}.f;
@@
print("{mark}\\t{kind}\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s" % (p1[0].file, p1[0].current_element, f, x, p1[0].line,
                                                       p2[0].line))
"""

# Hand-offs that end our responsibility for x on a path (the kernel scripts' escapes).  A
# release-like call (a driver's own foo_put_node()) releases x when it is given x itself or a
# counted object embedded in it (its struct device, kobject or kref: &x->dev, &x->mdio.dev):
# kfree(x->buf), list_del(&x->node) or mutex_destroy(&x->lock) release something else, and do
# not end the path.
_ESCAPES = """    when != rel(..., \\(x\\|&x->rfld\\|&x->fld.rfld\\), ...)
    when != e = x
    when != e = (T)x
    when != e = &x->fld
    when != e = &x->fld.fld2
    when != return <+... x ...+>;
    when != \\(dev_set_drvdata\\|platform_set_drvdata\\|i2c_set_clientdata\\|spi_set_drvdata\\)(e1, x)
    when != \\(devm_add_action\\|devm_add_action_or_reset\\)(e1, e2, <+... x ...+>)"""


# The exit: a return that does not hand x to the caller.
_EXIT = """(
return <+... x ...+>;
|
return@p2 ...;
)
"""
# the failure test of x, also inside the warning and branch-hint macros (`if (WARN_ON(!np))`)
_NULL_TEST = "\\(x == NULL\\|IS_ERR(x)\\|IS_ERR_OR_NULL(x)\\|!x\\|WARN_ON(!x)\\|WARN_ON_ONCE(!x)\\|unlikely(!x)\\)"


def _leak_rule(name: str, getters: list[str], putters: tuple[str, ...], typed: bool = False) -> str:
    """Three paths from `x = get()` to a `return` that neither releases nor hands off x:
    past the failure test of x (a), with no failure test at all (b), and into a failure
    branch whose test also holds when x is valid (`if (!x || !ready(x)) return ...;`) (c).
    `typed`: x must be a pointer (the getters that take the reference on their argument and
    return it, `np = of_node_get(dev->of_node)`: a status kept in an int is not the object)."""
    decl = "type T0;\nlocal idexpression T0 *x;" if typed else "local idexpression x;"
    head = f"""{decl}
expression e, e1, e2;
identifier fld, fld2;
identifier rel =~ "{_RELEASE_RE}";
identifier rfld =~ "{_EMBEDDED_RE}";
type T;
statement S;
position p1, p2;
identifier f = {{{_ident_set(getters)}}};
@@
x = f@p1(...)
"""
    tail = f"""{_not_put(putters, "...")}{_ESCAPES}
"""
    return f"""
@{name}a exists@
{head}... when != e = x
(
if ({_NULL_TEST} || ...) S
|
if ({_NULL_TEST} && ...) S
)
{tail}{_EXIT}""" + _REPORT.format(rule=name + "a", mark=MARK, kind="leak") + f"""
@{name}b exists@
{head}{tail}    when != if ({_NULL_TEST} || ...) S
    when != if ({_NULL_TEST} && ...) S
{_EXIT}""" + _REPORT.format(rule=name + "b", mark=MARK, kind="leak") + f"""
@{name}c exists@
{decl}
expression e, e3;
position p1, p2;
identifier f = {{{_ident_set(getters)}}};
@@
x = f@p1(...)
... when != e = x
if ({_NULL_TEST} || e3)
  return@p2 ...;
""" + _REPORT.format(rule=name + "c", mark=MARK, kind="leak")


# A release helper of the holder's structure (foo_free(priv), bar_release(priv)) may drop its
# fields; a plain kfree()/vfree() of it frees the memory and drops nothing.
_HOLDER_RELEASE_RE = "(put|release|unregister|_del|destroy|cleanup|_free|free_|remove)"
# Exits that return an error: the caller will not keep what the function set up.
_ERROR_EXIT = """(
return@p2 -C;
|
return@p2 PTR_ERR(...);
|
return@p2 ERR_PTR(...);
|
return@p2 ERR_CAST(...);
|
return@p2 dev_err_probe(...);
|
if (\\(ret\\|ret < 0\\|ret != 0\\|unlikely(ret)\\|IS_ERR(ret)\\)) {{
{dots}
  return@p2 <+... ret ...+>;
}}
|
ret = \\(-C\\|PTR_ERR(...)\\);
{dots}
    when != ret = e
return@p2 ret;
|
goto lbl;
{dots}
(
return 0;
|
return@p2 ...;
)
)
"""


def _field_rule(name: str, getters: list[str], putters: tuple[str, ...]) -> str:
    """A reference stored straight into a field of a local structure (`priv->client =
    of_find_i2c_device_by_node(np)`) and an exit that fails the function (an error code
    returned, or an unwind reached by `goto`) with no release of the field on the way: the
    function's failure ends its caller's interest in the structure (a failed probe() is never
    followed by remove()), so nothing will drop the reference.  A success exit keeps it for
    the teardown, and is not looked at."""
    escapes = f"""{_not_put(putters, "...", "E->fld").rstrip()}
    when != rel(..., <+... E->fld ...+>, ...)
    when != hrel(..., \\(E\\|&E->rfld\\), ...)
    when != e = E->fld
    when != E->fld = e
    when != return <+... E ...+>;
    when != \\(devm_add_action\\|devm_add_action_or_reset\\)(e1, e2, <+... E ...+>)"""
    return f"""
@{name} exists@
local idexpression E, ret;
identifier fld, lbl;
expression e, e1, e2;
identifier rel =~ "{_RELEASE_RE}";
identifier rfld =~ "{_EMBEDDED_RE}";
identifier hrel =~ "{_HOLDER_RELEASE_RE}";
constant C;
statement S;
position p1, p2;
identifier f = {{{_ident_set(getters)}}};
@@
E->fld = f@p1(...)
... when != E->fld = e
(
if (\\(E->fld == NULL\\|IS_ERR(E->fld)\\|IS_ERR_OR_NULL(E->fld)\\|!E->fld\\|unlikely(!E->fld)\\|WARN_ON(!E->fld)\\) || ...) S
|
if (\\(E->fld == NULL\\|IS_ERR(E->fld)\\|IS_ERR_OR_NULL(E->fld)\\|!E->fld\\|unlikely(!E->fld)\\) && ...) S
)
{escapes}
    when any
{_ERROR_EXIT.format(dots=escapes)}""" + _REPORT.format(rule=name, mark=MARK, kind="field").replace(
        f"x << {name}.x;", f"x << {name}.E;\nfld << {name}.fld;").replace('f, x, p1', 'f, "%s->%s" % (x, fld), p1')


def _regleak_rule(name: str, registers: list[str], putters: tuple[str, ...]) -> str:
    """A registration that returns the object it made and published (`client =
    i2c_new_dummy_device(...)`, `kobj = kobject_create_and_add(...)`, `pdev =
    platform_device_register_simple(...)`: the table's `register` rows whose `ref_on` is the
    return value) kept in a local, and past its failure test an exit that fails the function
    with no release (the row's unregister or put) and no hand-off of it: the function's caller
    sees an error and does not know the object exists.  Success exits are not looked at: a
    registration made for good (board code, an init function) is not a leak."""
    dots = _not_put(putters, "...") + _ESCAPES
    return f"""
@{name} exists@
idexpression x;
local idexpression ret;
expression e, e1, e2;
identifier fld, fld2, lbl;
identifier rel =~ "{_RELEASE_RE}";
identifier rfld =~ "{_EMBEDDED_RE}";
type T;
constant C;
statement S;
position p1, p2;
identifier f = {{{_ident_set(registers)}}};
@@
x = f@p1(...)
... when != e = x
(
if ({_NULL_TEST} || ...) S
|
if ({_NULL_TEST} && ...) S
)
{dots}
    when any
{_ERROR_EXIT.format(dots=dots)}""" + _REPORT.format(rule=name, mark=MARK, kind="leak")


def _take_rule(name: str, takers: list[str], putters: tuple[str, ...]) -> str:
    """A reference a function takes on an object it was given (`kref_get(&auth->kref);`,
    `get_device(&parent->dev);`, `of_node_get(np);`, the result not kept) and an exit that
    fails the function with no release of that object on the way: a function that fails undoes
    what it took (its caller sees an error and does not know a reference was taken).  Success
    exits keep the reference for whoever it was taken for, and are not looked at."""
    dots = _not_put(putters, "...", "y").rstrip() + """
    when != hrel(..., <+... y ...+>, ...)
    when != y = e"""
    return f"""
@{name} exists@
expression y, e;
local idexpression ret;
identifier fld, lbl;
identifier hrel =~ "{_HOLDER_RELEASE_RE}";
constant C;
position p1, p2;
identifier f = {{{_ident_set(takers)}}};
@@
(
f@p1(&y->fld);
|
f@p1(y);
)
{dots}
    when any
{_ERROR_EXIT.format(dots=dots)}""" + _REPORT.format(rule=name, mark=MARK, kind="take").replace(
        f"x << {name}.x;", f"x << {name}.y;")


def _not_put(putters, dots: str, obj: str = "x") -> str:
    """`dots` with the escape "no release of `obj` by a table putter" (absent with no putters:
    a pruned semantic patch, see generate(names=...), for files that call none of them)."""
    if not putters:
        return dots + "\n"
    return f"{dots} when != {_disj(putters)}(..., <+... {obj} ...+>, ...)\n"


def _iter_head(name: str, iterators: list[str], arg: int, extra: str, positions: str) -> str:
    """The rule line and metavariables of an iterator rule (`extra`: more declarations)."""
    return f"""
@{name} exists@
local idexpression x;
expression e, e1, e2{", e0" if arg > 1 else ""};
identifier fld, fld2;
identifier rel =~ "{_RELEASE_RE}";
identifier rfld =~ "{_EMBEDDED_RE}";
type T;
{extra}iterator f = {{{_ident_set(iterators)}}};
position {positions};
@@"""


def _iter_rule(name: str, iterators: list[str], arg: int, putters: tuple[str, ...]) -> str:
    lead = "e0, " * (arg - 1)
    return _iter_head(name, iterators, arg, "identifier lbl;\n", "p1, p2") + f"""
f@p1({lead}x, ...) {{
{_not_put(putters, "  ...")}{_ESCAPES.replace("    ", "      ")}
(
  return x;
|
  return@p2 ...;
|
  goto@p2 lbl;
)
  ... when any
}}
""" + _REPORT.format(rule=name, mark=MARK, kind="iter")


def _iter_break_rule(name: str, iterators: list[str], arg: int, putters: tuple[str, ...]) -> str:
    """The loop left by `break` with the loop variable's reference (the step that would have
    dropped it does not run), and after the loop a `return` reached with no release and no
    hand-off of the variable.  The break's line is printed (as the get line's neighbour is not
    enough): reviewbot.cocci.anchor keeps the match only when that `break` leaves this loop
    (not an inner `switch` or loop), and not on a branch where the variable is NULL (the loop
    ran to its end)."""
    lead = "e0, " * (arg - 1)
    dots = _not_put(putters, "...") + _ESCAPES
    return _iter_head(name, iterators, arg, "", "p1, p2, p3") + f"""
f@p1({lead}x, ...) {{
{_indent(dots, "  ")}
  break@p3;
  ... when any
}}
{dots}
    when != x = e
(
return <+... x ...+>;
|
return@p2 ...;
)
""" + _REPORT.format(rule=name, mark=MARK, kind="iterbreak").replace(
        f"p2 << {name}.p2;", f"p2 << {name}.p2;\np3 << {name}.p3;").replace(
        "p2[0].line))", "\"%s:%s\" % (p2[0].line, p3[0].line)))")


def _outarg_rule(name: str, getters: list[str], arg: int, fld: str, putters: tuple[str, ...]) -> str:
    """A lookup that returns its reference in a structure the caller gives by address
    (`of_parse_phandle_with_args(np, ..., &args)`: the node is in args.np; nothing is held when
    it fails): past the call's failure test, a `return` reached with no release of `a.fld` and
    no hand-off of it (stored, returned) or of the whole structure (copied out)."""
    lead = ", ".join(f"e{i}" for i in range(1, arg)) + ", " if arg > 1 else ""
    obj = f"a.{fld}"
    dots = _not_put(putters, "...", obj) + f"""    when != rel(..., <+... {obj} ...+>, ...)
    when != e = {obj}
    when != e = a
    when != {obj} = e
    when != return <+... {obj} ...+>;
    when != \\(devm_add_action\\|devm_add_action_or_reset\\)(e8, e9, <+... {obj} ...+>)"""
    test = "\\(ret\\|ret < 0\\|ret != 0\\|unlikely(ret)\\|WARN_ON(ret)\\)"
    call = f"f@p1({lead}&a, ...)"
    heads = (f"ret = {call};\nif ({test}) S", f"if (\\({call}\\|{call} < 0\\)) S")
    # two rules: a disjunction of the two heads does not continue into the path after it
    return "".join(f"""
@{name}{part} exists@
local idexpression a;
expression {"ret, " if part == "a" else ""}e, e8, e9{", " + ", ".join(f"e{i}" for i in range(1, arg)) if arg > 1 else ""};
identifier rel =~ "{_RELEASE_RE}";
identifier rfld =~ "{_EMBEDDED_RE}";
statement S;
position p1, p2;
identifier f = {{{_ident_set(getters)}}};
@@
{head}
{dots}
(
return <+... {obj} ...+>;
|
return@p2 ...;
)
""" + _REPORT.format(rule=name + part, mark=MARK, kind="leak").replace(
        f"x << {name}{part}.x;", f"x << {name}{part}.a;").replace('f, x, p1', f'f, "%s.{fld}" % x, p1')
        for part, head in zip("ab", heads))


def _put_of(p: str, pos: str = "") -> str:
    """A put of x itself or of a reference embedded in it (`put_device(&x->dev)`)."""
    return f"""(
{p}{pos}(x, ...)
|
{p}{pos}(&x->fld, ...)
|
{p}{pos}(&x->fld.fld2, ...)
)"""


def _overput_rules(doubles: dict[tuple[str, ...], list[str]], borrows: dict[tuple[str, ...], list[str]],
                   takers: list[str]) -> str:
    """Two over-puts, reported by MOD019: the reference a getter returned, put a second time on
    a path with no new get of it in between (`dev = driver_find_device(...); ...; put_device(dev);
    ...; put_device(dev);`); and a pointer an accessor lends without a reference
    (checks/data/borrowed.tsv: `get_cpu_device()`, `dev_of_node()`, `pci_upstream_bridge()`, ...)
    put with no get of it first.  The puts are those that release the getter's reference (its
    `release` column: `mdiobus_unregister()` then `mdiobus_free()` is one release, not two) or
    the put a caller would wrongly write for the accessor (its `wrong_put`), on the same object
    (x, or the same member of x); the same put twice (`q` is bound once).  {(puts): [getters]}."""
    out = []
    for n, (kind, groups) in enumerate((("doubleput", doubles), ("borrowput", borrows))):
        for i, (puts, names) in enumerate(sorted(groups.items())):
            name = f"{kind}{i}"
            head = f"""
@{name} exists@
local idexpression x;
expression e;
identifier fld, fld2;
identifier q = {{{_ident_set(puts)}}};
identifier g = {{{_ident_set(takers)}}};
identifier f = {{{_ident_set(names)}}};
position p1, p2;
@@
x = f@p1(...)
"""
            guard = """... when != x = e
    when != g(..., <+... x ...+>, ...)
"""
            first = f"...\n{_put_of('q')}\n" if kind == "doubleput" else ""
            out.append(head + first + guard + _put_of("q", "@p2") + "\n"
                       + _REPORT.format(rule=name, mark=MARK, kind=kind))
    return "".join(out)


def _indent(text: str, pad: str) -> str:
    return "\n".join(pad + ln if ln.strip() else ln for ln in text.splitlines())


def _register_rule(name: str, registers: list[str]) -> str:
    """A failed registration whose error path returns without releasing the object: the
    register call took (or set up) the reference and, on failure, leaves it to the caller
    (``device_register()``: "Always use put_device() to give up the reference").  A plain
    ``kfree()`` of it is no release: the object's refcount owns the memory from then on (its
    release callback frees it), so only a put-like call (``_HOLDER_RELEASE_RE``: a table
    release or a driver's own ``foo_put()``/``foo_release()``/``foo_free()``) ends the path."""
    test = "\\(ret\\|ret < 0\\|ret != 0\\|unlikely(ret)\\|WARN_ON(ret)\\|WARN_ON_ONCE(ret)\\)"
    call = "f@p1(x, ...)"
    return f"""
@{name} exists@
expression x, ret;
position p1, p2;
identifier f = {{{_ident_set(registers)}}};
identifier rel =~ "{_HOLDER_RELEASE_RE}";
@@
(
ret = {call};
if ({test}) {{
  ... when != rel(..., <+... x ...+>, ...)
  return@p2 ...;
}}
|
if (\\({call}\\|{call} < 0\\|unlikely({call})\\|WARN_ON({call})\\)) {{
  ... when != rel(..., <+... x ...+>, ...)
  return@p2 ...;
}}
)
""" + _REPORT.format(rule=name, mark=MARK, kind="register")


def api_names(text: str | None = None) -> frozenset[str]:
    """The calls and iterators the semantic patch starts from: a file without any of them
    cannot match, and is not given to spatch."""
    sets = re.findall(r"(?:identifier|iterator) f = \{([^}]*)\}", generate(text))
    return frozenset(n.strip() for group in sets for n in group.split(","))


def generate(text: str | None = None, names: frozenset[str] | set[str] | None = None) -> str:
    """One leak rule over every getter and one iterator rule per loop-variable position.

    A path is released by a call of any release function of the table on the object: one
    rule set for all families costs one pass of spatch over a function instead of one per
    family, and a put of the wrong family is another rule's business (MOD019).

    `names`: the identifiers the C files to check contain (reviewbot.cocci.run).  The table's
    functions outside it are left out (they cannot occur in those files), and so is a rule
    none of whose starting calls remains: the same matches on those files, from a semantic
    patch spatch parses and applies in a fraction of the time.  "" when no rule remains.
    """
    table = rows(text)
    known = {r.name for r in table}
    putters = {r.name for r in table if r.kind == "putter"}
    getters: list[str] = []
    made: list[str] = []  # registrations that return the object they made (error exits only)
    arggetters: list[str] = []  # take the reference on their argument, and return it
    iters: dict[int, list[str]] = {}
    outargs: dict[tuple[int, str], list[str]] = {}
    # over-puts: the table's putters, the getters that take a reference on an argument (a new
    # reference on x), and the accessors that lend one without a reference
    takers = sorted(r.name for r in table if r.kind == "getter" and re.match(r"arg\d", r.ref_on))
    doubles: dict[tuple[str, ...], list[str]] = {}
    double_puts: set[str] = set()
    borrow_puts: set[str] = set()
    borrows: dict[tuple[str, ...], list[str]] = {}
    for b in kapi.borrowed_rows():  # checks/data/borrowed.tsv: the accessors that lend a pointer
        m = re.match(r"(\w+)\(", b.wrong_put)
        if m:  # one rule: any of these puts of a lent pointer drops a reference it does not hold
            borrows.setdefault(("*",), []).append(b.name)
            borrow_puts.add(m.group(1))
    # a failure rule that names one release function, of the object the call was given
    # ("put_device"; not "none ..." and not "put_device(dev)" of another argument)
    registers = sorted(r.name for r in table if r.kind == "register" and r.ref_on.startswith("arg1")
                       and re.match(r"[a-z_0-9]+(?![\w(])", r.on_error)
                       and r.on_error.split()[0] in known)
    for r in table:
        if r.kind == "register" and r.ref_on == "return" and r.family != "module" \
                and not any("automatic" in x for x in r.release) and (puts := releases(r, known)):
            made.append(r.name)
            putters.update(puts)
            continue
        if r.kind not in ("lookup", "getter", "init") or any("automatic" in x for x in r.release):
            continue
        puts = releases(r, known)
        if not puts:
            continue
        putters.update(puts)
        if r.kind == "getter" and r.ref_on == "arg1" and r.family != "module":
            arggetters.append(r.name)
        if r.ref_on.startswith("return"):
            getters.append(r.name)
            own = [p for p in puts if p in known]
            if own:  # one rule: the same put twice on one object is one too many in any family
                key = ("*",)
                doubles.setdefault(key, []).append(r.name)
                double_puts.update(own)
        m = re.fullmatch(r"arg(\d+) \(\w+->(\w+)\)", r.ref_on)
        if m:
            outargs.setdefault((int(m.group(1)), m.group(2)), []).append(r.name)
        m = re.match(r"arg(\d+) \(loop var\)", r.ref_on)
        if m and "for_each" in r.name:
            iters.setdefault(int(m.group(1)), []).append(r.name)
    if names is not None:
        getters = [g for g in getters if g in names]
        made = [g for g in made if g in names]
        arggetters = [g for g in arggetters if g in names]
        iters = {arg: kept for arg, group in iters.items() if (kept := [n for n in group if n in names])}
        registers = [r for r in registers if r in names]
        outargs = {key: kept for key, group in outargs.items() if (kept := [n for n in group if n in names])}
        putters = {p for p in putters if p in names}
        double_puts = {p for p in double_puts if p in names}
        doubles = {k: kept for k, group in doubles.items() if (kept := [n for n in group if n in names])
                   and double_puts}
        borrow_puts = {p for p in borrow_puts if p in names}
        borrows = {k: kept for k, group in borrows.items() if (kept := [n for n in group if n in names])
                   and borrow_puts}
        if not (getters or made or arggetters or iters or registers or outargs or borrows):
            return ""
    puts = tuple(sorted(putters))
    parts = ["// Generated by reviewbot.cocci.generate from checks/data/refs.tsv; do not edit.\n",
             _leak_rule("leak", getters, puts) if getters else "",
             _field_rule("holder", getters + made, puts) if getters or made else "",
             _regleak_rule("regleak", made, puts) if made else "",
             _leak_rule("argleak", arggetters, puts, typed=True) if arggetters else "",
             _take_rule("take", arggetters, puts) if arggetters else ""]
    for arg, names in sorted(iters.items()):
        parts.append(_iter_rule(f"iter{arg}", names, arg, puts))
        parts.append(_iter_break_rule(f"iterbreak{arg}", names, arg, puts))
    for (arg, fld), names in sorted(outargs.items()):
        parts.append(_outarg_rule(f"outarg{arg}{fld}", names, arg, fld, puts))
    if registers:
        parts.append(_register_rule("regfail", registers))
    doubles = {tuple(sorted(double_puts)): names for names in doubles.values()}
    borrows = {tuple(sorted(borrow_puts)): names for names in borrows.values()}
    if doubles or borrows:
        parts.append(_overput_rules(doubles, borrows, takers))
    return "".join(parts)


_MEMO: dict[str, Path] = {}


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "reviewbot" / "cocci"


def cached_path() -> Path:
    """The generated semantic patch on disk, named by a hash of its text (so a changed table or
    generator gives a new file, and a file is never rewritten)."""
    table = table_text()
    key = f"{cache_dir()}\0{table}"
    if key in _MEMO and _MEMO[key].is_file():
        return _MEMO[key]
    text = generate(table)
    path = cache_dir() / f"refs-{hashlib.sha256(text.encode()).hexdigest()[:16]}.cocci"
    _MEMO[key] = path
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)  # atomic: parallel runs never read half a file
    return path


if __name__ == "__main__":
    print(generate(), end="")
