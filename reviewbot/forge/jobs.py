"""Run one review job: fetch the PR/MR and its diff, review, re-check the head, post.

Returns the job's final state: ``done``, ``stale`` (the head moved or the PR closed: the job of
the head the PR is at now does the work; ``follow_head`` makes sure there is one, since
deliveries can come out of order or not at all), ``superseded`` (a newer head was queued while
this one ran) or
``failed`` (the API gave up: logged and counted; nothing half-posted is repeated next time
because posting is idempotent by fingerprint).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Protocol

import httpx

from reviewbot import engine, suppress
from reviewbot.forge.events import JobSpec
from reviewbot.forge.github import AppAuth, GitHub, TokenAuth
from reviewbot.forge.gitlab import GitLab
from reviewbot.forge.http import Api, ForgeError
from reviewbot.forge.metrics import Counters
from reviewbot.forge.queue import Job
from reviewbot.forge.series import to_series
from reviewbot.forge.settings import ForgeSettings, RepoConfig, repo_config
from reviewbot.model import Finding, Review
from reviewbot.forge import publish_github as gh_report
from reviewbot.forge import publish_gitlab as gl_report

log = logging.getLogger(__name__)


class Processor:
    """``processor(job) -> (state, result)``; one instance shared by the worker threads."""

    def __init__(self, cfg: Mapping[str, Any], settings: ForgeSettings, *,
                 is_current: Callable[[Job], bool] = lambda job: True, counters: Counters | None = None,
                 follow_head: Callable[[JobSpec], int | None] = lambda spec: None,
                 transport: httpx.BaseTransport | None = None, min_interval: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time):
        self.cfg = cfg
        self.settings = settings
        self.is_current = is_current
        self.follow_head = follow_head
        self.counters = counters or Counters()
        self._gh_auth = None
        if settings.github_app_id and settings.github_app_private_key:
            self._gh_auth = AppAuth(settings.github_app_id, settings.github_app_private_key, clock=clock)
        elif settings.github_token:
            self._gh_auth = TokenAuth(settings.github_token)
        kw = dict(transport=transport, min_interval=min_interval, sleep=sleep, clock=clock, counters=self.counters)
        self._gh_api = Api(settings.github_api_url, lambda: {}, forge="github", **kw)
        token = settings.gitlab_token
        self._gl_api = Api(settings.gitlab_url.rstrip("/") + "/api/v4",
                           lambda: {"PRIVATE-TOKEN": token or ""}, forge="gitlab", **kw)
        self._gitlab_me: int | None = None
        self._tree_locks: dict[str, threading.Lock] = {}
        self._tree_locks_guard = threading.Lock()

    def close(self) -> None:
        self._gh_api.close()
        self._gl_api.close()

    def __call__(self, job: Job) -> tuple[str, str]:
        spec = job.spec
        rc = repo_config(self.cfg, spec.repo)
        if not rc.enabled:
            return "done", "repository disabled in the configuration"
        try:
            if spec.forge == "github":
                state, result = self._github(job, spec, rc)
            elif spec.forge == "gitlab":
                state, result = self._gitlab(job, spec, rc)
            else:
                return "failed", f"unknown forge {spec.forge!r}"
        except ForgeError as exc:
            self.counters.inc("job_failures", forge=spec.forge)
            log.error("job %d %s %s#%d failed: %s", job.id, spec.forge, spec.repo, spec.number, exc)
            return "failed", str(exc)
        if state == "done":
            self.counters.inc("reviews", forge=spec.forge)
        log.info("job %d %s %s#%d@%s: %s: %s", job.id, spec.forge, spec.repo, spec.number,
                 spec.head_sha[:12], state, result)
        return state, result

    def _github(self, job: Job, spec: JobSpec, rc: RepoConfig) -> tuple[str, str]:
        if self._gh_auth is None:
            self.counters.inc("job_failures", forge="github")
            return "failed", ("no GitHub credentials (REVIEWBOT_GITHUB_TOKEN or REVIEWBOT_GITHUB_APP_ID"
                              " + REVIEWBOT_GITHUB_APP_PRIVATE_KEY)")
        gh = GitHub(self._gh_api, self._gh_auth, spec.project, spec.installation_id)
        return self._run(job, rc, _GitHubTarget(gh, spec.number))

    def _gitlab(self, job: Job, spec: JobSpec, rc: RepoConfig) -> tuple[str, str]:
        if not self.settings.gitlab_token:
            self.counters.inc("job_failures", forge="gitlab")
            return "failed", "no GitLab token (REVIEWBOT_GITLAB_TOKEN)"
        gl = GitLab(self._gl_api, spec.project, me=self._gitlab_me)
        try:
            return self._run(job, rc, _GitLabTarget(gl, spec.number))
        finally:
            self._gitlab_me = gl.me

    def _run(self, job: Job, rc: RepoConfig, target: "_Target") -> tuple[str, str]:
        spec = job.spec
        change = target.fetch()
        if (why := _stale(change.open, change.state, change.head_sha, spec.head_sha)):
            if change.open:
                self._follow(spec, change.head_sha)
            return "stale", why
        text, problems = target.diff()
        series = to_series(title=change.title, body=change.body, author=change.author,
                           base_sha=change.base_sha, diff_text=text,
                           source=f"{spec.repo}{target.sep}{spec.number}")
        review, findings = self._review(series, change.body, rc)
        if (why := self._recheck(job, lambda: target.fetch().head_sha)):
            return why
        res = target.publish(change, review, findings, rc, problems)
        self.counters.inc("comments_posted", res.inline, forge=spec.forge)
        return "done", f"{len(findings)} finding(s): {res.describe()}"

    # -- shared --------------------------------------------------------------------------------
    def _review(self, series, body: str, rc: RepoConfig) -> tuple[Review, list[Finding]]:
        checks = engine.select_checks(rc.select, rc.ignore)
        review = self._tree_review(series, rc, checks) if rc.tree else None
        if review is None:
            review = engine.review(series, checks=checks, context_mode="hunks")
        review = suppress.apply(review, extra_text=body)
        findings = rc.policy.shown(review.findings)
        for f in findings:
            self.counters.inc("findings", rule=f.rule.id)
        return review, findings

    def _tree_review(self, series, rc: RepoConfig, checks) -> Review | None:
        """Tree mode with the configured local clone (reviewbot.tree applies the diff at the PR
        base in a temporary worktree).  One review per clone at a time; any failure: hunk mode."""
        from reviewbot import tree
        from reviewbot.errors import InputError

        with self._tree_locks_guard:
            lock = self._tree_locks.setdefault(rc.tree, threading.Lock())
        with lock:
            if rc.tree_fetch and series.base:
                try:
                    import git

                    git.Repo(rc.tree).git.fetch("--quiet", "origin", series.base)
                except Exception as exc:  # noqa: BLE001 - a failed fetch only costs tree context
                    log.warning("tree %s: fetch of %s failed: %s", rc.tree, series.base[:12], exc)
            try:
                return tree.review_with_tree(series, rc.tree, checks, ref=rc.tree_ref)
            except InputError as exc:
                log.warning("tree mode unavailable (%s): hunk context", exc)
                return engine.review(series, checks=checks, notes=[f"tree mode unavailable: {exc.reason}"])

    def _recheck(self, job: Job, head: Callable[[], str]) -> tuple[str, str] | None:
        """Right before posting: still the newest job, and the PR head has not moved."""
        if not self.is_current(job):
            return "superseded", "a newer head was queued while reviewing: results dropped"
        now = head()
        if now != job.spec.head_sha:
            self._follow(job.spec, now)
            return "stale", f"head moved to {now[:12]} while reviewing: results dropped"
        return None

    def _follow(self, spec: JobSpec, head: str) -> None:
        """The PR is at ``head``: make sure a job reviews it (an older head's delivery may have
        come last and superseded it, or its delivery may be lost)."""
        job_id = self.follow_head(replace(spec, head_sha=head))
        if job_id is not None:
            log.info("%s %s#%d is at %s: job %d queued for it", spec.forge, spec.repo, spec.number, head[:12],
                     job_id)


def _stale(is_open: bool, state: str, head: str, wanted: str) -> str | None:
    if not is_open:
        return f"no longer open ({state})"
    if head != wanted:
        return f"head is now {head[:12]}, not {wanted[:12]}"
    return None


@dataclass(frozen=True)
class _Change:
    """What a job needs to know about a PR/MR, whichever the forge."""

    title: str
    body: str
    author: str
    open: bool
    state: str
    head_sha: str
    base_sha: str
    raw: Any


class _Target(Protocol):
    sep: str

    def fetch(self) -> _Change: ...

    def diff(self) -> tuple[str, list[str]]: ...

    def publish(self, change: _Change, review: Review, findings: list[Finding], rc: RepoConfig,
                problems: list[str]) -> gh_report.Published: ...


class _GitHubTarget:
    sep = "#"

    def __init__(self, gh: GitHub, number: int):
        self.gh, self.number = gh, number

    def fetch(self) -> _Change:
        pr = self.gh.pull(self.number)
        return _Change(pr.title, pr.body, pr.author, pr.state == "open", pr.state, pr.head_sha, pr.base_sha, pr)

    def diff(self) -> tuple[str, list[str]]:
        return self.gh.diff(self.number)

    def publish(self, change, review, findings, rc, problems):
        return gh_report.publish(self.gh, self.number, change.head_sha, review, findings, inline=rc.inline,
                                 cap=rc.max_inline, problems=problems)


class _GitLabTarget:
    sep = "!"

    def __init__(self, gl: GitLab, iid: int):
        self.gl, self.iid = gl, iid

    def fetch(self) -> _Change:
        mr = self.gl.merge_request(self.iid)
        return _Change(mr.title, mr.description, mr.author, mr.state == "opened", mr.state, mr.head_sha,
                       mr.base_sha, mr)

    def diff(self) -> tuple[str, list[str]]:
        return self.gl.diff(self.iid)

    def publish(self, change, review, findings, rc, problems):
        return gl_report.publish(self.gl, change.raw, review, findings, inline=rc.inline, cap=rc.max_inline,
                                 problems=problems)
