"""patchwork checks: watch_checks, one row per reviewed patch of a list with patchwork

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 03:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'watch_checks',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('list', sa.String(length=200), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('patch_msgid', sa.String(length=500), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('target_url', sa.String(length=200), nullable=True),
        sa.Column('context', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('patch_id', sa.Integer(), nullable=True),
        sa.Column('check_id', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('lookups', sa.Integer(), server_default='0', nullable=False),
        sa.Column('not_before', sa.Float(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created', sa.Float(), nullable=False),
        sa.Column('done_at', sa.Float(), nullable=True),
        sa.Column('claimed_by', sa.String(length=200), nullable=True),
        sa.Column('claimed_at', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['job_id'], ['watch_jobs.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('job_id', 'patch_msgid', name='uq_watch_check'),
    )


def downgrade() -> None:
    op.drop_table('watch_checks')
