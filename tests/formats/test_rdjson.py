"""--format rdjson: reviewdog's DiagnosticResult, validated against reviewdog's schemas."""

from __future__ import annotations

import json

from reviewbot.cli import main
from reviewbot.report import rdjson
from tests.formats.schemas import errors, rdjson_schema, strict
from tests.report import fixture


def _result(show_all=False) -> dict:
    return json.loads(rdjson.format_review(fixture.review(), show_all))


def test_valid_against_reviewdog_schema_and_closed_objects():
    doc = _result(show_all=True)
    assert errors(rdjson_schema(), doc) == []
    assert errors(strict(rdjson_schema()), doc) == []


def test_strict_schema_catches_a_misspelt_field():
    doc = _result()
    doc["diagnostics"][1]["location"]["range"]["start"]["lines"] = 3
    doc["diagnostics"][1]["severity"] = "WARN"
    assert len(errors(rdjson_schema(), doc)) == 1  # the lax schema sees only the bad enum
    assert len(errors(strict(rdjson_schema()), doc)) == 2


def test_diagnostics_are_what_would_be_posted():
    diags = _result()["diagnostics"]
    got = [(d.get("location", {}).get("range", {}).get("start", {}).get("line"), d["severity"], d["code"]["value"])
           for d in diags]
    # No suppressed TST003 (2055), no low-confidence 2091; CHECK maps to INFO.
    assert got == [(None, "ERROR", "TST001"), (1725, "ERROR", "TST001"), (1768, "INFO", "TST002"),
                   (1794, "WARNING", "TST002"), (2061, "WARNING", "TST002")]
    assert 2091 in [d.get("location", {}).get("range", {}).get("start", {}).get("line")
                    for d in _result(show_all=True)["diagnostics"]]


def test_removed_line_is_anchored_on_the_new_side_and_named():
    (d,) = [d for d in _result()["diagnostics"] if "removed" in d["message"]]
    assert d["location"] == {"path": fixture.PATH, "range": {"start": {"line": 2061}}}
    assert d["message"] == "early -ENODEV return replaced by a goto (on removed line 2049)"


def test_code_links_the_rule_docs_and_output_is_the_terse_line():
    d = _result()["diagnostics"][1]
    assert d["code"] == {"value": "TST001", "url": fixture.ERROR_RULE.help_uri}
    assert d["source"]["name"] == "reviewbot"
    assert d["original_output"] == f"{fixture.PATH}:1725: ERROR:TST001: 'zram' pins itself in disksize_store()"


def test_cli_rdjson_on_a_real_patch(tmp_path, capsys):
    patch = tmp_path / "p.patch"
    patch.write_text("".join(ln for ln in fixture.PATCH.read_text().splitlines(keepends=True)
                             if not ln.startswith("reviewbot-ignore:")))
    assert main(["review", str(patch), "--format", "rdjson"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert errors(strict(rdjson_schema()), doc) == []
    assert doc["diagnostics"] and {d["code"]["value"] for d in doc["diagnostics"]} == {"MOD001"}
    assert all(d["location"]["path"] == fixture.PATH for d in doc["diagnostics"])


def test_terse_and_emacs_are_text_only(capsys):
    assert main(["review", str(fixture.PATCH), "--format", "rdjson", "--terse"]) == 2
    assert "--terse and --emacs apply to --format text only" in capsys.readouterr().err
