"""The leader's first-check decisions (初审): approving, rejecting, the goods' handling,
and the platform overturning a decision (bot/leaders/first_check.py).

The demo's cases are ``tests.bot.leaders.first_check_cases``.
"""
from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.cases import ClaimDraft, cancel_case
from bot.db import AuditEntry, Coupon, LeaderTask, Refund
from bot.db.session import unit_of_work
from bot.enums import CaseState, Disposition, Reason, Resolution, Review
from bot.leaders.check_errors import (
    AlreadyDecided,
    NoSuchCase,
    NotApproved,
    NotForFirstCheck,
    NotYourPickupPoint,
    ReasonRequired,
    ReasonTooLong,
    TaskClosed,
    UnknownLeader,
)
from bot.leaders.first_check import confirm_disposition, decide, mark_overturned
from tests.bot.cases.claims import count, customer_id, line, strawberry_claim
from tests.bot.leaders.first_check_cases import (
    APPROVED,
    REJECTED,
    TO_PLATFORM,
    audit_actions,
    case_row,
    leader_of,
    missing_rice,
    missing_strawberries,
    opened,
    snapshot,
    task_of,
    task_row,
    unwanted_detergent,
)

# ---------------------------------------------------------------- decisions


def test_an_approval_within_the_limit_refunds_the_customer(app_db, policy, now):
    case = missing_strawberries(policy, now)
    task_id = task_of(case, policy, now)
    leader = leader_of("PP01")
    decided_at = now + timedelta(minutes=20)
    with unit_of_work() as session:
        done = decide(session, leader, case.ref.lower(), APPROVED, now=decided_at, policy=policy,
                      reason="确实少了一盒")
    assert (done.outcome, done.task_id, done.refund_amount) == (APPROVED, task_id, Decimal("29.90"))
    assert done.case.state is CaseState.REFUND_PENDING
    assert done.needs_disposition is False, "nothing came back: the box was missing"
    assert "¥29.90" in done.leader_text and "退款已经提交" in done.leader_text
    with unit_of_work() as session:
        refunds = session.scalars(select(Refund).where(Refund.case_id == case.id)).all()
        # No WeChat Pay configured (the embedded default): an agent pays it by hand.
        assert [(r.amount, r.method, r.state) for r in refunds] == [
            (Decimal("29.90"), Resolution.REFUND_ORIGINAL, "manual")]
        coupons = session.scalars(select(Coupon).where(Coupon.case_id == case.id)).all()
        assert [(c.kind, c.amount) for c in coupons] == [("compensation", Decimal("3.00"))]
    approval = next(e for e in done.case.events if e.to_state is CaseState.APPROVED)
    assert (approval.actor, approval.note) == (f"leader:{leader}", "确实少了一盒")
    task = task_row(task_id)
    assert (task.decision, task.decided_at, task.decision_note) == (
        APPROVED, decided_at, "确实少了一盒")
    assert "leader_task.decided" in audit_actions("leader_task.")


def test_approving_returned_goods_asks_how_they_were_handled(app_db, policy, now):
    case = unwanted_detergent(policy, now)
    with unit_of_work() as session:
        done = decide(session, leader_of("PP01"), case.ref, APPROVED, now=now, policy=policy)
    assert done.needs_disposition is True
    assert "随返程车带回" in done.leader_text and "1. 现场处理" in done.leader_text


def test_an_approval_above_the_limit_goes_to_the_platform(app_db, policy, now):
    case = missing_rice(policy, now)
    task_id = task_of(case, policy, now)
    with unit_of_work() as session:
        done = decide(session, leader_of("PP02"), case.ref, APPROVED, now=now + timedelta(hours=1),
                      policy=policy, reason="点过了，确实没有")
    assert done.outcome is TO_PLATFORM and done.needs_disposition is False
    assert (done.case.state, done.case.review) == (CaseState.SUBMITTED, Review.PLATFORM)
    assert done.platform_due_at == case.review_due_at, "the platform's own deadline stands"
    assert "超出您的审批额度 ¥30.00" in done.leader_text and "¥39.90" in done.leader_text
    with unit_of_work() as session:
        assert count(session, Refund, Refund.case_id == case.id) == 0, "no money yet"
    event = done.case.events[-1]
    assert event.kind == "to_platform" and event.actor == f"leader:{leader_of('PP02')}"
    assert "¥39.90" in event.note and "点过了，确实没有" in event.note
    task = task_row(task_id)
    assert (task.decision, task.escalated_at) == (TO_PLATFORM, None)
    assert task.decided_at == now + timedelta(hours=1)


def test_a_lower_limit_sends_a_leader_review_case_to_the_platform_queue(app_db, policy, now):
    case = missing_strawberries(policy, now)
    stricter = dataclasses.replace(policy, leader_approval_limit=Decimal("20"))
    later = now + timedelta(minutes=30)
    with unit_of_work() as session:
        done = decide(session, leader_of("PP01"), case.ref, APPROVED, now=later, policy=stricter)
    assert done.outcome is TO_PLATFORM
    assert (done.case.state, done.case.review) == (CaseState.LEADER_REVIEW, Review.PLATFORM)
    assert done.platform_due_at == done.case.review_due_at == later + timedelta(hours=24)


