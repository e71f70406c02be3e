"""Leads' review: one indexed row per conversation session (from the tracker's events),
the intents seen in it, the indexer's cursor, and leads' tags, notes and corrections.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

import bot.db.base


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('index_cursors',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_index_cursors'))
    )
    op.create_table('conversation_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.String(length=255), nullable=False),
    sa.Column('first_event_id', sa.Integer(), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('pickup_point_id', sa.Integer(), nullable=True),
    sa.Column('is_leader', sa.Boolean(), nullable=False),
    sa.Column('started_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_message_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('user_turns', sa.Integer(), nullable=False),
    sa.Column('bot_turns', sa.Integer(), nullable=False),
    sa.Column('agent_turns', sa.Integer(), nullable=False),
    sa.Column('fallbacks', sa.Integer(), nullable=False),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('angry', sa.Boolean(), nullable=False),
    sa.Column('max_anger', sa.Float(), nullable=False),
    sa.Column('first_response_ms', sa.Integer(), nullable=True),
    sa.Column('customer_text', sa.Text(), nullable=False),
    sa.Column('updated_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_conversation_records_customer_id_customers')),
    sa.ForeignKeyConstraint(['pickup_point_id'], ['pickup_points.id'], name=op.f('fk_conversation_records_pickup_point_id_pickup_points')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_records'))
    )
    with op.batch_alter_table('conversation_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_records_angry'), ['angry'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversation_records_channel'), ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversation_records_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversation_records_escalated'), ['escalated'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversation_records_pickup_point_id'), ['pickup_point_id'], unique=False)
        batch_op.create_index('ix_conversation_records_sender_first', ['sender_id', 'first_event_id'], unique=True)
        batch_op.create_index('ix_conversation_records_started_id', ['started_at', 'id'], unique=False)

    op.create_table('conversation_intents',
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('intent', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['conversation_records.id'], name=op.f('fk_conversation_intents_record_id_conversation_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', 'intent', name=op.f('pk_conversation_intents'))
    )
    with op.batch_alter_table('conversation_intents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_intents_intent'), ['intent'], unique=False)

    op.create_table('review_annotations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('tag', 'note', 'wrong_intent', name='annotation_kind', native_enum=False, length=20), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('message_text', sa.Text(), nullable=True),
    sa.Column('predicted_intent', sa.String(length=60), nullable=True),
    sa.Column('correct_intent', sa.String(length=60), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['record_id'], ['conversation_records.id'], name=op.f('fk_review_annotations_record_id_conversation_records')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_accounts.id'], name=op.f('fk_review_annotations_staff_id_staff_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_annotations'))
    )
    with op.batch_alter_table('review_annotations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_annotations_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_annotations_record_id'), ['record_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('review_annotations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_annotations_record_id'))
        batch_op.drop_index(batch_op.f('ix_review_annotations_kind'))

    op.drop_table('review_annotations')
    with op.batch_alter_table('conversation_intents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_intents_intent'))

    op.drop_table('conversation_intents')
    with op.batch_alter_table('conversation_records', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_records_started_id')
        batch_op.drop_index('ix_conversation_records_sender_first')
        batch_op.drop_index(batch_op.f('ix_conversation_records_pickup_point_id'))
        batch_op.drop_index(batch_op.f('ix_conversation_records_escalated'))
        batch_op.drop_index(batch_op.f('ix_conversation_records_customer_id'))
        batch_op.drop_index(batch_op.f('ix_conversation_records_channel'))
        batch_op.drop_index(batch_op.f('ix_conversation_records_angry'))

    op.drop_table('conversation_records')
    op.drop_table('index_cursors')
