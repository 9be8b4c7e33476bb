"""Tree mode on a real 6.12 kernel tree: exact images, file facts, fallbacks, cleanup, --git."""

from __future__ import annotations

import os
import re
import tempfile
from types import SimpleNamespace

import pytest

from reviewbot import engine, pipeline, tree
from reviewbot.context import FileFacts
from reviewbot.errors import InputError
from reviewbot.ingest import b4 as b4src
from reviewbot.model import Level
from reviewbot.rules import Rule
from reviewbot.tree.apply import Scratch
from reviewbot.tree.store import Store
from tests.cli.clirun import run
from tests.tree.conftest import ATHDMAC, ES8328, NETXBIG, OPENDICE, git

SPY = Rule.from_doc("Records what the checks are given.", id="TST001", slug="spy", level=Level.CHECK)


class Spy:
    """A check module that records (patch, context) and finds nothing (in tree mode it is run
    with the tree's context only, not also on the hunks alone)."""

    TREE_VERDICT = True

    def __init__(self):
        self.seen = []
        self.RULE = SPY

    def check(self, patch, ctx):
        self.seen.append((patch, ctx))
        return iter(())


def series_of(mbox: bytes | str):
    data = mbox.encode() if isinstance(mbox, str) else mbox
    (series,) = b4src.series_from_mbox_bytes(data, "test")
    return series


def with_tree(series, repo, *extra_checks):
    spy = Spy()
    review = tree.review_with_tree(series, str(repo.path), (spy, *extra_checks))
    return review, {p.index: ctx for p, ctx in spy.seen}, spy


def line_of(text: str, needle: str) -> int:
    (no,) = [i for i, ln in enumerate(text.split("\n"), 1) if needle in ln]
    return no


def rule_checks(*ids: str):
    return engine.select_checks(select=ids)


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    """Worktrees go to a private temp dir, so that cleanup can be asserted exactly."""
    d = tmp_path / "tmp"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


def assert_clean(repo, tmpdir) -> None:
    """No scratch left behind, and the user's checkout, index and HEAD untouched."""
    assert len(repo.worktrees()) == 1, repo.worktrees()
    assert git(repo.path, "status", "--porcelain") == ""
    assert git(repo.path, "rev-parse", "HEAD").strip() == repo.base
    admin = repo.path / ".git" / "worktrees"
    assert not admin.exists() or not any(admin.iterdir()), list(admin.iterdir())
    assert not any(tmpdir.iterdir()), list(tmpdir.iterdir())


# --------------------------------------------------------------------------- images

def test_images_are_the_exact_pre_and_post_files(kernel_repo, private_tmp):
    case = kernel_repo.cases["drop-put-device"]
    review, ctxs, _ = with_tree(series_of(case.mbox), kernel_repo)
    assert review.context == "tree"
    assert review.notes == (f"tree: base {case.base[:12]} (base-commit:) in {kernel_repo.path}",)
    ctx = ctxs[1]
    assert ctx.mode == "tree" and ctx.has_tree
    assert set(ctx.files) == {ATHDMAC}
    assert ctx.pre(ATHDMAC) == kernel_repo.read(case.base, ATHDMAC)
    assert ctx.post(ATHDMAC) == kernel_repo.read(case.commit, ATHDMAC)
    assert "put_device(&dmac_pdev->dev);\n\t\treturn NULL;" in ctx.pre(ATHDMAC)
    assert ctx.base == case.base and ctx.commit is None
    assert ctx.series_text.strip().startswith("dmaengine: at_hdmac")
    assert_clean(kernel_repo, private_tmp)


