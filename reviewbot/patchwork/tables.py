"""The checks to post on patchwork, recorded with the series' job (before anything is posted).

status: queued -> posting (claimed: ``claimed_by``; patchwork contacted) -> posted | found
(patchwork had it already: a post whose record was lost) | dropped (patchwork never showed
the patch) | failed (refused, or failing after MAX_ATTEMPTS; kept and logged).
"""

from __future__ import annotations

import sqlalchemy as sa

from reviewbot.db import metadata

checks = sa.Table(
    "watch_checks", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("list", sa.String(200), nullable=False),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("watch_jobs.id"), nullable=False),
    sa.Column("patch_msgid", sa.String(500), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # success | warning | fail
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("target_url", sa.String(200), nullable=True),
    sa.Column("context", sa.String(255), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("patch_id", sa.Integer, nullable=True),  # patchwork's, once it has the patch
    sa.Column("check_id", sa.Integer, nullable=True),  # patchwork's, once posted or found
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),  # failed calls
    sa.Column("lookups", sa.Integer, nullable=False, server_default="0"),  # patch not in patchwork yet
    sa.Column("not_before", sa.Float, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("done_at", sa.Float, nullable=True),
    sa.Column("claimed_by", sa.String(200), nullable=True),
    sa.Column("claimed_at", sa.Float, nullable=True),
    sa.UniqueConstraint("job_id", "patch_msgid", name="uq_watch_check"),
)
