"""Run `spatch` with the generated semantic patch on file images, and read what it matched.

The images are written to a private temporary directory (``pre/PATH`` and ``post/PATH``) and
checked in one `spatch --dir` run with ``-j`` workers.  Only the functions a patch touches are
kept: every other function definition is blanked line for line (its lines become empty), so
line numbers stay those of the image while spatch parses a fraction of the file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Iterable, Mapping

from reviewbot.analysis import cmodel
from reviewbot.cocci.generate import MARK, cached_path

TIMEOUT = 60  # seconds for one spatch run (all files of a patch)
FILE_TIMEOUT = 20  # spatch --timeout, per file


@dataclass(frozen=True)
class RawMatch:
    """One spatch match in one image."""

    side: str  # "pre" | "post"
    path: str
    kind: str  # "leak" | "iter"
    function: str
    api: str
    obj: str
    get_line: int
    exit_line: int


def spatch() -> str | None:
    return shutil.which("spatch")


def keep_functions(text: str, names: set[str] | None) -> str:
    """`text` with the definitions of functions not in `names` blanked (line count kept)."""
    if names is None:
        return text
    cf = cmodel.parse(text)
    if cf.error:
        return text
    lines = text.split("\n")
    for f in cf.functions:
        if f.name in names:
            continue
        for i in range(f.start - 1, min(f.end, len(lines))):
            lines[i] = ""
    return "\n".join(lines)


def run(images: Mapping[tuple[str, str], str], functions: Mapping[tuple[str, str], set[str] | None],
        jobs: int = 2) -> tuple[list[RawMatch], str | None]:
    """spatch on each {(side, path): text}; (matches, error or None)."""
    exe = spatch()
    if exe is None:
        return [], "spatch not found"
    if not images:
        return [], None
    cocci = cached_path()
    tmp = tempfile.mkdtemp(prefix="reviewbot-cocci-")
    try:
        for (side, path), text in images.items():
            dest = os.path.join(tmp, side, path)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(keep_functions(text, functions.get((side, path))))
        cmd = [exe, "--very-quiet", "--no-includes", "--no-show-diff", "--timeout", str(FILE_TIMEOUT),
               "--sp-file", str(cocci), "--dir", tmp]
        if jobs > 1 and len(images) > 1:
            cmd[1:1] = ["-j", str(jobs), "--chunksize", "1"]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp,
                                 errors="replace")
        except subprocess.TimeoutExpired:
            return [], f"spatch timed out after {TIMEOUT} s"
        found = list(_parse(res.stdout, tmp))
        if res.returncode and not found:
            why = next((ln.strip() for ln in res.stderr.splitlines() if ln.strip()), f"exit status {res.returncode}")
            return [], f"spatch failed ({why[:120]})"
        return found, None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _parse(out: str, tmp: str) -> Iterable[RawMatch]:
    seen = set()
    root = os.path.realpath(tmp)
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) != 8 or parts[0] != MARK:
            continue
        _, kind, file, function, api, obj, get_line, exit_line = parts
        rel = os.path.relpath(os.path.realpath(os.path.join(tmp, file)), root)
        side, _, path = rel.partition(os.sep)
        if side not in ("pre", "post") or not path or not get_line.isdigit() or not exit_line.isdigit():
            continue
        obj = re.sub(r"\s*([-&*.>()\[\],])\s*", r"\1", obj.strip())  # spatch prints "& a -> dev"
        m = RawMatch(side, path.replace(os.sep, "/"), kind, function, api, obj, int(get_line), int(exit_line))
        if m not in seen:
            seen.add(m)
            yield m
