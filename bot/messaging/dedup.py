"""Accepting a platform message exactly once, across retries and restarts."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.db import InboundKey
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.db.statements import insert_if_missing
from bot.messaging import inbox


def first_time(session: Session, channel: str, key: str, now: datetime) -> bool:
    """Records ``key`` for ``channel``; ``False`` if it was recorded before.

    The unique constraint decides, so two servers receiving the same retry at the
    same moment cannot both accept it. A key recorded before is skipped by the insert
    itself (``insert_if_missing``): no savepoint, and the transaction goes on.
    """
    return insert_if_missing(session, InboundKey.__table__,
                             {"channel": channel, "key": key[:200], "received_at": now})


def forget(session: Session, channel: str, key: str) -> None:
    """Takes back ``first_time``: the message was not handled, so its retry must be."""
    session.execute(delete(InboundKey).where(InboundKey.channel == channel,
                                             InboundKey.key == key[:200]))


# Keys older than this are forgotten: platforms retry within minutes, and a nonce
# is refused anyway once its timestamp is stale.
KEEP_KEYS = timedelta(days=3)


def forget_old_keys(session: Session, now: datetime, keep: timedelta = KEEP_KEYS) -> int:
    """Deletes keys received before ``now - keep``; returns how many."""
    result = session.execute(delete(InboundKey).where(InboundKey.received_at < now - keep))
    return result.rowcount or 0


class KeyPruner:
    """Forgets old keys at most once per ``every``, from whichever loop calls it."""

    def __init__(self, every: timedelta = timedelta(hours=1)) -> None:
        self._every = every
        self._last: datetime | None = None

    def due(self, now: datetime) -> bool:
        if self._last is not None and now - self._last < self._every:
            return False
        self._last = now
        return True


_PRUNER = KeyPruner()


def prune_inbound_keys() -> int:
    """Forgets old de-duplication keys and handled inbox messages, at most hourly per
    process (called by the channels' delivery loops); returns how many rows went."""
    now = utcnow()
    if not _PRUNER.due(now):
        return 0
    with unit_of_work() as session:
        return forget_old_keys(session, now) + inbox.forget_handled(session, now)
