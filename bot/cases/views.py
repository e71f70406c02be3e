"""Read models of cases, detached from the session."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.cases.states import OPEN
from bot.db import OrderLine, ReturnCase
from bot.enums import CaseState, Reason, Resolution, Review


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    kind: str
    from_state: CaseState | None
    to_state: CaseState | None
    note: str | None


@dataclass(frozen=True)
class CaseView:
    id: int
    ref: str
    state: CaseState
    reason: Reason
    product_name: str
    quantity_affected: Decimal
    unit: str
    resolution: Resolution | None
    review: Review
    rule_id: str
    decision_text: str
    refund_amount: Decimal
    compensation: Decimal
    review_due_at: datetime | None
    priority: int
    urge_count: int
    escalated: bool
    created_at: datetime
    events: tuple[EventView, ...]


def case_view(case: ReturnCase) -> CaseView:
    product = case.order_line.product
    return CaseView(
        id=case.id, ref=case.ref or "", state=case.state, reason=case.reason,
        product_name=product.name, quantity_affected=case.quantity_affected, unit=product.unit,
        resolution=case.resolution, review=case.review, rule_id=case.rule_id,
        decision_text=case.decision_text, refund_amount=case.refund_amount,
        compensation=case.compensation, review_due_at=case.review_due_at,
        priority=case.priority, urge_count=case.urge_count, escalated=case.escalated,
        created_at=case.created_at,
        events=tuple(
            EventView(e.at, e.actor, e.kind, e.from_state, e.to_state, e.note) for e in case.events
        ),
    )


def cases_query():
    return select(ReturnCase).options(
        selectinload(ReturnCase.events),
        selectinload(ReturnCase.order_line).selectinload(OrderLine.product),
    )


def customer_cases(
    session: Session, customer_id: int, *, ref: str | None = None, limit: int = 5
) -> list[CaseView]:
    """The customer's cases, newest first; only the one with ``ref`` if given."""
    query = cases_query().where(ReturnCase.customer_id == customer_id)
    if ref:
        query = query.where(ReturnCase.ref == ref.upper())
    rows = session.scalars(query.order_by(ReturnCase.created_at.desc(), ReturnCase.id.desc())
                           .limit(limit)).all()
    return [case_view(row) for row in rows]


def open_customer_cases(session: Session, customer_id: int) -> list[CaseView]:
    """The customer's cases still being worked on, newest first."""
    rows = session.scalars(
        cases_query()
        .where(ReturnCase.customer_id == customer_id, ReturnCase.state.in_(OPEN))
        .order_by(ReturnCase.created_at.desc(), ReturnCase.id.desc())
    ).all()
    return [case_view(row) for row in rows]
