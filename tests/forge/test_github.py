"""GitHub review jobs against the stateful fake (tests/forge/fakes.py)."""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from reviewbot.forge import posting
from reviewbot.forge.github import AppAuth, GitHub, TokenAuth
from reviewbot.forge.http import ForgeError
from reviewbot.forge.jobs import Processor
from reviewbot.forge.settings import ForgeSettings
from tests.forge.conftest import HEAD1, HEAD2, HEAD3, data, job
from tests.forge.fakes import FakeGitHub
from tests.forge.scenarios import V1, V2

REPO = "acme/driver"
CLEAN = data("clean.diff").read_text()


def processor(fake, clock, cfg=None, **settings):
    s = ForgeSettings(github_token=FakeGitHub.TOKEN, **settings) if not settings else ForgeSettings(**settings)
    return Processor(cfg or {}, s, transport=fake.transport(), min_interval=1.0, sleep=clock.sleep,
                     clock=clock.time)


def run(proc, number=1, head=HEAD1, **kw):
    return proc(job("github", REPO, number, head, **kw))


def inline_comments(fake, number=1):
    return fake.review_comments.get((REPO, number), [])


def summary(fake, number=1):
    mine = [c for c in fake.issue_comments.get((REPO, number), []) if posting.SUMMARY_MARKER in c["body"]
            and c["user"]["id"] == FakeGitHub.USER["id"]]
    assert len(mine) <= 1
    return mine[0] if mine else None


def test_opened_pr_gets_inline_comments_on_the_flagged_lines(fake_github, clock):
    fake_github.add_pr(REPO, 1, V1, HEAD1, title="zram: fix races", body="Pin the module.")
    state, result = run(processor(fake_github, clock))
    assert state == "done", result
    assert [(c["path"], c["line"], c["side"]) for c in inline_comments(fake_github)] == [
        ("drivers/block/zram/zram_drv.c", 1725, "RIGHT"), ("drivers/block/zram/zram_drv.c", 1794, "RIGHT"),
        ("drivers/block/zram/zram_drv.c", 2055, "RIGHT"), ("drivers/block/zram/zram_drv.c", 2091, "RIGHT")]
    assert len(fake_github.reviews) == 1 and fake_github.reviews[0]["commit_id"] == HEAD1
    body = inline_comments(fake_github)[0]["body"]
    assert body.startswith("**WARNING MOD001 `module-self-pin`**: try_module_get(THIS_MODULE)")
    assert "## Why is this bad?" in body and "reviewbot-ignore: MOD001 -- <reason>" in body
    s = summary(fake_github)
    assert s and "4 shown as inline comments" in s["body"] and "4 warnings" in s["body"]
    # mutations (review, summary) at least 1 s apart on the injected clock
    times = [t for t, _, _ in fake_github.mutations]
    assert len(times) == 2 and times[1] - times[0] >= 1.0


def test_rerun_push_rebase_and_resolution(fake_github, clock):
    fake_github.add_pr(REPO, 1, V1, HEAD1)
    proc = processor(fake_github, clock)
    assert run(proc)[0] == "done"
    first_summary = summary(fake_github)["body"]
    # the same head again (reopened, redelivered): nothing new, summary untouched
    assert run(proc, job_id=2)[0] == "done"
    assert len(fake_github.reviews) == 1 and len(inline_comments(fake_github)) == 4
    assert summary(fake_github)["body"] == first_summary and "edits" not in summary(fake_github)
    # push: rebased 5 lines down, the last self-pin removed -> no re-post, one thread resolved
    fake_github.push(REPO, 1, V2, HEAD2)
    state, result = run(proc, head=HEAD2, job_id=3)
    assert state == "done", result
    assert len(fake_github.reviews) == 1 and len(inline_comments(fake_github)) == 4
    resolved = [t for t in fake_github.threads_of(REPO, 1) if t["isResolved"]]
    assert [t["comments"][0]["line"] for t in resolved] == [2091]
    s = summary(fake_github)
    assert s["edits"] == 1 and HEAD2[:12] in s["body"] and "3 warnings" in s["body"]
    # push back the full change: the 4th comes back as a new comment (its thread was resolved)
    fake_github.push(REPO, 1, V1, HEAD3)
    assert run(proc, head=HEAD3, job_id=4)[0] == "done"
    assert len(inline_comments(fake_github)) == 4  # fingerprint already posted: not repeated
    assert len(fake_github.reviews) == 1


