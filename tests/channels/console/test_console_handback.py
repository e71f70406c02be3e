"""Handing a conversation back to the bot, or closing it."""
from __future__ import annotations

import pytest

from bot.db import TicketStatus
from tests.channels.console.conftest import RASA_TOKEN, load_ticket, open_handoff, staff_id


async def claimed(agent, fake_rasa) -> int:
    ticket_id = open_handoff()
    fake_rasa.customer_says("demo-1", "转人工")
    fake_rasa.add("demo-1", {"event": "pause"})
    assert (await agent.post(f"/console/api/tickets/{ticket_id}/claim")).status == 200
    return ticket_id


@pytest.mark.parametrize("action, status", [("handback", TicketStatus.RETURNED),
                                            ("close", TicketStatus.CLOSED)])
async def test_ending_a_ticket_runs_the_bots_hand_back_action(desk, agent, fake_rasa,
                                                              action, status):
    ticket_id = await claimed(agent, fake_rasa)

    answer = await agent.post(f"/console/api/tickets/{ticket_id}/{action}")

    assert answer.status == 200 and answer.body == {"ok": True, "ended": True}
    ticket = load_ticket(ticket_id)
    assert ticket.status is status and ticket.ended_by == staff_id("agent1")
    [call] = fake_rasa.of("execute")
    assert call.conversation_id == "demo-1" and call.body == {"name": "action_handoff_end"}
    assert call.query == {"output_channel": "latest", "token": RASA_TOKEN}
    queue = await agent.get("/console/api/queue")
    assert queue.body["tickets"] == []


async def test_only_the_holder_may_end_and_only_once(desk, agent, second_agent, fake_rasa):
    ticket_id = await claimed(agent, fake_rasa)
    other = await desk.signed_in(second_agent)

    refused = await other.post(f"/console/api/tickets/{ticket_id}/close")
    assert refused.status == 409 and refused.error == "已被 客服小李 接手"
    assert (await agent.post(f"/console/api/tickets/{ticket_id}/handback")).status == 200
    again = await agent.post(f"/console/api/tickets/{ticket_id}/close")

    assert again.status == 409 and again.error == "该会话已交还/结束"
    assert load_ticket(ticket_id).status is TicketStatus.RETURNED
    assert len(fake_rasa.of("execute")) == 1


async def test_a_waiting_ticket_cannot_be_ended_without_claiming_it(desk, agent, fake_rasa):
    ticket_id = open_handoff()

    answer = await agent.post(f"/console/api/tickets/{ticket_id}/close")

    assert answer.status == 409 and answer.error == "请先接手这个会话"
    assert load_ticket(ticket_id).status is TicketStatus.WAITING and fake_rasa.calls == []


async def test_when_rasa_is_down_the_ticket_stays_ended_and_the_customer_can_be_told_later(
        desk, agent, fake_rasa):
    ticket_id = await claimed(agent, fake_rasa)
    fake_rasa.failing = True

    failed = await agent.post(f"/console/api/tickets/{ticket_id}/handback")

    assert failed.status == 502 and failed.body["retry"] is True and failed.body["ended"] is True
    assert failed.error.startswith("会话已交还机器人，但机器人服务暂时连不上")
    assert load_ticket(ticket_id).status is TicketStatus.RETURNED
    fake_rasa.failing = False

    resumed = await agent.post(f"/console/api/tickets/{ticket_id}/resume")

    assert resumed.status == 200
    [call] = fake_rasa.of("execute")
    assert call.body == {"name": "action_handoff_end"}
    twice = await agent.post(f"/console/api/tickets/{ticket_id}/resume")
    assert twice.status == 409 and twice.error == "这个会话不需要再通知顾客"
    assert len(fake_rasa.of("execute")) == 1


async def test_resume_is_refused_for_open_tickets_and_other_agents(desk, agent, second_agent,
                                                                  fake_rasa):
    ticket_id = await claimed(agent, fake_rasa)
    assert (await agent.post(f"/console/api/tickets/{ticket_id}/resume")).status == 409
    fake_rasa.failing = True
    await agent.post(f"/console/api/tickets/{ticket_id}/close")
    fake_rasa.failing = False
    other = await desk.signed_in(second_agent)

    assert (await other.post(f"/console/api/tickets/{ticket_id}/resume")).status == 409
    open_handoff()  # the customer asked for a person again meanwhile
    assert (await agent.post(f"/console/api/tickets/{ticket_id}/resume")).status == 409
    assert fake_rasa.of("execute") == []
