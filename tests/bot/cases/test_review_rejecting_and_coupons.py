"""Staff rejecting cases (with a reason, freeing the claim) and giving goodwill coupons."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.cases import CaseNotOpen, InvalidTransition, cancel_case, open_case
from bot.cases.errors import AmountInvalid, NoteInvalid
from bot.cases.opening import COUPON_VALID_DAYS
from bot.cases.review import COUPON_LIMIT, case_by_ref, issue_coupon, reject
from bot.db import Coupon
from bot.db.session import unit_of_work
from bot.enums import CaseState
from bot.reports import case_report
from tests.bot.cases.claims import customer_id, missing_claim, row
from tests.bot.cases.staff_review import (
    STAFF,
    auto_approved_case,
    coupons,
    leader_case,
    refunds,
    refused,
    row_id,
    staff_actions,
)

# ---------------------------------------------------------------- rejecting


def test_rejecting_records_the_reason_and_frees_the_claim(app_db, policy, now) -> None:
    case = leader_case(policy, now)
    later = now + timedelta(minutes=30)
    with unit_of_work() as session:
        view = reject(session, case.id, actor=STAFF, now=later, reason=" 团长核实，两盒都在 ")
    assert (view.state, view.review_due_at) == (CaseState.REJECTED, None)
    last = view.events[-1]
    assert (last.from_state, last.to_state, last.actor, last.at, last.note) == (
        CaseState.LEADER_REVIEW, CaseState.REJECTED, STAFF, later, "团长核实，两盒都在")
    assert "未通过" in case_report(view)
    with app_db.session() as session:
        assert row(session, case.ref).open_key is None
        assert refunds(session, case.id) == []
        assert staff_actions(session) == ["case.state"]
    with unit_of_work() as session:
        again = open_case(session, missing_claim(session, now), later, policy, "customer:demo-1")
    assert again.created and again.case.ref != case.ref


@pytest.mark.parametrize("reason", ["", "   ", None, "太" * 201])
def test_rejecting_needs_a_reason(app_db, policy, now, reason) -> None:
    case = leader_case(policy, now)
    refused(app_db, case.id, NoteInvalid, lambda session: reject(
        session, case.id, actor=STAFF, now=now, reason=reason))


def test_rejecting_takes_back_unused_coupons(app_db, policy, now) -> None:
    case = leader_case(policy, now)
    with unit_of_work() as session:
        issue_coupon(session, case.id, actor=STAFF, now=now, amount=Decimal("5"))
        reject(session, case.id, actor=STAFF, now=now, reason="照片不是这单的商品")
    with app_db.session() as session:
        assert coupons(session, case.id) == [(Decimal("5.00"), "goodwill", "revoked")]
        assert "coupon.revoked" in staff_actions(session)


def test_a_decided_case_cannot_be_rejected(app_db, policy, now) -> None:
    case = auto_approved_case(app_db, policy, now)
    error = refused(app_db, case.id, InvalidTransition, lambda session: reject(
        session, case.id, actor=STAFF, now=now, reason="不同意"))
    assert error.target is CaseState.REJECTED
    closed = row_id(app_db, "R0901")
    error = refused(app_db, closed, InvalidTransition, lambda session: reject(
        session, closed, actor=STAFF, now=now, reason="不同意"))
    assert error.state is CaseState.CLOSED


# ---------------------------------------------------------------- coupons


def test_a_goodwill_coupon_for_the_customer(app_db, policy, now) -> None:
    case = leader_case(policy, now)
    with unit_of_work() as session:
        coupon = issue_coupon(session, case.id, actor=STAFF, now=now, amount=Decimal("8.5"))
        view = case_by_ref(session, case.ref)
    assert (coupon.amount, coupon.kind, coupon.case_ref) == (Decimal("8.50"), "goodwill", case.ref)
    assert coupon.code.startswith("CP") and len(coupon.code) == 12
    assert coupon.expires_at == now + timedelta(days=COUPON_VALID_DAYS)
    assert view.state is CaseState.LEADER_REVIEW
    assert (view.events[-1].kind, view.events[-1].actor) == ("coupon", STAFF)
    assert "给您发了一张优惠券" in case_report(view)
    with app_db.session() as session:
        stored = session.scalars(select(Coupon).where(Coupon.code == coupon.code)).one()
        assert (stored.customer_id, stored.state) == (customer_id(session, "demo-1"), "issued")
        assert staff_actions(session) == ["coupon.issued", "case.coupon"]


def test_a_coupon_on_a_closed_case_but_not_a_withdrawn_one(app_db, policy, now) -> None:
    with unit_of_work() as session:
        coupon = issue_coupon(session, row_id(app_db, "R0901"), actor=STAFF, now=now,
                              amount=COUPON_LIMIT, kind="compensation")
        assert coupon.customer_id == customer_id(session, "demo-5")
    case = leader_case(policy, now)
    with unit_of_work() as session:
        cancel_case(session, customer_id(session, "demo-1"), case.ref, now, "customer:demo-1")
    error = refused(app_db, case.id, CaseNotOpen, lambda session: issue_coupon(
        session, case.id, actor=STAFF, now=now, amount=Decimal("5")))
    assert error.state is CaseState.CANCELLED


@pytest.mark.parametrize("amount", [
    Decimal("0"), Decimal("-5"), COUPON_LIMIT + Decimal("0.01"), Decimal("0.005"), 5.0,
])
def test_coupon_amounts_are_bounded(app_db, policy, now, amount) -> None:
    case = leader_case(policy, now)
    refused(app_db, case.id, AmountInvalid, lambda session: issue_coupon(
        session, case.id, actor=STAFF, now=now, amount=amount))


def test_coupon_kinds_are_known(app_db, policy, now) -> None:
    case = leader_case(policy, now)
    refused(app_db, case.id, ValueError, lambda session: issue_coupon(
        session, case.id, actor=STAFF, now=now, amount=Decimal("5"), kind="cash"))
