"""reviewbot.analysis.cmodel: the tree-sitter C model (functions, calls, exits, labels, initializers)."""

import random

from reviewbot.analysis import cmodel
from tests.helpers import DATA

SRC = """\
static const struct file_operations foo_fops = {
\t.owner = THIS_MODULE,
\t.open = foo_open,
};

static int foo_probe(struct platform_device *pdev)
{
\tstruct foo *foo = container_of(pdev, struct foo, pdev);
\tstruct device *peer;
\tint ret;

\tpeer = bus_find_device_by_name(&foo_bus, NULL, "peer");
\tif (!peer)
\t\treturn -ENODEV;
#ifdef CONFIG_FOO_DEBUG
\tfoo_debug(foo);
#endif
\tret = foo_hw_init(foo, "a, b");
\tif (ret)
\t\tgoto err_put;
\tlist_for_each_entry(pos, &foo->list, node) {
\t\tif (pos->bad)
\t\t\tbreak;
\t}
\treturn 0;

err_put:
\tput_device(peer);
err_out:
\treturn ret;
}
"""


def test_functions_calls_and_args():
    cf = cmodel.parse(SRC)
    (f,) = cf.functions
    assert (f.name, f.start, f.end, f.degraded) == ("foo_probe", 6, 31, False)
    calls = {c.name: c for c in f.calls()}
    assert calls["bus_find_device_by_name"].args == ("&foo_bus", "NULL", '" "')  # strings blanked
    assert calls["bus_find_device_by_name"].lhs == "peer"
    assert calls["foo_hw_init"].args[0] == "foo" and len(calls["foo_hw_init"].args) == 2
    assert calls["put_device"].line == 28
    assert cf.function_at(20) is f and cf.function_at(3) is None


def test_exits_labels_and_unwind_chain():
    f = cmodel.parse(SRC).functions[0]
    jumps = [(j.kind, j.line, j.label) for j in f.jumps()]
    assert ("return", 14, None) in jumps and ("goto", 20, "err_put") in jumps
    assert ("break", 23, None) in jumps and ("return", 30, None) in jumps
    assert set(f.labels()) == {"err_put", "err_out"}
    chain = f.label_path("err_put")
    assert [n.start_point[0] + 1 for n in chain] == [27, 29]  # falls through err_out to the return


def test_initializers():
    cf = cmodel.parse(SRC)
    (init,) = cf.initializers()
    assert init.struct_type == "file_operations" and init.var == "foo_fops"
    assert [(d, v) for d, v, _ in init.fields] == [("owner", "THIS_MODULE"), ("open", "foo_open")]


def test_fragment_keeps_line_numbers_and_balances_braces():
    lines = [(100, "\t\tput_device(peer);"), (101, "\t\treturn ret;"), (102, "\t}"), (103, "\treturn 0;"),
             (104, "}")]
    cf = cmodel.parse_fragment(lines)
    f = next(fn for fn in cf.functions if fn.name == cmodel.FRAGMENT_FUNC)
    assert [(c.name, c.line) for c in f.calls()] == [("put_device", 100)]
    assert [(j.kind, j.line) for j in f.jumps()] == [("return", 101), ("return", 103)]


def test_macro_soup_degrades_per_function_without_crashing():
    src = SRC + "\nstatic int bad(void)\n{\n\tFOO_MACRO(x) {{ ; ) ]\n\treturn 0;\n}\n"
    cf = cmodel.parse(src)
    good = cf.function_named("foo_probe")
    assert good is not None and not good.degraded
    assert cf.degraded


def test_never_raises_on_garbage_and_is_fast():
    rng = random.Random(3)
    base = (DATA / "checks" / "get-without-put-on-exit" / "at_dma_xlate.c").read_text()
    for _ in range(50):
        chars = list(base)
        for _ in range(30):
            chars[rng.randrange(len(chars))] = rng.choice("{}();#\"'/*\\\n")
        cf = cmodel.parse("".join(chars))
        for f in cf.functions:
            f.calls(), f.jumps(), f.labels()
            for lab in f.labels():
                f.label_path(lab)
    assert cmodel.parse_fragment([]).error
    for i in range(200):  # a cached parser, reused: no state leaks between parses
        assert cmodel.parse(base + f"\n/* {i} */\n").functions


def test_parse_is_cached_by_content():
    assert cmodel.parse(SRC) is cmodel.parse(SRC)


