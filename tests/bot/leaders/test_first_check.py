"""The first check (初审): tasks for the pickup point's leader, their deadlines, the
leader's decisions, the goods' handling and the leader's figures.

Cases are opened the way customers open them (``open_case`` on the demo shop): demo-1
(王小美) and demo-4 collect at 阳光花园 (PP01, leader 刘芳), demo-2 (李建华) at 翠湖湾
(PP02, leader 陈建国).
"""
from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.cases import ClaimDraft, cancel_case, open_case
from bot.cases.views import CaseView
from bot.db import (
    AuditEntry,
    CaseEvent,
    Coupon,
    Evidence,
    LeaderTask,
    PickupPoint,
    Refund,
    ReturnCase,
    TaskDecision,
)
from bot.db.session import unit_of_work
from bot.enums import CaseState, Disposition, Reason, Resolution, Review
from bot.leaders.check_errors import (
    AlreadyDecided,
    NoSuchCase,
    NoSuchTask,
    NotApproved,
    NotForFirstCheck,
    NotYourPickupPoint,
    ReasonRequired,
    ReasonTooLong,
    TaskClosed,
    UnknownLeader,
)
from bot.leaders.first_check import confirm_disposition, decide, mark_overturned
from bot.leaders.performance import leader_performance
from bot.leaders.tasks import (
    cases_needing_task,
    escalate,
    mark_notified,
    mark_reminded,
    open_task,
    open_tasks,
    task_card,
    tasks_to_escalate,
    tasks_to_notify,
    tasks_to_remind,
)
from bot.messages import LEADER_CHECK
from bot.policy import Policy, load_policy
from tests.bot.cases.claims import (
    count,
    customer_id,
    line,
    missing_claim,
    photo,
    strawberry_claim,
)

APPROVED, REJECTED, TO_PLATFORM = (TaskDecision.APPROVED, TaskDecision.REJECTED,
                                   TaskDecision.TO_PLATFORM)


@pytest.fixture
def policy() -> Policy:
    return load_policy()


@pytest.fixture
def now(app_db):
    """A few minutes after seeding: demo-1's strawberries were picked up about an hour ago."""
    return app_db.seeded_at + timedelta(minutes=5)


# ---------------------------------------------------------------- the demo's cases


def leader_of(point: str) -> int:
    with unit_of_work() as session:
        return session.scalars(select(PickupPoint).where(PickupPoint.code == point)).one().leader.id


def opened(draft_of, policy, now, actor="customer") -> CaseView:
    with unit_of_work() as session:
        return open_case(session, draft_of(session), now, policy, actor).case


def missing_strawberries(policy, now) -> CaseView:
    """demo-1: one of two boxes of 丹东草莓 (¥29.90) was not in the bag: leader review."""
    case = opened(lambda s: missing_claim(s, now), policy, now)
    assert (case.state, case.review, case.refund_amount) == (
        CaseState.LEADER_REVIEW, Review.LEADER, Decimal("29.90"))
    return case


def unwanted_detergent(policy, now) -> CaseView:
    """demo-1: an unopened bottle of 洗衣液 (standard goods, ¥29.90), not wanted after all."""
    case = opened(lambda s: ClaimDraft(
        customer_id(s, "demo-1"), line(s, "demo-1", "洗衣液", now).line_id, Reason.NO_REASON,
        unopened=True, resolution=Resolution.REFUND_BALANCE, description="买重了，还没拆",
    ), policy, now)
    assert (case.state, case.review) == (CaseState.LEADER_REVIEW, Review.LEADER)
    return case


def missing_rice(policy, now) -> CaseView:
    """demo-2 (翠湖湾): the bag of 东北大米 (¥39.90) is missing: above the leaders' limit, so
    the platform decides, but the leader counts the goods first."""
    case = opened(lambda s: ClaimDraft(
        customer_id(s, "demo-2"), line(s, "demo-2", "东北大米", now).line_id, Reason.MISSING,
        description="大米没拿到",
    ), policy, now)
    assert (case.state, case.review, case.refund_amount) == (
        CaseState.SUBMITTED, Review.PLATFORM, Decimal("39.90"))
    return case


def task_of(case: CaseView, policy, now) -> int:
    with unit_of_work() as session:
        return open_task(session, case.id, now, policy).id


def task_row(task_id: int) -> LeaderTask:
    with unit_of_work() as session:
        return session.get(LeaderTask, task_id)