def test_thread_with_a_human_reply_is_not_resolved(fake_github, clock):
    fake_github.add_pr(REPO, 1, V1, HEAD1)
    proc = processor(fake_github, clock)
    run(proc)
    last = [t for t in fake_github.threads_of(REPO, 1) if t["comments"][0]["line"] == 2091][0]
    fake_github.human_reply(REPO, 1, last["id"])
    fake_github.push(REPO, 1, V2, HEAD2)
    assert run(proc, head=HEAD2, job_id=2)[0] == "done"
    assert not any(t["isResolved"] for t in fake_github.threads_of(REPO, 1))


def test_clean_pr_gets_no_comment_at_all(fake_github, clock):
    fake_github.add_pr(REPO, 1, CLEAN, HEAD1)
    state, result = run(processor(fake_github, clock))
    assert state == "done", result
    assert fake_github.reviews == [] and fake_github.issue_comments == {} and fake_github.mutations == []


def test_summary_is_found_by_marker_and_author_id(fake_github, clock):
    fake_github.add_pr(REPO, 1, V1, HEAD1)
    # a human quoting our marker must not be taken for our summary (and cannot be edited anyway)
    fake_github.issue_comments[(REPO, 1)] = [{"id": 9, "body": f"quoting {posting.SUMMARY_MARKER}",
                                              "user": dict(FakeGitHub.HUMAN)}]
    assert run(processor(fake_github, clock))[0] == "done"
    assert summary(fake_github) is not None
    assert fake_github.issue_comments[(REPO, 1)][0]["body"].startswith("quoting")


def test_description_directive_suppresses_and_summary_says_so(fake_github, clock):
    fake_github.add_pr(REPO, 1, V1, HEAD1, body="Fix.\n\nreviewbot-ignore: module-self-pin -- zram needs it\n")
    assert run(processor(fake_github, clock))[0] == "done"
    assert inline_comments(fake_github) == []
    body = summary(fake_github)["body"]
    assert "Suppressed by `reviewbot-ignore`" in body and "zram needs it" in body


def test_too_large_diff_falls_back_to_paginated_files(fake_github, clock):
    filler = "".join(f"diff --git a/docs/f{i}.txt b/docs/f{i}.txt\n--- a/docs/f{i}.txt\n+++ b/docs/f{i}.txt\n"
                     f"@@ -1 +1 @@\n-old {i}\n+new {i}\n" for i in range(150))
    fake_github.add_pr(REPO, 1, filler + V1, HEAD1, too_large=True)
    state, result = run(processor(fake_github, clock))
    assert state == "done", result
    assert len(fake_github.calls("GET", r"/pulls/1/files$")) == 2  # 151 files, 100 per page, Link: next
    assert len(inline_comments(fake_github)) == 4
    assert "reviewed from the file list" in summary(fake_github)["body"]


def test_repo_config_inline_off_and_min_level(fake_github, clock):
    fake_github.add_pr(REPO, 1, V1, HEAD1)
    cfg = {"repos": {REPO: {"inline": False}}}
    assert run(processor(fake_github, clock, cfg))[0] == "done"
    assert inline_comments(fake_github) == []
    assert summary(fake_github)["body"].count("module-self-pin`**") == 4
    fake_github.add_pr(REPO, 2, V1, HEAD1)
    cfg = {"repos": {REPO: {"min_level": "error"}}}
    assert run(processor(fake_github, clock, cfg), number=2)[0] == "done"
    assert inline_comments(fake_github, 2) == [] and summary(fake_github, 2) is None