def test_each_patch_of_a_series_sees_its_own_images(kernel_repo, private_tmp):
    base = kernel_repo.base
    first, second = (git(kernel_repo.path, "rev-parse", f"series-{i}").strip() for i in (1, 2))
    series = series_of(kernel_repo.mail(f"{base}..series-2", base=base))
    assert [p.index for p in series.patches] == [1, 2]
    review, ctxs, _ = with_tree(series, kernel_repo)
    assert review.context == "tree"
    assert ctxs[1].pre(OPENDICE) == kernel_repo.read(base, OPENDICE)
    assert ctxs[1].post(OPENDICE) == kernel_repo.read(first, OPENDICE)
    assert ctxs[2].pre(OPENDICE) == ctxs[1].post(OPENDICE)
    assert ctxs[2].post(OPENDICE) == kernel_repo.read(second, OPENDICE)
    assert ctxs[2].base == base
    assert_clean(kernel_repo, private_tmp)


def test_new_and_deleted_files_have_no_pre_or_post(kernel_repo, private_tmp):
    git(kernel_repo.path, "checkout", "-q", "-B", "add-del", kernel_repo.base)
    (kernel_repo.path / "drivers/misc/new-thing.c").write_text("// SPDX\nstatic int x;\n")
    git(kernel_repo.path, "add", "drivers/misc/new-thing.c")
    git(kernel_repo.path, "rm", "-q", "drivers/leds/leds-netxbig.c")
    git(kernel_repo.path, "commit", "-q", "-m", "add and delete")
    mbox = git(kernel_repo.path, "format-patch", "-1", "--stdout", f"--base={kernel_repo.base}", "add-del")
    git(kernel_repo.path, "checkout", "-q", "--detach", kernel_repo.base)
    review, ctxs, _ = with_tree(series_of(mbox), kernel_repo)
    assert review.context == "tree"
    files = ctxs[1].files
    assert files["drivers/misc/new-thing.c"].pre is None
    assert files["drivers/misc/new-thing.c"].post == "// SPDX\nstatic int x;\n"
    assert files["drivers/leds/leds-netxbig.c"].post is None
    assert files["drivers/leds/leds-netxbig.c"].pre == kernel_repo.read(kernel_repo.base, "drivers/leds/leds-netxbig.c")
    # a new file in drivers/misc is not in its Makefile: nothing is guessed
    facts = ctxs[1].facts_of("drivers/misc/new-thing.c")
    assert facts.modular is None and facts.kconfig_symbol is None and facts.makefile_lines == ()
    assert "drivers/leds/leds-netxbig.c" in ctxs[1].facts  # a deleted file: facts of its pre-image
    assert_clean(kernel_repo, private_tmp)


# --------------------------------------------------------------------------- file facts

def test_facts_for_a_tristate_driver_with_an_ops_struct(kernel_repo):
    case = kernel_repo.cases["drop-fops-owner"]
    _, ctxs, _ = with_tree(series_of(case.mbox), kernel_repo)
    facts = ctxs[1].facts[OPENDICE]
    assert isinstance(facts, FileFacts)
    assert facts.kconfig_symbol == "OPEN_DICE"
    assert facts.kconfig_type == "tristate"
    assert facts.kconfig_file == "drivers/misc/Kconfig"
    assert facts.modular is True
    (line,) = facts.makefile_lines
    assert re.fullmatch(r"obj-\$\(CONFIG_OPEN_DICE\) \+= open-dice\.o", line)
    assert facts.module_name == "drivers/misc/open-dice"
    assert facts.module_objects == (OPENDICE,)
    assert facts.includes == (
        "include/linux/io.h", "include/linux/miscdevice.h", "include/linux/mm.h", "include/linux/module.h",
        "include/linux/of_reserved_mem.h", "include/linux/platform_device.h")
    structs = facts.owner_structs
    # file_operations is three includes away (miscdevice.h -> device.h -> ... -> fs.h)
    assert ("file_operations", "owner", "include/linux/fs.h") in structs
    assert ("device_driver", "owner", "include/linux/device/driver.h") not in structs  # subdir not in this subset
    assert structs == tuple(sorted(structs))
    wrappers = dict(facts.owner_wrappers)
    assert len(wrappers) == len(facts.owner_wrappers)
    assert wrappers["platform_driver_register"] == "include/linux/platform_device.h"
    assert wrappers["module_platform_driver"] == "include/linux/platform_device.h"  # through the wrapper
    assert "misc_register" not in wrappers  # takes no owner: miscdevice uses fops->owner
    # other files of the tree by path
    assert ctxs[1].read("drivers/misc/Makefile") == kernel_repo.read(case.base, "drivers/misc/Makefile")
    assert "config OPEN_DICE" in ctxs[1].read("drivers/misc/Kconfig")


