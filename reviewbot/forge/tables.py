"""Forge state: webhook deliveries (idempotency) and review jobs (the durable queue).

``forge_jobs`` is the service's one job table: forge PR/MR jobs, and list series jobs
(``forge = "list"``, ``repo`` = list name, ``project`` = the series identity that a newer
revision supersedes, ``number`` = revision, ``head_sha`` = sha1 of the series' root Message-Id,
``ref`` = that Message-Id, ``payload``/``meta`` = the thread's raw messages, so any worker can
rebuild the series without a mirror).  ``claimed_by`` (host:pid:instance) names the process
holding a running job's claim.
"""

from __future__ import annotations

import sqlalchemy as sa

from reviewbot.db import metadata

deliveries = sa.Table(
    "forge_deliveries", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("forge", sa.String(16), nullable=False),
    sa.Column("delivery_id", sa.String(200), nullable=False),
    sa.Column("event", sa.String(64), nullable=False),
    sa.Column("outcome", sa.String(200), nullable=False),  # "queued job N" | "ignored: why"
    sa.Column("received_at", sa.Float, nullable=False),
    sa.UniqueConstraint("forge", "delivery_id", name="uq_forge_delivery"),
)

# state: queued -> running -> done | failed | stale (head moved) | superseded (newer head queued)
jobs = sa.Table(
    "forge_jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("forge", sa.String(16), nullable=False),
    sa.Column("repo", sa.String(300), nullable=False),
    sa.Column("project", sa.String(300), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("head_sha", sa.String(64), nullable=False),
    sa.Column("installation_id", sa.BigInteger, nullable=True),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("result", sa.Text, nullable=True),  # summary of what was posted, or the error
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("claimed_by", sa.String(200), nullable=True),
    sa.Column("ref", sa.String(500), nullable=True),
    sa.Column("payload", sa.LargeBinary, nullable=True),
    sa.Column("meta", sa.Text, nullable=True),
    sa.UniqueConstraint("forge", "repo", "number", "head_sha", name="uq_forge_job"),
)
