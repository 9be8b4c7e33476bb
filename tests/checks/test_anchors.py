"""Every rule's anchor fixtures give exactly their `.expected` findings (tests/checks/anchors.py).

After an intended change of a rule's findings: `.venv/bin/python -m tests.checks.anchors --update RULE`
and review the `.expected` diff."""

import shutil

import pytest

from tests.checks import anchors

FIXTURES = anchors.fixtures()


@pytest.mark.parametrize("fx", FIXTURES, ids=[fx.name for fx in FIXTURES])
def test_fixture_gives_exactly_its_expected_findings(fx):
    got = anchors.run(fx)
    want = anchors.expected(fx)
    if want != got:
        pytest.fail(anchors.diff_text(fx, want, got), pytrace=False)


def test_every_rule_has_a_firing_and_a_silent_fixture():
    firing, silent = set(), set()
    for fx in FIXTURES:
        (firing if anchors.expected(fx) else silent).add(fx.rule_id)
    rules = set(anchors.rules().values())
    lacking = sorted(f"{r}: no {kind} fixture" for kind, have in (("firing", firing), ("silent", silent))
                     for r in rules - have)
    assert not lacking, ("each rule needs a fixture under tests/data/checks/<slug>/ that fires and one that "
                         "stays silent:\n  " + "\n  ".join(lacking))


def test_every_expected_file_belongs_to_a_fixture_of_a_known_rule():
    slugs = set(anchors.rules())
    fixture_files = {fx.expected_path for fx in FIXTURES}
    stray = [str(p.relative_to(anchors.ROOT)) for p in sorted(anchors.FIXTURES.glob("*/*.expected"))
             if p not in fixture_files or p.parent.name not in slugs]
    assert not stray, f"expectations without a fixture (or in a directory that is no rule's slug): {stray}"
    dirs = {p.name for p in anchors.FIXTURES.iterdir() if p.is_dir()}
    assert dirs <= slugs, f"fixture directories named after no rule: {sorted(dirs - slugs)}"


def test_expected_lines_have_the_documented_shape():
    levels, confidences, sides = {"ERROR", "WARNING", "CHECK"}, {"high", "medium", "low"}, {"new", "old"}
    for fx in FIXTURES:
        for ln in anchors.expected(fx) or []:
            path, line, side, level, conf, message = ln.split(":", 5)
            assert (side in sides and level in levels and conf in confidences and message
                    and (line.isdigit() or (not path and not line))), f"{fx.name}: {ln!r}"


def test_check_reports_a_changed_expectation_and_update_rewrites_it(tmp_path, monkeypatch, capsys):
    """The regeneration command on a copy of one rule's fixtures: a stale expectation is shown
    as a diff naming the command, --update restores it, and the check then passes."""
    shutil.copytree(anchors.FIXTURES / "module-self-pin", tmp_path / "module-self-pin")
    monkeypatch.setattr(anchors, "FIXTURES", tmp_path)
    target = tmp_path / "module-self-pin" / "zram-sysfs-self-pin.patch.expected"
    good = target.read_text()
    assert good.count("\n") == 4
    target.write_text(good.replace(":high:", ":medium:", 1))

    assert anchors.main(["MOD001"]) == 1
    out = capsys.readouterr().out
    assert "-drivers/block/zram/zram_drv.c:1725:new:WARNING:medium:" in out
    assert "+drivers/block/zram/zram_drv.c:1725:new:WARNING:high:" in out
    assert "python -m tests.checks.anchors --update MOD001" in out

    assert anchors.main(["--update", "module-self-pin"]) == 0
    assert target.read_text() == good
    assert anchors.main(["MOD001"]) == 0


def test_a_new_fixture_without_expectations_fails_until_update_writes_them(tmp_path, monkeypatch, capsys):
    (tmp_path / "module-self-pin").mkdir()
    shutil.copy(anchors.FIXTURES / "module-self-pin" / "team-mode-get.patch", tmp_path / "module-self-pin" / "new.patch")
    monkeypatch.setattr(anchors, "FIXTURES", tmp_path)
    assert anchors.main(["MOD001"]) == 1
    out = capsys.readouterr().out
    assert "new.patch.expected is missing; the fixture gives:" in out
    assert "drivers/net/team/team_core.c:473:new:WARNING:high:try_module_get(THIS_MODULE)" in out
    assert anchors.main(["--update", "MOD001"]) == 0
    assert (tmp_path / "module-self-pin" / "new.patch.expected").read_text().count("\n") == 1


def test_unknown_rule_is_a_one_line_error(capsys):
    assert anchors.main(["MOD999"]) == 2
    assert capsys.readouterr().err.strip() == "anchors: unknown rule MOD999 (see `reviewbot rules`)"