def test_a_rejection_needs_a_reason_and_the_customer_sees_it(app_db, policy, now):
    case = missing_strawberries(policy, now)
    task_id = task_of(case, policy, now)
    leader = leader_of("PP01")
    before = snapshot(case.id)
    for blank in (None, "", "   "):
        with pytest.raises(ReasonRequired) as error, unit_of_work() as session:
            decide(session, leader, case.ref, REJECTED, now=now, policy=policy, reason=blank)
        assert "原因" in error.value.leader_text
    with pytest.raises(ReasonTooLong), unit_of_work() as session:
        decide(session, leader, case.ref, REJECTED, now=now, policy=policy, reason="好" * 201)
    assert snapshot(case.id) == before, "nothing changed"

    with unit_of_work() as session:
        done = decide(session, leader, case.ref, REJECTED, now=now, policy=policy,
                      reason="监控看到两盒都拿走了")
    assert done.outcome is REJECTED and done.case.state is CaseState.REJECTED
    assert done.case.events[-1].note == "监控看到两盒都拿走了"
    assert "监控看到两盒都拿走了" in done.leader_text
    assert task_row(task_id).decision_note == "监控看到两盒都拿走了"


def test_another_pickup_points_case_is_refused_and_nothing_changes(app_db, policy, now):
    theirs = missing_rice(policy, now)       # 翠湖湾
    task_of(theirs, policy, now)
    ours = missing_strawberries(policy, now)  # 阳光花园
    our_leader = leader_of("PP01")
    before = snapshot(theirs.id)
    for attempt in (
        lambda s: decide(s, our_leader, theirs.ref, APPROVED, now=now, policy=policy),
        lambda s: decide(s, our_leader, theirs.ref, REJECTED, now=now, policy=policy,
                         reason="不是我们点的"),
        lambda s: confirm_disposition(s, our_leader, theirs.ref, Disposition.ON_SITE, now),
    ):
        with pytest.raises(NotYourPickupPoint) as error, unit_of_work() as session:
            attempt(session)
        assert error.value.leader_text == f"{theirs.ref} 不是您自提点的售后单，没法在这里处理哦。"
    assert snapshot(theirs.id) == before
    with pytest.raises(NotYourPickupPoint), unit_of_work() as session:
        decide(session, leader_of("PP02"), ours.ref, APPROVED, now=now, policy=policy)
    with unit_of_work() as session:
        assert count(session, LeaderTask, LeaderTask.case_id == ours.id) == 0


def test_deciding_twice_is_a_clear_error(app_db, policy, now):
    case = missing_strawberries(policy, now)
    leader = leader_of("PP01")
    with unit_of_work() as session:
        decide(session, leader, case.ref, APPROVED, now=now, policy=policy)
    before = snapshot(case.id)
    for decision, reason in ((APPROVED, None), (REJECTED, "包装完好")):
        with pytest.raises(AlreadyDecided) as error, unit_of_work() as session:
            decide(session, leader, case.ref, decision, now=now, policy=policy, reason=reason)
        assert error.value.decision is APPROVED
        assert "已经处理过了（已同意）" in error.value.leader_text
    assert snapshot(case.id) == before
    with unit_of_work() as session:
        assert count(session, Refund, Refund.case_id == case.id) == 1, "refunded once"


def test_a_case_the_watcher_has_not_pushed_yet_can_still_be_decided(app_db, policy, now):
    case = missing_strawberries(policy, now)
    with unit_of_work() as session:
        done = decide(session, leader_of("PP01"), case.ref, APPROVED, now=now, policy=policy)
    assert done.outcome is APPROVED
    assert task_row(done.task_id).case_id == case.id


@pytest.mark.parametrize("ref", ["R9999", "", "  ", "hello"])
def test_an_unknown_case_number_is_a_clear_error(app_db, policy, now, ref):
    with pytest.raises(NoSuchCase) as error, unit_of_work() as session:
        decide(session, leader_of("PP01"), ref, APPROVED, now=now, policy=policy)
    assert "没找到售后单" in error.value.leader_text


def test_an_unknown_leader_cannot_decide(app_db, policy, now):
    case = missing_strawberries(policy, now)
    with pytest.raises(UnknownLeader), unit_of_work() as session:
        decide(session, 999, case.ref, APPROVED, now=now, policy=policy)


def test_a_withdrawn_case_is_closed_for_the_leader(app_db, policy, now):
    case = missing_strawberries(policy, now)
    task_id = task_of(case, policy, now)
    with unit_of_work() as session:
        cancel_case(session, customer_id(session, "demo-1"), case.ref, now, "customer")
    with pytest.raises(TaskClosed) as error, unit_of_work() as session:
        decide(session, leader_of("PP01"), case.ref, APPROVED, now=now, policy=policy)
    assert error.value.state is CaseState.CANCELLED and "已撤销" in error.value.leader_text
    assert task_row(task_id).decision is None


