"""The output contracts of docs/design.md: JSON (exact keys and types), exit status, text shape,
`reviewbot rules` and `reviewbot explain`."""

from __future__ import annotations

import json
import re

import pytest

from reviewbot.registry import all_rules
from tests.cli.clirun import ROOT, run
from tests.conftest import DATA

EXAMPLE = ROOT / "examples" / "zram-sysfs-self-pin.patch"
ZRAM_LINES = [1725, 1794, 2055, 2091]
SUBJECT = "zram: fix races of sysfs attribute removal and usage"
MSGID = "20210306022035.11266-3-mcgrof@kernel.org"
LOW_ONLY = """\
From: Ann Author <ann@example.org>
Subject: [PATCH] crypto: hand a module reference to the probe thread
Message-Id: <low-only@example.org>

Signed-off-by: Ann Author <ann@example.org>
---
diff --git a/crypto/algboss.c b/crypto/algboss.c
--- a/crypto/algboss.c
+++ b/crypto/algboss.c
@@ -10,3 +10,6 @@ static int cryptomgr_schedule_probe(struct crypto_larval *larval)
 {
+\tif (!try_module_get(THIS_MODULE))
+\t\tgoto err;
+\tthread = kthread_run(cryptomgr_probe, param, "cryptomgr_probe");
 \treturn NOTIFY_STOP;
 }
"""

SERIES_KEYS = {"subject": str, "msgid": (str, type(None)), "revision": int, "base": (str, type(None)),
               "context": str}
FINDING_KEYS = {"rule": str, "slug": str, "level": str, "confidence": str, "path": str, "line": int,
                "side": str, "message": str, "patch": dict, "fingerprint": str}
PATCH_KEYS = {"index": int, "msgid": (str, type(None)), "subject": str}


def check_contract(doc: dict) -> None:
    """docs/design.md JSON, version 1.  `suppressed` (suppression) is the one optional key."""
    assert set(doc) - {"suppressed"} == {"version", "series", "findings", "notes"}
    assert doc["version"] == 1
    _keys(doc["series"], SERIES_KEYS)
    assert doc["series"]["context"] in ("tree", "hunks")
    assert isinstance(doc["notes"], list) and all(isinstance(n, str) for n in doc["notes"])
    for f in doc["findings"] + doc.get("suppressed", []):
        extra = {"reason"} if f in doc.get("suppressed", []) else set()
        _keys({k: v for k, v in f.items() if k not in extra}, FINDING_KEYS)
        _keys(f["patch"], PATCH_KEYS)
        assert re.fullmatch(r"[A-Z]{2,5}\d{3}", f["rule"])
        assert f["level"] in ("error", "warning", "check")
        assert f["confidence"] in ("high", "medium", "low")
        assert f["side"] in ("new", "old")
        assert re.fullmatch(r"[0-9a-f]{16}", f["fingerprint"])
        assert "\n" not in f["message"] and str(f["line"]) not in f["message"].split()


def _keys(obj: dict, spec: dict) -> None:
    assert set(obj) == set(spec), (sorted(obj), sorted(spec))
    for k, t in spec.items():
        assert isinstance(obj[k], t) and not isinstance(obj[k], bool), (k, obj[k])


def test_json_contract_on_a_real_patch():
    res = run("review", "--format", "json", str(EXAMPLE))
    assert res.rc == 1
    doc = res.json()
    check_contract(doc)
    assert doc["series"] == {"subject": SUBJECT, "msgid": MSGID, "revision": 1, "base": None, "context": "hunks"}
    mod001 = [f for f in doc["findings"] if f["rule"] == "MOD001"]
    assert [f["line"] for f in mod001] == ZRAM_LINES
    assert {(f["slug"], f["level"], f["confidence"], f["path"], f["side"]) for f in mod001} == {
        ("module-self-pin", "warning", "high", "drivers/block/zram/zram_drv.c", "new")}
    assert mod001[0]["patch"]["index"] == 2 and mod001[0]["patch"]["subject"].startswith("[PATCH 2/2]")
    assert "series incomplete: patch(es) 1 of 2 missing" in doc["notes"]


def test_json_is_deterministic_and_fingerprints_ignore_line_numbers(tmp_path):
    first = run("review", "--format", "json", str(EXAMPLE)).out
    assert run("review", "--format", "json", str(EXAMPLE)).out == first
    # the same patch applied 40 lines further down: same fingerprints, other lines
    shifted = re.sub(r"^@@ -(\d+),(\d+) \+(\d+),(\d+) @@",
                     lambda m: f"@@ -{int(m[1]) + 40},{m[2]} +{int(m[3]) + 40},{m[4]} @@",
                     EXAMPLE.read_text(), flags=re.M)
    (tmp_path / "shifted.patch").write_text(shifted)
    moved = run("review", "--format", "json", str(tmp_path / "shifted.patch")).json()
    orig = run("review", "--format", "json", str(EXAMPLE)).json()
    assert [f["fingerprint"] for f in moved["findings"]] == [f["fingerprint"] for f in orig["findings"]]
    assert [f["line"] - 40 for f in moved["findings"]] == [f["line"] for f in orig["findings"]]


def test_exit_status_0_without_findings():
    res = run("review", "--format", "json", str(DATA / "ingest/qp-noise-110.eml"))
    assert res.rc == 0 and res.err == ""
    doc = res.json()
    check_contract(doc)
    assert doc["findings"] == []


