"""Replying to the customer through Rasa, and internal notes."""
from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select

from bot.db import AuditEntry, InboundKey
from bot.db.session import unit_of_work
from tests.channels.console.conftest import RASA_TOKEN, open_handoff, staff_id

XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def replied_audits(ticket_id: int) -> list[dict]:
    with unit_of_work() as session:
        return list(session.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "handoff.replied", AuditEntry.entity_id == str(ticket_id))))


async def claimed(agent) -> int:
    ticket_id = open_handoff()
    assert (await agent.post(f"/console/api/tickets/{ticket_id}/claim")).status == 200
    return ticket_id


async def test_a_reply_goes_to_rasa_as_a_bot_event_that_rasa_sends_on(desk, agent, fake_rasa):
    ticket_id = await claimed(agent)
    client_id = str(uuid.uuid4())

    answer = await agent.post(f"/console/api/tickets/{ticket_id}/reply",
                              {"text": "  您好，我是客服小李，马上帮您处理  ", "client_id": client_id})

    assert answer.status == 200 and answer.body == {"ok": True, "duplicate": False}
    [call] = fake_rasa.of("events")
    assert call.conversation_id == "demo-1"
    assert call.query == {"output_channel": "latest", "execute_side_effects": "true",
                          "token": RASA_TOKEN}
    assert call.body == [{"event": "bot", "text": "您好，我是客服小李，马上帮您处理",
                          "metadata": {"agent": "客服小李", "staff_id": staff_id("agent1")}}]
    assert replied_audits(ticket_id) == [{"client_id": client_id, "length": 16}]


async def test_the_same_reply_submitted_twice_is_sent_once(desk, agent, fake_rasa):
    ticket_id = await claimed(agent)
    body = {"text": "请稍等，我查一下", "client_id": str(uuid.uuid4())}

    first, second = await asyncio.gather(
        agent.post(f"/console/api/tickets/{ticket_id}/reply", body),
        agent.post(f"/console/api/tickets/{ticket_id}/reply", body),
    )

    assert sorted([first.body["duplicate"], second.body["duplicate"]]) == [False, True]
    assert first.status == second.status == 200
    assert len(fake_rasa.of("events")) == 1
    again = await agent.post(f"/console/api/tickets/{ticket_id}/reply", body)
    assert again.body == {"ok": True, "duplicate": True} and len(fake_rasa.of("events")) == 1
    other = await agent.post(f"/console/api/tickets/{ticket_id}/reply",
                             {**body, "client_id": str(uuid.uuid4())})
    assert other.body["duplicate"] is False and len(fake_rasa.of("events")) == 2


async def test_empty_or_too_long_replies_are_refused_and_nothing_is_sent(desk, agent, fake_rasa):
    ticket_id = await claimed(agent)
    for text in ["", "   ", "字" * 1001, None, 42]:
        answer = await agent.post(f"/console/api/tickets/{ticket_id}/reply",
                                  {"text": text, "client_id": str(uuid.uuid4())})
        assert answer.status == 400 and answer.error == "回复需要 1 到 1000 个字"

    longest = await agent.post(f"/console/api/tickets/{ticket_id}/reply",
                               {"text": "字" * 1000, "client_id": str(uuid.uuid4())})
    assert longest.status == 200
    assert len(fake_rasa.of("events")) == 1


async def test_a_reply_without_a_client_id_or_with_a_bad_body_is_refused(desk, agent, fake_rasa):
    ticket_id = await claimed(agent)
    path = f"/console/api/tickets/{ticket_id}/reply"

    missing = await agent.post(path, {"text": "你好"})
    assert missing.status == 400 and missing.error == "缺少消息编号，请刷新页面后再发"
    not_json = await agent.post(path, data=b"{not json", csrf=True,
                                headers={"Content-Type": "application/json"})
    assert not_json.status == 400 and not_json.error == "请求格式不对"
    a_list = await agent.post(path, ["你好"])
    assert a_list.status == 400
    assert fake_rasa.of("events") == []


