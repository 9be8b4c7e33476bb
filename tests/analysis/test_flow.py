"""reviewbot.analysis.flow: functions as a diff shows them, and their paths."""

from reviewbot.analysis import cmodel, flow
from tests.helpers import diff

PRE = """\
static int foo_probe(struct platform_device *pdev)
{
\tstruct foo *foo = pdev->priv;
\tint ret;

\tfoo->np = of_get_child_by_name(pdev->dev.of_node, "bar");
\tif (!foo->np)
\t\treturn -ENODEV;
\tret = foo_init(foo);
\tif (ret)
\t\tgoto err_put;
\treturn 0;
err_put:
\tof_node_put(foo->np);
\treturn ret;
}

static void foo_remove(struct platform_device *pdev)
{
\tfoo_exit(pdev);
}
"""
POST = PRE.replace("\t\tgoto err_put;", "\t\treturn ret;")
HUNKS = diff("""
    --- a/drivers/foo/core.c
    +++ b/drivers/foo/core.c
    @@ -9,5 +9,5 @@ static int foo_probe(struct platform_device *pdev)
     \tret = foo_init(foo);
     \tif (ret)
    -\t\tgoto err_put;
    +\t\treturn ret;
     \treturn 0;
     err_put:
""").patches[0].files[0]


class Images:
    """What a check's Context gives tree mode: the whole file before and after."""

    def __init__(self, pre=None, post=None):
        self._pre, self._post = pre, post

    def pre(self, path):
        return self._pre

    def post(self, path):
        return self._post


def test_hunk_mode_gives_one_partial_view_named_by_the_section():
    (v,) = flow.views(HUNKS, Images())
    assert (v.name, v.partial) == ("foo_probe", True)
    assert [ln.kind for ln in v.changed()] == ["-", "+"]
    assert v.by_new[11].text == "\t\treturn ret;" and v.by_old[11].text == "\t\tgoto err_put;"
    assert [j.kind for j in v.new.jumps() if j.kind in ("goto", "return")] == ["return", "return"]
    assert [j.label for j in v.old.jumps() if j.kind == "goto"] == ["err_put"]


def test_need_skips_hunks_before_parsing():
    assert list(flow.views(HUNKS, Images(), need=lambda text: "kref" in text)) == []


def test_tree_mode_views_the_whole_function_the_hunk_touches():
    (v,) = flow.views(HUNKS, Images(PRE, POST))
    assert (v.name, v.partial) == ("foo_probe", False)
    assert (v.old.start, v.new.end) == (1, 16)  # the whole function, not the hunk
    calls, found = flow.chain_calls(v.old, "err_put")
    assert found and [c.name for c in calls] == ["of_node_put"]
    assert flow.chain_calls(v.new, "nowhere") == ([], False)


def test_enclosing_if_and_calls_in():
    func = cmodel.parse(PRE).function_named("foo_probe")
    ret = next(j for j in func.jumps() if j.kind == "return" and j.value == "-ENODEV")
    ifs = flow.enclosing_if(ret.node)
    assert ifs is not None and flow.line_of(ifs) == 7
    assert flow.enclosing_if(next(j for j in func.jumps() if j.value == "0").node) is None
    assert [c.name for c in flow.calls_in(func.body)] == ["of_get_child_by_name", "foo_init", "of_node_put"]


def test_aliases_resolve_until_the_source_is_rewritten():
    func = cmodel.parse("""\
int f(struct foo *foo, struct device_node *np)
{
\tfoo->np = np;
\tuse(foo->np->name);
\tnp = NULL;
\tuse(foo->np);
}
""").functions[0]
    al = flow.Aliases.of(func)
    assert al.resolve("foo->np->name", 4) == {"foo->np->name", "np->name"}
    assert al.resolve("foo->np", 6) == {"foo->np"}  # np was rewritten in between


def test_section_name():
    assert flow.section_name("static int foo_probe(struct platform_device *pdev)") == "foo_probe"
    assert flow.section_name("struct foo_ops {") == "struct foo_ops {"
    assert flow.section_name("") == ""
