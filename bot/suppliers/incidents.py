"""A supplier's quality incidents, with what each one cost.

Every quality case opens a ``SupplierIncident`` for the product's supplier and batch
(``bot.cases.opening``). The loss of an incident is what its case paid out: refunds not
cancelled plus compensation or goodwill coupons not revoked.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import Coupon, Product, Refund, ReturnCase, Supplier, SupplierIncident
from bot.enums import CaseState, Reason
from bot.metrics.money import COMPENSATION_KINDS, COUPON_REVOKED, REFUND_CANCELLED
from bot.metrics.period import Period

WORDS_MAX = 40
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class IncidentRow:
    """One quality incident as procurement reads it."""

    incident_id: int
    at: datetime
    supplier_id: int
    supplier_code: str
    supplier_name: str
    product: str
    batch: str
    reason: Reason
    case_id: int
    case_ref: str | None
    case_state: CaseState
    words: str
    refund: Decimal
    compensation: Decimal

    @property
    def loss(self) -> Decimal:
        return self.refund + self.compensation


def truncate(text: str | None, limit: int = WORDS_MAX) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def _filters(period: Period, supplier_id: int | None) -> list:
    conditions = [SupplierIncident.created_at >= period.start,
                  SupplierIncident.created_at < period.end]
    if supplier_id is not None:
        conditions.append(SupplierIncident.supplier_id == supplier_id)
    return conditions


def _paid(session: Session, period: Period, supplier_id: int | None) -> dict[int, list]:
    """Refunds and compensation of the selected incidents' cases, by case id."""
    paid: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    refunds = session.execute(
        select(Refund.case_id, Refund.amount)
        .join(SupplierIncident, SupplierIncident.case_id == Refund.case_id)
        .where(*_filters(period, supplier_id), Refund.state != REFUND_CANCELLED)
    ).all()
    coupons = session.execute(
        select(Coupon.case_id, Coupon.amount)
        .join(SupplierIncident, SupplierIncident.case_id == Coupon.case_id)
        .where(*_filters(period, supplier_id), Coupon.kind.in_(COMPENSATION_KINDS),
               Coupon.state != COUPON_REVOKED)
    ).all()
    for case_id, amount in refunds:
        paid[case_id][0] += amount
    for case_id, amount in coupons:
        paid[case_id][1] += amount
    return paid


def incident_rows(session: Session, period: Period,
                  supplier_id: int | None = None) -> list[IncidentRow]:
    """The incidents recorded in the period (of one supplier, or all), by supplier code
    and then time."""
    rows = session.execute(
        select(SupplierIncident, Supplier.code, Supplier.name, Product.name, ReturnCase)
        .join(Supplier, SupplierIncident.supplier_id == Supplier.id)
        .join(Product, SupplierIncident.product_id == Product.id)
        .join(ReturnCase, SupplierIncident.case_id == ReturnCase.id)
        .where(*_filters(period, supplier_id))
        .order_by(Supplier.code, SupplierIncident.created_at, SupplierIncident.id)
    ).all()
    paid = _paid(session, period, supplier_id)
    return [
        IncidentRow(
            incident_id=incident.id, at=incident.created_at, supplier_id=incident.supplier_id,
            supplier_code=code, supplier_name=name, product=product, batch=incident.batch,
            reason=incident.reason, case_id=case.id, case_ref=case.ref, case_state=case.state,
            words=truncate(case.source_text or case.description),
            refund=paid[case.id][0] if case.id in paid else ZERO,
            compensation=paid[case.id][1] if case.id in paid else ZERO,
        )
        for incident, code, name, product, case in rows
    ]


def total_loss(rows: list[IncidentRow]) -> tuple[Decimal, Decimal]:
    """The refunds and the compensation of ``rows``, summed."""
    return (sum((row.refund for row in rows), ZERO),
            sum((row.compensation for row in rows), ZERO))


@dataclass(frozen=True)
class SupplierSummary:
    """A supplier's incidents in a period and what they cost."""

    supplier_id: int
    supplier_code: str
    supplier_name: str
    incidents: int
    refund: Decimal
    compensation: Decimal

    @property
    def loss(self) -> Decimal:
        return self.refund + self.compensation


def summarise(rows: list[IncidentRow]) -> list[SupplierSummary]:
    """One summary per supplier in ``rows``, most incidents first."""
    groups: dict[int, list[IncidentRow]] = defaultdict(list)
    for row in rows:
        groups[row.supplier_id].append(row)
    summaries = [
        SupplierSummary(first.supplier_id, first.supplier_code, first.supplier_name,
                        len(group), *total_loss(group))
        for first, group in ((group[0], group) for group in groups.values())
    ]
    return sorted(summaries, key=lambda item: (-item.incidents, -item.loss, item.supplier_code))
