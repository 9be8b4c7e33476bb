"""The fuzz harness in the normal test run: 200 seeded mutations of the real patches in tests/
through `review` and `b4-check`, and signed mutated webhook payloads through the real server.

Outcomes are asserted (exit status 0/1/2, one `reviewbot:` line and no traceback on exit 2,
b4-check's JSON row, never a 5xx); the harness's time and memory budgets are set generously
here, as hang detectors only: speed is measured by `benchmarks/fuzz.py` itself (its table
is in benchmarks/README.md).  Run thousands with `python benchmarks/fuzz.py --count 2000`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.fuzz
def test_200_fuzzed_inputs_and_webhook_payloads(tmp_path):
    out = tmp_path / "fuzz.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks/fuzz.py"), "--count", "200", "--seed", "7",
                           "--budget", "60", "--memory", "2000", "--webhooks", "150", "--json", str(out),
                           "--save-failures", str(tmp_path / "failed")],
                          cwd=ROOT, capture_output=True, text=True, timeout=3600)
    data = json.loads(out.read_text())
    mail = data["mail"]
    assert len(mail) == 400 and {o["command"] for o in mail} == {"review", "b4-check"}
    problems = [f"#{o['index']} {o['command']} ({o['what']}): {o['problem']}" for o in mail if o["problem"]]
    assert not problems, "\n".join(problems[:20])
    assert {o["rc"] for o in mail} <= {0, 1, 2}
    assert any(o["rc"] == 2 for o in mail) and any(o["rc"] == 1 for o in mail)  # both refusals and reviews
    hooks = data["webhooks"]
    assert len(hooks) == 150
    assert all(status < 500 for _, status, _ in hooks), [h for h in hooks if h[1] >= 500][:5]
    assert any(status == 400 for _, status, _ in hooks)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_harness_judges_a_traceback_and_a_bad_exit_2():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import fuzz
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    ok = fuzz.judge("review", 2, 0.1, 0.1, 50, "", "reviewbot: x: too large\n", 5, 500)
    assert ok == ""
    assert fuzz.judge("review", 70, 0.1, 0.1, 50, "", "Traceback (most recent call last):\nValueError: x\n", 5, 500)
    assert fuzz.judge("review", 2, 0.1, 0.1, 50, "", "reviewbot: a\nreviewbot: b\n", 5, 500)
    assert fuzz.judge("review", 1, 0.1, 9.0, 50, "", "", 5, 500).startswith("9.0 s of CPU")
    assert fuzz.judge("review", 1, 0.1, 0.1, 900, "", "", 5, 500).startswith("peak RSS")
    assert fuzz.judge("b4-check", 2, 0.1, 0.1, 50, "not json", "reviewbot: x\n", 5, 500)
    # the same seed gives the same inputs
    pool = fuzz.seeds()
    assert fuzz.mutant(3, 5, pool) == fuzz.mutant(3, 5, pool)
