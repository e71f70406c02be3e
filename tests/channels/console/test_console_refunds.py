"""待人工退款 at the desk, on the real server: refunds a person must pay by hand are
listed for agents, marked paid offline with the amount and a note (CSRF, audited), and
the customer is told by the payout job through Rasa's API."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import AuditEntry
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.enums import CaseState
from bot.messaging.rasa_api import RasaClient
from channels.console.refunds_job import RefundJob
from channels.wechatpay.fake_api import FakeWeChatPay
from tests.bot.refunds.support import (
    API_KEY,
    APP_ID,
    MCH_ID,
    approved_case,
    case_row,
    refunds_of,
    use_wechat_pay,
)
from tests.channels.console.conftest import RASA_TOKEN, staff_id


def manual_case(app_db):
    """demo-1's spoiled strawberries approved for ¥59.80 to WeChat: no WeChat Pay here,
    so the refund waits for a person."""
    return approved_case(app_db, utcnow() - timedelta(minutes=1))


async def test_agents_see_the_refunds_to_pay_by_hand(app_db, desk, agent):
    case = manual_case(app_db)
    [refund] = refunds_of(case.id)

    answer = await agent.get("/console/api/refunds/manual")

    assert answer.status == 200 and answer.body["count"] == 1
    [row] = answer.body["refunds"]
    assert (row["id"], row["case_ref"], row["out_refund_no"]) == (
        refund.id, case.ref, f"{case.ref}-1")
    assert (row["customer_name"], row["phone"], row["product"]) == ("王小美", "138****4571",
                                                                    "丹东草莓")
    assert (row["amount"], row["destination_label"]) == ("59.80", "原路退回（微信）")
    assert row["reason_label"] == "未接入微信支付，需人工原路退回"
    assert row["uncertain"] is False and row["warning"] is None and row["order_no"]


async def test_only_staff_who_act_on_cases_see_or_mark_them(app_db, desk):
    case = manual_case(app_db)
    [refund] = refunds_of(case.id)
    leader = await desk.signed_in("leader1")
    stranger = desk.browser()

    assert (await leader.get("/console/api/refunds/manual")).status == 403
    assert (await stranger.get("/console/api/refunds/manual")).status == 401
    marked = await leader.post(f"/console/api/refunds/{refund.id}/paid-offline",
                               {"amount": "59.80", "note": "转账"})
    assert marked.status == 403
    assert refunds_of(case.id)[0].state == "manual"


async def test_marking_a_manual_payout_settles_the_refund_and_tells_the_customer(
        app_db, desk, agent, fake_rasa):
    case = manual_case(app_db)
    [refund] = refunds_of(case.id)

    answer = await agent.post(f"/console/api/refunds/{refund.id}/paid-offline",
                              {"amount": "59.80", "note": "微信转账 流水4200001234"})

    assert answer.status == 200, answer.body
    assert answer.body["refund"]["state"] == "succeeded"
    assert answer.body["refund"]["paid_by"] == "客服小李"
    [paid] = refunds_of(case.id)
    agent_actor = f"staff:{staff_id('agent1')}"
    assert (paid.state, paid.paid_by, paid.manual_note) == (
        "succeeded", agent_actor, "微信转账 流水4200001234")
    assert case_row(case.id).state is CaseState.REFUNDED
    with unit_of_work() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "refund.paid_offline")).one()
    assert (entry.actor, entry.detail["amount"]) == (agent_actor, "59.80")
    assert (await agent.get("/console/api/refunds/manual")).body == {"refunds": [], "count": 0}

    await desk.channel.refunds.check_once()
    for _ in range(50):
        if len(fake_rasa.of("events")) >= 2:
            break
        await asyncio.sleep(0.1)
    call, question = fake_rasa.of("events")
    assert call.conversation_id == "demo-1"
    assert call.body[0]["text"] == (f"您的售后单 {case.ref} 的退款 ¥59.80 "
                                    "已由工作人员人工退给您，请留意查收～")
    assert case.ref in question.body[0]["text"], "then the case is scored"
    assert "satisfaction_survey" in question.body[0]["metadata"]
    again = await agent.post(f"/console/api/refunds/{refund.id}/paid-offline",
                             {"amount": "59.80", "note": "又点了一次"})
    assert again.status == 409 and again.error == "这笔退款已经退过了，不能重复标记"


async def test_a_wrong_mark_is_refused_and_changes_nothing(app_db, desk, agent):
    case = manual_case(app_db)
    [refund] = refunds_of(case.id)
    path = f"/console/api/refunds/{refund.id}/paid-offline"

    no_csrf = await agent.post(path, {"amount": "59.80", "note": "转账"}, csrf=False)
    wrong_amount = await agent.post(path, {"amount": "29.90", "note": "转账"})
    negative = await agent.post(path, {"amount": "-59.80", "note": "转账"})
    no_amount = await agent.post(path, {"note": "转账"})
    no_note = await agent.post(path, {"amount": "59.80", "note": "  "})
    unknown = await agent.post("/console/api/refunds/999999/paid-offline",
                               {"amount": "1", "note": "转账"})

    assert no_csrf.status == 403
    assert (wrong_amount.status, wrong_amount.error) == (
        400, "线下退款金额 ¥29.90 与这笔退款 ¥59.80 不一致，请核对")
    assert negative.status == 400 and "大于 0" in negative.error
    assert (no_amount.status, no_amount.error) == (400, "请填写线下退给顾客的金额")
    assert no_note.status == 400 and "凭证" in no_note.error
    assert unknown.status == 404
    assert refunds_of(case.id)[0].state == "manual"
    assert case_row(case.id).state is CaseState.REFUND_PENDING
    with unit_of_work() as session:
        assert session.scalars(select(AuditEntry).where(
            AuditEntry.action == "refund.paid_offline")).all() == []


async def test_the_desk_page_has_the_manual_refund_list(app_db, desk, agent):
    page = await agent.get("/console/")
    script = await agent.get("/console/static/desk.js")

    assert "待人工退款" in page.body and 'id="manual-refunds"' in page.body
    assert "/refunds/manual" in script.body and "标记已线下退款" in script.body


@pytest.fixture
def pay_server() -> Iterator[FakeWeChatPay]:
    fake = FakeWeChatPay(APP_ID, MCH_ID, API_KEY)
    yield fake
    fake.close()


async def test_the_payout_job_pays_through_wechat_pay_and_tells_the_customer_once(
        app_db, fake_rasa, pay_server, monkeypatch):
    use_wechat_pay(monkeypatch, pay_server)
    case = manual_case(app_db)  # with WeChat Pay configured: pending for the job
    [refund] = refunds_of(case.id)
    assert refund.state == "pending"
    fake_rasa.failing = True  # Rasa is down for the first round
    job = RefundJob(RasaClient(fake_rasa.url, RASA_TOKEN, timeout=5), utcnow)

    first = await job.check_once()

    assert [r.result for r in first["results"]] == ["succeeded"] and first["told"] == []
    assert refunds_of(case.id)[0].notified_at is None, "given back: nobody heard it"
    fake_rasa.failing = False
    second = await job.check_once()
    third = await job.check_once()

    assert (second["results"], second["told"], third["told"]) == ([], [refund.id], [])
    call, question = fake_rasa.of("events")
    assert question.body[0]["metadata"].keys() == {"satisfaction_survey"}, "asked once, after"
    assert (call.conversation_id, call.query["output_channel"]) == ("demo-1", "rest")
    assert call.body[0]["text"] == (f"您的售后单 {case.ref} 的退款 ¥59.80 "
                                    "已退回微信零钱，预计1-3天到账～")
    assert call.body[0]["metadata"] == {"refund_id": refund.id}
    assert case_row(case.id).state is CaseState.REFUNDED
