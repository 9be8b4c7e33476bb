"""The Coccinelle path engine of tree mode, with the real `spatch` on real 6.12 files.

Each case commits a defect into a real driver of the kernel subset (tests/tree/conftest.py) and
reviews the mail in tree mode; the fix (the defect reverted on top of it) and a correct version
of the same change must stay silent.  REVIEWBOT_ENGINES=cocci keeps the Python engine of MOD003
out of the way, so what fires here is what spatch matched.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from reviewbot import cocci, engine, tree
from reviewbot.cocci import generate, run
from reviewbot.ingest import b4 as b4src
from tests.tree.conftest import ATHDMAC

pytestmark = pytest.mark.skipif(shutil.which("spatch") is None,
                                reason="spatch (Debian package coccinelle) is not installed: scripts/system-deps.sh")

MC13783 = "drivers/leds/leds-mc13783.c"
INGENIC = "drivers/mtd/nand/raw/ingenic/ingenic_ecc.c"
# 6.12 drops the device reference when the provider has no drvdata yet; the reversal of that
# fix folds the test into the NULL check, so the reference leaks on the second condition
TEST_OK = ("\tif (!pdev)\n\t\treturn ERR_PTR(-EPROBE_DEFER);\n\n\tif (!platform_get_drvdata(pdev)) {\n"
           "\t\tput_device(&pdev->dev);\n\t\treturn ERR_PTR(-EPROBE_DEFER);\n\t}\n")
HDAC = "sound/hda/hdac_sysfs.c"
ADD_OK = "\tif (err < 0) {\n\t\tkobject_put(kobj);\n\t\treturn err;\n\t}\n\terr = sysfs_create_group(kobj, group);\n"
ADD_BAD = "\tif (err < 0)\n\t\treturn err;\n\terr = sysfs_create_group(kobj, group);\n"
TEST_BAD = "\tif (!pdev || !platform_get_drvdata(pdev))\n\t\treturn ERR_PTR(-EPROBE_DEFER);\n"
LOOP_OLD = '\t\tif (of_property_read_u32(child, "reg", &tmp))\n\t\t\tcontinue;\n'
LOOP_BAD = '\t\tif (of_property_read_u32(child, "reg", &tmp))\n\t\t\treturn ERR_PTR(-EINVAL);\n'
LOOP_GOOD = ('\t\tif (of_property_read_u32(child, "reg", &tmp)) {\n\t\t\tof_node_put(child);\n'
             '\t\t\treturn ERR_PTR(-EINVAL);\n\t\t}\n')
# the loop hands its node to the caller (tegra30-emc.c emc_find_node_by_ram_code(): `return np;`)
LOOP_CURSOR = '\t\tif (of_property_read_u32(child, "reg", &tmp))\n\t\t\treturn child;\n'


@pytest.fixture(scope="module")
def repo(kernel_repo):
    if "loop-return" not in kernel_repo.cases:
        bad = kernel_repo.change("loop-return", [(MC13783, LOOP_OLD, LOOP_BAD)],
                                 "leds: mc13783: reject children without reg")
        kernel_repo.change("fix-loop-return", [(MC13783, LOOP_BAD, LOOP_GOOD)],
                           "leds: mc13783: drop the child node on error", parent=bad.commit)
        kernel_repo.change("loop-return-good", [(MC13783, LOOP_OLD, LOOP_GOOD)],
                           "leds: mc13783: reject children without reg (with put)")
        bad = kernel_repo.change("fold-null-test", [(INGENIC, TEST_OK, TEST_BAD)],
                                 "mtd: rawnand: ingenic: one test for a missing provider")
        kernel_repo.change("fix-fold-null-test", [(INGENIC, TEST_BAD, TEST_OK)],
                           "mtd: rawnand: ingenic: drop the device reference", parent=bad.commit)
        bad = kernel_repo.change("kobject-add-fails", [(HDAC, ADD_OK, ADD_BAD)],
                                 "ALSA: hda: return the kobject_add() error as is")
        kernel_repo.change("fix-kobject-add-fails", [(HDAC, ADD_BAD, ADD_OK)],
                           "ALSA: hda: put the widget kobject when kobject_add() fails", parent=bad.commit)
    if "loop-return-cursor" not in kernel_repo.cases:
        kernel_repo.change("loop-return-cursor", [(MC13783, LOOP_OLD, LOOP_CURSOR)],
                           "leds: mc13783: hand the child without reg to the caller")
    return kernel_repo


@pytest.fixture
def cocci_only(monkeypatch, tmp_path):
    monkeypatch.setenv("REVIEWBOT_ENGINES", "cocci")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def review(repo, name, *ids):
    (series,) = b4src.series_from_mbox_bytes(repo.cases[name].mbox.encode(), "test")
    return tree.review_with_tree(series, str(repo.path), engine.select_checks(select=ids or ("MOD003",)))


def where(rv):
    return sorted((f.rule.id, f.path, f.line, f.side.value) for f in rv.findings)


def test_fires_on_a_removed_put_of_a_lookup(repo, cocci_only):
    rv = review(repo, "drop-put-device")
    removed = repo.read(repo.base, ATHDMAC).split("\n").index("\t\tput_device(&dmac_pdev->dev);") + 1
    assert where(rv) == [("MOD003", ATHDMAC, removed, "old")]
    assert rv.findings[0].message == "an exit path leaks the reference from of_find_device_by_node() (dmac_pdev)"
    assert rv.findings[0].text == "\t\tput_device(&dmac_pdev->dev);"


def test_quiet_on_the_fix_of_the_lookup_leak(repo, cocci_only):
    assert review(repo, "fix-drop-put-device").findings == ()


def test_fires_on_a_failure_test_that_also_holds_for_a_valid_reference(repo, cocci_only):
    """`if (!pdev || !platform_get_drvdata(pdev)) return` leaks pdev on its second condition;
    the function's `return ecc` (drvdata of pdev, kept for the caller) is a hand-off."""
    rv = review(repo, "fold-null-test")
    removed = repo.read(repo.base, INGENIC).split("\n").index("\t\tput_device(&pdev->dev);") + 1
    assert where(rv) == [("MOD003", INGENIC, removed, "old")]


