"""Handing over to a person: the ticket, the wait the customer hears, the way back."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from actions.handoff import ActionEscalate, ActionHandoffEnd, ActionHandoffUnclaimed
from bot.db import (
    HandoffTicket,
    Order,
    OrderLine,
    SatisfactionSurvey,
    StaffAccount,
    TicketStatus,
)
from bot.db.session import unit_of_work
from bot.handoff import tickets
from bot.handoff.wait import mark_seen
from bot.settings import get_settings
from tests.actions.lookups import line_id
from tests.actions.trackers import responses, run, slot_values, tracker

# 2026-11-22 15:00 in Shanghai: inside the default service hours 09:00-21:00.
AFTERNOON = datetime(2026, 11, 22, 7, 0, tzinfo=timezone.utc)
# 2026-11-22 23:30 in Shanghai: after hours.
LATE_EVENING = datetime(2026, 11, 22, 15, 30, tzinfo=timezone.utc)


def _shop_as_of(seeded_at: datetime, moment: datetime) -> None:
    """Moves the demo orders' times so that the shop looks as seeded at ``moment`` (the
    demo is seeded at the real time; these tests run the actions at fixed times)."""
    shift = moment - seeded_at
    with unit_of_work() as session:
        for order in session.scalars(select(Order)):
            order.placed_at += shift
        for line in session.scalars(select(OrderLine)):
            line.arrived_at = line.arrived_at and line.arrived_at + shift
            line.picked_up_at = line.picked_up_at and line.picked_up_at + shift


@pytest.fixture
def clock(app_db, monkeypatch: pytest.MonkeyPatch):
    """Sets the actions' clock, the demo shop as of ``AFTERNOON``; returns a setter."""
    import actions.handoff as module

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(module, "now", lambda: moment)

    _shop_as_of(app_db.seeded_at, AFTERNOON)
    set_to(AFTERNOON)
    return set_to


def _ticket(sender: str) -> HandoffTicket:
    with unit_of_work() as session:
        ticket = session.scalars(select(HandoffTicket).where(
            HandoffTicket.conversation_id == sender).order_by(HandoffTicket.id.desc())).first()
        session.expunge_all()
        return ticket


def _staff_id(username: str) -> int:
    with unit_of_work() as session:
        return session.scalars(select(StaffAccount.id).where(StaffAccount.username == username)).one()


def _angry(sender: str = "demo-1", **slots) -> object:
    track = tracker(sender, "草莓全烂了！！你们这什么垃圾平台！！", "report_spoiled",
                    {"escalation": "angry", **slots})
    track.latest_message["anger"] = {"score": 0.93, "is_angry": True}
    track.events.insert(0, {"event": "bot", "text": "您好呀～我是社区团购售后小助手🙂"})
    return track


async def test_an_angry_customer_gets_a_ticket_an_apology_the_wait_and_a_paused_bot(app_db, clock):
    with unit_of_work() as session:
        mark_seen(session, _staff_id("agent1"), AFTERNOON)

    messages, events = await run(ActionEscalate(), _angry(
        order_line_id=float(line_id("demo-1", "丹东草莓")), problem_reason="spoiled"))

    assert responses(messages) == ["utter_escalate_angry", "utter_handoff_wait"]
    assert messages[1]["minutes"] >= 1
    assert [e["event"] for e in events] == ["active_loop", "slot", "pause"]
    assert events[0]["name"] is None, "a form in progress stops for the agent"
    ticket = _ticket("demo-1")
    assert ticket.status is TicketStatus.WAITING and ticket.reason == "angry"
    summary = ticket.summary
    assert summary["customer"]["name"] and summary["order_line"]["product"] == "丹东草莓"
    assert summary["problem"]["reason"] == "spoiled" and summary["decision"]["text"]
    assert summary["anger"] == 0.93
    assert summary["bot_said"] == ["您好呀～我是社区团购售后小助手🙂"]
    assert summary["customer_said"] == ["草莓全烂了！！你们这什么垃圾平台！！"]


