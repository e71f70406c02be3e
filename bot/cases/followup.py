"""What customers do with a case once it is open: withdraw it or urge it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.cases.errors import CaseNotFound, CaseNotOpen, InvalidTransition
from bot.cases.states import CANCELLABLE, OPEN, add_event, transition
from bot.cases.views import CaseView, case_view, cases_query
from bot.db import Coupon, ReturnCase
from bot.enums import CaseState


def _customer_case(session: Session, customer_id: int, ref: str) -> ReturnCase:
    case = session.scalars(
        cases_query().where(ReturnCase.customer_id == customer_id, ReturnCase.ref == ref.upper())
    ).first()
    if case is None:
        raise CaseNotFound(ref)
    return case


def _revoke_coupons(session: Session, case: ReturnCase, actor: str) -> None:
    """Takes back unused compensation of a withdrawn case."""
    coupons = session.scalars(
        select(Coupon).where(Coupon.case_id == case.id, Coupon.state == "issued")
    ).all()
    for coupon in coupons:
        coupon.state = "revoked"
        audit.record(session, actor, "coupon.revoked", "coupon", coupon.id, ref=case.ref)


def cancel_case(
    session: Session, customer_id: int, ref: str, now: datetime, actor: str
) -> CaseView:
    """Withdraws the customer's case ``ref``.

    Raises:
        CaseNotFound: no such case for this customer.
        InvalidTransition: the case is past the point where it can be withdrawn.
    """
    case = _customer_case(session, customer_id, ref)
    if case.state not in CANCELLABLE:
        raise InvalidTransition(case.state, CaseState.CANCELLED)
    transition(session, case, CaseState.CANCELLED, actor=actor, at=now, note="withdrawn by customer")
    _revoke_coupons(session, case, actor)
    session.flush()
    return case_view(case)


@dataclass(frozen=True)
class Urged:
    case: CaseView
    overdue: bool


def urge_case(
    session: Session, customer_id: int, ref: str, now: datetime, actor: str
) -> Urged:
    """Records that the customer urged ``ref`` and raises its priority.

    A case whose review deadline has passed is flagged for escalation.

    Raises:
        CaseNotFound: no such case for this customer.
        CaseNotOpen: the case is no longer being worked on.
    """
    case = _customer_case(session, customer_id, ref)
    if case.state not in OPEN:
        raise CaseNotOpen(case.state)
    overdue = case.review_due_at is not None and case.review_due_at < now
    case.urge_count += 1
    case.priority += 1
    case.updated_at = now
    if overdue and not case.escalated:
        case.escalated = True
    add_event(session, case, actor=actor, kind="urged", at=now,
              note="overdue, escalated" if overdue else f"urge #{case.urge_count}")
    session.flush()
    return Urged(case_view(case), overdue)
