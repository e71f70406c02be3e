"""Money going back to customers: refunds and their gateway attempts, the per-line refund
cap, the store-balance ledger and coupons.

The ledger's invariants live in the database, not only in Python:

* ``order_line_refund_totals`` holds, per order line, what was paid and what refunds
  have claimed, in whole cents; a CHECK keeps ``refunded_cents <= paid_cents`` and every
  refund reserves its amount with a conditional UPDATE, so concurrent requests cannot
  together refund more than was paid (``bot.refunds.cap``).
* ``refunds.out_refund_no`` is unique: the idempotency key sent to the payment gateway.
* ``balance_entries.refund_id`` is unique (one credit per refund) and
  ``customer_balances.balance_cents`` cannot go negative.
* ``coupons``: one compensation coupon per case (a partial unique index) and one coupon
  per refund paid as a coupon (``refunds.coupon_id`` is unique).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped

from bot.db.base import Base, UTCDateTime, str_enum, utcnow
from bot.enums import Resolution


class RefundState(str, Enum):
    """Where a refund is (``refunds.state``).

    pending → succeeded, or pending → sending (a gateway call in flight) → succeeded |
    failed (a retry is scheduled) → … → manual (the retry budget is spent, the gateway
    refused for good, or WeChat Pay is not configured) → succeeded when an agent records
    the payout made by hand. ``cancelled`` releases the amount again.
    """

    PENDING = "pending"
    SENDING = "sending"
    FAILED = "failed"
    MANUAL = "manual"
    SUCCEEDED = "succeeded"
    CANCELLED = "cancelled"


class Refund(Base):
    """One refund of (part of) an order line, to one destination.

    ``method`` is the destination: ``refund_original`` (WeChat Pay, the original payment),
    ``refund_balance`` (store balance) or ``coupon`` (a coupon of the same value).
    """

    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(ForeignKey("return_cases.id"), nullable=False, index=True)
    order_line_id: Mapped[int] = Column(ForeignKey("order_lines.id"), nullable=False, index=True)
    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    # The idempotency key: WeChat Pay's out_refund_no, e.g. "R1024-1".
    out_refund_no: Mapped[str] = Column(String(64), nullable=False, unique=True)
    amount: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    method: Mapped[Resolution] = Column(str_enum(Resolution, "refund_method"), nullable=False)
    state: Mapped[str] = Column(String(20), nullable=False, default=RefundState.PENDING.value,
                                index=True)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = Column(UTCDateTime)
    lease_until: Mapped[datetime | None] = Column(UTCDateTime)
    # The last call's outcome is unknown (timeout, bad signature): query before applying.
    uncertain: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    # WeChat Pay's refund_id, or the reference of a payout made by hand.
    external_ref: Mapped[str | None] = Column(String(64))
    gateway_answer: Mapped[dict | None] = Column(JSON)
    failure: Mapped[str | None] = Column(String(300))
    manual_reason: Mapped[str | None] = Column(String(40))
    manual_note: Mapped[str | None] = Column(String(500))
    paid_by: Mapped[str | None] = Column(String(60))
    coupon_id: Mapped[int | None] = Column(ForeignKey("coupons.id"), unique=True)
    # An outcome reached later (by the payout job or an agent) the customer has yet to hear.
    notify: Mapped[str | None] = Column(String(20))
    notified_at: Mapped[datetime | None] = Column(UTCDateTime)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    updated_at: Mapped[datetime | None] = Column(UTCDateTime)
    paid_at: Mapped[datetime | None] = Column(UTCDateTime)


class RefundAttempt(Base):
    """One call to the payment gateway for a refund, and what came back."""

    __tablename__ = "refund_attempts"

    id: Mapped[int] = Column(Integer, primary_key=True)
    refund_id: Mapped[int] = Column(ForeignKey("refunds.id"), nullable=False, index=True)
    number: Mapped[int] = Column(Integer, nullable=False)
    operation: Mapped[str] = Column(String(10), nullable=False)  # apply | query
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    outcome: Mapped[str] = Column(String(20), nullable=False)
    code: Mapped[str | None] = Column(String(40))
    message: Mapped[str | None] = Column(String(300))
    answer: Mapped[dict | None] = Column(JSON)
    duration_ms: Mapped[int | None] = Column(Integer)


class OrderLineRefundTotal(Base):
    """What was paid for an order line and what refunds have claimed of it, in cents."""

    __tablename__ = "order_line_refund_totals"
    __table_args__ = (
        CheckConstraint("refunded_cents >= 0", name="refunded_not_negative"),
        CheckConstraint("refunded_cents <= paid_cents", name="refunded_within_paid"),
    )

    order_line_id: Mapped[int] = Column(ForeignKey("order_lines.id"), primary_key=True)
    paid_cents: Mapped[int] = Column(Integer, nullable=False)
    refunded_cents: Mapped[int] = Column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime | None] = Column(UTCDateTime)


class CustomerBalance(Base):
    """A customer's store balance (余额), the sum of their balance entries, in cents."""

    __tablename__ = "customer_balances"
    __table_args__ = (CheckConstraint("balance_cents >= 0", name="balance_not_negative"),)

    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), primary_key=True)
    balance_cents: Mapped[int] = Column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime | None] = Column(UTCDateTime)


class BalanceEntry(Base):
    """One movement of a store balance: a refund credited (+), a purchase paid (-)."""

    __tablename__ = "balance_entries"
    __table_args__ = (CheckConstraint("amount_cents <> 0", name="amount_not_zero"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    amount_cents: Mapped[int] = Column(Integer, nullable=False)
    kind: Mapped[str] = Column(String(20), nullable=False)  # refund | spend | adjustment
    refund_id: Mapped[int | None] = Column(ForeignKey("refunds.id"), unique=True)
    balance_after_cents: Mapped[int] = Column(Integer, nullable=False)
    actor: Mapped[str] = Column(String(60), nullable=False)
    note: Mapped[str | None] = Column(String(200))
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow, index=True)


class Coupon(Base):
    """A no-threshold coupon: compensation for a quality problem, a goodwill gesture from
    staff, or a refund paid as a coupon (kind ``refund``)."""

    __tablename__ = "coupons"
    __table_args__ = (
        # Never two compensation coupons for one case, even under concurrent approvals.
        Index("uq_coupons_compensation_case", "case_id", unique=True,
              sqlite_where=text("kind = 'compensation'"),
              postgresql_where=text("kind = 'compensation'")),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    code: Mapped[str] = Column(String(30), unique=True, nullable=False)
    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    case_id: Mapped[int | None] = Column(ForeignKey("return_cases.id"), index=True)
    amount: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    kind: Mapped[str] = Column(String(20), nullable=False)
    state: Mapped[str] = Column(String(20), nullable=False, default="issued")
    expires_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    redeemed_at: Mapped[datetime | None] = Column(UTCDateTime)
    redeemed_order: Mapped[str | None] = Column(String(30))
