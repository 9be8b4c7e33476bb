"""list series on the job queue; claim owners

forge_jobs: claimed_by (host:pid:instance of the claiming process), and for list series jobs
ref (the series' root Message-Id), payload (the thread's raw messages) and meta (JSON: sizes,
Message-Ids and arrival times of those messages).  watch_outbox: claimed_by / claimed_at of
a reply being handed to the relay.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('forge_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('ref', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('payload', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('meta', sa.Text(), nullable=True))
    with op.batch_alter_table('watch_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('watch_outbox', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claimed_by')
    with op.batch_alter_table('forge_jobs', schema=None) as batch_op:
        batch_op.drop_column('meta')
        batch_op.drop_column('payload')
        batch_op.drop_column('ref')
        batch_op.drop_column('claimed_by')
