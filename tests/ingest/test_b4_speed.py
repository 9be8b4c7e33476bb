"""The load-path shortcuts of reviewbot.ingest.b4 and .b4compat change nothing but the time taken.

- dkim and patatt (b4's attestation stack) are deferred modules: not executed by `import b4`,
  working at first use;
- every message's headers are parsed once (ingest.headers.ParsedOnce), giving the same header objects;
- b4's trailer scan is skipped for bodies with a diff (_find_trailers), and only there.
The Series built from real list traffic (replies, trailers, revisions, a reply carrying a
diff) are compared with and without each shortcut.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import b4
import pytest

from reviewbot.errors import InputError
from reviewbot.ingest import b4 as b4src
from reviewbot.ingest import b4compat
from reviewbot.ingest import headers
from tests.conftest import DATA

ROOT = Path(__file__).resolve().parents[2]
LORE_SAMPLE = ROOT.parent / "shared/corpus/lore-sample/threads.mbox"
MAX5970 = DATA / "ingest/lore/max5970-v1.mbox"

DIFF_BODY = """Fix it.

Signed-off-by: A Developer <dev@example.org>
---
 drivers/x.c | 1 +
 1 file changed, 1 insertion(+)

diff --git a/drivers/x.c b/drivers/x.c
--- a/drivers/x.c
+++ b/drivers/x.c
@@ -1,1 +1,2 @@
 int x;
+Reviewed-by: Not A Trailer <in@diff.example>
"""
FOLLOWUP_BODY = """On Mon, A Developer wrote:
> Fix it.

Reviewed-by: Some Reviewer <rev@example.org>
Link: https://lore.kernel.org/r/123@example.org
"""


@pytest.fixture(scope="module")
def lore_sample() -> bytes:
    if not LORE_SAMPLE.is_file():
        pytest.skip(f"{LORE_SAMPLE} is missing (../shared beside the checkout)")
    return LORE_SAMPLE.read_bytes()


def _load(data: bytes) -> list:
    errors: list[InputError] = []
    return [repr(s) for s in b4src.series_from_mbox_bytes(data, "sample", None, errors)] + \
        [str(e) for e in errors]


def test_import_b4_leaves_attestation_modules_unexecuted_until_used():
    code = """
import sys
import reviewbot.ingest.b4
assert type(sys.modules["dkim"]).__name__ == "_Deferred", type(sys.modules["dkim"])
assert "dns" not in sys.modules and "nacl" not in sys.modules
import dkim, patatt                          # an import statement does not load them either
assert "dns" not in sys.modules
from dkim import verify                      # first use: the real module, complete
assert callable(verify) and "dns.resolver" in sys.modules and type(dkim).__name__ == "module"
assert patatt.RES_VALID == 0 and type(patatt).__name__ == "module"
try:
    dkim.no_such_name
except AttributeError:
    pass
else:
    raise SystemExit("a missing name must stay an AttributeError")
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_headers_parsed_once_are_the_same_headers():
    data = MAX5970.read_bytes()
    plain = b4.mailsplit_bytes(data)
    fast = b4.mailsplit_bytes(data)
    headers.parse_headers_once(fast)
    factory = fast[0].policy.header_factory
    assert isinstance(factory, headers.ParsedOnce)
    for a, b in zip(plain, fast):
        for (name, value), (name2, value2) in zip(a.items(), b.items()):
            assert (name, str(value), value.defects) == (name2, str(value2), value2.defects)
            assert type(value).__mro__[1:] == type(value2).__mro__[1:]  # same header class
        assert b.get("From").addresses == a.get("From").addresses
        assert b.get("Message-Id") is b.get("Message-Id")  # the second get is the first object
    assert len(factory.parsed) < sum(len(m) for m in fast) * 2
    with pytest.raises(ValueError, match="at most 1"):  # header_max_count goes through the cache
        fast[0]["Subject"] = "second subject"


def test_trailer_scan_is_skipped_only_for_bodies_with_a_diff():
    assert b4.LoreMessage.find_trailers is b4compat._find_trailers  # installed on b4 0.16
    assert b4compat._find_trailers(DIFF_BODY, followup=True) == ([], [])
    original = b4compat._B4_FIND_TRAILERS
    with_diff, _ = original(DIFF_BODY, followup=False)
    assert [t.name for t in b4compat._find_trailers(DIFF_BODY)[0]] == [t.name for t in with_diff]
    ours, theirs = b4compat._find_trailers(FOLLOWUP_BODY, followup=True), original(FOLLOWUP_BODY, followup=True)
    assert [(t.name, t.value) for t in ours[0]] == [(t.name, t.value) for t in theirs[0]]
    assert [t.name for t in ours[0]] == ["Reviewed-by", "Link"]


