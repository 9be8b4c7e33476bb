"""Tree mode applies plain git diffs in Python (reviewbot.tree.patchapply) instead of running
`git apply --cached`: for every case here both ways must give the same verdict, the same
error text and the same post-image blobs, and the Python side must really decide the cases it
claims (and hand the others to git)."""

from __future__ import annotations

import hashlib
import os
import subprocess
from types import SimpleNamespace

import pytest

from reviewbot.tree import patchapply
from reviewbot.tree.apply import Scratch
from reviewbot.tree.store import Reader, Snap, Store
from tests.tree.conftest import GIT_ENV

BODY = "".join(f"line {i}\n" for i in range(1, 41))
# two identical blocks, 10 lines apart: which one an offset hunk lands on is git's search order
TWICE = "".join(f"x{i}\n" for i in range(1, 21)) + "a\nb\nc\n" + "".join(f"y{i}\n" for i in range(7)) + \
    "a\nb\nc\n" + "".join(f"z{i}\n" for i in range(20))
FILES = {"drivers/foo.c": BODY, "drivers/twice.c": TWICE, "drivers/bar.h": "int bar;\n", "README": "hello\n"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    repo = tmp_path_factory.mktemp("patchapply") / "repo"
    for path, text in FILES.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", "base"], check=True, env=env)
    s = Store(str(repo))
    yield s
    s.close()


def _diff(path: str, hunks: str, header: str = "index 1111111..2222222 100644\n") -> str:
    return f"diff --git a/{path} b/{path}\n{header}--- a/{path}\n+++ b/{path}\n{hunks}"


def _both(store: Store, diff: str, decided: bool = True):
    """(error, post-image blob ids) in Python and with git; asserts they agree."""
    paths = sorted({ln.split(" b/", 1)[1] for ln in diff.splitlines() if ln.startswith("diff --git ")})
    patch = SimpleNamespace(diff=diff, files=[SimpleNamespace(path=p, old_path=None) for p in paths])
    head = store.commit("HEAD")[0]
    out = []
    for in_python in (True, False):
        store.__dict__["plain_apply"] = in_python
        reader = Reader(store)
        with Scratch(store, [patch]) as scratch:
            if in_python:
                verdict = scratch._in_process(diff.encode(), reader)
                assert (verdict is not None) is decided, verdict
            error, post = scratch.apply(patch, reader, Snap(head))
        out.append((error, dict(post.overlay) if post else None))
    store.__dict__.pop("plain_apply")
    assert out[0] == out[1]
    return out[0]


def test_exact_and_offset_hunks(store):
    exact = _diff("drivers/foo.c", "@@ -10,3 +10,4 @@\n line 10\n line 11\n+added\n line 12\n")
    error, post = _both(store, exact)
    assert error == "" and post["drivers/foo.c"]
    moved = _diff("drivers/foo.c", "@@ -2,3 +2,4 @@\n line 20\n line 21\n+added\n line 22\n")  # 18 lines off
    assert _both(store, moved)[0] == ""


@pytest.mark.parametrize("start", [14, 18, 21, 24, 25, 26, 27, 28, 33, 40])
def test_a_block_found_twice_goes_where_git_puts_it(store, start):
    diff = _diff("drivers/twice.c", f"@@ -{start},3 +{start},4 @@\n a\n b\n+new\n c\n")
    assert _both(store, diff)[0] == ""


def test_what_git_refuses(store):
    # context that is not in the file
    assert _both(store, _diff("drivers/foo.c", "@@ -10,3 +10,3 @@\n line 10\n-line 11\n+eleven\n line 99\n"))[0] \
        == "patch failed: drivers/foo.c:10"
    # a hunk at line 1 must match at the top; one without trailing context at the end
    assert _both(store, _diff("drivers/foo.c", "@@ -1,2 +1,3 @@\n line 5\n+x\n line 6\n"))[0] \
        == "patch failed: drivers/foo.c:1"
    assert _both(store, _diff("drivers/foo.c", "@@ -5,2 +5,2 @@\n line 5\n-line 6\n+six\n"))[0] \
        == "patch failed: drivers/foo.c:5"
    # lines as a substring, not at line starts
    assert _both(store, _diff("drivers/foo.c", "@@ -10,2 +10,2 @@\n ine 10\n-line 11\n+x\n"))[0] \
        == "patch failed: drivers/foo.c:10"
    # a second hunk cannot match lines the first one produced
    twice = "@@ -10,3 +10,3 @@\n line 10\n-line 11\n+line 12\n line 12\n" \
        "@@ -30,3 +30,3 @@\n line 10\n-line 12\n+twelve\n line 12\n"
    assert _both(store, _diff("drivers/foo.c", twice))[0] == "patch failed: drivers/foo.c:30"
    # files that are not there, or are
    assert _both(store, _diff("drivers/gone.c", "@@ -1,1 +1,1 @@\n-a\n+b\n"))[0] == "drivers/gone.c: does not exist in index"
    new = "diff --git a/README b/README\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/README\n" \
          "@@ -0,0 +1 @@\n+hi\n"
    assert _both(store, new)[0] == "README: already exists in index"
    # the first failing file names the error
    two = _diff("drivers/bar.h", "@@ -1 +1 @@\n-int baz;\n+int qux;\n") + \
        _diff("drivers/foo.c", "@@ -1,1 +1,1 @@\n-nothing\n+x\n")
    assert _both(store, two)[0] == "patch failed: drivers/bar.h:1"


def test_new_deleted_and_several_files_with_a_signature(store):
    diff = ("diff --git a/drivers/new.c b/drivers/new.c\nnew file mode 100644\nindex 0000000..1111111\n"
            "--- /dev/null\n+++ b/drivers/new.c\n@@ -0,0 +1,2 @@\n+int a;\n+int b;\n"
            "diff --git a/drivers/bar.h b/drivers/bar.h\ndeleted file mode 100644\nindex 1111111..0000000\n"
            "--- a/drivers/bar.h\n+++ /dev/null\n@@ -1 +0,0 @@\n-int bar;\n"
            + _diff("drivers/foo.c", "@@ -39,2 +39,3 @@\n line 39\n line 40\n+line 41\n") + "-- \n2.45.0\n\n")
    error, post = _both(store, diff)
    assert error == "" and post["drivers/bar.h"] is None and post["drivers/new.c"] and post["drivers/foo.c"]


def test_what_python_leaves_to_git(store):
    no_newline = _diff("README", "@@ -1 +1 @@\n-hello\n+bye\n\\ No newline at end of file\n")
    assert _both(store, no_newline, decided=False)[0] == ""
    rename = "diff --git a/README b/README2\nsimilarity index 100%\nrename from README\nrename to README2\n"
    _both(store, rename, decided=False)
    short = _diff("drivers/foo.c", "@@ -10,3 +10,4 @@\n line 10\n+added\n line 12\n")  # counts do not add up
    _both(store, short, decided=False)


def test_parse_keeps_text_git_would_read_as_a_patch_for_git():
    ok = _diff("a.c", "@@ -1 +1 @@\n-a\n+b\n").encode()
    assert patchapply.parse(ok) is not None
    assert patchapply.parse(ok + b"--- a/b.c\n+++ b/b.c\n@@ -1 +1 @@\n-a\n+b\n") is None
    assert patchapply.parse(b"--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-a\n+b\n") is None  # not a git diff
    assert patchapply.parse(_diff("../a.c", "@@ -1 +1 @@\n-a\n+b\n").encode()) is None


def _series(store: Store, diffs: list[str]) -> list:
    """Apply `diffs` in order in one scratch area, as a series: [(error, blob ids)], in Python
    and with git; asserts they agree."""
    head = store.commit("HEAD")[0]
    out = []
    for in_python in (True, False):
        store.__dict__["plain_apply"] = in_python
        reader = Reader(store)
        patches = [SimpleNamespace(diff=d, files=[SimpleNamespace(path="drivers/foo.c", old_path=None)]) for d in diffs]
        got = []
        with Scratch(store, patches) as scratch:
            snap = Snap(head)
            for patch in patches:
                error, post = scratch.apply(patch, reader, snap)
                got.append((error, dict(post.overlay) if post else None))
                snap = post or snap
        out.append(got)
    store.__dict__.pop("plain_apply")
    assert out[0] == out[1]
    return out[0]


def _blob_id(text: str) -> str:
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_a_later_patch_merges_three_way_on_a_blob_an_earlier_one_made(store):
    """Patch 3 was made on patch 1's result, patch 2 changed a line of its context: the plain
    apply fails, `--3way` merges on patch 1's post-image, which was made in Python and must be
    visible to git by then."""
    v1 = BODY.replace("line 10\n", "line 10 v1\n")
    p1 = _diff("drivers/foo.c", "@@ -9,3 +9,3 @@\n line 9\n-line 10\n+line 10 v1\n line 11\n",
               f"index {_blob_id(BODY)[:12]}..{_blob_id(v1)[:12]} 100644\n")
    p2 = _diff("drivers/foo.c", "@@ -9,3 +9,3 @@\n line 9\n-line 10 v1\n+line 10 v2\n line 11\n")
    p3 = _diff("drivers/foo.c", "@@ -10,7 +10,7 @@\n line 10 v1\n line 11\n line 12\n-line 13\n+thirteen\n"
               " line 14\n line 15\n line 16\n", f"index {_blob_id(v1)[:12]}..1234567 100644\n")
    results = _series(store, [p1, p2, p3])
    assert [error for error, _ in results] == ["", "", ""]  # the third one by --3way

