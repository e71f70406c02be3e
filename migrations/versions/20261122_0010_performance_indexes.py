"""Indexes for the hot lookups (issue 9, production profile).

- ``case_events (to_state, at)``: the metrics' time to settle (first settling event per
  case) and the review's outcome filters look case events up by state.
- ``coupons.created_at``: the metrics' compensation per day reads coupons by date.
- Rasa's tracker store: for every message Rasa finds the conversation's latest session
  start (``max(timestamp) WHERE sender_id = ? AND type_name = 'session_started'``)
  twice, once to load the tracker and once to count what is stored before appending.
  Rasa indexes ``events.sender_id`` only, so that reads all of a sender's events; the
  composite ``(sender_id, type_name, timestamp)`` answers it from the index. The
  ``events`` table is Rasa's, created when a server first starts: this revision adds
  the index where the table already exists (a database Rasa has used); on a fresh
  database ``bot.prod.database.prepare_tracker_store`` creates table and index before the
  servers start (``make run-prod``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Also in bot.prod.database (TRACKER_LOOKUP_INDEX).
EVENTS_LOOKUP = 'ix_events_sender_type_timestamp'


def _events_indexes() -> set[str] | None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table('events'):
        return None
    return {index['name'] for index in inspector.get_indexes('events')}


def upgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_to_state_at', ['to_state', 'at'], unique=False)
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coupons_created_at'), ['created_at'], unique=False)
    indexes = _events_indexes()
    if indexes is not None and EVENTS_LOOKUP not in indexes:
        op.create_index(EVENTS_LOOKUP, 'events', ['sender_id', 'type_name', 'timestamp'],
                        unique=False)


def downgrade() -> None:
    indexes = _events_indexes()
    if indexes is not None and EVENTS_LOOKUP in indexes:
        op.drop_index(EVENTS_LOOKUP, table_name='events')
    with op.batch_alter_table('coupons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coupons_created_at'))
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index('ix_case_events_to_state_at')
