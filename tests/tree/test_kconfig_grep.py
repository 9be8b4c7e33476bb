"""The Kconfig fallback of tree mode: a symbol defined outside the object's directory and its
parents (drivers/clocksource/hyperv_timer.c is built by CONFIG_HYPERV_TIMER, a `def_bool`
in drivers/hv/Kconfig) is found by a tree-wide `git grep` over the Kconfig files.  Every other
git command of the store names literal paths; this one's pathspec is a pattern."""

import subprocess

from reviewbot.tree import kbuild
from reviewbot.tree.store import Reader, Snap, Store
from tests.tree.conftest import GIT_ENV


def _repo(tmp_path):
    files = {
        "drivers/clocksource/Makefile": "obj-$(CONFIG_FOO_TIMER)\t\t+= foo_timer.o\n",
        "drivers/clocksource/Kconfig": "config OTHER_TIMER\n\tbool \"other\"\n",
        "drivers/clocksource/foo_timer.c": "// SPDX\nstatic int x;\n",
        "drivers/hv/Kconfig": "config FOO_TIMER\n\tdef_bool FOO && X86\n",
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    env = dict(GIT_ENV, PATH="/usr/bin:/bin")
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run(["git", *cmd], cwd=tmp_path, env=env, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_a_symbol_defined_in_another_directory_is_found(tmp_path):
    head = _repo(tmp_path)
    store = Store(str(tmp_path))
    try:
        reader = Reader(store)
        snap = Snap(head)
        assert reader.grep_config(snap, "FOO_TIMER") == "drivers/hv/Kconfig"
        assert kbuild.kconfig(reader, snap, "drivers/clocksource", "FOO_TIMER") == ("drivers/hv/Kconfig", "bool")
        assert reader.grep_config(snap, "NO_SUCH_SYMBOL") is None
    finally:
        store.close()


def test_the_config_index_answers_as_the_grep_of_one_symbol(tmp_path):
    """grep_config() looks a plain symbol up in an index of every `config`/`menuconfig` line
    of the commit (one grep, kept by the store): the same file as the grep for that symbol
    alone (the first in git's order), for symbols defined twice, indented, with blanks after,
    as `menuconfig`, in a `Kconfig.debug`, only in a comment or help text, or nowhere."""
    files = {
        "Kconfig": "source \"a/Kconfig\"\nconfig TOP\n\tbool\n",
        "a/Kconfig": "menuconfig A_MENU\n\tbool\n  config  A_TWICE \t\n\tbool\n# config A_COMMENT\n",
        "a/Kconfig.debug": "config A_DEBUG\n\tbool\n\thelp\n\t  config A_HELP is not a definition\n",
        "b/Kconfig": "config A_TWICE\n\ttristate\nconfig B_X\n\tbool\n\fconfig B_FF\n\tbool\nconfig B_CR\r\n",
        "b/notkconfig.txt": "config NOT_KCONFIG\n",
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, newline="")
    env = dict(GIT_ENV, PATH="/usr/bin:/bin")
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run(["git", *cmd], cwd=tmp_path, env=env, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()
    store = Store(str(tmp_path))
    try:
        reader = Reader(store)
        snap = Snap(head)
        symbols = ["TOP", "A_MENU", "A_TWICE", "A_COMMENT", "A_DEBUG", "A_HELP", "B_X", "B_FF", "B_CR",
                   "NOT_KCONFIG", "NOWHERE", "A", "B_"]
        got = {s: reader.grep_config(snap, s) for s in symbols}
        assert got == {s: reader.grep_config_one(snap, s) for s in symbols}
        assert got["A_TWICE"] == "a/Kconfig" and got["A_DEBUG"] == "a/Kconfig.debug" and got["B_CR"] == "b/Kconfig"
        assert got["NOWHERE"] is None and got["A_COMMENT"] is None and got["NOT_KCONFIG"] is None
        assert reader.grep_config(snap, "A.TWICE") == reader.grep_config_one(snap, "A.TWICE")  # not plain: one grep
    finally:
        store.close()
