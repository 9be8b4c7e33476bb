"""Tables of the list follower (SQLAlchemy Core on reviewbot.db.metadata; portable SQL).

seen     every message of a followed list, once per Message-Id; posts (non-replies) keep their
         raw bytes until the thread is settled, then `raw` is cleared.
cursors  the last handled commit per (list, epoch); written in the same transaction as `seen`.
jobs     one row per (list, root Message-Id, revision): a series is never reviewed twice.
outbox   every reply, recorded before it is sent (or written as .eml) and marked after.
lock     one follower per list at a time (a lease: host, pid, expiry).
"""

from __future__ import annotations

import sqlalchemy as sa

from reviewbot.db import metadata

seen = sa.Table(
    "watch_seen", metadata,
    sa.Column("list", sa.String(200), primary_key=True),
    sa.Column("msgid", sa.String(500), primary_key=True),
    sa.Column("epoch", sa.Integer, nullable=False),
    sa.Column("blob", sa.String(64), nullable=False),
    sa.Column("root", sa.String(500), nullable=False, index=True),
    # post | reply | own | ignored | empty
    sa.Column("kind", sa.String(16), nullable=False),
    # new (a post whose thread is not settled yet) | done
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("arrived", sa.Float, nullable=False),  # archive (committer) time, epoch seconds
    sa.Column("sender", sa.String(500), nullable=False, server_default=""),
    sa.Column("subject", sa.Text, nullable=False, server_default=""),
    sa.Column("raw", sa.LargeBinary, nullable=True),
)

cursors = sa.Table(
    "watch_cursors", metadata,
    sa.Column("list", sa.String(200), primary_key=True),
    sa.Column("epoch", sa.Integer, primary_key=True),
    sa.Column("commit", sa.String(64), nullable=False),
)

jobs = sa.Table(
    "watch_jobs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("list", sa.String(200), nullable=False),
    sa.Column("root", sa.String(500), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("subject", sa.Text, nullable=False, server_default=""),
    sa.Column("change_id", sa.String(200), nullable=True),
    sa.Column("sender", sa.String(500), nullable=False, server_default=""),
    # done | error (the review raised: logged, never mailed)
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("complete", sa.Boolean, nullable=False),
    sa.Column("findings", sa.Text, nullable=False, server_default="[]"),  # JSON list of fingerprints
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.UniqueConstraint("list", "root", "revision", name="uq_watch_job"),
)

outbox = sa.Table(
    "watch_outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("msgid", sa.String(500), nullable=False, unique=True),
    sa.Column("list", sa.String(200), nullable=False),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("watch_jobs.id"), nullable=False),
    sa.Column("patch_msgid", sa.String(500), nullable=False),
    sa.Column("author", sa.String(500), nullable=False, server_default=""),
    sa.Column("recipients", sa.Text, nullable=False),  # JSON list of envelope addresses
    sa.Column("raw", sa.LargeBinary, nullable=False),
    # queued | sending (handed to SMTP, not confirmed) | sent | written (dry-run .eml)
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("not_before", sa.Float, nullable=False),  # embargo / retry backoff
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("done_at", sa.Float, nullable=True),
    # who set 'sending' and when (host:pid:instance): only a dead or timed-out sender's row is
    # confirmed or sent again by the follower's reconcile
    sa.Column("claimed_by", sa.String(200), nullable=True),
    sa.Column("claimed_at", sa.Float, nullable=True),
)

lock = sa.Table(
    "watch_lock", metadata,
    sa.Column("list", sa.String(200), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("expires", sa.Float, nullable=False),
)
