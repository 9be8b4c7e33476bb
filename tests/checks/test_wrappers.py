"""checks/data/wrappers.tsv and its generator (scripts/gen_wrappers.py): what makes a wrapper.

The generator's semantic test on definitions written like the kernel's: a body that drops (or
takes) a table reference on its parameter is a putter (getter); a name alone never is.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from reviewbot.checks import _kapi as kapi
from reviewbot.checks.module import _apis

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen_wrappers", ROOT / "scripts" / "gen_wrappers.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _classify(gen, src: str, path: str = "include/linux/foo.h"):
    bases = gen.table_bases()
    out = {}
    for f in gen.functions(path, src):
        w = gen.classify(f, bases)
        out[f.name] = (w.kind, w.arg, w.via, w.base.name) if w else None
    return out


SRC = """
static inline void foo_put(struct foo *foo)
{
\tif (foo)
\t\tkref_put(&foo->ref, foo_release);
}

static inline struct foo *foo_get(struct foo *foo)
{
\tkref_get(&foo->ref);
\treturn foo;
}

static inline void bar_put_device(struct bar *bar)
{
\tput_device(&bar->dev);
}

static inline bool baz_tryget(struct baz *baz)
{
\treturn kref_get_unless_zero(&baz->kref);
}

static inline void qux_put(struct device *parent, struct qux *q)
{
\tof_node_put(q->np);
}

static inline struct device_node *qux_node(struct qux *q)
{
\treturn of_node_get(q->np);
}

#define quux_put(q) foo_put(&(q)->foo)
"""

NOT_WRAPPERS = """
static inline int foo_put_value(struct foo *foo, int v)
{
\tfoo->v = v;
\treturn 0;
}

void foo_free(struct foo *foo)
{
\tof_node_put(foo->np);
\tkfree(foo);
}

int foo_setup(struct foo *foo)
{
\tint err = foo_hw_init(foo);

\tif (err)
\t\tgoto err_put;
\treturn 0;
err_put:
\tput_device(&foo->dev);
\treturn err;
}

static inline void foo_attach(struct foo *foo, struct bar *bar)
{
\tbar->foo = foo;
\tkref_get(&foo->ref);
}

static inline void foo_maybe_put(struct foo *foo, int err)
{
\tif (err)
\t\tput_device(&foo->dev);
}

static inline void foo_swap(struct foo *foo, struct device_node *np)
{
\tof_node_put(foo->np);
\tfoo->np = of_node_get(np);
}

static inline void foo_put_all(struct foo **foos, int n)
{
\tfor (int i = 0; i < n; i++)
\t\tput_device(&foos[i]->dev);
}
"""


def test_the_generator_finds_wrappers_by_their_bodies(gen):
    got = _classify(gen, SRC)
    assert got["foo_put"] == ("putter", 0, "&@->ref", "kref_put")
    assert got["foo_get"] == ("getter", 0, "&@->ref", "kref_get")
    assert got["bar_put_device"] == ("putter", 0, "&@->dev", "put_device")
    assert got["baz_tryget"][:2] == ("getter", 0)
    assert got["qux_put"] == ("putter", 1, "@->np", "of_node_put")  # the argument that holds it
    assert got["qux_node"][0] == "lookup"  # a new reference on q->np, returned


def test_the_generator_follows_wrappers_of_wrappers(gen):
    bases = gen.table_bases()
    fs = {f.name: f for f in gen.functions("include/linux/foo.h", SRC)}
    w = gen.classify(fs["foo_put"], bases)
    bases["foo_put"] = gen.Base("foo_put", "putter", "kref", 0, False, w.via)
    q = gen.classify(fs["quux_put"], bases)
    assert q.kind == "putter" and q.base.name == "foo_put" and q.via == "&@->foo->ref"


def test_no_name_makes_a_wrapper(gen):
    got = _classify(gen, NOT_WRAPPERS, "drivers/foo/foo.c")
    assert got == {n: None for n in got} and len(got) == 7, got


def test_pairs_by_object_type_and_member(gen):
    fs = gen.functions("include/linux/foo.h", SRC)
    bases = gen.table_bases()
    ws = [w for w in (gen.classify(f, bases) for f in fs) if w is not None]
    pairs = gen.pair(ws)
    assert pairs["foo_get"] == ["foo_put"]


def test_the_shipped_table_is_well_formed():
    rows = kapi.wrapper_rows()
    assert len(rows) > 300
    core = {r.name for r in kapi.rows()}
    for r in rows:
        assert r.kind in ("getter", "putter", "lookup"), r
        assert re.fullmatch(r"[\w./+-]+\.[ch]:\d+", r.defined_in), r
        assert r.evidence.strip() and len(r.evidence) <= 160, r
        assert r.name not in core, r
        assert r.ref_on == "return" if r.kind == "lookup" else re.fullmatch(r"arg\d+", r.ref_on), r
        if r.kind == "putter":
            assert any(h in r.name for h in kapi.PUT_HINTS), r


def test_not_refcounts_stay_out():
    for name in ("put_user", "get_user", "__put_user", "put_unaligned", "get_unaligned", "kfifo_put",
                 "kfifo_get", "gpiod_get_value", "gpiod_set_value", "ida_free", "ida_alloc", "idr_remove",
                 "idr_alloc", "put_cpu", "get_cpu", "put_page", "folio_put"):
        assert kapi.get(name) is None or not kapi.is_wrapper(name), name
        assert name not in _apis.PUTTERS and name not in _apis.BY_GETTER, name


def test_wrappers_reach_the_vocabulary():
    assert kapi.is_wrapper("nvme_put_ctrl") and not kapi.is_wrapper("put_device")
    assert kapi.get("drm_gem_object_put").kind == "putter"
    assert "drm_gem_object_put" in _apis.PUTTERS
    assert "drm_gem_object_put" in _apis.BY_GETTER["drm_gem_object_get"].putters
    # a wrapper whose reference is on its second argument: the put's object is that argument
    second = next(r for r in kapi.wrapper_rows() if r.kind == "putter" and r.ref_on == "arg2")
    assert _apis.put_object(second.name, ["a", "b"]) == "b"


def test_calls_matches_like_the_alternation():
    calls = kapi.Calls({"foo_put", "put_device"})
    text = "x = my_foo_put(a); foo_put (b); put_device(&c->dev); put_device;"
    assert [m.group(1) for m in calls.finditer(text)] == ["foo_put", "put_device"]
    assert calls.search(text).start() == text.index("foo_put (")
    assert calls.match(text, text.index("put_device(")).group(1) == "put_device"
    assert calls.match(text, 0) is None
