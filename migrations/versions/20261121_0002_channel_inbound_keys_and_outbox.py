"""Channel plumbing: inbound de-duplication keys and the outbound message outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa

import bot.db.base


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbound_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('received_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_keys')),
    sa.UniqueConstraint('channel', 'key', name=op.f('uq_inbound_keys_channel'))
    )
    with op.batch_alter_table('inbound_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_keys_received_at'), ['received_at'], unique=False)

    op.create_table('outbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('recipient', sa.String(length=128), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_messages'))
    )
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_messages_recipient'), ['recipient'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_messages_state'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_messages_state'))
        batch_op.drop_index(batch_op.f('ix_outbound_messages_recipient'))

    op.drop_table('outbound_messages')
    with op.batch_alter_table('inbound_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_keys_received_at'))

    op.drop_table('inbound_keys')
