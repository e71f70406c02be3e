"""What the customer is told about their refunds and coupons.

An outcome reached after the approval was told (WeChat Pay's answer, a refund given up to
the manual queue, a payout an agent recorded) marks its refund ``notify``; the payout job
takes each such notice once (a conditional UPDATE, so with several Rasa replicas only one
sends it), sends it to every chat the customer has bound, and gives it back if no chat took
it, to try again next round.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import messages
from bot.db import ChannelIdentity, Refund, ReturnCase
from bot.db.statements import moved
from bot.refunds.balance import balance_of
from bot.refunds.coupons import customer_coupons
from bot.timefmt import CHINA


@dataclass(frozen=True)
class RefundNotice:
    """One refund's news for one customer, and the chats to send it to."""

    refund_id: int
    case_id: int
    text: str
    chats: tuple[tuple[str, str], ...]  # (channel, sender id)


def due(session: Session, limit: int = 50) -> list[int]:
    """Refunds with news the customer has not been sent yet."""
    return list(session.scalars(
        select(Refund.id).where(Refund.notify.is_not(None), Refund.notified_at.is_(None))
        .order_by(Refund.id).limit(limit)))


def take(session: Session, refund_id: int, now: datetime) -> RefundNotice | None:
    """Marks the refund's notice as sent and returns it; ``None`` if another process took
    it first (or there is nothing to tell)."""
    if not moved(session, update(Refund).where(Refund.id == refund_id,
                                               Refund.notify.is_not(None),
                                               Refund.notified_at.is_(None))
                 .values(notified_at=now)):
        return None
    refund = session.get(Refund, refund_id, populate_existing=True)
    template = messages.REFUND_NOTICE.get(refund.notify or "")
    if template is None:
        return None
    ref = session.scalar(select(ReturnCase.ref).where(ReturnCase.id == refund.case_id))
    chats = tuple(session.execute(
        select(ChannelIdentity.channel, ChannelIdentity.external_id)
        .where(ChannelIdentity.customer_id == refund.customer_id)
        .order_by(ChannelIdentity.id)).all())
    text = template.format(ref=ref, amount=messages.money(refund.amount))
    return RefundNotice(refund.id, refund.case_id, text, tuple((c, e) for c, e in chats))


def give_back(session: Session, refund_id: int) -> None:
    """The notice reached no chat: the next round tries again."""
    moved(session, update(Refund).where(Refund.id == refund_id).values(notified_at=None))


def coupons_report(session: Session, customer_id: int, now: datetime) -> str:
    """「我的优惠券」: usable coupons (soonest to expire first) and the store balance."""
    coupons = customer_coupons(session, customer_id, now)
    lines = [messages.COUPONS_HEAD.format(count=len(coupons)) if coupons
             else messages.NO_COUPONS]
    for coupon in coupons:
        source = messages.COUPON_SOURCE.get(coupon.kind, "")
        lines.append(messages.COUPON_LINE.format(
            amount=messages.money(coupon.amount), code=coupon.code,
            expires=coupon.expires_at.astimezone(CHINA).strftime("%Y-%m-%d"),
            source=source.format(ref=coupon.case_ref) if coupon.case_ref else ""))
    balance = balance_of(session, customer_id)
    if balance > 0:
        lines.append(messages.BALANCE_LINE.format(amount=messages.money(balance)))
    if coupons:
        lines.append(messages.COUPONS_HINT)
    return "\n".join(lines)
