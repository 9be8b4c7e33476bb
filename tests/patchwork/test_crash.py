"""`kill -9` of `reviewbot watch` between a check's POST and its record (and right after the
series was recorded): the next run finds the check on the patch instead of posting it again.
One check per patch, never two; a third run posts nothing."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.patchwork.fake import FakePatchwork
from tests.patchwork.test_follow import series
from tests.watch.mails import Epoch


def test_kill_9_between_post_and_record_leaves_one_check_per_patch(tmp_path, patchwork):
    inbox, ids = tmp_path / "inbox", []
    epoch = Epoch(inbox)
    for tag in ("k1", "k2"):
        mails, got = series(tag)
        ids += got
        for raw in mails:
            epoch.add(raw, 1_700_000_000)
            patchwork.ingest(raw)
    cfg = tmp_path / "reviewbot.toml"
    cfg.write_text(f'[watch]\nfrom = "reviewbot <bot@reviewbot.example>"\n'
                   f'[lists.testlist]\ninbox = "{inbox}"\npatchwork_url = "{patchwork.url}"\n'
                   f'patchwork_project = "testlist"\n')
    cmd = [sys.executable, "-m", "reviewbot.cli", "watch", "--once", "--config", str(cfg),
           "--db", str(tmp_path / "state.db"), "--dry-run-outbox", str(tmp_path / "out")]
    env = dict(os.environ, REVIEWBOT_DATA_DIR=str(tmp_path / "data"), REVIEWBOT_PATCHWORK_TOKEN=FakePatchwork.TOKEN)
    posted = []
    for point in ("after-record", "mid-check"):
        crashed = subprocess.run(cmd, env=dict(env, REVIEWBOT_WATCH_CRASH_AT=point), capture_output=True, timeout=180)
        assert crashed.returncode == -9, (point, crashed.stderr)
        posted.append(sum(len(v) for v in patchwork.all_checks().values()))
    assert posted == [0, 1]  # killed right after patchwork stored the first check
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr
    assert "checks 3" in res.stdout and "checks_found 1" in res.stdout, res.stdout
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0 and "check" not in res.stdout, res.stdout
    got = patchwork.all_checks()
    assert sorted(got) == sorted(ids) and [len(got[m]) for m in ids] == [1, 1, 1, 1]
    assert [got[m][0]["state"] for m in ids] == ["warning", "success", "warning", "success"]
    assert len([r for r in patchwork.requests if r[0] == "POST"]) == 4
