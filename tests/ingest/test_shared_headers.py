"""The files of a directory are parsed with one header cache (b4src.mail_parser()): a header
value they share (the thread's In-Reply-To, a list's Cc) is parsed once for all of them, and
the series is the one each file parsed on its own gives."""

from __future__ import annotations

from reviewbot.ingest import b4 as b4src
from reviewbot.ingest import sources
from tests.helpers import DATA


def _series_file_by_file(directory):
    msgs = []
    for p in sorted(directory.glob("*.patch")):
        msgs += b4src.split_mbox(p.read_bytes(), str(p))  # a header cache per file
    return b4src.series_from_messages(msgs, str(directory))


def test_a_directory_is_the_series_its_files_give_one_by_one(tmp_path):
    d = DATA / "checks" / "device-ref-imbalance"
    assert repr(sources.load(str(d))) == repr(_series_file_by_file(d))


def test_one_header_object_for_a_value_the_files_share(tmp_path):
    mbox = (DATA / "ingest" / "lore" / "max5970-v1.mbox").read_bytes()
    mails = [m for m in mbox.split(b"\nFrom ") if m.strip()]
    assert len(mails) >= 3
    for i, m in enumerate(mails):
        (tmp_path / f"{i:04d}.patch").write_bytes(m if m.startswith(b"From ") else b"From " + m)
    msgs, _ = sources.read_local(str(tmp_path))
    ids = {}
    for msg in msgs:
        for name in ("Subject", "From", "Date"):
            ids.setdefault((name, str(msg[name])), set()).add(id(msg[name]))
    shared = [k for k in ids if sum(str(m[k[0]]) == k[1] for m in msgs) > 1]
    assert shared  # the series' mails share their author and date headers
    for key in shared:
        assert len(ids[key]) == 1, key  # parsed once: one object
    parses = {id(m.policy.header_factory) for m in msgs}
    assert len(parses) == 1
