"""The follower over epochs written with git plumbing: series assembly, quiet period, job key,
v2 deltas, duplicates, a new epoch, replies / own mail / ignored senders, policy filters."""

from __future__ import annotations

import email

from reviewbot.watch import tables as T
from tests.watch.conftest import rows
from tests.watch.mails import Epoch, foo_diff, patch_mail, zram_mail

PIN = "if (!try_module_get(THIS_MODULE))"
CLEAN = ["foo->open_count++;"]


def written(fw) -> list[email.message.Message]:
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(fw.p.outbox_dir.glob("*.eml"))]


def test_single_patch_reviewed_once_and_replies_ignored(tmp_path, make_follower, clock):
    ep = Epoch(tmp_path / "inbox")
    ep.add(zram_mail("p1@example.org"), clock.t)
    ep.add(patch_mail("r1@example.org", "Re: [PATCH] zram: fix races", None, refs=("p1@example.org",),
                      message="> quoted\nLooks wrong.\n\nReviewed-by: X <x@example.org>"), clock.t)
    ep.add(patch_mail("q1@example.org", "question about zram", None), clock.t)
    fw = make_follower(tmp_path / "inbox")
    st = fw.run_once()
    assert (st.messages, st.series, st.replies, st.written) == (3, 1, 1, 1)
    kinds = {r.msgid: (r.kind, r.state) for r in rows(fw, T.seen)}
    assert kinds == {"p1@example.org": ("post", "done"), "r1@example.org": ("reply", "done"),
                     "q1@example.org": ("post", "done")}
    assert all(r.raw is None for r in rows(fw, T.seen))  # settled threads drop the raw mail
    (job,) = rows(fw, T.jobs)
    assert (job.root, job.revision, job.status, job.complete) == ("p1@example.org", 1, "done", True)
    (msg,) = written(fw)
    assert msg["In-Reply-To"] == "<p1@example.org>" and msg["Subject"].startswith("Re: [PATCH] zram")
    # a restart (new follower, same database) finds nothing new and writes nothing
    again = make_follower(tmp_path / "inbox").run_once()
    assert (again.messages, again.series, again.written) == (0, 0, 0)
    assert len(written(fw)) == 1


def test_series_waits_for_missing_patch_then_reviews_once(tmp_path, make_follower, clock):
    ep = Epoch(tmp_path / "inbox")
    cover = "cover@example.org"
    ep.add(patch_mail(cover, "[PATCH 0/2] foo: two fixes", None, message="Two fixes."), clock.t)
    ep.add(patch_mail("p1@example.org", "[PATCH 1/2] foo: clean", foo_diff(CLEAN), refs=(cover,)), clock.t)
    fw = make_follower(tmp_path / "inbox", quiet_minutes=30)
    st = fw.run_once()
    assert (st.series, st.waiting) == (0, 1)
    assert {r.state for r in rows(fw, T.seen)} == {"new"}
    clock.t += 60
    ep.add(patch_mail("p2@example.org", "[PATCH 2/2] foo: pin", foo_diff([PIN, "\treturn -ENODEV;"]),
                      refs=(cover,)), clock.t)
    st = make_follower(tmp_path / "inbox").run_once()
    assert (st.messages, st.series, st.replies) == (1, 1, 1)
    (job,) = rows(fw, T.jobs)
    assert (job.root, job.complete) == (cover, True)
    (msg,) = written(fw)  # only patch 2 has a finding
    assert msg["In-Reply-To"] == "<p2@example.org>"
    assert msg["References"] == f"<{cover}> <p2@example.org>"
    assert msg["Subject"] == "Re: [PATCH 2/2] foo: pin"


def test_incomplete_series_reviewed_after_quiet_period_and_never_again(tmp_path, make_follower, clock):
    ep = Epoch(tmp_path / "inbox")
    first = "s1@example.org"
    ep.add(patch_mail(first, "[PATCH 1/3] foo: pin", foo_diff([PIN, "\treturn -ENODEV;"])), clock.t)
    fw = make_follower(tmp_path / "inbox", quiet_minutes=30)
    assert fw.run_once().waiting == 1
    clock.t += 29 * 60
    assert make_follower(tmp_path / "inbox", quiet_minutes=30).run_once().series == 0
    clock.t += 2 * 60
    st = make_follower(tmp_path / "inbox", quiet_minutes=30).run_once()
    assert (st.series, st.replies) == (1, 1)
    (job,) = rows(fw, T.jobs)
    assert (job.root, job.complete) == (first, False)
    # patch 3/3 trickles in late: the job (root, revision) exists, nothing runs twice
    ep.add(patch_mail("s3@example.org", "[PATCH 3/3] foo: pin more", foo_diff([PIN]), refs=(first,)), clock.t)
    st = make_follower(tmp_path / "inbox", quiet_minutes=30).run_once()
    assert (st.messages, st.series, st.replies) == (1, 0, 0)
    assert len(rows(fw, T.jobs)) == 1 and len(rows(fw, T.outbox)) == 1


