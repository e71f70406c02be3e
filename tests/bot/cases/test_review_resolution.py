"""Staff changing a case's resolution (before and after the decision), and the audit trail
every staff change leaves."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.cases import CaseNotOpen, InvalidTransition
from bot.cases.review import approve, change_resolution, issue_coupon, reject
from bot.db import AuditEntry
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason, Resolution
from bot.refunds.balance import balance_of
from tests.bot.cases.claims import customer_id
from tests.bot.cases.staff_review import (
    STAFF,
    auto_approved_case,
    coupons,
    leader_case,
    platform_case,
    refunds,
    refused,
    row_id,
    snapshot,
    staff_actions,
)

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
