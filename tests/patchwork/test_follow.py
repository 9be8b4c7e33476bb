"""The follower posts one check per reviewed patch on the fake patchwork: after patchwork's lag,
through 5xx (before and after the check was stored) and rate limits without a duplicate, with a
log line for a series patchwork never shows, and not at all with a token that may not post."""

from __future__ import annotations

import logging

import httpx
import pytest
import sqlalchemy as sa

from reviewbot.patchwork import tables as PT
from reviewbot.patchwork.client import Patchwork
from reviewbot.watch.patchwork_post import backoff
from reviewbot.patchwork.settings import PatchworkTarget
from tests.patchwork.conftest import publish
from tests.patchwork.fake import FakePatchwork
from tests.watch.mails import foo_diff, patch_mail

PIN = "if (!try_module_get(THIS_MODULE))"


def series(tag: str, v: int = 1) -> tuple[list[bytes], list[str]]:
    """A cover letter and two patches: 1/2 pins its own module (MOD001), 2/2 is clean."""
    pre = f"PATCH v{v}" if v > 1 else "PATCH"
    ids = [f"{tag}-v{v}-{i}@example.org" for i in range(3)]
    cover = patch_mail(ids[0], f"[{pre} 0/2] foo: two changes", None, message="Two changes.")
    p1 = patch_mail(ids[1], f"[{pre} 1/2] foo: pin the module", foo_diff([PIN, "\treturn -ENODEV;"]),
                    refs=(ids[0],))
    p2 = patch_mail(ids[2], f"[{pre} 2/2] foo: mark ready", foo_diff(["foo->ready = true;"], path="drivers/foo/bar.c"),
                    refs=(ids[0],))
    return [cover, p1, p2], ids[1:]


def rows(fw) -> list:
    with fw.eng.connect() as c:
        return c.execute(sa.select(PT.checks).order_by(PT.checks.c.id)).all()


def test_every_reviewed_patch_gets_one_check_once_patchwork_has_it(tmp_path, make_follower, patchwork, clock):
    mails, (p1, p2) = series("lag")
    publish(tmp_path / "inbox", patchwork, mails, clock.t, lag=2)  # the first two lookups find nothing
    fw = make_follower(tmp_path / "inbox")
    st = fw.run_once()
    assert (st.series, st.checks, st.checks_waiting) == (1, 0, 2)
    assert [r.status for r in rows(fw)] == ["queued", "queued"]
    assert make_follower(tmp_path / "inbox").run_once().checks_waiting == 0  # not due yet: no lookup
    clock.t += 60
    assert make_follower(tmp_path / "inbox").run_once().checks_waiting == 2
    clock.t += 120
    st = make_follower(tmp_path / "inbox").run_once()
    assert (st.checks, st.checks_waiting) == (2, 0)
    job_id = rows(fw)[0].job_id
    got = patchwork.all_checks()
    assert [(c["state"], c["context"], c["description"]) for c in got[p1]] == [("warning", "reviewbot", "MOD001 x1")]
    assert [(c["state"], c["description"]) for c in got[p2]] == [("success", "no findings")]
    assert got[p1][0]["target_url"] == f"https://lore.example.org/testlist/{p1}/"  # no results site configured
    assert got[p1][0]["user"]["username"] == "reviewbot"
    assert {r.status for r in rows(fw)} == {"posted"}
    assert patchwork.patch(p1).checks[0]["id"] == rows(fw)[0].check_id

    # nothing is posted again, however often the follower runs
    posts = len([r for r in patchwork.requests if r[0] == "POST"])
    clock.t += 86400
    assert make_follower(tmp_path / "inbox").run_once().checks == 0
    assert len([r for r in patchwork.requests if r[0] == "POST"]) == posts

    # a new revision is a new job with its own checks; v1 keeps its one check each
    mails2, (q1, q2) = series("lag", v=2)
    publish(tmp_path / "inbox", patchwork, mails2, clock.t)
    st = make_follower(tmp_path / "inbox").run_once()
    assert (st.series, st.checks) == (1, 2)
    got = patchwork.all_checks()
    assert [len(got[m]) for m in (p1, p2, q1, q2)] == [1, 1, 1, 1]
    assert got[q1][0]["state"] == "warning" and got[q2][0]["state"] == "success"
    assert {r.job_id for r in rows(fw)} == {job_id, job_id + 1}


def test_5xx_before_and_after_storing_and_rate_limits_leave_one_check_per_patch(tmp_path, make_follower, clock):
    fake = FakePatchwork(faults=0.35, seed=4).start()
    try:
        mails, ids = [], []
        for tag in ("a", "b", "c", "d"):
            m, i = series(tag)
            mails += m
            ids += i
        publish(tmp_path / "inbox", fake, mails, clock.t)
        fake.rate_limit(2)
        for _ in range(40):
            fw = make_follower(tmp_path / "inbox", patchwork=PatchworkTarget(url=fake.url, project="testlist"))
            fw.patchwork = Patchwork(fake.url, FakePatchwork.TOKEN, project="testlist", sleep=lambda s: None)
            fw.run_once()
            if {r.status for r in rows(fw)} <= {"posted", "found"}:
                break
            clock.t += backoff(10)
        got = fake.all_checks()
        assert sorted(got) == sorted(ids) and all(len(got[m]) == 1 for m in ids), got
        kinds = {(k.split()[0], s) for k, s in fake.injected}
        assert {("POST", 502), ("POST", 503), ("GET", 503), ("GET", 429)} <= kinds  # every fault happened
        assert {r.status for r in rows(fw)} == {"posted", "found"}  # a 502 after storing: found on re-reading
        assert fake.violations == []
    finally:
        fake.stop()


