"""Opening, withdrawing and urging return cases against the demo shop (bot/cases)."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cases import (
    CANCELLABLE,
    OPEN,
    TRANSITIONS,
    CaseNotFound,
    CaseNotOpen,
    ClaimDraft,
    ClaimIncomplete,
    ClaimRefused,
    InvalidTransition,
    LineNotFound,
    QuantityInvalid,
    cancel_case,
    customer_cases,
    open_case,
    open_customer_cases,
    transition,
    urge_case,
)
from bot.customers import identify
from bot.db import (
    AuditEntry,
    CaseEvent,
    Coupon,
    Evidence,
    Product,
    Refund,
    ReturnCase,
    Supplier,
    SupplierIncident,
)
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason, Resolution, Review
from bot.evidence import store_photo
from bot.orders import LineView, recent_lines
from bot.policy import Policy, load_policy
from tests.images import png_bytes

S = CaseState


@pytest.fixture
def policy() -> Policy:
    return load_policy()


@pytest.fixture
def now(app_db):
    """A few minutes after seeding: demo-1's strawberries were picked up about an hour ago."""
    return app_db.seeded_at + timedelta(minutes=5)


def customer_id(session: Session, external_id: str) -> int:
    return identify(session, "rest", external_id).id


def line(session: Session, external_id: str, product: str, now) -> LineView:
    lines = recent_lines(session, customer_id(session, external_id), now)
    return next(item for item in lines if item.product_name == product)


def photo(session: Session, app_db, external_id: str, color=(200, 30, 40)) -> int:
    return store_photo(session, png_bytes(color=color), customer_id=customer_id(session, external_id),
                       evidence_dir=app_db.data_dir / "evidence").id


def strawberry_claim(session: Session, app_db, now, **changes) -> ClaimDraft:
    """demo-1: one of two boxes of 丹东草莓 went bad, photo sent, money back to WeChat."""
    fields = dict(
        customer_id=customer_id(session, "demo-1"),
        line_id=line(session, "demo-1", "丹东草莓", now).line_id,
        reason=Reason.SPOILED,
        quantity_affected=Decimal("1"),
        evidence_id=photo(session, app_db, "demo-1"),
        resolution=Resolution.REFUND_ORIGINAL,
        conversation_id="demo-1",
        description="草莓发霉了",
    )
    fields.update(changes)
    return ClaimDraft(**fields)


def missing_claim(session: Session, now) -> ClaimDraft:
    """demo-1: one box of strawberries was not in the bag (no photo needed)."""
    return ClaimDraft(customer_id(session, "demo-1"), line(session, "demo-1", "丹东草莓", now).line_id,
                      Reason.MISSING, Decimal("1"))


def count(session: Session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def row(session: Session, ref: str) -> ReturnCase:
    return session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()


# ---------------------------------------------------------------- opening


def test_clear_quality_claim_is_approved_with_refund_and_coupon(app_db, policy, now) -> None:
    with unit_of_work() as session:
        draft = strawberry_claim(session, app_db, now)
        opened = open_case(session, draft, now, policy, actor="customer:demo-1")
    case = opened.case
    assert opened.created
    assert re.fullmatch(r"R\d+", case.ref)
    assert (case.state, case.review, case.reason, case.product_name, case.unit) == (
        S.REFUND_PENDING, Review.AUTO, Reason.SPOILED, "丹东草莓", "盒")
    assert (case.quantity_affected, case.refund_amount, case.compensation) == (
        Decimal("1"), Decimal("29.90"), Decimal("3"))
    assert case.resolution is Resolution.REFUND_ORIGINAL
    with app_db.session() as session:
        refund = session.scalars(select(Refund).where(Refund.case_id == case.id)).one()
        assert (refund.amount, refund.method, refund.state) == (
            Decimal("29.90"), Resolution.REFUND_ORIGINAL, "pending")
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
        ("created", S.SUBMITTED, "customer:demo-1"),
        ("state", S.APPROVED, "bot"),
        ("state", S.REFUND_PENDING, "bot"),
    ]
    assert all(e.at == now for e in case.events)
    assert [e.from_state for e in case.events] == [None, S.SUBMITTED, S.APPROVED]


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
    assert (case.state, case.review) == (S.LEADER_REVIEW, Review.LEADER)
    assert case.review_due_at == now + timedelta(hours=policy.leader_review_hours)
    assert [e.to_state for e in case.events] == [S.SUBMITTED, S.LEADER_REVIEW]
    with app_db.session() as session:
        assert count(session, Refund, Refund.case_id == case.id) == 0
        assert count(session, Coupon, Coupon.case_id == case.id) == 0