def test_facts_for_a_composite_module_and_its_local_header(kernel_repo):
    case = kernel_repo.cases["drop-card-owner"]
    _, ctxs, _ = with_tree(series_of(case.mbox), kernel_repo)
    facts = ctxs[1].facts_of(ES8328)
    assert facts.makefile_lines == (
        "snd-soc-imx-es8328-y := imx-es8328.o",
        "obj-$(CONFIG_SND_SOC_IMX_ES8328) += snd-soc-imx-es8328.o")
    assert facts.module_name == "sound/soc/fsl/snd-soc-imx-es8328"
    assert facts.kconfig_symbol == "SND_SOC_IMX_ES8328"
    assert facts.kconfig_type == "tristate"
    assert facts.modular is True
    assert ("snd_soc_card", "owner", "include/sound/soc.h") in facts.owner_structs
    assert "sound/soc/fsl/imx-audmux.h" in facts.includes
    assert ctxs[1].read("sound/soc/fsl/imx-audmux.h") == kernel_repo.read(case.base, "sound/soc/fsl/imx-audmux.h")


def test_facts_for_a_builtin_only_object(kernel_repo):
    case = kernel_repo.cases["touch-dmaengine"]
    _, ctxs, _ = with_tree(series_of(case.mbox), kernel_repo)
    path = "drivers/dma/dmaengine.c"
    facts = ctxs[1].facts_of(path)
    assert facts.kconfig_symbol == "DMA_ENGINE"
    assert facts.kconfig_type == "bool"
    assert facts.modular is False
    assert ("dma_device", "owner", "include/linux/dmaengine.h") in facts.owner_structs
    # the driver-private header that shares the name of the file is read by path
    assert "drivers/dma/dmaengine.h" in facts.includes
    assert ctxs[1].read("drivers/dma/dmaengine.h") is not None


# --------------------------------------------------------------------------- findings

def test_findings_sit_on_exact_lines_in_tree_mode(kernel_repo):
    case = kernel_repo.cases["self-pin"]
    series = series_of(case.mbox)
    review = tree.review_with_tree(series, str(kernel_repo.path), rule_checks("MOD001"))
    post = kernel_repo.read(case.commit, OPENDICE)
    want = line_of(post, "try_module_get(THIS_MODULE)")
    assert review.context == "tree"
    assert [(f.rule.id, f.path, f.line, f.side.value) for f in review.findings] == [("MOD001", OPENDICE, want, "new")]
    hunks = engine.review(series, checks=rule_checks("MOD001"))
    assert [(f.path, f.line) for f in hunks.findings] == [(OPENDICE, want)]


def test_the_fix_is_quiet_in_tree_mode(kernel_repo):
    case = kernel_repo.cases["fix-self-pin"]
    review = tree.review_with_tree(series_of(case.mbox), str(kernel_repo.path), rule_checks("MOD001"))
    assert review.context == "tree" and review.findings == ()


