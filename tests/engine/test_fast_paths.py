"""The speed paths of issue 16 give the answers of the code they replaced.

- the engine's TRIGGER look-up for every rule at once (`reviewbot.triggers.Index`: a bit per
  TRIGGER, worked out per distinct word) against the substring test of each TRIGGER's strings,
  on the real patches of tests/data and examples/ and on texts made to catch a substring test
  done wrong (names split by punctuation, inside longer words, next to non-ASCII word
  characters);
- `_refs.enclosing_function` in a long hunk side (every line of every hunk of the real
  patches is compared with the scan it replaced in tests/checks/test_refs_enclosing.py);
- MOD014's added object references (`_added_object_refs`) against
  `object_refs(added_statements(patch))`, including a call whose parentheses do not close in
  its statement (the fallback);
- `_apis.PUTTERS` (getters worked out on first look-up) against the table built eagerly.
"""

from __future__ import annotations

import random

import pytest

from reviewbot import engine, triggers
from reviewbot.checks.module import _apis, module_ref_for_unbind
from reviewbot.checks.module._refs import added_statements, enclosing_function, object_refs
from tests.checks.test_refs_enclosing import _enclosing_scan
from reviewbot.context import Context
from reviewbot.errors import InputError
from reviewbot.registry import all_checks
from tests.helpers import DATA, ROOT, diff, load_case

_VOCABULARIES = [m.TRIGGER for m in all_checks() if len(getattr(m, "TRIGGER", None) or ()) > 16]
_TRIGGERS = [m.TRIGGER for m in all_checks() if getattr(m, "TRIGGER", None)]


def _real_patches():
    out = []
    for path in sorted(DATA.rglob("*.patch")) + sorted((ROOT / "examples").glob("*.patch")):
        try:
            out += load_case(path).patches
        except InputError:
            continue
    return out


PATCHES = _real_patches()


def _texts() -> list[str]:
    texts = []
    for p in PATCHES:
        texts += ["\n".join(pieces) for _, pieces in engine._Triggers(p, Context())._file_texts()]  # the joined text
    rnd = random.Random(16)
    for _ in range(400):
        w = rnd.choice(rnd.choice(_VOCABULARIES))
        cut = rnd.randrange(1, len(w))
        texts += [w[:cut] + "." + w[cut:], w[:-1], "x" + w[1:], "é" + w + "é", w[:cut] + "\n" + w[cut:],
                  f"foo({w[:cut]}/*x*/{w[cut:]})", f"_{w}9", ""]
    return texts


def _holds(text: str, trigger) -> bool:
    return any(s in text for s in trigger)


def test_the_index_answers_as_the_substring_test():
    """Every rule's TRIGGER against every text, through one index (a bit each)."""
    assert len(_VOCABULARIES) >= 3 and len(PATCHES) > 20
    texts = _texts()
    index = triggers.Index()
    index.add(_TRIGGERS)
    masks = [index.mask([t]) for t in texts]
    for trigger in _TRIGGERS:
        bit = index.bit(trigger)
        want = [_holds(t, trigger) for t in texts]
        assert [bool(m & bit) for m in masks] == want
        assert any(want)
    for vocabulary in _VOCABULARIES:
        assert not all(_holds(t, vocabulary) for t in texts)


def test_a_trigger_added_later_makes_the_index_forget_the_words():
    """A TRIGGER registered after words were looked up starts a new generation: the words are
    worked out again (their bits lacked the new one), and every earlier bit answers as before."""
    texts = _texts()
    index = triggers.Index()
    first, *rest = dict.fromkeys(_TRIGGERS)  # each TRIGGER once (several rules share one)
    bit = index.bit(first)
    assert [bool(index.mask([t]) & bit) for t in texts] == [_holds(t, first) for t in texts]
    for trigger in rest + [("zz9_never_a_kernel_name",), ("a->b", "x(y")]:
        gen = index.generation
        b = index.bit(trigger)
        assert index.generation == gen + 1 and index.bit(trigger) == b and b not in (0, bit)
        masks = [index.mask([t]) for t in texts]
        assert [bool(m & b) for m in masks] == [_holds(t, trigger) for t in texts]
        assert [bool(m & bit) for m in masks] == [_holds(t, first) for t in texts]
    assert not any(index.mask([t]) & index.bit(("zz9_never_a_kernel_name",)) for t in texts)


def test_non_word_strings_are_looked_for_as_they_are():
    index = triggers.Index()
    b = index.bit(tuple(f"a->b{i}" for i in range(20)) + ("x\ny",))
    assert index.mask(["x = a->b7;"]) & b and not index.mask(["a-> b7"]) & b
    assert index.mask(["x", "y"]) & b and not index.mask(["xy"]) & b  # the pieces' newline join


def test_enclosing_function_in_a_long_side():
    body = "".join(f"+\tx{i} = {i};\n" for i in range(40))
    series = diff(f"""\
        --- a/drivers/x.c
        +++ b/drivers/x.c
        @@ -1,2 +1,45 @@ static int outer(void)
         static int foo(struct device *dev)
         {{
        +}}
        +static void bar(void)
        +{{
        {textwrap_body(body)}""")
    h = series.patches[0].files[0].hunks[0]
    for ln in h.new_side():
        assert enclosing_function(h, ln, "new") == _enclosing_scan(h, ln, "new")
    assert enclosing_function(h, h.new_side()[-1], "new") == "bar"


def textwrap_body(body: str) -> str:
    return body.replace("\n", "\n        ").rstrip()


def test_added_object_refs_match_the_joined_text():
    for p in PATCHES:
        assert module_ref_for_unbind._added_object_refs(p) == object_refs(added_statements(p))


@pytest.mark.parametrize("added", [
    "+\tget_device(&pdev->dev);\n+\tx = 1;\n",
    "+\tget_device(foo(&pdev->dev\n",  # the call does not close in its statement: the whole text
    "+\tkref_get(&a->ref); get_device(\n",
])
def test_added_object_refs_edge_cases(added):
    n = added.count("\n")
    series = diff(f"""\
        --- a/drivers/x.c
        +++ b/drivers/x.c
        @@ -1,1 +1,{n + 1} @@
         int x;
        {textwrap_body(added)}
        --- a/drivers/y.c
        +++ b/drivers/y.c
        @@ -1,1 +1,2 @@
         int y;
        +\tz = 2) + 1;
        """)
    p = series.patches[0]
    assert module_ref_for_unbind._added_object_refs(p) == object_refs(added_statements(p))


def test_putters_table_is_the_eager_one():
    eager: dict[str, list[str]] = {p: [] for p in _apis.PUTTERS}
    for a in _apis._TABLE_APIS:
        for p in a.putters:
            eager[p].append(a.getter)
    for a in _apis.APIS:
        for p in a.putters:
            if a.getter not in eager[p]:
                eager[p].append(a.getter)
    assert dict(_apis.PUTTERS) == {p: tuple(g) for p, g in eager.items()}
    assert "put_device" in _apis.PUTTERS and "get_device" in _apis.PUTTERS["put_device"]
    assert len(_apis.PUTTERS) == len(list(_apis.PUTTERS)) and "no_such_put" not in _apis.PUTTERS
