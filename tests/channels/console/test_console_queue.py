"""The queue, claiming, and the live event stream of the desk."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.db import TicketStatus
from bot.db.base import utcnow
from tests.channels.console.conftest import load_ticket, open_handoff, read_events, staff_id


async def test_the_queue_lists_waiting_tickets_by_urgency_then_those_with_an_agent(desk, agent):
    now = utcnow()
    calm = open_handoff("demo-2", reason="human_requested", anger=0.1, product=None,
                        now=now - timedelta(minutes=3))
    angry = open_handoff("demo-1", reason="angry", anger=0.9)
    old = open_handoff("demo-4", reason="not_understood", anger=0.0, product=None,
                       now=now - timedelta(minutes=90))
    taken = open_handoff("demo-3", reason="human_requested", product=None)
    assert (await agent.post(f"/console/api/tickets/{taken}/claim")).status == 200

    answer = await agent.get("/console/api/queue")

    assert answer.status == 200
    rows = answer.body["tickets"]
    assert [row["id"] for row in rows] == [old, angry, calm, taken]
    first, second = rows[0], rows[1]
    assert first["waited_minutes"] >= 89 and first["reason_label"] == "机器人多次没听懂"
    assert second["customer_name"] == "王小美" and second["reason_label"] == "情绪激动"
    assert second["product"] == "丹东草莓" and second["anger"] == 0.9
    assert second["status"] == "waiting" and second["claimed_by"] is None
    assert rows[3]["status"] == "claimed" and rows[3]["mine"] is True
    assert rows[3]["claimed_by"] == {"id": staff_id("agent1"), "name": "客服小李"}


async def test_claim_gives_the_ticket_to_one_agent_and_the_second_is_told_who(
        desk, agent, second_agent):
    other = await desk.signed_in(second_agent)
    ticket_id = open_handoff()

    first, second = await asyncio.gather(
        agent.post(f"/console/api/tickets/{ticket_id}/claim"),
        other.post(f"/console/api/tickets/{ticket_id}/claim"),
    )

    statuses = sorted([first.status, second.status])
    assert statuses == [200, 409]
    winner, loser = (first, second) if first.status == 200 else (second, first)
    winner_name = winner.body["ticket"]["claimed_by"]["name"]
    assert loser.error == f"已被 {winner_name} 接手"
    ticket = load_ticket(ticket_id)
    assert ticket.status is TicketStatus.CLAIMED
    assert ticket.claimed_by == staff_id("agent1" if winner is first else "agent2")


async def test_claiming_again_is_harmless_and_unclaim_puts_it_back(desk, agent, second_agent):
    ticket_id = open_handoff()
    assert (await agent.post(f"/console/api/tickets/{ticket_id}/claim")).status == 200
    again = await agent.post(f"/console/api/tickets/{ticket_id}/claim")
    assert again.status == 200 and again.body["ticket"]["mine"] is True

    other = await desk.signed_in(second_agent)
    refused = await other.post(f"/console/api/tickets/{ticket_id}/unclaim")
    assert refused.status == 409 and refused.error == "已被 客服小李 接手"

    released = await agent.post(f"/console/api/tickets/{ticket_id}/unclaim")
    assert released.status == 200 and released.body["ticket"]["status"] == "waiting"
    assert (await other.post(f"/console/api/tickets/{ticket_id}/claim")).status == 200


async def test_unknown_and_ended_tickets_are_refused_clearly(desk, agent, fake_rasa):
    assert (await agent.post("/console/api/tickets/999/claim")).status == 404
    assert (await agent.get("/console/api/tickets/999")).body == {"error": "没有这个会话"}
    ticket_id = open_handoff()
    await agent.post(f"/console/api/tickets/{ticket_id}/claim")
    assert (await agent.post(f"/console/api/tickets/{ticket_id}/close")).status == 200

    again = await agent.post(f"/console/api/tickets/{ticket_id}/claim")

    assert again.status == 409 and again.error == "该会话已交还/结束"


async def test_the_event_stream_sends_the_queue_and_then_each_new_ticket(desk, agent):
    first = open_handoff("demo-2", product=None)
    async with agent.http.get(desk.url + "/console/api/events") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        events = await read_events(response, "queue")
        assert [t["id"] for t in events[-1][1]["tickets"]] == [first]

        second = open_handoff("demo-1", reason="angry", anger=0.95)
        events = await read_events(response, "queue")

        assert [t["id"] for t in events[-1][1]["tickets"]] == [second, first]
        assert events[-1][1]["tickets"][0]["status"] == "waiting"


async def test_the_event_stream_only_sends_the_queue_again_when_it_changes(desk, agent):
    open_handoff()
    async with agent.http.get(desk.url + "/console/api/events") as response:
        await read_events(response, "queue")
        seen = await read_events(response, "comment", timeout=5)  # a heartbeat
        assert all(name != "queue" for name, _ in seen)


async def test_the_event_stream_for_a_ticket_sends_what_the_customer_says_while_paused(
        desk, agent, fake_rasa):
    ticket_id = open_handoff()
    fake_rasa.customer_says("demo-1", "转人工")
    fake_rasa.add("demo-1", {"event": "pause"})
    url = f"{desk.url}/console/api/events?ticket={ticket_id}"
    async with agent.http.get(url) as response:
        events = await read_events(response, "transcript")
        first = events[-1][1]
        assert first["ticket_id"] == ticket_id and first["paused"] is True
        assert [t["kind"] for t in first["turns"]] == ["customer", "marker"]

        fake_rasa.customer_says("demo-1", "人呢？怎么还没人理我", intent="urge_case")
        events = await read_events(response, "transcript")

        turns = events[-1][1]["turns"]
        assert turns[-1]["kind"] == "customer" and turns[-1]["text"] == "人呢？怎么还没人理我"


async def test_the_stream_of_a_ticket_when_rasa_is_down_says_the_transcript_is_unavailable(
        desk, agent, fake_rasa):
    ticket_id = open_handoff()
    fake_rasa.failing = True
    async with agent.http.get(f"{desk.url}/console/api/events?ticket={ticket_id}") as response:
        events = await read_events(response, "transcript")

    assert events[-1][1]["available"] is False
    assert events[-1][1]["error"].startswith("对话记录暂时取不到")


async def test_streams_end_when_the_server_stops(desk, agent):
    async with agent.http.get(desk.url + "/console/api/events") as response:
        await read_events(response, "queue")
        desk.channel.stream.stop()
        rest = await asyncio.wait_for(response.content.read(), 5)
    assert b"event: queue" not in rest
