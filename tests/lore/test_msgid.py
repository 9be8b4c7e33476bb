"""Message-Id / lore URL sources, fetched by b4 from a real public-inbox on loopback."""

from __future__ import annotations

import subprocess

from tests.cli.clirun import run, run_console
from tests.conftest import DATA, mbox_messages
from tests.ingest import gitseries
from tests.ingest.gitseries import HELPER_LINE, IOCTL_LINE, OPEN_LINE
from tests.lore.inbox import free_port

CORE = "drivers/misc/foo/foo_core.c"
HELPERS = "drivers/misc/foo/foo_helpers.c"


def review(public_inbox, tmp_path, *args: str):
    # cwd outside any git repository: b4 also reads the repo's config and .b4-config
    return run("review", "--select", "MOD001", "--format", "json", "--midmask", public_inbox.midmask,
               *args, cwd=tmp_path)


def locations(doc) -> list[tuple]:
    return [(f["path"], f["line"], f["patch"]["index"]) for f in doc["findings"]]


def test_latest_revision_by_default(public_inbox, tmp_path):
    res = review(public_inbox, tmp_path, public_inbox.v1_cover)
    assert res.rc == 1, res.err
    doc = res.json()
    assert doc["series"] == {"subject": "foo: keep the module while in use", "msgid": public_inbox.v2_cover,
                             "revision": 2, "base": doc["series"]["base"], "context": "hunks"}
    assert len(doc["series"]["base"]) == 40
    assert locations(doc) == [(CORE, OPEN_LINE, 1), (HELPERS, HELPER_LINE, 2), (CORE, IOCTL_LINE, 3)]
    assert doc["findings"][2]["patch"]["msgid"] == public_inbox.v2_patch3
    assert "thread has revisions v1, v2; reviewed v2" in doc["notes"]


def test_revision_option_picks_an_older_revision(public_inbox, tmp_path, series_repo):
    doc = review(public_inbox, tmp_path, "--revision", "1", public_inbox.v2_patch3).json()
    assert doc["series"]["revision"] == 1
    assert doc["series"]["msgid"] == public_inbox.v1_cover
    assert doc["series"]["base"] == series_repo.base
    assert locations(doc) == [(CORE, OPEN_LINE, 1), (HELPERS, HELPER_LINE, 2)]
    assert [f["patch"]["subject"] for f in doc["findings"]] == [
        "[PATCH 1/2] foo: pin the module while the device is open",
        "[PATCH 2/2] foo: rename foo_util.c, drop the old logo"]


def test_revision_that_does_not_exist(public_inbox, tmp_path):
    line = review(public_inbox, tmp_path, "--revision", "7", public_inbox.v1_cover).one_line_error()
    assert public_inbox.v1_cover in line and "no revision v7 in this thread (have v1, v2)" in line


def test_cover_letter_gives_the_series_subject_and_is_not_reviewed(public_inbox, tmp_path):
    res = run("review", "--select", "MOD001", "--midmask", public_inbox.midmask, public_inbox.v2_cover, cwd=tmp_path)
    assert res.rc == 1
    assert "3 patches (hunks context)" in res.out
    assert "#0:" not in res.out  # nothing is anchored in the cover letter


def test_missing_patches_are_reported_in_notes(public_inbox, tmp_path):
    doc = review(public_inbox, tmp_path, public_inbox.incomplete_cover).json()
    assert "series incomplete: patch(es) 2 of 3 missing" in doc["notes"]
    assert locations(doc) == [(CORE, OPEN_LINE, 1), (CORE, IOCTL_LINE, 3)]


def test_lore_url_gives_the_same_review_as_the_message_id(public_inbox, tmp_path):
    by_id = review(public_inbox, tmp_path, public_inbox.v2_patch3)
    url = f"{public_inbox.server.url}/{public_inbox.v2_patch3}/"
    by_url = review(public_inbox, tmp_path, url)
    assert by_url.rc == by_id.rc == 1
    assert by_url.json() == by_id.json()


def test_lore_url_on_another_host_overrides_the_midmask(public_inbox, tmp_path):
    """As b4 does: a pasted URL names its own server (the configured one is dead here)."""
    url = f"{public_inbox.server.url}/{public_inbox.v2_patch3}/"
    res = run("review", "--select", "MOD001", "--format", "json", "--midmask",
              f"http://localhost:{free_port()}/nowhere/%s", url, cwd=tmp_path)
    assert res.rc == 1, res.err
    assert res.json()["series"]["revision"] == 2


def test_angle_brackets_and_id_prefix_are_accepted(public_inbox, tmp_path):
    plain = review(public_inbox, tmp_path, public_inbox.v2_cover).json()
    assert review(public_inbox, tmp_path, f"<{public_inbox.v2_cover}>").json() == plain


