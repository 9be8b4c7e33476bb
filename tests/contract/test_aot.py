"""reviewbot.aot: what comes out of the ahead-of-time file is what compiling gives.

Each regular expression's code against a fresh `re._compiler.compile`, each dataclass
method's code against `compile()` of its source as `exec()` does it, each TRIGGER trie
against `lazyre`'s; a cold review compiles most of its patterns from the file; and a review
with and without the file prints the same.
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


_COUNT = """
import contextlib, io, sys
from re import _compiler
from reviewbot import aot, cli
cached = _compiler.compile
misses = []
def compile(p, flags=0):
    if (p, flags) not in aot._patterns:
        misses.append(p)
    return cached(p, flags)
_compiler.compile = compile
with contextlib.redirect_stdout(io.StringIO()):
    try:
        cli.main(["review", *sys.argv[1:]])
    except SystemExit:
        pass
print(len(misses), len(aot._patterns))
"""


def test_most_of_a_cold_review_s_patterns_come_from_the_file():
    """A stale file (rules changed since scripts/gen_aot.py ran) only costs speed; a file that
    no longer covers what a review compiles is regenerated with scripts/gen_aot.py (`--check`
    says whether it is what the script would write now)."""
    patches = [str(p) for p in sorted((ROOT / "examples").glob("*.patch"))]
    got = subprocess.run([sys.executable, "-c", _COUNT, *patches], capture_output=True, text=True, cwd=ROOT)
    misses, cached = map(int, got.stdout.split())
    assert cached > 300 and misses < 40, (misses, got.stderr)


def test_a_review_prints_the_same_without_the_file():
    patches = sorted(str(p) for p in DATA.rglob("*.patch"))[:40]
    out = []
    for env in ({}, {"REVIEWBOT_NO_AOT": "1"}):
        got = subprocess.run([sys.executable, "-m", "reviewbot.cli", "review", "--format", "json", "--all",
                              *patches], capture_output=True, text=True, env={**os.environ, **env}, cwd=ROOT)
        assert got.returncode in (0, 1, 2) and "Traceback" not in got.stderr
        out.append((got.returncode, got.stdout, got.stderr))
    assert out[0] == out[1]