def test_low_confidence_is_shown_only_with_all(tmp_path):
    path = tmp_path / "low.patch"
    path.write_text(LOW_ONLY.replace("\\t", "\t"))
    default = run("review", "--format", "json", "--select", "MOD001", str(path))
    assert default.rc == 0 and default.json()["findings"] == []
    everything = run("review", "--format", "json", "--select", "MOD001", "--all", str(path))
    assert everything.rc == 1
    doc = everything.json()
    check_contract(doc)
    assert [(f["rule"], f["line"], f["confidence"]) for f in doc["findings"]] == [("MOD001", 11, "low")]


PATCH_LINES = (112, 138, 156, 177)  # lines of examples/zram-sysfs-self-pin.patch with the flagged +line


def test_text_output_has_checkpatch_shape():
    """#NNN is the line of the patch file (checkpatch's meaning), not the patch's index."""
    res = run("review", str(EXAMPLE))
    assert res.rc == 1
    out = res.out
    patch_text = EXAMPLE.read_text().splitlines()
    for line, no in zip(ZRAM_LINES, PATCH_LINES):
        assert (f"WARNING:MOD001 module-self-pin: try_module_get(THIS_MODULE) pins the module from its own code\n"
                f"#{no}: FILE: drivers/block/zram/zram_drv.c:{line}:\n"
                f"+\tif (!try_module_get(THIS_MODULE))\n") in out
        assert patch_text[no - 1] == "+\tif (!try_module_get(THIS_MODULE))"
    assert re.search(r"^total: \d+ errors, \d+ warnings, \d+ checks, 1 patch \(hunks context\)$", out, re.M)
    assert "NOTE: series incomplete: patch(es) 1 of 2 missing" in out


def test_text_explains_only_with_verbose_and_never_in_markdown():
    out = run("review", str(EXAMPLE)).out
    assert "What it does" not in out and len(out.splitlines()) < 30
    # by default: one line of why and the rule's link, once per rule
    assert out.count("\nMOD001 module-self-pin: A module can only pin itself safely if something else "
                     "already holds a reference\n") == 1
    verbose = run("review", "-v", str(EXAMPLE)).out
    assert verbose.count("MOD001 module-self-pin (WARNING):") == 1  # the explanation once per rule
    assert "\nWhat it does\n" in verbose and "\nWhy is this bad?\n" in verbose
    for out in (out, verbose):
        assert "```" not in out and "## " not in out and not re.search(r"`\w", out)


def test_text_quiet_drops_the_explanations():
    out = run("review", "-q", str(EXAMPLE)).out
    assert "WARNING:MOD001" in out and "What it does" not in out and "can only pin itself" not in out


def test_rules_lists_every_rule():
    res = run("rules")
    assert res.rc == 0
    lines = res.out.splitlines()
    rules = all_rules()
    assert len(lines) == len(rules)
    for line, rule in zip(lines, rules):
        assert line.split()[:3] == [rule.id, rule.slug, rule.level.value]
        assert line.endswith(rule.doc.summary)


@pytest.mark.parametrize("name", ["MOD001", "mod001", "module-self-pin"])
def test_explain_by_id_or_slug(name):
    res = run("explain", name)
    assert res.rc == 0
    out = res.out
    assert out.startswith("MOD001 module-self-pin (WARNING): A module takes a reference on itself")
    for section in ("What it does", "Why is this bad?", "Example", "Use instead", "Known problems", "References"):
        assert f"\n{section}\n" in out
    assert "```" not in out and "\n    \tif (!try_module_get(THIS_MODULE))" in out and "c55b2b983b0f" in out
    md = run("explain", "--markdown", name).out
    assert "\n## What it does\n" in md and "```c\n" in md


def test_every_rule_explains():
    for rule in all_rules():
        res = run("explain", rule.id)
        assert res.rc == 0 and res.out.startswith(f"{rule.id} {rule.slug} ({rule.level.value})")


def test_diff_mode_chooses_the_lines_whose_findings_are_shown():
    """MOD003 on at_hdmac: both findings sit on removed lines (the puts the patch drops)."""
    case = str(DATA / "checks" / "get-without-put-on-exit" / "at-hdmac-xlate-put-device.patch")
    default = run("review", "--format", "json", case)
    assert default.rc == 1 and [(f["line"], f["side"]) for f in default.json()["findings"]] == [
        (1661, "old"), (1693, "old")]
    assert run("review", "--format", "json", "--diff-mode", "changed", case).out == default.out
    added = run("review", "--diff-mode", "added", case)
    assert added.rc == 0 and "MOD003" not in added.out
    err = run("review", "--diff-mode", "file", case).one_line_error()
    assert "--diff-mode" in err and "diff_context" in err


def test_b4_check_takes_the_same_diff_mode():
    """b4's per-patch check lists what `review --diff-mode` would show: at_hdmac's two findings
    sit on removed lines, so `--diff-mode added` passes the patch."""
    case = (DATA / "checks" / "get-without-put-on-exit" / "at-hdmac-xlate-put-device.patch").read_bytes()
    default = run("b4-check", stdin=case)
    assert default.rc == 1 and json.loads(default.out)[0]["status"] == "warn"
    assert run("b4-check", "--diff-mode", "changed", stdin=case).out == default.out
    added = run("b4-check", "--diff-mode", "added", stdin=case)
    assert added.rc == 0 and json.loads(added.out)[0]["status"] == "pass"
    assert run("b4-check", "--lines", "--diff-mode", "added", stdin=case).out == ""
