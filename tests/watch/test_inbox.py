"""Against real archives: a public-inbox v2 inbox fed by public-inbox-mda (the scripting
contract through the CLI, public-inbox-purge), and the real linux-leds epoch of lore-sample
published in steps (no loss, no duplicates across restarts)."""

from __future__ import annotations

import email
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reviewbot.watch import tables as T
from tests.helpers import DATA
from tests.watch.conftest import rows
from tests.watch.mails import foo_diff, patch_mail, zram_mail

LORE = DATA / "lore-sample"  # real linux-leds traffic (README there)
PIN = "if (!try_module_get(THIS_MODULE))"


def reviewbot(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reviewbot.cli", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_scripting_contract_no_config(public_inbox, tmp_path, monkeypatch):
    monkeypatch.delenv("REVIEWBOT_CONFIG", raising=False)
    monkeypatch.setenv("REVIEWBOT_DATA_DIR", str(tmp_path / "data"))
    pi = public_inbox
    pi.deliver(zram_mail("zram-1@example.org"), "zram-1@example.org")
    pi.deliver(patch_mail("r-1@example.org", "Re: [PATCH] zram: fix races", None, refs=("zram-1@example.org",)),
               "r-1@example.org")
    pi.deliver(patch_mail("clean-1@example.org", "[PATCH] foo: count opens", foo_diff(["foo->n++;"])),
               "clean-1@example.org")
    out, dbf = tmp_path / "outbox", tmp_path / "state.db"
    args = ("watch", "--once", "--inbox", str(pi.inboxdir), "--dry-run-outbox", str(out), "--db", str(dbf))
    first = reviewbot(*args)
    assert first.returncode == 0, first.stderr
    assert re.search(r"messages 3, series 2, replies 1, written 1 \(dry-run", first.stdout), first.stdout
    (eml,) = out.glob("*.eml")
    msg = email.message_from_bytes(eml.read_bytes())
    assert msg["Subject"] == "Re: [PATCH] zram: fix races of sysfs attribute removal and usage"
    assert msg["In-Reply-To"] == msg["References"] == "<zram-1@example.org>"
    assert msg["To"] == "Luis Chamberlain <mcgrof@kernel.org>" and "testlist@example.org" in msg["Cc"]
    body = msg.get_payload()
    assert "| Reported-by: reviewbot <reviewbot@localhost>" in body
    assert f"| Closes: https://lore.kernel.org/r/{msg['Message-ID'].strip('<>')}/" in body
    assert not re.search(r"(?m)^(Reported-by|Closes|Reviewed-by|Signed-off-by):", body)  # b4 would apply those
    assert body.count("MOD001 module-self-pin: A module takes a reference") == 1  # once for its 4 findings
    assert "```" not in body and "## " not in body
    assert "> +\tif (!try_module_get(THIS_MODULE))\n>" in body
    assert "reviewbot-ignore: MOD001 -- <reason>" in body
    second = reviewbot(*args)
    assert second.returncode == 0 and "nothing new" in second.stdout, second.stdout
    assert [p.name for p in out.iterdir()] == [eml.name]


@pytest.mark.parametrize("bad, reason", [("missing", "no such directory"), ("plain", "not a public-inbox v2 inbox")])
def test_bad_inbox_is_one_line_exit_2(tmp_path, bad, reason, capsys):
    from reviewbot import cli

    (tmp_path / "plain").mkdir()
    assert cli.main(["watch", "--once", "--inbox", str(tmp_path / bad), "--db", str(tmp_path / "db")]) == 2
    err = capsys.readouterr().err
    assert reason in err and len(err.splitlines()) == 1


def test_purge_rewrites_history_replay_skips_seen(public_inbox, make_follower):
    pi = public_inbox
    mails = {f"m{i}@example.org": patch_mail(f"m{i}@example.org", f"[PATCH] foo: change {i}", foo_diff([f"x = {i};"]))
             for i in range(3)}
    for mid, raw in mails.items():
        pi.deliver(raw, mid)
    fw = make_follower(pi.inboxdir)
    assert (fw.run_once().messages, fw.stats.series) == (3, 3)
    env = dict(pi.env)
    res = subprocess.run(["public-inbox-purge", str(pi.inboxdir)], input=mails["m1@example.org"], env=env,
                         capture_output=True, timeout=60)
    assert res.returncode == 0, res.stderr
    pi.deliver(zram_mail("after-purge@example.org"), "after-purge@example.org")
    st = make_follower(pi.inboxdir).run_once()
    assert st.replays == 1  # the old cursor is no longer an ancestor of master
    assert (st.replayed, st.messages, st.duplicates) == (2, 1, 0)  # m0, m2 skipped; m1 is gone
    assert (st.series, st.replies) == (1, 1)
    assert sorted(j.root for j in rows(fw, T.jobs)) == sorted([*mails, "after-purge@example.org"])
    assert make_follower(pi.inboxdir).run_once().messages == 0


def _msgids(listing: Path) -> set[str]:
    return set(listing.read_text().split())


def test_lore_sample_published_in_steps_no_loss_no_duplicates(tmp_path, make_follower):
    full = tmp_path / "full.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(LORE / "epoch.bundle"), str(full)], check=True)
    order = subprocess.run(["git", "-C", str(full), "rev-list", "--reverse", "master"], check=True,
                           capture_output=True, text=True).stdout.split()
    assert len(order) == 450
    inbox = tmp_path / "linux-leds"
    watched = inbox / "git" / "0.git"
    subprocess.run(["git", "init", "-q", "--bare", str(watched)], check=True)
    jobs_seen = []
    for step in (100, 250, 250, 450):
        subprocess.run(["git", "-C", str(full), "push", "-q", str(watched), f"{order[step - 1]}:refs/heads/master"],
                       check=True, capture_output=True)
        fw = make_follower(inbox, select=("MOD001",))  # a restart between steps; one rule keeps it fast
        fw.run_once()
        jobs_seen.append(len(rows(fw, T.jobs)))
    seen = {r.msgid for r in rows(fw, T.seen)}
    assert seen == _msgids(LORE / "msgids.txt") and len(seen) == 450
    jobs = [(j.root, j.revision) for j in rows(fw, T.jobs)]
    assert len(jobs) == len(set(jobs)) and jobs_seen[1] == jobs_seen[2] <= jobs_seen[3]
    assert ("20240927-leds_device_for_each_child_node_scoped-v1-0-95c0614b38c8@gmail.com", 1) in jobs
    assert ("20241010-bcm63138-leds-v4-0-cdb80780a555@linaro.org", 4) in jobs
    assert {r.state for r in rows(fw, T.seen)} == {"done"}
