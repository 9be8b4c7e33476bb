"""Forge settings: secrets and tokens from the environment, per-repo policy from the TOML file.

Environment (never in the config file):
  REVIEWBOT_GITHUB_WEBHOOK_SECRET   HMAC secret of the GitHub webhook
  REVIEWBOT_GITLAB_WEBHOOK_TOKEN    secret token of the GitLab webhook
  REVIEWBOT_GITHUB_TOKEN            plain token (self-hosted use), or
  REVIEWBOT_GITHUB_APP_ID + REVIEWBOT_GITHUB_APP_PRIVATE_KEY (PEM text or a file path)
  REVIEWBOT_GITHUB_API_URL          default https://api.github.com (GHES: https://HOST/api/v3)
  REVIEWBOT_GITLAB_TOKEN, REVIEWBOT_GITLAB_URL (default https://gitlab.com)

Per repository (``[repos."owner/name"]``, GitLab: the project's path with namespace)::

  enabled = true            # review this repository at all
  select = ["MOD001"]       # run only these rules (IDs or slugs); default: all
  ignore = ["MOD014"]       # skip these rules
  min_level = "warning"     # error | warning | check
  min_confidence = "medium" # high | medium | low
  inline = true             # inline comments; false: summary comment only
  max_inline = 30           # inline comments per review; the rest goes to the summary
  tree = "/srv/git/linux"   # a local clone: review with whole files at the PR base (tree mode)
  tree_ref = "master"       # the branch of that clone a change without a base commit goes on (default HEAD)
  tree_fetch = false        # `git fetch origin <base sha>` in that clone before each review
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from reviewbot.errors import InputError
from reviewbot.filter import DiffMode, Policy
from reviewbot.model import Confidence, Level


@dataclass(frozen=True)
class ForgeSettings:
    github_webhook_secret: str | None = None
    gitlab_webhook_token: str | None = None
    github_token: str | None = None
    github_app_id: str | None = None
    github_app_private_key: str | None = None
    github_api_url: str = "https://api.github.com"
    gitlab_token: str | None = None
    gitlab_url: str = "https://gitlab.com"
    max_body: int = 5 * 1024 * 1024  # bytes; larger deliveries get 413 (GitHub caps at 25 MB)

    @classmethod
    def from_env(cls, cfg: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> "ForgeSettings":
        env = os.environ if env is None else env
        cfg = cfg or {}
        gh = cfg.get("github", {})
        gl = cfg.get("gitlab", {})
        key = env.get("REVIEWBOT_GITHUB_APP_PRIVATE_KEY") or None
        if key and "-----BEGIN" not in key:
            try:
                key = Path(key).expanduser().read_text()
            except OSError as exc:
                raise InputError("REVIEWBOT_GITHUB_APP_PRIVATE_KEY", f"cannot read key file: {exc.strerror}") from None
        return cls(
            github_webhook_secret=env.get("REVIEWBOT_GITHUB_WEBHOOK_SECRET") or None,
            gitlab_webhook_token=env.get("REVIEWBOT_GITLAB_WEBHOOK_TOKEN") or None,
            github_token=env.get("REVIEWBOT_GITHUB_TOKEN") or None,
            github_app_id=env.get("REVIEWBOT_GITHUB_APP_ID") or None,
            github_app_private_key=key,
            github_api_url=env.get("REVIEWBOT_GITHUB_API_URL") or gh.get("api_url") or cls.github_api_url,
            gitlab_token=env.get("REVIEWBOT_GITLAB_TOKEN") or None,
            gitlab_url=env.get("REVIEWBOT_GITLAB_URL") or gl.get("url") or cls.gitlab_url,
            max_body=int(cfg.get("server", {}).get("max_body", cls.max_body)),
        )


_LEVELS = {"error": Level.ERROR, "warning": Level.WARNING, "check": Level.CHECK}
_CONFIDENCES = {"high": Confidence.HIGH, "medium": Confidence.MEDIUM, "low": Confidence.LOW}


@dataclass(frozen=True)
class RepoConfig:
    enabled: bool = True
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    min_level: Level = Level.WARNING
    min_confidence: Confidence = Confidence.MEDIUM
    diff_mode: DiffMode = DiffMode.DIFF_CONTEXT
    inline: bool = True
    max_inline: int = 30
    tree: str | None = None
    tree_ref: str | None = None
    tree_fetch: bool = False

    @property
    def policy(self) -> Policy:
        """What this repository's reviews post (reviewbot.filter)."""
        return Policy(min_level=self.min_level, min_confidence=self.min_confidence, diff_mode=self.diff_mode)


def repo_config(cfg: Mapping[str, Any], repo: str) -> RepoConfig:
    """The policy for one repository; a repository not in the file gets the defaults."""
    raw = (cfg.get("repos") or {}).get(repo) or {}
    where = f'[repos."{repo}"]'
    unknown = set(raw) - {"enabled", "select", "ignore", "min_level", "min_confidence", "diff_mode", "inline",
                          "max_inline", "tree", "tree_ref", "tree_fetch"}
    if unknown:
        raise InputError(where, f"unknown key(s): {', '.join(sorted(unknown))}")
    level = str(raw.get("min_level", "warning")).lower()
    if level not in _LEVELS:
        raise InputError(where, f"min_level must be one of {', '.join(_LEVELS)}, not {level!r}")
    conf = str(raw.get("min_confidence", "medium")).lower()
    if conf not in _CONFIDENCES:
        raise InputError(where, f"min_confidence must be one of {', '.join(_CONFIDENCES)}, not {conf!r}")
    try:
        diff_mode = DiffMode.parse(str(raw.get("diff_mode", "diff_context")).lower())
    except ValueError as exc:
        raise InputError(where, str(exc)) from None
    for k in ("select", "ignore"):
        if not isinstance(raw.get(k, []), list):
            raise InputError(where, f"{k} must be a list of rule IDs or slugs")
    return RepoConfig(enabled=bool(raw.get("enabled", True)), select=tuple(raw.get("select", ())),
                      ignore=tuple(raw.get("ignore", ())), min_level=_LEVELS[level],
                      min_confidence=_CONFIDENCES[conf], diff_mode=diff_mode,
                      inline=bool(raw.get("inline", True)), max_inline=int(raw.get("max_inline", 30)),
                      tree=str(Path(raw["tree"]).expanduser()) if raw.get("tree") else None,
                      tree_ref=str(raw["tree_ref"]) if raw.get("tree_ref") else None,
                      tree_fetch=bool(raw.get("tree_fetch", False)))
