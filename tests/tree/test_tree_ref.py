"""`tree_ref`: the branch of the kernel clone a series without a (known) base-commit: goes on.

A real git repository (tests/tree/conftest.py) with a branch `next` one commit ahead of HEAD;
the series below is made on `next` (its context holds a line only `next` has) and posted
without `base-commit:` and without blob ids, so it applies to `next` and to nothing else."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from reviewbot import db, pipeline, tree
from reviewbot.configschema import problems
from reviewbot.forge.settings import repo_config
from reviewbot.ingest import b4 as b4src
from reviewbot.watch.follow import Follower
from reviewbot.watch.policy import ListPolicy, list_policy
from tests.cli.clirun import run
from tests.tree.conftest import OPENDICE, git
from tests.watch.mails import Epoch

MARK = "\t/* the size of the reserved region */\n"
READ = "\treturn simple_read_from_buffer(ptr, len, off, &val, sizeof(val));\n"
PIN = ("\tif (!try_module_get(THIS_MODULE))\n\t\treturn -ENODEV;\n"
       "\tlen = simple_read_from_buffer(ptr, len, off, &val, sizeof(val));\n"
       "\tmodule_put(THIS_MODULE);\n\treturn len;\n")


@pytest.fixture(scope="module")
def on_next(kernel_repo):
    """(repo, the mail, next's commit id): branch `next` adds MARK, the patch self-pins on it."""
    nxt = kernel_repo.change("next", [(OPENDICE, READ, MARK + READ)], "misc: open-dice: say what is read")
    kernel_repo.change("on-next", [(OPENDICE, MARK + READ, MARK + PIN)], "misc: open-dice: pin while reading",
                       parent=nxt.commit)
    git(kernel_repo.path, "branch", "-f", "next", nxt.commit)  # change() left it there; make it explicit
    mbox = kernel_repo.mail(f"{nxt.commit}..on-next")
    mbox = re.sub(rb"(?m)^index [0-9a-f]+\.\.[0-9a-f]+.*\n", b"", mbox)  # no blobs: no 3-way onto HEAD
    assert b"base-commit:" not in mbox
    return kernel_repo, mbox, nxt.commit


def series_of(mbox: bytes):
    (series,) = b4src.series_from_mbox_bytes(mbox, "test")
    return series


def test_ref_is_where_a_series_without_base_goes(on_next):
    repo, mbox, nxt = on_next
    review = pipeline.review_series(series_of(mbox), pipeline.Options(tree=str(repo.path), tree_ref="next",
                                                                      select=("MOD001",)))
    assert review.context == "tree"
    assert review.notes == (f"tree: no base-commit: in the series; applied to next {nxt[:12]} of {repo.path}",)
    assert [f.rule.id for f in review.findings] == ["MOD001"]
    # without the ref: HEAD, where the patch does not apply (hunks only, said in the notes)
    head = pipeline.review_series(series_of(mbox), pipeline.Options(tree=str(repo.path), select=("MOD001",)))
    assert head.context == "hunks" and "does not apply" in head.notes[-1]


def test_base_commit_wins_and_a_missing_base_falls_back_to_the_ref(on_next):
    repo, mbox, nxt = on_next
    with_base = mbox.replace(b"\n-- \n", f"\nbase-commit: {nxt}\n-- \n".encode(), 1)
    review = tree.review_with_tree(series_of(with_base), str(repo.path), (), ref="master")
    assert review.notes == (f"tree: base {nxt[:12]} (base-commit:) in {repo.path}",)
    unknown = mbox.replace(b"\n-- \n", b"\nbase-commit: " + b"ab" * 20 + b"\n-- \n", 1)
    review = tree.review_with_tree(series_of(unknown), str(repo.path), (), ref="next")
    assert review.context == "tree"
    assert review.notes == (f"tree: base abababababab not found in {repo.path}; applied to next {nxt[:12]} "
                            f"of {repo.path}",)
    review = tree.review_with_tree(series_of(mbox), str(repo.path), (), ref="no-such-branch")
    assert review.context == "hunks" and review.notes == (f"{repo.path} has no no-such-branch commit: hunk context only",)


def test_command_line_tree_ref(on_next, tmp_path):
    repo, mbox, nxt = on_next
    patch = tmp_path / "series.mbox"
    patch.write_bytes(mbox)
    res = run("review", str(patch), "--tree", str(repo.path), "--tree-ref", "next", "--format", "json")
    doc = res.json()
    assert res.rc == 1 and doc["series"]["context"] == "tree", res.err
    assert doc["notes"] == [f"tree: no base-commit: in the series; applied to next {nxt[:12]} of {repo.path}"]
    bad = run("review", str(patch), "--tree", str(repo.path), "--tree-ref", "no-such-branch")
    assert bad.rc == 2 and "'no-such-branch' is not a commit of" in bad.one_line_error()
    alone = run("review", str(patch), "--tree-ref", "next")
    assert alone.rc == 2 and "goes with --tree" in alone.one_line_error()
    notrepo = run("review", str(patch), "--tree", str(tmp_path), "--tree-ref", "next")
    assert notrepo.rc == 2 and "not a git repository" in notrepo.one_line_error()


def test_list_follower_reviews_on_the_configured_branch(on_next, tmp_path):
    repo, mbox, _ = on_next
    cfg = {"lists": {"leds": {"inbox": str(tmp_path / "inbox"), "tree": str(repo.path), "tree_ref": "next"}}}
    assert problems(cfg) == []
    p = list_policy("leds", cfg["lists"]["leds"], cfg)
    assert (p.tree, p.tree_ref) == (str(repo.path), "next")
    ep = Epoch(tmp_path / "inbox")
    for raw in re.split(rb"(?m)^(?=From [0-9a-f]{40} )", mbox):
        if raw.strip():
            ep.add(raw.split(b"\n", 1)[1], 1_800_000_000.0)
    replies = {}
    for ref in ("next", None):
        out = tmp_path / f"out-{ref}"
        pol = replace(ListPolicy(name="leds", inbox=tmp_path / "inbox", outbox_dir=out,
                                 sender="reviewbot <bot@reviewbot.example>", address="leds@example.org"),
                      tree=str(repo.path), tree_ref=ref)
        fw = Follower(pol, db.create_all(f"sqlite:///{tmp_path / f'w-{ref}.db'}"), lambda: 1_800_000_000.0)
        fw.run_once()
        (eml,) = sorted(out.glob("*.eml"))
        replies[ref] = eml.read_text()
    assert "read the files as patched" in replies["next"]
    assert "saw only the hunks" in replies[None]


def test_config_schema_and_forge_settings_know_tree_ref():
    assert problems({"repos": {"a/b": {"tree": "/srv/linux", "tree_ref": "master"}}}) == []
    assert problems({"lists": {"x": {"inbox": "/i", "tree_reff": "master"}}}) == [
        "[lists.x]: unknown key 'tree_reff' (did you mean 'tree_ref'?)"]
    assert problems({"lists": {"x": {"inbox": "/i", "tree_ref": 3}}})[0].startswith("[lists.x]: tree_ref = 3")
    rc = repo_config({"repos": {"a/b": {"tree": "/srv/linux", "tree_ref": "master"}}}, "a/b")
    assert (rc.tree, rc.tree_ref) == ("/srv/linux", "master")
    assert repo_config({}, "a/b").tree_ref is None
