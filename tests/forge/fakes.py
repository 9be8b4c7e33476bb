"""Stateful fake GitHub and GitLab behind httpx.MockTransport, enforcing what the real APIs do.

Fake GitHub enforces: auth (plain token, App JWT RS256 with iss/iat/exp rules, installation
tokens); 406 ``too_large`` on the diff media type for PRs marked too large; ``Link`` pagination
(``per_page`` <= 100); a review whose inline comment is not on a line of the diff fails as a
whole with 422 "line must be part of the diff"; unknown keys in a review comment -> 422;
``commit_id`` must be a head the PR had; only the author may edit a comment; GraphQL
``reviewThreads`` / ``resolveReviewThread``; injected rate-limit / 5xx responses; and every
REST request is validated against the official OpenAPI description (tests/data/forge/
github-openapi-subset.json, cut from @octokit/openapi) with openapi-core.

Fake GitLab enforces: ``PRIVATE-TOKEN``; pagination; empty ``diff_refs`` right after creation
(``/versions`` has them); positioned discussions must carry the current base/start/head sha
and ``new_line`` for an added line, ``old_line`` for a removed one, both for a context line,
otherwise 400 "line_code can't be blank"; notes editable by their author only.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import httpx
import jwt
from unidiff import PatchSet

DATA = Path(__file__).resolve().parents[1] / "data" / "forge"


class Clock:
    """A virtual clock: sleep() advances time instantly; the fakes stamp mutations with it."""

    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, dt: float) -> None:
        self.sleeps.append(dt)
        self.now += dt


def diff_lines(diff_text: str) -> dict[str, dict[str, set[int]]]:
    """path -> {'+': new numbers of added lines, '-': old numbers of removed, ' ': (old,new) pairs}."""
    out: dict[str, dict] = {}
    for pf in PatchSet(diff_text):
        path = pf.target_file[2:] if pf.target_file != "/dev/null" else pf.source_file[2:]
        d = out.setdefault(path, {"+": set(), "-": set(), " ": set(), "old_path": pf.source_file[2:]
                                   if pf.source_file != "/dev/null" else path})
        for h in pf:
            for ln in h:
                if ln.line_type == "+":
                    d["+"].add(ln.target_line_no)
                elif ln.line_type == "-":
                    d["-"].add(ln.source_line_no)
                elif ln.line_type == " ":
                    d[" "].add((ln.source_line_no, ln.target_line_no))
    return out


def files_of(diff_text: str) -> list[dict]:
    """GitHub's /pulls/N/files entries for a diff."""
    out = []
    for pf in PatchSet(diff_text):
        src, tgt = pf.source_file, pf.target_file
        name = tgt[2:] if tgt != "/dev/null" else src[2:]
        status = "added" if src == "/dev/null" else "removed" if tgt == "/dev/null" else "modified"
        body = str(pf)
        patch = body[body.index("@@"):] if "@@" in body else None
        out.append({"sha": "0" * 40, "filename": name, "status": status, "additions": pf.added,
                    "deletions": pf.removed, "changes": pf.added + pf.removed, "patch": patch})
    return out


def _paginate(request: httpx.Request, items: list, default: int = 30) -> httpx.Response:
    q = parse_qs(request.url.query.decode())
    per = min(int(q.get("per_page", [default])[0]), 100)
    page = int(q.get("page", ["1"])[0])
    chunk = items[(page - 1) * per: page * per]
    headers = {}
    if page * per < len(items):
        nq = {k: v[0] for k, v in q.items()}
        nq.update(page=str(page + 1), per_page=str(per))
        nxt = request.url.copy_with(query=urlencode(nq).encode())
        headers["link"] = f'<{nxt}>; rel="next"'
    return httpx.Response(200, json=chunk, headers=headers)


@dataclass
class Injected:
    method: str
    path: str  # regex on the URL path
    response: httpx.Response
    times: int = 1


