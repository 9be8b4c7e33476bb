"""Per-repo config, environment settings, the diff map, and the Markdown bodies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from reviewbot.diffmap import DiffMap
from reviewbot.diffparse import parse_diff
from reviewbot.errors import InputError
from reviewbot.forge import events
from reviewbot.forge.settings import ForgeSettings, RepoConfig, repo_config
from reviewbot.model import Confidence, Level, Side

ROOT = Path(__file__).resolve().parents[2]

RENAME = """\
diff --git a/drivers/old.c b/drivers/new.c
similarity index 90%
rename from drivers/old.c
rename to drivers/new.c
--- a/drivers/old.c
+++ b/drivers/new.c
@@ -3,3 +3,3 @@ int f(void)
 	a();
-	b();
+	c();
 	d();
"""


def test_diffmap_sides_and_gitlab_line_combinations():
    dm = DiffMap(parse_diff(RENAME))
    added = dm.lookup("drivers/new.c", Side.NEW, 4)
    removed = dm.lookup("drivers/new.c", Side.OLD, 4)
    context = dm.lookup("drivers/new.c", Side.NEW, 5)
    assert (added.kind, added.github_side, added.github_line, added.gitlab_lines()) == ("+", "RIGHT", 4, {"new_line": 4})
    assert (removed.github_side, removed.github_line, removed.gitlab_lines()) == ("LEFT", 4, {"old_line": 4})
    assert context.gitlab_lines() == {"old_line": 5, "new_line": 5} and context.github_side == "RIGHT"
    assert (added.old_path, added.path) == ("drivers/old.c", "drivers/new.c")
    assert dm.lookup("drivers/old.c", Side.OLD, 4) == removed  # a removed line named by its old path
    assert dm.lookup("drivers/new.c", Side.NEW, 40) is None  # outside every hunk: summary only


def test_repo_config_from_the_deploy_example():
    text = (ROOT / "deploy" / "reviewbot.toml").read_text()
    block = re.search(r'^# \[repos\."acme/linux-drivers"\]\n((?:# [a-z_]+ = .*\n)+)', text, re.M)
    assert block, "deploy/reviewbot.toml lacks the commented [repos.\"owner/name\"] example"
    cfg = tomllib.loads('[repos."acme/linux-drivers"]\n' + re.sub(r"(?m)^# ", "", block.group(1)))
    rc = repo_config(cfg, "acme/linux-drivers")
    assert rc == RepoConfig(enabled=True, select=("MOD001", "MOD003"), ignore=("module-self-pin",),
                            min_level=Level.WARNING, min_confidence=Confidence.MEDIUM, inline=True, max_inline=30, tree="/srv/git/linux",
                            tree_fetch=True)
    assert repo_config(cfg, "someone/else") == RepoConfig()


@pytest.mark.parametrize("raw,msg", [({"min_level": "loud"}, "min_level"), ({"min_confidence": "x"}, "min_confidence"), ({"inlin": False}, "unknown key"),
                                     ({"select": "MOD001"}, "list")])
def test_repo_config_errors_are_one_line(raw, msg):
    with pytest.raises(InputError) as exc:
        repo_config({"repos": {"o/r": raw}}, "o/r")
    assert msg in str(exc.value) and "\n" not in str(exc.value)


def test_settings_from_env_reads_a_key_file(tmp_path):
    key = tmp_path / "app.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n")
    s = ForgeSettings.from_env({}, {"REVIEWBOT_GITHUB_APP_ID": "1", "REVIEWBOT_GITHUB_APP_PRIVATE_KEY": str(key),
                                    "REVIEWBOT_GITLAB_URL": "https://gl.example"})
    assert s.github_app_private_key.startswith("-----BEGIN") and s.gitlab_url == "https://gl.example"
    with pytest.raises(InputError):
        ForgeSettings.from_env({}, {"REVIEWBOT_GITHUB_APP_PRIVATE_KEY": str(tmp_path / "missing.pem")})


def test_signature_helpers():
    body = b'{"a": 1}'
    good = "sha256=" + __import__("hmac").new(b"k", body, "sha256").hexdigest()
    assert events.github_signature_ok("k", body, good)
    assert not events.github_signature_ok("k", body + b" ", good)
    assert not events.github_signature_ok("k", body, good.upper().replace("SHA256", "sha256"))
    assert not events.github_signature_ok("k", body, None)
    assert events.gitlab_token_ok("tok", "tok") and not events.gitlab_token_ok("tok", "tok ")
    assert events.delivery_id({}, body).startswith("sha256:")


def test_repo_config_level_and_confidence_filter():
    rc = repo_config({"repos": {"o/r": {"min_level": "error", "min_confidence": "high"}}}, "o/r")
    assert rc.policy.admits(Level.ERROR, Confidence.HIGH)
    assert not rc.policy.admits(Level.WARNING, Confidence.HIGH) and not rc.policy.admits(Level.ERROR, Confidence.MEDIUM)
    assert RepoConfig().policy.admits(Level.WARNING, Confidence.MEDIUM) and not RepoConfig().policy.admits(Level.CHECK, Confidence.HIGH)
    assert not RepoConfig().policy.admits(Level.ERROR, Confidence.LOW)


def test_repo_config_diff_mode():
    from reviewbot.filter import DiffMode

    assert repo_config({}, "o/r").policy.diff_mode is DiffMode.DIFF_CONTEXT
    rc = repo_config({"repos": {"o/r": {"diff_mode": "changed"}}}, "o/r")
    assert rc.policy.diff_mode is DiffMode.CHANGED
    with pytest.raises(InputError, match="diff mode must be one of diff_context, changed, added, not 'nofilter'"):
        repo_config({"repos": {"o/r": {"diff_mode": "nofilter"}}}, "o/r")
