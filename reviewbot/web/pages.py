"""Results pages: recent series and pull/merge requests, their findings, one page per rule.

  GET /                  recent list series and PRs/MRs
  GET /series/{id}       one reviewed series: findings with the rule explanations, lore links
  GET /pr/{id}           one review job of a PR/MR: findings, link to the PR/MR
  GET /rules, /rules/{ID or slug}

Server-rendered with Jinja2 (templates/web/*.html.j2, autoescaped); everything from a patch or
a payload is data, never markup.  Rule explanations are the rule docs (a small Markdown subset:
paragraphs, ``code``, fenced blocks, lists).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from reviewbot import registry
from reviewbot.forge import tables as F
from reviewbot.render import render
from reviewbot.service import results
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
                   else str(escape(p)) for p in parts)


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


def _job_id(raw: str, what: str) -> int:
    """A job id from the URL; anything that cannot be one (not digits, beyond the id column's
    range) is simply not found: 404, never a database error."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= 2**31 - 1:
        raise HTTPException(404, f"no {what} {raw[:40]!r}")
    return int(raw)


def pages_router(cfg: dict[str, Any], engine: sa.Engine) -> APIRouter:
    from reviewbot.forge.settings import ForgeSettings
    from reviewbot.watch.policy import load_lists

    router = APIRouter()
    archives = {p.name: p.archive_url for p in load_lists(cfg)}
    gitlab_url = ForgeSettings.from_env(cfg).gitlab_url
    rules = _rules()

    def page(template: str, status: int = 200, **data) -> HTMLResponse:
        return HTMLResponse(render(f"web/{template}", markdown=markdown, inline=inline, **data), status_code=status)

    def rule_of(rid: str):
        return rules.get(rid)

    @router.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        with engine.connect() as c:
            series = c.execute(sa.select(W.jobs).order_by(W.jobs.c.created.desc()).limit(RECENT)).all()
            prs = c.execute(sa.select(F.jobs, results.reviews.c.findings).outerjoin(
                results.reviews, results.reviews.c.job_id == F.jobs.c.id).where(F.jobs.c.forge != "list")
                .order_by(F.jobs.c.updated_at.desc()).limit(RECENT)).all()  # list series: watch_jobs above
        return page("index.html.j2", title="reviewbot: recent reviews",
                    series=[dict(id=s.id, list=s.list, subject=s.subject, revision=s.revision, status=s.status,
                                 sender=s.sender, when=_when(s.created), count=len(json.loads(s.findings or "[]")))
                            for s in series],
                    prs=[dict(id=p.id, forge=p.forge, repo=p.repo, number=p.number, head=p.head_sha[:12],
                              state=p.state, when=_when(p.updated_at),
                              count=len(json.loads(p.findings)) if p.findings else None,
                              sep="#" if p.forge == "github" else "!") for p in prs])

    @router.get("/series/{job_id}", response_class=HTMLResponse)
    def series(job_id: str) -> HTMLResponse:
        job_id = _job_id(job_id, "series")
        with engine.connect() as c:
            s = c.execute(sa.select(W.jobs).where(W.jobs.c.id == job_id)).first()
            patches = [] if s is None else c.execute(sa.select(W.outbox.c.patch_msgid, W.outbox.c.status).where(
                W.outbox.c.job_id == job_id).order_by(W.outbox.c.id)).all()
        if s is None:
            raise HTTPException(404, f"no series {job_id}")
        archive = archives.get(s.list, "https://lore.kernel.org/r")
        findings = []
        for d in json.loads(s.findings or "[]"):
            m = _DESC.match(d.get("desc", ""))
            rid = m.group("rule") if m else ""
            r = rule_of(rid)
            findings.append(dict(rule=r, rule_id=rid, level=r.level.name.lower() if r else "", message=m.group("message") if m else d.get("desc"),
                                 where=m.group("where") if m else "", fp=d.get("fp")))
        return page("series.html.j2", title=f"[v{s.revision}] {s.subject}", s=s, when=_when(s.created),
                    root_link=lore_link(archive, s.root), findings=findings,
                    replies=[dict(msgid=p.patch_msgid, link=lore_link(archive, p.patch_msgid), status=p.status)
                             for p in patches])

    @router.get("/pr/{job_id}", response_class=HTMLResponse)
    def pr(job_id: str) -> HTMLResponse:
        job_id = _job_id(job_id, "review job")
        with engine.connect() as c:
            j = c.execute(sa.select(F.jobs, results.reviews.c.findings).outerjoin(
                results.reviews, results.reviews.c.job_id == F.jobs.c.id).where(
                (F.jobs.c.id == job_id) & (F.jobs.c.forge != "list"))).first()
        if j is None:
            raise HTTPException(404, f"no review job {job_id}")
        findings = [dict(d, rule=rule_of(d["rule"]), rule_id=d["rule"],
                         where=f"{d['path']}:{d['line']}" if d.get("path") else "")
                    for d in json.loads(j.findings or "[]")]
        sep = "#" if j.forge == "github" else "!"
        return page("pr.html.j2", title=f"{j.repo}{sep}{j.number}", j=j, sep=sep, when=_when(j.updated_at),
                    link=pr_link(j.forge, j.repo, j.number, gitlab_url), findings=findings,
                    reviewed=j.findings is not None)

    @router.get("/rules", response_class=HTMLResponse)
    def rule_index() -> HTMLResponse:
        return page("rules.html.j2", title="reviewbot rules", rules=sorted(rules.values(), key=lambda r: r.id))

    @router.get("/rules/{name}", response_class=HTMLResponse)
    def rule(name: str) -> HTMLResponse:
        r = registry.find_rule(name)
        if r is None:
            raise HTTPException(404, f"no rule {name}")
        return page("rule.html.j2", title=f"{r.id} {r.slug}", rule=r)

    return router
