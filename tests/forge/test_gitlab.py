"""GitLab review jobs against the stateful fake (tests/forge/fakes.py)."""

from __future__ import annotations

import httpx
import pytest

from reviewbot.forge import posting
from reviewbot.forge.gitlab import GitLab
from reviewbot.forge.http import ForgeError
from reviewbot.forge.jobs import Processor
from reviewbot.forge.settings import ForgeSettings
from tests.forge.conftest import HEAD1, HEAD2, data, job
from tests.forge.fakes import FakeGitLab
from tests.forge.scenarios import V1, V2

PROJECT = "14"
REPO = "group/driver"
URL = "https://gitlab.example.com"


def processor(fake, clock, cfg=None):
    s = ForgeSettings(gitlab_token=FakeGitLab.TOKEN, gitlab_url=URL)
    return Processor(cfg or {}, s, transport=fake.transport(), min_interval=1.0, sleep=clock.sleep,
                     clock=clock.time)


def run(proc, iid=1, head=HEAD1, job_id=1):
    return proc(job("gitlab", REPO, iid, head, project=PROJECT, job_id=job_id))


def discussions(fake, iid=1):
    return fake.discussions.get((PROJECT, iid), [])


def summary(fake, iid=1):
    mine = [n for n in fake.notes.get((PROJECT, iid), []) if posting.SUMMARY_MARKER in n["body"]]
    assert len(mine) <= 1
    return mine[0] if mine else None


def test_fresh_mr_uses_versions_and_posts_positioned_discussions(fake_gitlab, clock):
    fake_gitlab.add_mr(PROJECT, 1, V1, HEAD1, fresh=True)  # diff_refs still empty
    state, result = run(processor(fake_gitlab, clock))
    assert state == "done", result
    assert fake_gitlab.calls("GET", r"/versions$")  # diff_refs were empty: the latest version has them
    positions = [d["notes"][0]["position"] for d in discussions(fake_gitlab)]
    assert [(p["new_path"], p.get("new_line"), p.get("old_line")) for p in positions] == [
        ("drivers/block/zram/zram_drv.c", 1725, None), ("drivers/block/zram/zram_drv.c", 1794, None),
        ("drivers/block/zram/zram_drv.c", 2055, None), ("drivers/block/zram/zram_drv.c", 2091, None)]
    assert all((p["base_sha"], p["start_sha"], p["head_sha"]) == ("c" * 40, "c" * 40, HEAD1) for p in positions)
    assert "merge request description" in discussions(fake_gitlab)[0]["notes"][0]["body"]
    assert "4 shown as inline comments" in summary(fake_gitlab)["body"]
    times = [t for t, _, _ in fake_gitlab.mutations]
    assert len(times) == 5 and all(b - a >= 1.0 for a, b in zip(times, times[1:]))


def test_push_resolves_gone_findings_unless_a_human_replied(fake_gitlab, clock):
    fake_gitlab.add_mr(PROJECT, 1, V1, HEAD1)
    fake_gitlab.add_mr(PROJECT, 2, V1, HEAD1)
    proc = processor(fake_gitlab, clock)
    assert run(proc)[0] == "done" and run(proc, iid=2, job_id=2)[0] == "done"
    # MR 2: a human answers on the thread that is about to go away
    last2 = [d for d in discussions(fake_gitlab, 2) if d["notes"][0]["position"]["new_line"] == 2091][0]
    fake_gitlab.human_reply(PROJECT, 2, last2["id"])
    for iid in (1, 2):
        fake_gitlab.push(PROJECT, iid, V2, HEAD2)
        state, result = run(proc, iid=iid, head=HEAD2, job_id=10 + iid)
        assert state == "done", result
        assert len(discussions(fake_gitlab, iid)) == 4  # nothing re-posted after the rebase
    resolved1 = [d["notes"][0]["position"]["new_line"] for d in discussions(fake_gitlab, 1) if d["notes"][0]["resolved"]]
    assert resolved1 == [2091]
    assert not any(d["notes"][0]["resolved"] for d in discussions(fake_gitlab, 2))
    s = summary(fake_gitlab)
    assert s["edits"] == 1 and "3 warnings" in s["body"]
    # the same head again: no new discussion, summary unchanged
    assert run(proc, head=HEAD2, job_id=20)[0] == "done"
    assert len(discussions(fake_gitlab)) == 4 and summary(fake_gitlab)["edits"] == 1