def test_offset_application_reports_the_mails_lines(kernel_repo, private_tmp):
    """A patch made against base, posted with base-commit: shift (3 lines more above it).

    The checks see the diff as git applied it (tree line numbers); the findings are moved back
    to the lines of the diff as posted, where a reader of the mail looks for them.
    """
    case = kernel_repo.cases["self-pin"]
    shift = kernel_repo.cases["shift"].commit
    mbox = case.mbox.replace(f"base-commit: {case.base}", f"base-commit: {shift}")
    series = series_of(mbox)
    spy = Spy()
    review = tree.review_with_tree(series, str(kernel_repo.path), (spy, *rule_checks("MOD001")))
    assert review.context == "tree"
    assert f"patch 1 applied at other lines than the mail shows (tree {shift[:12]}); " \
        "findings point at the lines of the mail" in review.notes
    (patch, ctx), = spy.seen
    assert patch.files[0].hunks[0].new_start == series.patches[0].files[0].hunks[0].new_start + 3
    post = ctx.post(OPENDICE)
    assert post.startswith("// SPDX") and "/*\n * shifted\n */\n#include <linux/io.h>" in post
    want = line_of(post, "try_module_get(THIS_MODULE)")
    posted = line_of(kernel_repo.read(case.commit, OPENDICE), "try_module_get(THIS_MODULE)")
    assert want == posted + 3
    assert [(f.rule.id, f.line) for f in review.findings] == [("MOD001", posted)]
    assert review.series.patches[0] is series.patches[0]  # reporters quote the mail's diff
    assert_clean(kernel_repo, private_tmp)


# --------------------------------------------------------------------------- fallbacks

def test_base_missing_falls_back_to_hunks_with_a_note(kernel_repo, private_tmp):
    case = kernel_repo.cases["self-pin"]
    mbox = case.mbox.replace(f"base-commit: {case.base}", "base-commit: " + "deadbeef" * 5)
    review, ctxs, _ = with_tree(series_of(mbox), kernel_repo, *rule_checks("MOD001"))
    assert review.context == "hunks"
    assert review.notes == (f"base deadbeefdead not found in {kernel_repo.path}: hunk context only",)
    assert ctxs[1].mode == "hunks" and not ctxs[1].files
    assert [f.rule.id for f in review.findings] == ["MOD001"]  # hunk findings are still reported
    assert_clean(kernel_repo, private_tmp)


def test_no_base_commit_uses_head_and_says_so(kernel_repo, private_tmp):
    case = kernel_repo.cases["drop-put-device"]
    mbox = re.sub(r"(?m)^base-commit: .*\n", "", case.mbox)
    series = series_of(mbox)
    assert series.base is None
    review, ctxs, _ = with_tree(series, kernel_repo)
    head = git(kernel_repo.path, "rev-parse", "HEAD").strip()
    assert review.context == "tree"
    assert review.notes == (f"tree: no base-commit: in the series; applied to HEAD {head[:12]} of {kernel_repo.path}",)
    assert ctxs[1].post(ATHDMAC) == kernel_repo.read(case.commit, ATHDMAC)
    assert_clean(kernel_repo, private_tmp)


def test_a_patch_that_does_not_apply_ends_tree_context_with_a_note(kernel_repo, private_tmp):
    base = kernel_repo.base
    mbox = kernel_repo.mail(f"{base}..series-2", base=base).decode()
    # damage patch 2's context so that git cannot apply it (not even 3-way)
    p1, p2 = mbox.split("\nFrom ", 1)
    p2 = p2.replace(" static const struct file_operations open_dice_fops = {",
                    " static const struct file_operations open_dice_fops_v2 = {")
    series = series_of(p1 + "\nFrom " + p2)
    review, ctxs, _ = with_tree(series, kernel_repo, *rule_checks("MOD001"))
    assert review.context == "tree"  # patch 1 had it
    assert ctxs[1].mode == "tree" and ctxs[2].mode == "hunks"
    (note,) = [n for n in review.notes if "does not apply" in n]
    assert note.startswith(f"patch 2 does not apply to {base[:12]} in {kernel_repo.path} (patch failed: {OPENDICE}:")
    assert note.endswith("hunk context only for patch 2")
    assert_clean(kernel_repo, private_tmp)


def test_hunk_findings_survive_when_nothing_applies(kernel_repo, private_tmp):
    case = kernel_repo.cases["self-pin"]
    mbox = case.mbox.replace("\tunsigned long val = to_open_dice_drvdata(filp)->rmem->size;\n",
                             "\tunsigned long size = to_open_dice_drvdata(filp)->rmem->size;\n")
    review = tree.review_with_tree(series_of(mbox), str(kernel_repo.path), rule_checks("MOD001"))
    assert review.context == "hunks"
    assert any(n.startswith("patch 1 does not apply") and n.endswith("hunk context only for patch 1")
               for n in review.notes), review.notes
    assert [(f.rule.id, f.path) for f in review.findings] == [("MOD001", OPENDICE)]
    assert_clean(kernel_repo, private_tmp)


