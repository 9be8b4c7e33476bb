"""The one schema of reviewbot.toml (pydantic): every section, key and type, checked at load.

Unknown sections and keys are errors, with a "did you mean" when a known name is close;
types are strict (`send = "no"` is not a boolean, `quiet_minutes = "thirty"` not a number);
each problem is one line naming the table and key.  The features keep reading the plain
dict (config.load() returns it once it validated); this module only says what is allowed.
`reviewbot config check FILE` prints every problem.
"""

from __future__ import annotations

import difflib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Level = Literal["error", "warning", "check"]
Confidence = Literal["high", "medium", "low"]
DiffMode = Literal["diff_context", "changed", "added"]  # reviewbot.filter.DiffMode


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class Database(_Table):
    url: str | None = None


class Queue(_Table):
    url: str | None = None


class Service(_Table):
    lease: float = Field(60.0, gt=0)
    grace: float = Field(20.0, ge=0)
    reconcile_every: float = Field(5.0, gt=0)
    redeliver_after: float = Field(10.0, ge=0)
    api_min_interval: float = Field(1.0, ge=0)
    follow_lists: bool = True
    review_budget_seconds: float = Field(60.0, ge=0)  # CPU seconds per review job (0: none)
    public_url: str | None = None


class Pages(_Table):
    token_env: str | None = None  # the variable holding the read-only token of the result pages
    public: bool = False  # pages without a token even off loopback (forge results are public)


class Watch(_Table):
    from_: str | None = Field(None, alias="from")
    interval: float = Field(300.0, gt=0)
    outbox_dir: str | None = None
    docs_url: str | None = None  # older name of the top-level rules_url
    results_url: str | None = None  # the results pages: patchwork checks link to their series there


class Smtp(_Table):
    host: str | None = None
    port: int = Field(25, gt=0, lt=65536)
    starttls: bool = False
    user: str = ""
    password_env: str = "REVIEWBOT_SMTP_PASSWORD"
    timeout: float = Field(30.0, gt=0)


class ListSection(_Table):
    inbox: str
    address: str = ""
    archive_url: str | None = None
    outbox_dir: str | None = None
    fetch: bool = False
    send: bool = False
    summary: bool = False
    reply_to: Literal["author", "list", "all"] = "all"
    cc: list[str] = []
    min_level: Level = "warning"
    min_confidence: Confidence = "medium"
    diff_mode: DiffMode = "diff_context"  # which diff lines' findings a reply carries
    quiet_minutes: float = Field(30.0, ge=0)
    embargo_hours: float = Field(0.0, ge=0)
    max_per_hour: int = Field(0, ge=0)
    max_per_author_per_day: int = Field(0, ge=0)
    max_copied: int = Field(8, ge=0)  # To/Cc of the patch mail a reply copies at most (the rest: dropped, logged)
    max_recipients_per_hour: int = Field(0, ge=0)  # the rate limit also counts people mailed (0: none)
    ignore_senders: list[str] = []
    tree: str | None = None
    tree_ref: str | None = None  # branch/ref of `tree` a series without base-commit: is applied to (HEAD)
    select: list[str] = []
    ignore: list[str] = []
    # patchwork checks (reviewbot.patchwork.settings): the instance, its project, the token's variable
    patchwork_url: str | None = None
    patchwork_project: str | int | None = None
    patchwork_token_env: str = "REVIEWBOT_PATCHWORK_TOKEN"
    patchwork_give_up_hours: float = Field(24.0, gt=0)
    results_url: str | None = None


class Github(_Table):
    api_url: str | None = None


class Gitlab(_Table):
    url: str | None = None


class Server(_Table):
    max_body: int = Field(5 * 1024 * 1024, gt=0)
    # slow clients (reviewbot.service.limits): seconds to send the head / the body, idle keep-alive
    header_timeout: float = Field(10.0, gt=0)
    body_timeout: float = Field(30.0, gt=0)
    keep_alive: float = Field(5.0, gt=0)
    max_connections: int = Field(200, gt=0)
    max_header_bytes: int = Field(16384, gt=0)


class Repo(_Table):
    enabled: bool = True
    select: list[str] = []
    ignore: list[str] = []
    min_level: Level = "warning"
    min_confidence: Confidence = "medium"
    diff_mode: DiffMode = "diff_context"  # which diff lines' findings a review posts
    inline: bool = True
    max_inline: int = Field(30, ge=0)
    tree: str | None = None
    tree_ref: str | None = None  # branch/ref of `tree` a change without a base commit is applied to (HEAD)
    tree_fetch: bool = False


class Config(_Table):
    data_dir: str | None = None
    rules_url: str | None = None
    database: Database = Database()
    queue: Queue = Queue()
    service: Service = Service()
    pages: Pages = Pages()
    watch: Watch = Watch()
    smtp: Smtp = Smtp()
    lists: dict[str, ListSection] = {}
    github: Github = Github()
    gitlab: Gitlab = Gitlab()
    server: Server = Server()
    repos: dict[str, Repo] = {}


_DICT_TABLES = {"lists": ListSection, "repos": Repo}  # [lists.NAME], [repos."owner/name"]


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model of the table at `loc` (a pydantic error location, key excluded)."""
    model: type[BaseModel] | None = Config
    i = 0
    while i < len(loc) and model is not None:
        key = loc[i]
        if model is Config and key in _DICT_TABLES:
            model, i = _DICT_TABLES[key], i + 2  # skip the NAME
            continue
        field = model.model_fields.get(key)
        ann = getattr(field, "annotation", None) if field else None
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
        i += 1
    return model


def _names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _where(loc: tuple) -> tuple[str, str]:
    """('[lists.leds]', 'quiet_minutes') for ('lists', 'leds', 'quiet_minutes')."""
    parts = [str(p) for p in loc]
    table: list[str] = []
    i = 0
    while i < len(parts) - 1:
        if not table and parts[i] in _DICT_TABLES and i + 1 < len(parts) - 1:
            name = parts[i + 1]
            table.append(f'{parts[i]}.{name}' if name.replace("-", "").replace("_", "").isalnum()
                         else f'{parts[i]}."{name}"')
            i += 2
            continue
        table.append(parts[i])
        i += 1
    return (f"[{'.'.join(table)}]" if table else "top level"), (parts[-1] if parts else "")


_EXPECT = {
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "string_type": "expected a string (in quotes)",
    "list_type": "expected a list, e.g. [\"a\", \"b\"]",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
}


def _message(err: dict) -> str:
    loc = tuple(err["loc"])
    kind = err["type"]
    table, key = _where(loc)
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        what = "section" if model is Config and isinstance(err.get("input"), dict) else "key"
        msg = f"{table}: unknown {what} {key!r}"
        close = difflib.get_close_matches(key, _names(model), n=1, cutoff=0.6) if model else []
        return msg + (f" (did you mean {close[0]!r}?)" if close else "")
    if kind == "missing":
        return f"{table}: missing required key {key!r}"
    value = err.get("input")
    shown = repr(value) if not isinstance(value, dict) else "a table"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{table}: {key} = {shown}: expected one of {expected}"
    if kind in _EXPECT:
        return f"{table}: {key} = {shown}: {_EXPECT[kind]}"
    return f"{table}: {key} = {shown}: {err['msg'].lower()}"


def problems(cfg: dict[str, Any]) -> list[str]:
    """Every problem of a parsed configuration, one line each (empty when it is valid)."""
    try:
        Config.model_validate(cfg)
    except ValidationError as exc:
        seen: list[str] = []
        for err in exc.errors():
            line = _message(err)
            if line not in seen:
                seen.append(line)
        return seen
    return []
