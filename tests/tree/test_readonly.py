"""The user's repository is read-only to tree mode: after a review its objects, refs, index and
work tree are byte for byte what they were.  `git apply` writes the post-image blobs of each
patch (and `--3way` its merge results); they go to reviewbot's private object directory, with
the repository as an alternate, never into .git/objects."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from reviewbot.ingest import b4 as b4src
from reviewbot import tree
from reviewbot.tree.store import Store
from tests.cli.clirun import run_console
from tests.tree.conftest import OPENDICE, git


def snapshot(root: Path) -> dict[str, str]:
    """Every file and directory under `root` (.git included): content digest, link target, or 'dir'."""
    out = {}
    for d, dirs, files in os.walk(root):
        for name in dirs:
            out[os.path.relpath(os.path.join(d, name), root)] = "dir"
        for name in files:
            path = os.path.join(d, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                out[rel] = "link:" + os.readlink(path)
            else:
                with open(path, "rb") as fh:
                    out[rel] = hashlib.sha256(fh.read()).hexdigest()
    return out


def _unseen(kernel_repo) -> str:
    """The self-pin patch with one added line changed: its post-image is no blob of the repository."""
    mbox = kernel_repo.cases["self-pin"].mbox
    assert "+\tmodule_put(THIS_MODULE);\n" in mbox
    return mbox.replace("+\tmodule_put(THIS_MODULE);\n", "+\tmodule_put(THIS_MODULE); /* unseen */\n")


def test_a_review_leaves_the_repository_byte_identical(kernel_repo, tmp_path):
    unseen = tmp_path / "unseen.patch"
    unseen.write_text(_unseen(kernel_repo))
    both = tmp_path / "cases.mbox"
    both.write_text(unseen.read_text().rstrip("\n") + "\n\n" + kernel_repo.mail(f"{kernel_repo.base}..series-2",
                                                                                base=kernel_repo.base).decode())
    shifted = tmp_path / "shifted.patch"  # made against base, applied on 'shift' at an offset
    shifted.write_text(kernel_repo.cases["drop-fops-owner"].mbox.replace(
        f"base-commit: {kernel_repo.base}", f"base-commit: {kernel_repo.cases['shift'].commit}"))
    blob = git(kernel_repo.path, "hash-object", "--stdin", input=kernel_repo.read("self-pin", OPENDICE).replace(
        "\tmodule_put(THIS_MODULE);\n", "\tmodule_put(THIS_MODULE); /* unseen */\n")).strip()
    before = snapshot(kernel_repo.path)
    runs = [run_console("review", "--tree", str(kernel_repo.path), "--format", "json", str(unseen)),
            run_console("review", "--tree", str(kernel_repo.path), "--format", "json", str(shifted)),
            run_console("review", "-j", "2", "--tree", str(kernel_repo.path), "--format", "json", str(both)),
            run_console("review", "--git", f"{kernel_repo.base}..series-2", "--repo", str(kernel_repo.path),
                        "--format", "json")]
    for res in runs:
        assert res.rc in (0, 1) and '"context": "tree"' in res.out, res.err
    assert '"context": "tree"' in runs[1].out and "applied at other lines" in runs[1].out
    after = snapshot(kernel_repo.path)
    assert {k: v for k, v in after.items() if before.get(k) != v} == {}
    assert {k: v for k, v in before.items() if after.get(k) != v} == {}
    # the post-image git wrote really is nowhere in the repository (so the check above can fail)
    assert not (kernel_repo.path / ".git" / "objects" / blob[:2] / blob[2:]).exists()


@pytest.mark.parametrize("in_python", [True, False], ids=["applied-in-python", "git-apply"])
def test_the_store_writes_to_its_private_directory_and_removes_it(kernel_repo, monkeypatch, in_python):
    (series,) = b4src.series_from_mbox_bytes(_unseen(kernel_repo).encode(), "test")
    seen = {}
    real_close = Store.close
    monkeypatch.setattr(Store, "plain_apply", in_python)

    def close(self):
        self.flush()  # what the next git command would have made it write (a Python apply's blobs)
        objects = Path(self.tmp) / "objects"
        seen["loose"] = [p for p in objects.rglob("*") if p.is_file() and len(p.parent.name) == 2]
        seen["tmp"] = Path(self.tmp)
        real_close(self)

    Store.close = close
    try:
        review = tree.review_with_tree(series, str(kernel_repo.path), ())
    finally:
        Store.close = real_close
    assert review.context == "tree"
    assert seen["loose"], "git apply wrote no object: the private object directory was not used"
    assert not seen["tmp"].exists()
