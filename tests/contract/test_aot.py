"""reviewbot.aot: what comes out of the ahead-of-time file is what compiling gives.

Each regular expression's code against a fresh `re._compiler.compile`, each dataclass
method's code against `compile()` of its source as `exec()` does it, each TRIGGER trie
against `lazyre`'s; the file against what `scripts/gen_aot.py` writes now (like
`gen_rule_docs.py --check`); and a review with and without the file prints the same.
"""

from __future__ import annotations

import marshal
import os
import re
import subprocess
import sys

import pytest

from reviewbot import aot, lazyre
from tests.helpers import DATA, ROOT

pytestmark = pytest.mark.skipif(not aot.path().exists(), reason=f"no ahead-of-time file for this "
                                f"interpreter ({aot.path().name}; scripts/gen_aot.py writes one)")


def _data() -> dict:
    return marshal.loads(aot.path().read_bytes())


def _fresh_compile():
    compile_ = re._compiler.compile
    return getattr(compile_, "__wrapped__", compile_)


def test_every_pattern_is_what_re_compiles():
    fresh = _fresh_compile()
    entries = _data()["re"]
    assert len(entries) > 300
    for (pattern, flags), blob in entries.items():
        assert aot.pattern_from(pattern, blob) == fresh(pattern, flags), pattern


def test_every_dataclass_method_is_what_exec_compiles():
    entries = _data()["dataclasses"]
    assert len(entries) > 100
    for text, blob in entries.items():
        assert marshal.loads(blob) == compile(text, "<string>", "exec", dont_inherit=True), text


def test_every_trie_is_lazyre_s():
    tries = _data()["any_of"]
    assert tries
    for strings, pattern in tries.items():
        assert pattern == lazyre._trie(strings)
        assert lazyre.any_of(strings).pattern == pattern


def test_installed_in_this_process():
    assert aot._installed and hasattr(re._compiler.compile, "__wrapped__")
    import dataclasses
    assert "exec" in vars(dataclasses)
    pattern, flags = next(iter(_data()["re"]))
    re.purge()
    assert re.compile(pattern, flags) == _fresh_compile()(pattern, flags)


def test_the_file_is_up_to_date():
    got = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_aot.py"), "--check"],
                         capture_output=True, text=True)
    assert got.returncode == 0, got.stderr


def test_a_review_prints_the_same_without_the_file():
    patches = sorted(str(p) for p in DATA.rglob("*.patch"))[:40]
    out = []
    for env in ({}, {"REVIEWBOT_NO_AOT": "1"}):
        got = subprocess.run([sys.executable, "-m", "reviewbot.cli", "review", "--format", "json", "--all",
                              *patches], capture_output=True, text=True, env={**os.environ, **env}, cwd=ROOT)
        assert got.returncode in (0, 1, 2) and "Traceback" not in got.stderr
        out.append((got.returncode, got.stdout, got.stderr))
    assert out[0] == out[1]
