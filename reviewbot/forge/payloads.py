"""Typed models of the webhook fields reviewbot reads, so a signed but malformed delivery is a
400 with a reason and never reaches the database.

Only the fields used are modelled (everything else in a payload is ignored); each has a type
and a range: a repository name is a short path, a head sha is 40 (or, SHA-256 repositories,
64) hex digits, a PR/MR number and an id are positive integers that fit the database's
columns.  Anything present with the wrong type (``installation`` a list, ``number`` = 2**70,
``full_name`` a list, ``object_attributes`` a list) fails validation; the reason names the
field, e.g. ``pull_request.number: Input should be less than or equal to 2147483647``.
"""

from __future__ import annotations

from typing import Annotated, Optional

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

INT32 = 2**31 - 1
INT63 = 2**63 - 1

Number = Annotated[int, Field(strict=True, ge=1, le=INT32)]  # PR number, MR iid
Id = Annotated[int, Field(strict=True, ge=1, le=INT63)]  # installation, project ids
Sha = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")]
# owner/name (GitHub); group/subgroup/.../name (GitLab): at most 255 characters, no spaces
RepoPath = Annotated[str, StringConstraints(min_length=3, max_length=255,
                                            pattern=r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+$")]
Word = Annotated[str, StringConstraints(max_length=64)]  # an action, an object kind


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class GitHubHead(_Model):
    sha: Sha


class GitHubPull(_Model):
    number: Number
    head: GitHubHead


class GitHubRepository(_Model):
    full_name: RepoPath


class GitHubInstallation(_Model):
    id: Optional[Id] = None


class GitHubPullRequestEvent(_Model):
    """A ``pull_request`` delivery: action first (the filter), then what a job is keyed on."""

    action: Optional[Word] = None
    changes: Optional[dict] = None
    pull_request: GitHubPull
    repository: GitHubRepository
    installation: Optional[GitHubInstallation] = None


class GitHubAction(_Model):
    """Just enough of a pull_request delivery to decide whether it is ignored."""

    action: Optional[Word] = None
    changes: Optional[dict] = None


class GitLabCommit(_Model):
    id: Sha


class GitLabAttributes(_Model):
    action: Optional[Word] = None
    oldrev: Optional[Annotated[str, StringConstraints(max_length=64)]] = None
    iid: Optional[Number] = None
    target_project_id: Optional[Id] = None
    last_commit: Optional[GitLabCommit] = None


class GitLabProject(_Model):
    id: Optional[Id] = None
    path_with_namespace: Optional[RepoPath] = None


class GitLabMergeRequestEvent(_Model):
    object_kind: Optional[Word] = None
    object_attributes: GitLabAttributes = GitLabAttributes()
    project: Optional[GitLabProject] = None


class GitLabKind(_Model):
    object_kind: Optional[Annotated[str, StringConstraints(max_length=64)]] = None


def validate(model: type[_Model], payload: dict) -> _Model:
    """The payload as `model`, or ValueError naming the first field that is wrong."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "payload"
        raise ValueError(f"{where}: {err.get('msg', 'invalid')}") from None
