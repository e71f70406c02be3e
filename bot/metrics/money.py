"""What after-sales cost per day: refunds and compensation coupons.

Each payment is counted once, from the row that records it: a ``Refund`` (any method,
a refund paid as a coupon included) on the day it was requested, unless cancelled; a
compensation or goodwill ``Coupon`` tied to a case on the day it was issued, unless
revoked. ``ReturnCase.compensation`` is only what a case would earn, so it is not added
again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import Coupon, Refund
from bot.metrics.period import Period
from bot.metrics.stats import daily_sums

REFUND_CANCELLED = "cancelled"
COUPON_REVOKED = "revoked"
COMPENSATION_KINDS = ("compensation", "goodwill")


@dataclass(frozen=True)
class CostFigures:
    """Refunds and compensation per day of the period, in yuan."""

    refunds: dict[date, Decimal]
    compensation: dict[date, Decimal]

    @property
    def total_refunds(self) -> Decimal:
        return sum(self.refunds.values(), Decimal("0.00"))

    @property
    def total_compensation(self) -> Decimal:
        return sum(self.compensation.values(), Decimal("0.00"))


def cost_figures(session: Session, period: Period) -> CostFigures:
    """Refunds requested and compensation coupons issued, per day."""
    refunds = session.execute(
        select(Refund.created_at, Refund.amount)
        .where(Refund.created_at >= period.start, Refund.created_at < period.end,
               Refund.state != REFUND_CANCELLED)
    ).all()
    coupons = session.execute(
        select(Coupon.created_at, Coupon.amount)
        .where(Coupon.created_at >= period.start, Coupon.created_at < period.end,
               Coupon.case_id.is_not(None), Coupon.kind.in_(COMPENSATION_KINDS),
               Coupon.state != COUPON_REVOKED)
    ).all()
    return CostFigures(refunds=daily_sums(period, refunds),
                       compensation=daily_sums(period, coupons))
