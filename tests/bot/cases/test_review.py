"""Staff decisions on cases: approve (in full or in part), reject, coupons, resolution."""
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
    open_case,
    urge_case,
)
from bot.cases.errors import AmountInvalid, NoteInvalid
from bot.cases.opening import COUPON_VALID_DAYS
from bot.cases.review import (
    COUPON_LIMIT,
    approve,
    case_by_ref,
    change_resolution,
    issue_coupon,
    reject,
)
from bot.db import AuditEntry, CaseEvent, Coupon, Refund, ReturnCase
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason, Resolution, Review
from bot.refunds.balance import balance_of
from bot.reports import case_report
from tests.bot.cases.claims import (
    count,
    customer_id,
    line,
    missing_claim,
    photo,
    row,
    strawberry_claim,
)

STAFF = "staff:3"


# ---------------------------------------------------------------- helpers


def leader_case(policy, now):
    """demo-1 says one of two boxes of strawberries (¥29.90 each) was missing: leader review."""
    with unit_of_work() as session:
        case = open_case(session, missing_claim(session, now), now, policy, "customer:demo-1").case
    assert (case.state, case.refund_amount, case.compensation) == (
        CaseState.LEADER_REVIEW, Decimal("29.90"), Decimal("3"))
    return case


def platform_case(app_db, policy, now, **changes):
    """demo-1: both boxes of strawberries spoiled (¥59.80, above the leaders' limit)."""
    with unit_of_work() as session:
        draft = strawberry_claim(session, app_db, now, quantity_affected=Decimal("2"), **changes)
        case = open_case(session, draft, now, policy, "customer:demo-1").case
    assert (case.state, case.review, case.refund_amount) == (
        CaseState.SUBMITTED, Review.PLATFORM, Decimal("59.80"))
    return case


def auto_approved_case(app_db, policy, now):
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


def refused(app_db, case_id: int, error: type[Exception], call) -> Exception:
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


# ---------------------------------------------------------------- approving


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


def row_id(app_db, ref: str) -> int:
    with app_db.session() as session:
        return row(session, ref).id


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


# ---------------------------------------------------------------- resolution


def test_changing_the_resolution_before_a_decision(app_db, policy, now) -> None:
    case = leader_case(policy, now)
    with unit_of_work() as session:
        view = change_resolution(session, case.id, actor=STAFF, now=now,
                                 resolution=Resolution.COUPON)
    assert view.resolution is Resolution.COUPON and view.state is CaseState.LEADER_REVIEW
    assert (view.events[-1].kind, view.events[-1].note) == (
        "resolution", "refund_original -> coupon")
    with unit_of_work() as session:
        view = approve(session, case.id, actor=STAFF, now=now)
    with app_db.session() as session:
        # Paid at once as a coupon of the same value, besides the compensation coupon.
        assert refunds(session, case.id) == [(Decimal("29.90"), Resolution.COUPON, "succeeded")]
        assert coupons(session, case.id) == [(Decimal("3"), "compensation", "issued"),
                                             (Decimal("29.90"), "refund", "issued")]
        assert staff_actions(session)[0] == "case.resolution"
    assert view.state is CaseState.REFUNDED


def test_the_same_resolution_again_records_nothing(app_db, policy, now) -> None:
    case = leader_case(policy, now)
    with app_db.session() as session:
        before = snapshot(session, case.id)
    with unit_of_work() as session:
        view = change_resolution(session, case.id, actor=STAFF, now=now,
                                 resolution=Resolution.REFUND_ORIGINAL)
    assert view.resolution is Resolution.REFUND_ORIGINAL
    with app_db.session() as session:
        assert snapshot(session, case.id) == before


