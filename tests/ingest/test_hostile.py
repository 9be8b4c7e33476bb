"""Hostile mail through `review` and `b4-check`: bare-CR line ends, huge hunk counts, hunks at
absurd line numbers, RFC 6532 addresses, and the time budget.  The outcome is asserted (exit
status, one line on stderr, findings), never how long it took."""

from __future__ import annotations

import json
import re

from reviewbot import budget
from reviewbot.ingest import b4 as b4src
from reviewbot.ingest import b4compat
from reviewbot.ingest import headers
from tests.cli.clirun import comparable, run, run_console
from tests.conftest import DATA

ZRAM = (DATA / "ingest/fuzz/zram-sysfs-self-pin.patch").read_bytes()


def _with_from(data: bytes, sender: str) -> bytes:
    return re.sub(rb"^From: .*$", b"From: " + sender.encode(), data, count=1, flags=re.M)


def test_bare_cr_line_ends_review_like_lf(tmp_path):
    lf = tmp_path / "lf.patch"
    cr = tmp_path / "cr.patch"
    lf.write_bytes(ZRAM)
    cr.write_bytes(ZRAM.replace(b"\n", b"\r"))
    want = run("review", "--format", "json", str(lf))
    got = run("review", "--format", "json", str(cr))
    assert want.rc == got.rc == 1, got.err
    assert comparable(got.json()) == comparable(want.json())
    assert comparable(want.json())


def test_bare_cr_body_only_through_b4_check():
    head, body = ZRAM.split(b"\n\n", 1)
    res = run("b4-check", stdin=head + b"\n\n" + body.replace(b"\n", b"\r"))
    assert res.rc == 1, res.err
    (row,) = json.loads(res.out)
    assert row["status"] == "warn" and "MOD001" in row["summary"]


def test_bare_cr_in_a_base64_body_is_normalised():
    import base64

    head, body = ZRAM.split(b"\n\n", 1)
    mail = (head + b"\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
            b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(body.replace(b"\n", b"\r")))
    (series,) = b4src.series_from_mbox_bytes(mail, "b64.eml")
    assert series.patches[0].files and "\r" not in series.patches[0].diff


def test_trailer_search_never_sees_a_long_line():
    long_line = "Fixes: " + "a #" * 5000
    text = b4compat._trailer_text("Signed-off-by: A <a@example.org>\r" + long_line + "\n")
    assert text.split("\n")[0] == "Signed-off-by: A <a@example.org>"
    assert max(len(ln) for ln in text.split("\n")) <= budget.MAX_TRAILER_LINE


def _many_hunks(n: int) -> bytes:
    lines = ["From: A <a@example.org>", "Subject: [PATCH] x: many hunks", "Message-Id: <many@example.org>", "",
             "msg", "", "Signed-off-by: A <a@example.org>", "---", "diff --git a/drivers/x.c b/drivers/x.c",
             "--- a/drivers/x.c", "+++ b/drivers/x.c"]
    for i in range(n):
        lines += [f"@@ -{i * 5 + 1},0 +{i * 5 + 1},1 @@ static int f{i}(struct device *dev)",
                  "+\tif (!try_module_get(THIS_MODULE))"]
    return ("\n".join(lines) + "\n").encode()


def test_too_many_hunks_is_a_one_line_error(tmp_path):
    p = tmp_path / "huge.patch"
    p.write_bytes(_many_hunks(budget.MAX_HUNKS + 1))
    line = run("review", str(p)).one_line_error()
    assert f"{budget.MAX_HUNKS + 1} hunks in one patch (limit {budget.MAX_HUNKS})" in line
    res = run("b4-check", stdin=p.read_bytes())
    assert res.rc == 2 and json.loads(res.out)[0]["status"] == "fail"


def test_the_size_limits_can_be_lifted_from_the_environment(tmp_path, monkeypatch):
    """REVIEWBOT_MAX_HUNKS / REVIEWBOT_MAX_MAIL_BYTES (0: none): what benchmarks/run.py sets
    to review a patch of 100,000 hunks; a number sets another limit."""
    p = tmp_path / "huge.patch"
    p.write_bytes(_many_hunks(budget.MAX_HUNKS + 1))
    monkeypatch.setenv("REVIEWBOT_MAX_HUNKS", "0")
    res = run("review", "--format", "json", str(p))
    assert res.rc == 1 and json.loads(res.out)["findings"]  # reviewed: the self-pins are found
    monkeypatch.setenv("REVIEWBOT_MAX_HUNKS", "10")
    assert "hunks in one patch (limit 10)" in run("review", str(p)).one_line_error()
    monkeypatch.setenv("REVIEWBOT_MAX_MAIL_BYTES", "1000")
    monkeypatch.setenv("REVIEWBOT_MAX_HUNKS", "0")
    assert "(limit 1000)" in run("review", str(p)).one_line_error()