def case_row(case_id: int) -> ReturnCase:
    with unit_of_work() as session:
        case = session.get(ReturnCase, case_id)
        case.events  # noqa: B018 (loaded for use after the session)
        return case


def audit_actions(action_prefix: str = "") -> list[str]:
    with unit_of_work() as session:
        return [a for a in session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
                if a.startswith(action_prefix)]


def snapshot(case_id: int) -> tuple:
    """Everything a leader's request could change about a case."""
    with unit_of_work() as session:
        case = session.get(ReturnCase, case_id)
        task = session.scalars(select(LeaderTask).where(LeaderTask.case_id == case_id)).first()
        return (case.state, case.review, case.review_due_at, case.disposition,
                count(session, CaseEvent, CaseEvent.case_id == case_id),
                count(session, AuditEntry), count(session, Refund, Refund.case_id == case_id),
                task and (task.decision, task.decided_at, task.disposition_confirmed_at))


# ---------------------------------------------------------------- opening tasks


def test_missing_fresh_goods_become_one_task_for_the_points_leader_due_in_two_hours(
        app_db, policy, now):
    case = missing_strawberries(policy, now)
    later = now + timedelta(minutes=1)
    with unit_of_work() as session:
        first = open_task(session, case.id, later, policy)
        again = open_task(session, case.id, later + timedelta(minutes=5), policy)
        assert again is first
    task = task_row(first.id)
    assert task.leader_id == leader_of("PP01")
    assert task.due_at == case.created_at + timedelta(hours=2), "fresh goods: 2 hours"
    assert task.created_at == later and task.decision is None
    with unit_of_work() as session:
        assert count(session, LeaderTask) == 1
        assert open_task(session, case.id, later, policy).id == first.id, "still one"
    assert audit_actions("leader_task.") == ["leader_task.opened"]


def test_standard_goods_are_due_after_the_policy_wide_four_hours(app_db, policy, now):
    task = task_row(task_of(unwanted_detergent(policy, now), policy, now))
    assert task.due_at == now + timedelta(hours=4)


def test_the_leader_counts_missing_goods_even_when_the_platform_decides(app_db, policy, now):
    case = missing_rice(policy, now)
    task = task_row(task_of(case, policy, now))
    assert task.leader_id == leader_of("PP02")
    assert task.due_at == now + timedelta(hours=4)


def test_cases_the_leader_need_not_see_get_no_task(app_db, policy, now):
    auto = opened(lambda s: strawberry_claim(s, app_db, now), policy, now)  # approved by the bot
    assert auto.state is CaseState.REFUND_PENDING
    rice_unwanted = opened(lambda s: ClaimDraft(
        customer_id(s, "demo-2"), line(s, "demo-2", "东北大米", now).line_id, Reason.NO_REASON,
        unopened=True), policy, now)  # the platform decides; no one needs to look
    assert rice_unwanted.review is Review.PLATFORM
    missing = missing_strawberries(policy, now)
    with unit_of_work() as session:
        assert cases_needing_task(session, policy) == [missing.id]
        assert open_task(session, auto.id, now, policy) is None
        assert open_task(session, rice_unwanted.id, now, policy) is None
        with pytest.raises(NoSuchCase):
            open_task(session, 99999, now, policy)
    task_of(missing, policy, now)
    with unit_of_work() as session:
        assert cases_needing_task(session, policy) == []
        assert count(session, LeaderTask) == 1


def test_a_withdrawn_case_gets_no_task(app_db, policy, now):
    case = missing_strawberries(policy, now)
    with unit_of_work() as session:
        cancel_case(session, customer_id(session, "demo-1"), case.ref, now, "customer")
    with unit_of_work() as session:
        assert open_task(session, case.id, now, policy) is None
        assert cases_needing_task(session, policy) == []


# ---------------------------------------------------------------- notify, remind, escalate


def test_a_new_task_is_pushed_to_the_leader_once(app_db, policy, now):
    task_id = task_of(missing_strawberries(policy, now), policy, now)
    with unit_of_work() as session:
        assert tasks_to_notify(session) == [task_id]
        assert mark_notified(session, task_id, now) is True
    with unit_of_work() as session:
        again = now + timedelta(seconds=1)
        assert mark_notified(session, task_id, again) is False, "a second watcher"
        assert tasks_to_notify(session) == []
    assert task_row(task_id).notified_at == now
    assert audit_actions("leader_task.") == ["leader_task.opened", "leader_task.notified"]