def test_v2_is_a_new_job_and_says_what_changed(tmp_path, make_follower, clock):
    ep = Epoch(tmp_path / "inbox")
    v1 = [PIN, "\treturn -ENODEV;", "ret = try_module_get(THIS_MODULE);"]
    ep.add(patch_mail("v1@example.org", "[PATCH] foo: pin module in open", foo_diff(v1)), clock.t)
    fw = make_follower(tmp_path / "inbox")
    assert fw.run_once().series == 1
    v2 = [PIN, "\treturn -ENODEV;", "if (try_module_get(THIS_MODULE) == false)"]
    ep.add(patch_mail("v2@example.org", "[PATCH v2] foo: pin module in open", foo_diff(v2)), clock.t)
    st = make_follower(tmp_path / "inbox").run_once()
    assert (st.series, st.replies) == (1, 1)
    assert sorted((j.root, j.revision) for j in rows(fw, T.jobs)) == [("v1@example.org", 1), ("v2@example.org", 2)]
    (reply,) = [m for m in written(fw) if m["In-Reply-To"] == "<v2@example.org>"]
    body = reply.get_payload()
    assert "changes since v1: 1 new, 1 still present, 1 resolved" in body
    assert "resolved: MOD001 module-self-pin" in body and "foo.c:15)" in body
    assert body.count("[new]") == 1 and body.count("[also in v1]") == 1


def test_duplicates_new_epoch_own_mail_and_ignored_senders(tmp_path, make_follower, clock):
    inbox = tmp_path / "inbox"
    ep0 = Epoch(inbox, 0)
    ep0.add(zram_mail("dup@example.org"), clock.t)
    ep0.add(zram_mail("dup@example.org"), clock.t)  # public-inbox keeps duplicate Message-Ids
    fw = make_follower(inbox, ignore_senders=("*@bots.example",))
    st = fw.run_once()
    assert (st.messages, st.duplicates, st.series, st.replies) == (1, 1, 1, 1)
    ep1 = Epoch(inbox, 1)  # the archive rolled over to a new epoch
    ep1.add(patch_mail("bot@example.org", "[PATCH] from a bot", foo_diff([PIN]), frm="CI <ci@bots.example>"), clock.t)
    ep1.add(patch_mail("own@example.org", "[PATCH] our own", foo_diff([PIN]), frm="reviewbot <bot@reviewbot.example>"),
            clock.t)
    ep1.add(patch_mail("new1@example.org", "[PATCH] foo: pin", foo_diff([PIN])), clock.t)
    st = make_follower(inbox, ignore_senders=("*@bots.example",)).run_once()
    assert (st.messages, st.series, st.replies) == (3, 1, 1)
    kinds = {r.msgid: r.kind for r in rows(fw, T.seen)}
    assert kinds["bot@example.org"] == "ignored" and kinds["own@example.org"] == "own"
    assert {(c.epoch) for c in rows(fw, T.cursors)} == {0, 1}


def test_min_confidence_embargo_and_rate_limits(tmp_path, make_follower, clock):
    ep = Epoch(tmp_path / "inbox")
    low = ["__module_get(THIS_MODULE);"]  # MOD001 at low confidence: not mailed by default
    ep.add(patch_mail("low@example.org", "[PATCH] foo: low", foo_diff(low)), clock.t)
    fw = make_follower(tmp_path / "inbox")
    assert (fw.run_once().series, fw.stats.replies) == (1, 0)
    for i in range(3):
        ep.add(patch_mail(f"a{i}@example.org", f"[PATCH] foo: pin {i}", foo_diff([PIN])), clock.t)
    fw = make_follower(tmp_path / "inbox", embargo_hours=2, max_per_author_per_day=2)
    st = fw.run_once()
    assert (st.replies, st.written, st.deferred) == (3, 0, 3)  # embargoed
    clock.t += 2 * 3600
    st = make_follower(tmp_path / "inbox", embargo_hours=2, max_per_author_per_day=2).run_once()
    assert (st.written, st.deferred) == (2, 1)  # the author's daily limit
    clock.t += 86400
    assert make_follower(tmp_path / "inbox", max_per_author_per_day=2).run_once().written == 1
    assert {r.status for r in rows(fw, T.outbox)} == {"written"}


