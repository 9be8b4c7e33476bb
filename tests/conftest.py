"""Session fixtures shared by tests/ingest, tests/lore and tests/cli.

- Every test runs with git (and so b4, which reads `b4.*` from git config) isolated from the
  developer's configuration: GIT_CONFIG_GLOBAL points at a temp file, GIT_CONFIG_NOSYSTEM=1,
  and XDG_{CONFIG,CACHE,DATA}_HOME (b4's cache and data dirs) are temp dirs.  The temp global
  config sets a committer identity so tests can make commits.
- `series_repo`: a real git repository with a two-revision series and its `git format-patch`
  files (tests/ingest/gitseries.py says what it contains).
- `public_inbox`: a real public-inbox served by public-inbox-httpd on 127.0.0.1 with that
  series (v1 + v2 in one thread), an incomplete series and a real linux-leds thread delivered
  (tests/lore/inbox.py).  Skipped with the reason when the
  Debian package is missing (scripts/system-deps.sh installs it).
"""

from __future__ import annotations

import email
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ingest import gitseries
from tests.lore import inbox

DATA = Path(__file__).resolve().parent / "data"


def mbox_messages(path: Path) -> list[bytes]:
    """The messages of an mboxrd file (lore's `From mboxrd@z` separators), >From unquoted."""
    parts = re.split(rb"(?m)^From mboxrd@z Thu Jan  1 00:00:00 1970\n", path.read_bytes())
    return [re.sub(rb"(?m)^>(>*From )", rb"\1", p) for p in parts if p.strip()]


@pytest.fixture(scope="session", autouse=True)
def isolated_git_config(tmp_path_factory):
    root = tmp_path_factory.mktemp("home")
    gitconfig = root / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Reviewbot Tests\n\temail = tests@example.org\n"
                         "[init]\n\tdefaultBranch = master\n")
    env = {"GIT_CONFIG_GLOBAL": str(gitconfig), "GIT_CONFIG_NOSYSTEM": "1",
           "XDG_CONFIG_HOME": str(root / "config"), "XDG_CACHE_HOME": str(root / "cache"),
           "XDG_DATA_HOME": str(root / "data")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield gitconfig
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


RULES_URL = "https://reviewbot.example.org/rules/"  # rule links in every test's output (goldens)


@pytest.fixture(scope="session", autouse=True)
def fixed_rules_url():
    """One rule-link setting for the whole run, so outputs do not depend on the checkout's path."""
    saved = os.environ.get("REVIEWBOT_RULES_URL")
    os.environ["REVIEWBOT_RULES_URL"] = RULES_URL
    yield RULES_URL
    if saved is None:
        os.environ.pop("REVIEWBOT_RULES_URL", None)
    else:
        os.environ["REVIEWBOT_RULES_URL"] = saved


@pytest.fixture(scope="session")
def series_repo(tmp_path_factory) -> gitseries.SeriesRepo:
    return gitseries.build(tmp_path_factory.mktemp("series"))


@dataclass(frozen=True)
class Inbox:
    server: inbox.PublicInbox
    v1_cover: str  # the thread root: v1 and v2 are in this thread
    v2_cover: str
    v2_patch3: str
    incomplete_cover: str  # a 3-patch posting whose patch 2 never arrived
    lore_cover: str  # real linux-leds mail: cover + 2 patches + a reply

    @property
    def midmask(self) -> str:
        return self.server.midmask


@pytest.fixture(scope="session")
def public_inbox(series_repo, tmp_path_factory):
    missing = inbox.missing_tools()
    if missing:
        pytest.skip(f"Debian package public-inbox is not installed (no {', '.join(missing)}); "
                    "run scripts/system-deps.sh")
    pi = inbox.PublicInbox(tmp_path_factory.mktemp("public-inbox"))
    pi.init()
    for f in series_repo.v1 + series_repo.v2:
        pi.deliver(f.read_bytes(), gitseries.msgid(f))
    v2 = series_repo.v2
    for f in (v2[0], v2[1], v2[3]):  # patch 2/3 is missing
        pi.deliver(gitseries.variant(f, "inc", standalone=f is v2[0]), gitseries.variant_msgid(f, "inc"))
    for raw in mbox_messages(DATA / "ingest/lore/max5970-v1.mbox")[:4]:  # real mail, bytes as archived:
        msgid = email.message_from_bytes(raw)["Message-Id"].strip().strip("<>")  # cover, 2 patches, a reply
        pi.deliver(raw, msgid)
    pi.serve()
    try:
        yield Inbox(server=pi, v1_cover=gitseries.msgid(series_repo.v1[0]), v2_cover=gitseries.msgid(v2[0]),
                    v2_patch3=gitseries.msgid(v2[3]), incomplete_cover=gitseries.variant_msgid(v2[0], "inc"),
                    lore_cover="20241019-max5970-of_node_put-v1-0-e6ce4af4119b@gmail.com")
    finally:
        pi.stop()