@pytest.mark.parametrize("in_python", [True, False], ids=["applied-in-python", "git-apply"])
def test_scratch_area_is_removed_on_errors_and_interrupts(kernel_repo, private_tmp, monkeypatch, in_python):
    case = kernel_repo.cases["drop-put-device"]
    series = series_of(case.mbox)
    real_apply = Scratch.apply
    monkeypatch.setattr(Store, "plain_apply", in_python)

    def interrupted(self, patch, reader, snap):
        real_apply(self, patch, reader, snap)
        assert os.path.isdir(self.store.tmp)  # it existed while working
        assert os.path.isfile(self.index) is not in_python  # git apply needs the index written out
        raise KeyboardInterrupt

    monkeypatch.setattr(Scratch, "apply", interrupted)
    with pytest.raises(KeyboardInterrupt):
        tree.review_with_tree(series, str(kernel_repo.path), ())
    assert_clean(kernel_repo, private_tmp)

    def broken(self, patch, reader, snap):
        raise RuntimeError("boom")

    monkeypatch.setattr(Scratch, "apply", broken)
    with pytest.raises(RuntimeError):
        tree.review_with_tree(series, str(kernel_repo.path), ())
    assert_clean(kernel_repo, private_tmp)


def test_tree_that_is_not_a_repository_is_an_input_error(tmp_path, kernel_repo):
    case = kernel_repo.cases["self-pin"]
    with pytest.raises(InputError, match="not a git repository"):
        tree.review_with_tree(series_of(case.mbox), str(tmp_path / "nowhere"), ())


def test_scratch_commits_do_not_run_the_clones_hooks(kernel_repo, private_tmp):
    hooks = kernel_repo.path / ".git" / "hooks"
    marker = kernel_repo.path.parent / "hook-ran"
    for name in ("post-commit", "pre-commit", "post-checkout", "commit-msg"):
        (hooks / name).write_text(f"#!/bin/sh\necho {name} >> {marker}\n")
        (hooks / name).chmod(0o755)
    try:
        review = tree.review_with_tree(series_of(kernel_repo.cases["self-pin"].mbox), str(kernel_repo.path), ())
    finally:
        for name in ("post-commit", "pre-commit", "post-checkout", "commit-msg"):
            (hooks / name).unlink()
    assert review.context == "tree"
    assert not marker.exists(), marker.read_text()


# --------------------------------------------------------------------------- commits: --git and --tree

def test_git_range_uses_the_repository_as_base_tree(kernel_repo, private_tmp):
    base = kernel_repo.base
    bad, fix = (kernel_repo.cases[n].commit for n in ("drop-put-device", "fix-drop-put-device"))
    (series,) = pipeline.load([], f"{base}..fix-drop-put-device", str(kernel_repo.path))
    spy = Spy()
    review = tree.review_git_series(series, str(kernel_repo.path), (spy,))
    assert review.context == "tree"
    assert review.notes == (f"tree: commits {bad[:12]}..{fix[:12]} of {kernel_repo.path} "
                            "(pre-image: parent, post-image: commit)",)
    ctxs = {p.index: ctx for p, ctx in spy.seen}
    assert ctxs[1].pre(ATHDMAC) == kernel_repo.read(base, ATHDMAC)
    assert ctxs[1].post(ATHDMAC) == kernel_repo.read(bad, ATHDMAC)
    assert ctxs[2].pre(ATHDMAC) == kernel_repo.read(bad, ATHDMAC)
    assert ctxs[2].post(ATHDMAC) == kernel_repo.read(fix, ATHDMAC)
    assert ctxs[2].base == base and ctxs[2].commit == fix and ctxs[1].commit == bad
    assert ctxs[1].facts_of(ATHDMAC).kconfig_symbol == "AT_HDMAC"
    assert not any(private_tmp.iterdir()) and len(kernel_repo.worktrees()) == 1  # no worktree needed


