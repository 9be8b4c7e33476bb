"""reviewbot eval: splits by mailing list, the held-out half hidden, tree mode on a real git repo."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from reviewbot import evaluate
from tests.cli.clirun import ROOT, run

PATH = "drivers/misc/foo.c"
BASE = """\
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>

static int foo_open(struct inode *inode, struct file *file)
{
\tfile->private_data = inode->i_private;
\treturn 0;
}
"""
PINNED = BASE.replace("{\n\tfile->", "{\n\tif (!try_module_get(THIS_MODULE))\n\t\treturn -ENODEV;\n\tfile->")


def _git(repo: Path, *args: str, input: str | None = None) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": "/dev/null", "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, text=True,
                          check=True, env=env).stdout


def _mail(subject: str, diff: str) -> str:
    return (f"From: A U Thor <a@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: [PATCH] {subject}\n"
            f"\nbody\n\nSigned-off-by: A U Thor <a@example.org>\n---\n{diff}")


def _corpus(tmp: Path) -> tuple[Path, Path]:
    """A kernel-like repo holding the fixed code, and a corpus: the reversed fix (positive) and
    the fix as posted (negative), both marked as applying to the repo."""
    repo = tmp / "linux"
    (repo / "drivers/misc").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / PATH).write_text(BASE)  # the tree has the fix, like 6.12 has the fixes of the corpus
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    (repo / PATH).write_text(PINNED)
    reverse = _git(repo, "diff")  # the reversed fix adds the self-pin
    fix = _git(repo, "diff", "-R")
    _git(repo, "checkout", "-q", "--", PATH)
    corpus = tmp / "corpus"
    (corpus / "cases").mkdir(parents=True)
    (corpus / "cases/pin.patch").write_text(_mail("foo: reversed diff", reverse))
    (corpus / "cases/pin-fix.patch").write_text(_mail("foo: drop the self-pin", fix))
    src = {"repository": "archives/linux-foo.vger.kernel.org.0"}
    manifest = [
        {"id": "pin", "kind": "positive", "rule": "self-pin", "file": "cases/pin.patch", "source": src,
         "expected_lines": [{"path": PATH, "new_line": 6, "text": "if (!try_module_get(THIS_MODULE))"}],
         "applies_to_6_12": True},
        {"id": "pin-fix", "kind": "negative", "rule": "self-pin", "file": "cases/pin-fix.patch", "source": src,
         "applies_to_6_12": True},
    ]
    (corpus / "manifest.json").write_text(json.dumps(manifest))
    return repo, corpus


def test_split_is_by_list_and_stable():
    recs = [{"source": {"repository": f"x/{name}.vger.kernel.org.0"}} for name in ("linux-usb", "linux-tegra")]
    assert [evaluate.split_of(r) for r in recs] == [evaluate.split_of(r) for r in recs]
    assert {evaluate.split_of(r) for r in recs} <= {"tune", "holdout"}
    same_list = [{"source": {"repository": f"a/linux-usb.vger.kernel.org.{n}"}} for n in range(3)]
    assert len({evaluate.split_of(r) for r in same_list}) == 1
    assert evaluate.split_of({}) == "tune"


def test_tree_mode_scores_the_fix_on_its_defect_commit(tmp_path):
    repo, corpus = _corpus(tmp_path)
    head = _git(repo, "rev-parse", "HEAD").strip()
    objects = sorted(p.relative_to(repo) for p in (repo / ".git/objects").rglob("*"))
    out = run("eval", str(corpus), "--tree", str(repo))
    assert out.rc == 0, out.err
    assert "recall 1/1" in out.out and "false positives 0/1" in out.out
    assert _git(repo, "rev-parse", "HEAD").strip() == head and not _git(repo, "status", "--porcelain")
    # the defect commit went to the review's private object directory, not into the repository
    assert sorted(p.relative_to(repo) for p in (repo / ".git/objects").rglob("*")) == objects
    hunks = run("eval", str(corpus), "--applies")
    assert "recall 1/1" in hunks.out and "false positives 0/1" in hunks.out


def test_tree_mode_reviews_a_positive_on_top_of_the_fix_it_names(tmp_path):
    """A tree older than the fixes (the defect in HEAD): each positive names its fix as
    `tree_base_file` and is reviewed on HEAD with the fix applied; the fix (null base) on HEAD."""
    repo, corpus = _corpus(tmp_path)
    (repo / PATH).write_text(PINNED)  # this tree still has the self-pin
    _git(repo, "commit", "-qam", "older tree")
    manifest = json.loads((corpus / "manifest.json").read_text())
    manifest[0]["tree_base_file"], manifest[1]["tree_base_file"] = "cases/pin-fix.patch", None
    (corpus / "manifest.json").write_text(json.dumps(manifest))
    out = run("eval", str(corpus), "--tree", str(repo), "-v")
    assert out.rc == 0, out.err
    assert "recall 1/1" in out.out and "false positives 0/1" in out.out, out.out
    assert "does not apply" not in out.out + out.err
    # without the bases, the fix's defect commit (the positive on HEAD) cannot be made
    for rec in manifest:
        del rec["tree_base_file"]
    (corpus / "manifest.json").write_text(json.dumps(manifest))
    out = run("eval", str(corpus), "--tree", str(repo))
    assert "does not apply" in out.out + out.err, out.out


def test_holdout_hides_case_names(tmp_path):
    _, corpus = _corpus(tmp_path)
    manifest = json.loads((corpus / "manifest.json").read_text())
    half = evaluate.split_of(manifest[0])
    for rec in manifest:  # a positive nobody can find: a missed case to hide
        rec["expected_lines"] = [{"path": "nowhere.c", "new_line": 1}] if rec["kind"] == "positive" else None
        rec.pop("expected_lines") if rec["expected_lines"] is None else None
    (corpus / "manifest.json").write_text(json.dumps(manifest))
    shown = run("eval", str(corpus), "--split", half)
    if half == "holdout":
        assert "pin" not in shown.out and "1 (hidden)" in shown.out
        assert "pin" in run("eval", str(corpus), "--split", half, "--reveal").out
    else:
        assert "missed positives: pin" in shown.out


def test_not_a_repository_is_a_clear_error(tmp_path):
    _, corpus = _corpus(tmp_path)
    out = run("eval", str(corpus), "--tree", str(tmp_path / "nope"))
    assert out.rc == 2 and "not a git repository" in out.err and "Traceback" not in out.err


def test_noise_counts_what_default_output_shows():
    """evaluate.noise: the comment rate scripts/noise.py and benchmarks/quality.py print."""
    nz = evaluate.noise(ROOT / "examples" / "zram-sysfs-self-pin.patch")
    assert (nz.patches, [f.line for f in nz.findings], nz.per_100) == (1, [1725, 1794, 2055, 2091], 400.0)
    assert {f.rule.id for f in nz.findings} == {"MOD001"} and nz.errors == []