def test_frequent_returner_goes_to_platform_review(app_db, policy, now) -> None:
    # demo-5 already had 4 cases in the last 30 days.
    with unit_of_work() as session:
        draft = ClaimDraft(customer_id(session, "demo-5"), line(session, "demo-5", "丹东蓝莓", now).line_id,
                           Reason.SPOILED, Decimal("1"), evidence_id=photo(session, app_db, "demo-5"))
        case = open_case(session, draft, now, policy, "customer:demo-5").case
    assert (case.state, case.review) == (S.SUBMITTED, Review.PLATFORM)
    assert case.review_due_at == now + timedelta(hours=policy.platform_review_hours)
    assert [e.kind for e in case.events] == ["created"]
    with app_db.session() as session:
        assert "frequent_returns" in row(session, case.ref).risk_flags
        assert count(session, Refund, Refund.case_id == case.id) == 0


def test_a_photo_someone_else_sent_goes_to_platform_review(app_db, policy, now) -> None:
    with unit_of_work() as session:
        photo(session, app_db, "demo-2")  # the same picture, sent earlier by another customer
        case = open_case(session, strawberry_claim(session, app_db, now), now, policy, "bot").case
    assert (case.state, case.review) == (S.SUBMITTED, Review.PLATFORM)
    with app_db.session() as session:
        assert "photo_reused" in row(session, case.ref).risk_flags


def test_no_reason_return_needs_the_leader_and_blames_no_supplier(app_db, policy, now) -> None:
    with unit_of_work() as session:
        draft = strawberry_claim(session, app_db, now, reason=Reason.NO_REASON, evidence_id=None,
                                 unopened=True)
        case = open_case(session, draft, now, policy, "bot").case
    assert case.state is S.LEADER_REVIEW and case.compensation == 0
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


# ---------------------------------------------------------------- withdrawing


def test_cancel_frees_the_claim(app_db, policy, now) -> None:
    with unit_of_work() as session:
        first = open_case(session, missing_claim(session, now), now, policy, "customer:demo-1").case
    later = now + timedelta(minutes=10)
    with unit_of_work() as session:
        cancelled = cancel_case(session, customer_id(session, "demo-1"), first.ref, later, "customer:demo-1")
    assert cancelled.state is S.CANCELLED
    with app_db.session() as session:
        case = row(session, first.ref)
        assert case.open_key is None
        last = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.id.desc())).first()
        assert (last.from_state, last.to_state, last.actor, last.at) == (
            S.LEADER_REVIEW, S.CANCELLED, "customer:demo-1", later)
    with unit_of_work() as session:
        reopened = open_case(session, missing_claim(session, now), later, policy, "customer:demo-1")
    assert reopened.created and reopened.case.ref != first.ref
    assert reopened.case.state is S.LEADER_REVIEW


def test_cancel_accepts_a_lower_case_ref(app_db, policy, now) -> None:
    with unit_of_work() as session:
        ref = open_case(session, missing_claim(session, now), now, policy, "bot").case.ref
        view = cancel_case(session, customer_id(session, "demo-1"), ref.lower(), now, "customer:demo-1")
    assert view.ref == ref and view.state is S.CANCELLED


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
        assert (refused.value.state, refused.value.target) == (S.CANCELLED, S.CANCELLED)
    with app_db.session() as session:
        assert snapshot(session, ref) == before


