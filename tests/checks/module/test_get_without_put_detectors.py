"""MOD003's detectors, each on its own (checks/module/_dropped_puts.py, _unwind.py,
_exit_leaks.py): what they find on a function or a hunk, before the rule words a finding."""

from reviewbot.analysis import cmodel, flow
from reviewbot.checks.module import _apis, _dropped_puts, _exit_leaks, _unwind
from reviewbot.context import Context
from tests.checks.module.test_get_without_put_on_exit import ADDED_RETURN, REMOVED_PUT, RETARGET
from tests.helpers import diff

HUNKS = Context()  # hunk mode: no whole files


def _view(series):
    (v,) = flow.views(series.patches[0].files[0], HUNKS)
    return v


# ------------------------------------------------------------------ dropped puts

DROPPED = REMOVED_PUT  # a put removed before a kept `return -ENOMEM`
MOVED = diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -20,6 +20,6 @@ static int bar_probe(struct platform_device *pdev)
     \tbuf = kmalloc(64, GFP_KERNEL);
     \tif (!buf) {
    -\t\tput_device(&peer->dev);
     \t\tkfree(priv);
    +\t\tput_device(&peer->dev);
     \t\treturn -ENOMEM;
     \t}
""")


def test_a_put_dropped_before_a_kept_return():
    (r,) = _dropped_puts.removed_puts(_view(DROPPED), added_puts=[], removed_gets=[], reported=set())
    assert (r.name, r.obj, r.retaken, r.stmt.first.old_no) == ("put_device", "&peer->dev", False, 22)


def test_a_put_moved_or_removed_with_its_get_is_not_dropped():
    added = [("put_device", "&peer->dev")]
    assert list(_dropped_puts.removed_puts(_view(MOVED), added, [], set())) == []
    assert list(_dropped_puts.removed_puts(_view(DROPPED), [], [("get_device", "&peer->dev")], set())) == []


def test_kept_exit_path():
    from reviewbot.analysis.clex import statements

    stmts = statements(DROPPED.patches[0].files[0].hunks[0].old_side())
    i = next(k for k, s in enumerate(stmts) if "put_device" in s.text)
    assert _dropped_puts.on_kept_exit_path(stmts, i, "&peer->dev") is True
    assert _dropped_puts.on_kept_exit_path(stmts, 0, "buf") is None  # no exit after kmalloc()


# ------------------------------------------------------------------ retargeted jumps

LABEL_OUT_OF_SIGHT = diff("""
    --- a/drivers/foo/bar.c
    +++ b/drivers/foo/bar.c
    @@ -30,4 +30,4 @@ static int bar_probe(struct platform_device *pdev)
     \tret = bar_setup(priv);
     \tif (ret)
    -\t\tgoto err_put_dev;
    +\t\tgoto err_free;
     \treturn 0;
""")


def test_a_retarget_that_skips_a_put_the_old_path_ran():
    (r,) = _unwind.retargets(RETARGET.patches[0].files[0], _view(RETARGET))
    assert (r.kind, r.where, r.name, r.obj, r.seen, r.line.new_no) == (
        "skipped", "goto", "module_put", "priv->ops->owner", True, 32)


def test_a_label_named_for_a_put_is_evidence_only_when_allowed():
    fd = LABEL_OUT_OF_SIGHT.patches[0].files[0]
    (r,) = _unwind.retargets(fd, _view(LABEL_OUT_OF_SIGHT))
    assert (r.kind, r.name, r.where) == ("label", "err_put_dev", "goto")
    assert list(_unwind.retargets(fd, _view(LABEL_OUT_OF_SIGHT), label_evidence=False)) == []


def test_label_words_and_parts():
    dev = _apis.BY_GETTER["get_device"]
    assert _unwind.label_names_put_of("err_put", dev)  # generic: could be any put
    assert _unwind.label_names_put_of("put_device", dev)
    assert not _unwind.label_names_put_of("err_put_clk", dev)
    assert _unwind.part_of("codec->dev.of_node", "&codec->dev")
    assert not _unwind.part_of("other->np", "&codec->dev")


def test_puts_for_a_return_and_a_goto():
    func = cmodel.parse("""\
int f(struct foo *foo)
{
\tif (a) {
\t\tput_device(foo->dev);
\t\treturn -EIO;
\t}
\tif (b)
\t\tgoto out;
\treturn 0;
out:
\tof_node_put(foo->np);
\treturn -EINVAL;
}
""").functions[0]
    jumps = _unwind.jump_nodes(func)
    assert sorted(jumps) == [5, 8, 9, 12]
    calls, seen = _unwind.puts_for(func, jumps[5])
    assert ([c.name for c in calls], seen) == (["put_device"], True)
    calls, seen = _unwind.puts_for(func, jumps[8])
    assert ([c.name for c in calls], seen) == (["of_node_put"], True)


# ------------------------------------------------------------------ exits after a get

FUNC = """\
static int bar_open(struct bar *b)
{
\tint ret;

\tif (!try_module_get(b->ops->owner))
\t\treturn -ENODEV;
\tret = b->ops->open(b);
\tif (ret == -EBUSY)
\t\treturn ret;
\tif (ret) {
\t\tmodule_put(b->ops->owner);
\t\treturn ret;
\t}
\treturn 0;
}
"""


def test_leaks_of_a_whole_function():
    func = cmodel.parse(FUNC).functions[0]
    got = [(lk.get.call.name, lk.exit.line, lk.exit.kind, lk.holder) for lk in _exit_leaks.leaks(func, partial=False)]
    # (ADDED_RETURN's function) the -EBUSY return keeps the module reference; the -ENODEV one is
    # the failed get's, the error return after module_put() drops it; `return 0` keeps it (for
    # another function of the file to drop)
    assert got == [("try_module_get", 9, "return", ""), ("try_module_get", 14, "return", "kept")]
    assert _exit_leaks.key(_exit_leaks.leaks(func, False)[0]) == ("try_module_get", "b->ops->owner", "return", None, "ret")
    # a goto to a label out of sight is not judged
    fixed = cmodel.parse(FUNC.replace("\t\treturn ret;\n\tif (ret) {", "\t\tgoto out;\n\tif (ret) {")).functions[0]
    assert [(lk.exit.line, lk.holder) for lk in _exit_leaks.leaks(fixed, False)] == [(14, "kept")]


def test_new_leaks_are_those_the_patch_adds():
    fd = ADDED_RETURN.patches[0].files[0]
    (nl,) = _exit_leaks.new_leaks(fd, _view(ADDED_RETURN), HUNKS)
    assert (nl.kind, nl.line.new_no, nl.line.kind, nl.leak.get.obj) == ("leak", 14, "+", "b->ops->owner")