class _Fake:
    def __init__(self, clock: Clock | None = None):
        self.clock = clock or Clock()
        self.requests: list[httpx.Request] = []
        self.mutations: list[tuple[float, str, str]] = []
        self.injected: list[Injected] = []
        self.ids = itertools.count(1000)
        self.violations: list[str] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def inject(self, method: str, path: str, response: httpx.Response, times: int = 1) -> None:
        self.injected.append(Injected(method, path, response, times))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        graphql_query = request.url.path == "/graphql" and not json.loads(request.content)["query"].lstrip().startswith("mutation")
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and not graphql_query:
            self.mutations.append((self.clock.time(), request.method, request.url.path))
        for inj in self.injected:
            if inj.times and inj.method == request.method and re.search(inj.path, request.url.path):
                inj.times -= 1
                return inj.response
        return self.route(request)

    def route(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError

    def calls(self, method: str, pattern: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.url.path)]


# ---------------------------------------------------------------------------------------------
# GitHub
# ---------------------------------------------------------------------------------------------

@dataclass
class PR:
    number: int
    title: str
    body: str
    head: str
    base: str
    diff: str
    state: str = "open"
    too_large: bool = False
    heads: list[str] = field(default_factory=list)


class _OpenApiRequest:
    """The openapi-core request protocol over an httpx.Request."""

    def __init__(self, req: httpx.Request):
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.req = req
        self.parameters = RequestParameters(query=ImmutableMultiDict(list(req.url.params.multi_items())),
                                            header=Headers(dict(req.headers)), cookie=ImmutableMultiDict())
        self.host_url = "https://api.github.com"
        self.path = req.url.path
        self.method = req.method.lower()
        self.body = req.content or None
        self.content_type = req.headers.get("content-type", "application/json")


_OPENAPI = None


def openapi():
    global _OPENAPI
    if _OPENAPI is None:
        from openapi_core import OpenAPI

        _OPENAPI = OpenAPI.from_dict(json.loads((DATA / "github-openapi-subset.json").read_text()))
    return _OPENAPI


REVIEW_COMMENT_KEYS = {"path", "line", "side", "start_line", "start_side", "body"}
REVIEW_KEYS = {"commit_id", "body", "event", "comments"}


