"""Sending for real: an aiosmtpd server on 127.0.0.1 acting as the list (it hands each mail to
public-inbox-mda), b4 reading the thread back from public-inbox-httpd, a refusing relay, and
`kill -9` of `reviewbot watch` at the record/send points (every reply exactly once)."""

from __future__ import annotations

import email
import mailbox
import os
import shutil
import subprocess
import sys
from pathlib import Path

from reviewbot.watch import tables as T
from reviewbot.watch.outbox import backoff
from tests.watch.conftest import rows
from tests.watch.mails import foo_diff, patch_mail, zram_mail

PIN = "if (!try_module_get(THIS_MODULE))"
B4 = shutil.which("b4", path=str(Path(sys.executable).parent)) or shutil.which("b4")


def b4(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([B4, "--no-stdin", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_reply_sent_to_list_is_threaded_and_b4_am_ignores_its_tags(list_server, make_follower, tmp_path):
    pi = list_server.inbox
    pi.deliver(zram_mail("zram-1@example.org"), "zram-1@example.org")
    fw = make_follower(pi.inboxdir, smtp=list_server.smtp)
    st = fw.run_once()
    assert (st.series, st.replies, st.sent, st.written) == (1, 1, 1, 0)
    ((rcpts, raw),) = list_server.messages
    reply_id = email.message_from_bytes(raw)["Message-ID"].strip("<>")
    assert set(rcpts) == {"mcgrof@kernel.org", "testlist@example.org"}
    assert reply_id in pi.stored()  # it landed in the archive
    # the next walk meets our own reply in the archive: never replied to, nothing sent again
    st = make_follower(pi.inboxdir, smtp=list_server.smtp).run_once()
    assert (st.messages, st.series, st.sent) == (1, 0, 0)
    assert {r.kind for r in rows(fw, T.seen, msgid=reply_id)} == {"own"}
    assert [r.status for r in rows(fw, T.outbox)] == ["sent"]

    # b4 fetches the thread from the archive over HTTP: the reply sits under the patch
    pi.serve()
    try:
        work = tmp_path / "b4"
        work.mkdir()
        res = b4("-c", f"b4.midmask={pi.midmask}", "mbox", "-o", str(work), "zram-1@example.org", cwd=work)
        assert res.returncode == 0, res.stderr
    finally:
        pi.stop()
    (mbx,) = work.glob("*.mbx")
    thread = {m["Message-ID"].strip().strip("<>"): m for m in mailbox.mbox(mbx)}
    assert set(thread) == {"zram-1@example.org", reply_id}
    assert thread[reply_id]["In-Reply-To"].strip() == "<zram-1@example.org>"

    # `b4 am` of the thread takes no tag from our `| Reported-by:` lines ...
    res = b4("am", "-m", str(mbx), "-o", str(work / "am"), "zram-1@example.org", cwd=work)
    assert res.returncode == 0, res.stderr
    applied = "".join(p.read_text() for p in (work / "am").glob("*.mbx"))
    assert "try_module_get(THIS_MODULE)" in applied and "Reported-by" not in applied
    # ... while the same reply with bare trailers would be applied to the patch (why the `| `)
    bare = mbx.read_text().replace("| Reported-by:", "Reported-by:").replace("| Closes:", "Closes:")
    (work / "bare.mbx").write_text(bare)
    res = b4("am", "-m", str(work / "bare.mbx"), "-o", str(work / "bare"), "zram-1@example.org", cwd=work)
    assert "Reported-by: reviewbot" in "".join(p.read_text() for p in (work / "bare").glob("*.mbx"))


def test_refusing_relay_keeps_the_reply_and_retries_with_backoff(smtp_sink, make_follower, tmp_path, clock):
    from tests.watch.mails import Epoch

    Epoch(tmp_path / "inbox").add(zram_mail("zram-2@example.org"), clock.t)
    smtp_sink.refuse = "451 4.3.0 try again later"
    fw = make_follower(tmp_path / "inbox", smtp=smtp_sink.smtp)
    st = fw.run_once()
    assert (st.replies, st.sent, st.failed) == (1, 0, 1)
    (row,) = rows(fw, T.outbox)
    assert (row.status, row.attempts, row.not_before) == ("queued", 1, clock.t + backoff(1))
    assert "451" in row.last_error
    smtp_sink.refuse = None
    assert make_follower(tmp_path / "inbox", smtp=smtp_sink.smtp).run_once().deferred == 1  # backing off
    clock.t += backoff(1)
    assert make_follower(tmp_path / "inbox", smtp=smtp_sink.smtp).run_once().sent == 1
    assert smtp_sink.msgids() == [row.msgid]


def test_kill_9_at_each_point_then_restart_sends_every_reply_exactly_once(list_server, tmp_path):
    """One inbox, one database, the process killed (SIGKILL) at each point in turn, then a
    clean run and an idle run: three series reviewed once, three replies sent once each."""
    pi = list_server.inbox
    pi.deliver(zram_mail("crash-1@example.org"), "crash-1@example.org")
    for i in (2, 3):
        pi.deliver(patch_mail(f"crash-{i}@example.org", f"[PATCH] foo: pin {i}", foo_diff([PIN, "\treturn -ENODEV;"])),
                   f"crash-{i}@example.org")
    cfg = tmp_path / "reviewbot.toml"
    cfg.write_text(f'[watch]\nfrom = "reviewbot <bot@reviewbot.example>"\n'
                   f'[smtp]\nhost = "127.0.0.1"\nport = {list_server.smtp.port}\n'
                   f'[lists.testlist]\ninbox = "{pi.inboxdir}"\naddress = "testlist@example.org"\nsend = true\n')
    cmd = [sys.executable, "-m", "reviewbot.cli", "watch", "--once", "--config", str(cfg),
           "--db", str(tmp_path / "state.db")]
    env = dict(os.environ, REVIEWBOT_DATA_DIR=str(tmp_path / "data"))
    sent_before = []
    for point in ("mid-walk", "after-record", "mid-send"):
        crashed = subprocess.run(cmd, env=dict(env, REVIEWBOT_WATCH_CRASH_AT=point), capture_output=True, timeout=120)
        assert crashed.returncode == -9, (point, crashed.stderr)
        sent_before.append(len(list_server.messages))
    assert sent_before == [0, 0, 1]  # the kill mid-send came after the relay accepted one reply
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "confirmed 1" in res.stdout and "sent 2" in res.stdout, res.stdout  # the first found in the archive
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "series" not in res.stdout and "sent" not in res.stdout, res.stdout
    sent = list_server.msgids()
    assert len(sent) == 3 and len(set(sent)) == 3  # three replies, each exactly once
    replied_to = sorted(email.message_from_bytes(raw)["In-Reply-To"] for _, raw in list_server.messages)
    assert replied_to == [f"<crash-{i}@example.org>" for i in (1, 2, 3)]
    assert {s.strip("<>") for s in sent} <= pi.stored()
