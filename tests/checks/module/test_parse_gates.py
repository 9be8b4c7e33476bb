"""Tree mode skips parsing a file image when no function of it can pass a rule's gate
(`_apis.may_call`: the image names no getter or putter of the table at all; MOD019's release
check: no "release" in it).  The gates are exact: `may_call` is a superset test of every
`has_putter_call()`/`has_getter_call()` the skipped code would make (on a function of the
image, normalized or not, on a line or a join of lines), and a tree-mode review gives the same
findings with the gates as without them."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest

from reviewbot import engine, tree
from reviewbot.analysis import cmodel
from reviewbot.checks.module import _apis, device_ref_imbalance, get_without_put_on_exit
from reviewbot.ingest import b4 as b4src
from tests.helpers import ROOT

TRICKY = """\
static int a(struct device *dev)
{
\tstruct device_node *np = of_find_node_by_name(NULL, "x");
\tof_node_put
\t\t(np);
\tlist_for_each_entry(p, &head, node) {
\t\tput_device(container_of(p, struct foo, dev));
\t}
\treturn 0;
}

static __printf(2, 3) void b(struct kref *k, const char *fmt, ...)
{
\tkref_put(k, release);
}
"""


def _texts() -> list[str]:
    out = [TRICKY, TRICKY.replace("of_node_put", "of_node_putx"), "int f(void) { return g(1); }\n"]
    out += [p.read_text() for p in sorted((ROOT / "tests" / "data").rglob("*.c"))]
    for p in sorted((ROOT / "tests" / "data" / "checks").rglob("*.patch"))[:200]:
        text = p.read_text(errors="replace")
        out.append("\n".join(ln[1:] for ln in text.splitlines() if ln[:1] in (" ", "+")) + "\n")
    return out


def _parts(text: str):
    """Every function of the image (parsed: normalized text) and every line and join of two
    or three lines, in any order (a view's text joins lines of hunks that need not be adjacent)."""
    yield text
    for f in cmodel.parse(text).functions:
        yield f.text
    lines = text.splitlines()[:60]
    yield from lines
    for a, b in itertools.permutations(lines[:25], 2):
        yield a + "\n" + b


def test_may_call_holds_whenever_a_part_calls_a_getter_or_putter():
    checked = 0
    for text in _texts():
        put, get = _apis.may_call(text, getters=False), _apis.may_call(text, putters=False)
        assert _apis.may_call(text) == (put or get)
        for part in _parts(text):
            if _apis.has_putter_call(part):
                assert put, part
                checked += 1
            if _apis.has_getter_call(part):
                assert get, part
                checked += 1
    assert checked > 500


def test_may_call_is_false_only_without_the_names():
    assert not _apis.may_call(None) and not _apis.may_call("")
    assert not _apis.may_call("int f(void) { return g(1); }\n")
    assert _apis.may_call("x = of_node_put\n(np);", getters=False)  # the name alone is enough
    assert not _apis.may_call("x = of_node_putx(np);", getters=False)
    assert _apis.may_call("np = of_find_node_by_name(NULL, n);", putters=False)


# --------------------------------------------------------------- tree mode, gates on and off

PLAIN = "drivers/misc/plain.c"
REFS = "drivers/misc/refs.c"
PLAIN_C = """\
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>

static int plain_add(int a, int b)
{
\tint c = a + b;

\tif (c < 0)
\t\tgoto out;
\treturn c;
out:
\treturn 0;
}
"""
REFS_C = """\
// SPDX-License-Identifier: GPL-2.0
#include <linux/of.h>

static int refs_probe(struct device *dev)
{
\tstruct device_node *np;
\tint ret;

\tnp = of_find_node_by_name(NULL, "refs");
\tif (!np)
\t\treturn -ENODEV;
\tret = refs_setup(np);
\tif (ret)
\t\tgoto err;
\tof_node_put(np);
\treturn 0;
err:
\tof_node_put(np);
\treturn ret;
}

static void refs_release(struct device *dev)
{
\tkfree(dev);
}
"""
EDITS = [
    (PLAIN, "\tint c = a + b;\n", "\tint c = a + b + 1;\n"),  # no getter, putter nor release: skipped
    (PLAIN, "\t\tgoto out;\n", "\t\treturn -EINVAL;\n"),  # a goto turned into a return: walked
    (REFS, "\t\tgoto err;\n", "\t\treturn ret;\n"),  # a new leak (MOD003)
    (REFS, "err:\n\tof_node_put(np);\n", "err:\n\tof_node_put(np);\n\tof_node_put(np);\n"),  # over-put
    (REFS, "\tkfree(dev);\n", "\tkfree(dev);\n\tput_device(dev);\n"),
]


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": "/dev/null", "PATH": "/usr/bin:/bin",
           "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True,
                          env=env).stdout


@pytest.fixture
def repo(tmp_path) -> tuple[Path, list[bytes]]:
    r = tmp_path / "linux"
    (r / "drivers/misc").mkdir(parents=True)
    _git(r, "init", "-q")
    (r / PLAIN).write_text(PLAIN_C)
    (r / REFS).write_text(REFS_C)
    _git(r, "add", "-A")
    _git(r, "commit", "-qm", "base")
    mails = []
    for i, (path, old, new) in enumerate(EDITS):
        f = r / path
        assert f.read_text().count(old) == 1
        f.write_text(f.read_text().replace(old, new))
        _git(r, "commit", "-qam", f"change {i}")
        mails.append(_git(r, "format-patch", "-1", "--stdout", "HEAD").encode())
        _git(r, "checkout", "-q", "HEAD~1", "--", path)
        _git(r, "commit", "-qam", f"undo {i}")
    return r, mails


def _review(repo: Path, mails: list[bytes]) -> list[tuple]:
    out = []
    for mail in mails:
        (series,) = b4src.series_from_mbox_bytes(mail, "test")
        review = tree.review_with_tree(series, str(repo), engine.select_checks())
        assert review.context == "tree", review.notes
        out += [(f.rule.id, f.path, f.line, f.side.value, f.message) for f in review.findings]
    return out


def test_same_findings_with_and_without_the_gates(repo, monkeypatch):
    path, mails = repo
    cmodel.parse.cache_clear()
    gated = _review(path, mails)
    gated_parses = cmodel.parse.cache_info().misses
    with monkeypatch.context() as m:
        m.setattr(_apis, "may_call", lambda *a, **k: True)
        m.setattr(get_without_put_on_exit, "_no_view_passes", lambda fd, ctx: False)
        m.setattr(device_ref_imbalance, "_no_release", lambda post: False)
        cmodel.parse.cache_clear()
        cold = _review(path, mails)
        cold_parses = cmodel.parse.cache_info().misses
    assert gated == cold
    assert {f[0] for f in gated} >= {"MOD003", "MOD019"}  # the walks that matter did run
    assert gated_parses < cold_parses  # and the plain file's images were not parsed
