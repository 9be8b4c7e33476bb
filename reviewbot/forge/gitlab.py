"""GitLab REST (v4) for reviewbot: MR, diffs, discussions, notes.  Auth: ``PRIVATE-TOKEN``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from reviewbot.forge.http import Api
from reviewbot.forge.metrics import Counters
from reviewbot.forge.series import FileChange, unified


@dataclass(frozen=True)
class MergeRequest:
    iid: int
    title: str
    description: str
    state: str
    head_sha: str
    base_sha: str
    start_sha: str
    author: str


class GitLab:
    def __init__(self, api: Api, project: str, me: int | None = None):
        self.api = api
        self.project = quote(str(project), safe="")
        self.me = me  # our user id (GET /user once; callers may pass a cached one)

    @classmethod
    def create(cls, url: str, token: str, project: str, *, transport: httpx.BaseTransport | None = None,
               min_interval: float = 1.0, sleep=time.sleep, counters: Counters | None = None) -> "GitLab":
        api = Api(url.rstrip("/") + "/api/v4", lambda: {"PRIVATE-TOKEN": token}, forge="gitlab",
                  transport=transport, min_interval=min_interval, sleep=sleep, counters=counters)
        return cls(api, project)

    def _mr(self, iid: int) -> str:
        return f"/projects/{self.project}/merge_requests/{iid}"

    def identity(self) -> int:
        if self.me is None:
            self.me = int(self.api.json("GET", "/user")["id"])
        return self.me

    def merge_request(self, iid: int) -> MergeRequest:
        d = self.api.json("GET", self._mr(iid))
        refs = d.get("diff_refs") or {}
        base, start, head = refs.get("base_sha"), refs.get("start_sha"), refs.get("head_sha")
        if not (base and start and head):  # empty right after creation: the latest version has them
            versions = self.api.json("GET", self._mr(iid) + "/versions")
            if versions:
                v = versions[0]
                base, start, head = v["base_commit_sha"], v["start_commit_sha"], v["head_commit_sha"]
        head = head or d.get("sha") or ""
        return MergeRequest(iid=iid, title=d.get("title") or "", description=d.get("description") or "",
                            state=d.get("state", "opened"), head_sha=head, base_sha=base or "",
                            start_sha=start or base or "", author=(d.get("author") or {}).get("username", ""))

    def diff(self, iid: int) -> tuple[str, list[str]]:
        changes = [FileChange(old_path=f["old_path"], new_path=f["new_path"], patch=f.get("diff"),
                              new=bool(f.get("new_file")), deleted=bool(f.get("deleted_file")))
                   for f in self.api.paginate(self._mr(iid) + "/diffs")]
        return unified(changes)

    def discussions(self, iid: int) -> list[dict]:
        return list(self.api.paginate(self._mr(iid) + "/discussions"))

    def create_discussion(self, iid: int, body: str, position: dict) -> dict:
        return self.api.json("POST", self._mr(iid) + "/discussions", json={"body": body, "position": position})

    def resolve_discussion(self, iid: int, discussion_id: str) -> None:
        self.api.request("PUT", self._mr(iid) + f"/discussions/{discussion_id}", params={"resolved": "true"})

    def notes(self, iid: int) -> list[dict]:
        return list(self.api.paginate(self._mr(iid) + "/notes"))

    def create_note(self, iid: int, body: str) -> dict:
        return self.api.json("POST", self._mr(iid) + "/notes", json={"body": body})

    def edit_note(self, iid: int, note_id: int, body: str) -> dict:
        return self.api.json("PUT", self._mr(iid) + f"/notes/{note_id}", json={"body": body})
