"""Leaders as users: chat identities, bind codes, forwarded complaints, first-check tasks;
cases remember the leader who forwarded them and the customer's words.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

import bot.db.base


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('leader_bind_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['leader_id'], ['leaders.id'], name=op.f('fk_leader_bind_codes_leader_id_leaders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leader_bind_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_leader_bind_codes_code_hash'))
    )
    with op.batch_alter_table('leader_bind_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leader_bind_codes_leader_id'), ['leader_id'], unique=False)

    op.create_table('leader_forwards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('case_ids', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'confirmed', 'cancelled', name='forward_state', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['leader_id'], ['leaders.id'], name=op.f('fk_leader_forwards_leader_id_leaders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leader_forwards')),
    sa.UniqueConstraint('leader_id', 'text_hash', name=op.f('uq_leader_forwards_leader_id'))
    )
    with op.batch_alter_table('leader_forwards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leader_forwards_leader_id'), ['leader_id'], unique=False)

    op.create_table('leader_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['leader_id'], ['leaders.id'], name=op.f('fk_leader_identities_leader_id_leaders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leader_identities')),
    sa.UniqueConstraint('channel', 'external_id', name=op.f('uq_leader_identities_channel'))
    )
    with op.batch_alter_table('leader_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leader_identities_leader_id'), ['leader_id'], unique=False)

    op.create_table('leader_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notified_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision', sa.Enum('approved', 'rejected', 'to_platform', name='task_decision', native_enum=False, length=20), nullable=True),
    sa.Column('decision_note', sa.String(length=200), nullable=True),
    sa.Column('disposition_confirmed_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('overturned', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['return_cases.id'], name=op.f('fk_leader_tasks_case_id_return_cases')),
    sa.ForeignKeyConstraint(['leader_id'], ['leaders.id'], name=op.f('fk_leader_tasks_leader_id_leaders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leader_tasks')),
    sa.UniqueConstraint('case_id', name=op.f('uq_leader_tasks_case_id'))
    )
    with op.batch_alter_table('leader_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leader_tasks_decided_at'), ['decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_leader_tasks_leader_id'), ['leader_id'], unique=False)

    with op.batch_alter_table('return_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forwarded_by_leader_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source_text', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_return_cases_forwarded_by_leader_id_leaders'), 'leaders', ['forwarded_by_leader_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('return_cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_return_cases_forwarded_by_leader_id_leaders'), type_='foreignkey')
        batch_op.drop_column('source_text')
        batch_op.drop_column('forwarded_by_leader_id')

    with op.batch_alter_table('leader_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leader_tasks_leader_id'))
        batch_op.drop_index(batch_op.f('ix_leader_tasks_decided_at'))

    op.drop_table('leader_tasks')
    with op.batch_alter_table('leader_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leader_identities_leader_id'))

    op.drop_table('leader_identities')
    with op.batch_alter_table('leader_forwards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leader_forwards_leader_id'))

    op.drop_table('leader_forwards')
    with op.batch_alter_table('leader_bind_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leader_bind_codes_leader_id'))

    op.drop_table('leader_bind_codes')