def test_a_followup_without_re_still_becomes_a_reply():
    """The one decision b4 makes from trailers: a diff-less message with References and a
    trailer is a reply even without 'Re:' (b4 0.16 LoreMessage.__init__)."""
    msg = b4.mailsplit_bytes(
        b"From x Thu Jan  1 00:00:00 1970\nFrom: Some Reviewer <rev@example.org>\n"
        b"Subject: [PATCH] x: fix it\nMessage-Id: <f@example.org>\nReferences: <p@example.org>\n"
        b"In-Reply-To: <p@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\n" + FOLLOWUP_BODY.encode())[0]
    lmsg = b4.LoreMessage(msg)
    assert lmsg.reply and not lmsg.has_diff and [t.name for t in lmsg.trailers] == ["Reviewed-by", "Link"]


def _mail(msgid: str, subject: str, body: str, *refs: str) -> bytes:
    head = f"From x Thu Jan  1 00:00:00 1970\nFrom: A Developer <dev@example.org>\nSubject: {subject}\n" \
           f"Message-Id: <{msgid}>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
    if refs:
        head += f"References: {' '.join(f'<{r}>' for r in refs)}\nIn-Reply-To: <{refs[-1]}>\n"
    return (head + "\n" + body + "\n").encode()


# A v2 whose cover letter answers v1 and carries an Acked-by: b4 takes it for a reply (no
# cover letter), which only the trailer scan of a diff-less body decides.
TRAILER_THREAD = (_mail("v1@example.org", "[PATCH] x: fix it", DIFF_BODY)
                  + _mail("c2@example.org", "[PATCH v2 0/1] x: fix it", "Changes in v2: none.\n\n"
                          "Acked-by: Some Maintainer <m@example.org>\n", "v1@example.org")
                  + _mail("p2@example.org", "[PATCH v2 1/1] x: fix it", DIFF_BODY, "v1@example.org",
                        "c2@example.org"))


def test_series_are_the_same_without_the_shortcuts(lore_sample, monkeypatch):
    data = lore_sample + TRAILER_THREAD
    fast = _load(data)
    assert len(fast) > 40
    monkeypatch.setattr(b4.LoreMessage, "find_trailers", staticmethod(lambda body, followup=False: ([], [])))
    assert _load(data) != fast  # the comparison below can see a wrong trailer shortcut
    monkeypatch.setattr(b4.LoreMessage, "find_trailers", staticmethod(b4compat._B4_FIND_TRAILERS))
    monkeypatch.setattr(headers, "parse_headers_once", lambda msgs: None)
    assert _load(data) == fast


def test_parsed_headers_are_dropped_once_the_series_are_built():
    msgs = b4src.split_mbox(MAX5970.read_bytes(), "x")
    factory = msgs[0].policy.header_factory
    assert isinstance(factory, headers.ParsedOnce) and factory.parsed  # split_mbox read Message-Id
    (series,) = b4src.series_from_messages(msgs, "x")
    assert series.patches and factory.parsed == {}
    assert msgs[0]["Subject"] == msgs[0]["Subject"]  # still readable (parsed afresh)


_OTHER_VERSION = """
import logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(name)s: %(message)s")
from reviewbot.ingest import b4compat
b4compat.SUPPORTED = "0.99."  # as if the installed b4 were not the one the speed-ups were written for
import reviewbot.ingest.b4 as b4src
import b4
print("deferred:", "dkim" in sys.modules and type(sys.modules["dkim"]).__name__ == "_Deferred")
print("patched:", b4.LoreMessage.find_trailers is b4compat._find_trailers
      or b4.LoreMessage.get_payload is b4compat._get_payload)
lmbx = b4.LoreMailbox()
for msg in b4src.split_mbox(open(sys.argv[1], "rb").read(), "x"):
    lmbx.add_message(msg)
b4compat.skip_patch_ids(lmbx)
print("patch-ids:", [m._git_patch_id for m in lmbx.msgid_map.values() if hasattr(m, "_git_patch_id")][:1])
(series,) = b4src.series_from_mbox_bytes(open(sys.argv[1], "rb").read(), "x")
print("series:", len(series.patches), series.complete)
"""


def test_another_b4_version_is_left_alone():
    """The version guard: for a b4 other than 0.16.x, install() defers and patches nothing
    (one log line says so) and a series still loads."""
    proc = subprocess.run([sys.executable, "-c", _OTHER_VERSION, str(MAX5970)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "reviewbot.ingest.b4compat: b4 0.16.0 is not b4 0.99.x: its speed-ups are not applied, b4 is used " \
           "as it is" in lines, lines
    assert "deferred: False" in lines and "patched: False" in lines and "patch-ids: [None]" in lines, lines
    assert any(ln.startswith("series: ") and ln.endswith(" True") and ln != "series: 0 True" for ln in lines), lines


def test_b4_016_is_patched():
    assert b4compat.applies(b4.__VERSION__) and not b4compat.applies("0.17.0") and not b4compat.applies(None)
    assert b4.LoreMessage.get_payload is b4compat._get_payload