def test_inline_cap_overflows_into_the_summary(fake_github, clock):
    fake_github.add_pr(REPO, 1, V1, HEAD1)
    cfg = {"repos": {REPO: {"max_inline": 3}}}
    assert run(processor(fake_github, clock, cfg))[0] == "done"
    assert len(inline_comments(fake_github)) == 3
    body = summary(fake_github)["body"]
    assert "1 more finding did not fit" in body and "zram_drv.c:2091" in body
    assert fake_github.reviews[0]["body"].endswith("1 more is listed in the summary comment.")


def test_line_outside_the_diff_is_refused_and_lands_in_the_summary(fake_github, clock):
    fake_github.add_pr(REPO, 1, V1, HEAD1)
    gh = GitHub.create("https://api.github.com", TokenAuth(FakeGitHub.TOKEN), REPO,
                       transport=fake_github.transport(), min_interval=0)
    with pytest.raises(ForgeError) as exc:
        gh.create_review(1, HEAD1, "x", [{"path": "drivers/block/zram/zram_drv.c", "line": 1, "side": "RIGHT",
                                          "body": "y"}])
    assert exc.value.status == 422 and "must be part of the diff" in str(exc.value.body)
    # GitHub refusing the whole review: the job still lists the findings in the summary
    fake_github.inject("POST", r"/reviews$", httpx.Response(422, json={
        "message": "Unprocessable Entity", "errors": ["line must be part of the diff"]}))
    proc = processor(fake_github, clock)
    state, result = run(proc)
    assert state == "done" and "rejected" in result
    assert proc.counters.get("post_failures") == 1
    assert "GitHub refused the inline comment" in summary(fake_github)["body"]


def test_rate_limits_and_5xx_are_waited_out(fake_github, clock):
    fake_github.add_pr(REPO, 1, V1, HEAD1)
    reset = int(clock.time()) + 30
    fake_github.inject("GET", r"/pulls/1$", httpx.Response(403, json={"message": "API rate limit exceeded"},
                       headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}))
    fake_github.inject("POST", r"/reviews$", httpx.Response(429, headers={"retry-after": "7"},
                                                            json={"message": "secondary rate limit"}))
    fake_github.inject("GET", r"/issues/1/comments$", httpx.Response(502, text="bad gateway"), times=2)
    proc = processor(fake_github, clock)
    state, result = run(proc)
    assert state == "done", result
    assert clock.sleeps == [31.0, 7.0, 1.0, 2.0]  # reset - now + 1 s, retry-after, 5xx backoff 1 s, 2 s
    assert len(inline_comments(fake_github)) == 4
    assert proc.counters.get("rate_limited") == 2 and proc.counters.get("retries") == 2


def test_persistent_5xx_gives_up_cleanly_and_is_counted(fake_github, clock):
    fake_github.add_pr(REPO, 1, V1, HEAD1)
    fake_github.inject("POST", r"/reviews$", httpx.Response(500, text="oops"), times=99)
    proc = processor(fake_github, clock)
    state, result = run(proc)
    assert state == "failed" and "500" in result
    assert proc.counters.get("api_errors") == 1 and proc.counters.get("job_failures") == 1
    assert inline_comments(fake_github) == []


def test_stale_and_superseded_jobs_post_nothing(fake_github, clock):
    fake_github.add_pr(REPO, 1, V1, HEAD2)
    state, result = run(processor(fake_github, clock), head=HEAD1)
    assert state == "stale" and HEAD2[:12] in result
    fake_github.add_pr(REPO, 2, V1, HEAD1)
    proc = processor(fake_github, clock)
    proc.is_current = lambda j: False
    assert run(proc, number=2)[0] == "superseded"
    assert fake_github.mutations == []


def _app_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    pub = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return pem, pub


