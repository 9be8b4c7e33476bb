"""Results pages: recent series and pull/merge requests, their findings, one page per rule.

  GET /                  list series and PRs/MRs: search (q), filters (list, repo, rule, author,
                         state), pages of PER_PAGE
  GET /series/{id}       one reviewed series: each finding with patch n/m, level, confidence,
                         the quoted line, the rule, a link to our reply in the list archive
  GET /pr/{id}           one review job of a PR/MR: findings, links to the PR/MR and its comments
  GET /rules, /rules/{ID or slug}   rendered rule documentation (always public: mails link it)

Results pages are read-only and guarded: with $REVIEWBOT_PAGES_TOKEN (or `[pages] token_env`)
set they need that token (`?token=`, then a cookie, or `Authorization: Bearer`); without one
they are served to loopback clients only, unless `[pages] public = true`.  Errors are HTML pages.

Server-rendered with Jinja2 (templates/web/*.html.j2, autoescaped); everything from a patch or
a payload is data, never markup.  Rule explanations are the rule docs (a small Markdown subset:
paragraphs, ``code``, fenced blocks, lists).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import re
import time
from typing import Any, Mapping
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from reviewbot import registry
from reviewbot.forge import tables as F
from reviewbot.render import render
from reviewbot.web import results
from reviewbot.watch import tables as W

RECENT = 50
_DESC = re.compile(r"^(?P<rule>[A-Z]+\d+) (?P<slug>\S+): (?P<message>.*) \((?P<where>[^()]*)\)$", re.S)


def markdown(text: str) -> Markup:
    """The rule-doc Markdown subset as HTML; the text is escaped before any markup is added."""
    out: list[str] = []
    blocks = re.split(r"(?ms)^```[^\n]*\n(.*?)^```\s*$", text)
    for i, block in enumerate(blocks):
        if i % 2:  # fenced code
            out.append(f"<pre><code>{escape(block.rstrip())}</code></pre>")
            continue
        for para in re.split(r"\n\s*\n", block.strip()):
            if not para.strip():
                continue
            lines = para.splitlines()
            if all(re.match(r"\s*[-*] ", ln) or ln.startswith("  ") for ln in lines):
                items, cur = [], []
                for ln in lines:
                    if re.match(r"\s*[-*] ", ln):
                        if cur:
                            items.append(" ".join(cur))
                        cur = [re.sub(r"^\s*[-*] ", "", ln)]
                    else:
                        cur.append(ln.strip())
                items.append(" ".join(cur))
                out.append("<ul>" + "".join(f"<li>{_inline(it)}</li>" for it in items) + "</ul>")
            else:
                out.append(f"<p>{_inline(' '.join(ln.strip() for ln in lines))}</p>")
    return Markup("\n".join(out))


def inline(text: str) -> Markup:
    """One line of rule-doc Markdown (only ``code`` spans) as HTML."""
    return Markup(_inline(text))


def _inline(text: str) -> str:
    parts = re.split(r"(`[^`]+`)", text)
    return "".join(f"<code>{escape(p[1:-1])}</code>" if p.startswith("`") and p.endswith("`") and len(p) > 1
                   else _emphasis(str(escape(p))) for p in parts)


def _emphasis(html: str) -> str:
    """**strong**, *emphasis* and [text](http...) links in already escaped text."""
    html = re.sub(r"\[([^\]]+)\]\((https?://[^\s)]+)\)", r'<a href="\2">\1</a>', html)
    html = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", html)
    return re.sub(r"(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])", r"<em>\1</em>", html)


def _rules() -> dict[str, Any]:
    return {r.id: r for r in registry.all_rules()}


def lore_link(archive_url: str, msgid: str) -> str:
    return f"{archive_url.rstrip('/')}/{quote(msgid.strip('<>'), safe='@!$&*+,;=-._~')}/"


def pr_link(forge: str, repo: str, number: int, gitlab_url: str, github_url: str = "https://github.com") -> str:
    if forge == "gitlab":
        return f"{gitlab_url.rstrip('/')}/{repo}/-/merge_requests/{number}"
    return f"{github_url}/{repo}/pull/{number}"


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(t)) if t else ""


PER_PAGE = 25
TOKEN_ENV = "REVIEWBOT_PAGES_TOKEN"
COOKIE = "reviewbot_pages"


def _loopback(host: str | None) -> bool:
    try:
        return ipaddress.ip_address((host or "").split("%", 1)[0]).is_loopback
    except ValueError:
        return host == "localhost"


class _Filters:
    """The index page's search, filters and page number, from the query string."""

    KEYS = ("q", "list", "repo", "rule", "author", "state")

    def __init__(self, params: Mapping[str, str], rules: dict[str, Any]):
        self.values = {k: (params.get(k) or "").strip()[:200] for k in self.KEYS}
        try:
            self.page = max(1, int(params.get("page") or 1))
        except ValueError:
            self.page = 1
        rule = self.values["rule"]
        found = registry.find_rule(rule) if rule else None
        self.rule_id = found.id if found else rule.upper()

    def __getattr__(self, key: str) -> str:
        if key in _Filters.KEYS:
            return self.values[key]
        raise AttributeError(key)

    def query(self, **change) -> str:
        """The query string of these filters, with `change` applied (page 1 is left out)."""
        vals = {**self.values, "page": str(self.page), **change}
        vals = {k: v for k, v in vals.items() if v and not (k == "page" and v == "1")}
        return "?" + urlencode(vals) if vals else "?"

    @property
    def active(self) -> bool:
        return any(self.values.values())


