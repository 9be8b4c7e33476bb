"""reviewbot.toml: one file (path by --config or $REVIEWBOT_CONFIG), secrets from the environment.

Sections (each owned by the feature that reads it):
  [database] url = "sqlite:///<data_dir>/reviewbot.db"   (PostgreSQL: "postgresql+psycopg://...")
  data_dir = "..."                                        (default $REVIEWBOT_DATA_DIR or ~/.local/share/reviewbot)
  rules_url = "https://host/rules/"                       (rule links in mail, comments, SARIF; see rules.rules_url)
  [lists.<name>]  followed public-inbox lists (reviewbot.watch)
  [repos."<owner>/<name>"]  forge repositories (reviewbot.forge)
  [smtp], [github], [gitlab]
A missing file is an empty configuration: every command works with defaults.
The allowed sections, keys and types are reviewbot/configschema.py; load() refuses anything else.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from reviewbot.errors import InputError


def load(path: str | None = None) -> dict[str, Any]:
    """The configuration at `path` (or $REVIEWBOT_CONFIG), validated: a problem is an InputError
    naming the file, the table and the key (the first one; `reviewbot config check` lists all)."""
    path = path or os.environ.get("REVIEWBOT_CONFIG")
    if not path:
        return {}
    cfg = read(path)
    found = problems(cfg)
    if found:
        more = f" (and {len(found) - 1} more: reviewbot config check {path})" if len(found) > 1 else ""
        raise InputError(path, found[0] + more)
    return cfg


def problems(cfg: dict[str, Any]) -> list[str]:
    from reviewbot.configschema import problems as schema_problems  # pydantic: when a file is read

    return schema_problems(cfg)


def check_features(cfg: dict[str, Any]) -> None:
    """What the features refuse beyond the schema's types (raises InputError)."""
    from reviewbot.forge.settings import repo_config
    from reviewbot.watch import policy

    policy.load_lists(cfg)
    for repo in cfg.get("repos") or {}:
        repo_config(cfg, repo)


def read(path: str) -> dict[str, Any]:
    """The TOML at `path`, not validated."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(path, "configuration file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a configuration file") from None
    except UnicodeDecodeError:
        raise InputError(path, "invalid TOML: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, f"invalid TOML: {exc}") from None


def apply_rules_url(cfg: dict[str, Any], default: str | None = None) -> None:
    """Make the configuration's `rules_url` (or the older `[watch] docs_url`), else `default`,
    the rule-link setting of this process ($REVIEWBOT_RULES_URL, which wins when set)."""
    from reviewbot.rules import RULES_URL_ENV

    url = cfg.get("rules_url") or (cfg.get("watch") or {}).get("docs_url") or default
    if url and not os.environ.get(RULES_URL_ENV):
        os.environ[RULES_URL_ENV] = str(url)


def data_dir(cfg: dict[str, Any]) -> Path:
    d = cfg.get("data_dir") or os.environ.get("REVIEWBOT_DATA_DIR") or "~/.local/share/reviewbot"
    p = Path(d).expanduser()
    p.mkdir(parents=True, exist_ok=True)
    return p


def database_url(cfg: dict[str, Any]) -> str:
    url = os.environ.get("REVIEWBOT_DATABASE_URL") or cfg.get("database", {}).get("url")
    return url or f"sqlite:///{data_dir(cfg) / 'reviewbot.db'}"
