"""Staff approving cases: in full or in part, the amount's limits, exchanges, what cannot be
approved."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.cases import (
    CaseNotFound,
    ClaimDraft,
    InvalidTransition,
    cancel_case,
    open_case,
    urge_case,
)
from bot.cases.errors import AmountInvalid, NoteInvalid
from bot.cases.opening import COUPON_VALID_DAYS
from bot.cases.review import approve, case_by_ref
from bot.db import Coupon
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason, Resolution
from bot.refunds.balance import balance_of
from bot.reports import case_report
from tests.bot.cases.claims import customer_id, line, photo, row
from tests.bot.cases.staff_review import (
    STAFF,
    coupons,
    leader_case,
    platform_case,
    refunds,
    refused,
    staff_actions,
)


def test_approving_in_full_pays_like_the_bot_would(app_db, policy, now) -> None:
    case = leader_case(policy, now)
    later = now + timedelta(hours=1)
    with unit_of_work() as session:
        view = approve(session, case.id, actor=STAFF, now=later)
    assert (view.state, view.refund_amount, view.review_due_at) == (
        CaseState.REFUND_PENDING, Decimal("29.90"), None)
    assert [(e.kind, e.from_state, e.to_state, e.actor, e.at) for e in view.events[-3:]] == [
        ("state", CaseState.LEADER_REVIEW, CaseState.APPROVED, STAFF, later),
        ("state", CaseState.APPROVED, CaseState.REFUND_PENDING, STAFF, later),
        ("refund_manual", None, None, STAFF, later),  # no WeChat Pay: paid by hand
    ]
    with app_db.session() as session:
        assert refunds(session, case.id) == [
            (Decimal("29.90"), Resolution.REFUND_ORIGINAL, "manual")]
        coupon = session.scalars(select(Coupon).where(Coupon.case_id == case.id)).one()
        assert (coupon.amount, coupon.kind, coupon.state, coupon.customer_id) == (
            Decimal("3"), "compensation", "issued", customer_id(session, "demo-1"))
        assert coupon.expires_at == later + timedelta(days=COUPON_VALID_DAYS)
        assert staff_actions(session) == [
            "case.state", "coupon.issued", "refund.requested", "case.state", "refund.manual",
            "case.refund_manual"]


def test_a_case_for_platform_review_is_approved_too(app_db, policy, now) -> None:
    with unit_of_work() as session:
        draft = ClaimDraft(customer_id(session, "demo-5"),
                           line(session, "demo-5", "丹东蓝莓", now).line_id, Reason.SPOILED,
                           Decimal("1"), evidence_id=photo(session, app_db, "demo-5"),
                           resolution=Resolution.REFUND_BALANCE)
        case = open_case(session, draft, now, policy, "customer:demo-5").case
    assert case.state is CaseState.SUBMITTED
    with unit_of_work() as session:
        view = approve(session, case.id, actor=STAFF, now=now, note="照片清楚，确认发霉")
    # A store-balance refund is paid at once: the case is refunded.
    assert view.state is CaseState.REFUNDED
    assert [e.kind for e in view.events[-3:]] == ["state", "refund_balance", "state"]
    assert view.events[-4].note == "照片清楚，确认发霉"
    with app_db.session() as session:
        assert refunds(session, case.id) == [
            (Decimal("19.90"), Resolution.REFUND_BALANCE, "succeeded")]
        assert balance_of(session, customer_id(session, "demo-5")) == Decimal("19.90")


def test_approving_after_the_deadline_does_not_make_later_urging_overdue(
        app_db, policy, now) -> None:
    case = leader_case(policy, now)
    after_deadline = case.review_due_at + timedelta(hours=1)
    with unit_of_work() as session:
        approve(session, case.id, actor=STAFF, now=after_deadline)
        urged = urge_case(session, customer_id(session, "demo-1"), case.ref,
                          after_deadline + timedelta(minutes=5), "customer:demo-1")
    assert (urged.overdue, urged.case.escalated) == (False, False)


def test_partial_approval_refunds_the_amount_given_and_says_so(app_db, policy, now) -> None:
    case = leader_case(policy, now)
    with unit_of_work() as session:
        view = approve(session, case.id, actor=STAFF, now=now, amount=Decimal("10"),
                       note="  团长核实只少了半盒  ")
    assert (view.state, view.refund_amount) == (CaseState.REFUND_PENDING, Decimal("10.00"))
    approved = view.events[-3]
    assert approved.to_state is CaseState.APPROVED
    assert approved.note == "部分退款 ¥10.00（申请 ¥29.90）；团长核实只少了半盒"
    assert view.events[-2].note == "refund 10.00"
    assert "退款¥10.00" in case_report(view)
    with app_db.session() as session:
        assert refunds(session, case.id) == [
            (Decimal("10.00"), Resolution.REFUND_ORIGINAL, "manual")]
        assert row(session, case.ref).refund_amount == Decimal("10.00")


def test_up_to_the_whole_line_may_be_refunded(app_db, policy, now) -> None:
    case = leader_case(policy, now)  # one of the two boxes
    with unit_of_work() as session:
        view = approve(session, case.id, actor=STAFF, now=now, amount=Decimal("59.80"))
    assert view.refund_amount == Decimal("59.80")
    assert view.events[-3].note == "调整退款 ¥59.80（申请 ¥29.90）"


@pytest.mark.parametrize("amount", [
    Decimal("0"), Decimal("-1"), Decimal("59.81"), Decimal("1000"), Decimal("0.001"),
    Decimal("NaN"), Decimal("Infinity"), 10.5, "10",
])
def test_an_amount_beyond_what_was_paid_changes_nothing(app_db, policy, now, amount) -> None:
    case = leader_case(policy, now)
    error = refused(app_db, case.id, AmountInvalid, lambda session: approve(
        session, case.id, actor=STAFF, now=now, amount=amount))
    assert error.limit == Decimal("59.80")


def test_a_line_is_not_refunded_twice_over_by_two_cases(app_db, policy, now) -> None:
    spoiled = platform_case(app_db, policy, now)      # both boxes spoiled: ¥59.80
    missing = leader_case(policy, now)                # ... and one of them missing: ¥29.90
    with unit_of_work() as session:
        approve(session, spoiled.id, actor=STAFF, now=now)
    error = refused(app_db, missing.id, AmountInvalid,
                    lambda session: approve(session, missing.id, actor=STAFF, now=now))
    assert error.limit == Decimal("0")
    refused(app_db, missing.id, AmountInvalid, lambda session: approve(
        session, missing.id, actor=STAFF, now=now, amount=Decimal("0.01")))


def test_approving_twice_is_refused(app_db, policy, now) -> None:
    case = leader_case(policy, now)
    with unit_of_work() as session:
        approve(session, case.id, actor=STAFF, now=now)
    error = refused(app_db, case.id, InvalidTransition, lambda session: approve(
        session, case.id, actor="staff:4", now=now + timedelta(minutes=1)))
    assert (error.state, error.target) == (CaseState.REFUND_PENDING, CaseState.APPROVED)
    with app_db.session() as session:
        assert len(refunds(session, case.id)) == 1 and len(coupons(session, case.id)) == 1


def test_a_withdrawn_case_cannot_be_approved(app_db, policy, now) -> None:
    case = leader_case(policy, now)
    with unit_of_work() as session:
        cancel_case(session, customer_id(session, "demo-1"), case.ref, now, "customer:demo-1")
    error = refused(app_db, case.id, InvalidTransition,
                    lambda session: approve(session, case.id, actor=STAFF, now=now))
    assert error.state is CaseState.CANCELLED


def test_an_approved_note_is_limited(app_db, policy, now) -> None:
    case = leader_case(policy, now)
    refused(app_db, case.id, NoteInvalid, lambda session: approve(
        session, case.id, actor=STAFF, now=now, note="很" * 201))


def test_an_approved_exchange_has_no_refund(app_db, policy, now) -> None:
    case = platform_case(app_db, policy, now, reason=Reason.WRONG_ITEM,
                         resolution=Resolution.EXCHANGE)
    with unit_of_work() as session:
        view = approve(session, case.id, actor=STAFF, now=now)
    assert view.state is CaseState.APPROVED
    with app_db.session() as session:
        assert refunds(session, case.id) == []
        assert coupons(session, case.id) == [(Decimal("3"), "compensation", "issued")]


def test_an_exchange_takes_no_refund_amount(app_db, policy, now) -> None:
    with unit_of_work() as session:
        draft = ClaimDraft(customer_id(session, "demo-5"),
                           line(session, "demo-5", "丹东蓝莓", now).line_id, Reason.WRONG_ITEM,
                           Decimal("1"), evidence_id=photo(session, app_db, "demo-5"),
                           resolution=Resolution.EXCHANGE)
        case = open_case(session, draft, now, policy, "customer:demo-5").case
    assert (case.state, case.resolution) == (CaseState.SUBMITTED, Resolution.EXCHANGE)
    refused(app_db, case.id, AmountInvalid, lambda session: approve(
        session, case.id, actor=STAFF, now=now, amount=Decimal("5")))


def test_unknown_cases(app_db, now) -> None:
    with unit_of_work() as session:
        with pytest.raises(CaseNotFound):
            approve(session, 99999, actor=STAFF, now=now)
        with pytest.raises(CaseNotFound):
            case_by_ref(session, "R99999")
        assert case_by_ref(session, " r0901 ").state is CaseState.CLOSED