def test_cancelling_a_closed_case_changes_nothing(app_db, now) -> None:
    with unit_of_work() as session:
        before = snapshot(session, "R0901")
        with pytest.raises(InvalidTransition) as refused:
            cancel_case(session, customer_id(session, "demo-5"), "R0901", now, "customer:demo-5")
        assert refused.value.state is S.CLOSED
    with app_db.session() as session:
        assert snapshot(session, "R0901") == before


def test_a_refund_on_its_way_cannot_be_withdrawn(app_db, policy, now) -> None:
    with unit_of_work() as session:
        ref = open_case(session, strawberry_claim(session, app_db, now), now, policy, "bot").case.ref
        with pytest.raises(InvalidTransition):
            cancel_case(session, customer_id(session, "demo-1"), ref, now, "customer:demo-1")
    with app_db.session() as session:
        assert row(session, ref).state is S.REFUND_PENDING


def test_withdrawing_an_approved_case_takes_back_its_coupon(app_db, policy, now) -> None:
    with unit_of_work() as session:
        draft = strawberry_claim(session, app_db, now, reason=Reason.WRONG_ITEM,
                                 resolution=Resolution.EXCHANGE)
        case = open_case(session, draft, now, policy, "customer:demo-1").case
        assert case.state is S.APPROVED and case.compensation == Decimal("3")
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
        assert case.state is S.LEADER_REVIEW  # urging does not change the state
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
        assert closed.value.state is S.CLOSED
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
            assert view.events[-1].to_state is S.CANCELLED


# ---------------------------------------------------------------- the state machine


@pytest.mark.parametrize(
    ("source", "target"),
    [(S.REFUNDED, S.CANCELLED), (S.REFUND_PENDING, S.CANCELLED), (S.REJECTED, S.CANCELLED),
     (S.CLOSED, S.CANCELLED), (S.CANCELLED, S.SUBMITTED), (S.CLOSED, S.REFUND_PENDING),
     (S.SUBMITTED, S.REFUNDED), (S.REJECTED, S.APPROVED), (S.REFUNDED, S.REFUND_PENDING),
     (S.LEADER_REVIEW, S.REFUND_PENDING)],
)
def test_forbidden_transitions(source: CaseState, target: CaseState) -> None:
    assert target not in TRANSITIONS[source]


@pytest.mark.parametrize(
    ("source", "target"),
    [(S.SUBMITTED, S.LEADER_REVIEW), (S.SUBMITTED, S.APPROVED), (S.LEADER_REVIEW, S.REJECTED),
     (S.APPROVED, S.REFUND_PENDING), (S.REFUND_PENDING, S.REFUNDED), (S.REFUNDED, S.CLOSED),
     (S.REJECTED, S.CLOSED)],
)
def test_allowed_transitions(source: CaseState, target: CaseState) -> None:
    assert target in TRANSITIONS[source]


def test_every_state_is_in_the_table_and_final_states_are_final() -> None:
    assert set(TRANSITIONS) == set(CaseState)
    assert TRANSITIONS[S.CLOSED] == TRANSITIONS[S.CANCELLED] == frozenset()
    assert CANCELLABLE == {S.SUBMITTED, S.LEADER_REVIEW, S.APPROVED}
    assert OPEN == {S.SUBMITTED, S.LEADER_REVIEW, S.APPROVED, S.REFUND_PENDING}


def test_transition_refuses_and_records_nothing(app_db, now) -> None:
    with unit_of_work() as session:
        case = row(session, "R0901")
        events_before = count(session, CaseEvent)
        with pytest.raises(InvalidTransition):
            transition(session, case, S.CANCELLED, actor="leader:1", at=now)
        assert case.state is S.CLOSED
        session.flush()
        assert count(session, CaseEvent) == events_before


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
