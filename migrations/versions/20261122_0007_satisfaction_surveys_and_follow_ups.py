"""Satisfaction surveys (after a handoff or a closed case) and agents' follow-ups.

The score a handoff ticket held (``handoff_tickets.satisfaction``/``satisfaction_at``)
moves to a survey row of subject ``handoff``; downgrading puts it back on the ticket.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

import bot.db.base


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('satisfaction_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.Enum('handoff', 'case', name='survey_subject', native_enum=False, length=20), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('answered_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('comment', sa.String(length=1000), nullable=True),
    sa.Column('commented_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['return_cases.id'], name=op.f('fk_satisfaction_surveys_case_id_return_cases')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_satisfaction_surveys_customer_id_customers')),
    sa.ForeignKeyConstraint(['ticket_id'], ['handoff_tickets.id'], name=op.f('fk_satisfaction_surveys_ticket_id_handoff_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_surveys'))
    )
    with op.batch_alter_table('satisfaction_surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_satisfaction_surveys_answered_at'), ['answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_surveys_asked_at'), ['asked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_surveys_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_surveys_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_surveys_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_surveys_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('survey_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', name='follow_up_status', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', bot.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', bot.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['return_cases.id'], name=op.f('fk_follow_ups_case_id_return_cases')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_follow_ups_customer_id_customers')),
    sa.ForeignKeyConstraint(['done_by'], ['staff_accounts.id'], name=op.f('fk_follow_ups_done_by_staff_accounts')),
    sa.ForeignKeyConstraint(['survey_id'], ['satisfaction_surveys.id'], name=op.f('fk_follow_ups_survey_id_satisfaction_surveys')),
    sa.ForeignKeyConstraint(['ticket_id'], ['handoff_tickets.id'], name=op.f('fk_follow_ups_ticket_id_handoff_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    sa.UniqueConstraint('survey_id', name=op.f('uq_follow_ups_survey_id'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_status'), ['status'], unique=False)

    # Scores given before surveys existed become answered handoff surveys.
    op.execute(
        "INSERT INTO satisfaction_surveys (conversation_id, customer_id, subject, ticket_id, "
        "asked_at, score, answered_at) "
        "SELECT conversation_id, customer_id, 'handoff', id, "
        "COALESCE(ended_at, satisfaction_at), satisfaction, satisfaction_at "
        "FROM handoff_tickets WHERE satisfaction IS NOT NULL ORDER BY id"
    )
    # In place (SQLite >= 3.35 drops a plain column with ALTER TABLE): rebuilding the table
    # would delete it under the notes and surveys that reference tickets, which the
    # foreign keys refuse.
    with op.batch_alter_table('handoff_tickets', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('satisfaction_at')
        batch_op.drop_column('satisfaction')



def downgrade() -> None:
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('satisfaction', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('satisfaction_at', bot.db.base.UTCDateTime(timezone=True),
                                      nullable=True))
    # A ticket keeps the score of its latest answered handoff survey.
    op.execute(
        "UPDATE handoff_tickets SET "
        "satisfaction = (SELECT s.score FROM satisfaction_surveys s "
        "WHERE s.ticket_id = handoff_tickets.id AND s.subject = 'handoff' "
        "AND s.score IS NOT NULL ORDER BY s.id DESC LIMIT 1), "
        "satisfaction_at = (SELECT s.answered_at FROM satisfaction_surveys s "
        "WHERE s.ticket_id = handoff_tickets.id AND s.subject = 'handoff' "
        "AND s.score IS NOT NULL ORDER BY s.id DESC LIMIT 1)"
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_status'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_customer_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_conversation_id'))

    op.drop_table('follow_ups')
    with op.batch_alter_table('satisfaction_surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_satisfaction_surveys_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_satisfaction_surveys_customer_id'))
        batch_op.drop_index(batch_op.f('ix_satisfaction_surveys_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_satisfaction_surveys_case_id'))
        batch_op.drop_index(batch_op.f('ix_satisfaction_surveys_asked_at'))
        batch_op.drop_index(batch_op.f('ix_satisfaction_surveys_answered_at'))

    op.drop_table('satisfaction_surveys')