async def test_with_nobody_at_the_desk_the_customer_is_not_promised_minutes(app_db, clock):
    messages, _ = await run(ActionEscalate(), tracker(
        "demo-2", "转人工", "request_human", {"escalation": "human_requested"}))

    assert responses(messages) == ["utter_human_requested", "utter_handoff_no_agent_online"]
    assert _ticket("demo-2").reason == "human_requested"


async def test_after_hours_the_customer_hears_when_someone_will_reply(app_db, clock):
    clock(LATE_EVENING)

    messages, _ = await run(ActionEscalate(), tracker(
        "demo-2", "转人工", "request_human", {"escalation": "human_requested"}))

    assert responses(messages)[1] == "utter_handoff_after_hours"
    assert messages[1]["opens"] == "明天 09:00" and messages[1]["hours"] == "09:00–21:00"


async def test_asking_twice_keeps_one_ticket(app_db, clock):
    for _ in range(2):
        await run(ActionEscalate(), tracker(
            "demo-2", "转人工", "request_human", {"escalation": "human_requested"}))

    with unit_of_work() as session:
        count = len(session.scalars(select(HandoffTicket)).all())
    assert count == 1


async def test_an_unknown_sender_still_reaches_a_person(app_db, clock):
    messages, events = await run(ActionEscalate(), tracker(
        "stranger-9", "找人工", "request_human", {"escalation": "human_requested"}))

    assert responses(messages)[0] == "utter_human_requested"
    assert events[-1]["event"] == "pause"
    assert _ticket("stranger-9").summary["customer"] is None


def _hand_back(sender: str, *, close: bool) -> None:
    agent = _staff_id("agent1")
    with unit_of_work() as session:
        ticket = tickets.open_ticket_for(session, sender)
        tickets.claim(session, ticket.id, agent, AFTERNOON)
        tickets.end(session, ticket.id, agent, AFTERNOON, close=close)


@pytest.mark.parametrize("close, said", [(False, "utter_handoff_returned"),
                                         (True, "utter_handoff_closed")])
async def test_after_the_agent_the_bot_resumes_and_asks_for_a_score(app_db, clock, close, said):
    await run(ActionEscalate(), _angry())
    _hand_back("demo-1", close=close)

    messages, events = await run(ActionHandoffEnd(), tracker("demo-1"))

    assert responses(messages) == [said, "utter_ask_satisfaction"]
    with unit_of_work() as session:
        survey = session.scalars(select(SatisfactionSurvey)).one()
        assert (survey.ticket_id, survey.subject.value) == (_ticket("demo-1").id, "handoff")
    assert messages[1]["satisfaction_survey"] == survey.id, "the policy knows the question"
    assert events[0]["event"] == "resume" and events[-1]["name"] == "action_listen"
    cleared = slot_values(events)
    assert cleared["escalation"] is None and cleared["order_line_id"] is None
    assert set(cleared.values()) == {None}, "the next request starts fresh"


async def test_telling_the_customer_again_repeats_the_question_until_it_is_answered(app_db,
                                                                                   clock):
    await run(ActionEscalate(), _angry())
    _hand_back("demo-1", close=False)
    first, _ = await run(ActionHandoffEnd(), tracker("demo-1"))

    again, _ = await run(ActionHandoffEnd(), tracker("demo-1"))

    assert responses(again) == ["utter_handoff_returned", "utter_ask_satisfaction"]
    assert again[1]["satisfaction_survey"] == first[1]["satisfaction_survey"]
    with unit_of_work() as session:
        assert len(session.scalars(select(SatisfactionSurvey)).all()) == 1


async def test_an_unclaimed_customer_hears_an_apology_and_a_callback_promise(app_db, clock):
    messages, events = await run(ActionHandoffUnclaimed(), tracker("demo-1"))

    assert responses(messages) == ["utter_handoff_unclaimed"] and events == []


async def test_an_unclaimed_customer_after_hours_hears_when(app_db, clock):
    clock(LATE_EVENING + timedelta(hours=2))

    messages, _ = await run(ActionHandoffUnclaimed(), tracker("demo-1"))

    assert responses(messages) == ["utter_handoff_unclaimed_after_hours"]
    assert messages[0]["opens"] == "今天 09:00"
    assert get_settings().service_hours == "09:00-21:00"
