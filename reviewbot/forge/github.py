"""GitHub REST (and GraphQL for review threads) for reviewbot.

Auth: a GitHub App (JWT RS256 signed with the App's key: ``iat`` 60 s in the past, ``exp``
9 minutes ahead, ``iss`` = App ID; exchanged for an installation token that is cached and
refreshed 5 minutes before it expires) or a plain token.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import httpx

from reviewbot.forge.http import Api, ForgeError
from reviewbot.forge.metrics import Counters
from reviewbot.forge.series import FileChange, unified

DIFF_MEDIA = "application/vnd.github.diff"
JSON_MEDIA = "application/vnd.github+json"
API_VERSION = "2022-11-28"


@dataclass(frozen=True)
class Identity:
    id: int
    login: str


@dataclass(frozen=True)
class PullRequest:
    number: int
    title: str
    body: str
    state: str
    head_sha: str
    base_sha: str
    author: str


class TokenAuth:
    def __init__(self, token: str):
        self.token = token
        self._identity: Identity | None = None

    def headers(self, installation_id: int | None, api: Api) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def identity(self, api: Api) -> Identity:
        if self._identity is None:
            me = api.json("GET", "/user", headers={"Accept": JSON_MEDIA, **self.headers(None, api)})
            self._identity = Identity(id=int(me["id"]), login=me["login"])
        return self._identity


class AppAuth:
    """GitHub App: JWT -> installation token (cached per installation, refreshed before expiry)."""

    def __init__(self, app_id: str, private_key: str, clock: Callable[[], float] = time.time):
        self.app_id = str(app_id)
        self.private_key = private_key
        self.clock = clock
        self._tokens: dict[int, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._identity: Identity | None = None

    def jwt(self) -> str:
        import jwt  # PyJWT[crypto]

        now = int(self.clock())
        return jwt.encode({"iat": now - 60, "exp": now + 540, "iss": self.app_id}, self.private_key,
                          algorithm="RS256")

    def _app_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.jwt()}"}

    def headers(self, installation_id: int | None, api: Api) -> dict[str, str]:
        if installation_id is None:
            raise ForgeError("AUTH", api.base_url, 0, "GitHub App delivery without an installation id")
        with self._lock:
            tok = self._tokens.get(installation_id)
            if tok is None or tok[1] - 300 < self.clock():
                resp = api.request("POST", f"/app/installations/{installation_id}/access_tokens",
                                   headers={"Accept": JSON_MEDIA, **self._app_headers()})
                data = resp.json()
                exp = _parse_time(data.get("expires_at")) or self.clock() + 3600
                tok = (data["token"], exp)
                self._tokens[installation_id] = tok
        return {"Authorization": f"Bearer {tok[0]}"}

    def identity(self, api: Api) -> Identity:
        if self._identity is None:
            app = api.json("GET", "/app", headers={"Accept": JSON_MEDIA, **self._app_headers()})
            login = f"{app['slug']}[bot]"
            user = api.json("GET", f"/users/{login}", headers={"Accept": JSON_MEDIA})  # public; a JWT is refused here
            self._identity = Identity(id=int(user["id"]), login=login)
        return self._identity


def _parse_time(s: str | None) -> float | None:
    if not s:
        return None
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class GitHub:
    """One repository's API on behalf of one installation (or the plain token)."""

    def __init__(self, api: Api, auth: TokenAuth | AppAuth, repo: str, installation_id: int | None = None):
        self.api = api
        self.auth = auth
        self.repo = repo
        self.installation_id = installation_id

    def _h(self, **extra: str) -> dict[str, str]:
        return {"Accept": JSON_MEDIA, "X-GitHub-Api-Version": API_VERSION,
                **self.auth.headers(self.installation_id, self.api), **extra}

    def _json(self, method: str, path: str, **kw) -> Any:
        return self.api.json(method, path, headers=self._h(), **kw)

    def _pages(self, path: str, limit: int = 10000) -> list[dict]:
        return list(self.api.paginate(path, limit=limit, headers=self._h()))

    @classmethod
    def create(cls, base_url: str, auth, repo: str, installation_id: int | None = None, *,
               transport: httpx.BaseTransport | None = None, min_interval: float = 1.0,
               sleep=time.sleep, counters: Counters | None = None) -> "GitHub":
        api = Api(base_url, lambda: {}, forge="github", transport=transport, min_interval=min_interval,
                  sleep=sleep, counters=counters)
        return cls(api, auth, repo, installation_id)

    def identity(self) -> Identity:
        """Our own account (cached by the auth object): comments are ours only if they carry its id."""
        return self.auth.identity(self.api)

    def pull(self, number: int) -> PullRequest:
        d = self._json("GET", f"/repos/{self.repo}/pulls/{number}")
        return PullRequest(number=number, title=d.get("title") or "", body=d.get("body") or "",
                           state=d.get("state", "open"), head_sha=d["head"]["sha"], base_sha=d["base"]["sha"],
                           author=(d.get("user") or {}).get("login", ""))

    def diff(self, number: int) -> tuple[str, list[str]]:
        """The PR diff; above GitHub's limits (406 too_large) rebuilt from the paginated /files."""
        try:
            resp = self.api.request("GET", f"/repos/{self.repo}/pulls/{number}", headers=self._h(Accept=DIFF_MEDIA))
            return resp.text, []
        except ForgeError as exc:
            if exc.status != 406:
                raise
        changes = []
        for f in self._pages(f"/repos/{self.repo}/pulls/{number}/files", limit=3000):
            status = f.get("status")
            changes.append(FileChange(old_path=f.get("previous_filename") or f["filename"], new_path=f["filename"],
                                      patch=f.get("patch"), new=status == "added", deleted=status == "removed"))
        text, skipped = unified(changes)
        return text, ["diff too large for GitHub's diff view: reviewed from the file list"] + skipped

    def review_comments(self, number: int) -> list[dict]:
        return self._pages(f"/repos/{self.repo}/pulls/{number}/comments")

    def create_review(self, number: int, commit_id: str, body: str, comments: list[dict]) -> dict:
        payload: dict[str, Any] = {"commit_id": commit_id, "event": "COMMENT", "body": body}
        if comments:
            payload["comments"] = comments
        return self._json("POST", f"/repos/{self.repo}/pulls/{number}/reviews", json=payload)

    def issue_comments(self, number: int) -> list[dict]:
        return self._pages(f"/repos/{self.repo}/issues/{number}/comments")

    def create_issue_comment(self, number: int, body: str) -> dict:
        return self._json("POST", f"/repos/{self.repo}/issues/{number}/comments", json={"body": body})

    def edit_issue_comment(self, comment_id: int, body: str) -> dict:
        return self._json("PATCH", f"/repos/{self.repo}/issues/comments/{comment_id}", json={"body": body})

    # -- GraphQL: review threads (resolving is GraphQL only) ------------------------------------
    def graphql(self, query: str, variables: dict) -> dict:
        url = self.api.base_url
        gql = url[:-3] + "/graphql" if url.endswith("/v3") else url + "/graphql"
        data = self._json("POST", gql, json={"query": query, "variables": variables},
                          mutation=query.lstrip().startswith("mutation"))
        if data.get("errors"):
            raise ForgeError("POST", gql, 200, f"GraphQL: {data['errors']}")
        return data["data"]

    def review_threads(self, number: int) -> list[dict]:
        owner, name = self.repo.split("/", 1)
        threads: list[dict] = []
        cursor = None
        while True:
            d = self.graphql(_THREADS, {"owner": owner, "name": name, "number": number, "cursor": cursor})
            conn = d["repository"]["pullRequest"]["reviewThreads"]
            threads += conn["nodes"]
            if not conn["pageInfo"]["hasNextPage"]:
                return threads
            cursor = conn["pageInfo"]["endCursor"]

    def resolve_thread(self, thread_id: str) -> None:
        self.graphql(_RESOLVE, {"id": thread_id})


_THREADS = """query($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved comments(first: 50) { nodes { databaseId body author { login } } } }
      }
    }
  }
}"""

_RESOLVE = """mutation($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { id isResolved } } }"""
