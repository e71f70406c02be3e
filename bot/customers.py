"""Who is writing: channel identities to customers."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import ChannelIdentity, Customer


@dataclass(frozen=True)
class CustomerView:
    id: int
    name: str
    nickname: str | None
    pickup_point_id: int


def identify(session: Session, channel: str, external_id: str) -> CustomerView | None:
    """The customer bound to ``external_id`` on ``channel``, or ``None``."""
    customer = session.scalars(
        select(Customer)
        .join(ChannelIdentity)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
    ).first()
    if customer is None:
        return None
    return CustomerView(customer.id, customer.name, customer.nickname, customer.pickup_point_id)