def test_fragment_spanning_two_functions_keeps_them_apart():
    lines = [(10, "\treturn ret;"), (11, "}"), (12, ""), (13, "static int bar_get(struct bar *b)"),
             (14, "{"), (15, "\tif (!try_module_get(b->owner))"), (16, "\t\treturn -ENODEV;"),
             (17, "\treturn 0;"), (18, "}")]
    cf = cmodel.parse_fragment(lines)
    names = [f.name for f in cf.functions]
    assert names == [cmodel.FRAGMENT_FUNC, "bar_get"]
    bar = cf.function_named("bar_get")
    assert (bar.start, bar.end, bar.degraded) == (13, 18, False)
    assert [c.name for c in bar.calls()] == ["try_module_get"]
    assert [j.line for j in cf.functions[0].jumps()] == [10]


def test_fragment_starting_inside_a_block_comment():
    # drivers/video/aperture.c: the hunk's first context lines are the tail of a comment.
    lines = [(214, "\t * stays around after detachment."), (215, "\t */"),
             (216, "\tplatform_device_unregister(pdev);"), (217, "\tplatform_device_put(pdev);"),
             (218, "}"), (219, ""), (220, "/**")]
    cf = cmodel.parse_fragment(lines)
    (fn,) = cf.functions
    assert [(c.name, c.line) for c in fn.calls()] == [("platform_device_unregister", 216),
                                                      ("platform_device_put", 217)]


def test_fragment_showing_a_function_from_its_header():
    # the hunk starts at a declaration above the function (its section line) and shows the
    # function from its header: the function is parsed as itself, not as a fragment's body
    lines = [(246, "static DEFINE_SPINLOCK(foo_lock);"), (247, ""),
             (248, "static int __init foo_irq_init(struct device_node *node,"),
             (249, "\t\t\t       struct device_node *parent)"), (250, "{"),
             (251, "\tof_node_put(node);"), (252, "\treturn foo_common_init(node, parent);")]
    cf = cmodel.parse_fragment(lines)
    (fn,) = cf.functions
    assert (fn.name, fn.start) == ("foo_irq_init", 248)
    assert [(c.name, c.line) for c in fn.calls()] == [("of_node_put", 251), ("foo_common_init", 252)]
    # a column-0 "{" with no declarator above it stays a fragment
    cf = cmodel.parse_fragment([(10, "\tx = 1;"), (11, "{"), (12, "\ty = 2;")])
    assert [f.name for f in cf.functions] == [cmodel.FRAGMENT_FUNC]


def test_fragment_starting_inside_a_function_header():
    # drivers/pmdomain/core.c: git's section line holds the header's first line, the hunk's
    # context the rest of the parameters; the body is still parsed (its calls and returns)
    lines = [(2455, "\t\t\t\t\tconst struct of_phandle_args *genpdspec,"), (2456, "\t\t\t\t\tvoid *data)"),
             (2457, "{"), (2458, "\tof_node_put(genpdspec->np);"), (2459, "\treturn data;"), (2460, "}")]
    cf = cmodel.parse_fragment(lines)
    fn = cf.functions[0]
    assert [(c.name, c.line) for c in fn.calls()] == [("of_node_put", 2458)]
    assert [(j.kind, j.line) for j in fn.jumps()] == [("return", 2459)]
    # statements above a column-0 "{" are not a header's tail: left as they are
    cf = cmodel.parse_fragment([(10, "\tfoo(x);"), (11, "{"), (12, "\tbar(y);"), (13, "}")])
    assert [c.name for c in cf.functions[0].calls()] == ["foo", "bar"]


LOOP_UNWIND = """static int foo_test(struct foo_vm *vm, int n)
{
\tint i, err;

\tfor (i = 0; i < n; i++) {
\t\terr = foo_step(vm, i);
\t\tif (err)
\t\t\tgoto cleanup;
\t\tcontinue;
cleanup:
\t\tfoo_undo(vm, i);
\t\tbreak;
\t}

\tfoo_vm_put(vm);
\treturn err;
}
""".replace("\\t", "\t")


def test_a_label_chain_that_breaks_out_of_its_loop_goes_on_after_the_loop():
    # drivers/gpu/drm/xe/tests/xe_bo.c: `cleanup_all: ...; break;` in the loop body, then
    # `xe_vm_put(vm); return 0;` after the loop
    f = cmodel.parse(LOOP_UNWIND).functions[0]
    lines = [n.start_point[0] + 1 for n in f.label_path("cleanup")]
    assert lines == [10, 12, 15, 16]


def test_a_label_chain_that_breaks_out_of_a_switch_stops_there():
    src = LOOP_UNWIND.replace("for (i = 0; i < n; i++) {", "switch (n) {\n\tcase 1:")
    f = cmodel.parse(src).functions[0]
    chain = [cmodel._text(n).strip() for n in f.label_path("cleanup")]
    assert chain[-1] == "break;" and not any("foo_vm_put" in c for c in chain)
