"""Webhook deliveries: signature checks and which events become review jobs.

The filter (docs/forges.md): GitHub ``pull_request`` opened / reopened /
synchronize, and edited only when ``changes.base`` is present (the base branch moved); GitLab
``merge_request`` open / reopen, and update only when ``oldrev`` is present (a push).
Everything else is answered 2xx and ignored.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from reviewbot.forge import payloads


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
    """A JobSpec, or the reason the delivery is ignored; ValueError (a 400) when a field used
    is missing or out of range (reviewbot.forge.payloads)."""
    if event != "pull_request":
        return f"event {_short(event)} ignored"
    head = payloads.validate(payloads.GitHubAction, payload)
    if head.action not in GITHUB_ACTIONS:
        if not (head.action == "edited" and head.changes is not None and "base" in head.changes):
            return f"pull_request action {_short(head.action)} ignored"
    ev = payloads.validate(payloads.GitHubPullRequestEvent, payload)
    repo = ev.repository.full_name
    inst = ev.installation.id if ev.installation else None
    return JobSpec(forge="github", repo=repo, project=repo, number=ev.pull_request.number,
                   head_sha=ev.pull_request.head.sha, installation_id=inst)


def gitlab_job(event: str | None, payload: dict) -> JobSpec | str:
    kind = payloads.validate(payloads.GitLabKind, payload).object_kind
    if kind != "merge_request":
        return f"object_kind {_short(kind)} ignored"
    ev = payloads.validate(payloads.GitLabMergeRequestEvent, payload)
    attrs = ev.object_attributes
    if attrs.action not in GITLAB_ACTIONS and not (attrs.action == "update" and attrs.oldrev):
        return f"merge_request action {_short(attrs.action)} ignored"
    project = ev.project or payloads.GitLabProject()
    pid = attrs.target_project_id or project.id
    if attrs.iid is None or attrs.last_commit is None or pid is None:
        missing = "object_attributes.iid" if attrs.iid is None else (
            "object_attributes.last_commit" if attrs.last_commit is None else "object_attributes.target_project_id")
        raise ValueError(f"merge_request payload lacks {missing}")
    repo = project.path_with_namespace or str(pid)
    return JobSpec(forge="gitlab", repo=repo, project=str(pid), number=attrs.iid, head_sha=attrs.last_commit.id)


def _short(value) -> str:
    """A payload value in a reason: repr, at most 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