def test_unknown_message_id_is_a_one_line_error(public_inbox, tmp_path):
    line = review(public_inbox, tmp_path, "no-such-message@example.org").one_line_error()
    assert line == (f"reviewbot: no-such-message@example.org: no message with this Message-Id at "
                    f"{public_inbox.server.url}")


def test_unreachable_server_is_a_one_line_error(tmp_path):
    port = free_port()  # nothing listens there
    res = run("review", "--midmask", f"http://127.0.0.1:{port}/lkml/%s", "abc@example.org", cwd=tmp_path)
    line = res.one_line_error()
    assert line == f"reviewbot: abc@example.org: cannot reach http://127.0.0.1:{port}/lkml: Connection refused"


def test_real_lore_thread_matches_the_same_mail_read_from_an_mbox(public_inbox, tmp_path):
    """Real linux-leds mail (cover, 2 patches, a reply): fetched == read locally."""
    mbox = tmp_path / "delivered.mbox"
    mbox.write_bytes(b"".join(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + m
                              for m in mbox_messages(DATA / "ingest/lore/max5970-v1.mbox")[:4]))
    fetched = run("review", "--all", "--format", "json", "--midmask", public_inbox.midmask,
                  public_inbox.lore_cover, cwd=tmp_path)
    local = run("review", "--all", "--format", "json", str(mbox), cwd=tmp_path)
    assert fetched.rc == local.rc and fetched.rc in (0, 1), fetched.err
    doc = fetched.json()
    assert doc == local.json()
    assert doc["series"]["subject"] == "leds: max5970: fix unreleased fwnode_handle in probe function"
    assert doc["series"]["msgid"] == public_inbox.lore_cover
    text = run("review", "--all", "--midmask", public_inbox.midmask, public_inbox.lore_cover, cwd=tmp_path)
    assert "2 patches" in text.out  # the reply is not a patch


def test_second_fetch_sees_new_mail(public_inbox, series_repo, tmp_path):
    """b4 caches threads on disk (XDG_CACHE_HOME/b4); a re-review must not read a stale copy."""
    pi = public_inbox.server
    first_mail = gitseries.variant(series_repo.v1[1], "fresh", standalone=True)
    first = gitseries.variant_msgid(series_repo.v1[1], "fresh")
    pi.deliver(first_mail, first)
    pi.reload(first)
    before = review(public_inbox, tmp_path, first).json()
    assert before["series"]["revision"] == 1 and len(before["findings"]) == 1
    # v2 of the series arrives in the same thread (only its patch 3 so far)
    later = gitseries.variant(series_repo.v2[3], "fresh", standalone=True).replace(
        b"\nSubject:", f"\nIn-Reply-To: <{first}>\nReferences: <{first}>\nSubject:".encode(), 1)
    pi.deliver(later, gitseries.variant_msgid(series_repo.v2[3], "fresh"))
    pi.reload(gitseries.variant_msgid(series_repo.v2[3], "fresh"))
    after = review(public_inbox, tmp_path, first).json()
    assert after["series"]["revision"] == 2
    assert [(f["path"], f["line"], f["patch"]["index"]) for f in after["findings"]] == [(CORE, IOCTL_LINE, 3)]


def test_midmask_comes_from_git_config(public_inbox, tmp_path):
    """No --midmask: b4 reads b4.midmask from (the isolated) global git config."""
    cfg = tmp_path / "gitconfig"
    cfg.write_text(f"[b4]\n\tmidmask = {public_inbox.midmask}\n")
    res = run_console("review", "--select", "MOD001", "--format", "json", public_inbox.v2_cover,
                      cwd=tmp_path, env={"GIT_CONFIG_GLOBAL": str(cfg)})
    assert res.rc == 1, res.err
    assert res.err == ""  # b4's own logging never reaches the user
    assert res.json()["series"]["revision"] == 2


def test_tests_never_read_the_developers_git_config(isolated_git_config, tmp_path):
    """Every git (and so b4) config value the tests see comes from the isolated file."""
    out = subprocess.run(["git", "config", "--list", "--show-scope", "--show-origin"], cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout
    scopes = {line.split("\t")[0] for line in out.splitlines()}
    assert scopes <= {"global"}, out
    assert all(f"file:{isolated_git_config}" in line for line in out.splitlines()), out


def test_server_error_is_a_one_line_error(tmp_path):
    """A public-inbox that answers 503 (overloaded lore) is not 'no such message'."""
    import http.server
    import threading

    class Busy(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_error(503, "busy")

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/lkml"
        line = run("review", "--midmask", f"{url}/%s", "abc@example.org", cwd=tmp_path).one_line_error()
    finally:
        server.shutdown()
        server.server_close()
    assert line == f"reviewbot: abc@example.org: {url} answered HTTP 503"