class FakeGitHub(_Fake):
    TOKEN = "ghp_test_token"
    USER = {"id": 501, "login": "reviewbot-test", "type": "User"}
    APP_ID = "4242"
    APP_SLUG = "reviewbot-app"
    BOT = {"id": 502, "login": "reviewbot-app[bot]", "type": "Bot"}
    HUMAN = {"id": 77, "login": "octocat", "type": "User"}

    def __init__(self, clock: Clock | None = None, app_public_key: str | None = None):
        super().__init__(clock)
        self.app_public_key = app_public_key
        self.installation_tokens: dict[str, tuple[int, float]] = {}
        self.prs: dict[tuple[str, int], PR] = {}
        self.review_comments: dict[tuple[str, int], list[dict]] = {}
        self.threads: dict[str, dict] = {}
        self.issue_comments: dict[tuple[str, int], list[dict]] = {}
        self.reviews: list[dict] = []
        self.rejected_reviews = 0

    # -- test setup ----------------------------------------------------------------------------
    def add_pr(self, repo: str, number: int, diff: str, head: str, base: str = "b" * 40,
               title: str = "A change", body: str = "", too_large: bool = False) -> PR:
        pr = PR(number, title, body, head, base, diff, too_large=too_large, heads=[head])
        self.prs[(repo, number)] = pr
        return pr

    def push(self, repo: str, number: int, diff: str, head: str) -> None:
        pr = self.prs[(repo, number)]
        pr.diff, pr.head = diff, head
        pr.heads.append(head)

    def human_reply(self, repo: str, number: int, thread_id: str, body: str = "I disagree") -> None:
        c = {"id": next(self.ids), "body": body, "user": dict(self.HUMAN), "thread": thread_id}
        self.review_comments[(repo, number)].append(c)
        self.threads[thread_id]["comments"].append(c)

    def threads_of(self, repo: str, number: int) -> list[dict]:
        return [t for t in self.threads.values() if t["pr"] == (repo, number)]

    # -- auth ----------------------------------------------------------------------------------
    def _who(self, request: httpx.Request) -> dict | None:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return None
        tok = auth[7:]
        if tok == self.TOKEN:
            return self.USER
        if tok in self.installation_tokens and self.installation_tokens[tok][1] > self.clock.time():
            return self.BOT
        return None

    def _app_jwt_ok(self, request: httpx.Request) -> bool:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not self.app_public_key:
            return False
        try:
            claims = jwt.decode(auth[7:], self.app_public_key, algorithms=["RS256"],
                                options={"verify_exp": False, "verify_iat": False})
        except jwt.PyJWTError as exc:
            self.violations.append(f"bad JWT: {exc}")
            return False
        now = self.clock.time()
        ok = (str(claims.get("iss")) == self.APP_ID and claims["iat"] <= now
              and claims["exp"] > now and claims["exp"] - claims["iat"] <= 600)
        if not ok:
            self.violations.append(f"JWT claims refused: {claims}")
        return ok

    # -- routing -------------------------------------------------------------------------------
    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path != "/graphql":
            try:
                openapi().validate_request(_OpenApiRequest(request))
            except Exception as exc:  # noqa: BLE001 - every validation error is a test failure
                self.violations.append(f"{request.method} {path}: OpenAPI: {exc}")
                return httpx.Response(422, json={"message": f"Invalid request: {exc}"})
        m = request.method
        if m == "GET" and path == "/app":
            if not self._app_jwt_ok(request):
                return _401()
            return httpx.Response(200, json={"id": int(self.APP_ID), "slug": self.APP_SLUG})
        if (mm := re.fullmatch(r"/app/installations/(\d+)/access_tokens", path)) and m == "POST":
            if not self._app_jwt_ok(request):
                return _401()
            tok = f"ghs_{next(self.ids)}_installation"
            exp = self.clock.time() + 3600
            self.installation_tokens[tok] = (int(mm.group(1)), exp)
            return httpx.Response(201, json={"token": tok, "expires_at": time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp))})
        if (mm := re.fullmatch(r"/users/([^/]+)", path)) and m == "GET":
            for u in (self.USER, self.BOT, self.HUMAN):
                if u["login"] == mm.group(1):
                    return httpx.Response(200, json=u)
            return httpx.Response(404, json={"message": "Not Found"})
        me = self._who(request)
        if me is None:
            return _401()
        if path == "/user" and m == "GET":
            if me is self.BOT:
                return httpx.Response(403, json={"message": "Resource not accessible by integration"})
            return httpx.Response(200, json=me)
        if path == "/graphql" and m == "POST":
            return self._graphql(request, me)
        mm = re.fullmatch(r"/repos/([^/]+/[^/]+)/(pulls|issues)/(\d+)(/[a-z]+)?", path)
        if mm:
            repo, kind, n, sub = mm.group(1), mm.group(2), int(mm.group(3)), mm.group(4) or ""
            pr = self.prs.get((repo, n))
            if pr is None:
                return httpx.Response(404, json={"message": "Not Found"})
            return self._pr(request, me, repo, pr, kind, sub)
        mm = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)", path)
        if mm and m == "PATCH":
            for (repo, _), comments in self.issue_comments.items():
                for c in comments:
                    if c["id"] == int(mm.group(2)) and repo == mm.group(1):
                        if c["user"]["id"] != me["id"]:
                            return httpx.Response(403, json={"message": "Must have admin rights to Repository."})
                        c["body"] = json.loads(request.content)["body"]
                        c["edits"] = c.get("edits", 0) + 1
                        return httpx.Response(200, json=c)
            return httpx.Response(404, json={"message": "Not Found"})
        return httpx.Response(404, json={"message": "Not Found", "path": path})

    def _pr(self, request, me, repo, pr: PR, kind: str, sub: str) -> httpx.Response:
        m = request.method
        key = (repo, pr.number)
        if kind == "pulls" and sub == "" and m == "GET":
            if request.headers.get("accept") == "application/vnd.github.diff":
                if pr.too_large:
                    return httpx.Response(406, json={
                        "message": "Sorry, the diff exceeded the maximum number of lines (20000)",
                        "errors": [{"resource": "PullRequest", "field": "diff", "code": "too_large"}]})
                return httpx.Response(200, text=pr.diff, headers={"content-type": "text/plain; charset=utf-8"})
            return httpx.Response(200, json={
                "number": pr.number, "title": pr.title, "body": pr.body, "state": pr.state,
                "user": dict(self.HUMAN), "head": {"sha": pr.head, "ref": "topic"},
                "base": {"sha": pr.base, "ref": "main"}})
        if kind == "pulls" and sub == "/files" and m == "GET":
            return _paginate(request, files_of(pr.diff))
        if kind == "pulls" and sub == "/comments" and m == "GET":
            return _paginate(request, [{k: v for k, v in c.items() if k != "thread"}
                                       for c in self.review_comments.get(key, [])])
        if kind == "pulls" and sub == "/reviews" and m == "POST":
            return self._review(request, me, repo, pr)
        if kind == "issues" and sub == "/comments" and m == "GET":
            return _paginate(request, self.issue_comments.get(key, []))
        if kind == "issues" and sub == "/comments" and m == "POST":
            c = {"id": next(self.ids), "body": json.loads(request.content)["body"], "user": dict(me)}
            self.issue_comments.setdefault(key, []).append(c)
            return httpx.Response(201, json=c)
        return httpx.Response(404, json={"message": "Not Found"})

    def _review(self, request, me, repo, pr: PR) -> httpx.Response:
        data = json.loads(request.content)
        errors = []
        if set(data) - REVIEW_KEYS:
            errors.append(f"unknown keys {sorted(set(data) - REVIEW_KEYS)}")
        if data.get("commit_id") not in pr.heads:
            errors.append("commit_id is not part of the pull request")
        if data.get("event") != "COMMENT":
            errors.append("reviewbot must only COMMENT")
        if len(data.get("body", "")) > 65536:
            errors.append("body is too long (maximum is 65536 characters)")
        lines = diff_lines(pr.diff)
        for c in data.get("comments", []):
            if set(c) - REVIEW_COMMENT_KEYS:
                errors.append(f"unknown comment keys {sorted(set(c) - REVIEW_COMMENT_KEYS)}")
                continue
            d = lines.get(c["path"])
            side = c.get("side", "RIGHT")
            ok = d is not None and (
                (side == "RIGHT" and (c["line"] in d["+"] or any(n == c["line"] for _, n in d[" "])))
                or (side == "LEFT" and (c["line"] in d["-"] or any(o == c["line"] for o, _ in d[" "]))))
            if not ok:
                errors.append("pull_request_review_thread.line must be part of the diff")
        if errors:
            self.rejected_reviews += 1
            return httpx.Response(422, json={"message": "Unprocessable Entity", "errors": errors})
        review = {"id": next(self.ids), "commit_id": data["commit_id"], "body": data.get("body"), "user": dict(me)}
        self.reviews.append(review)
        for c in data.get("comments", []):
            tid = f"PRRT_{next(self.ids)}"
            rc = {"id": next(self.ids), "body": c["body"], "path": c["path"], "line": c["line"],
                  "side": c.get("side", "RIGHT"), "commit_id": data["commit_id"], "user": dict(me),
                  "pull_request_review_id": review["id"], "thread": tid}
            self.review_comments.setdefault((repo, pr.number), []).append(rc)
            self.threads[tid] = {"id": tid, "isResolved": False, "comments": [rc], "pr": (repo, pr.number)}
        return httpx.Response(200, json=review)

    def _graphql(self, request, me) -> httpx.Response:
        data = json.loads(request.content)
        q, v = data["query"], data.get("variables") or {}
        if "resolveReviewThread" in q:
            t = self.threads.get(v.get("id"))
            if t is None:
                return httpx.Response(200, json={"errors": [{"message": "Could not resolve to a node"}]})
            t["isResolved"] = True
            return httpx.Response(200, json={"data": {"resolveReviewThread": {"thread": {"id": t["id"], "isResolved": True}}}})
        if "reviewThreads" in q:
            key = (f"{v['owner']}/{v['name']}", v["number"])
            nodes = [{"id": t["id"], "isResolved": t["isResolved"], "comments": {"nodes": [
                {"databaseId": c["id"], "body": c["body"], "author": {"login": c["user"]["login"]}}
                for c in t["comments"]]}} for t in self.threads.values() if t["pr"] == key]
            page = 2  # small pages so the client's cursor loop is exercised
            start = int(v.get("cursor") or 0)
            chunk = nodes[start:start + page]
            more = start + page < len(nodes)
            return httpx.Response(200, json={"data": {"repository": {"pullRequest": {"reviewThreads": {
                "pageInfo": {"hasNextPage": more, "endCursor": str(start + page) if more else None},
                "nodes": chunk}}}}})
        return httpx.Response(200, json={"errors": [{"message": "unsupported query in the fake"}]})


