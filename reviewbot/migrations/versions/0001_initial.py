"""initial schema: forge deliveries and jobs, list follower

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 09:30:53.997262
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('forge_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forge', sa.String(length=16), nullable=False),
    sa.Column('delivery_id', sa.String(length=200), nullable=False),
    sa.Column('event', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=200), nullable=False),
    sa.Column('received_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('forge', 'delivery_id', name='uq_forge_delivery')
    )
    op.create_table('forge_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forge', sa.String(length=16), nullable=False),
    sa.Column('repo', sa.String(length=300), nullable=False),
    sa.Column('project', sa.String(length=300), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('head_sha', sa.String(length=64), nullable=False),
    sa.Column('installation_id', sa.BigInteger(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('forge', 'repo', 'number', 'head_sha', name='uq_forge_job')
    )
    with op.batch_alter_table('forge_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forge_jobs_state'), ['state'], unique=False)

    op.create_table('watch_cursors',
    sa.Column('list', sa.String(length=200), nullable=False),
    sa.Column('epoch', sa.Integer(), nullable=False),
    sa.Column('commit', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('list', 'epoch')
    )
    op.create_table('watch_jobs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('list', sa.String(length=200), nullable=False),
    sa.Column('root', sa.String(length=500), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('subject', sa.Text(), server_default='', nullable=False),
    sa.Column('change_id', sa.String(length=200), nullable=True),
    sa.Column('sender', sa.String(length=500), server_default='', nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('findings', sa.Text(), server_default='[]', nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('list', 'root', 'revision', name='uq_watch_job')
    )
    op.create_table('watch_lock',
    sa.Column('list', sa.String(length=200), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('expires', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('list')
    )
    op.create_table('watch_seen',
    sa.Column('list', sa.String(length=200), nullable=False),
    sa.Column('msgid', sa.String(length=500), nullable=False),
    sa.Column('epoch', sa.Integer(), nullable=False),
    sa.Column('blob', sa.String(length=64), nullable=False),
    sa.Column('root', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('arrived', sa.Float(), nullable=False),
    sa.Column('sender', sa.String(length=500), server_default='', nullable=False),
    sa.Column('subject', sa.Text(), server_default='', nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('list', 'msgid')
    )
    with op.batch_alter_table('watch_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_seen_root'), ['root'], unique=False)

    op.create_table('watch_outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('msgid', sa.String(length=500), nullable=False),
    sa.Column('list', sa.String(length=200), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('patch_msgid', sa.String(length=500), nullable=False),
    sa.Column('author', sa.String(length=500), server_default='', nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('not_before', sa.Float(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created', sa.Float(), nullable=False),
    sa.Column('done_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['watch_jobs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('msgid')
    )


def downgrade() -> None:
    op.drop_table('watch_outbox')
    with op.batch_alter_table('watch_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_seen_root'))

    op.drop_table('watch_seen')
    op.drop_table('watch_lock')
    op.drop_table('watch_jobs')
    op.drop_table('watch_cursors')
    with op.batch_alter_table('forge_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forge_jobs_state'))

    op.drop_table('forge_jobs')
    op.drop_table('forge_deliveries')
