"""benchmarks/run.py must keep working: run its quickest mode (3 noise patches, one run, no
checkpatch.pl, no tree mode, no kernel source) and check the report's shape, not its timings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOISE = ROOT.parent / "shared" / "corpus" / "noise" / "patches.mbox"


@pytest.mark.skipif(not NOISE.exists(), reason="needs ../shared/corpus/noise")
def test_benchmark_smoke(tmp_path):
    env = dict(os.environ, REVIEWBOT_BENCH_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke",
                           "--json", str(tmp_path / "out.json"), "--output", str(tmp_path / "out.md")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "out.json").read_text())
    hunks = data["throughput"]["hunks"]
    assert hunks["patches"] == 3 and hunks["per_s_cpu"] > 0 and hunks["rss_mb"] > 0
    assert hunks["crashed_checks"] == 0
    assert [r["patches"] for r in data["scaling_length"]] == [1]
    assert data["scaling_size"] and data["scaling_size"][0]["changed"] == 10
    assert "compare" not in data  # --smoke never runs checkpatch.pl
    report = (tmp_path / "out.md").read_text()
    assert "| hunks | 3 |" in report and "skipped (--no-tree)" in report
    assert "## Targets" in report and "memory flat" not in report  # one length: no flatness verdict


def test_benchmark_bad_mbox(tmp_path):
    env = dict(os.environ, REVIEWBOT_BENCH_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke",
                           "--mbox", str(tmp_path / "missing.mbox")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "no such file" in proc.stderr
