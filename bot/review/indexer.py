"""Keeps ``conversation_records`` up to date with the tracker store's events.

The indexer reads events past its cursor in id order, folds them into one row per
conversation session, and moves the cursor in the same transaction with a conditional
update: two indexers (two replicas) never both apply a batch; the loser rolls back and
reads again. Events younger than ``settle_seconds`` wait for the next run, so an event
whose transaction commits a little later than a higher id's is not skipped.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import ChannelIdentity, Customer, Leader, LeaderIdentity
from bot.db.base import utcnow
from bot.db.review import ConversationIntent, ConversationRecord, IndexCursor
from bot.db.session import unit_of_work
from bot.review.events import StoredEvent, events_after, has_events_table

CURSOR = "conversations"
FALLBACK_INTENT = "nlu_fallback"
ESCALATE_ACTION = "action_escalate"
ESCALATION_SLOT = "escalation"
MAX_SEARCH_TEXT = 20_000


class IndexConflict(Exception):
    """Another indexer moved the cursor first; this batch was not applied."""


def _when(stamp: float | None) -> datetime:
    return datetime.fromtimestamp(stamp, tz=timezone.utc) if stamp is not None else utcnow()


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _score(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _identify(session: Session, record: ConversationRecord, channel: str) -> None:
    record.channel = channel[:40]
    customer = session.scalar(
        select(Customer).join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
        .where(ChannelIdentity.channel == channel,
               ChannelIdentity.external_id == record.sender_id))
    if customer is not None:
        record.customer_id = customer.id
        record.pickup_point_id = customer.pickup_point_id
        return
    leader = session.scalar(
        select(Leader).join(LeaderIdentity, LeaderIdentity.leader_id == Leader.id)
        .where(LeaderIdentity.channel == channel,
               LeaderIdentity.external_id == record.sender_id))
    if leader is not None:
        record.is_leader = True
        record.pickup_point_id = leader.pickup_point_id


def _on_user(session: Session, record: ConversationRecord, event: StoredEvent,
             at: datetime) -> None:
    data = event.data
    record.user_turns += 1
    channel = data.get("input_channel")
    if record.channel is None and isinstance(channel, str) and channel:
        _identify(session, record, channel)
    if record.first_message_at is None:
        record.first_message_at = at
    parse = _dict(data.get("parse_data"))
    intent = _dict(parse.get("intent")).get("name")
    if isinstance(intent, str) and intent:
        if intent == FALLBACK_INTENT:
            record.fallbacks += 1
        if intent not in {seen.intent for seen in record.intents}:
            record.intents.append(ConversationIntent(intent=intent[:60]))
    anger = _dict(parse.get("anger"))
    score = _score(anger.get("score"))
    if score is not None and score > record.max_anger:
        record.max_anger = score
    if anger.get("is_angry") is True:
        record.angry = True
    text = data.get("text")
    if isinstance(text, str) and text and len(record.customer_text) < MAX_SEARCH_TEXT:
        joined = f"{record.customer_text}\n{text}" if record.customer_text else text
        record.customer_text = joined[:MAX_SEARCH_TEXT]


def _on_bot(record: ConversationRecord, event: StoredEvent, at: datetime) -> None:
    if _dict(event.data.get("metadata")).get("agent"):
        record.agent_turns += 1
    else:
        record.bot_turns += 1
    if record.first_response_ms is None and record.first_message_at is not None:
        record.first_response_ms = max(
            0, round((at - record.first_message_at).total_seconds() * 1000))


def _apply(session: Session, record: ConversationRecord, event: StoredEvent) -> None:
    at = _when(event.timestamp)
    record.last_event_id = event.id
    record.last_at = max(record.last_at, at)
    kind = event.kind
    if kind == "user":
        _on_user(session, record, event, at)
    elif kind == "bot":
        _on_bot(record, event, at)
    elif kind == "action" and event.data.get("name") == ESCALATE_ACTION:
        record.escalated = True
    elif kind == "slot" and event.data.get("name") == ESCALATION_SLOT \
            and event.data.get("value"):
        record.escalated = True


def _new_record(event: StoredEvent) -> ConversationRecord:
    at = _when(event.timestamp)
    return ConversationRecord(
        sender_id=event.sender_id[:255], first_event_id=event.id, last_event_id=event.id,
        started_at=at, last_at=at, is_leader=False, user_turns=0, bot_turns=0,
        agent_turns=0, fallbacks=0, escalated=False, angry=False, max_anger=0.0,
        customer_text="")


def _latest(session: Session, sender_id: str) -> ConversationRecord | None:
    return session.scalar(select(ConversationRecord)
                          .where(ConversationRecord.sender_id == sender_id)
                          .order_by(ConversationRecord.first_event_id.desc()).limit(1))


def _advance(session: Session, old: int | None, new: int) -> None:
    if old is None:
        session.add(IndexCursor(name=CURSOR, last_event_id=new))
        try:
            session.flush()
        except IntegrityError:
            raise IndexConflict() from None
        return
    moved = session.execute(
        update(IndexCursor).where(IndexCursor.name == CURSOR,
                                  IndexCursor.last_event_id == old)
        .values(last_event_id=new, updated_at=utcnow()))
    if moved.rowcount != 1:
        raise IndexConflict()


class ConversationIndexer:
    """Folds the tracker store's events into ``conversation_records``.

    Args:
        product: The product database's session factory (where the rows live).
        tracker: The tracker store's engine (where the events live; may be the same
            database).
        batch_size: Events read per transaction.
        settle_seconds: Events younger than this wait for the next run.
        clock: Seconds since the epoch, like ``time.time``.
    """

    def __init__(self, product: sessionmaker, tracker: Engine, *, batch_size: int = 2000,
                 settle_seconds: float = 2.0,
                 clock: Callable[[], float] = time.time) -> None:
        self._product = product
        self._tracker = tracker
        self._batch_size = batch_size
        self._settle = settle_seconds
        self._clock = clock

    def _settled(self, events: list[StoredEvent]) -> list[StoredEvent]:
        horizon = self._clock() - self._settle
        for index, event in enumerate(events):
            if event.timestamp is not None and event.timestamp > horizon:
                return events[:index]
        return events

    def index_batch(self) -> int:
        """Indexes the next batch; returns how many events it took in (0: up to date).

        Raises:
            IndexConflict: another indexer took the same batch first.
        """
        with unit_of_work(self._product) as session:
            cursor = session.get(IndexCursor, CURSOR)
            old = cursor.last_event_id if cursor is not None else None
            with self._tracker.connect() as connection:
                if not has_events_table(connection):
                    return 0
                events = self._settled(events_after(connection, old or 0, self._batch_size))
            if not events:
                return 0
            open_records: dict[str, ConversationRecord] = {}
            for event in events:
                record = open_records.get(event.sender_id) or _latest(session, event.sender_id)
                if record is None or event.starts_session:
                    record = _new_record(event)
                    session.add(record)
                open_records[event.sender_id] = record
                _apply(session, record, event)
            for record in open_records.values():
                record.updated_at = utcnow()
            _advance(session, old, events[-1].id)
            return len(events)

    def catch_up(self, max_batches: int = 50) -> int:
        """Indexes until up to date (or ``max_batches`` batches); returns events taken in."""
        total = 0
        for _ in range(max_batches):
            try:
                taken = self.index_batch()
            except (IndexConflict, IntegrityError, OperationalError):
                # Another indexer took this batch (its cursor move won, or its new rows or
                # locks collided with ours): ours rolled back; read again from its cursor.
                continue
            if taken == 0:
                break
            total += taken
        return total
