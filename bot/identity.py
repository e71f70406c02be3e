"""Binding a channel identity (WeChat openid, Telegram user id) to a customer.

The customer proves who they are with the phone number of their account and the
last four digits of a pickup code of one of their recent orders — something only
they (and their group leader) hold. Failed attempts are limited, so the four
digits cannot be guessed.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import audit
from bot.customers import CustomerView
from bot.db import AuditEntry, ChannelIdentity, Customer, Order

CODE_WINDOW = timedelta(days=30)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=24)


class BindingError(Exception):
    """The identity could not be bound."""


class TooManyAttempts(BindingError):
    """Too many failed attempts from this identity recently; try later or ask a person."""


def _failures(session: Session, channel: str, external_id: str, now: datetime) -> int:
    return session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "identity.bind_failed",
        AuditEntry.entity == channel,
        AuditEntry.entity_id == external_id,
        AuditEntry.at >= now - FAILURE_WINDOW,
    )) or 0


def bind(session: Session, channel: str, external_id: str, phone: str, code_tail: str,
         now: datetime) -> CustomerView | None:
    """Binds ``external_id`` on ``channel`` to the customer the evidence points at.

    Returns:
        The customer, or ``None`` when no recent order of that phone's customer has
        such a pickup code (the failed attempt is recorded in the caller's unit of work).

    Raises:
        TooManyAttempts: ``MAX_FAILURES`` failures in the last day already.
    """
    if _failures(session, channel, external_id, now) >= MAX_FAILURES:
        raise TooManyAttempts(external_id)
    customer = session.scalars(select(Customer).where(Customer.phone == phone)).first()
    matches = customer is not None and session.scalars(select(Order.id).where(
        Order.customer_id == customer.id,
        Order.placed_at >= now - CODE_WINDOW,
        Order.pickup_code.like(f"%{code_tail}"),
    )).first() is not None
    if not matches:
        audit.record(session, f"{channel}:{external_id}", "identity.bind_failed", channel,
                     external_id, phone_tail=phone[-4:])
        return None
    identity = session.scalars(select(ChannelIdentity).where(
        ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)).first()
    if identity is None:
        session.add(ChannelIdentity(channel=channel, external_id=external_id,
                                    customer_id=customer.id, bound_at=now))
    else:
        identity.customer_id, identity.bound_at = customer.id, now
    audit.record(session, f"{channel}:{external_id}", "identity.bound", channel, external_id,
                 customer_id=customer.id)
    session.flush()
    return CustomerView(customer.id, customer.name, customer.nickname, customer.pickup_point_id)