def test_github_app_installation_token_is_cached_and_refreshed(clock):
    pem, pub = _app_key()
    fake = FakeGitHub(clock, app_public_key=pub)
    fake.add_pr(REPO, 1, V1, HEAD1)
    fake.add_pr(REPO, 2, V1, HEAD1)
    proc = processor(fake, clock, github_app_id=FakeGitHub.APP_ID, github_app_private_key=pem)
    assert run(proc, installation_id=7)[0] == "done"
    assert run(proc, number=2, installation_id=7, job_id=2)[0] == "done"
    assert len(fake.calls("POST", r"/access_tokens$")) == 1
    assert all(c["user"]["id"] == FakeGitHub.BOT["id"] for c in inline_comments(fake))
    clock.now += 3400  # within 5 minutes of expiry: a new token
    assert run(proc, number=2, installation_id=7, job_id=3)[0] == "done"
    assert len(fake.calls("POST", r"/access_tokens$")) == 2
    assert len(inline_comments(fake, 2)) == 4  # still recognised as ours: nothing re-posted
    assert fake.violations == []
    assert isinstance(proc._gh_auth, AppAuth)


def test_missing_credentials_fail_the_job_with_a_reason(fake_github, clock):
    proc = Processor({}, ForgeSettings(), transport=fake_github.transport())
    state, result = run(proc)
    assert state == "failed" and "REVIEWBOT_GITHUB_TOKEN" in result


FOO_C = "".join(f"/* line {i} */\n" for i in range(1, 11)) + """\
static ssize_t reset_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	do_reset(dev);
	return len;
}
"""

FOO_DIFF = """\
diff --git a/drivers/misc/foo.c b/drivers/misc/foo.c
--- a/drivers/misc/foo.c
+++ b/drivers/misc/foo.c
@@ -13,3 +13,6 @@ static ssize_t reset_store(struct device *dev, struct device_attribute *attr,
 {
+	if (!try_module_get(THIS_MODULE))
+		return -ENODEV;
 	do_reset(dev);
+	module_put(THIS_MODULE);
 	return len;
"""


def test_tree_mode_with_a_configured_clone(fake_github, clock, tmp_path):
    import git

    repo = git.Repo.init(tmp_path / "linux")
    (tmp_path / "linux" / "drivers" / "misc").mkdir(parents=True)
    (tmp_path / "linux" / "drivers" / "misc" / "foo.c").write_text(FOO_C)
    repo.index.add(["drivers/misc/foo.c"])
    base = repo.index.commit("base", author=git.Actor("t", "t@example.org")).hexsha
    fake_github.add_pr(REPO, 1, FOO_DIFF, HEAD1, base=base)
    fake_github.add_pr(REPO, 2, FOO_DIFF, HEAD1, base="e" * 40)  # base the clone lacks
    cfg = {"repos": {REPO: {"tree": str(tmp_path / "linux")}}}
    proc = processor(fake_github, clock, cfg)
    assert run(proc)[0] == "done"
    assert [(c["path"], c["line"]) for c in inline_comments(fake_github)] == [("drivers/misc/foo.c", 14)]
    assert "(tree context)" in summary(fake_github)["body"]
    assert run(proc, number=2)[0] == "done"
    body = summary(fake_github, 2)["body"]
    assert "(hunks context)" in body and "not found in" in body
    assert len(inline_comments(fake_github, 2)) == 1


def test_tree_ref_stands_in_for_a_base_the_clone_lacks(fake_github, clock, tmp_path):
    import git

    repo = git.Repo.init(tmp_path / "linux")
    (tmp_path / "linux" / "drivers" / "misc").mkdir(parents=True)
    (tmp_path / "linux" / "drivers" / "misc" / "foo.c").write_text(FOO_C)
    repo.index.add(["drivers/misc/foo.c"])
    repo.index.commit("base", author=git.Actor("t", "t@example.org"))
    repo.create_head("stable")
    fake_github.add_pr(REPO, 1, FOO_DIFF, HEAD1, base="e" * 40)  # a base the clone lacks
    cfg = {"repos": {REPO: {"tree": str(tmp_path / "linux"), "tree_ref": "stable"}}}
    assert run(processor(fake_github, clock, cfg))[0] == "done"
    body = summary(fake_github)["body"]
    assert "(tree context)" in body and "applied to stable" in body
