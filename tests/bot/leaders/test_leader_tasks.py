"""First-check tasks (初审) for the pickup point's leader: which cases get one, their
deadlines, pushing, reminding, escalating, and the card the leader reads
(bot/leaders/tasks.py).

The demo's cases are ``tests.bot.leaders.first_check_cases``.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.cases import ClaimDraft, cancel_case
from bot.db import Evidence, LeaderTask
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason, Review
from bot.leaders.check_errors import AlreadyDecided, NoSuchCase, NoSuchTask
from bot.leaders.first_check import decide
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
from tests.bot.cases.claims import count, customer_id, line, photo, strawberry_claim
from tests.bot.leaders.first_check_cases import (
    APPROVED,
    TO_PLATFORM,
    audit_actions,
    case_row,
    leader_of,
    missing_rice,
    missing_strawberries,
    opened,
    task_of,
    task_row,
    unwanted_detergent,
)

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
