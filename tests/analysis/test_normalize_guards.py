"""cmodel.normalize runs each of its substitutions only when a cheap test says it can match;
the unguarded version is kept here as the reference: the same text out for real C files, the
test patches' post sides, and texts made to hit each rewrite and its near misses."""

from __future__ import annotations

import random

from reviewbot.analysis import cmodel
from tests.helpers import ROOT


def _reference(text: str) -> str:
    text = cmodel._LOOP_MACRO.sub(lambda m: m.group("pre") + "while" + " " * (len(m.group("name")) - 5)
                                  if len(m.group("name")) >= 5 else m.group(0), text)
    text = cmodel._TYPE_ARG.sub(lambda m: m.group(1) + "$" * len(m.group(2)) + m.group(3), text)
    if "__" in text:
        text = cmodel._ATTR_MACRO.sub(lambda m: " " * len(m.group(0)), text)
    return text


PIECES = ["list_for_each_entry(p, &h, node) {\n", "\t} for_each_child_of_node(np, c)\n", "xfor_each(", "for_each",
          "container_of(p, struct foo, dev)", "sizeof(union  u)", "enum e,", "mystruct bar)", "struct\tx ,",
          "static __printf(2, 3) void f(", "__attribute__((unused)) ", "__no_sanitize_address(x)", "__aligned(8)",
          "__acquires(lock)", "__maybe_unused ", "__x(", "\n", " ", "(", ")", ",", "struct", "_",
          "union", "enum ", "x", "$", "\t", "struct union a)", "enum\n\tstruct)"]


def test_same_text_as_the_unguarded_substitutions():
    texts = [p.read_text(errors="replace") for p in sorted((ROOT / "tests" / "data").rglob("*.c"))]
    for p in sorted((ROOT / "tests" / "data").rglob("*.patch"))[:300]:
        texts.append("\n".join(ln[1:] for ln in p.read_text(errors="replace").splitlines() if ln[:1] in " +"))
    rng = random.Random(3)
    texts += ["".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 12))) for _ in range(3000)]
    changed = 0
    for text in texts:
        want = _reference(text)
        assert cmodel.normalize(text) == want, text
        changed += want != text
    assert changed > 1000  # the rewrites did happen
