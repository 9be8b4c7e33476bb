"""Which identifiers of a file image can start a match of the generated semantic patch
(``cocci.run.code_names``): the semantic patch is pruned to them, and spatch does not run
when no rule is left."""

from __future__ import annotations

from reviewbot.cocci import generate, run

DEFINER = """\
// SPDX-License-Identifier: GPL-2.0
/**
 * of_get_parent - Get a node's parent if any, see "of_node_put()"
 */
struct device_node *of_get_parent(const struct device_node *node);
EXPORT_SYMBOL(of_get_parent);

static int foo_count(struct device_node *np)
{
	/* of_get_parent() is not called here */
	const char *s = "of_node_get(np)";
	char c = '{';

	return strlen(s) + c;
}
"""


def test_names_in_comments_strings_and_file_level_lines_start_nothing():
    names = run.code_names(DEFINER)
    assert {"strlen", "s", "c", "np"} - names == {"np"}  # a parameter list is at file level
    assert not names & {"of_get_parent", "of_node_get", "EXPORT_SYMBOL", "SPDX"}
    assert generate.generate(names=names) == ""
    everything = set(run._IDENT.findall(DEFINER))
    assert generate.generate(names=everything) != ""  # the names as the gate read them before


def test_names_in_bodies_initializers_and_preprocessor_lines_count():
    text = ("#define FOO_GET(n) of_get_parent(n)\n"
            "#define FOO_PUT(n) \\\n\tof_node_put(n)\n"
            "static const struct foo_ops ops = { .get = of_find_node_by_path };\n"
            "static void f(void)\n{\n\tif (x) {\n\t\tnp = of_get_next_child(a, b); // of_get_cpu_node\n\t}\n}\n")
    names = run.code_names(text)
    assert {"of_get_parent", "of_node_put", "of_find_node_by_path", "of_get_next_child", "FOO_GET"} <= names
    assert "of_get_cpu_node" not in names and "foo_ops" not in names


def test_a_comment_on_a_preprocessor_line_does_not_hide_code():
    text = "#endif /* CONFIG_FOO:\n don't } */\nstatic void f(void)\n{\n\tnp = of_get_parent(x);\n}\n"
    assert "of_get_parent" in run.code_names(text)


def test_unbalanced_braces_give_every_identifier():
    text = ("#ifdef CONFIG_A\nstatic int f(int a) {\n#else\nstatic int f(void) {\n#endif\n"
            "\treturn 0;\n}\n/* of_node_get */\nEXPORT_SYMBOL(of_get_parent);\n")
    assert run.code_names(text) == set(run._IDENT.findall(text))
    closing = "}\nstatic void g(void)\n{\n}\n/* of_get_parent */\n"
    assert run.code_names(closing) == set(run._IDENT.findall(closing))


def test_a_line_comment_continued_by_a_backslash_is_all_comment():
    text = "static void f(void)\n{\n\t// not here \\\n\t} of_node_get(np);\n\tnp = of_get_parent(x);\n}\n"
    names = run.code_names(text)
    assert "of_get_parent" in names and "of_node_get" not in names