def test_review_crash_is_recorded_never_mailed(tmp_path, make_follower, clock, monkeypatch):
    from reviewbot import pipeline

    def boom(series, opts):
        raise RuntimeError("internal failure")

    monkeypatch.setattr(pipeline, "review_series", boom)
    Epoch(tmp_path / "inbox").add(zram_mail("p1@example.org"), clock.t)
    fw = make_follower(tmp_path / "inbox")
    st = fw.run_once()
    assert (st.series, st.errors, st.replies) == (1, 1, 0)
    (job,) = rows(fw, T.jobs)
    assert job.status == "error" and "internal failure" in job.error
    assert not list(fw.p.outbox_dir.glob("*.eml")) if fw.p.outbox_dir.exists() else True


def test_malformed_mail_and_failed_fetch_are_counted_not_fatal(tmp_path, make_follower, clock):
    ep = Epoch(tmp_path / "inbox")
    ep.add(b"\xff\xfe garbage without headers \x00\n\n\x01", clock.t)
    ep.add(b"From: x@example.org\nSubject: [PATCH] no message id\n\n---\n" + foo_diff([PIN]).encode(), clock.t)
    ep.add(patch_mail("bad-diff@example.org", "[PATCH] foo: broken", "diff --git a/x.c b/x.c\n@@ -1 +1 @@\n"),
           clock.t)
    ep.add(zram_mail("fine@example.org"), clock.t)
    fw = make_follower(tmp_path / "inbox", fetch=True)  # the temp inbox is no clone: fetch fails
    st = fw.run_once()
    assert st.messages == 4 and st.errors >= 1
    assert ("fine@example.org", 1) in {(j.root, j.revision) for j in rows(fw, T.jobs)}
    assert {r.state for r in rows(fw, T.seen)} == {"done"}


def test_one_follower_per_list_lease(tmp_path, make_follower, clock):
    import subprocess

    from reviewbot.watch import lock

    Epoch(tmp_path / "inbox").add(zram_mail("p1@example.org"), clock.t)
    fw = make_follower(tmp_path / "inbox")
    other = subprocess.Popen(["sleep", "30"])  # a live process on this host holds the lease
    try:
        with fw.eng.begin() as c:
            c.execute(T.lock.insert().values(list="testlist", host=lock.HOST, pid=other.pid, expires=clock.t + 900))
        st = fw.run_once()
        assert st.locked == f"pid {other.pid} on {lock.HOST}" and st.messages == 0
    finally:
        other.kill()
        other.wait()
    st = make_follower(tmp_path / "inbox").run_once()  # its holder died (kill -9): taken over
    assert (st.locked, st.messages, st.series) == ("", 1, 1)
    assert rows(fw, T.lock) == []  # released after a --once round


def test_clean_series_gets_no_reply_unless_the_list_asks_for_a_summary(tmp_path, make_follower, clock):
    ep = Epoch(tmp_path / "inbox")
    ep.add(patch_mail("clean1@example.org", "[PATCH] foo: count opens", foo_diff(CLEAN)), clock.t)
    fw = make_follower(tmp_path / "inbox")
    assert (fw.run_once().series, fw.stats.replies) == (1, 0)
    cover = "c2@example.org"
    ep.add(patch_mail(cover, "[PATCH v2 0/1] foo: count", None, message="Cover."), clock.t)
    ep.add(patch_mail("c2p1@example.org", "[PATCH v2 1/1] foo: count", foo_diff(CLEAN), refs=(cover,)), clock.t)
    st = make_follower(tmp_path / "inbox", summary=True).run_once()
    assert (st.series, st.replies, st.written) == (1, 1, 1)
    (msg,) = written(fw)
    assert msg["Subject"] == "Re: [PATCH v2 0/1] foo: count" and msg["In-Reply-To"] == f"<{cover}>"
    body = msg.get_payload()
    assert "found nothing to report in v2 of this series (1 patch, hunks only)" in body
    assert "MOD001" in body and "Reported-by" not in body
