"""`reviewbot review SOURCE --patchwork URL [--post]`: prints the checks, posts them with the
token from the environment, and a second run posts nothing new."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.patchwork.fake import FakePatchwork
from tests.patchwork.test_follow import series


def review(*args: str, token: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "REVIEWBOT_PATCHWORK_TOKEN"}
    if token:
        env["REVIEWBOT_PATCHWORK_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "reviewbot.cli", "review", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_print_then_post_then_nothing_new(tmp_path, patchwork):
    mails, (p1, p2) = series("hand")
    mbox = tmp_path / "series.mbox"
    mbox.write_bytes(b"".join(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + m + b"\n" for m in mails))
    for raw in mails:
        patchwork.ingest(raw)
    id1, id2 = patchwork.patch(p1).id, patchwork.patch(p2).id
    args = (str(mbox), "--patchwork", patchwork.url, "--patchwork-project", "testlist")

    res = review(*args)
    assert res.returncode == 1, res.stderr  # findings, as without --patchwork
    assert res.stdout.splitlines() == [
        f'patch {id1} (testlist) <{p1}>: warning reviewbot "MOD001 x1" (would post)',
        f'patch {id2} (testlist) <{p2}>: success reviewbot "no findings" (would post)']
    assert patchwork.all_checks() == {p1: [], p2: []}

    res = review(*args, "--post")
    assert res.returncode == 2 and res.stderr == "reviewbot: --post: no patchwork token: set $REVIEWBOT_PATCHWORK_TOKEN\n"
    res = review(*args, "--post", token=FakePatchwork.OTHER_TOKEN)
    assert res.returncode == 2 and len(res.stderr.splitlines()) == 1 and "403" in res.stderr, res.stderr
    assert "You do not have permission" in res.stderr

    res = review(*args, "--post", token=FakePatchwork.TOKEN)
    assert res.returncode == 1, res.stderr
    assert [ln.rsplit(" (", 1)[1] for ln in res.stdout.splitlines()] == ["posted)", "posted)"]
    res = review(*args, "--post", token=FakePatchwork.TOKEN)
    assert [ln.rsplit(" (", 1)[1] for ln in res.stdout.splitlines()] == ["already there)", "already there)"]
    got = patchwork.all_checks()
    assert [(len(got[p]), got[p][0]["state"]) for p in (p1, p2)] == [(1, "warning"), (1, "success")]
    assert len([r for r in patchwork.requests if r[0] == "POST"]) == 3  # the refused one, then two


def test_a_patch_patchwork_does_not_have_and_bad_arguments(tmp_path, patchwork):
    mails, (p1, p2) = series("absent")
    mbox = tmp_path / "series.mbox"
    mbox.write_bytes(b"".join(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + m + b"\n" for m in mails))
    res = review(str(mbox), "--patchwork", patchwork.url)
    assert res.stdout.splitlines() == [f'<{p1}>: not in patchwork: would be warning "MOD001 x1"',
                                       f'<{p2}>: not in patchwork: would be success "no findings"']
    res = review(str(mbox), "--post")
    assert res.returncode == 2 and "go with --patchwork URL" in res.stderr
    res = review(str(mbox), "--patchwork", "patchwork.example.org")
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "http(s) URL" in res.stderr