def test_review_git_in_a_kernel_tree_cli(kernel_repo):
    base = kernel_repo.base
    res = run("review", "--git", f"{base}..self-pin", "--format", "json", "--select", "MOD001",
              cwd=kernel_repo.path / "drivers")  # anywhere inside the tree
    assert res.rc == 1, res.err
    doc = res.json()
    assert doc["series"]["context"] == "tree"
    post = kernel_repo.read("self-pin", OPENDICE)
    assert [(f["rule"], f["path"], f["line"]) for f in doc["findings"]] == [
        ("MOD001", OPENDICE, line_of(post, "try_module_get(THIS_MODULE)"))]
    assert any(n.startswith("tree: commits ") for n in doc["notes"])
    other = run("review", "--git", f"{base}..self-pin", "--repo", str(kernel_repo.path), "--format", "json")
    assert other.json()["series"]["context"] == "tree"


def test_tree_with_a_series_of_its_own_commits_reads_them(kernel_repo, private_tmp):
    base = kernel_repo.base
    series = series_of(kernel_repo.mail(f"{base}..series-2", commit_ids=True))
    review, ctxs, _ = with_tree(series, kernel_repo)
    assert review.context == "tree"
    assert review.notes[0].startswith("tree: commits ")
    assert ctxs[2].post(OPENDICE) == kernel_repo.read("series-2", OPENDICE)
    assert not any(private_tmp.iterdir())
    # format-patch Message-Ids of commits this tree does not have: applied like any posting
    foreign = re.sub(r"<([0-9a-f]{40})\.", lambda m: f"<{m.group(1)[::-1]}.",
                     kernel_repo.mail(f"{base}..series-2", base=base, commit_ids=True).decode())
    review, ctxs, _ = with_tree(series_of(foreign), kernel_repo)
    assert review.notes == (f"tree: base {base[:12]} (base-commit:) in {kernel_repo.path}",)
    assert ctxs[2].post(OPENDICE) == kernel_repo.read("series-2", OPENDICE)
    assert_clean(kernel_repo, private_tmp)


def test_tree_option_on_the_command_line(kernel_repo, tmp_path):
    patch = tmp_path / "0001.patch"
    patch.write_text(kernel_repo.cases["self-pin"].mbox)
    res = run("review", str(patch), "--tree", str(kernel_repo.path), "--format", "json", "--select", "MOD001")
    doc = res.json()
    assert res.rc == 1 and doc["series"]["context"] == "tree"
    assert doc["notes"] == [f"tree: base {kernel_repo.base[:12]} (base-commit:) in {kernel_repo.path}"]
    bad = run("review", str(patch), "--tree", str(tmp_path))
    assert "not a git repository" in bad.one_line_error()


def test_pipeline_routes_git_series_only(kernel_repo):
    """A mailed patch next to --git is not looked up in the repository."""
    opts = pipeline.Options(git_repo=str(kernel_repo.path))
    mailed = series_of(kernel_repo.cases["self-pin"].mbox)
    assert pipeline.review_series(mailed, opts).context == "hunks"
    (from_git,) = pipeline.load([], f"{kernel_repo.base}..self-pin", str(kernel_repo.path))
    assert pipeline.review_series(from_git, opts).context == "tree"
    assert os.path.isdir(kernel_repo.path)


