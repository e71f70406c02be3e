"""Cases at each stage of staff review, and checks that a refused staff request changed
nothing, for the review tests."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cases import CaseView, open_case
from bot.db import AuditEntry, CaseEvent, Coupon, Refund, ReturnCase
from bot.db.session import unit_of_work
from bot.enums import CaseState, Review
from tests.bot.cases.claims import count, missing_claim, row, strawberry_claim

STAFF = "staff:3"


def leader_case(policy, now) -> CaseView:
    """demo-1 says one of two boxes of strawberries (¥29.90 each) was missing: leader review."""
    with unit_of_work() as session:
        case = open_case(session, missing_claim(session, now), now, policy, "customer:demo-1").case
    assert (case.state, case.refund_amount, case.compensation) == (
        CaseState.LEADER_REVIEW, Decimal("29.90"), Decimal("3"))
    return case


def platform_case(app_db, policy, now, **changes) -> CaseView:
    """demo-1: both boxes of strawberries spoiled (¥59.80, above the leaders' limit)."""
    with unit_of_work() as session:
        draft = strawberry_claim(session, app_db, now, quantity_affected=Decimal("2"), **changes)
        case = open_case(session, draft, now, policy, "customer:demo-1").case
    assert (case.state, case.review, case.refund_amount) == (
        CaseState.SUBMITTED, Review.PLATFORM, Decimal("59.80"))
    return case


def auto_approved_case(app_db, policy, now) -> CaseView:
    """demo-1: one box of strawberries spoiled, photo sent: approved by the bot, refund pending."""
    with unit_of_work() as session:
        case = open_case(session, strawberry_claim(session, app_db, now), now, policy, "bot").case
    assert case.state is CaseState.REFUND_PENDING
    return case


def refunds(session: Session, case_id: int) -> list[tuple]:
    return [(r.amount, r.method, r.state) for r in session.scalars(
        select(Refund).where(Refund.case_id == case_id).order_by(Refund.id))]


def coupons(session: Session, case_id: int) -> list[tuple]:
    return [(c.amount, c.kind, c.state) for c in session.scalars(
        select(Coupon).where(Coupon.case_id == case_id).order_by(Coupon.id))]


def staff_actions(session: Session) -> list[str]:
    return list(session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor == STAFF).order_by(AuditEntry.id)))


def snapshot(session: Session, case_id: int) -> tuple:
    """Everything a refused request must leave as it was."""
    case = session.get(ReturnCase, case_id)
    return (case.state, case.refund_amount, case.resolution, case.updated_at, case.open_key,
            case.review_due_at, count(session, CaseEvent, CaseEvent.case_id == case_id),
            count(session, AuditEntry), refunds(session, case_id), coupons(session, case_id))


def refused(app_db, case_id: int, error: type[Exception],
            call: Callable[[Session], object]) -> Exception:
    """Runs a request that must fail inside a unit of work that then commits anyway (as a
    caller that catches the error would), and checks that it changed nothing."""
    with app_db.session() as session:
        before = snapshot(session, case_id)
    with unit_of_work() as session:
        with pytest.raises(error) as caught:
            call(session)
    with app_db.session() as session:
        assert snapshot(session, case_id) == before
    return caught.value


def row_id(app_db, ref: str) -> int:
    """The id of the case ``ref`` (e.g. the seeded, closed R0901)."""
    with app_db.session() as session:
        return row(session, ref).id