def test_cases_that_are_not_the_leaders_to_check_are_refused(app_db, policy, now):
    auto = opened(lambda s: strawberry_claim(s, app_db, now), policy, now)
    unwanted_rice = opened(lambda s: ClaimDraft(
        customer_id(s, "demo-2"), line(s, "demo-2", "东北大米", now).line_id, Reason.NO_REASON,
        unopened=True), policy, now)
    with pytest.raises(TaskClosed), unit_of_work() as session:
        decide(session, leader_of("PP01"), auto.ref, APPROVED, now=now, policy=policy)
    with pytest.raises(NotForFirstCheck), unit_of_work() as session:
        decide(session, leader_of("PP02"), unwanted_rice.ref, APPROVED, now=now, policy=policy)
    with unit_of_work() as session:
        assert count(session, LeaderTask) == 0


def test_the_platform_outcome_is_not_a_leaders_choice(app_db, policy, now):
    case = missing_strawberries(policy, now)
    with pytest.raises(ValueError), unit_of_work() as session:
        decide(session, leader_of("PP01"), case.ref, TO_PLATFORM, now=now, policy=policy)


# ---------------------------------------------------------------- disposition


def test_the_leader_records_how_the_returned_goods_were_handled(app_db, policy, now):
    case = unwanted_detergent(policy, now)
    task_id = task_of(case, policy, now)
    leader = leader_of("PP01")
    with unit_of_work() as session:
        decide(session, leader, case.ref, APPROVED, now=now, policy=policy)
    held = now + timedelta(minutes=10)
    with unit_of_work() as session:
        done = confirm_disposition(session, leader, case.ref, Disposition.RETURN_TRIP, held)
    assert done.changed and done.case.events[-1].kind == "disposition"
    assert done.case.events[-1].note == "return_trip", "as the policy planned"
    assert done.leader_text == f"好的，{case.ref} 已记录：留存，随返程车带回。"
    assert task_row(task_id).disposition_confirmed_at == held

    with unit_of_work() as session:
        again = confirm_disposition(session, leader, case.ref, Disposition.RETURN_TRIP, held)
    assert again.changed is False and len(again.case.events) == len(done.case.events)

    corrected = held + timedelta(minutes=5)
    with unit_of_work() as session:
        fixed = confirm_disposition(session, leader, case.ref, Disposition.ON_SITE, corrected)
    assert fixed.changed and fixed.case.events[-1].note == "return_trip -> on_site"
    assert case_row(case.id).disposition is Disposition.ON_SITE
    assert task_row(task_id).disposition_confirmed_at == corrected
    assert audit_actions("leader_task.disposition") == ["leader_task.disposition_confirmed"] * 2


def test_goods_cannot_be_handled_before_the_case_is_approved(app_db, policy, now):
    case = unwanted_detergent(policy, now)
    leader = leader_of("PP01")
    before = snapshot(case.id)
    with pytest.raises(NotApproved) as error, unit_of_work() as session:
        confirm_disposition(session, leader, case.ref, Disposition.ON_SITE, now)
    assert "还没有同意" in error.value.leader_text
    with unit_of_work() as session:
        decide(session, leader, case.ref, REJECTED, now=now, policy=policy, reason="已经拆封了")
    with pytest.raises(NotApproved), unit_of_work() as session:
        confirm_disposition(session, leader, case.ref, Disposition.ON_SITE, now)
    with pytest.raises(ValueError), unit_of_work() as session:
        confirm_disposition(session, leader, case.ref, Disposition.NONE, now)
    assert snapshot(case.id)[3] == before[3] == Disposition.RETURN_TRIP


def test_goods_of_a_case_the_bot_approved_can_be_handled_too(app_db, policy, now):
    auto = opened(lambda s: strawberry_claim(s, app_db, now), policy, now)
    with unit_of_work() as session:
        done = confirm_disposition(session, leader_of("PP01"), auto.ref, Disposition.ON_SITE, now)
    assert done.changed and done.case.events[-1].actor == f"leader:{leader_of('PP01')}"

# ---------------------------------------------------------------- overturned


def test_a_decision_the_platform_reverses_is_marked_overturned_once(app_db, policy, now):
    ours, theirs = missing_strawberries(policy, now), missing_rice(policy, now)
    with unit_of_work() as session:
        decide(session, leader_of("PP01"), ours.ref, REJECTED, now=now, policy=policy,
               reason="两盒都拿走了")
        decide(session, leader_of("PP02"), theirs.ref, APPROVED, now=now, policy=policy)
    with unit_of_work() as session:
        assert mark_overturned(session, ours.id, now, actor="staff:3", note="监控显示只拿了一盒")
        assert not mark_overturned(session, ours.id, now, actor="staff:3"), "once"
        assert not mark_overturned(session, theirs.id, now, actor="staff:3"), "the platform's own"
    with unit_of_work() as session:
        entry = session.scalars(select(AuditEntry)
                                .where(AuditEntry.action == "leader_task.overturned")).one()
    assert (entry.actor, entry.detail["decision"], entry.detail["note"]) == (
        "staff:3", "rejected", "监控显示只拿了一盒")
