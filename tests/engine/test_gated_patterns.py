"""lazyre.gated(): a per-name pattern compiled only for a string that holds its literals, with
the answers of re.compile() (the rules make such patterns per variable name: MOD036's
`kfree(NAME);`, MOD019's `if (x->m == NAME)` holder test)."""

from __future__ import annotations

import random
import re

from reviewbot import lazyre
from reviewbot.checks.module import unbind_teardown_order

_FREE_OF = unbind_teardown_order._FREE_OF


def test_answers_as_the_compiled_pattern():
    rng = random.Random(12)
    names = ["priv", "p", "dev_data", "x9", "st"]
    pieces = ["kfree(", "kvfree(", "kfree_sensitive(", " ", "\t", "\n", ")", ";", "priv", "p", "->", "dev_data",
              "free", "x9", "(", "st", "kfree (priv );"]
    for _ in range(3000):
        name = rng.choice(names)
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12)))
        want = re.compile(_FREE_OF % re.escape(name), re.M)
        got = lazyre.gated(_FREE_OF % re.escape(name), re.M, (name, "free"))
        assert bool(got.search(text)) == bool(want.search(text)), (name, text)
        m, w = got.search(text), want.search(text)
        assert (m and m.span()) == (w and w.span())
        assert (got.match(text) and got.match(text).span()) == (want.match(text) and want.match(text).span())
    assert got.pattern == _FREE_OF % re.escape(name)


def test_not_compiled_for_a_string_without_the_literals():
    got = lazyre.gated(r"^\s*kfree\s*\(\s*priv\s*\)\s*;", re.M, ("priv", "free"))
    assert got.search("kfree(other);") is None and got._compiled is None
    assert got.search("x = 1;\n\tkfree( priv );\n").group().strip() == "kfree( priv );"
    assert got._compiled is not None
