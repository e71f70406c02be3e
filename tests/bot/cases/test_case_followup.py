"""Withdrawing and urging cases, and listing them."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cases import (
    CaseNotFound,
    CaseNotOpen,
    ClaimDraft,
    InvalidTransition,
    cancel_case,
    customer_cases,
    open_case,
    open_customer_cases,
    urge_case,
)
from bot.db import (
    AuditEntry,
    CaseEvent,
    Coupon,
)
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason, Resolution
from tests.bot.cases.claims import (
    count,
    customer_id,
    line,
    missing_claim,
    row,
    strawberry_claim,
)

# ---------------------------------------------------------------- withdrawing


def test_cancel_frees_the_claim(app_db, policy, now) -> None:
    with unit_of_work() as session:
        first = open_case(session, missing_claim(session, now), now, policy, "customer:demo-1").case
    later = now + timedelta(minutes=10)
    with unit_of_work() as session:
        cancelled = cancel_case(session, customer_id(session, "demo-1"), first.ref, later, "customer:demo-1")
    assert cancelled.state is CaseState.CANCELLED
    with app_db.session() as session:
        case = row(session, first.ref)
        assert case.open_key is None
        last = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.id.desc())).first()
        assert (last.from_state, last.to_state, last.actor, last.at) == (
            CaseState.LEADER_REVIEW, CaseState.CANCELLED, "customer:demo-1", later)
    with unit_of_work() as session:
        reopened = open_case(session, missing_claim(session, now), later, policy, "customer:demo-1")
    assert reopened.created and reopened.case.ref != first.ref
    assert reopened.case.state is CaseState.LEADER_REVIEW


def test_cancel_accepts_a_lower_case_ref(app_db, policy, now) -> None:
    with unit_of_work() as session:
        ref = open_case(session, missing_claim(session, now), now, policy, "bot").case.ref
        view = cancel_case(session, customer_id(session, "demo-1"), ref.lower(), now, "customer:demo-1")
    assert view.ref == ref and view.state is CaseState.CANCELLED


def snapshot(session: Session, ref: str) -> tuple:
    case = row(session, ref)
    return (case.state, case.updated_at, case.open_key,
            count(session, CaseEvent, CaseEvent.case_id == case.id), count(session, AuditEntry))


def test_cancelling_a_cancelled_case_changes_nothing(app_db, policy, now) -> None:
    with unit_of_work() as session:
        ref = open_case(session, missing_claim(session, now), now, policy, "bot").case.ref
        cancel_case(session, customer_id(session, "demo-1"), ref, now, "customer:demo-1")
    with unit_of_work() as session:
        before = snapshot(session, ref)
        with pytest.raises(InvalidTransition) as refused:
            cancel_case(session, customer_id(session, "demo-1"), ref, now + timedelta(hours=1), "customer:demo-1")
        assert (refused.value.state, refused.value.target) == (CaseState.CANCELLED, CaseState.CANCELLED)
    with app_db.session() as session:
        assert snapshot(session, ref) == before


def test_cancelling_a_closed_case_changes_nothing(app_db, now) -> None:
    with unit_of_work() as session:
        before = snapshot(session, "R0901")
        with pytest.raises(InvalidTransition) as refused:
            cancel_case(session, customer_id(session, "demo-5"), "R0901", now, "customer:demo-5")
        assert refused.value.state is CaseState.CLOSED
    with app_db.session() as session:
        assert snapshot(session, "R0901") == before


def test_a_refund_on_its_way_cannot_be_withdrawn(app_db, policy, now) -> None:
    with unit_of_work() as session:
        ref = open_case(session, strawberry_claim(session, app_db, now), now, policy, "bot").case.ref
        with pytest.raises(InvalidTransition):
            cancel_case(session, customer_id(session, "demo-1"), ref, now, "customer:demo-1")
    with app_db.session() as session:
        assert row(session, ref).state is CaseState.REFUND_PENDING


def test_withdrawing_an_approved_case_takes_back_its_coupon(app_db, policy, now) -> None:
    with unit_of_work() as session:
        draft = strawberry_claim(session, app_db, now, reason=Reason.WRONG_ITEM,
                                 resolution=Resolution.EXCHANGE)
        case = open_case(session, draft, now, policy, "customer:demo-1").case
        assert case.state is CaseState.APPROVED and case.compensation == Decimal("3")
        cancel_case(session, draft.customer_id, case.ref, now, "customer:demo-1")
    with app_db.session() as session:
        assert count(session, Coupon, Coupon.case_id == case.id, Coupon.state == "issued") == 0


@pytest.mark.parametrize(("who", "ref"), [("demo-1", "R0901"), ("demo-5", "R9999")])
def test_only_the_customers_own_cases_can_be_withdrawn(app_db, now, who: str, ref: str) -> None:
    with unit_of_work() as session:
        with pytest.raises(CaseNotFound):
            cancel_case(session, customer_id(session, who), ref, now, "customer")


# ---------------------------------------------------------------- urging


def test_urging_raises_priority_and_is_on_the_timeline(app_db, policy, now) -> None:
    with unit_of_work() as session:
        ref = open_case(session, missing_claim(session, now), now, policy, "bot").case.ref
    for minutes in (20, 40):
        with unit_of_work() as session:
            urged = urge_case(session, customer_id(session, "demo-1"), ref, now + timedelta(minutes=minutes), "customer:demo-1")
    assert urged.overdue is False
    assert (urged.case.urge_count, urged.case.priority, urged.case.escalated) == (2, 2, False)
    with app_db.session() as session:
        case = row(session, ref)
        events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                         CaseEvent.kind == "urged")).all()
        assert [(e.actor, e.at) for e in events] == [
            ("customer:demo-1", now + timedelta(minutes=20)),
            ("customer:demo-1", now + timedelta(minutes=40)),
        ]
        assert case.state is CaseState.LEADER_REVIEW  # urging does not change the state
        assert count(session, AuditEntry, AuditEntry.action == "case.urged") == 2


def test_urging_an_overdue_case_escalates_it(app_db, policy, now) -> None:
    with unit_of_work() as session:
        ref = open_case(session, missing_claim(session, now), now, policy, "bot").case.ref
        row(session, ref).review_due_at = now - timedelta(minutes=1)
    with unit_of_work() as session:
        urged = urge_case(session, customer_id(session, "demo-1"), ref, now, "customer:demo-1")
    assert urged.overdue is True and urged.case.escalated is True
    with app_db.session() as session:
        case = row(session, ref)
        assert case.escalated
        note = session.scalars(select(CaseEvent.note).where(CaseEvent.case_id == case.id,
                                                            CaseEvent.kind == "urged")).one()
        assert "escalated" in note


def test_urging_before_the_deadline_is_not_overdue(app_db, policy, now) -> None:
    with unit_of_work() as session:
        ref = open_case(session, missing_claim(session, now), now, policy, "bot").case.ref
        due = row(session, ref).review_due_at
    with unit_of_work() as session:
        urged = urge_case(session, customer_id(session, "demo-1"), ref, due - timedelta(seconds=1), "c")
    assert (urged.overdue, urged.case.escalated) == (False, False)


def test_urging_a_closed_case(app_db, now) -> None:
    with unit_of_work() as session:
        with pytest.raises(CaseNotOpen) as closed:
            urge_case(session, customer_id(session, "demo-5"), "R0901", now, "customer:demo-5")
        assert closed.value.state is CaseState.CLOSED
    with app_db.session() as session:
        assert (row(session, "R0901").urge_count, row(session, "R0901").priority) == (0, 0)


def test_urging_someone_elses_case(app_db, now) -> None:
    with unit_of_work() as session:
        with pytest.raises(CaseNotFound):
            urge_case(session, customer_id(session, "demo-1"), "R0901", now, "customer:demo-1")


@pytest.mark.parametrize("action", ["urge", "cancel"])
def test_returned_view_includes_the_change_just_made(app_db, policy, now, action: str) -> None:
    with unit_of_work() as session:
        ref = open_case(session, missing_claim(session, now), now, policy, "bot").case.ref
    with unit_of_work() as session:
        demo1 = customer_id(session, "demo-1")
        if action == "urge":
            view = urge_case(session, demo1, ref, now, "customer:demo-1").case
            assert view.events[-1].kind == "urged"
        else:
            view = cancel_case(session, demo1, ref, now, "customer:demo-1")
            assert view.events[-1].to_state is CaseState.CANCELLED


# ---------------------------------------------------------------- lists


def test_customer_cases_newest_first_and_open_ones(app_db, policy, now) -> None:
    with unit_of_work() as session:
        demo5 = customer_id(session, "demo-5")
        assert open_customer_cases(session, demo5) == []
        assert [c.ref for c in customer_cases(session, demo5)] == ["R0904", "R0903", "R0902", "R0901"]
        draft = ClaimDraft(demo5, line(session, "demo-5", "丹东蓝莓", now).line_id, Reason.MISSING, Decimal("1"))
        new = open_case(session, draft, now, policy, "bot").case
    with unit_of_work() as session:
        assert [c.ref for c in open_customer_cases(session, demo5)] == [new.ref]
        assert [c.ref for c in customer_cases(session, demo5, limit=2)] == [new.ref, "R0904"]
        assert [c.ref for c in customer_cases(session, demo5, ref="r0902")] == ["R0902"]
        assert customer_cases(session, customer_id(session, "demo-1"), ref="R0902") == []
