"""The speed paths of issue 16 give the answers of the code they replaced.

- the engine's word-by-word TRIGGER look-up (`engine._Vocabulary`, through the word index
  all vocabularies share, `engine._WordIndex`) against the trie pattern (`lazyre.any_of`), on the real patches of tests/data and examples/ and on texts made to
  catch a substring test done wrong (names split by punctuation, inside longer words, next to
  non-ASCII word characters);
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

from reviewbot import engine, lazyre
from reviewbot.checks.module import _apis, module_ref_for_unbind
from reviewbot.checks.module._refs import added_statements, enclosing_function, object_refs
from tests.checks.test_refs_enclosing import _enclosing_scan
from reviewbot.context import Context
from reviewbot.errors import InputError
from reviewbot.registry import all_checks
from tests.helpers import DATA, ROOT, diff, load_case

_VOCABULARIES = [m.TRIGGER for m in all_checks() if len(getattr(m, "TRIGGER", None) or ()) > engine._FEW]


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
        texts += ["\n".join(t.pieces) for _, t in engine._Triggers(p, Context())._file_texts()]  # the joined text
    rnd = random.Random(16)
    for _ in range(400):
        w = rnd.choice(rnd.choice(_VOCABULARIES))
        cut = rnd.randrange(1, len(w))
        texts += [w[:cut] + "." + w[cut:], w[:-1], "x" + w[1:], "é" + w + "é", w[:cut] + "\n" + w[cut:],
                  f"foo({w[:cut]}/*x*/{w[cut:]})", f"_{w}9", ""]
    return texts


def test_vocabulary_matches_the_trie():
    assert len(_VOCABULARIES) >= 3 and len(PATCHES) > 20
    texts = _texts()
    for vocabulary in _VOCABULARIES:
        trie = lazyre.any_of(vocabulary)
        words = engine._Vocabulary(vocabulary)
        words._budget = 1 << 40  # never switch to the trie
        got = [words.found_in(t) for t in texts]
        want = [trie.search(t) is not None for t in texts]
        assert got == want
        assert any(want) and not all(want)


def test_the_shared_word_index_answers_for_each_vocabulary_alike():
    """_WordIndex looks a word up for every vocabulary at once (a bit each); a vocabulary
    registered after words were looked up makes it forget them (their bits lack the new one)."""
    texts = _texts()
    index = engine._WordIndex()
    first, *rest = _VOCABULARIES
    bit = index.bit(first)
    assert [bool(index.text_mask(t) & bit) for t in texts] == \
        [lazyre.any_of(first).search(t) is not None for t in texts]
    for vocabulary in rest + [("zz9_never_a_kernel_name",)]:
        b = index.bit(vocabulary)
        assert index.bit(vocabulary) == b and b not in (0, bit)
        want = [lazyre.any_of(vocabulary).search(t) is not None for t in texts]
        assert [bool(index.text_mask(t) & b) for t in texts] == want
        assert [bool(index.text_mask(t) & bit) for t in texts] == \
            [lazyre.any_of(first).search(t) is not None for t in texts]
    assert not any(index.text_mask(t) & index.bit(("zz9_never_a_kernel_name",)) for t in texts)


def test_vocabulary_switches_to_the_trie_past_its_budget():
    vocabulary = _VOCABULARIES[0]
    v = engine._Vocabulary(vocabulary)
    v._budget = 10
    assert v.found_in("x") is False and v._pattern is None
    assert v.found_in(f"a long text that names {vocabulary[0]}(x)") is True and v._pattern is not None


def test_vocabulary_of_non_words_uses_the_trie():
    v = engine._Vocabulary(tuple(f"a->b{i}" for i in range(20)))
    assert v.found_in("x = a->b7;") and not v.found_in("a-> b7")


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
