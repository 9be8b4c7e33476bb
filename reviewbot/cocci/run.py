"""Run `spatch` with the generated semantic patch on file images, and read what it matched.

The images are written to a private temporary directory (``pre/PATH`` and ``post/PATH``) and
checked in one `spatch --dir` run with ``-j`` workers.  Only the functions a patch touches are
kept: every other function definition is blanked line for line (its lines become empty), so
line numbers stay those of the image while spatch parses a fraction of the file.

The semantic patch given to spatch is the generated one pruned to the table functions the kept
text names (``generate(names=...)``): a function absent from every file cannot match, so the
matches are those of the whole semantic patch, and when no starting call remains spatch is not
run at all.  spatch finds its Python (for the ``@script:python`` rules that print the matches)
by running ``python3``; it is given a real interpreter (``--python``), since a wrapper script
there (pyenv's shims) cost more than the rest of a typical run.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Iterable, Mapping

from reviewbot.analysis import cmodel
from reviewbot.cocci.generate import MARK, generate

TIMEOUT = 60  # seconds for one spatch run (all files of a patch)
FILE_TIMEOUT = 20  # spatch --timeout, per file


@dataclass(frozen=True)
class RawMatch:
    """One spatch match in one image."""

    side: str  # "pre" | "post"
    path: str
    kind: str  # "leak" | "field" | "iter" | "iterbreak" | "register"
    function: str
    api: str
    obj: str
    get_line: int
    exit_line: int
    via: int = 0  # "iterbreak": the line of the `break` that left the loop


def spatch() -> str | None:
    return shutil.which("spatch")


_PYTHON: list[str | None] = []


def _is_binary(path: str | None) -> bool:
    try:
        with open(path, "rb") as fh:  # type: ignore[arg-type]
            return fh.read(4) == b"\x7fELF"
    except (OSError, TypeError):
        return False


def python() -> str | None:
    """The Python spatch should embed: `python3` on PATH when it is a program, else the
    system's (None: let spatch look, as it does without --python)."""
    if not _PYTHON:
        found = shutil.which("python3")
        real = os.path.realpath(found) if found else None
        _PYTHON.append(real if _is_binary(real) else
                       next((p for p in ("/usr/bin/python3", "/usr/local/bin/python3") if _is_binary(p)), None))
    return _PYTHON[0]


# The isomorphisms of Coccinelle 1.1.1's standard.iso (by its SHA-256) that the generated
# semantic patch uses: `spatch --parse-cocci` of the whole generated patch prints the same
# rules with only these as with all 51 (tests/tree/test_cocci.py checks it).  Every other one
# has nothing to rewrite in it, yet spatch parses and tries all of them on each run: half the
# fixed cost of a run.  Another standard.iso (another version) is used whole.
ISO_SHA256 = "4307ce62bcb05e3d23c09af1aab1abdd5dd6e86724ad24057d85e54e16530717"
ISO_USED = ("drop_cast", "commeq", "commneq", "isnt_zero", "is_null", "isnt_null1", "not_ptr1", "not_ptr2",
            "gtr_lss", "unlikely", "braces1", "braces2", "ret", "ptr_to_array")
_ISO: list[str | None] = []
_ISO_HEAD = re.compile(r"^@\s*(\w+)\s*@")


def iso_subset(text: str, names) -> str:
    """The isomorphisms of an iso file named in `names`, in the file's order (each with its
    kind line: `Expression`, `Statement`, ...)."""
    lines = text.split("\n")
    heads = [i for i, ln in enumerate(lines) if _ISO_HEAD.match(ln) and i > 0]
    out: list[str] = []
    for n, i in enumerate(heads):
        end = heads[n + 1] - 1 if n + 1 < len(heads) else len(lines)
        if _ISO_HEAD.match(lines[i]).group(1) in names:
            out += lines[i - 1:end]
    return "\n".join(out) + "\n"


def iso_whole() -> str | None:
    """The text of spatch's default iso file when it is the one ISO_USED were found in, else
    None.  Asked once per process (`spatch --help` names the file)."""
    if not _ISO:
        _ISO.append(None)
        try:
            out = subprocess.run([spatch() or "spatch", "--help"], capture_output=True, text=True, timeout=30).stdout
            m = re.search(r"--iso-file\s+<file> \(default=([^)]*)\)", out)
            with open(m.group(1) if m else "", "rb") as fh:
                raw = fh.read()
            if hashlib.sha256(raw).hexdigest() == ISO_SHA256:
                _ISO[0] = raw.decode("utf-8")
        except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
            pass
    return _ISO[0]


