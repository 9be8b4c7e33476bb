"""Reviews in several threads of one process (the service's worker runs `--threads N`) give
what the same reviews give one after the other.

Every cache the engine keeps across reviews is shared by those threads: the trigger index
(reviewbot.triggers), the gated patterns (lazyre.gated), the tree store's blob cache, the rule
modules' lazily filled tables.  Each run is a fresh process, so the threads meet those caches
cold and fill them at once (a barrier starts them together), in several orders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

DATA = ROOT / "tests" / "data" / "checks"

_SCRIPT = r"""
import json, sys, threading
from reviewbot import pipeline

mode, tree, order = sys.argv[1], sys.argv[2] or None, sys.argv[3:]
sys.setswitchinterval(1e-6)  # threads switch as often as they can: the races get their chance
opts = pipeline.Options(tree=tree)


def one(path):
    out = []
    for series in pipeline.load([path], opts=opts):
        review = pipeline.review_series(series, opts)
        out.append([review.context] + sorted(
            [f.rule.id, f.path, f.line, f.message, f.effective_confidence.value, f.effective_level.value]
            for f in review.findings))
    return out


got = []
if mode == "threads":
    start = threading.Barrier(len(order))
    errors = []

    def work(path):
        try:
            start.wait()
            got.append([path, one(path)])
        except BaseException as exc:  # reported: a thread's crash must fail the test
            errors.append(f"{path}: {exc!r}")

    threads = [threading.Thread(target=work, args=(p,)) for p in order]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit("\n".join(errors))
else:
    for path in order:
        got.append([path, one(path)])
print(json.dumps(got))
"""


def _run(mode: str, tree: str, paths: list[str]) -> dict:
    """path -> its reviews; from threads, every thread's answer must be the same."""
    res = subprocess.run([sys.executable, "-c", _SCRIPT, mode, tree, *paths], cwd=ROOT, capture_output=True,
                         text=True, timeout=600, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    got: dict = {}
    for path, reviews in json.loads(res.stdout):
        assert got.setdefault(path, reviews) == reviews, path  # two threads on one patch
    assert sorted(got) == sorted(set(paths))
    return got


def _patches() -> list[str]:
    """One patch of each rule's data: different rules, different vocabularies."""
    got = []
    for d in sorted(DATA.iterdir()):
        if d.is_dir():
            got += [str(p) for p in sorted(d.glob("*.patch"))[:1]]
    return got


def test_hunk_mode_reviews_from_threads_match_the_sequential_ones():
    paths = _patches()
    assert len(paths) >= 20
    want = _run("sequential", "", paths)
    assert sum(len(s) - 1 for v in want.values() for s in v) > 10  # findings to compare
    for order in (paths, paths[::-1]):
        assert _run("threads", "", order) == want


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org",
                           *args], check=True, capture_output=True, text=True).stdout


_BASE = """\
#include <linux/module.h>
#include <linux/device.h>

static int NAME_open(struct device *parent)
{
	struct device *dev = get_device(parent);
	int ret;

	ret = NAME_setup(dev);
	if (ret) {
		put_device(dev);
		return ret;
	}
	put_device(dev);
	return 0;
}

static int NAME_start(void)
{
	if (!try_module_get(NAME_owner))
		return -ENODEV;
	if (NAME_busy()) {
		module_put(NAME_owner);
		return -EBUSY;
	}
	return 0;
}
"""

# (file, old, new): each patch adds a defect to one file of the tree
_EDITS = [
    ("drivers/misc/alpha.c", "\t\tput_device(dev);\n\t\treturn ret;", "\t\treturn ret;"),
    ("drivers/misc/beta.c", "\t\tmodule_put(beta_owner);\n\t\treturn -EBUSY;", "\t\treturn -EBUSY;"),
    ("drivers/misc/gamma.c", "\tif (!try_module_get(gamma_owner))\n\t\treturn -ENODEV;",
     "\tif (!try_module_get(THIS_MODULE))\n\t\treturn -ENODEV;"),
    ("drivers/misc/delta.c", "\tput_device(dev);\n\treturn 0;", "\tput_device(dev);\n\tput_device(dev);\n\treturn 0;"),
]


@pytest.fixture(scope="module")
def small_tree(tmp_path_factory) -> tuple[Path, list[str]]:
    repo = tmp_path_factory.mktemp("tree")
    _git(repo, "init", "-q")
    for path, _, _ in _EDITS:
        f = repo / path
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(_BASE.replace("NAME", Path(path).stem))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    base = _git(repo, "rev-parse", "HEAD").strip()
    patches = []
    for path, old, new in _EDITS:
        f = repo / path
        text = f.read_text()
        assert old in text, (path, old)
        f.write_text(text.replace(old, new))
        _git(repo, "commit", "-qam", f"misc: change {Path(path).stem}")
        out = repo.parent / f"{Path(path).stem}.patch"
        out.write_text(_git(repo, "format-patch", "--stdout", "-1", "HEAD"))
        _git(repo, "reset", "-q", "--hard", base)
        patches.append(str(out))
    return repo, patches


def test_tree_mode_reviews_from_threads_match_the_sequential_ones(small_tree):
    repo, patches = small_tree
    want = _run("sequential", str(repo), patches)
    assert all(s[0] == "tree" for v in want.values() for s in v)
    assert sum(len(s) - 1 for v in want.values() for s in v) >= 3
    for order in (patches, patches[::-1]):
        # two more threads review the same patches again at the same time (one blob, two readers)
        assert _run("threads", str(repo), order + order[:2]) == want


_DIFF = """\
--- a/drivers/x.c
+++ b/drivers/x.c
@@ -1,2 +1,3 @@
 {
+\tget_device(dev);
 }
"""


def test_diff_parses_in_threads_never_leave_the_collector_off(monkeypatch):
    """The diff parser pauses the cyclic collector.  Thread B looks (collector off: thread X
    is parsing) and is held there until X has finished and switched it on again; B must not
    then switch it off for good (a service's memory would grow without bound)."""
    import gc as real_gc
    import threading

    from reviewbot import diffparse

    x_inside, b_looked, x_done = threading.Event(), threading.Event(), threading.Event()

    class HeldGc:  # the gc module as the parser sees it: B is held between its look and the rest
        disable = staticmethod(real_gc.disable)
        enable = staticmethod(real_gc.enable)

        @staticmethod
        def isenabled():
            on = real_gc.isenabled()
            if threading.current_thread().name == "B":
                b_looked.set()
                x_done.wait(30)
            return on

    real_parse = diffparse._parse_files_of

    def parse_files_of(text):
        if threading.current_thread().name == "X":
            x_inside.set()
            b_looked.wait(30)
        return real_parse(text)

    monkeypatch.setattr(diffparse, "gc", HeldGc)
    monkeypatch.setattr(diffparse, "_parse_files_of", parse_files_of)
    assert real_gc.isenabled()
    parsed = []
    x = threading.Thread(name="X", target=lambda: (parsed.append(diffparse._parse(_DIFF)), x_done.set()))
    b = threading.Thread(name="B", target=lambda: parsed.append(diffparse._parse(_DIFF)))
    try:
        x.start()
        x_inside.wait(30)
        b.start()
        b.join()
        x.join()
        assert len(parsed) == 2 and parsed[0] == parsed[1]
        assert real_gc.isenabled()
    finally:
        real_gc.enable()