def test_quiet_on_the_fix_of_the_folded_test(repo, cocci_only):
    assert review(repo, "fix-fold-null-test").findings == ()


def test_fires_on_a_failed_registration_left_unreleased(repo, cocci_only):
    rv = review(repo, "kobject-add-fails")
    lines = repo.read(repo.base, HDAC).split("\n")
    removed = lines.index('\terr = kobject_add(kobj, parent, "%02x", nid);') + 3  # the put 2 lines below
    assert lines[removed - 1] == "\t\tkobject_put(kobj);"
    assert where(rv) == [("MOD003", HDAC, removed, "old")]
    assert rv.findings[0].message == "kobject_add() fails, and its error path does not release kobj"


def test_quiet_on_the_fix_of_the_failed_registration(repo, cocci_only):
    assert review(repo, "fix-kobject-add-fails").findings == ()


def test_fires_on_a_loop_left_by_return(repo, cocci_only):
    rv = review(repo, "loop-return", "MOD030")  # iterator matches are MOD030 iterator-ref-leak's
    post = repo.read(repo.cases["loop-return"].commit, MC13783).split("\n")
    line = post.index("\t\t\treturn ERR_PTR(-EINVAL);") + 1
    assert where(rv) == [("MOD030", MC13783, line, "new")]
    assert "for_each_available_child_of_node() loop is left early without dropping 'child'" in rv.findings[0].message


def test_quiet_on_the_fix_and_on_a_return_that_drops_the_node(repo, cocci_only):
    assert review(repo, "fix-loop-return", "MOD030").findings == ()
    assert review(repo, "loop-return-good", "MOD030").findings == ()


