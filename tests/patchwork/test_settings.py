"""The [lists.NAME] patchwork_* keys: parsed into the list's policy, bad values are one-line errors."""

from __future__ import annotations

import pytest

from reviewbot.errors import InputError
from reviewbot.watch.policy import list_policy


def policy(tmp_path, **keys):
    return list_policy("netdev", {"inbox": str(tmp_path), **keys}, {"data_dir": str(tmp_path),
                                                                    "watch": {"results_url": "https://r.example"}})


def test_keys_make_the_target(tmp_path, monkeypatch):
    monkeypatch.setenv("PW_NETDEV", "secret")
    p = policy(tmp_path, patchwork_url="https://patchwork.kernel.org/", patchwork_project="netdevbpf",
               patchwork_token_env="PW_NETDEV", patchwork_give_up_hours=6)
    assert (p.patchwork.url, p.patchwork.project, p.patchwork.token, p.patchwork.give_up_hours) == (
        "https://patchwork.kernel.org", "netdevbpf", "secret", 6.0)
    assert p.results_url == "https://r.example" and p.extra == {}
    assert policy(tmp_path).patchwork is None
    assert policy(tmp_path, results_url="https://other.example").results_url == "https://other.example"


@pytest.mark.parametrize("keys, reason", [
    ({"patchwork_project": "netdevbpf"}, "need patchwork_url"),
    ({"patchwork_url": "https://patchwork.kernel.org"}, "needs patchwork_project"),
    ({"patchwork_url": "patchwork.kernel.org", "patchwork_project": "x"}, "http(s) URL"),
    ({"patchwork_url": "https://p.example", "patchwork_project": "x", "patchwork_give_up_hours": "soon"}, "number"),
    ({"patchwork_url": "https://p.example", "patchwork_project": "x", "patchwork_give_up_hours": 0}, "positive"),
])
def test_bad_keys(tmp_path, keys, reason):
    with pytest.raises(InputError, match=reason.replace("(", r"\(").replace(")", r"\)")) as exc:
        policy(tmp_path, **keys)
    assert "[lists.netdev]" in str(exc.value) and "\n" not in str(exc.value)
