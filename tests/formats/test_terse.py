"""--terse / --emacs: checkpatch's line shapes, read by editors and by b4's checkpatch scraper."""

from __future__ import annotations

import email
import email.policy
import json
import re
import shlex
import sys

import pytest

from reviewbot.cli import main
from reviewbot.report import terminal
from tests.report import fixture

# What an editor's compilation mode (and checkpatch --terse --show-types) looks like.
TERSE = re.compile(r"^(?P<file>[^\s:]+):(?P<line>\d+): (?P<level>ERROR|WARNING|CHECK):(?P<type>[A-Z]+\d+): (?P<msg>\S.*)$")


def test_terse_is_one_parseable_line_per_shown_finding():
    review = fixture.review()
    lines = terminal.format_review(review, terse=True).splitlines()
    assert len(lines) == len(review.shown())
    parsed = [TERSE.match(ln).groupdict() for ln in lines]
    assert [(p["file"], int(p["line"]), p["level"], p["type"]) for p in parsed] == [
        ("-", 0, "ERROR", "TST001"),
        (fixture.PATH, 1725, "ERROR", "TST001"),
        (fixture.PATH, 1768, "CHECK", "TST002"),
        (fixture.PATH, 1794, "WARNING", "TST002"),
        (fixture.PATH, 2061, "WARNING", "TST002"),
    ]
    assert parsed[4]["msg"] == "early -ENODEV return replaced by a goto (on removed line 2049)"


def test_emacs_prefixes_each_header_line_only():
    review = fixture.review()
    out = terminal.format_review(review, quiet=True, emacs=True)
    headers = [ln for ln in out.splitlines() if TERSE.match(ln.replace(" test-error:", ":").replace(" test-warning:", ":"))]
    assert len(headers) == len(review.shown())
    plain = terminal.format_review(review, quiet=True)
    assert [ln for ln in out.splitlines() if ln not in headers] == [
        ln for ln in plain.splitlines() if not re.match(r"^(ERROR|WARNING|CHECK):", ln)]


def test_cli_terse_notes_go_to_stderr_with_verbose_unless_quiet(capsys):
    """Not on a terminal, notes only with -v: b4 counts each stderr line as a failure."""
    assert main(["review", str(fixture.PATCH), "--terse", "--select", "MOD001", "--all"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["review", str(fixture.PATCH), "--terse", "-v", "--select", "MOD001", "--all"]) == 0
    out, err = capsys.readouterr()
    assert out == ""  # every MOD001 finding here is suppressed by the patch's own directive
    assert "reviewbot: note: reviewbot-ignore in patch 2 names unknown rule 'TST003'" in err
    main(["review", str(fixture.PATCH), "--terse", "-q"])
    assert capsys.readouterr().err == ""


@pytest.fixture
def kernel_tree(tmp_path):
    """A tree whose scripts/checkpatch.pl is reviewbot --terse (b4 passes -q --terse
    --no-summary --mailback and the patch on stdin; the shim ignores those flags)."""
    b4_checks = pytest.importorskip("b4.review.checks")
    script = tmp_path / "scripts" / "checkpatch.pl"
    script.parent.mkdir()
    script.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m reviewbot.cli review --terse -q "
                      "--select MOD001 -\n")
    script.chmod(0o755)
    return b4_checks, tmp_path


def test_b4_checkpatch_scraper_reads_our_terse_output(kernel_tree):
    b4_checks, tree = kernel_tree
    raw = re.sub(rb"(?m)^reviewbot-ignore:.*\n", b"", fixture.PATCH.read_bytes())
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    (row,) = b4_checks._run_builtin_checkpatch(msg, str(tree))
    assert row["tool"] == "checkpatch" and row["status"] == "warn"
    details = json.loads(row["details"])
    assert row["summary"] == f"{len(details)} warnings" and len(details) >= 2
    assert details[0]["status"] == "warn" and set(details[0]) == {"status", "description"}
    assert details[0]["description"].startswith(f"{fixture.PATH}:1725: WARNING:MOD001: ")
    assert all(TERSE.match(d["description"]) for d in details)
