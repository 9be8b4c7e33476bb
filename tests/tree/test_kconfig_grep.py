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