def test_quiet_on_a_loop_that_returns_its_node(repo, cocci_only):
    """`return child;` inside the loop hands the reference to the caller, as a `return` of the
    variable does for a lookup."""
    assert review(repo, "loop-return-cursor", "MOD030").findings == ()


def test_quiet_when_mod030_is_not_selected(repo, cocci_only):
    assert review(repo, "loop-return", "MOD001").findings == ()


def test_both_engines_report_a_leak_once(repo, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rv = review(repo, "loop-return", "MOD003", "MOD030")
    assert [f.rule.id for f in rv.findings] == ["MOD030"]


def test_without_spatch_the_review_says_so(repo, monkeypatch):
    monkeypatch.setattr(run, "spatch", lambda: None)
    rv = review(repo, "loop-return")
    assert cocci.UNAVAILABLE in rv.notes
    assert review(repo, "drop-put-device").findings  # the Python engine still runs


def test_spatch_sees_only_touched_functions(repo, cocci_only):
    text = repo.read(repo.base, ATHDMAC)
    kept = run.keep_functions(text, {"at_dma_xlate"})
    lines, kept_lines = text.split("\n"), kept.split("\n")
    assert len(kept_lines) == len(lines)
    assert "at_dma_xlate" in kept and "static int at_dma_probe" not in kept
    start = lines.index("static struct dma_chan *at_dma_xlate(struct of_phandle_args *dma_spec,")
    assert kept_lines[start:start + 30] == lines[start:start + 30]


def test_a_match_in_both_images_is_not_reported(repo, cocci_only):
    """The leak already in the tree (same rule, function and object) is not the patch's."""
    bad = repo.read(repo.cases["loop-return"].commit, MC13783)
    matches, error = run.run({("pre", MC13783): bad, ("post", MC13783): bad}, {})
    assert error is None
    assert {(m.side, m.kind, m.function, m.obj) for m in matches} >= {
        ("pre", "iter", "mc13xxx_led_probe_dt", "child"), ("post", "iter", "mc13xxx_led_probe_dt", "child")}
    from reviewbot.cocci import anchor
    from reviewbot.context import Context, FileImages
    (series,) = b4src.series_from_mbox_bytes(repo.cases["loop-return"].mbox.encode(), "test")
    ctx = Context(mode="tree", files={MC13783: FileImages(bad, bad)})
    assert anchor.introduced(series.patches[0], ctx, matches) == []


def test_semantic_patch_is_generated_from_the_table(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = generate.generate()
    assert "of_find_device_by_node" in text and "for_each_child_of_node" in text
    row = "function\tkind\tref_on\tfamily\trelease\ton_error\talso_module_ref\tdefined_in\tevidence\n" \
          "foo_lookup\tlookup\treturn\tdevice\tfoo_release\tnone\tno\tx.c:1\tx\n"
    small = generate.generate(row)
    assert "identifier f = {foo_lookup};" in small and "foo_release" in small
    assert "of_find_device_by_node" not in small
    path = generate.cached_path()
    assert path.read_text() == text and path.parent == tmp_path / "reviewbot" / "cocci"


def test_the_pruned_semantic_patch_matches_what_the_whole_one_does(repo, cocci_only):
    """spatch gets the semantic patch pruned to the table functions the files name: on real
    drivers, good and defective, the matches are exactly those of the whole semantic patch."""
    images = {}
    for name in ("loop-return", "fold-null-test", "kobject-add-fails", "drop-put-device"):
        case = repo.cases[name]
        for path in (MC13783, INGENIC, HDAC, ATHDMAC):
            for side, rev in (("pre", repo.base), ("post", case.commit)):
                images[(side, f"{name}/{path}")] = repo.read(rev, path)
    whole, error = run.run(images, {}, prune=False)
    assert error is None
    pruned, error = run.run(images, {}, prune=True)
    assert error is None
    assert sorted(map(repr, pruned)) == sorted(map(repr, whole))
    assert {m.kind for m in whole} >= {"leak", "iter", "register"}  # every rule kind had a chance
    # a file that names none of the table's starting calls is not given to spatch at all
    assert run.run({("post", "x.c"): "int f(void)\n{\n\treturn 0;\n}\n"}, {}) == ([], None)
    assert generate.generate(names={"f", "return"}) == ""


class _Counted:
    """reviewbot.cocci.run, counting the images it is given per call."""

    def __init__(self):
        self.calls: list[set[str]] = []

    def run(self, images, functions):
        self.calls.append({side for side, _ in images})
        return run.run(images, functions)


def test_pre_images_run_only_when_a_post_image_matched(repo, cocci_only):
    """The post-images first, then only the pre-images of files with a post-image match: the
    matches that matter (every post-image match, and the pre-image matches of those files,
    which hide the ones already in the tree) are those of one run over all images."""
    bad = repo.read(repo.cases["loop-return"].commit, MC13783)
    base = repo.read(repo.base, MC13783)
    gone = "int f(void)\n{\n\treturn 0;\n}\n"  # the leaky code removed
    images = {("pre", "1/a.c"): base, ("post", "1/a.c"): bad,  # introduced
              ("pre", "2/a.c"): bad, ("post", "2/a.c"): bad,  # already in the tree
              ("pre", "3/a.c"): bad, ("post", "3/a.c"): gone}  # its pre-image needs no run
    together, error = run.run(images, {})
    assert error is None
    counted = _Counted()
    split, error = cocci._post_first(counted, images, {})
    assert error is None
    assert counted.calls == [{"post"}, {"pre"}]
    hit = {m.path for m in together if m.side == "post"}
    assert hit == {"1/a.c", "2/a.c"}
    assert sorted(map(repr, split)) == sorted(repr(m) for m in together if m.path in hit)
    counted = _Counted()
    assert cocci._post_first(counted, {k: v for k, v in images.items() if k[1] == "3/a.c"}, {}) == ([], None)
    assert counted.calls == [{"post"}]


def test_a_pre_image_runs_only_for_a_post_image_match_that_would_be_reported(repo, cocci_only):
    """A post-image match that `anchor.introduced` drops whatever the pre-image matched (its
    exit, get and object untouched by the patch) needs no pre-image run; one it would report
    does.  `anchor.reportable` says which, with introduced()'s own tests."""
    from dataclasses import replace

    from reviewbot.cocci import anchor
    from reviewbot.context import Context, FileImages
    base = repo.read(repo.base, MC13783)
    bad = repo.read(repo.cases["loop-return"].commit, MC13783)
    (series,) = b4src.series_from_mbox_bytes(repo.cases["loop-return"].mbox.encode(), "test")
    patch, ctx = series.patches[0], Context(mode="tree", files={MC13783: FileImages(base, bad)})
    matches, error = run.run({("post", MC13783): bad}, {})
    assert error is None and matches
    kept = [m for m in matches if anchor.reportable(patch, ctx, m)]
    assert kept and anchor.introduced(patch, ctx, matches)
    assert anchor.introduced(patch, ctx, kept) == anchor.introduced(patch, ctx, matches)
    elsewhere = [replace(m, get_line=1, exit_line=2, obj="nothing_here") for m in matches]
    assert not any(anchor.reportable(patch, ctx, m) for m in elsewhere)
    assert anchor.introduced(patch, ctx, elsewhere) == []
    images = {("pre", "1/a.c"): bad, ("post", "1/a.c"): bad}
    for reported, calls in ((lambda m: True, [{"post"}, {"pre"}]), (lambda m: False, [{"post"}])):
        counted = _Counted()
        found, error = cocci._post_first(counted, images, {}, reported)
        assert error is None and counted.calls == calls
        assert {m.side for m in found} == {side for call in calls for side in call}


def test_the_cut_iso_file_gives_spatch_the_rules_of_the_whole_one(tmp_path):
    """spatch --parse-cocci prints the generated semantic patch after the isomorphisms: the same
    rules with standard.iso cut to ISO_USED as with the whole file, and each of ISO_USED is
    needed (without it the rules differ)."""
    whole = run.iso_text() and run.iso_whole()
    if not whole:
        pytest.skip("spatch's standard.iso is not the one ISO_USED was found in (another Coccinelle)")
    sp = tmp_path / "refs.cocci"
    sp.write_text(generate.generate())

    def rules(iso: str | None) -> str:
        cmd = [run.spatch(), "--parse-cocci", str(sp)]
        if iso is not None:
            (tmp_path / "cut.iso").write_text(iso)
            cmd += ["--iso-file", str(tmp_path / "cut.iso")]
        if run.python():
            cmd += ["--python", run.python()]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        return res.stdout

    everything = rules(None)
    assert "@leaka" in everything
    assert rules(run.iso_text()) == everything
    for name in run.ISO_USED:
        assert rules(run.iso_subset(whole, set(run.ISO_USED) - {name})) != everything, name


def test_the_cut_iso_file_gives_the_same_matches(repo, cocci_only):
    if run.iso_text() is None:
        pytest.skip("spatch's standard.iso is not the one ISO_USED was found in (another Coccinelle)")
    images = {}
    for name in ("loop-return", "fold-null-test", "kobject-add-fails", "drop-put-device"):
        for path in (MC13783, INGENIC, HDAC, ATHDMAC):
            images[("post", f"{name}/{path}")] = repo.read(repo.cases[name].commit, path)
    whole, error = run.run(images, {}, prune=False, reduced_iso=False)
    assert error is None
    cut, error = run.run(images, {}, prune=False, reduced_iso=True)
    assert error is None
    assert sorted(map(repr, cut)) == sorted(map(repr, whole))
    assert {m.kind for m in whole} >= {"leak", "iter", "register"}


def test_spatch_is_given_a_real_python():
    py = run.python()
    if py is not None:
        with open(py, "rb") as fh:
            assert fh.read(4) == b"\x7fELF"


# irq-gic-v3.c gic_populate_ppi_partitions(): `if (WARN_ON(!cpu_node)) continue;` is the
# lookup's failure test; the loop goes on with nothing held
_WARN_LOOP = """
static void __init foo_populate_parts(struct device_node *node)
{
	struct device_node *parts_node, *child_part;
	int i;

	parts_node = of_get_child_by_name(node, "ppi-partitions");
	if (!parts_node)
		return;

	for_each_child_of_node(parts_node, child_part) {
		int n = of_property_count_elems_of_size(child_part, "affinity", sizeof(u32));

		for (i = 0; i < n; i++) {
			struct device_node *cpu_node;
			u32 cpu_phandle;

			if (of_property_read_u32_index(child_part, "affinity", i, &cpu_phandle))
				continue;
			cpu_node = of_find_node_by_phandle(cpu_phandle);
			if ({test})
				continue;
			foo_mark(cpu_node);
			of_node_put(cpu_node);
		}
	}

	of_node_put(parts_node);
}
"""


@pytest.mark.parametrize("test, leaks", [("WARN_ON(!cpu_node)", False), ("WARN_ON_ONCE(!cpu_node)", False),
                                         ("!cpu_node", False), ("foo_skip(cpu_node)", True)])
def test_a_failure_test_inside_warn_on_is_the_lookups_failure_test(test, leaks):
    text = _WARN_LOOP.replace("{test}", test)
    found, err = run.run({("post", "drivers/irqchip/foo.c"): text}, {("post", "drivers/irqchip/foo.c"): None})
    assert err is None
    assert any(m.kind == "leak" and m.obj == "cpu_node" for m in found) is leaks, found
