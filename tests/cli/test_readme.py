"""The README's examples, run exactly as written.

- Every fenced block that starts with `$ reviewbot` is a transcript: each `$` command runs
  in a sandbox (a git repository with a series, the files the README names) and its output
  (stdout and stderr, as a terminal shows them) must be the lines below it.  A line holding
  `[...]` is abbreviated: the text before it is a prefix of the real line, and real lines may
  be skipped until the next README line.  The rules-page link is the shipped page's, so its
  path (the checkout's) is compared as `file:///.../docs/rules.md`.
- The commands of the Usage and `--terse` blocks run in the same sandbox and must review
  (exit status 0 or 1, a report, nothing on stderr); the ones that need lore.kernel.org are
  listed and skipped.
- The reply shown is what build_reply() writes for the patch it names.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.cli.clirun import CONSOLE, ROOT
from tests.ingest import fprepo

# The README and the user docs it links to (each example is run where it stands)
DOCS = ("README.md", "docs/usage.md", "docs/formats.md", "docs/lists.md", "docs/forges.md", "docs/service.md",
        "docs/b4.md", "docs/patchwork.md", "docs/hostile-input.md")
README = "\n".join((ROOT / d).read_text() for d in DOCS if (ROOT / d).is_file())
NETWORK = ("20210306022035.11266-3-mcgrof@kernel.org", "<message-id>", "20260101.nosuch@example.org")

BROKEN_PATCH = """\
From: A U Thor <author@example.org>
Subject: [PATCH 1/2] foo: pin module in open
Message-Id: <broken-1@example.org>

---
diff --git a/drivers/foo/foo.c b/drivers/foo/foo.c
--- a/drivers/foo/foo.c
+++ b/drivers/foo/foo.c
@@ -1,4 +1,5 @@
 #include <linux/module.h>
+#include <linux/fs.h>
"""

BROKEN_TOML = """\
[lists.leds]
inbox = "/srv/lore/leds"
send = "no"
reply_too = "all"
[smtpp]
host = "smtp.example.org"
"""


def _blocks(first: str) -> list[str]:
    return [b for b in re.findall(r"(?ms)^```[a-z]*\n(.*?)^```", README) if b.startswith(first)]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("readme")
    repo = fprepo.build(root)  # root/repo: a base and three commits with findings
    fprepo.git(repo, "update-ref", "refs/remotes/origin/master", "HEAD~3")
    shutil.copytree(ROOT / "examples", repo / "examples")
    (repo / "saved-patch.eml").write_bytes((ROOT / "examples/zram-sysfs-self-pin.patch").read_bytes()
                                           .replace(b"\n", b"\r\n"))
    (repo / "series.mbox").write_bytes(fprepo.format_patch(repo, "-3", "--stdout", "--cover-letter", "--thread"))
    fprepo.format_patch(repo, "-3", "-o", "outgoing")
    fprepo.format_patch(repo, "-2", "HEAD~1")  # 0001-*.patch, 0002-*.patch
    (repo / "broken.patch").write_text(BROKEN_PATCH)
    (repo / "broken.toml").write_text(BROKEN_TOML)
    home = root / "home"
    home.mkdir()
    (home / "linux").symlink_to(repo)
    env = dict(os.environ, HOME=str(home), PATH=f"{CONSOLE.parent}:{os.environ['PATH']}")
    env["GIT_CONFIG_GLOBAL"] = os.environ["GIT_CONFIG_GLOBAL"]
    env.pop("REVIEWBOT_RULES_URL", None)  # the README shows the default: the shipped rules page
    return repo, env


def _sh(cmd: str, sandbox) -> subprocess.CompletedProcess:
    repo, env = sandbox
    return subprocess.run(["bash", "-c", cmd], cwd=repo, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def _normal(text: str) -> str:
    return re.sub(r"file://\S*/docs/rules\.md", "file:///.../docs/rules.md", text)


def _line_ok(w: str, g: str) -> bool:
    return g.startswith(w.split("[...]", 1)[0].rstrip()) if "[...]" in w else g == w


def _matches(want: list[str], got: list[str]) -> bool:
    """`want` (README lines) against the real output lines: `text [...]` is a line starting with
    `text`, a lone `[...]` any number of lines (up to the next README line's first match)."""
    i = 0
    for k, w in enumerate(want):
        if w.strip() == "[...]":
            nxt = next((x for x in want[k + 1:] if x.strip() != "[...]"), None)
            if nxt is None:
                return True
            while i < len(got) and not _line_ok(nxt, got[i]):
                i += 1
            continue
        if i >= len(got) or not _line_ok(w, got[i]):
            return False
        i += 1
    return i == len(got)


TRANSCRIPTS = [(cmd, lines) for block in _blocks("$ reviewbot")
               for cmd, lines in re.findall(r"(?m)^\$ (.*)\n((?:(?!\$ ).*\n)*)", block)]


@pytest.mark.parametrize("cmd, expected", TRANSCRIPTS, ids=[c for c, _ in TRANSCRIPTS])
def test_transcript(sandbox, cmd, expected):
    if any(n in cmd for n in NETWORK):
        pytest.skip("needs lore.kernel.org")
    res = _sh(cmd, sandbox)
    got = _normal(res.stdout + res.stderr).splitlines()
    want = _normal(expected).splitlines()
    assert _matches(want, got), "\n".join(["README:", *want, "", "real:", *got])


def _commands(block: str) -> list[str]:
    return [re.sub(r"\s+#.*$", "", ln).strip() for ln in block.splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]


USAGE = _commands(_blocks("reviewbot review examples/zram-sysfs-self-pin.patch")[0])
TERSE = _commands(_blocks("reviewbot review --git origin/master..HEAD --terse")[0])


@pytest.mark.parametrize("cmd", USAGE + TERSE)
def test_usage_commands_review(sandbox, cmd):
    if any(n in cmd for n in NETWORK) or "lore.kernel.org" in cmd:
        pytest.skip("needs lore.kernel.org")
    res = _sh(cmd, sandbox)
    assert res.returncode in (0, 1), res.stderr
    assert res.stderr == ""
    if "--terse" in cmd:
        assert re.search(r"^drivers/foo/foo_\w\.c:\d+: WARNING:MOD001: ", res.stdout, re.M), res.stdout
    else:
        assert re.search(r"^total: \d+ errors, \d+ warnings, \d+ checks, \d+ patch", res.stdout, re.M), res.stdout


def test_the_usage_block_covers_every_input_kind():
    assert len(USAGE) == 10 and len(TERSE) == 2


def test_reply_example_is_what_build_reply_writes(monkeypatch):
    from reviewbot import pipeline
    from reviewbot.report import email as em

    monkeypatch.setenv("REVIEWBOT_RULES_URL", "https://reviewbot.example.org/rules/")
    block = next(b for b in _blocks("From: reviewbot <reviewbot@localhost>"))
    series = pipeline.load([str(ROOT / "tests/data/watch/zram-sysfs-self-pin.patch")])[0]
    patch = series.patches[0]
    ctx = em.ReplyContext(sender="reviewbot <reviewbot@localhost>", to=(patch.author,), cc=("testlist@example.org",))
    msg = em.build_reply(patch, pipeline.review_series(series).shown()[:1], ctx,
                         "<reviewbot-92d49ce321f9378b1967@localhost>")
    head = "".join(f"{h}: {msg[h]}\n" for h in ("From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To",
                                                "References"))
    assert block == head + "\n" + msg.get_payload()
