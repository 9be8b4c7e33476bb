"""checks/_hunks.py: the hunk walk the rules share (which hunks each condition keeps)."""

from reviewbot.checks._hunks import hunks
from tests.helpers import diff

SERIES = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -10,3 +10,3 @@ static int foo_open(struct inode *inode, struct file *file)
     \tstruct foo *foo = inode->i_private;
    -\tmodule_put(foo->owner);
    +\tfoo_release(foo);
     \treturn 0;
    @@ -40,2 +40,3 @@ static int foo_probe(struct platform_device *pdev)
     \tif (!try_module_get(THIS_MODULE))
    +\t\treturn -ENODEV;
     \treturn foo_init(pdev);
    @@ -80,2 +81,2 @@ static void foo_remove(struct platform_device *pdev)
     \tmodule_put(THIS_MODULE);
     \tfoo_exit(pdev);
""")
FD = SERIES.patches[0].files[0]


def _starts(**cond) -> list[int]:
    return [h.new_start for h in hunks(FD, **cond)]


def test_no_condition_walks_every_hunk_in_order():
    assert _starts() == [10, 40, 81]


def test_a_word_on_added_lines_only():
    assert _starts(added="foo_release") == [10]
    assert _starts(added="module_put") == []  # on a removed and a context line only
    assert _starts(added="return") == [40]


def test_removed_changed_and_sides():
    assert _starts(removed="module_put") == [10]
    assert _starts(new="module_put") == [81]  # context counts on the new side, the removed line does not
    assert _starts(old="module_put") == [10, 81]
    assert _starts(new="try_module_get") == [40]
    assert _starts(changed=True) == [10, 40]
    assert _starts(added=True) == [10, 40]
    assert _starts(removed=True) == [10]


def test_any_of_several_words_and_all_conditions():
    assert _starts(added=("foo_release", "ENODEV")) == [10, 40]
    assert _starts(added="foo_release", removed="module_put") == [10]
    assert _starts(added="ENODEV", removed=True) == []


def test_side_words_are_the_words_of_that_side():
    """side_words() (a hunk's) and names_on() (a file's) answer as the rules'
    `re.findall(r"\\w+", ...)` of a side's lines joined by newlines (the gates that skip a hunk
    or file before joining statements)."""
    import random
    import re

    from reviewbot.checks._hunks import names_on, side_words
    from reviewbot.diffparse import find_diff, parse_diff_lenient
    from tests.helpers import ROOT

    files = [FD]
    for path in sorted((ROOT / "tests" / "data").rglob("*.patch"))[:200]:
        try:
            files += list(parse_diff_lenient(find_diff(path.read_text(errors="replace")))[0])
        except Exception:
            continue
    assert len(files) > 50
    rng = random.Random(3)
    for fd in files:
        for side, kinds in (("new", " +"), ("old", " -"), ("added", "+"), ("removed", "-")):
            for h in fd.hunks:
                lines = [ln for ln in h.lines if ln.kind in kinds]
                assert side_words(h, side) == set(re.findall(r"\w+", "\n".join(ln.text for ln in lines)))
            want = set(re.findall(r"\w+", "\n".join(ln.text for h in fd.hunks for ln in h.lines if ln.kind in kinds)))
            pool = sorted(want | set(re.findall(r"\w+", "\n".join(ln.text for ln in fd.lines()))) | {"zz_none"})
            for _ in range(20):
                names = frozenset(rng.sample(pool, min(len(pool), rng.randrange(1, 4))))
                assert names_on(fd, side, names) == (not names.isdisjoint(want)), (side, names)
    assert side_words(FD.hunks[0], "old") >= {"module_put", "foo", "owner"}
    assert "foo_release" not in side_words(FD.hunks[0], "old")
    assert names_on(FD, "new", frozenset({"foo_release"})) and names_on(FD, "new", frozenset({"module_put"}))
    assert not names_on(FD, "added", frozenset({"module_put"})) and names_on(FD, "removed", frozenset({"module_put"}))


def _data_files():
    from reviewbot.diffparse import find_diff, parse_diff_lenient
    from tests.helpers import ROOT

    files = [FD]
    for path in sorted((ROOT / "tests" / "data").rglob("*.patch")):
        try:
            files += list(parse_diff_lenient(find_diff(path.read_text(errors="replace")))[0])
        except Exception:
            continue
    return files


def test_side_text_is_that_side_joined():
    from reviewbot.checks._hunks import side_text

    for fd in _data_files():
        for h in fd.hunks:
            for side, kinds in (("new", " +"), ("old", " -"), ("added", "+"), ("removed", "-"), ("changed", "+-")):
                assert side_text(h, side) == "\n".join(ln.text for ln in h.lines if ln.kind in kinds)


def test_unbind_statements_are_the_unfiltered_ones_with_gaps():
    """MOD035's _side() keeps the statements of unbind functions and one gap for each run of
    other statements between them: the same as joining every statement of every hunk side
    (what it did before it skipped hunk sides) and then keeping only those."""
    from reviewbot.analysis.clex import norm, statements
    from reviewbot.checks.module import unbind_teardown_order as m
    from reviewbot.checks.module._refs import enclosing_function

    checked = 0
    for fd in _data_files():
        if not fd.path.endswith((".c", ".h")):
            continue
        for side in ("old", "new"):
            ref = []
            for h in fd.hunks:
                for st in statements(h.old_side() if side == "old" else h.new_side()):
                    fn = enclosing_function(h, st.first, side)
                    if m._UNBIND_FN.search(fn):
                        ref.append((fn, norm(st.text), st.lines))
                    elif not ref or ref[-1] != "gap":
                        ref.append("gap")
            got = ["gap" if s is m._GAP else (s.fn, s.key, s.stmt.lines) for s in m._side(fd, side)]
            assert got == ref, fd.path
            checked += sum(x != "gap" for x in ref)
    assert checked > 100


def test_hunk_names_is_the_side_words_test():
    """hunk_names(fd, h, side, names) == not names.isdisjoint(side_words(h, side)), on random
    name sets drawn from the file's words, their parts and other names."""
    import random
    import re

    from reviewbot.checks._hunks import hunk_names, side_words

    rng = random.Random(5)
    asked = 0
    for fd in _data_files():
        words = sorted(set(re.findall(r"\w+", "\n".join(ln.text for ln in fd.lines()))))
        pool = words + [w[:3] for w in words if len(w) > 4] + [w[1:] for w in words if len(w) > 4] + ["zz_none"]
        for _ in range(5):
            names = frozenset(rng.sample(pool, min(len(pool), rng.randrange(1, 6))))
            for side in ("new", "old", "added", "removed"):
                for h in fd.hunks:
                    assert hunk_names(fd, h, side, names) == (not names.isdisjoint(side_words(h, side))), \
                        (fd.path, side, names)
                    asked += 1
    assert asked > 1000


