"""A real series from the linux-leds archive (lore-sample: MAX77705 v7 and v8, cover letter and
seven patches each) on a followed list with patchwork configured: every reviewed patch gets
exactly one check, with the right state, linking to the series' page of the results site,
whether the follower reviews it (`reviewbot watch`) or a worker of the service does (where
the queue keeps only the newest revision of a series that waits: v8 alone is reviewed)."""

from __future__ import annotations

import re
import time

import httpx
import pytest
import sqlalchemy as sa

from reviewbot.patchwork import tables as PT
from reviewbot.service.app import Service
from reviewbot.watch import tables as W
from reviewbot.watch.follow import Follower
from reviewbot.watch.policy import list_policy
from tests.patchwork.fake import DATA
from tests.server_thread import serving
from tests.watch.mails import Epoch

MBOX = DATA / "max77705-v7-v8.mbox"  # 16 mails copied from lore-sample, bytes as archived
CHARGER = {7: "20241023-starqltechn_integration_upstream-v7-5-9bfaa3f4a1a0@gmail.com",
           8: "20241031-starqltechn_integration_upstream-v8-5-2fa666c2330e@gmail.com"}


def mails() -> list[bytes]:
    parts = re.split(rb"(?m)^From mboxrd@z .*\n", MBOX.read_bytes())
    return [re.sub(rb"(?m)^>(>*From )", rb"\1", p) for p in parts if p.strip()]


@pytest.mark.parametrize("mode", ["watch", "service"])
def test_every_patch_of_a_real_series_has_one_check_linking_to_its_page(tmp_path, patchwork, mode):
    inbox = tmp_path / "linux-leds"
    epoch, now = Epoch(inbox), time.time() - 3600
    for raw in mails():
        epoch.add(raw, now)
        patchwork.ingest(raw)
    assert len(patchwork.patches) == 14  # the covers are not patches

    cfg = {"data_dir": str(tmp_path / "data"), "watch": {"from": "reviewbot <bot@reviewbot.example>"},
           "lists": {"linux-leds": {"inbox": str(inbox), "archive_url": "https://lore.kernel.org/linux-leds",
                                    "min_confidence": "low", "patchwork_url": patchwork.url,
                                    "patchwork_project": "testlist"}}}
    site = Service(cfg, workers=0, follow=False)
    with serving(site.app()) as url:
        cfg["watch"]["results_url"] = url
        policy = list_policy("linux-leds", cfg["lists"]["linux-leds"], cfg)
        if mode == "watch":
            st = Follower(policy, site.queue.engine).run_once()
            assert (st.series, st.checks) == (2, 14), st.line()
        else:  # the follower of `serve` queues each series; a worker reviews it and posts its checks
            Follower(policy, site.queue.engine, queue=site.queue).run_once()
            workers = Service(cfg, workers=0, follow=False)
            while (job := workers.queue.claim()) is not None:
                state, result = workers.lists(job)
                assert state == "done", result
                workers.queue.complete(job, state, result)
        with site.queue.engine.connect() as c:
            jobs = {j.revision: j.id for j in c.execute(sa.select(W.jobs.c.revision, W.jobs.c.id))}
            assert {r.status for r in c.execute(sa.select(PT.checks.c.status))} == {"posted"}
        # the service's queue keeps only the newest revision of a series still waiting: v8
        assert sorted(jobs) == ([7, 8] if mode == "watch" else [8])
        got = patchwork.all_checks()
        for p in patchwork.patches:
            revision = 7 if "-v7-" in p.msgid else 8
            if revision not in jobs:
                assert got[p.msgid] == [], p.name  # not reviewed: no check
                continue
            (check,) = got[p.msgid]
            want = ("warning", "MOD012 x1") if p.msgid == CHARGER[revision] else ("success", "no findings")
            assert (check["context"], check["state"], check["description"]) == ("reviewbot", *want), p.name
            assert check["target_url"] == f"{url}/series/{jobs[revision]}"
        for revision in jobs:
            page = httpx.get(f"{url}/series/{jobs[revision]}")
            assert page.status_code == 200
            assert "MAX77705" in page.text and "INIT_WORK() of chgin_work is never cancelled" in page.text
