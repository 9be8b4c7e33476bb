"""Start-up cost: which modules a command imports (issue 8, benchmarks vs checkpatch.pl).

Each case runs `reviewbot ...` in a fresh interpreter and lists sys.modules afterwards, so a
heavy import that sneaks back into the start-up of `review --format json`, `--version` or
`--help` fails here.  The service stack (FastAPI, SQLAlchemy, ...), Jinja2 (only SARIF and
the rule explanations of `-v` render templates), b4's attestation stack (dkim -> dnspython, PyNaCl; patatt) and
`requests` (with urllib3), which reviewbot.ingest.b4compat defers, must stay out of a review of a
local file; a Message-Id fetch loads requests (tests/lore run those against a real
public-inbox).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.cli.clirun import ROOT

PATCH = "tests/data/report/zram-sysfs-self-pin.patch"
SERVICE = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "huey", "redis", "prometheus_client")
ATTESTATION = ("dns", "nacl")  # what `import dkim` pulls in
HTTP = ("urllib3", "charset_normalizer", "idna")  # what `import requests` pulls in
MAIL = ("ssl", "_ssl")  # what `import smtplib` pulls in (b4 sends mail; a review never does)

_PROBE = """
import json, os, sys
from reviewbot.cli import main
real, sys.stdout = sys.stdout, open(os.devnull, "w")
try:
    rc = main(json.loads(sys.argv[1]))
except SystemExit as exc:  # --version, --help
    rc = exc.code
sys.stdout = real
executed = [n for n in ("dkim", "patatt", "requests", "smtplib", "mailbox", "tempfile", "gzip", "secrets", "shlex")  # b4compat._Deferred until used
            if n in sys.modules and type(sys.modules[n]).__name__ != "_Deferred"]
import gc
print(json.dumps({"rc": rc, "modules": sorted(sys.modules), "executed": executed, "gc": gc.get_threshold()}))
"""


def _imports(*argv: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(list(argv))], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def _present(result: dict, names) -> list[str]:
    return sorted({m for m in result["modules"] for n in names if m == n or m.startswith(n + ".")})


def test_json_review_imports_no_jinja2_service_or_attestation_stack():
    result = _imports("review", PATCH, "--format", "json")
    assert result["rc"] in (0, 1)
    assert "b4" in result["modules"] and "reviewbot.report.jsonout" in result["modules"]  # it did review
    assert _present(result, SERVICE + ATTESTATION + HTTP + MAIL + ("jinja2", "git")) == []
    assert result["executed"] == []  # dkim, patatt, requests and smtplib sit in sys.modules unexecuted
    assert _present(result, ("reviewbot.commands",)) == ["reviewbot.commands", "reviewbot.commands.review"]
    assert result["gc"] == [50_000, 20, 20]  # pipeline.batch_gc(): a batch command


@pytest.mark.parametrize("argv", [("--format", "rdjson"), ("--terse",), ()], ids=["rdjson", "terse", "text"])
def test_formats_that_do_not_render_import_no_jinja2(argv):
    result = _imports("review", PATCH, *argv)
    assert "reviewbot.report.terminal" in result["modules"]  # terse_line / the terse path
    assert _present(result, ("jinja2",)) == []


def test_verbose_text_review_renders_with_jinja2():
    """-v renders each rule's explanation from a template; and the probe can see Jinja2 when
    it is there (so the tests above can fail)."""
    result = _imports("review", "examples/zram-sysfs-self-pin.patch", "-v")  # it has findings
    assert "jinja2" in result["modules"] and "reviewbot.render" in result["modules"]


def test_version_imports_no_command():
    result = _imports("--version")
    assert result["rc"] == 0 and result["gc"] == [700, 10, 10]  # Python's defaults
    assert _present(result, ("reviewbot.commands", "reviewbot.pipeline", "b4", "jinja2", "email")) == []


def test_help_lists_every_command_without_their_dependencies():
    from reviewbot.cli import COMMANDS

    result = _imports("--help")
    assert result["rc"] == 0
    assert {f"reviewbot.commands.{c.replace('-', '_')}" for c in COMMANDS} <= set(result["modules"])
    assert _present(result, SERVICE + ATTESTATION + ("b4", "requests", "jinja2", "git", "reviewbot.checks",
                                                      "reviewbot.ingest")) == []


_ANNOTATIONS = """
import sys, typing
import reviewbot.ingest.b4  # noqa: F401
import b4
deferred = type(sys.modules["requests"]).__name__
hint = typing.get_type_hints(b4.get_requests_session)["return"]
session = b4.get_requests_session()  # the first real use loads requests
import requests
print(deferred, hint.__name__, type(sys.modules["requests"]).__name__,
      isinstance(session, requests.Session), b4.requests.Session is requests.Session)
"""


def test_requests_loads_at_first_use_and_annotations_stay_inert():
    proc = subprocess.run([sys.executable, "-c", _ANNOTATIONS], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["_Deferred", "Session", "module", "True", "True"]


_SMTP = """
import sys, typing
import reviewbot.ingest.b4  # noqa: F401
import b4
deferred = type(sys.modules["smtplib"]).__name__
hint = typing.get_type_hints(b4.get_smtp)["return"]
before = "ssl" in sys.modules
import smtplib
smtp = smtplib.SMTP  # the first real use loads smtplib (and ssl)
print(deferred, before, type(sys.modules["smtplib"]).__name__, smtp.__name__,
      b4.smtplib.SMTP is smtp, "ssl" in sys.modules)
"""


def test_smtplib_loads_at_first_use():
    proc = subprocess.run([sys.executable, "-c", _SMTP], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["_Deferred", "False", "module", "SMTP", "True", "True"]
