"""Run the `reviewbot` CLI in-process (fast) or as a real subprocess (console script)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = Path(sys.executable).parent / "reviewbot"


@dataclass
class Result:
    rc: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)

    def one_line_error(self) -> str:
        """The exit-2 contract: exactly one line on stderr, no traceback, nothing on stdout."""
        assert self.rc == 2, (self.rc, self.out, self.err)
        lines = self.err.splitlines()
        assert len(lines) == 1 and "Traceback" not in self.err, self.err
        assert lines[0].startswith("reviewbot: "), self.err
        return lines[0]


def run(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> Result:
    """cli.main() in this process, with stdin/stdout/stderr captured and cwd changed."""
    from reviewbot import cli

    out, err = io.StringIO(), io.StringIO()
    fake_in = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    old_cwd = os.getcwd()
    old_in = sys.stdin
    try:
        if cwd is not None:
            os.chdir(cwd)
        sys.stdin = fake_in
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = cli.main(list(args))
            except SystemExit as exc:  # argparse usage errors
                rc = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdin = old_in
        os.chdir(old_cwd)
    return Result(rc, out.getvalue(), err.getvalue())


def run_console(*args: str, stdin: bytes = b"", cwd: Path | None = None, env: dict | None = None,
                exe: Path | str = CONSOLE) -> Result:
    """The installed console script in a subprocess (what a user runs)."""
    res = subprocess.run([str(exe), *args], input=stdin, cwd=cwd, capture_output=True, timeout=120,
                         env=dict(os.environ, **(env or {})))
    return Result(res.returncode, res.stdout.decode(), res.stderr.decode())


def comparable(doc: dict) -> list[dict]:
    """Findings minus what legitimately differs between postings of the same patch (msgids)."""
    out = []
    for f in doc["findings"]:
        f = dict(f, patch={k: v for k, v in f["patch"].items() if k != "msgid"})
        out.append(f)
    return out