def test_a_renamed_file_is_found_under_both_names(kernel_repo, private_tmp):
    git(kernel_repo.path, "checkout", "-q", "-B", "rename", kernel_repo.base)
    git(kernel_repo.path, "mv", OPENDICE, "drivers/misc/open_dice.c")
    text = (kernel_repo.path / "drivers/misc/open_dice.c").read_text()
    (kernel_repo.path / "drivers/misc/open_dice.c").write_text(text.replace("#define DRIVER_NAME", "#define DRV_NAME"))
    git(kernel_repo.path, "commit", "-q", "-am", "misc: open-dice: rename")
    mbox = git(kernel_repo.path, "format-patch", "-M", "-1", "--stdout", f"--base={kernel_repo.base}", "rename")
    git(kernel_repo.path, "checkout", "-q", "--detach", kernel_repo.base)
    series = series_of(mbox)
    assert series.patches[0].files[0].is_rename
    review, ctxs, _ = with_tree(series, kernel_repo)
    assert review.context == "tree" and not any("other lines" in n for n in review.notes)
    files = ctxs[1].files
    assert files["drivers/misc/open_dice.c"] is files[OPENDICE]
    assert files[OPENDICE].pre == kernel_repo.read(kernel_repo.base, OPENDICE)
    assert files[OPENDICE].post == kernel_repo.read("rename", "drivers/misc/open_dice.c")
    assert_clean(kernel_repo, private_tmp)


# --------------------------------------------------------------------------- rules on real drivers

def _line_after(text: str, needle: str, then: str) -> int:
    """The first line containing `then` after the unique line containing `needle`."""
    lines = text.split("\n")
    start = line_of(text, needle)
    return next(i for i, ln in enumerate(lines[start:], start + 1) if then in ln)


# (case, rule, path, where: (pre image, post image) -> acceptable {(line, side)})
RULE_CASES = [
    ("self-pin", "MOD001", OPENDICE, lambda pre, post: {(line_of(post, "try_module_get(THIS_MODULE)"), "new")}),
    ("drop-fops-owner", "MOD007", OPENDICE, lambda pre, post: {(line_of(pre, ".owner = THIS_MODULE,"), "old")}),
    ("drop-card-owner", "MOD007", ES8328,
     lambda pre, post: {(line_of(pre, "data->card.owner = THIS_MODULE;"), "old")}),
    # the at_hdmac leak: the removed put, or the exit that no longer drops the lookup's reference
    ("drop-put-device", "MOD003", ATHDMAC,
     lambda pre, post: {(_line_after(pre, "atslave = kmalloc(", "put_device(&dmac_pdev->dev);"), "old"),
                        (_line_after(post, "atslave = kmalloc(", "return NULL;"), "new")}),
    # only the whole function shows that `goto put_device` was the unwind this return skips
    ("return-skips-put", "MOD003", NETXBIG,
     lambda pre, post: {(_line_after(post, "timers = devm_kcalloc(", "return -ENOMEM;"), "new")}),
]


@pytest.mark.parametrize("name,rule,path,where", RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_rule_fires_on_the_defect_and_not_on_its_fix(kernel_repo, name, rule, path, where):
    checks = rule_checks(rule)
    if not checks:
        pytest.skip(f"{rule} is not implemented yet")
    case = kernel_repo.cases[name]
    want = where(kernel_repo.read(case.base, path), kernel_repo.read(case.commit, path))
    review = tree.review_with_tree(series_of(case.mbox), str(kernel_repo.path), checks)
    assert review.context == "tree"
    got = {(f.line, f.side.value) for f in review.shown(include_low=True) if (f.rule.id, f.path) == (rule, path)}
    assert got & want, (want, review.findings)
    fix = kernel_repo.cases[f"fix-{name}"]
    quiet = tree.review_with_tree(series_of(fix.mbox), str(kernel_repo.path), checks)
    assert quiet.context == "tree" and quiet.shown() == [], quiet.findings


def test_a_bare_clone_works_as_tree(kernel_repo, tmp_path, private_tmp):
    bare = tmp_path / "linux.git"
    git(kernel_repo.path, "clone", "-q", "--bare", str(kernel_repo.path), str(bare))
    case = kernel_repo.cases["self-pin"]
    review, ctxs, _ = with_tree(series_of(case.mbox), SimpleNamespace(path=bare), *rule_checks("MOD001"))
    assert review.context == "tree"
    assert ctxs[1].post(OPENDICE) == kernel_repo.read(case.commit, OPENDICE)
    assert [f.rule.id for f in review.findings] == ["MOD001"]
    assert not any(private_tmp.iterdir())