def test_a_pending_refund_follows_the_new_method(app_db, policy, now) -> None:
    case = auto_approved_case(app_db, policy, now)
    with unit_of_work() as session:
        view = change_resolution(session, case.id, actor=STAFF, now=now,
                                 resolution=Resolution.REFUND_BALANCE)
    # It waited for a manual payout; to the store balance it is paid at once.
    assert (view.state, view.resolution) == (CaseState.REFUNDED, Resolution.REFUND_BALANCE)
    with app_db.session() as session:
        assert refunds(session, case.id) == [
            (Decimal("29.90"), Resolution.REFUND_BALANCE, "succeeded")]
        assert staff_actions(session) == ["case.resolution", "refund.changed",
                                          "balance.credited", "refund.succeeded",
                                          "case.refund_balance", "case.state"]
        assert balance_of(session, customer_id(session, "demo-1")) == Decimal("29.90")


def test_a_requested_refund_cannot_become_an_exchange(app_db, policy, now) -> None:
    case = auto_approved_case(app_db, policy, now)
    error = refused(app_db, case.id, InvalidTransition, lambda session: change_resolution(
        session, case.id, actor=STAFF, now=now, resolution=Resolution.EXCHANGE))
    assert error.state is CaseState.REFUND_PENDING


def test_an_approved_exchange_can_become_a_refund(app_db, policy, now) -> None:
    case = platform_case(app_db, policy, now, reason=Reason.WRONG_ITEM,
                         resolution=Resolution.EXCHANGE)
    with unit_of_work() as session:
        approve(session, case.id, actor=STAFF, now=now)
    with unit_of_work() as session:
        view = change_resolution(session, case.id, actor=STAFF, now=now,
                                 resolution=Resolution.REFUND_BALANCE)
    assert view.state is CaseState.REFUNDED
    with app_db.session() as session:
        assert refunds(session, case.id) == [
            (Decimal("59.80"), Resolution.REFUND_BALANCE, "succeeded")]
        assert coupons(session, case.id) == [(Decimal("3"), "compensation", "issued")]
        assert staff_actions(session)[-7:] == [
            "case.resolution", "refund.requested", "case.state", "balance.credited",
            "refund.succeeded", "case.refund_balance", "case.state"]


@pytest.mark.parametrize("ref", ["R0901", "rejected"])
def test_a_finished_case_keeps_its_resolution(app_db, policy, now, ref) -> None:
    if ref == "rejected":
        case = leader_case(policy, now)
        with unit_of_work() as session:
            reject(session, case.id, actor=STAFF, now=now, reason="核实无误")
        case_id = case.id
    else:
        case_id = row_id(app_db, ref)
    refused(app_db, case_id, CaseNotOpen, lambda session: change_resolution(
        session, case_id, actor=STAFF, now=now, resolution=Resolution.COUPON))


# ---------------------------------------------------------------- audit


def test_every_staff_change_is_audited_under_the_staff_actor(app_db, policy, now) -> None:
    case = leader_case(policy, now)
    with unit_of_work() as session:
        change_resolution(session, case.id, actor=STAFF, now=now,
                          resolution=Resolution.REFUND_BALANCE)
        issue_coupon(session, case.id, actor=STAFF, now=now, amount=Decimal("2"))
        approve(session, case.id, actor=STAFF, now=now, amount=Decimal("20"))
    with app_db.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.actor == STAFF)
                                  .order_by(AuditEntry.id)).all()
    assert [(e.action, e.entity) for e in entries] == [
        ("case.resolution", "return_case"),
        ("coupon.issued", "coupon"), ("case.coupon", "return_case"),
        ("case.state", "return_case"), ("coupon.issued", "coupon"),
        ("refund.requested", "refund"), ("case.state", "return_case"),
        ("balance.credited", "balance_entry"), ("refund.succeeded", "refund"),
        ("case.refund_balance", "return_case"), ("case.state", "return_case"),
    ]
    assert all(e.detail["ref"] == case.ref for e in entries)
    assert entries[5].detail["amount"] == entries[7].detail["amount"] == "20.00"
    assert [e.detail["to_state"] for e in entries if e.action == "case.state"] == [
        "approved", "refund_pending", "refunded"]
