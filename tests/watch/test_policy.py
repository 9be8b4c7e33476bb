"""[lists.NAME] policy: the shipped example parses; bad policy is a one-line InputError."""

from __future__ import annotations

import pytest

from reviewbot import config
from reviewbot.errors import InputError
from reviewbot.model import Confidence, Level
from reviewbot.watch import policy
from tests.helpers import ROOT


def test_deploy_example_config(tmp_path):
    cfg = config.load(str(ROOT / "deploy" / "reviewbot.toml"))
    cfg["data_dir"] = str(tmp_path)
    leds, test = policy.load_lists(cfg)
    assert (leds.name, leds.dry_run, leds.reply_to, leds.min_level, leds.min_confidence) == (
        "linux-leds", True, "all", Level.WARNING, Confidence.MEDIUM)
    assert leds.ignored_sender("LKP@intel.com") and leds.ignored_sender("x@kernel-ci.example")
    assert not leds.ignored_sender("ann@example.org")
    assert (test.dry_run, test.smtp.host, test.smtp.port, test.reply_to) == (False, "smtp.example.org", 587, "author")
    assert leds.own_address == "reviewbot@example.org"


@pytest.mark.parametrize("section, extra, reason", [
    ({"inbox": "/x", "send": True}, {}, "send = true needs an SMTP relay"),
    ({"inbox": "/x", "reply_to": "everyone"}, {}, "reply_to must be one of"),
    ({"inbox": "/x", "min_level": "fatal"}, {}, "unknown value 'fatal'"),
    ({}, {}, "missing 'inbox'"),
    ({"inbox": "/x", "send": True, "reply_to": "list"}, {"smtp": {"host": "h"}}, "needs the list 'address'"),
])
def test_bad_policy(tmp_path, section, extra, reason):
    with pytest.raises(InputError, match=reason):
        policy.list_policy("l", section, dict(extra, data_dir=str(tmp_path)))


def test_diff_mode_of_a_list(tmp_path):
    from reviewbot.filter import DiffMode

    cfg = {"data_dir": str(tmp_path)}
    assert policy.list_policy("l", {"inbox": "/x"}, cfg).policy.diff_mode is DiffMode.DIFF_CONTEXT
    lp = policy.list_policy("l", {"inbox": "/x", "diff_mode": "added"}, cfg)
    assert lp.policy.diff_mode is DiffMode.ADDED
    with pytest.raises(InputError, match="unknown value 'file' \\(choose diff_context, changed, added\\)"):
        policy.list_policy("l", {"inbox": "/x", "diff_mode": "file"}, cfg)
