"""Only what the patch introduces is reported: re-indented, moved and deleted code is not new.

The code is drivers/net/team/team_core.c of Linux 6.12 (team_mode_get(), which pins its own
module with try_module_get(THIS_MODULE): a known self-pin the module's design relies on) and
drivers/watchdog/softdog.c's ops (with their owner).
"""

from reviewbot import engine
from reviewbot.checks.module import module_self_pin
from tests.helpers import tree_case

PATH = "drivers/net/team/team_core.c"

TEAM = """\
static const struct team_mode *team_mode_get(const char *kind)
{
\tstruct team_mode_item *mitem;
\tconst struct team_mode *mode = NULL;

\tif (!try_module_get(THIS_MODULE))
\t\treturn NULL;

\tspin_lock(&mode_list_lock);
\tmitem = __find_mode(kind);
\tif (!mitem) {
\t\tspin_unlock(&mode_list_lock);
\t\trequest_module("team-mode-%s", kind);
\t\tspin_lock(&mode_list_lock);
\t\tmitem = __find_mode(kind);
\t}
\tif (mitem) {
\t\tmode = mitem->mode;
\t\tif (!try_module_get(mode->owner))
\t\t\tmode = NULL;
\t}

\tspin_unlock(&mode_list_lock);
\tmodule_put(THIS_MODULE);
\treturn mode;
}
"""

HEAD = "// SPDX-License-Identifier: GPL-2.0-or-later\n#include <linux/module.h>\n\n"
WITHOUT_PIN = TEAM.replace("\tif (!try_module_get(THIS_MODULE))\n\t\treturn NULL;\n\n", "")


def _shown(pre: str, post: str, path: str = PATH, checks=None, tree: bool = False):
    series, context_for = tree_case(path, pre, post)
    review = engine.review(series, checks=checks, context_for=context_for if tree else None)
    return [(f.rule.id, f.line, f.side.value) for f in review.shown()]


def test_an_added_self_pin_is_reported():
    for tree in (False, True):
        assert [r for r, *_ in _shown(HEAD + WITHOUT_PIN, HEAD + TEAM, checks=(module_self_pin,), tree=tree)] == \
            ["MOD001"]


def test_a_reindented_function_is_not_new_code():
    spaces = TEAM.replace("\t", "        ")
    for tree in (False, True):
        assert _shown(HEAD + spaces, HEAD + TEAM, tree=tree) == []
        assert _shown(HEAD + TEAM, HEAD + spaces, tree=tree) == []


def test_code_moved_within_its_function_is_not_new():
    pin = "\tif (!try_module_get(THIS_MODULE))\n\t\treturn NULL;\n\n"
    moved = WITHOUT_PIN.replace("\tspin_lock(&mode_list_lock);\n\tmitem", pin + "\tspin_lock(&mode_list_lock);\n\tmitem", 1)
    moved = moved.replace("\tconst struct team_mode *mode = NULL;\n\n", "\tconst struct team_mode *mode = NULL;\n"
                          "\tint unused = 0;\n\n", 1)
    assert moved != TEAM
    for tree in (False, True):
        assert _shown(HEAD + TEAM, HEAD + moved, checks=(module_self_pin,), tree=tree) == []


SOFTDOG = """\
static const struct watchdog_ops softdog_ops = {
\t.owner = THIS_MODULE,
\t.start = softdog_ping,
\t.stop = softdog_stop,
};

static int softdog_probe(struct platform_device *pdev)
{
\tstruct device *dev = get_device(&pdev->dev);

\tif (!try_module_get(THIS_MODULE)) {
\t\tput_device(dev);
\t\treturn -ENODEV;
\t}
\tmodule_put(THIS_MODULE);
\tput_device(dev);
\treturn 0;
}
"""


def test_a_deleted_file_has_no_findings():
    for tree in (False, True):
        assert _shown(HEAD + SOFTDOG + TEAM, "", path="drivers/watchdog/softdog.c", tree=tree) == []


def test_a_function_removed_whole_has_no_findings():
    for tree in (False, True):
        assert _shown(HEAD + SOFTDOG + TEAM, HEAD + TEAM, path="drivers/watchdog/softdog.c", tree=tree) == []
