"""The engine runs a rule on a patch only when the patch holds one of its TRIGGER strings:
in the diff lines or section headers of its C files, or (tree mode) in their file images."""

from __future__ import annotations

import re
import types

from reviewbot import engine
from reviewbot.context import Context, FileImages
from reviewbot.model import Level
from reviewbot.rules import Rule
from tests.helpers import ROOT, diff

_DOC = """Trigger probe.

## What it does
Records the patches it is run on.
## Why is this bad?
It is a test.
## Example
```c
probe();
```
## Use instead
```c
nothing();
```
## References
- none
"""


def _probe(trigger):
    seen = []
    mod = types.SimpleNamespace(
        RULE=Rule.from_doc(_DOC, id="TST001", slug="trigger-probe", level=Level.WARNING),
        TRIGGER=trigger,
        check=lambda patch, ctx: seen.append(patch.index) or (),
    )
    return mod, seen


SERIES = diff("""\
    --- a/drivers/x.c
    +++ b/drivers/x.c
    @@ -1,3 +1,4 @@ static int x_probe(struct device *dev)
     {
    +\tfoo_register(dev);
     \treturn 0;
     }
    """)


def test_rule_runs_when_a_trigger_string_is_in_the_diff():
    for trigger in (("foo_register",), ("nope", "x_probe"), ("return",)):  # added, section, context
        mod, seen = _probe(trigger)
        engine.review(SERIES, checks=(mod,))
        assert seen == [1], trigger


def test_rule_is_skipped_without_its_trigger():
    mod, seen = _probe(("THIS_MODULE", "module_put"))
    engine.review(SERIES, checks=(mod,))
    assert seen == []


def test_tree_mode_images_count():
    mod, seen = _probe(("THIS_MODULE",))
    ctx = Context(mode="tree", files={"drivers/x.c": FileImages(pre="int a;\n", post=".owner = THIS_MODULE,\n")})
    engine.review(SERIES, checks=(mod,), context_for=lambda p: ctx)
    assert seen == [1]


def test_a_rule_without_trigger_always_runs():
    mod, seen = _probe(None)
    engine.review(SERIES, checks=(mod,))
    assert seen == [1]


def test_a_long_trigger_matches_as_its_strings_do():
    names = tuple(f"subsys{i}_put" for i in range(200))
    for trigger, runs in ((names + ("foo_register",), True), (names + ("_regist",), True),
                          (names, False), (names + ("x_pro",), True)):
        mod, seen = _probe(trigger)
        engine.review(SERIES, checks=(mod,))
        assert seen == ([1] if runs else []), trigger[-1]


def test_any_of_is_the_substring_test():
    from reviewbot import lazyre
    words = ("kref_put", "kref_put_mutex", "kref_get", "put", "of_node_put", "a.b", "x(y")
    pat = lazyre.any_of(words)
    for text in ("kref_pu", "input", "of_node_pu", "a.b", "axb", "x(y", "x y", "", "kref_ge"):
        assert (pat.search(text) is not None) == any(w in text for w in words), text
    assert lazyre.any_of(()).search("anything") is None



def test_the_word_index_answers_as_the_joined_text_does():
    """reviewbot.triggers looks for word-character TRIGGER strings among the distinct words of
    the pieces (each word's bits worked out once, for every TRIGGER at once): the same answer as
    the substring test on the pieces joined by newlines."""
    import random

    from reviewbot.triggers import Index

    rng = random.Random(7)
    c_text = (ROOT / "examples" / "zram-sysfs-self-pin.patch").read_text()
    alphabet = "ab_9é\n ->.(){}"
    pieces_pool = [c_text[i:i + 400] for i in range(0, len(c_text), 400)] + \
        ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40))) for _ in range(60)] + ["", "\n"]
    vocab = sorted({w for p in pieces_pool for w in re.findall(r"\w+", p)})
    checked = 0
    for _ in range(400):
        pieces = rng.sample(pieces_pool, rng.randrange(1, 4))
        if rng.random() < 0.5:  # a large text: its words from analysis.words
            pieces.append(c_text * 4)
        joined = "\n".join(pieces)
        index = Index()  # ten triggers on these pieces: each a new generation, the words learnt again
        for _ in range(10):
            trigger = []
            for _ in range(rng.choice((1, 3, 17, 40))):
                kind = rng.random()
                if kind < 0.5 and vocab:  # a word of the text, or a part of one
                    w = rng.choice(vocab)
                    a = rng.randrange(len(w))
                    trigger.append(w[a:rng.randrange(a + 1, len(w) + 1)])
                elif kind < 0.8:
                    trigger.append("".join(rng.choice("ab_9é") for _ in range(rng.randrange(1, 4))))
                else:  # strings with other characters, a newline among them
                    trigger.append(rng.choice(("->", "a\nb", "b\na", ").", "driver->owner", "\n", " ab", "é(")))
            trigger = tuple(trigger)
            bit = index.bit(trigger)
            assert bool(index.mask(pieces) & bit) == any(t in joined for t in trigger), (pieces, trigger)
            checked += 1
    assert checked == 4000


def test_index_answers_the_same_from_threads_at_once():
    """A service reviews in several threads sharing one index: a word another thread is in the
    middle of working out must not read as 'holds nothing' (a worker's review once came out with
    no findings).  Thread B asks for a text's mask at the moment thread A has marked its words
    seen but not yet stored their bits."""
    import threading

    from reviewbot.triggers import Index

    text = "x = api_7_get(dev); api_9_get(y);"
    idx = Index()
    idx.add([(f"api_{i}_get",) for i in range(20)])
    want = Index()
    want.add([(f"api_{i}_get",) for i in range(20)])
    want = want.mask([text])
    assert want
    answers = []
    other = threading.Thread(target=lambda: answers.append(idx.mask([text])))

    class Seen(set):
        def update(self, *a):
            super().update(*a)
            if not other.is_alive() and not answers:
                other.start()
                other.join(0.5)  # B either answers now (no lock: too early) or waits for A

    idx._seen = Seen()
    assert idx.mask([text]) == want
    other.join()
    assert answers == [want]