async def test_only_the_agent_holding_the_ticket_may_reply(desk, agent, second_agent, fake_rasa):
    ticket_id = open_handoff()
    body = {"text": "你好", "client_id": str(uuid.uuid4())}
    unclaimed = await agent.post(f"/console/api/tickets/{ticket_id}/reply", body)
    assert unclaimed.status == 409 and unclaimed.error == "请先接手这个会话"

    await agent.post(f"/console/api/tickets/{ticket_id}/claim")
    other = await desk.signed_in(second_agent)
    answer = await other.post(f"/console/api/tickets/{ticket_id}/reply",
                              {"text": "你好", "client_id": str(uuid.uuid4())})

    assert answer.status == 409 and answer.error == "已被 客服小李 接手"
    assert fake_rasa.of("events") == []


async def test_a_reply_to_a_handed_back_conversation_is_refused(desk, agent, fake_rasa):
    ticket_id = await claimed(agent)
    assert (await agent.post(f"/console/api/tickets/{ticket_id}/handback")).status == 200

    answer = await agent.post(f"/console/api/tickets/{ticket_id}/reply",
                              {"text": "还在吗", "client_id": str(uuid.uuid4())})

    assert answer.status == 409 and answer.error == "该会话已交还/结束"
    assert fake_rasa.of("events") == []


async def test_when_rasa_is_down_the_reply_is_not_lost_and_can_be_sent_again(
        desk, agent, fake_rasa):
    ticket_id = await claimed(agent)
    body = {"text": "马上为您处理", "client_id": str(uuid.uuid4())}
    fake_rasa.failing = True

    failed = await agent.post(f"/console/api/tickets/{ticket_id}/reply", body)

    assert failed.status == 502 and failed.error.startswith("机器人服务暂时连不上")
    assert replied_audits(ticket_id) == []
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(InboundKey)
                              .where(InboundKey.channel == "desk")) == 0
    fake_rasa.failing = False
    retried = await agent.post(f"/console/api/tickets/{ticket_id}/reply", body)
    assert retried.status == 200 and retried.body["duplicate"] is False
    assert len(fake_rasa.of("events")) == 1


async def test_script_bearing_text_is_sent_stored_and_returned_verbatim_as_json(
        desk, agent, fake_rasa):
    ticket_id = await claimed(agent)
    fake_rasa.customer_says("demo-1", XSS)

    sent = await agent.post(f"/console/api/tickets/{ticket_id}/reply",
                            {"text": XSS, "client_id": str(uuid.uuid4())})
    note = await agent.post(f"/console/api/tickets/{ticket_id}/notes", {"text": XSS})
    view = await agent.get(f"/console/api/tickets/{ticket_id}")

    assert sent.status == 200 and note.status == 200
    assert view.headers["Content-Type"].startswith("application/json")
    assert view.headers["X-Content-Type-Options"] == "nosniff"
    texts = [turn["text"] for turn in view.body["transcript"]["turns"]]
    assert texts.count(XSS) == 2  # the customer's and the agent's, untouched
    assert view.body["notes"][0]["text"] == XSS


async def test_notes_are_internal_and_validated(desk, agent, fake_rasa):
    ticket_id = open_handoff()

    added = await agent.post(f"/console/api/tickets/{ticket_id}/notes",
                             {"text": "  顾客说下午三点后方便接电话  "})

    assert added.status == 200
    [note] = added.body["notes"]
    assert note["text"] == "顾客说下午三点后方便接电话" and note["author"] == "客服小李"
    assert fake_rasa.calls == []  # never sent to the customer
    for text in ["", "字" * 1001, None]:
        refused = await agent.post(f"/console/api/tickets/{ticket_id}/notes", {"text": text})
        assert refused.status == 400 and refused.error == "备注需要 1 到 1000 个字"
    view = await agent.get(f"/console/api/tickets/{ticket_id}")
    assert [n["text"] for n in view.body["notes"]] == ["顾客说下午三点后方便接电话"]
