"""reviewbot.analysis.clex: statements of a hunk side, call statements, normalising."""

from reviewbot.analysis.clex import CallStmt, balanced, norm, replacements, statements
from tests.helpers import diff


def test_call_stmt_reads_a_bare_call():
    c = CallStmt.parse("put_device(&foo->dev);")
    assert c == CallStmt(name="put_device", args="&foo->dev", cond=None)


def test_call_stmt_reads_a_guarded_call():
    c = CallStmt.parse("if (np && (flags & F_PUT)) of_node_put(np);")
    assert (c.cond, c.name, c.args) == ("np && (flags & F_PUT)", "of_node_put", "np")


def test_call_stmt_rejects_anything_else():
    for text in ("ret = foo(x);", "if (x) { foo(x);", "return put(x);", "iffy(x)", "foo(x)"):
        assert CallStmt.parse(text) is None, text


def test_balanced_stops_at_the_matching_paren():
    text = "kfree(a(b), c) + d)"
    assert balanced(text, len("kfree(")) == "a(b), c"


def test_norm_drops_spaces_and_outer_parens():
    assert norm(" ( foo -> dev ) ") == "foo->dev"
    assert norm(None) == "" and norm("") == ""


def test_statements_join_lines_and_replacements_pair_runs():
    hunk = diff("""
        --- a/x.c
        +++ b/x.c
        @@ -1,4 +1,4 @@ static int f(void)
         \tif (a &&
        -\t    try_module_get(m))
        +\t    try_module_get(THIS_MODULE))
         \t\treturn 0;
         \treturn 1;
    """).patches[0].files[0].hunks[0]
    texts = [st.text for st in statements(hunk.new_side())]
    assert texts[0] == "if (a && try_module_get(THIS_MODULE)) return 0;"
    (rem, add), = replacements(hunk)
    assert [ln.kind for ln in rem] == ["-"] and [ln.kind for ln in add] == ["+"]


REMOVED_FUNC = diff("""
    --- a/x.c
    +++ b/x.c
    @@ -1,14 +1,5 @@
     static int keep(void) {
     \treturn 2;
     }
    -static int gone(struct foo *foo)
    -{
    -\tif (foo) {
    -\t\t/* } a brace in a comment */
    -\t\tmodule_put(foo->owner);
    -\t}
    -\treturn 0;
    -}
     static int edited(void) {
    -\tmodule_put(THIS_MODULE);
     \treturn 1;
""").patches[0].files[0].hunks[0]


def test_function_removed_climbs_to_the_function_opening():
    from reviewbot.analysis.clex import function_removed

    old = REMOVED_FUNC.old_side()
    at = {ln.text.strip(): i for i, ln in enumerate(old)}
    assert function_removed(old, at["module_put(foo->owner);"])  # through the inner block and comment
    assert function_removed(old, at["static int gone(struct foo *foo)"])  # its head
    assert function_removed(old, at["{"])
    assert not function_removed(old, at["module_put(THIS_MODULE);"])  # the function stays
    assert not function_removed(old, at["return 2;"])  # keep()'s line, not removed


def test_blank_and_fold_fast_paths_answer_as_the_regular_expressions():
    """blank() returns a text without '/', '"' or "'" unchanged and blanks one-line tokens
    without a second regex; _fold() tests "printable ASCII" with str methods: the same results
    as the plain regular-expression forms, on random C-ish text."""
    import random
    import re

    from reviewbot.analysis import clex

    not_nl = re.compile(r"[^\n]")

    def ref_blank(text):
        def sub(m):
            s = m.group(0)
            if s[0] in "\"'":
                return s[0] + not_nl.sub(" ", s[1:-1]) + s[-1]
            return not_nl.sub(" ", s)
        return clex._TOKEN.sub(sub, text)

    plain = re.compile(r"[ -~]*")
    rng = random.Random(5)
    alphabet = ["/*", "*/", "//", '"', "'", "\\", "\n", " ", "\t", "a", "x;", "(", ")", "é", "\x7f", "\x0b", "*"]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))
        assert clex.blank(text) == ref_blank(text), repr(text)
        parts = [p.strip() for p in text.split("\n") if p.strip()] or [""]
        want = clex._WS.sub(" ", " ".join(parts)).strip() \
            if "  " in " ".join(parts) or " ".join(parts).endswith(" ") or not plain.fullmatch(" ".join(parts)) \
            else " ".join(parts)
        assert clex._fold(parts) == want, repr(parts)
    for c in range(0x300):
        assert bool(plain.fullmatch(chr(c))) == (chr(c).isascii() and chr(c).isprintable()), c