def test_the_most_urgent_task_is_pushed_first(app_db, policy, now):
    standard = task_of(unwanted_detergent(policy, now), policy, now)   # due in 4 hours
    fresh = task_of(missing_strawberries(policy, now), policy, now)    # due in 2 hours
    with unit_of_work() as session:
        assert tasks_to_notify(session) == [fresh, standard]
        assert open_tasks(session, leader_of("PP01")) == [fresh, standard]
        assert open_tasks(session, leader_of("PP02")) == []


def test_the_leader_is_reminded_once_when_a_task_waits_past_its_deadline(app_db, policy, now):
    task_id = task_of(missing_strawberries(policy, now), policy, now)
    due = now + timedelta(hours=2)
    with unit_of_work() as session:
        assert tasks_to_remind(session, due + timedelta(minutes=1)) == [], "never pushed yet"
        mark_notified(session, task_id, now)
    with unit_of_work() as session:
        assert tasks_to_remind(session, due) == [], "at the deadline it is not late yet"
        assert tasks_to_remind(session, due + timedelta(seconds=1)) == [task_id]
        assert mark_reminded(session, task_id, due + timedelta(minutes=1)) is True
    with unit_of_work() as session:
        assert mark_reminded(session, task_id, due + timedelta(minutes=2)) is False
        assert tasks_to_remind(session, due + timedelta(hours=1)) == []
    assert task_row(task_id).reminded_at == due + timedelta(minutes=1)


def test_decided_and_withdrawn_tasks_are_neither_pushed_reminded_nor_escalated(
        app_db, policy, now):
    decided = missing_strawberries(policy, now)
    withdrawn = unwanted_detergent(policy, now)
    decided_task, withdrawn_task = task_of(decided, policy, now), task_of(withdrawn, policy, now)
    with unit_of_work() as session:
        decide(session, leader_of("PP01"), decided.ref, APPROVED, now=now, policy=policy)
        cancel_case(session, customer_id(session, "demo-1"), withdrawn.ref, now, "customer")
    late = now + timedelta(hours=7)
    with unit_of_work() as session:
        assert tasks_to_notify(session) == []
        assert tasks_to_remind(session, late) == []
        assert tasks_to_escalate(session, late, policy) == []
        assert mark_reminded(session, decided_task, late) is False
        assert escalate(session, withdrawn_task, late, policy) is False
    assert task_row(withdrawn_task).decision is None


def test_an_undecided_task_goes_to_the_platform_after_the_second_deadline(app_db, policy, now):
    case = missing_strawberries(policy, now)
    task_id = task_of(case, policy, now)
    second_deadline = case.created_at + timedelta(hours=6)
    with unit_of_work() as session:
        assert tasks_to_escalate(session, second_deadline, policy) == []
        assert escalate(session, task_id, second_deadline, policy) is False, "not yet"
    later = second_deadline + timedelta(minutes=1)
    with unit_of_work() as session:
        assert tasks_to_escalate(session, later, policy) == [task_id]
        assert escalate(session, task_id, later, policy) is True
    with unit_of_work() as session:
        assert escalate(session, task_id, later, policy) is False, "once"
        assert tasks_to_escalate(session, later, policy) == []

    task, row = task_row(task_id), case_row(case.id)
    assert (task.decision, task.escalated_at, task.decided_at) == (TO_PLATFORM, later, None)
    assert (row.state, row.review) == (CaseState.LEADER_REVIEW, Review.PLATFORM)
    assert row.review_due_at == later + timedelta(hours=24)
    event = row.events[-1]
    assert (event.kind, event.actor, event.at) == ("to_platform", "bot", later)
    assert "6小时" in event.note
    assert audit_actions("leader_task.escalated") == ["leader_task.escalated"]
    assert "case.to_platform" in audit_actions("case.")

    with pytest.raises(AlreadyDecided) as error, unit_of_work() as session:
        decide(session, leader_of("PP01"), case.ref, APPROVED, now=later, policy=policy)
    assert "已转平台审核" in error.value.leader_text


def test_escalating_an_unknown_task_is_a_clear_error(app_db, policy, now):
    with pytest.raises(NoSuchTask), unit_of_work() as session:
        escalate(session, 404, now, policy)


# ---------------------------------------------------------------- the task card


