"""Per-list policy from reviewbot.toml (deploy/reviewbot.toml shows every key).

    [watch]
    from = "reviewbot <reviewbot@example.org>"   # our address (never replied to)
    interval = 300                                # seconds between walks without --once
    outbox_dir = "..."                            # dry-run .eml files (default <data_dir>/outbox)

    [smtp]                                        # the relay; a list must also opt in (send = true)
    host = "smtp.example.org"  port = 587  starttls = true  user = "bot"
    password_env = "REVIEWBOT_SMTP_PASSWORD"  timeout = 30

    [lists.linux-leds]
    inbox = "/srv/lore/linux-leds"                # public-inbox v2 mirror (git/N.git)
    address = "linux-leds@vger.kernel.org"
    archive_url = "https://lore.kernel.org/linux-leds"
    send = false                                  # explicit opt-in; default dry-run
    reply_to = "all"                              # author | list | all
    cc = []  min_level = "warning"  min_confidence = "medium"
    embargo_hours = 0  max_per_hour = 20  max_per_author_per_day = 5
    max_copied = 8                                # To/Cc of the patch mail copied at most (the
                                                  #   author, the list and `cc` always are)
    max_recipients_per_hour = 0                   # rate limit counting recipients (0: none)
    ignore_senders = ["lkp@intel.com"]  quiet_minutes = 30
    fetch = false                                 # run public-inbox-fetch before each walk
    summary = false                               # true: also a short reply to clean series
    tree = "/srv/linux"                           # optional: whole-file context at the base
    select = []  ignore = []                      # rules
    patchwork_url = "https://patchwork.kernel.org"  patchwork_project = "netdevbpf"
    patchwork_token_env = "REVIEWBOT_PATCHWORK_TOKEN"  patchwork_give_up_hours = 24
                                                  # a check per reviewed patch (reviewbot.patchwork)
"""

from __future__ import annotations

import email.utils
import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewbot import config
from reviewbot.errors import InputError
from reviewbot.filter import DiffMode, Policy
from reviewbot.model import Confidence, Level
from reviewbot.patchwork import settings as pwsettings
from reviewbot.rules import rules_url

REPLY_TO = ("author", "list", "all")


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int = 25
    starttls: bool = False
    user: str = ""
    password: str = ""
    timeout: float = 30.0


@dataclass(frozen=True)
class ListPolicy:
    name: str
    inbox: Path
    outbox_dir: Path
    sender: str = "reviewbot <reviewbot@localhost>"
    address: str = ""
    archive_url: str = "https://lore.kernel.org/r"
    docs_url: str = field(default_factory=rules_url)
    smtp: Smtp | None = None  # set only when the list opted in and a relay is configured
    reply_to: str = "all"
    cc: tuple[str, ...] = ()
    min_level: Level = Level.WARNING
    min_confidence: Confidence = Confidence.MEDIUM
    diff_mode: DiffMode = DiffMode.DIFF_CONTEXT
    embargo_hours: float = 0.0
    max_per_hour: int = 0  # 0: unlimited
    max_per_author_per_day: int = 0
    max_copied: int = 8  # addresses of the patch mail's To/Cc a reply copies; the rest are dropped
    max_recipients_per_hour: int = 0  # 0: unlimited
    ignore_senders: tuple[str, ...] = ()
    quiet_minutes: float = 30.0
    fetch: bool = False
    summary: bool = False  # also reply to clean series ("nothing found"), on the series root
    tree: str | None = None  # kernel git clone: review with whole files at the series' base
    tree_ref: str | None = None  # the branch/ref of `tree` a series without base-commit: is applied to (HEAD)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    patchwork: pwsettings.PatchworkTarget | None = None  # post a check on each reviewed patch
    results_url: str = ""  # [watch] results_url: the results site (checks link to its series pages)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def dry_run(self) -> bool:
        return self.smtp is None

    @property
    def policy(self) -> Policy:
        """What this list's replies (and patchwork checks) carry (reviewbot.filter)."""
        return Policy(min_level=self.min_level, min_confidence=self.min_confidence, diff_mode=self.diff_mode)

    @property
    def own_address(self) -> str:
        return email.utils.parseaddr(self.sender)[1].lower()

    def ignored_sender(self, addr: str) -> bool:
        addr = addr.lower()
        return any(fnmatch.fnmatch(addr, pat.lower()) for pat in self.ignore_senders)


