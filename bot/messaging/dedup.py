"""Accepting a platform message exactly once, across retries and restarts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import InboundKey


def first_time(session: Session, channel: str, key: str, now: datetime) -> bool:
    """Records ``key`` for ``channel``; ``False`` if it was recorded before.

    The unique constraint decides, so two servers receiving the same retry at the
    same moment cannot both accept it.
    """
    try:
        with session.begin_nested():
            session.add(InboundKey(channel=channel, key=key[:200], received_at=now))
            session.flush()
    except IntegrityError:
        return False
    return True