def test_the_card_tells_the_leader_what_to_count_and_what_it_costs(app_db, policy, now):
    case = missing_strawberries(policy, now)
    task_id = task_of(case, policy, now)
    with unit_of_work() as session:
        card = task_card(session, task_id, policy)
    assert (card.case_ref, card.customer_name, card.customer_nickname) == (case.ref, "王小美", "小美")
    assert (card.product_name, card.quantity, card.unit) == ("丹东草莓", Decimal("1"), "盒")
    assert (card.reason_label, card.refund_amount, card.leader_may_approve) == (
        "少发/漏发", Decimal("29.90"), True)
    assert card.evidence_ids == () and card.decision is None
    assert "清点" in card.what_to_check and "丹东草莓" in card.what_to_check
    assert "1盒" in card.what_to_check
    assert card.due_at == case.created_at + timedelta(hours=2)
    text = card.text
    assert text.splitlines()[0].startswith(f"📋 售后初审 {case.ref}")
    for shown in ("王小美（小美）", "丹东草莓 1盒 · 少发/漏发", "¥29.90", "照片：没有",
                  f"同意 {case.ref}", "在您的审批额度内"):
        assert shown in text, shown


def test_the_card_shows_the_customers_words_and_photos(app_db, policy, now):
    case = unwanted_detergent(policy, now)
    task_id = task_of(case, policy, now)
    with unit_of_work() as session:
        photo_id = photo(session, app_db, "demo-1")
        session.get(Evidence, photo_id).case_id = case.id  # sent after the case opened
    with unit_of_work() as session:
        card = task_card(session, task_id)
    assert card.claim == "买重了，还没拆"
    assert card.evidence_ids == (photo_id,)
    assert "没拆封" in card.what_to_check
    assert "顾客说：买重了，还没拆" in card.text and "照片：1张" in card.text


def test_the_card_of_a_case_above_the_limit_says_the_platform_decides(app_db, policy, now):
    case = missing_rice(policy, now)
    with unit_of_work() as session:
        card = task_card(session, task_of(case, policy, now), policy)
    assert card.leader_may_approve is False
    assert "需平台审核" in card.text and "¥39.90" in card.text


@pytest.mark.parametrize("reason, words", [
    (Reason.MISSING, "清点"), (Reason.SPOILED, "照片"), (Reason.DAMAGED, "破损"),
    (Reason.WRONG_ITEM, "发错"), (Reason.NO_REASON, "没拆封"),
])
def test_every_reason_tells_the_leader_what_to_check(reason, words):
    assert words in LEADER_CHECK[reason].format(product="丹东草莓", quantity="1盒")


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


# ---------------------------------------------------------------- overturned, performance


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


def test_leader_performance_counts_speed_reminders_escalations_and_overturns(app_db, policy, now):
    leader = leader_of("PP01")
    strawberries, detergent = missing_strawberries(policy, now), unwanted_detergent(policy, now)
    fast, slow = task_of(strawberries, policy, now), task_of(detergent, policy, now)
    with unit_of_work() as session:
        mark_notified(session, fast, now + timedelta(minutes=10))
        decide(session, leader, strawberries.ref, APPROVED, now=now + timedelta(minutes=40),
               policy=policy)  # 30 minutes after the push
        mark_notified(session, slow, now + timedelta(minutes=1))
        mark_reminded(session, slow, now + timedelta(hours=5))
        decide(session, leader, detergent.ref, REJECTED, now=now + timedelta(minutes=91),
               policy=policy, reason="已经拆封了")  # 90 minutes after the push
        mark_overturned(session, detergent.id, now, actor="staff:3")
    spinach = opened(lambda s: ClaimDraft(
        customer_id(s, "demo-4"), line(s, "demo-4", "菠菜", now).line_id, Reason.MISSING),
        policy, now)
    with unit_of_work() as session:
        escalate(session, task_of(spinach, policy, now), now + timedelta(hours=7), policy)

    with unit_of_work() as session:
        figures = leader_performance(session, leader, now - timedelta(days=1))
        nothing_later = leader_performance(session, leader, now + timedelta(minutes=1))
        other_leader = leader_performance(session, leader_of("PP02"), now - timedelta(days=1))
    assert (figures.tasks, figures.open, figures.decided) == (3, 0, 2)
    assert (figures.approved, figures.rejected, figures.to_platform) == (1, 1, 0)
    assert (figures.median_minutes, figures.average_minutes) == (60.0, 60.0)
    assert (figures.reminded, figures.escalated, figures.overturned) == (1, 1, 1)
    assert nothing_later.tasks == 0 and nothing_later.median_minutes is None
    assert other_leader.tasks == 0