def test_many_hunks_within_the_budget_are_reviewed(tmp_path):
    p = tmp_path / "many.patch"
    p.write_bytes(_many_hunks(300))
    res = run("review", "--format", "json", str(p))
    assert res.rc == 1, res.err
    assert len(res.json()["findings"]) == 300


def test_hunk_at_an_absurd_line_number_is_reviewed(tmp_path):
    shifted = re.sub(rb"^@@ -(\d+),(\d+) \+(\d+),(\d+) @@",
                     lambda m: b"@@ -%d,%s +%d,%s @@" % (int(m.group(1)) + 900_000_000, m.group(2),
                                                         int(m.group(3)) + 900_000_000, m.group(4)),
                     ZRAM, flags=re.M)
    p = tmp_path / "far.patch"
    p.write_bytes(shifted)
    res = run("review", "--format", "json", str(p))
    assert res.rc == 1, res.err
    assert {f["line"] for f in res.json()["findings"]} == {1725 + 900_000_000, 1794 + 900_000_000,
                                                           2055 + 900_000_000, 2091 + 900_000_000}


def test_time_budget_ends_with_a_one_line_error(tmp_path):
    p = tmp_path / "many.patch"
    p.write_bytes(_many_hunks(2000))
    res = run_console("review", str(p), env={"REVIEWBOT_TIME_BUDGET": "0.01"})
    line = res.one_line_error()
    assert "gave up after 0.01 s" in line and "REVIEWBOT_TIME_BUDGET" in line
    res = run_console("b4-check", stdin=p.read_bytes(), env={"REVIEWBOT_TIME_BUDGET": "0.01"})
    assert res.rc == 2 and "Traceback" not in res.err
    assert json.loads(res.out)[0]["summary"].startswith("cannot review: gave up after 0.01 s")


def test_non_ascii_local_part_review_and_b4_check(tmp_path):
    p = tmp_path / "utf8.patch"
    p.write_bytes(_with_from(ZRAM, "Ann <änn@example.org>"))
    (series,) = b4src.series_from_mbox_bytes(p.read_bytes(), str(p))
    assert series.patches[0].author == "Ann <änn@example.org>"
    res = run("review", str(p))
    assert res.rc == 1 and "Traceback" not in res.err
    res = run("b4-check", stdin=p.read_bytes())
    assert res.rc == 1 and json.loads(res.out)[0]["status"] == "warn"


def test_format_address():
    assert headers.format_address("Ann", "änn@example.org") == "Ann <änn@example.org>"
    assert headers.format_address("Doe, Ann", "änn@example.org") == '"Doe, Ann" <änn@example.org>'
    assert headers.format_address("", "änn@example.org") == "änn@example.org"
    assert headers.format_address("Ann\r\nBcc: x@evil.example", "a@example.org") == \
        '"Ann?Bcc: x@evil.example" <a@example.org>'.replace("?", " ")


def test_parse_budget_makes_a_fragment_unparsable_not_slow(monkeypatch):
    from reviewbot.analysis import cmodel

    monkeypatch.setattr(cmodel, "PARSE_SECONDS", 0.0)
    cmodel.parse.cache_clear()
    try:
        cf = cmodel.parse("int f(void) { return 1; }\n" * 2000)
    finally:
        cmodel.parse.cache_clear()
    assert cf.error == "parse gave up after 0 s of CPU" and not cf.functions
    monkeypatch.setattr(cmodel, "PARSE_SECONDS", 5.0)
    assert len(cmodel.parse("int f(void) { return 1; }\n" * 3).functions) == 3  # the parser was reset


def test_fragment_spanning_absurd_gaps_is_not_parsed():
    from reviewbot.analysis import cmodel

    cf = cmodel.parse_fragment([(10, "\tfoo();"), (10 + cmodel.MAX_FRAGMENT_LINES + 1, "\tbar();")])
    assert cf.error and cf.error.startswith("fragment spans") and not cf.functions


def test_mime_nested_too_deep_and_a_huge_mail_are_one_line_errors(tmp_path):
    head, body = ZRAM.split(b"\n\n", 1)
    inner = b"Content-Type: text/plain\n\n" + body
    for d in range(budget.MAX_MIME_DEPTH + 5):
        inner = b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (d, d) + inner + b"\n--b%d--\n" % d
    p = tmp_path / "deep.eml"
    p.write_bytes(head + b"\nMIME-Version: 1.0\n" + inner)
    assert "MIME parts nested deeper than" in run("review", str(p)).one_line_error()
    assert run("b4-check", stdin=p.read_bytes()).rc == 2
    p.write_bytes(ZRAM + b"+" + b"a" * budget.MAX_MESSAGE_BYTES + b"\n")
    assert "too large to review: a mail of" in run("review", str(p)).one_line_error()
