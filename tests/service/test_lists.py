"""List series on the service queue (SQLite, in-process): the follower queues a settled series
with its thread's raw messages; a worker rebuilds it without the mirror, reviews it, records
it under the claim's fence and writes its replies through the outbox.  Same result as the
in-process review of `reviewbot watch`; a re-run records and mails nothing twice; a newer
revision supersedes a queued older one; a lost claim records nothing."""

from __future__ import annotations

import email
import time

import sqlalchemy as sa

from reviewbot import db
from reviewbot.forge import tables as F
from reviewbot.service import migrate
from reviewbot.service.lists import ListJobs
from reviewbot.service.queue import LeasedQueue
from reviewbot.watch import policy
from reviewbot.watch import tables as W
from reviewbot.watch.follow import Follower
from tests.watch.mails import Epoch, foo_diff, patch_mail, zram_mail

PIN = "if (!try_module_get(THIS_MODULE))"


def config(tmp_path, outbox: str) -> dict:
    return {"watch": {"from": "reviewbot <bot@reviewbot.example>", "outbox_dir": str(tmp_path / outbox)},
            "lists": {"testlist": {"inbox": str(tmp_path / "inbox"), "address": "testlist@example.org",
                                   "quiet_minutes": 0, "archive_url": "https://lore.example.org/testlist"}}}


def service_db(tmp_path, name: str) -> LeasedQueue:
    url = f"sqlite:///{tmp_path / name}"
    migrate.upgrade(url)
    return LeasedQueue(db.connect(url))


def rows(engine, q) -> list:
    with engine.connect() as c:
        return c.execute(q).all()


def replies(engine) -> dict[str, str]:
    return {r.msgid: email.message_from_bytes(r.raw).get_payload()
            for r in rows(engine, sa.select(W.outbox.c.msgid, W.outbox.c.raw))}


def drain(queue: LeasedQueue, lists: ListJobs) -> list[tuple[str, str]]:
    out = []
    while (job := queue.claim()) is not None:
        state, result = lists(job)
        assert queue.complete(job, state, result)
        out.append((state, result))
    return out


def test_series_through_the_queue_matches_the_inline_review(tmp_path):
    now = time.time()
    ep = Epoch(tmp_path / "inbox")
    cover = "cover@example.org"
    ep.add(patch_mail(cover, "[PATCH 0/2] foo: two fixes", None, message="Two fixes."), now)
    ep.add(patch_mail("p1@example.org", "[PATCH 1/2] foo: clean", foo_diff(["foo->n++;"]), refs=(cover,)), now)
    ep.add(patch_mail("p2@example.org", "[PATCH 2/2] foo: pin", foo_diff([PIN, "\treturn -ENODEV;"]),
                      refs=(cover,)), now)
    ep.add(zram_mail("zram-1@example.org"), now)

    inline_cfg = config(tmp_path, "outbox-inline")
    inline = Follower(policy.load_lists(inline_cfg)[0], service_db(tmp_path, "inline.db").engine)
    assert inline.run_once().series == 2

    cfg = config(tmp_path, "outbox")
    queue = service_db(tmp_path, "service.db")
    fw = Follower(policy.load_lists(cfg)[0], queue.engine, queue=queue)
    st = fw.run_once()
    assert (st.series, st.replies, st.written) == (2, 0, 0)  # queued, not reviewed here
    assert rows(queue.engine, sa.select(W.jobs)) == []
    jobs = rows(queue.engine, sa.select(F.jobs).order_by(F.jobs.c.id))
    assert [(j.forge, j.repo, j.ref, j.number, j.state) for j in jobs] == [
        ("list", "testlist", cover, 1, "queued"), ("list", "testlist", "zram-1@example.org", 1, "queued")]
    assert jobs[0].payload.count(b"Message-Id: <") == 3  # the whole thread rides on the row
    assert {r.raw for r in rows(queue.engine, sa.select(W.seen.c.raw))} == {None}  # the mirror copy is gone
    assert Follower(policy.load_lists(cfg)[0], queue.engine, queue=queue).run_once().series == 0  # queued once

    lists = ListJobs(cfg, queue)
    done = drain(queue, lists)
    assert [s for s, _ in done] == ["done", "done"]
    assert "1 finding(s) to mail, 1 reply" in done[0][1] and "4 finding(s) to mail, 1 reply" in done[1][1]
    key = lambda r: (r.root, r.revision, r.complete, r.status, r.findings)  # noqa: E731
    assert sorted(map(key, rows(queue.engine, sa.select(W.jobs)))) == \
        sorted(map(key, rows(inline.eng, sa.select(W.jobs))))
    assert replies(queue.engine) == replies(inline.eng) and len(replies(inline.eng)) == 2
    assert sorted(p.name for p in (tmp_path / "outbox").glob("*.eml")) == \
        sorted(p.name for p in (tmp_path / "outbox-inline").glob("*.eml"))

    # a worker killed after posting, before recording the outcome: the re-run adds nothing
    job = queue.claim_id(jobs[1].id) or queue.claim()
    assert job is None  # done jobs are not claimed again ...
    with queue.engine.begin() as c:  # ... so put it back as the reconciler would after a kill -9
        c.execute(F.jobs.update().where(F.jobs.c.id == jobs[1].id).values(state="queued"))
    state, result = lists(queue.claim())
    assert state == "done" and "recorded before" in result
    assert len(rows(queue.engine, sa.select(W.jobs))) == 2 and len(replies(queue.engine)) == 2


