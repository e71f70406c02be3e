"""The outbox: replies wait here until the platform accepts them.

Failures are retried with exponential back-off; a failure the platform says is
final (for example WeChat's 48-hour customer-service window) is recorded as
undeliverable, with the reason, for agents and leads to see.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.db import OutboundMessage

MAX_ATTEMPTS = 10
FIRST_BACKOFF = timedelta(seconds=2)
MAX_BACKOFF = timedelta(minutes=5)
"""Back-off doubles from two seconds up to five minutes: a message is given up about 14
minutes after its first attempt, so a platform that is away for minutes loses nothing."""


def _backoff(attempts: int) -> timedelta:
    return min(FIRST_BACKOFF * (2 ** (attempts - 1)), MAX_BACKOFF)


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    channel: str
    recipient: str
    payload: dict[str, Any]
    attempts: int


class Delivery(str, Enum):
    """States of an outbound message."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"


def _view(row: OutboundMessage) -> OutboxMessage:
    return OutboxMessage(row.id, row.channel, row.recipient, row.payload, row.attempts)


def enqueue(session: Session, channel: str, recipient: str, payload: dict[str, Any],
            now: datetime) -> OutboxMessage:
    """Adds a message to the outbox, due now."""
    row = OutboundMessage(channel=channel, recipient=recipient, payload=payload,
                          state=Delivery.PENDING.value, next_attempt_at=now, created_at=now)
    session.add(row)
    session.flush()
    return _view(row)


def claim_due(session: Session, channel: str, now: datetime, limit: int = 20,
              recipient: str | None = None) -> list[OutboxMessage]:
    """Takes the due messages of ``channel`` (oldest first) for sending.

    Claimed messages move to ``sending``; if the sender dies, they are due again
    after the back-off, so nothing is lost.
    """
    query = select(OutboundMessage).where(
        OutboundMessage.channel == channel,
        OutboundMessage.state.in_((Delivery.PENDING.value, Delivery.SENDING.value)),
        OutboundMessage.next_attempt_at <= now,
    )
    if recipient is not None:
        query = query.where(OutboundMessage.recipient == recipient)
    rows = session.scalars(query.order_by(OutboundMessage.id).limit(limit).with_for_update(
        skip_locked=True)).all()
    for row in rows:
        row.state = Delivery.SENDING.value
        row.attempts += 1
        row.next_attempt_at = now + _backoff(row.attempts)
    session.flush()
    return [_view(row) for row in rows]


def mark_delivered(session: Session, message_id: int, now: datetime) -> None:
    row = session.get(OutboundMessage, message_id)
    row.state = Delivery.DELIVERED.value
    row.delivered_at = now
    row.last_error = None


def mark_failed(session: Session, message_id: int, error: str, now: datetime) -> bool:
    """Records a failed attempt; returns ``False`` when the message is given up."""
    row = session.get(OutboundMessage, message_id)
    row.last_error = error[:1000]
    if row.attempts >= MAX_ATTEMPTS:
        _give_up(session, row, f"gave up after {row.attempts} attempts: {error}")
        return False
    row.state = Delivery.PENDING.value
    row.next_attempt_at = now + _backoff(row.attempts)
    return True


def postpone(session: Session, message_id: int, until: datetime) -> None:
    """Puts a claimed message back, not sent and without counting an attempt (it waits
    for an earlier message to the same recipient)."""
    row = session.get(OutboundMessage, message_id)
    row.state = Delivery.PENDING.value
    row.attempts = max(row.attempts - 1, 0)
    row.next_attempt_at = until


def mark_undeliverable(session: Session, message_id: int, reason: str) -> None:
    """Records that the platform will not deliver this message, and why."""
    _give_up(session, session.get(OutboundMessage, message_id), reason)


def _give_up(session: Session, row: OutboundMessage, reason: str) -> None:
    row.state = Delivery.UNDELIVERABLE.value
    row.last_error = reason[:1000]
    audit.record(session, f"channel:{row.channel}", "message.undeliverable", "outbound_message",
                 row.id, recipient=row.recipient, reason=reason[:300])


def undeliverable_for(session: Session, recipient: str) -> list[OutboxMessage]:
    """Messages to ``recipient`` that could not be delivered, oldest first."""
    rows = session.scalars(select(OutboundMessage).where(
        OutboundMessage.recipient == recipient,
        OutboundMessage.state == Delivery.UNDELIVERABLE.value,
    ).order_by(OutboundMessage.id)).all()
    return [_view(row) for row in rows]


def due_again(session: Session, message_id: int) -> datetime:
    """When a message that failed is tried next."""
    return session.get(OutboundMessage, message_id).next_attempt_at
