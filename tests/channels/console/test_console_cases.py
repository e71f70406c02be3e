"""Case decisions from the desk, on the cases of the customer whose chat the agent holds."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.cases import open_case
from bot.db import AuditEntry, Coupon, Refund, ReturnCase
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason, Resolution
from bot.policy import load_policy
from tests.bot.cases.claims import missing_claim, strawberry_claim
from tests.channels.console.conftest import open_handoff, staff_id


def platform_case(app_db, **changes) -> ReturnCase:
    """demo-1: both boxes of strawberries (¥59.80) spoiled: waits for the platform."""
    now = utcnow()
    with unit_of_work() as session:
        draft = strawberry_claim(session, app_db, now, quantity_affected=Decimal("2"), **changes)
        case = open_case(session, draft, now, load_policy(), "customer:demo-1").case
    assert case.state is CaseState.SUBMITTED and case.refund_amount == Decimal("59.80")
    return case


def case_row(case_id: int) -> ReturnCase:
    with unit_of_work() as session:
        return session.get(ReturnCase, case_id)


def refunds(case_id: int) -> list[tuple[Decimal, str]]:
    with unit_of_work() as session:
        return [(r.amount, r.state) for r in session.scalars(
            select(Refund).where(Refund.case_id == case_id))]


@pytest.fixture
async def holding(desk, agent) -> int:
    """agent1 holds demo-1's conversation."""
    ticket_id = open_handoff()
    assert (await agent.post(f"/console/api/tickets/{ticket_id}/claim")).status == 200
    return ticket_id


async def test_a_partial_refund_approved_at_the_desk_is_recorded_and_the_customer_told(
        app_db, desk, agent, holding, fake_rasa):
    case = platform_case(app_db)

    answer = await agent.post(f"/console/api/cases/{case.id}/approve",
                              {"ticket_id": holding, "amount": "20.00"})

    assert answer.status == 200, answer.body
    assert answer.body["case"]["state"] == "refund_pending"
    assert answer.body["case"]["refund_amount"] == "20.00"
    assert answer.body["notified"] is True
    # No WeChat Pay configured: the customer is told a person pays it back, nothing more.
    notice = (f"您的售后单 {case.ref} 已同意部分退款 ¥20.00，"
              "需要工作人员人工原路退回您的微信，办好后会通知您～")
    assert answer.body["notice"] == notice
    assert refunds(case.id) == [(Decimal("20.00"), "manual")]
    [call] = fake_rasa.of("events")
    assert call.conversation_id == "demo-1"
    assert call.body == [{"event": "bot", "text": notice,
                          "metadata": {"agent": "客服小李", "staff_id": staff_id("agent1")}}]
    with unit_of_work() as session:
        actors = set(session.scalars(select(AuditEntry.actor).where(
            AuditEntry.entity == "return_case", AuditEntry.entity_id == str(case.id),
            AuditEntry.action == "case.state")))
    assert actors == {f"staff:{staff_id('agent1')}"}


async def test_the_view_offers_decisions_on_the_customers_cases(app_db, desk, agent, holding):
    case = platform_case(app_db)

    view = await agent.get(f"/console/api/tickets/{holding}")

    [shown] = view.body["cases"]
    assert (shown["ref"], shown["state_label"], shown["decidable"]) == (
        case.ref, "已提交，等待平台审核", True)
    assert shown["refund_amount"] == "59.80" and shown["product"] == "丹东草莓"


async def test_an_exchange_is_approved_without_an_amount(app_db, desk, agent, holding,
                                                         fake_rasa):
    case = platform_case(app_db, reason=Reason.WRONG_ITEM, resolution=Resolution.EXCHANGE)
    assert case.resolution is Resolution.EXCHANGE
    with_amount = await agent.post(f"/console/api/cases/{case.id}/approve",
                                   {"ticket_id": holding, "amount": "10"})
    assert with_amount.status == 400 and with_amount.error == "换货的售后单不能填写退款金额"

    answer = await agent.post(f"/console/api/cases/{case.id}/approve", {"ticket_id": holding})

    assert answer.status == 200 and answer.body["case"]["state"] == "approved"
    assert answer.body["notice"] == f"您的售后单 {case.ref} 已同意，下次送货时为您换新～"
    assert refunds(case.id) == []


async def test_a_full_approval_needs_no_amount(app_db, desk, agent, holding, fake_rasa):
    case = platform_case(app_db)

    answer = await agent.post(f"/console/api/cases/{case.id}/approve",
                              {"ticket_id": holding, "amount": ""})

    assert answer.status == 200
    assert answer.body["notice"] == (f"您的售后单 {case.ref} 已同意退款 ¥59.80，"
                                     "需要工作人员人工原路退回您的微信，办好后会通知您～")
    assert refunds(case.id) == [(Decimal("59.80"), "manual")]


@pytest.mark.parametrize("amount, message", [
    ("abc", "请求格式不对"),
    ("60.00", "金额不对：需在 ¥0.01 到 ¥59.80 之间，最多两位小数"),
    ("0", "金额不对：需在 ¥0.01 到 ¥59.80 之间，最多两位小数"),
    ("1.234", "金额不对：需在 ¥0.01 到 ¥59.80 之间，最多两位小数"),
])
async def test_a_bad_refund_amount_is_refused_and_changes_nothing(
        app_db, desk, agent, holding, fake_rasa, amount, message):
    case = platform_case(app_db)

    answer = await agent.post(f"/console/api/cases/{case.id}/approve",
                              {"ticket_id": holding, "amount": amount})

    assert answer.status == 400 and answer.error == message
    assert case_row(case.id).state is CaseState.SUBMITTED and refunds(case.id) == []
    assert fake_rasa.calls == []


