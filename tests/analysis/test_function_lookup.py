"""cmodel's per-file lookups give what a plain scan gives: `CFile.function_at` (bisected over
the sorted starts) and `siblings_of` (memoised per function)."""

from __future__ import annotations

import random

import pytest

from reviewbot.analysis import cmodel

pytest.importorskip("tree_sitter")


def _scan(functions, line):
    return next((f for f in functions if f.start <= line <= f.end), None)


def test_function_at_is_the_first_function_holding_the_line():
    rng = random.Random(7)
    for _ in range(2000):
        fs = []
        for i in range(rng.randint(0, 8)):
            start = rng.randint(1, 30)
            fs.append(cmodel.Function(f"f{i}", start, start + rng.randint(-1, 10), False))
        if rng.random() < 0.7:
            fs.sort(key=lambda f: f.start)  # as parse() gives them; the rest: unsorted input
        cf = cmodel.CFile(text="", functions=fs)
        for line in range(0, 45):
            assert cf.function_at(line) is _scan(fs, line), (fs, line)


def test_function_at_on_a_parsed_file_and_after_a_change_of_its_list():
    text = "".join(f"static int f{i}(void)\n{{\n\treturn {i};\n}}\n\n" for i in range(40))
    cf = cmodel.parse(text)
    assert [cf.function_at(line).name for line in (1, 3, 4)] == ["f0", "f0", "f0"]
    assert cf.function_at(5) is None
    for line in range(0, text.count("\n") + 3):
        assert cf.function_at(line) is _scan(cf.functions, line)
    extra = cmodel.Function("late", 400, 410, False)
    cf.functions.append(extra)  # the index follows the list
    assert cf.function_at(405) is extra


def test_siblings_are_the_same_objects_in_a_new_list():
    cf = cmodel.parse("static void a(void)\n{\n\tb();\n}\n\nstatic void b(void)\n{\n}\n")
    a = cf.function_named("a")
    first, again = cmodel.siblings_of(a), cmodel.siblings_of(a)
    assert sorted(f.name for f in first) == ["a", "b"]
    assert first is not again and all(x is y for x, y in zip(first, again))
    first.clear()
    assert len(cmodel.siblings_of(a)) == 2
