"""One location, one voice: a rule that declares `SUPERSEDES` drops the named rules' findings
at its own (patch, path, side, line), and nowhere else.

The fixtures are the rules' anchors (real patches, tests/data/checks/): with every rule on,
each of them used to get two findings at one line."""

from pathlib import Path
from types import SimpleNamespace

from reviewbot import engine, pipeline
from reviewbot.model import Confidence, Level, Side
from reviewbot.registry import all_checks
from reviewbot.rules import Rule
from tests.helpers import diff

DATA = Path(__file__).resolve().parents[1] / "data" / "checks"


def _rules_at(fixture: str, select: tuple[str, ...] = ()) -> dict[tuple, set[str]]:
    out: dict[tuple, set[str]] = {}
    for series in pipeline.load([str(DATA / fixture)]):
        review = pipeline.review_series(series, pipeline.Options(select=select))
        for f in review.shown(include_low=True):
            out.setdefault((f.path, f.side, f.line), set()).add(f.rule.id)
    return out


def test_iterator_exit_is_reported_once_by_the_iterator_rule():
    where = ("drivers/soc/ti/knav_dma.c", Side.OLD, 738)
    assert _rules_at("iterator-ref-leak/knav-dma-put-removed.patch")[where] == {"MOD030"}
    # without MOD030 running, MOD003's finding there stands
    assert _rules_at("iterator-ref-leak/knav-dma-put-removed.patch", ("MOD003",))[where] == {"MOD003"}


def test_replaced_getter_and_self_pin_pairs():
    demux = ("drivers/i2c/muxes/i2c-demux-pinctrl.c", Side.NEW, 64)
    assert _rules_at("unmatched-module-put/i2c-demux-find-adapter-put.patch")[demux] == {"MOD025"}
    chcr = ("drivers/net/ethernet/chelsio/inline_crypto/ch_ipsec/chcr_ipsec.c", Side.NEW, 302)
    assert _rules_at("unchecked-module-get/chcr-ipsec-add-state.patch")[chcr] == {"MOD001"}
    emc = ("drivers/memory/tegra/tegra-foo-emc.c", Side.NEW, 1512)
    assert _rules_at("init-exit-self-ref/tegra-emc-deliberate-pin.patch")[emc] == {"MOD026"}


def test_no_two_rules_at_one_line_on_any_anchor():
    for fixture in sorted(p for p in DATA.glob("*/*") if p.suffix in (".patch", ".mbox", ".eml")):
        for where, ids in _rules_at(str(fixture.relative_to(DATA))).items():
            assert len(ids) == 1, f"{fixture.name}: {where} has {sorted(ids)}"


# Two made-up rules on one patch: which finding survives is data, not the rules' order.
SERIES = diff("""
    --- a/drivers/foo/foo.c
    +++ b/drivers/foo/foo.c
    @@ -10,2 +10,4 @@ static int foo(void)
     {
    +\ta();
    +\tb();
     }
""")


def _module(rule_id: str, lines: tuple[int, ...], supersedes=(), confidence=Confidence.HIGH):
    rule = Rule.from_doc("x", id=rule_id, slug=rule_id.lower(), level=Level.WARNING)

    def check(patch, ctx):
        return [rule.finding("drivers/foo/foo.c", n, f"{rule_id} says", confidence=confidence) for n in lines]
    return SimpleNamespace(RULE=rule, check=check, SUPERSEDES=supersedes)


def _found(*mods) -> list[tuple[str, int]]:
    return sorted((f.rule.id, f.line) for f in engine.review(SERIES, checks=mods).findings)


def test_specific_rule_wins_only_where_both_speak():
    generic = _module("XGEN", (11, 12))
    specific = _module("XSPEC", (11,), supersedes=("XGEN",), confidence=Confidence.LOW)
    assert _found(specific, generic) == [("XGEN", 12), ("XSPEC", 11)]
    assert _found(generic, specific) == [("XGEN", 12), ("XSPEC", 11)]
    # no declaration: both stand
    assert _found(generic, _module("XOTHER", (11,))) == [("XGEN", 11), ("XGEN", 12), ("XOTHER", 11)]


def test_declarations_name_registered_rules_and_form_no_cycle():
    ids = {m.RULE.id for m in all_checks()}
    over = {m.RULE.id: set(getattr(m, "SUPERSEDES", ())) for m in all_checks()}
    for rule_id, names in over.items():
        assert names <= ids - {rule_id}, f"{rule_id}: SUPERSEDES {sorted(names - ids)} not a rule"

    def reach(start, seen):
        for nxt in over[start]:
            assert nxt != rule_id, f"SUPERSEDES cycle through {rule_id}"
            if nxt not in seen:
                seen.add(nxt)
                reach(nxt, seen)
    for rule_id in over:
        reach(rule_id, set())
