"""The path walker: every path of a function, with gotos, switch, loops and early returns."""

from reviewbot.analysis import cmodel, paths


class Trace:
    """Semantics that records the calls of each path and where it ends."""

    def stmt(self, st, node):
        for c in cmodel.Function("f", 0, 0, False, node).calls() if node.type != "return_statement" else []:
            st = st + (c.name,)
        return st

    def branch(self, st, cond, truth):
        return st + (("T" if truth else "F") + cmodel._text(cond),)

    def jump(self, st, node):
        return st

    def exit(self, st, node):
        self.ends.append((st, cmodel._text(node) if node is not None else "end"))

    def loop(self, st, node, phase):
        return st + ((phase,) if phase != "next" else ())

    def __init__(self):
        self.ends = []


def run(src: str) -> list:
    f = cmodel.parse(src).functions[0]
    t = Trace()
    ok, lossy = paths.walk(f.body, t, ())
    assert ok and not lossy
    return [(tuple(s for s in st if not s.startswith(("T", "F"))), end) for st, end in t.ends]


def test_goto_joins_the_label_and_falls_through_the_ladder():
    ends = run("int f(void)\n{\n\ta();\n\tif (x)\n\t\tgoto err_b;\n\tif (y)\n\t\tgoto err_a;\n\treturn 0;\n"
               "err_a:\n\tput_a();\nerr_b:\n\tput_b();\n\treturn -EIO;\n}\n")
    assert sorted(ends) == sorted([(("a",), "return 0;"), (("a", "put_a", "put_b"), "return -EIO;"),
                                   (("a", "put_b"), "return -EIO;")])


def test_switch_cases_break_and_fall_through():
    ends = run("void f(int m)\n{\n\tswitch (m) {\n\tcase 1:\n\t\tone();\n\tcase 2:\n\t\ttwo();\n\t\tbreak;\n"
               "\tdefault:\n\t\treturn;\n\t}\n\tafter();\n}\n")
    assert sorted(ends) == sorted([(("one", "two", "after"), "end"), (("two", "after"), "end"), ((), "return;")])


def test_loop_runs_zero_times_or_once_and_break_leaves_it():
    ends = run("void f(void)\n{\n\twhile (more()) {\n\t\tif (stop())\n\t\t\tbreak;\n\t\tstep();\n\t}\n}\n")
    got = {st for st, _ in ends}
    assert ("more", "done") in got  # never entered
    assert ("more", "enter", "stop") in got  # left by the break
    assert ("more", "enter", "stop", "step", "more", "done") in got  # one turn, then the test fails


def test_a_backward_goto_ends_the_path_instead_of_looping():
    ends = run("int f(void)\n{\nretry:\n\tif (busy())\n\t\tgoto retry;\n\treturn 0;\n}\n")
    assert ends == [(("busy",), "return 0;")]


def test_budget_gives_up_instead_of_guessing():
    f = cmodel.parse("void f(void)\n{\n" + "\tif (a) b();\n" * 50 + "}\n").functions[0]
    ok, _ = paths.walk(f.body, Trace(), (), budget=10)
    assert not ok
