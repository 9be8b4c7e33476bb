"""Per-list patchwork settings, keys of [lists.NAME] in reviewbot.toml:

    patchwork_url = "https://patchwork.kernel.org"     # the instance (no /api/...)
    patchwork_project = "netdevbpf"                    # its project (link name or id)
    patchwork_token_env = "REVIEWBOT_PATCHWORK_TOKEN"  # the variable holding the API token
    patchwork_give_up_hours = 24                       # stop looking for patches it never shows

and [watch] results_url = "https://reviewbot.example.org": each check links to the series'
page there (<results_url>/series/<id>); without it, to the patch on the list archive.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from reviewbot.errors import InputError

KEYS = ("patchwork_url", "patchwork_project", "patchwork_token_env", "patchwork_give_up_hours")
TOKEN_ENV = "REVIEWBOT_PATCHWORK_TOKEN"


@dataclass(frozen=True)
class PatchworkTarget:
    url: str
    project: str
    token_env: str = TOKEN_ENV
    give_up_hours: float = 24.0

    @property
    def token(self) -> str:
        return os.environ.get(self.token_env, "")


def from_section(section: dict[str, Any], where: str) -> PatchworkTarget | None:
    url = section.get("patchwork_url")
    if not url:
        if any(k in section for k in KEYS):
            raise InputError(where, "patchwork_* keys need patchwork_url")
        return None
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise InputError(where, f"patchwork_url must be an http(s) URL, not {url!r}")
    project = section.get("patchwork_project")
    if not project:
        raise InputError(where, "patchwork_url needs patchwork_project (the project's link name)")
    try:
        hours = float(section.get("patchwork_give_up_hours", 24))
    except (TypeError, ValueError):
        raise InputError(where, "patchwork_give_up_hours must be a number") from None
    if hours <= 0:
        raise InputError(where, "patchwork_give_up_hours must be positive")
    return PatchworkTarget(url=url.rstrip("/"), project=str(project),
                           token_env=str(section.get("patchwork_token_env", TOKEN_ENV)), give_up_hours=hours)