def test_newer_revision_supersedes_and_a_lost_claim_records_nothing(tmp_path):
    now = time.time()
    ep = Epoch(tmp_path / "inbox")
    cfg = config(tmp_path, "outbox")
    queue = service_db(tmp_path, "service.db")
    follow = lambda: Follower(policy.load_lists(cfg)[0], queue.engine, queue=queue).run_once()  # noqa: E731
    ep.add(zram_mail("v1@example.org", "[PATCH] zram: fix sysfs races"), now)
    assert follow().series == 1
    v1 = queue.claim()  # a worker is reviewing v1 ...
    ep.add(zram_mail("v2@example.org", "[PATCH v2] zram: fix sysfs races"), now)
    assert follow().series == 1  # ... when v2 is queued: v1 is superseded
    assert queue.state(v1.id) == "superseded"
    lists = ListJobs(cfg, queue)
    state, result = lists(v1)
    assert state == "superseded" and "nothing recorded" in result
    assert not queue.complete(v1, state, result)
    assert drain(queue, lists)[0][0] == "done"
    assert [(r.root, r.revision) for r in rows(queue.engine, sa.select(W.jobs))] == [("v2@example.org", 2)]
    # v1 of the same series settling after v2 is recorded but never reviewed
    late = queue.submit_series("testlist", "v1b@example.org", 1, v1.spec.project, v1.payload, v1.meta)
    assert queue.state(late) == "superseded" and queue.claim() is None


def test_a_worker_without_the_list_fails_the_job(tmp_path):
    queue = service_db(tmp_path, "service.db")
    jid = queue.submit_series("elsewhere", "m@example.org", 1, "x", b"", '{"messages": []}')
    state, result = ListJobs({}, queue)(queue.claim())
    assert state == "failed" and "[lists.elsewhere]" in result
    assert jid is not None


def test_a_worker_and_the_follower_writing_one_reply_at_once(tmp_path):
    """Dry-run: the worker's flush and the follower's may write the same .eml at the same time;
    each writes its own temporary file and renames it, so neither fails and the file is whole."""
    import threading

    from reviewbot.watch import outbox

    raw = b"Message-Id: <r@example.org>\n\n" + b"x" * 200_000
    errors: list[BaseException] = []
    gate = threading.Barrier(8)

    def write():
        gate.wait()
        for _ in range(40):
            try:
                outbox.write_eml(tmp_path / "out", "<r@example.org>", raw)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["r@example.org.eml"]
    assert (tmp_path / "out" / "r@example.org.eml").read_bytes() == raw