def _finding(d: dict, rules: dict[str, Any], reply_link: str | None, reply_label: str = "") -> dict:
    """A stored finding (new records carry every field; old ones only fp and desc) for display."""
    if "rule" not in d:
        m = _DESC.match(d.get("desc", ""))
        d = dict(d, rule=m.group("rule") if m else "", message=m.group("message") if m else d.get("desc", ""),
                 where=m.group("where") if m else "")
    r = rules.get(d.get("rule", ""))
    where = d.get("where") or (f"{d['path']}:{d['line']}" if d.get("path") else "")
    if d.get("side") == "old" and where:
        where += " (removed line)"
    patch = f"{d['patch']}/{d['patches']}" if d.get("patch") and d.get("patches") else ""
    text = d.get("text") or ""
    return dict(rule=r, rule_id=d.get("rule", ""), level=d.get("level") or (r.level.name.lower() if r else ""),
                confidence=d.get("confidence") or (r.confidence.value if r else ""), message=d.get("message", ""),
                where=where, patch=patch, quote=(("-" if d.get("side") == "old" else "+") + text) if text else "",
                fp=d.get("fp"), reply=reply_link, reply_label=reply_label)


def _job_id(raw: str) -> int | None:
    """A job id from the URL; anything that cannot be one (not digits, beyond the id column's
    range) is simply not found: 404, never a database error."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= 2**31 - 1:
        return None
    return int(raw)


def pages_router(cfg: dict[str, Any], engine: sa.Engine) -> APIRouter:
    from reviewbot.forge.settings import ForgeSettings
    from reviewbot.watch.policy import load_lists

    pages_cfg = cfg.get("pages") or {}
    token_env = pages_cfg.get("token_env") or TOKEN_ENV
    public = bool(pages_cfg.get("public", False))
    archives = {p.name: p.archive_url for p in load_lists(cfg)}
    gitlab_url = ForgeSettings.from_env(cfg).gitlab_url
    rules = _rules()

    def page(template: str, status: int = 200, request: Request | None = None, **data) -> HTMLResponse:
        resp = HTMLResponse(render(f"web/{template}", markdown=markdown, inline=inline, **data), status_code=status)
        token = os.environ.get(token_env, "")
        if request is not None and token and request.query_params.get("token") == token:
            resp.set_cookie(COOKIE, token, httponly=True, samesite="strict")  # the next pages need no ?token=
        return resp

    def error(status: int, message: str) -> HTMLResponse:
        return page("error.html.j2", status=status, title=f"{status}: {message}", code=status, message=message)

    def allowed(request: Request) -> HTMLResponse | None:
        """The read-only guard of the result pages (rule pages are always public: mails link them)."""
        token = os.environ.get(token_env, "")
        if token:
            given = (request.query_params.get("token") or request.cookies.get(COOKIE)
                     or request.headers.get("authorization", "").removeprefix("Bearer ").strip())
            if given and hmac.compare_digest(given.encode(), token.encode()):
                return None
            return error(401, "these pages need the read-only token (?token=...)")
        if public or _loopback(request.client.host if request.client else None):
            return None
        return error(403, f"results pages are served to loopback only: set ${token_env} "
                          "(a read-only token) or [pages] public = true")

    router = APIRouter()

    @router.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        if (denied := allowed(request)) is not None:
            return denied
        f = _Filters(request.query_params, rules)
        off = (f.page - 1) * PER_PAGE
        s_where, p_where = [], [F.jobs.c.forge != "list"]
        if f.q:
            s_where.append(W.jobs.c.subject.contains(f.q, autoescape=True) | W.jobs.c.root.contains(f.q, autoescape=True))
            p_where.append(F.jobs.c.repo.contains(f.q, autoescape=True))
        if f.list:
            s_where.append(W.jobs.c.list == f.list)
        if f.repo:
            p_where.append(F.jobs.c.repo == f.repo)
        if f.author:
            s_where.append(W.jobs.c.sender.contains(f.author, autoescape=True))
        if f.state:
            s_where.append(W.jobs.c.status == f.state)
            p_where.append(F.jobs.c.state == f.state)
        if f.rule:
            s_where.append(W.jobs.c.findings.contains(f'"rule": "{f.rule_id}"', autoescape=True)
                           | W.jobs.c.findings.contains(f'"desc": "{f.rule_id} ', autoescape=True))
            p_where.append(results.reviews.c.findings.contains(f'"rule": "{f.rule_id}"', autoescape=True))
        show_series, show_prs = not f.repo, not (f.list or f.author)
        pr_from = F.jobs.outerjoin(results.reviews, results.reviews.c.job_id == F.jobs.c.id)
        with engine.connect() as c:
            n_series = c.execute(sa.select(sa.func.count()).select_from(W.jobs).where(*s_where)).scalar() \
                if show_series else 0
            series = c.execute(sa.select(W.jobs).where(*s_where).order_by(W.jobs.c.created.desc(), W.jobs.c.id.desc())
                               .limit(PER_PAGE).offset(off)).all() if show_series else []
            n_prs = c.execute(sa.select(sa.func.count()).select_from(pr_from).where(*p_where)).scalar() \
                if show_prs else 0
            prs = c.execute(sa.select(F.jobs, results.reviews.c.findings).select_from(pr_from).where(*p_where)
                            .order_by(F.jobs.c.updated_at.desc(), F.jobs.c.id.desc())
                            .limit(PER_PAGE).offset(off)).all() if show_prs else []
            lists = [r[0] for r in c.execute(sa.select(W.jobs.c.list).distinct().order_by(W.jobs.c.list))]
            repos = [r[0] for r in c.execute(sa.select(F.jobs.c.repo).where(F.jobs.c.forge != "list")
                                             .distinct().order_by(F.jobs.c.repo))]
        pages = max(1, -(-max(n_series, n_prs) // PER_PAGE))
        return page("index.html.j2", request=request, title="reviewbot: recent reviews", f=f, lists=lists, repos=repos,
                    rules=sorted(rules.values(), key=lambda r: r.id), n_series=n_series, n_prs=n_prs,
                    page_no=f.page, pages=pages, show_series=show_series, show_prs=show_prs,
                    series=[dict(id=s.id, list=s.list, subject=s.subject, revision=s.revision, status=s.status,
                                 sender=s.sender, when=_when(s.created), count=len(json.loads(s.findings or "[]")))
                            for s in series],
                    prs=[dict(id=p.id, forge=p.forge, repo=p.repo, number=p.number, head=p.head_sha[:12],
                              state=p.state, when=_when(p.updated_at),
                              count=len(json.loads(p.findings)) if p.findings else None,
                              sep="#" if p.forge == "github" else "!") for p in prs])

    @router.get("/series/{job_id}", response_class=HTMLResponse)
    def series(job_id: str, request: Request) -> HTMLResponse:
        if (denied := allowed(request)) is not None:
            return denied
        if _job_id(job_id) is None:
            return error(404, f"no series {job_id[:40]!r}")
        with engine.connect() as c:
            s = c.execute(sa.select(W.jobs).where(W.jobs.c.id == int(job_id))).first()
            out = [] if s is None else c.execute(sa.select(W.outbox.c.msgid, W.outbox.c.patch_msgid, W.outbox.c.status)
                                                 .where(W.outbox.c.job_id == s.id).order_by(W.outbox.c.id)).all()
        if s is None:
            return error(404, f"no series {job_id}")
        archive = archives.get(s.list, "https://lore.kernel.org/r")
        reply_of = {o.patch_msgid: lore_link(archive, o.msgid) for o in out if o.status == "sent"}
        findings = [_finding(d, rules, reply_of.get(d.get("patch_msgid") or ""), "our reply in the list archive")
                    for d in json.loads(s.findings or "[]")]
        return page("series.html.j2", request=request, title=f"[v{s.revision}] {s.subject}", s=s, when=_when(s.created),
                    root_link=lore_link(archive, s.root), findings=findings,
                    replies=[dict(msgid=o.msgid, patch=o.patch_msgid, status=o.status,
                                  link=lore_link(archive, o.msgid) if o.status == "sent" else None) for o in out])

    @router.get("/pr/{job_id}", response_class=HTMLResponse)
    def pr(job_id: str, request: Request) -> HTMLResponse:
        if (denied := allowed(request)) is not None:
            return denied
        if _job_id(job_id) is None:
            return error(404, f"no review job {job_id[:40]!r}")
        with engine.connect() as c:
            j = c.execute(sa.select(F.jobs, results.reviews.c.findings).outerjoin(
                results.reviews, results.reviews.c.job_id == F.jobs.c.id).where(
                (F.jobs.c.id == int(job_id)) & (F.jobs.c.forge != "list"))).first()
        if j is None:
            return error(404, f"no review job {job_id}")
        link = pr_link(j.forge, j.repo, j.number, gitlab_url)
        comments = f"{link}/files" if j.forge == "github" else f"{link}/diffs"  # where the inline comments are
        where = "GitHub" if j.forge == "github" else "GitLab"
        findings = [_finding(dict(d, patch=1, patches=1), rules, comments, f"the review comments on {where}")
                    for d in json.loads(j.findings or "[]")]
        sep = "#" if j.forge == "github" else "!"
        return page("pr.html.j2", request=request, title=f"{j.repo}{sep}{j.number}", j=j, sep=sep,
                    when=_when(j.updated_at), link=link, findings=findings, reviewed=j.findings is not None)

    @router.get("/rules", response_class=HTMLResponse)
    def rule_index() -> HTMLResponse:
        return page("rules.html.j2", title="reviewbot rules", rules=sorted(rules.values(), key=lambda r: r.id))

    @router.get("/rules/{name}", response_class=HTMLResponse)
    def rule(name: str) -> HTMLResponse:
        r = registry.find_rule(name)
        if r is None:
            return error(404, f"no rule {name}")
        return page("rule.html.j2", title=f"{r.id} {r.slug}", rule=r)

    return router


def error_page(status: int, message: str) -> HTMLResponse:
    """An HTML error page (an unknown path or method under the pages, a server error)."""
    return HTMLResponse(render("web/error.html.j2", markdown=markdown, inline=inline, title=f"{status}: {message}",
                               code=status, message=message), status_code=status)
