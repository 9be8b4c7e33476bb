"""Hostile list mail: a patch copied to 500 addresses, an encoded CR/LF in From, an RFC 6532
address, and the recipient-counting rate limit.  Nothing amplifies, nothing disappears."""

from __future__ import annotations

import email
import email.policy
import json
import logging

from reviewbot.watch import tables as T
from tests.watch.conftest import rows
from tests.watch.mails import Epoch, patch_mail, zram_mail

MANY = [f"dev{i}@example.net" for i in range(500)]


def _with_cc(raw: bytes, addrs: list[str]) -> bytes:
    head, _, body = raw.partition(b"\n\n")
    return head + b"\nCc: " + ", ".join(addrs).encode() + b"\n\n" + body


def _written(tmp_path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted((tmp_path / "outbox").glob("*.eml"))]


def test_reply_to_a_patch_with_500_cc_is_capped(make_follower, tmp_path, clock, caplog):
    Epoch(tmp_path / "inbox").add(_with_cc(zram_mail("cc500@example.org"), MANY), clock.t)
    fw = make_follower(tmp_path / "inbox", max_copied=3)
    with caplog.at_level(logging.WARNING, logger="reviewbot.watch"):
        st = fw.run_once()
    assert (st.replies, st.written, st.dropped_recipients) == (1, 1, 497)
    (row,) = rows(fw, T.outbox)
    assert json.loads(row.recipients) == ["mcgrof@kernel.org", "testlist@example.org",
                                          "dev0@example.net", "dev1@example.net", "dev2@example.net"]
    (msg,) = _written(tmp_path)
    assert [a.addr_spec for a in msg["Cc"].addresses] == ["testlist@example.org", "dev0@example.net",
                                                          "dev1@example.net", "dev2@example.net"]
    assert any("497 address(es)" in r.getMessage() and "max_copied = 3" in r.getMessage() for r in caplog.records)


def test_default_cap_is_small(make_follower, tmp_path, clock):
    Epoch(tmp_path / "inbox").add(_with_cc(zram_mail("cc500d@example.org"), MANY), clock.t)
    fw = make_follower(tmp_path / "inbox")
    fw.run_once()
    (row,) = rows(fw, T.outbox)
    assert len(json.loads(row.recipients)) == 2 + fw.p.max_copied


def test_rate_limit_counts_recipients(make_follower, tmp_path, clock):
    ep = Epoch(tmp_path / "inbox")
    ep.add(_with_cc(zram_mail("rate-1@example.org"), MANY[:4]), clock.t)
    ep.add(_with_cc(zram_mail("rate-2@example.org", "[PATCH] zram: again"), MANY[4:8]), clock.t + 1)
    # each reply goes to 6 people: the second would make 12 in the hour
    fw = make_follower(tmp_path / "inbox", max_recipients_per_hour=10)
    st = fw.run_once()
    assert (st.replies, st.written, st.deferred) == (2, 1, 1)
    assert sorted(r.status for r in rows(fw, T.outbox)) == ["queued", "written"]
    clock.t += 3601  # an hour later the budget is free again
    st = make_follower(tmp_path / "inbox", max_recipients_per_hour=10).run_once()
    assert st.written == 1


def test_encoded_crlf_in_from_is_reviewed_and_cannot_inject(make_follower, tmp_path, clock):
    raw = zram_mail("crlf@example.org").replace(
        b"From: Luis Chamberlain <mcgrof@kernel.org>",
        b"From: =?utf-8?q?Luis=0D=0ABcc=3A_x=40evil=2Eexample?= <mcgrof@kernel.org>")
    assert b"=0D=0A" in raw
    Epoch(tmp_path / "inbox").add(raw, clock.t)
    fw = make_follower(tmp_path / "inbox")
    st = fw.run_once()
    assert (st.series, st.replies, st.written) == (1, 1, 1)
    (msg,) = _written(tmp_path)
    assert msg["Bcc"] is None
    assert [a.addr_spec for a in msg["To"].addresses] == ["mcgrof@kernel.org"]
    assert "evil" not in json.dumps([r.recipients for r in rows(fw, T.outbox)])


def test_every_skipped_mail_leaves_a_reason(make_follower, tmp_path, clock, caplog):
    ep = Epoch(tmp_path / "inbox")
    ep.add(patch_mail("q-1@example.org", "[PATCH] question without a diff", None), clock.t)
    ep.add(patch_mail("r-1@example.org", "Re: [PATCH] foo", None, refs=("q-1@example.org",)), clock.t + 1)
    ep.add(patch_mail("bot-1@example.org", "[PATCH] x", None, frm="lkp <lkp@intel.com>"), clock.t + 2)
    fw = make_follower(tmp_path / "inbox", ignore_senders=("lkp@intel.com",))
    with caplog.at_level(logging.INFO, logger="reviewbot.watch"):
        st = fw.run_once()
    assert st.skip_reasons == {"reply": 1, "ignored": 1, "no-patch": 1}
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "skipped <r-1@example.org>: a reply" in text
    assert "skipped <bot-1@example.org>: sender in ignore_senders" in text
    assert "skipped thread <q-1@example.org> (1 mail(s)): no patches found" in text


def test_rfc6532_author_gets_a_utf8_reply_over_smtputf8(make_follower, tmp_path, clock):
    from aiosmtpd.controller import Controller

    from reviewbot.watch.policy import Smtp
    from tests.lore import inbox as pi_inbox
    from tests.watch.conftest import Sink

    sink = Sink(None)
    port = pi_inbox.free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    ctl.start()
    try:
        raw = zram_mail("utf8@example.org").replace(b"From: Luis Chamberlain <mcgrof@kernel.org>",
                                                    "From: Änn <änn@example.org>".encode())
        Epoch(tmp_path / "inbox").add(raw, clock.t)
        fw = make_follower(tmp_path / "inbox", smtp=Smtp(host="127.0.0.1", port=port, timeout=10))
        st = fw.run_once()
        assert (st.replies, st.sent, st.errors) == (1, 1, 0)
    finally:
        ctl.stop()
    ((rcpts, data),) = sink.messages
    assert "änn@example.org" in rcpts
    msg = email.message_from_string(data.decode(), policy=email.policy.default)  # RFC 6532: UTF-8 headers
    assert [a.addr_spec for a in msg["To"].addresses] == ["änn@example.org"]
    assert "Änn <änn@example.org>".encode() in data  # UTF-8, not an encoded-word in the address


def test_recipient_settings_are_checked(tmp_path):
    import pytest

    from reviewbot.errors import InputError
    from reviewbot.watch.policy import list_policy

    p = list_policy("l", {"inbox": str(tmp_path), "max_copied": 2, "max_recipients_per_hour": 50}, {})
    assert (p.max_copied, p.max_recipients_per_hour) == (2, 50)
    assert list_policy("l", {"inbox": str(tmp_path)}, {}).max_copied == 8
    for bad in (-1, "many", 1.5, True):
        with pytest.raises(InputError, match="max_copied must be a whole number"):
            list_policy("l", {"inbox": str(tmp_path), "max_copied": bad}, {})
