"""checks/ and templates/ ship inside the wheel, and an editable install finds them in the tree.

The wheel test builds the wheel with the installed hatchling (no build isolation: no network),
installs it with --no-deps into a fresh venv whose dependencies come from this venv (a .pth
line: fast, offline), and runs `reviewbot review` and `reviewbot explain MOD001` from it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.cli.clirun import ROOT, run_console

EXAMPLE = ROOT / "examples" / "zram-sysfs-self-pin.patch"
SITE = Path(sysconfig.get_paths()["purelib"])


def _sh(*cmd, **kw) -> str:
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300, **kw)
    assert res.returncode == 0, f"{cmd}: {res.stderr}"
    return res.stdout


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    _sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
        "--disable-pip-version-check", "-w", tmp / "dist", ROOT)
    (wheel,) = (tmp / "dist").glob("reviewbot-*.whl")
    venv = tmp / "venv"
    _sh(sys.executable, "-m", "venv", "--without-pip", venv)
    (site,) = venv.glob("lib/python3*/site-packages")
    (site / "reviewbot-test-deps.pth").write_text(f"{SITE}\n")  # b4, unidiff, jinja2, ... from this venv
    _sh(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q", "--no-deps",
        "--no-index", "--disable-pip-version-check", wheel)
    return wheel, venv, site


def test_wheel_contains_checks_and_templates(wheel_venv):
    wheel, _, _ = wheel_venv
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (ROOT / "checks").rglob("*.py"):
        assert f"reviewbot/checks/{path.relative_to(ROOT / 'checks')}" in names
    assert "reviewbot/checks/data/refs.tsv" in names  # the kernel-API vocabulary
    for path in (ROOT / "templates").rglob("*.j2"):
        assert f"reviewbot/templates/{path.relative_to(ROOT / 'templates')}" in names
    assert not any(n.startswith(("checks/", "templates/", "tests/")) for n in names)


def test_installed_wheel_reviews_and_explains(wheel_venv, tmp_path):
    _, venv, site = wheel_venv
    exe = venv / "bin" / "reviewbot"
    where = _sh(venv / "bin" / "python", "-c",
                "import reviewbot, reviewbot.checks; print(reviewbot.__file__); print(reviewbot.checks.__file__);"
                "print(reviewbot.resource_dir('templates'))", cwd=tmp_path).split()
    assert where == [str(site / "reviewbot/__init__.py"), str(site / "reviewbot/checks/__init__.py"),
                     str(site / "reviewbot/templates")]
    review = run_console("review", "--format", "json", str(EXAMPLE), cwd=tmp_path, exe=exe)
    assert review.rc == 1, review.err
    assert "MOD001" in {f["rule"] for f in json.loads(review.out)["findings"]}
    text = run_console("review", "-v", str(EXAMPLE), cwd=tmp_path, exe=exe)
    assert "\nWhat it does\n" in text.out  # the rule explanation rendered from templates/
    explain = run_console("explain", "MOD001", cwd=tmp_path, exe=exe)
    assert explain.rc == 0
    assert explain.out == run_console("explain", "MOD001", cwd=tmp_path).out  # same as the editable install
    assert run_console("rules", cwd=tmp_path, exe=exe).out == run_console("rules", cwd=tmp_path).out


def _editable() -> bool:
    for d in SITE.glob("reviewbot-*.dist-info"):
        info = d / "direct_url.json"
        if info.exists() and json.loads(info.read_text()).get("dir_info", {}).get("editable"):
            return True
    return False


@pytest.mark.skipif(not _editable(), reason="reviewbot is not installed in editable mode in this venv")
def test_editable_install_uses_the_tree(tmp_path):
    where = _sh(sys.executable, "-c",
                "import reviewbot, reviewbot.checks; print(reviewbot.checks.__file__); "
                "print(reviewbot.resource_dir('templates'))", cwd=tmp_path, env=dict(os.environ, PYTHONPATH="")).split()
    assert where == [str(ROOT / "checks/__init__.py"), str(ROOT / "templates")]
    # no copies of checks/ or templates/ in site-packages that could go stale
    assert not (SITE / "reviewbot").exists()