def test_a_series_patchwork_never_shows_is_given_up_with_a_log_line(tmp_path, make_follower, patchwork, clock,
                                                                     caplog):
    mails, (p1, p2) = series("never")
    publish(tmp_path / "inbox", patchwork, mails, clock.t, never=True)
    fw = make_follower(tmp_path / "inbox")
    assert fw.run_once().checks_waiting == 2
    caplog.set_level(logging.INFO, logger="reviewbot.patchwork")
    rounds = 0
    while {r.status for r in rows(fw)} != {"dropped"}:
        clock.t += 3 * 3600  # a lookup each round (the pause between them stops growing at 30 min)
        rounds += 1
        assert rounds < 20, "never given up"
        make_follower(tmp_path / "inbox").run_once()
    assert 24 <= rounds * 3 < 27
    assert len(patchwork.requests) == 2 + 2 * rounds - 1  # the last round drops the series at its first patch
    (line,) = [r.getMessage() for r in caplog.records if "never showed" in r.getMessage()]
    assert f"series <never-v1-0@example.org> v1" in line and "never showed 2 of its patches in 24 h" in line
    looked = len(patchwork.requests)
    clock.t += 86400
    make_follower(tmp_path / "inbox").run_once()
    assert len(patchwork.requests) == looked and patchwork.all_checks() == {p1: [], p2: []}


def test_a_token_that_may_not_post_posts_nothing_and_keeps_the_checks(tmp_path, make_follower, patchwork, clock):
    mails, (p1, p2) = series("tok")
    publish(tmp_path / "inbox", patchwork, mails, clock.t)
    fw = make_follower(tmp_path / "inbox")
    fw.patchwork = Patchwork(patchwork.url, FakePatchwork.OTHER_TOKEN, project="testlist", sleep=lambda s: None)
    st = fw.run_once()
    assert (st.checks, st.check_errors) == (0, 2)
    (r1, r2) = rows(fw)
    assert r1.status == "queued" and "403" in r1.last_error and "permission" in r1.last_error
    assert patchwork.all_checks() == {p1: [], p2: []}
    clock.t += backoff(1)
    st = make_follower(tmp_path / "inbox").run_once()  # the right token now
    assert st.checks == 2 and [len(v) for v in patchwork.all_checks().values()] == [1, 1]


def test_the_fake_refuses_requests_and_catches_answers_outside_the_description(patchwork, monkeypatch):
    mails, (p1, _) = series("spec")
    for raw in mails:
        patchwork.ingest(raw)
    pid = patchwork.patch(p1).id
    url = f"{patchwork.url}/api/1.3/patches/{pid}/checks/"
    auth = {"Authorization": f"Token {FakePatchwork.TOKEN}"}
    r = httpx.post(url, json={"state": "passed", "context": "reviewbot"}, headers=auth)
    assert r.status_code == 400 and "passed" in r.text
    r = httpx.post(url, json={"state": "success", "context": "review bot"}, headers=auth)  # context pattern
    assert r.status_code == 400
    r = httpx.post(url, json={"state": "success"})
    assert r.status_code == 403 and r.json() == {"detail": "Authentication credentials were not provided."}
    assert len(patchwork.violations) == 2
    monkeypatch.setattr(patchwork, "_patch_json", lambda p: {"id": "one", "state": "new", "delegate": None})
    httpx.get(f"{patchwork.url}/api/1.3/patches/", params={"msgid": p1})
    assert "response 200" in patchwork.violations[-1]
    patchwork.violations.clear()
    assert patchwork.all_checks()[p1] == []


@pytest.mark.parametrize("findings, state", [((), "success"), (("WARNING",), "warning"),
                                             (("WARNING", "ERROR"), "fail")])
def test_state_and_description_from_the_findings(findings, state):
    from reviewbot.model import Level
    from reviewbot.patchwork.checks import check_for

    class R:
        def __init__(self, i):
            self.id = i

    class F:
        def __init__(self, level, rule):
            self.effective_level, self.rule = Level[level], R(rule)

    fs = [F(lv, f"MOD00{i % 2 + 1}") for i, lv in enumerate(findings)]
    c = check_for(fs, "https://r.example.org/series/3")
    assert c.state == state
    assert c.description == {"success": "no findings", "warning": "MOD001 x1",
                             "fail": "MOD001 x1, MOD002 x1"}[state]
    assert check_for([], "https://x.example/" + "a" * 200).target_url is None  # patchwork keeps 200 chars


def test_patchwork_down_costs_one_attempt_per_round_and_the_checks_wait(tmp_path, make_follower, patchwork, clock):
    mails, (p1, p2) = series("down")
    publish(tmp_path / "inbox", patchwork, mails, clock.t)
    host = patchwork.url
    patchwork.stop()  # nothing listens on its port now
    st = make_follower(tmp_path / "inbox").run_once()
    assert (st.series, st.checks, st.check_errors) == (1, 0, 1)  # the second row was not tried
    fw = make_follower(tmp_path / "inbox")
    assert [(r.status, r.attempts) for r in rows(fw)] == [("queued", 1), ("queued", 0)]
    assert "ConnectError" in rows(fw)[0].last_error or "onnect" in rows(fw)[0].last_error
    patchwork.start()
    fw = make_follower(tmp_path / "inbox", patchwork=PatchworkTarget(url=patchwork.url, project="testlist"))
    fw.patchwork = Patchwork(patchwork.url, FakePatchwork.TOKEN, project="testlist", sleep=lambda s: None)
    clock.t += backoff(1)
    assert fw.run_once().checks == 2 and patchwork.url != host
    assert [len(v) for v in patchwork.all_checks().values()] == [1, 1]
