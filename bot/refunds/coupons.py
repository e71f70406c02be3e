"""Coupons: issued by policy (a quality problem earns the compensation coupon, ¥3 by
default), by staff as a gesture, or as the destination of a refund; valid for the policy's
``coupon_valid_days``; listed for the customer; redeemed once.

A case never gets two compensation coupons: ``issue`` checks first and the database
refuses a second one anyway (partial unique index ``uq_coupons_compensation_case``).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit
from bot.db import Coupon, ReturnCase
from bot.db.statements import moved
from bot.policy import load_policy
from bot.refunds.errors import CouponAlreadyIssued, RefundError
from bot.settings import get_settings

COMPENSATION = "compensation"
GOODWILL = "goodwill"
REFUND = "refund"
KINDS = (COMPENSATION, GOODWILL, REFUND)
ISSUED, REDEEMED, REVOKED = "issued", "redeemed", "revoked"


class CouponNotUsable(RefundError):
    """Not the customer's, already used, revoked or expired."""

    reason = "coupon_not_usable"

    def __init__(self, code: str, why: str) -> None:
        super().__init__(f"优惠券 {code} 不能使用：{why}")
        self.code, self.why = code, why


@dataclass(frozen=True)
class CouponView:
    """A coupon as the customer and staff see it."""

    code: str
    amount: Decimal
    kind: str
    state: str
    expires_at: datetime
    case_ref: str | None


def valid_days() -> int:
    """The configured policy's ``coupon_valid_days``."""
    return load_policy(get_settings().policy_file).coupon_valid_days


def _view(coupon: Coupon, ref: str | None) -> CouponView:
    return CouponView(coupon.code, coupon.amount, coupon.kind, coupon.state, coupon.expires_at,
                      ref)


def has_compensation(session: Session, case_id: int) -> bool:
    return session.scalar(select(Coupon.id).where(Coupon.case_id == case_id,
                                                  Coupon.kind == COMPENSATION).limit(1)) is not None


def issue(session: Session, *, customer_id: int, case: ReturnCase | None, amount: Decimal,
          kind: str, actor: str, at: datetime, days: int | None = None) -> Coupon:
    """Gives the customer a no-threshold coupon valid ``days`` days (the policy's by default).

    Audited as ``coupon.issued``; the caller records any timeline entry.

    Raises:
        ValueError: an unknown kind.
        CouponAlreadyIssued: a compensation coupon for a case that has one.
    """
    if kind not in KINDS:
        raise ValueError(f"coupon kind {kind!r} (expected one of {KINDS})")
    if kind == COMPENSATION and case is not None and has_compensation(session, case.id):
        raise CouponAlreadyIssued(case.ref or str(case.id))
    coupon = Coupon(code=f"CP{secrets.token_hex(5).upper()}", customer_id=customer_id,
                    case_id=case.id if case is not None else None, amount=amount, kind=kind,
                    state=ISSUED, created_at=at,
                    expires_at=at + timedelta(days=valid_days() if days is None else days))
    try:
        with session.begin_nested():
            session.add(coupon)
            session.flush()
    except IntegrityError:
        # A concurrent approval issued the case's compensation coupon first.
        raise CouponAlreadyIssued(case.ref if case is not None else "") from None
    audit.record(session, actor, "coupon.issued", "coupon", coupon.id,
                 ref=case.ref if case is not None else None, amount=str(coupon.amount),
                 kind=kind, customer_id=customer_id)
    return coupon


def customer_coupons(session: Session, customer_id: int, now: datetime) -> list[CouponView]:
    """The customer's usable coupons (issued, not yet expired), soonest to expire first."""
    rows = session.execute(
        select(Coupon, ReturnCase.ref).outerjoin(ReturnCase, ReturnCase.id == Coupon.case_id)
        .where(Coupon.customer_id == customer_id, Coupon.state == ISSUED,
               Coupon.expires_at > now)
        .order_by(Coupon.expires_at, Coupon.id)
    ).all()
    return [_view(coupon, ref) for coupon, ref in rows]


def redeem(session: Session, code: str, *, customer_id: int, order_no: str, actor: str,
           at: datetime) -> CouponView:
    """Uses the customer's coupon on an order, once.

    Raises:
        CouponNotUsable: no such coupon for this customer, used, revoked or expired.
    """
    coupon = session.scalars(select(Coupon).where(Coupon.code == code.strip().upper(),
                                                  Coupon.customer_id == customer_id)).first()
    if coupon is None:
        raise CouponNotUsable(code, "没有这张券")
    if coupon.expires_at <= at:
        raise CouponNotUsable(code, "已过期")
    if not moved(session, update(Coupon).where(Coupon.id == coupon.id, Coupon.state == ISSUED)
                 .values(state=REDEEMED, redeemed_at=at, redeemed_order=order_no[:30])):
        session.refresh(coupon)
        raise CouponNotUsable(code, "已使用" if coupon.state == REDEEMED else "已作废")
    session.refresh(coupon)
    audit.record(session, actor, "coupon.redeemed", "coupon", coupon.id, order_no=order_no,
                 amount=str(coupon.amount), customer_id=customer_id)
    return _view(coupon, None)