def _enum(cls, value: str, where: str):
    try:
        return cls(value.upper() if cls is Level else value.lower())
    except ValueError:
        choices = ", ".join(m.value.lower() for m in cls)
        raise InputError(where, f"unknown value {value!r} (choose {choices})") from None


def _smtp(cfg: dict[str, Any]) -> Smtp | None:
    s = cfg.get("smtp") or {}
    if not s.get("host"):
        return None
    pw_env = s.get("password_env", "REVIEWBOT_SMTP_PASSWORD")
    return Smtp(host=s["host"], port=int(s.get("port", 25)), starttls=bool(s.get("starttls", False)),
                user=s.get("user", ""), password=os.environ.get(pw_env, ""), timeout=float(s.get("timeout", 30)))


def _count(v, where: str, key: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise InputError(where, f"{key} must be a whole number >= 0")
    return v


def _as_tuple(v, where: str) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    if not isinstance(v, list):
        raise InputError(where, "expected a list of strings")
    return tuple(str(x) for x in v)


def list_policy(name: str, section: dict[str, Any], cfg: dict[str, Any]) -> ListPolicy:
    where = f"[lists.{name}]"
    watch = cfg.get("watch") or {}
    if not section.get("inbox"):
        raise InputError(where, "missing 'inbox' (path of the public-inbox mirror)")
    reply_to = section.get("reply_to", "all")
    if reply_to not in REPLY_TO:
        raise InputError(where, f"reply_to must be one of {', '.join(REPLY_TO)}")
    smtp = None
    if section.get("send", False):
        smtp = _smtp(cfg)
        if smtp is None:
            raise InputError(where, "send = true needs an SMTP relay ([smtp] host)")
    if reply_to in ("list", "all") and smtp is not None and not section.get("address"):
        raise InputError(where, f"reply_to = {reply_to!r} needs the list 'address'")
    outbox = section.get("outbox_dir") or watch.get("outbox_dir") or config.data_dir(cfg) / "outbox" / name
    known = set(ListPolicy.__dataclass_fields__) | {"send", "inbox", "outbox_dir", *pwsettings.KEYS}
    return ListPolicy(
        name=name, inbox=Path(section["inbox"]).expanduser(), outbox_dir=Path(outbox).expanduser(),
        sender=watch.get("from", ListPolicy.sender), address=section.get("address", ""),
        archive_url=section.get("archive_url", ListPolicy.archive_url),
        docs_url=rules_url(), smtp=smtp, reply_to=reply_to,
        cc=_as_tuple(section.get("cc"), where),
        min_level=_enum(Level, section.get("min_level", "warning"), where),
        min_confidence=_enum(Confidence, section.get("min_confidence", "medium"), where),
        diff_mode=_enum(DiffMode, section.get("diff_mode", "diff_context"), where),
        embargo_hours=float(section.get("embargo_hours", 0)),
        max_per_hour=int(section.get("max_per_hour", 0)),
        max_per_author_per_day=int(section.get("max_per_author_per_day", 0)),
        max_copied=_count(section.get("max_copied", ListPolicy.max_copied), where, "max_copied"),
        max_recipients_per_hour=_count(section.get("max_recipients_per_hour", 0), where, "max_recipients_per_hour"),
        ignore_senders=_as_tuple(section.get("ignore_senders"), where),
        quiet_minutes=float(section.get("quiet_minutes", 30)),
        fetch=bool(section.get("fetch", False)), tree=section.get("tree"), tree_ref=section.get("tree_ref"),
        summary=bool(section.get("summary", False)),
        select=_as_tuple(section.get("select"), where), ignore=_as_tuple(section.get("ignore"), where),
        patchwork=pwsettings.from_section(section, where), results_url=str(section.get("results_url") or watch.get("results_url", "")),
        extra={k: v for k, v in section.items() if k not in known},
    )


def load_lists(cfg: dict[str, Any]) -> list[ListPolicy]:
    lists = cfg.get("lists") or {}
    if not isinstance(lists, dict):
        raise InputError("[lists]", "expected tables [lists.NAME]")
    return [list_policy(name, sec, cfg) for name, sec in lists.items()]


def interval(cfg: dict[str, Any]) -> float:
    return float((cfg.get("watch") or {}).get("interval", 300))
