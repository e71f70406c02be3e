"""Opening cases: decisions, money, attribution, audit, and what is refused."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.cases import (
    ClaimDraft,
    ClaimIncomplete,
    ClaimRefused,
    LineNotFound,
    QuantityInvalid,
    open_case,
)
from bot.db import (
    AuditEntry,
    Coupon,
    Evidence,
    Product,
    Refund,
    ReturnCase,
    Supplier,
    SupplierIncident,
)
from bot.db.session import unit_of_work
from bot.enums import CaseState, Category, Reason, Resolution, Review
from tests.bot.cases.claims import (
    count,
    customer_id,
    line,
    missing_claim,
    photo,
    row,
    strawberry_claim,
)

# ---------------------------------------------------------------- opening


def test_clear_quality_claim_is_approved_with_refund_and_coupon(app_db, policy, now) -> None:
    with unit_of_work() as session:
        draft = strawberry_claim(session, app_db, now)
        opened = open_case(session, draft, now, policy, actor="customer:demo-1")
    case = opened.case
    assert opened.created
    assert re.fullmatch(r"R\d+", case.ref)
    assert (case.state, case.review, case.reason, case.product_name, case.unit) == (
        CaseState.REFUND_PENDING, Review.AUTO, Reason.SPOILED, "丹东草莓", "盒")
    assert (case.quantity_affected, case.refund_amount, case.compensation) == (
        Decimal("1"), Decimal("29.90"), Decimal("3"))
    assert case.resolution is Resolution.REFUND_ORIGINAL
    with app_db.session() as session:
        refund = session.scalars(select(Refund).where(Refund.case_id == case.id)).one()
        # WeChat Pay is not configured (the embedded default): an agent pays it by hand.
        assert (refund.amount, refund.method, refund.state, refund.manual_reason) == (
            Decimal("29.90"), Resolution.REFUND_ORIGINAL, "manual", "wechat_pay_not_configured")
        assert refund.out_refund_no == f"{case.ref}-1" and refund.paid_at is None
        coupon = session.scalars(select(Coupon).where(Coupon.case_id == case.id)).one()
        assert (coupon.amount, coupon.kind, coupon.state, coupon.customer_id) == (
            Decimal("3"), "compensation", "issued", draft.customer_id)
        assert coupon.expires_at > now + timedelta(days=7)
        assert session.get(Evidence, draft.evidence_id).case_id == case.id


def test_quality_claim_is_attributed_to_supplier_and_batch(app_db, policy, now) -> None:
    with unit_of_work() as session:
        case = open_case(session, strawberry_claim(session, app_db, now), now, policy, "bot").case
    with app_db.session() as session:
        incident = session.scalars(select(SupplierIncident).where(SupplierIncident.case_id == case.id)).one()
        supplier = session.get(Supplier, incident.supplier_id)
        product = session.get(Product, incident.product_id)
        assert (supplier.code, product.sku, incident.batch, incident.reason) == (
            "SUP01", "F001", "2026W47-03", Reason.SPOILED)


def test_timeline_says_who_did_what(app_db, policy, now) -> None:
    with unit_of_work() as session:
        case = open_case(session, strawberry_claim(session, app_db, now), now, policy,
                         actor="customer:demo-1").case
    assert [(e.kind, e.to_state, e.actor) for e in case.events] == [
        ("created", CaseState.SUBMITTED, "customer:demo-1"),
        ("state", CaseState.APPROVED, "bot"),
        ("state", CaseState.REFUND_PENDING, "bot"),
        ("refund_manual", None, "bot"),
    ]
    assert all(e.at == now for e in case.events)
    assert [e.from_state for e in case.events] == [
        None, CaseState.SUBMITTED, CaseState.APPROVED, None]


def test_every_change_is_audited(app_db, policy, now) -> None:
    with unit_of_work() as session:
        case = open_case(session, strawberry_claim(session, app_db, now), now, policy,
                         actor="customer:demo-1").case
    with app_db.session() as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "return_case", AuditEntry.entity_id == str(case.id))
            .order_by(AuditEntry.id)
        ).all()
    assert [(a.actor, a.action, a.detail["to_state"]) for a in entries] == [
        ("customer:demo-1", "case.created", "submitted"),
        ("bot", "case.state", "approved"),
        ("bot", "case.state", "refund_pending"),
        ("bot", "case.refund_manual", None),
    ]
    assert all(a.detail["ref"] == case.ref for a in entries)


def test_the_same_claim_again_returns_the_open_case(app_db, policy, now) -> None:
    with unit_of_work() as session:
        first = open_case(session, strawberry_claim(session, app_db, now), now, policy, "bot")
    with unit_of_work() as session:
        again = open_case(session, strawberry_claim(session, app_db, now, quantity_affected=Decimal("2")),
                          now + timedelta(minutes=3), policy, "bot")
    assert (again.created, again.case.ref, again.case.quantity_affected) == (
        False, first.case.ref, Decimal("1"))
    with app_db.session() as session:
        line_id = row(session, first.case.ref).order_line_id
        assert count(session, ReturnCase, ReturnCase.order_line_id == line_id) == 1
        assert count(session, Refund) == 1
        assert count(session, Coupon) == 1
        assert count(session, SupplierIncident) == 1


def test_another_reason_on_the_same_line_is_another_case(app_db, policy, now) -> None:
    with unit_of_work() as session:
        spoiled = open_case(session, strawberry_claim(session, app_db, now), now, policy, "bot")
        missing = open_case(session, missing_claim(session, now), now, policy, "bot")
    assert missing.created and missing.case.ref != spoiled.case.ref


def test_missing_item_waits_for_the_leader(app_db, policy, now) -> None:
    with unit_of_work() as session:
        case = open_case(session, missing_claim(session, now), now, policy, "customer:demo-1").case
    assert (case.state, case.review) == (CaseState.LEADER_REVIEW, Review.LEADER)
    # Strawberries are fresh goods: the leader has the fresh deadline, not the general one.
    assert case.review_due_at == now + timedelta(hours=policy.leader_review_hours_for(
        Category.FRESH))
    assert policy.leader_review_hours_for(Category.FRESH) < policy.leader_review_hours
    assert [e.to_state for e in case.events] == [CaseState.SUBMITTED, CaseState.LEADER_REVIEW]
    with app_db.session() as session:
        assert count(session, Refund, Refund.case_id == case.id) == 0
        assert count(session, Coupon, Coupon.case_id == case.id) == 0


def test_frequent_returner_goes_to_platform_review(app_db, policy, now) -> None:
    # demo-5 already had 4 cases in the last 30 days.
    with unit_of_work() as session:
        draft = ClaimDraft(customer_id(session, "demo-5"), line(session, "demo-5", "丹东蓝莓", now).line_id,
                           Reason.SPOILED, Decimal("1"), evidence_id=photo(session, app_db, "demo-5"))
        case = open_case(session, draft, now, policy, "customer:demo-5").case
    assert (case.state, case.review) == (CaseState.SUBMITTED, Review.PLATFORM)
    assert case.review_due_at == now + timedelta(hours=policy.platform_review_hours)
    assert [e.kind for e in case.events] == ["created"]
    with app_db.session() as session:
        assert "frequent_returns" in row(session, case.ref).risk_flags
        assert count(session, Refund, Refund.case_id == case.id) == 0


def test_a_photo_someone_else_sent_goes_to_platform_review(app_db, policy, now) -> None:
    with unit_of_work() as session:
        photo(session, app_db, "demo-2")  # the same picture, sent earlier by another customer
        case = open_case(session, strawberry_claim(session, app_db, now), now, policy, "bot").case
    assert (case.state, case.review) == (CaseState.SUBMITTED, Review.PLATFORM)
    with app_db.session() as session:
        assert "photo_reused" in row(session, case.ref).risk_flags


def test_no_reason_return_needs_the_leader_and_blames_no_supplier(app_db, policy, now) -> None:
    with unit_of_work() as session:
        draft = strawberry_claim(session, app_db, now, reason=Reason.NO_REASON, evidence_id=None,
                                 unopened=True)
        case = open_case(session, draft, now, policy, "bot").case
    assert case.state is CaseState.LEADER_REVIEW and case.compensation == 0
    with app_db.session() as session:
        assert count(session, SupplierIncident) == 0


def test_expired_claim_is_refused_and_nothing_written(app_db, policy, now) -> None:
    # demo-2 picked up the strawberries 3 days ago; fresh goods have 24 hours.
    with unit_of_work() as session:
        cases_before, audit_before = count(session, ReturnCase), count(session, AuditEntry)
        draft = ClaimDraft(customer_id(session, "demo-2"), line(session, "demo-2", "丹东草莓", now).line_id,
                           Reason.SPOILED, Decimal("1"))
        with pytest.raises(ClaimRefused) as refused:
            open_case(session, draft, now, policy, "bot")
        assert "expired" in refused.value.decision.rule_id
        assert not refused.value.decision.eligible
        assert "3天前" in refused.value.decision.explanation
    with app_db.session() as session:
        assert (count(session, ReturnCase), count(session, AuditEntry)) == (cases_before, audit_before)


def test_photo_required_but_missing(app_db, policy, now) -> None:
    with unit_of_work() as session:
        cases_before = count(session, ReturnCase)
        with pytest.raises(ClaimIncomplete) as incomplete:
            open_case(session, strawberry_claim(session, app_db, now, evidence_id=None), now, policy, "bot")
        assert incomplete.value.missing == ("photo",)
    with app_db.session() as session:
        assert count(session, ReturnCase) == cases_before


def test_someone_elses_line_is_not_found(app_db, policy, now) -> None:
    with unit_of_work() as session:
        theirs = line(session, "demo-1", "丹东草莓", now).line_id
        with pytest.raises(LineNotFound):
            open_case(session, ClaimDraft(customer_id(session, "demo-2"), theirs, Reason.MISSING, Decimal("1")),
                      now, policy, "bot")


def test_someone_elses_line_with_an_open_case_is_not_found(app_db, policy, now) -> None:
    with unit_of_work() as session:
        open_case(session, missing_claim(session, now), now, policy, "customer:demo-1")
    with unit_of_work() as session:
        theirs = line(session, "demo-1", "丹东草莓", now).line_id
        with pytest.raises(LineNotFound):
            open_case(session, ClaimDraft(customer_id(session, "demo-2"), theirs, Reason.MISSING, Decimal("1")),
                      now, policy, "customer:demo-2")


def test_a_photo_that_is_not_the_customers_does_not_count(app_db, policy, now) -> None:
    with unit_of_work() as session:
        others = photo(session, app_db, "demo-3", color=(9, 9, 9))
        with pytest.raises(ClaimIncomplete):
            open_case(session, strawberry_claim(session, app_db, now, evidence_id=others), now, policy, "bot")


@pytest.mark.parametrize("affected", ["3", "2.01", "0", "-1"])
def test_quantity_must_be_within_what_was_bought(app_db, policy, now, affected: str) -> None:
    with unit_of_work() as session:
        with pytest.raises(QuantityInvalid):
            open_case(session, strawberry_claim(session, app_db, now, quantity_affected=Decimal(affected)),
                      now, policy, "bot")


def test_the_whole_line_when_no_quantity_is_given(app_db, policy, now) -> None:
    with unit_of_work() as session:
        draft = ClaimDraft(customer_id(session, "demo-1"), line(session, "demo-1", "丹东草莓", now).line_id,
                           Reason.MISSING)
        case = open_case(session, draft, now, policy, "bot").case
    assert case.quantity_affected == Decimal("2") and case.refund_amount == Decimal("59.80")
    assert case.review is Review.PLATFORM  # above the leader's ¥30 limit