def test_words_are_the_findall_words():
    """_words(): the regex's words, on ASCII and other text (the byte translation is for ASCII)."""
    import random
    import re

    from reviewbot.checks._hunks import _words

    rng = random.Random(7)
    alphabet = "ab_Z09 \t\n;()->*/\"'#\\{}[].,:!~é€ß\x7f\x00\x1f"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        assert _words(text) == frozenset(re.findall(r"\w+", text)), repr(text)
    for c in range(128):
        assert _words(chr(c)) == frozenset(re.findall(r"\w+", chr(c))), c


def test_kind_text_is_the_join_of_those_lines_kept_once():
    """kind_text(fd, kinds): the rules' `"\\n".join(ln.text for ln in fd.added())` and the like,
    made once per file."""
    from reviewbot.checks._hunks import kind_text, shown_new

    joined = {kinds: "\n".join(ln.text for ln in FD.lines() if ln.kind in kinds)
              for kinds in ("+", "-", " ", "+ ", "- ", "+-", "+- ")}
    assert kind_text(FD, "+") == "\n".join(ln.text for ln in FD.added()) == joined["+"]
    assert kind_text(FD, "-") == "\n".join(ln.text for ln in FD.removed()) == joined["-"]
    assert kind_text(FD, "+- ") == "\n".join(ln.text for ln in FD.lines())
    assert shown_new(FD) == "\n".join(ln.text for ln in FD.lines() if not ln.removed) == joined["+ "]
    for kinds, text in joined.items():
        assert kind_text(FD, kinds) == text
        assert kind_text(FD, kinds) is kind_text(FD, kinds)  # the file's memo