def test_position_rules_are_enforced_by_the_fake(fake_gitlab, clock):
    fake_gitlab.add_mr(PROJECT, 1, V1, HEAD1)
    gl = GitLab.create(URL, FakeGitLab.TOKEN, PROJECT, transport=fake_gitlab.transport(), min_interval=0)
    base = {"position_type": "text", "base_sha": "c" * 40, "start_sha": "c" * 40, "head_sha": HEAD1,
            "old_path": "drivers/block/zram/zram_drv.c", "new_path": "drivers/block/zram/zram_drv.c"}
    for bad in ({"new_line": 1725, "old_line": 1722},  # an added line with both numbers
                {"old_line": 1725},                      # an added line by its old number
                {"new_line": 10}):                       # not in the diff
        with pytest.raises(ForgeError) as exc:
            gl.create_discussion(1, "x", {**base, **bad})
        assert exc.value.status == 400 and "line_code" in str(exc.value)
    gl.create_discussion(1, "ok", {**base, "new_line": 1722, "old_line": 1722})  # context: both


def test_clean_mr_gets_nothing(fake_gitlab, clock):
    fake_gitlab.add_mr(PROJECT, 1, data("clean.diff").read_text(), HEAD1)
    assert run(processor(fake_gitlab, clock))[0] == "done"
    assert fake_gitlab.mutations == []


def test_refused_discussion_is_listed_in_the_summary(fake_gitlab, clock):
    fake_gitlab.add_mr(PROJECT, 1, V1, HEAD1)
    fake_gitlab.inject("POST", r"/discussions$", httpx.Response(400, json={"message": "line_code can't be blank"}))
    proc = processor(fake_gitlab, clock)
    state, result = run(proc)
    assert state == "done" and "refused" in result
    assert len(discussions(fake_gitlab)) == 3
    assert "GitLab refused the inline comment" in summary(fake_gitlab)["body"]
    assert proc.counters.get("post_failures", forge="gitlab") == 1


def test_closed_mr_is_stale(fake_gitlab, clock):
    fake_gitlab.add_mr(PROJECT, 1, V1, HEAD1).state = "merged"
    assert run(processor(fake_gitlab, clock)) == ("stale", "no longer open (merged)")


def test_gitlab_rate_limit_reset_is_honoured(fake_gitlab, clock):
    fake_gitlab.add_mr(PROJECT, 1, V1, HEAD1)
    reset = int(clock.time()) + 12
    fake_gitlab.inject("POST", r"/discussions$", httpx.Response(429, json={"message": "Retry later"}, headers={
        "ratelimit-remaining": "0", "ratelimit-reset": str(reset)}))
    proc = processor(fake_gitlab, clock)
    assert run(proc)[0] == "done"
    assert 13.0 in clock.sleeps and len(discussions(fake_gitlab)) == 4


def test_summary_note_needs_marker_and_our_id(fake_gitlab, clock):
    fake_gitlab.add_mr(PROJECT, 1, V1, HEAD1)
    fake_gitlab.notes[(PROJECT, 1)] = [{"id": 5, "body": f"copied {posting.SUMMARY_MARKER}", "system": False,
                                        "author": dict(FakeGitLab.HUMAN)}]
    # a human's discussion quoting one of our fingerprints does not count as posted
    fake_gitlab.discussions[(PROJECT, 1)] = [{"id": "f" * 40, "notes": [{"id": 6, "author": dict(FakeGitLab.HUMAN),
                                               "body": "see <!-- reviewbot:fp=0123456789abcdef -->"}]}]
    assert run(processor(fake_gitlab, clock))[0] == "done"
    assert fake_gitlab.notes[(PROJECT, 1)][0]["body"].startswith("copied")  # not edited
    ours = [n for n in fake_gitlab.notes[(PROJECT, 1)] if n["author"]["id"] == FakeGitLab.USER["id"]]
    assert len(ours) == 1 and posting.SUMMARY_MARKER in ours[0]["body"]
    assert len(discussions(fake_gitlab)) == 5
