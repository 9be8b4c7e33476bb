"""Webhook deliveries: signature checks and which events become review jobs.

The filter is exactly forge/README.md's: GitHub ``pull_request`` opened / reopened /
synchronize, and edited only when ``changes.base`` is present (the base branch moved); GitLab
``merge_request`` open / reopen, and update only when ``oldrev`` is present (a push).
Everything else is answered 2xx and ignored.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass


@dataclass(frozen=True)
class JobSpec:
    """What a review job is keyed on: (forge, repo, number, head_sha)."""

    forge: str  # "github" | "gitlab"
    repo: str  # "owner/name" (GitLab: path_with_namespace)
    project: str  # API handle: GitHub "owner/name", GitLab the numeric project id
    number: int  # PR number / MR iid
    head_sha: str
    installation_id: int | None = None  # GitHub App installation


def github_signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256: sha256=<hex>`` over the raw body, compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want.encode(), header.strip().encode("ascii", "replace"))


def gitlab_token_ok(secret: str, header: str | None) -> bool:
    """``X-Gitlab-Token`` is the shared secret itself; compared in constant time."""
    if not header:
        return False
    return hmac.compare_digest(secret.encode(), header.encode("utf-8", "replace"))


def delivery_id(headers, body: bytes, *names: str) -> str:
    """The first delivery-id header present; else a hash of the body (identical redeliveries)."""
    for n in names:
        v = headers.get(n)
        if v:
            return v.strip()[:200]
    return "sha256:" + hashlib.sha256(body).hexdigest()


GITHUB_ACTIONS = ("opened", "reopened", "synchronize")
GITLAB_ACTIONS = ("open", "reopen")


def github_job(event: str | None, payload: dict) -> JobSpec | str:
    """A JobSpec, or the reason the delivery is ignored."""
    if event != "pull_request":
        return f"event {event!r} ignored"
    action = payload.get("action")
    if action not in GITHUB_ACTIONS:
        if not (action == "edited" and isinstance(payload.get("changes"), dict) and "base" in payload["changes"]):
            return f"pull_request action {action!r} ignored"
    try:
        pr = payload["pull_request"]
        repo = payload["repository"]["full_name"]
        inst = (payload.get("installation") or {}).get("id")
        return JobSpec(forge="github", repo=repo, project=repo, number=int(pr["number"]),
                       head_sha=str(pr["head"]["sha"]), installation_id=int(inst) if inst else None)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"pull_request payload lacks {exc}") from None


def gitlab_job(event: str | None, payload: dict) -> JobSpec | str:
    if payload.get("object_kind") != "merge_request":
        return f"object_kind {payload.get('object_kind')!r} ignored"
    attrs = payload.get("object_attributes") or {}
    action = attrs.get("action")
    if action not in GITLAB_ACTIONS and not (action == "update" and attrs.get("oldrev")):
        return f"merge_request action {action!r} ignored"
    try:
        project = payload.get("project") or {}
        repo = project.get("path_with_namespace") or str(attrs["target_project_id"])
        pid = attrs.get("target_project_id") or project["id"]
        return JobSpec(forge="gitlab", repo=repo, project=str(pid), number=int(attrs["iid"]),
                       head_sha=str(attrs["last_commit"]["id"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"merge_request payload lacks {exc}") from None