def iso_text() -> str | None:
    """standard.iso cut to ISO_USED (see iso_whole), or None: spatch's own."""
    whole = iso_whole()
    if whole is None:
        return None
    if len(_ISO) < 2:
        _ISO.append(iso_subset(whole, ISO_USED))
    return _ISO[1]


_IDENT = re.compile(r"[A-Za-z_]\w*")
# The tokens that decide where code is: comments and string or character literals (skipped),
# a preprocessor line with its continuations (kept whole), braces, identifiers.
_TOKENS = re.compile(r"""
    (?P<skip> /\*.*?\*/ | //(?:\\\n|[^\n])* | "(?:\\.|[^"\\\n])*" | '(?:\\.|[^'\\\n])*' )
  | (?P<pre> ^[ \t]*\#(?: \\\n | "(?:\\.|[^"\\\n])*" | /\*.*?\*/ | [^\n] )* )
  | (?P<open> \{ ) | (?P<close> \} )
  | (?P<name> [A-Za-z_]\w* )
""", re.M | re.S | re.X)


def code_names(text: str) -> set[str]:
    """The identifiers of `text` that a rule of the semantic patch can match: those inside
    braces (function bodies, and initializers) and on preprocessor lines, outside comments and
    string literals.  Every rule matches statements of a function body, so a name that occurs
    only in a comment, an `EXPORT_SYMBOL(name);` or a prototype at file level (the files that
    define an API name it there) starts no match.  Unbalanced braces (an `#ifdef` opening a
    block in two ways): every identifier, as before."""
    names: set[str] = set()
    depth = 0
    for m in _TOKENS.finditer(text):
        kind = m.lastgroup
        if kind == "name":
            if depth:
                names.add(m.group())
        elif kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth < 0:
                break
        elif kind == "pre":
            names.update(_IDENT.findall(m.group()))
    if depth:
        return set(_IDENT.findall(text))
    return names


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
        jobs: int = 2, prune: bool = True, reduced_iso: bool = True) -> tuple[list[RawMatch], str | None]:
    """spatch on each {(side, path): text}; (matches, error or None).  `prune=False`: with the
    whole semantic patch, `reduced_iso=False`: with spatch's whole standard.iso (the same
    matches, slower: for tests and comparisons)."""
    exe = spatch()
    if exe is None:
        return [], "spatch not found"
    if not images:
        return [], None
    kept = {key: keep_functions(text, functions.get(key)) for key, text in images.items()}
    sp = generate(names=set().union(*map(code_names, kept.values())) if prune else None)
    if not sp:
        return [], None  # no starting call of any rule in the kept text: nothing can match
    tmp = tempfile.mkdtemp(prefix="reviewbot-cocci-")
    try:
        for (side, path), text in kept.items():
            dest = os.path.join(tmp, side, path)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(text)
        cocci = os.path.join(tmp, "refs.cocci")  # beside pre/ and post/: --dir reads only *.c
        with open(cocci, "w", encoding="utf-8") as fh:
            fh.write(sp)
        cmd = [exe, "--very-quiet", "--no-includes", "--no-show-diff", "--timeout", str(FILE_TIMEOUT),
               "--sp-file", cocci, "--dir", tmp]
        iso = iso_text() if reduced_iso else None
        if iso is not None:
            with open(os.path.join(tmp, "refs.iso"), "w", encoding="utf-8") as fh:
                fh.write(iso)
            cmd[1:1] = ["--iso-file", os.path.join(tmp, "refs.iso")]
        if python():
            cmd[1:1] = ["--python", python()]
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
        exit_line, _, via = exit_line.partition(":")
        if side not in ("pre", "post") or not path or not get_line.isdigit() or not exit_line.isdigit() \
                or not (via or "0").isdigit():
            continue
        obj = re.sub(r"\s*([-&*.>()\[\],])\s*", r"\1", obj.strip())  # spatch prints "& a -> dev"
        m = RawMatch(side, path.replace(os.sep, "/"), kind, function, api, obj, int(get_line), int(exit_line),
                     int(via or 0))
        if m not in seen:
            seen.add(m)
            yield m
