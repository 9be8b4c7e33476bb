"""GitHub and GitLab: webhook intake, the review jobs' rows, API clients (issue 5).

    events.py    which deliveries become jobs (docs/forges.md: the action filter), signatures
    tables.py    deliveries, jobs (SQLAlchemy Core on reviewbot.db.metadata)
    queue.py     Job, JobQueue (what the intake needs) and the statements that queue a job;
                 the queue itself is reviewbot.service.queue.LeasedQueue
    http.py      one HTTP client: rate limits, mutation spacing, 5xx backoff, counted errors
    github.py    GitHub REST/GraphQL client (App JWT -> installation token, or a plain token)
    gitlab.py    GitLab REST client
    series.py    a PR/MR diff -> reviewbot.model.Series
    settings.py  secrets from the environment, per-repo config from the TOML file
    jobs.py      one job: fetch, review, re-check the head, post (publish_github/publish_gitlab)
    posting.py   what both publishers share: inline bodies, summary, fingerprints (renders, never posts)
    publish_github.py, publish_gitlab.py   post one Review on a PR / MR
"""
