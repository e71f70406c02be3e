"""The inbox: platform messages acknowledged to the platform and not yet handled.

A channel that answers the platform at once (WeChat wants its "success" within five
seconds) writes the message here in the same transaction that accepts it, so the
acknowledgement is never a promise only one process's memory keeps. Handling takes a
lease; a failure is retried with back-off; a process that dies leaves a lease that runs
out, and another process takes the message over. One sender's messages are handled one
at a time, oldest first, across processes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot import audit
from bot.db import InboundMessage

LEASE = timedelta(seconds=30)
"""How long a claim holds without renewal; the worker renews every third of it."""
MAX_ATTEMPTS = 7
"""With the back-off doubling from one second, the last attempt is about a minute after
the first: a platform API or database that is away for half a minute loses nothing."""
FIRST_BACKOFF = timedelta(seconds=1)
KEEP_HANDLED = timedelta(days=3)


class Inbox(str, Enum):
    """States of an inbound message."""

    PENDING = "pending"
    HANDLING = "handling"
    DONE = "done"
    FAILED = "failed"


OPEN = (Inbox.PENDING.value, Inbox.HANDLING.value)


@dataclass(frozen=True)
class InboxItem:
    """One claimed message: what the channel stored, and which attempt this is."""

    id: int
    channel: str
    sender: str
    key: str
    payload: dict[str, Any]
    attempts: int


def add(session: Session, channel: str, sender: str, key: str, payload: dict[str, Any],
        now: datetime) -> int:
    """Stores an accepted message, due now; returns its id. A Core INSERT: the webhooks
    add messages by the dozen in one group commit, and an ORM flush each cost twice as
    much."""
    result = session.execute(insert(InboundMessage), {
        "channel": channel, "sender": sender, "key": key[:200], "payload": payload,
        "state": Inbox.PENDING.value, "attempts": 0, "next_attempt_at": now,
        "received_at": now})
    return result.inserted_primary_key[0]


def _is_due(now: datetime) -> ColumnElement[bool]:
    return (((InboundMessage.state == Inbox.PENDING.value)
             & (InboundMessage.next_attempt_at <= now))
            | ((InboundMessage.state == Inbox.HANDLING.value)
               & (InboundMessage.lease_until < now)))


def claim_due(session: Session, channel: str, now: datetime, limit: int = 20) -> list[InboxItem]:
    """Claims due messages of ``channel``: new ones, retries whose back-off is over and
    ones whose handler's lease ran out — at most one per sender, and only a sender's
    oldest open message, so one conversation's messages are handled in order.

    Rows another process is claiming at the same moment are skipped (``SKIP LOCKED`` on
    PostgreSQL; SQLite has one writer at a time).
    """
    due = session.scalars(
        select(InboundMessage).where(InboundMessage.channel == channel, _is_due(now))
        .order_by(InboundMessage.id).limit(limit * 4).with_for_update(skip_locked=True)).all()
    if not due:
        return []
    senders = {row.sender for row in due}
    oldest_open = dict(session.execute(
        select(InboundMessage.sender, func.min(InboundMessage.id))
        .where(InboundMessage.channel == channel, InboundMessage.sender.in_(senders),
               InboundMessage.state.in_(OPEN))
        .group_by(InboundMessage.sender)).all())
    busy = set(session.scalars(
        select(InboundMessage.sender).where(
            InboundMessage.channel == channel, InboundMessage.sender.in_(senders),
            InboundMessage.state == Inbox.HANDLING.value, InboundMessage.lease_until >= now)))
    claimed: list[InboxItem] = []
    for row in due:
        if row.sender in busy or oldest_open.get(row.sender) != row.id:
            continue
        # Conditional, so a row another process claimed in between is not claimed twice.
        taken = session.execute(
            update(InboundMessage).where(InboundMessage.id == row.id, _is_due(now))
            .values(state=Inbox.HANDLING.value, attempts=InboundMessage.attempts + 1,
                    lease_until=now + LEASE)
            .execution_options(synchronize_session=False)).rowcount
        if not taken:
            continue
        busy.add(row.sender)
        claimed.append(InboxItem(row.id, row.channel, row.sender, row.key, row.payload,
                                 row.attempts + 1))
        if len(claimed) >= limit:
            break
    return claimed


def renew(session: Session, ids: list[int], now: datetime) -> None:
    """Extends the leases of messages still being handled."""
    if ids:
        session.execute(update(InboundMessage)
                        .where(InboundMessage.id.in_(ids),
                               InboundMessage.state == Inbox.HANDLING.value)
                        .values(lease_until=now + LEASE))


def mark_done(session: Session, item_id: int, now: datetime) -> None:
    """The message was handled."""
    session.execute(update(InboundMessage).where(InboundMessage.id == item_id)
                    .values(state=Inbox.DONE.value, handled_at=now, lease_until=None))


def mark_failed(session: Session, item_id: int, error: str, now: datetime) -> bool:
    """Records a failed attempt; ``False`` when the message is given up (audited)."""
    row = session.get(InboundMessage, item_id)
    row.last_error = error[:1000]
    row.lease_until = None
    if row.attempts >= MAX_ATTEMPTS:
        row.state = Inbox.FAILED.value
        row.handled_at = now
        audit.record(session, f"channel:{row.channel}", "message.unhandled", "inbound_message",
                     row.id, sender=row.sender, key=row.key,
                     reason=f"gave up after {row.attempts} attempts: {error}"[:300])
        return False
    row.state = Inbox.PENDING.value
    row.next_attempt_at = now + FIRST_BACKOFF * (2 ** (row.attempts - 1))
    return True


def open_count(session: Session, channel: str | None = None) -> int:
    """How many messages are waiting or being handled."""
    query = select(func.count()).select_from(InboundMessage).where(
        InboundMessage.state.in_(OPEN))
    if channel is not None:
        query = query.where(InboundMessage.channel == channel)
    return session.scalar(query)


def forget_handled(session: Session, now: datetime) -> int:
    """Deletes handled and given-up messages older than ``KEEP_HANDLED``."""
    result = session.execute(delete(InboundMessage).where(
        InboundMessage.state.in_((Inbox.DONE.value, Inbox.FAILED.value)),
        InboundMessage.received_at < now - KEEP_HANDLED))
    return result.rowcount or 0
