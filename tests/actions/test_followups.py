"""Case status, urging, withdrawing, order status, the rules, complaints."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from actions.cancel_case import ActionCancelCase
from actions.case_status import ActionCaseStatus
from actions.complaints import ActionComplainLeader
from actions.order_status import ActionOrderStatus
from actions.return_policy import ActionExplainPolicy
from actions.urge_case import ActionUrgeCase
from bot.cases import ClaimDraft, open_case
from bot.customers import identify
from bot.db import AuditEntry, ReturnCase
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason, Resolution
from bot.policy import load_policy
from tests.actions.lookups import cases_of, line_id
from tests.actions.trackers import responses, run, slot_values, tracker


def _open(sender: str, product: str, reason: Reason, resolution=Resolution.REFUND_ORIGINAL) -> str:
    with unit_of_work() as session:
        customer_id = identify(session, "rest", sender).id
        draft = ClaimDraft(customer_id=customer_id, line_id=line_id(sender, product),
                           reason=reason, resolution=resolution, quantity_affected=Decimal(1))
        return open_case(session, draft, utcnow(), load_policy(), f"customer:{customer_id}").case.ref


async def test_case_status_shows_the_timeline_and_what_happens_next(app_db):
    ref = _open("demo-1", "丹东草莓", Reason.MISSING)

    messages, _ = await run(ActionCaseStatus(), tracker("demo-1", "退款到哪一步了", "ask_case_status"))

    report = messages[0]["report"]
    assert ref in report and "丹东草莓" in report and "等待团长核实" in report
    assert "提交申请" in report and "团长会在" in report


async def test_case_status_with_no_cases_says_so(app_db):
    messages, _ = await run(ActionCaseStatus(), tracker("demo-4", "我的售后呢", "ask_case_status"))

    assert responses(messages) == ["utter_no_cases"]


async def test_case_status_for_an_unknown_reference(app_db):
    messages, _ = await run(ActionCaseStatus(), tracker("demo-1", "R9999 怎么样了", "ask_case_status"))

    assert responses(messages) == ["utter_case_not_found"] and messages[0]["ref"] == "R9999"


async def test_urging_raises_priority_and_records_it(app_db):
    ref = _open("demo-1", "丹东草莓", Reason.MISSING)

    messages, _ = await run(ActionUrgeCase(), tracker("demo-1", "能不能快点", "urge_case"))

    assert responses(messages) == ["utter_urged"] and "团长会在" in messages[0]["next_step"]
    [case] = cases_of("demo-1")
    assert case.ref == ref and case.urge_count == 1 and case.priority == 1


async def test_urging_an_overdue_case_escalates_it(app_db):
    ref = _open("demo-1", "丹东草莓", Reason.MISSING)
    with unit_of_work() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
        case.review_due_at = utcnow() - timedelta(minutes=5)

    messages, events = await run(ActionUrgeCase(), tracker("demo-1", "都两天了", "urge_case"))

    assert responses(messages) == ["utter_urged_overdue"]
    assert cases_of("demo-1")[0].escalated is True
    assert slot_values(events) == {"case_ref": ref, "handoff_signal": "overdue_case"}


async def test_withdrawing_the_only_open_case(app_db):
    ref = _open("demo-1", "丹东草莓", Reason.MISSING)

    messages, _ = await run(ActionCancelCase(), tracker("demo-1", "不退了，撤销申请", "cancel_case"))

    assert responses(messages) == ["utter_cancel_done"] and messages[0]["ref"] == ref
    assert cases_of("demo-1")[0].state is CaseState.CANCELLED


async def test_with_several_open_cases_the_customer_is_asked_which(app_db):
    first = _open("demo-1", "丹东草莓", Reason.MISSING)
    _open("demo-1", "土鸡蛋", Reason.MISSING)
    before = [c.state for c in cases_of("demo-1")]

    messages, _ = await run(ActionCancelCase(), tracker("demo-1", "撤销申请", "cancel_case"))

    assert responses(messages) == ["utter_cancel_which"]
    assert first in messages[0]["options"]
    assert [c.state for c in cases_of("demo-1")] == before and CaseState.CANCELLED not in before


async def test_a_case_being_refunded_cannot_be_withdrawn_and_stays_as_it_is(app_db):
    ref = _open("demo-3", "寿光西红柿", Reason.NO_REASON)

    messages, _ = await run(ActionCancelCase(), tracker("demo-3", f"撤销 {ref}", "cancel_case"))

    assert responses(messages) == ["utter_cancel_not_allowed"]
    assert cases_of("demo-3")[0].state is CaseState.REFUND_PENDING


async def test_withdrawing_with_nothing_open(app_db):
    messages, _ = await run(ActionCancelCase(), tracker("demo-4", "不退了", "cancel_case"))

    assert responses(messages) == ["utter_no_open_cases"]


async def test_order_status_gives_the_pickup_point_and_code_of_arrived_goods(app_db):
    messages, _ = await run(ActionOrderStatus(), tracker("demo-3", "我的菜到了吗", "ask_order_status"))

    report = messages[0]["report"]
    assert "已到自提点" in report and "取货码" in report and "幸福里" in report
    assert "已发车" in report


async def test_policy_for_a_named_product_quotes_its_category(app_db):
    messages, _ = await run(ActionExplainPolicy(), tracker("demo-1", "草莓能退吗", "ask_return_policy"))

    report = messages[0]["report"]
    assert "24小时" in report and "生鲜" in report and "定制" not in report


async def test_policy_without_a_product_covers_every_category(app_db):
    messages, _ = await run(ActionExplainPolicy(), tracker("demo-1", "几天内能退", "ask_return_policy"))

    report = messages[0]["report"]
    assert all(word in report for word in ("生鲜", "标品", "定制", "高价值"))


async def test_a_complaint_about_the_leader_is_recorded(app_db):
    messages, _ = await run(ActionComplainLeader(), tracker("demo-1", "团长态度太差了", "complain_leader"))

    assert responses(messages) == ["utter_complain_leader"]
    with unit_of_work() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.action == "leader.complaint")).one()


async def test_a_failing_service_gives_an_apology_not_a_stack_trace(app_db, monkeypatch):
    import actions.case_status as module

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(module, "customer_cases", broken)

    messages, events = await run(ActionCaseStatus(), tracker("demo-1", "进度", "ask_case_status"))

    assert responses(messages) == ["utter_technical_problem"] and events == []


async def test_policy_for_a_kind_of_goods(app_db):
    messages, _ = await run(ActionExplainPolicy(), tracker("demo-1", "水果能退吗", "ask_return_policy"))

    report = messages[0]["report"]
    assert "生鲜" in report and "标品" not in report


async def test_a_closed_case_cannot_be_withdrawn(app_db):
    [closed, *_] = cases_of("demo-5")
    assert closed.state is CaseState.CLOSED

    messages, _ = await run(ActionCancelCase(), tracker("demo-5", f"撤销{closed.ref}", "cancel_case"))

    assert responses(messages) == ["utter_cancel_not_allowed"] and messages[0]["state"] == "已完结"
    assert cases_of("demo-5")[0].state is CaseState.CLOSED


async def test_urging_with_several_open_cases_asks_which(app_db):
    first = _open("demo-1", "丹东草莓", Reason.MISSING)
    _open("demo-1", "土鸡蛋", Reason.MISSING)

    messages, _ = await run(ActionUrgeCase(), tracker("demo-1", "快点处理", "urge_case"))

    assert responses(messages) == ["utter_urge_which"] and first in messages[0]["options"]
    assert all(c.urge_count == 0 for c in cases_of("demo-1"))
