"""Requesting a refund, within the per-order-line cap.

A refund is created ``pending`` with an idempotency key (``out_refund_no``) after its
amount is reserved against the order line: a conditional UPDATE of the line's total that
only succeeds while ``refunded + amount <= paid`` (and a CHECK on the row behind it), so
even concurrent requests can never refund more than was paid for a line.

Paying the refund is the ledger's work (``bot.refunds.ledger``). Nothing here commits:
callers pass their unit of work's session.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot import audit
from bot.db import OrderLine, OrderLineRefundTotal, Refund, RefundState, ReturnCase
from bot.db.statements import insert_if_missing, moved
from bot.enums import CaseState, Resolution
from bot.refunds.errors import AmountAbovePaid, CaseNotRefundable, DestinationInvalid
from bot.refunds.money import ZERO, cents, paid_for, refund_amount, yuan

DESTINATIONS = (Resolution.REFUND_ORIGINAL, Resolution.REFUND_BALANCE, Resolution.COUPON)
REFUNDABLE = frozenset({CaseState.APPROVED, CaseState.REFUND_PENDING})


# ---------------------------------------------------------------- the per-line cap


def line_totals(session: Session, line: OrderLine) -> tuple[Decimal, Decimal]:
    """(paid, refunded so far) for the order line, in yuan."""
    row = session.get(OrderLineRefundTotal, line.id, populate_existing=True)
    if row is None:
        return paid_for(line), ZERO
    return yuan(row.paid_cents), yuan(row.refunded_cents)


def remaining(session: Session, line: OrderLine) -> Decimal:
    """What may still be refunded for the order line."""
    paid, refunded = line_totals(session, line)
    return max(paid - refunded, ZERO)


def _reserve(session: Session, line: OrderLine, amount: Decimal, at: datetime) -> None:
    """Claims ``amount`` of what was paid for ``line``.

    Raises:
        AmountAbovePaid: the line's refunds would exceed what was paid for it.
    """
    insert_if_missing(session, OrderLineRefundTotal.__table__,
                      {"order_line_id": line.id, "paid_cents": cents(paid_for(line)),
                       "refunded_cents": 0, "updated_at": at})
    amount_cents = cents(amount)
    total = OrderLineRefundTotal
    if not moved(session, update(total)
                 .where(total.order_line_id == line.id,
                        total.refunded_cents + amount_cents <= total.paid_cents)
                 .values(refunded_cents=total.refunded_cents + amount_cents, updated_at=at)):
        paid, refunded = line_totals(session, line)
        raise AmountAbovePaid(amount, paid, refunded)


# ---------------------------------------------------------------- requesting


def refund_destination(destination: object) -> Resolution:
    """Where a refund may go: ``destination`` as a ``Resolution`` of ``DESTINATIONS``.

    Raises:
        DestinationInvalid: not a refund destination (e.g. ``exchange``).
    """
    try:
        value = Resolution(destination)
    except ValueError:
        raise DestinationInvalid(destination) from None
    if value not in DESTINATIONS:
        raise DestinationInvalid(value.value)
    return value


def _key(session: Session, case: ReturnCase) -> str:
    """The next idempotency key of the case, ``R1024-1``, ``R1024-2``…; read after the
    line's total is reserved, which serialises refunds of one line (and so of one case)."""
    count = session.scalar(select(func.count(Refund.id)).where(Refund.case_id == case.id)) or 0
    return f"{case.ref or f'C{case.id}'}-{count + 1}"


def create_refund(session: Session, case: ReturnCase, *, amount: object, destination: object,
                  actor: str, at: datetime) -> Refund:
    """Records a pending refund for an approved case, within what was paid for its line.

    Args:
        session: The caller's unit of work.
        case: The case, approved (``APPROVED`` or ``REFUND_PENDING``).
        amount: Yuan, whole cents, positive.
        destination: ``refund_original``, ``refund_balance`` or ``coupon``.
        actor: Who asks, e.g. ``"bot"``, ``"staff:3"``, ``"leader:1"``.
        at: When.

    Raises:
        CaseNotRefundable: the case is cancelled, rejected or not approved.
        DestinationInvalid: not a refund destination (e.g. ``exchange``).
        AmountNotCents, AmountNotPositive: a bad amount.
        AmountAbovePaid: more than the line's paid price allows, counting every other
            refund of the line (enforced by the database, also under concurrency).
    """
    if case.state not in REFUNDABLE:
        raise CaseNotRefundable(case.state)
    target = refund_destination(destination)
    value = refund_amount(amount)
    line = case.order_line
    _reserve(session, line, value, at)
    refund = Refund(case_id=case.id, order_line_id=line.id, customer_id=case.customer_id,
                    out_refund_no=_key(session, case), amount=value, method=target,
                    state=RefundState.PENDING.value, attempts=0, uncertain=False,
                    created_at=at, updated_at=at)
    session.add(refund)
    session.flush()
    audit.record(session, actor, "refund.requested", "refund", refund.id, ref=case.ref,
                 amount=str(value), method=target.value, out_refund_no=refund.out_refund_no)
    return refund