async def test_a_decided_case_cannot_be_approved_again(app_db, desk, agent, holding, fake_rasa):
    case = platform_case(app_db)
    await agent.post(f"/console/api/cases/{case.id}/approve", {"ticket_id": holding})

    again = await agent.post(f"/console/api/cases/{case.id}/approve", {"ticket_id": holding})

    assert again.status == 409 and again.error == "售后单当前状态不能这样处理（退款处理中）"
    assert len(refunds(case.id)) == 1


async def test_a_rejection_needs_a_reason_which_the_customer_reads(
        app_db, desk, agent, holding, fake_rasa):
    case = platform_case(app_db)
    blank = await agent.post(f"/console/api/cases/{case.id}/reject",
                             {"ticket_id": holding, "reason": "  "})
    assert blank.status == 400 and blank.error == "原因需要 1 到 200 个字"

    answer = await agent.post(f"/console/api/cases/{case.id}/reject",
                              {"ticket_id": holding, "reason": "照片看不出质量问题"})

    assert answer.status == 200 and answer.body["case"]["state"] == "rejected"
    assert fake_rasa.of("events")[0].body[0]["text"] == (
        f"很抱歉，您的售后单 {case.ref} 未通过：照片看不出质量问题。如有疑问可以随时告诉我。")


async def test_a_goodwill_coupon_is_issued_within_the_limit(app_db, desk, agent, holding,
                                                           fake_rasa):
    case = platform_case(app_db)
    too_much = await agent.post(f"/console/api/cases/{case.id}/coupon",
                                {"ticket_id": holding, "amount": "500"})
    assert too_much.status == 400 and too_much.error.startswith("金额不对")
    missing = await agent.post(f"/console/api/cases/{case.id}/coupon", {"ticket_id": holding})
    assert missing.status == 400

    answer = await agent.post(f"/console/api/cases/{case.id}/coupon",
                              {"ticket_id": holding, "amount": 5})

    assert answer.status == 200
    code = answer.body["coupon"]["code"]
    with unit_of_work() as session:
        coupon = session.scalars(select(Coupon).where(Coupon.code == code)).one()
        assert (coupon.amount, coupon.kind, coupon.case_id) == (Decimal("5.00"), "goodwill",
                                                                 case.id)
    assert answer.body["notice"].startswith(f"给您发了一张 ¥5.00 无门槛优惠券（{code}）")
    assert answer.body["case"]["events"][-1]["kind"] == "coupon"


async def test_the_resolution_can_be_changed_before_payment(app_db, desk, agent, holding,
                                                            fake_rasa):
    case = platform_case(app_db)
    bad = await agent.post(f"/console/api/cases/{case.id}/resolution",
                           {"ticket_id": holding, "resolution": "cash"})
    assert bad.status == 400 and bad.error == "不认识这个处理方式"

    answer = await agent.post(f"/console/api/cases/{case.id}/resolution",
                              {"ticket_id": holding, "resolution": "refund_balance"})

    assert answer.status == 200 and answer.body["case"]["resolution"] == "refund_balance"
    assert case_row(case.id).resolution is Resolution.REFUND_BALANCE
    assert answer.body["notice"] == f"您的售后单 {case.ref} 处理方式已改为：退到账户余额。"


async def test_only_cases_of_the_held_conversations_customer_can_be_acted_on(
        app_db, desk, agent, fake_rasa):
    case = platform_case(app_db)
    other_ticket = open_handoff("demo-2", product=None)
    await agent.post(f"/console/api/tickets/{other_ticket}/claim")

    answer = await agent.post(f"/console/api/cases/{case.id}/approve",
                              {"ticket_id": other_ticket})

    assert answer.status == 403 and answer.error == "这个售后单不属于当前会话的顾客"
    assert case_row(case.id).state is CaseState.SUBMITTED and fake_rasa.calls == []


async def test_case_actions_need_the_ticket_held(app_db, desk, agent, second_agent, fake_rasa):
    case = platform_case(app_db)
    ticket_id = open_handoff()
    unclaimed = await agent.post(f"/console/api/cases/{case.id}/approve",
                                 {"ticket_id": ticket_id})
    assert unclaimed.status == 409
    await agent.post(f"/console/api/tickets/{ticket_id}/claim")
    other = await desk.signed_in(second_agent)

    answer = await other.post(f"/console/api/cases/{case.id}/approve", {"ticket_id": ticket_id})

    assert answer.status == 409 and answer.error == "已被 客服小李 接手"
    no_ticket = await agent.post(f"/console/api/cases/{case.id}/approve", {})
    assert no_ticket.status == 400
    unknown = await agent.post("/console/api/cases/9999/approve", {"ticket_id": ticket_id})
    assert unknown.status == 404 and unknown.error == "没有这个售后单"
    assert (await agent.post(f"/console/api/cases/{case.id}/refund-all",
                             {"ticket_id": ticket_id})).status == 404
    assert case_row(case.id).state is CaseState.SUBMITTED


async def test_when_the_notice_cannot_be_sent_the_decision_stands_and_the_agent_is_told(
        app_db, desk, agent, holding, fake_rasa):
    now = utcnow()
    with unit_of_work() as session:
        case = open_case(session, missing_claim(session, now), now, load_policy(),
                         "customer:demo-1").case
    fake_rasa.failing = True

    answer = await agent.post(f"/console/api/cases/{case.id}/reject",
                              {"ticket_id": holding, "reason": "团长核实货已送到"})

    assert answer.status == 200 and answer.body["notified"] is False
    assert answer.body["warning"] == "已处理，但通知顾客失败（机器人服务连不上），请在对话中告诉顾客"
    assert case_row(case.id).state is CaseState.REJECTED