def _401() -> httpx.Response:
    return httpx.Response(401, json={"message": "Bad credentials"})


# ---------------------------------------------------------------------------------------------
# GitLab
# ---------------------------------------------------------------------------------------------

@dataclass
class MR:
    iid: int
    title: str
    description: str
    head: str
    base: str
    diff: str
    state: str = "opened"
    fresh: bool = False  # diff_refs empty (right after creation)


class FakeGitLab(_Fake):
    TOKEN = "glpat-test"
    USER = {"id": 601, "username": "reviewbot"}
    HUMAN = {"id": 88, "username": "alice"}

    def __init__(self, clock: Clock | None = None):
        super().__init__(clock)
        self.mrs: dict[tuple[str, int], MR] = {}
        self.discussions: dict[tuple[str, int], list[dict]] = {}
        self.notes: dict[tuple[str, int], list[dict]] = {}

    def add_mr(self, project: str, iid: int, diff: str, head: str, base: str = "c" * 40,
               title: str = "A change", description: str = "", fresh: bool = False) -> MR:
        mr = MR(iid, title, description, head, base, diff, fresh=fresh)
        self.mrs[(project, iid)] = mr
        return mr

    def push(self, project: str, iid: int, diff: str, head: str) -> None:
        mr = self.mrs[(project, iid)]
        mr.diff, mr.head, mr.fresh = diff, head, False

    def human_reply(self, project: str, iid: int, discussion_id: str, body: str = "not a bug") -> None:
        for d in self.discussions[(project, iid)]:
            if d["id"] == discussion_id:
                d["notes"].append({"id": next(self.ids), "body": body, "author": dict(self.HUMAN),
                                   "system": False, "resolvable": True, "resolved": False})

    def route(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("private-token") != self.TOKEN:
            return httpx.Response(401, json={"message": "401 Unauthorized"})
        path = request.url.path
        m = request.method
        if path == "/api/v4/user" and m == "GET":
            return httpx.Response(200, json=self.USER)
        mm = re.fullmatch(r"/api/v4/projects/([^/]+)/merge_requests/(\d+)(/[a-z]+)?(?:/([0-9a-f]+|\d+))?", path)
        if not mm:
            return httpx.Response(404, json={"message": "404 Not Found"})
        project, iid, sub, item = mm.group(1), int(mm.group(2)), mm.group(3) or "", mm.group(4)
        mr = self.mrs.get((project, iid))
        if mr is None:
            return httpx.Response(404, json={"message": "404 Not found"})
        key = (project, iid)
        if sub == "" and m == "GET":
            refs = None if mr.fresh else {"base_sha": mr.base, "start_sha": mr.base, "head_sha": mr.head}
            return httpx.Response(200, json={"iid": iid, "title": mr.title, "description": mr.description,
                                             "state": mr.state, "sha": mr.head, "diff_refs": refs,
                                             "author": dict(self.HUMAN)})
        if sub == "/versions" and m == "GET":
            return httpx.Response(200, json=[{"id": 1, "head_commit_sha": mr.head, "base_commit_sha": mr.base,
                                              "start_commit_sha": mr.base, "state": "collected"}])
        if sub == "/diffs" and m == "GET":
            items = []
            for f in files_of(mr.diff):
                items.append({"old_path": f["filename"], "new_path": f["filename"], "diff": f["patch"],
                              "new_file": f["status"] == "added", "deleted_file": f["status"] == "removed",
                              "renamed_file": False, "a_mode": "100644", "b_mode": "100644"})
            return _paginate(request, items, default=20)
        if sub == "/discussions" and m == "GET" and item is None:
            return _paginate(request, self.discussions.get(key, []), default=20)
        if sub == "/discussions" and m == "POST":
            return self._discussion(request, key, mr)
        if sub == "/discussions" and m == "PUT" and item:
            for d in self.discussions.get(key, []):
                if d["id"] == item:
                    if request.url.params.get("resolved") != "true":
                        return httpx.Response(400, json={"error": "resolved is missing"})
                    for n in d["notes"]:
                        n["resolved"] = True
                    return httpx.Response(200, json=d)
            return httpx.Response(404, json={"message": "404 Not found"})
        if sub == "/notes" and m == "GET":
            return _paginate(request, self.notes.get(key, []), default=20)
        if sub == "/notes" and m == "POST":
            n = {"id": next(self.ids), "body": json.loads(request.content)["body"], "author": dict(self.USER),
                 "system": False}
            self.notes.setdefault(key, []).append(n)
            return httpx.Response(201, json=n)
        if sub == "/notes" and m == "PUT" and item:
            for n in self.notes.get(key, []):
                if n["id"] == int(item):
                    if n["author"]["id"] != self.USER["id"]:
                        return httpx.Response(403, json={"message": "403 Forbidden"})
                    n["body"] = json.loads(request.content)["body"]
                    n["edits"] = n.get("edits", 0) + 1
                    return httpx.Response(200, json=n)
            return httpx.Response(404, json={"message": "404 Not found"})
        return httpx.Response(404, json={"message": "404 Not Found"})

    def _discussion(self, request, key, mr: MR) -> httpx.Response:
        data = json.loads(request.content)
        pos = data.get("position")
        bad = httpx.Response(400, json={"message": "400 Bad request - Note {:line_code=>[\"can't be blank\", "
                                                   "\"must be a valid line code\"]}"})
        if pos is not None:
            if pos.get("position_type") != "text":
                return httpx.Response(400, json={"message": "position_type is invalid"})
            if (pos.get("base_sha"), pos.get("start_sha"), pos.get("head_sha")) != (mr.base, mr.base, mr.head):
                return bad
            d = diff_lines(mr.diff).get(pos.get("new_path"))
            if d is None or pos.get("old_path") != d["old_path"]:
                return bad
            old, new = pos.get("old_line"), pos.get("new_line")
            if old is None and new is not None:
                ok = new in d["+"]
            elif new is None and old is not None:
                ok = old in d["-"]
            elif old is not None and new is not None:
                ok = (old, new) in d[" "]
            else:
                ok = False
            if not ok:
                return bad
        note = {"id": next(self.ids), "body": data["body"], "author": dict(self.USER), "system": False,
                "resolvable": pos is not None, "resolved": False, "position": pos}
        disc = {"id": f"{next(self.ids):040x}", "individual_note": False, "notes": [note]}
        self.discussions.setdefault(key, []).append(disc)
        return httpx.Response(201, json=disc)
