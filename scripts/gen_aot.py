#!/usr/bin/env python3
"""Write reviewbot/data/aot-<interpreter>.marshal, the regular expressions and dataclass
methods of reviewbot.aot compiled ahead of time (or with --check, fail when the file is not
what this would write).

Which ones: those every review needs, not those made from a patch's own names.  They are
found by reviewing the repository's test patches (tests/data, alone and by directory) in two
processes, the odd and the even ones: a pattern (a dataclass method's source) compiled in both is kept (a pattern made
from one patch's variable names rarely occurs in both halves), plus every module-level lazy
pattern of the rule modules and every rule's TRIGGER trie.  The code is the running
interpreter's: run it with the Python the package is installed for.

    .venv/bin/python scripts/gen_aot.py            # (re)write the file
    .venv/bin/python scripts/gen_aot.py --check    # exit 1 if the file differs
"""

from __future__ import annotations

import sys

_seen: set = set()
_sources: set = set()


def _hook() -> None:
    """Record every pattern compiled and every dataclass method made from here on (before the
    imports that make some)."""
    import builtins
    import dataclasses
    from re import _compiler

    compile_ = _compiler.compile

    def compile(p, flags=0):  # noqa: A001
        if isinstance(p, (str, bytes)):
            _seen.add((p, int(flags)))
        return compile_(p, flags)

    def exec(source, globals=None, locals=None, /):  # noqa: A001
        if type(source) is str:
            _sources.add(source)
        return builtins.exec(source, globals, locals)

    _compiler.compile = compile
    dataclasses.exec = exec


if __name__ == "__main__" and "--record" in sys.argv:
    _hook()


import argparse
import contextlib
import io
import marshal
import os
import pickle
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def inputs() -> list[str]:
    """The test patches, each alone, and the directories of two or more, each as one source
    (a series: the mbox split and threading of a directory)."""
    patches = sorted((ROOT / "tests" / "data").rglob("*.patch"))
    dirs = sorted({p.parent for p in patches if sum(1 for q in patches if q.parent == p.parent) > 1})
    return [str(p) for p in patches] + [str(d) for d in dirs]


def _record(paths: list[str]) -> set:
    """The (pattern, flags) of every pattern compiled while reviewing `paths` (run in a
    fresh process: what a review compiles cold)."""
    import re
    re.purge()
    from reviewbot import cli

    for item in paths:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                cli.main(["review", item])
            except SystemExit:
                pass
    return _seen, _sources


def _static() -> set:
    """Every module-level lazy pattern of the rule modules and every rule's TRIGGER trie."""
    import importlib
    import pkgutil

    from reviewbot import lazyre
    from reviewbot.checks import ALL
    import reviewbot.checks.module as pkg

    out = set()
    for info in pkgutil.iter_modules(pkg.__path__):
        mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
        for value in vars(mod).values():
            if isinstance(value, lazyre.LazyPattern):
                p, flags = value._args
                out.add((p, int(flags)))
    for pattern in tries().values():
        out.add((pattern, 0))
    return out


def tries() -> dict:
    """The trie pattern (lazyre.any_of) of the TRIGGER strings of every rule, by its strings:
    the engine looks for all of them at once (reviewbot.triggers.Index)."""
    from reviewbot import lazyre, triggers
    from reviewbot.checks import ALL

    strings = triggers.word_strings(t for t in (getattr(mod, "TRIGGER", None) for mod in ALL) if t)
    return {strings: lazyre._trie(strings)}


def recorded() -> tuple[list[tuple[str, int]], list[str]]:
    """(the patterns, the dataclass method sources) to keep."""
    files = inputs()
    halves = []
    env = {**os.environ, "REVIEWBOT_NO_AOT": "1", "PYTHONHASHSEED": "0"}  # sets iterate alike
    for half in (files[0::2], files[1::2]):
        out = subprocess.run([sys.executable, __file__, "--record", *half], env=env,
                             capture_output=True, check=True)
        halves.append(pickle.loads(out.stdout))
    (pa, sa), (pb, sb) = halves
    return sorted((pa & pb) | _static(), key=lambda e: (isinstance(e[0], bytes), e)), sorted(sa & sb)


def build() -> bytes:
    from reviewbot import aot

    aot.uninstall()
    patterns, sources = recorded()
    entries = {(p, flags): aot.encode_pattern(p, flags) for p, flags in patterns}
    code = {text: aot.encode_source(text) for text in sources}
    return marshal.dumps({"re": entries, "any_of": tries(), "dataclasses": code})


def _decoded(data: bytes) -> dict:
    """The file's content (marshal's bytes can differ for equal values: shared references)."""
    data = marshal.loads(data)
    return {**data, "re": {k: marshal.loads(v) for k, v in data["re"].items()},
            "dataclasses": {k: marshal.loads(v) for k, v in data["dataclasses"].items()}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the file is not what would be written")
    ap.add_argument("--record", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.record is not None:
        sys.stdout.buffer.write(pickle.dumps(_record(args.record)))
        return 0
    from reviewbot import aot

    data, target = build(), aot.path()
    if args.check:
        if not target.exists() or _decoded(target.read_bytes()) != _decoded(data):
            print(f"{target.relative_to(ROOT)} is out of date: run scripts/gen_aot.py", file=sys.stderr)
            return 1
        return 0
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(data)
    got = marshal.loads(data)
    print(f"wrote {target.relative_to(ROOT)}: {len(got['re'])} patterns, {len(got['dataclasses'])} "
          f"dataclass methods, {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
