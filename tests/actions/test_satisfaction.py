"""Satisfaction in the dialogue: the score after a handoff, the comment after it, and the
question a customer gets in their own chat when their case is decided."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from actions.handoff import ActionEscalate, ActionHandoffEnd
from actions.satisfaction import (
    ActionRecordSatisfaction,
    ActionRecordSatisfactionComment,
    ask_about_case,
)
from bot.cases import cancel_case, open_case, review
from bot.db import FollowUp, SatisfactionSurvey, StaffAccount
from bot.db.session import unit_of_work
from bot.handoff import tickets
from bot.policy import load_policy
from channels.console.rasa_api import RasaUnavailable
from tests.actions.trackers import domain, responses, run, tracker
from tests.bot.cases.claims import customer_id, missing_claim

# 2026-11-22 15:00 in Shanghai, inside the service hours.
AFTERNOON = datetime(2026, 11, 22, 7, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """Sets the actions' clock; returns a setter."""
    import actions.handoff
    import actions.satisfaction

    def set_to(moment: datetime) -> None:
        for module in (actions.handoff, actions.satisfaction):
            monkeypatch.setattr(module, "now", lambda: moment)

    set_to(AFTERNOON)
    return set_to


def _surveys() -> list[SatisfactionSurvey]:
    with unit_of_work() as session:
        rows = session.scalars(select(SatisfactionSurvey).order_by(SatisfactionSurvey.id)).all()
        session.expunge_all()
        return list(rows)


def _follow_ups() -> list[FollowUp]:
    with unit_of_work() as session:
        rows = session.scalars(select(FollowUp).order_by(FollowUp.id)).all()
        session.expunge_all()
        return list(rows)


async def _handed_back(sender: str = "demo-1") -> dict[str, Any]:
    """demo-1 got angry, an agent helped and handed back; returns the question asked."""
    await run(ActionEscalate(), tracker(sender, "草莓全烂了！！垃圾平台！！", "report_spoiled",
                                        {"escalation": "angry"}))
    with unit_of_work() as session:
        agent = session.scalars(select(StaffAccount.id)
                                .where(StaffAccount.username == "agent1")).one()
        ticket = tickets.open_ticket_for(session, sender)
        tickets.claim(session, ticket.id, agent, AFTERNOON)
        tickets.end(session, ticket.id, agent, AFTERNOON, close=False)
    messages, _ = await run(ActionHandoffEnd(), tracker(sender))
    return messages[-1]


# ---------------------------------------------------------------- scores


async def test_a_good_score_is_thanked_and_a_comment_invited(app_db, clock):
    question = await _handed_back()

    messages, events = await run(ActionRecordSatisfaction(), tracker("demo-1", "5"))

    assert responses(messages) == ["utter_thanks_rating"]
    [survey] = _surveys()
    assert messages[0]["satisfaction_comment"] == survey.id == question["satisfaction_survey"]
    assert (survey.score, survey.answered_at) == (5, AFTERNOON)
    assert _follow_ups() == [] and events == []


async def test_a_low_score_promises_a_call_back_and_leaves_a_follow_up(app_db, clock):
    await _handed_back()

    messages, _ = await run(ActionRecordSatisfaction(), tracker("demo-1", "２分"))

    assert responses(messages) == ["utter_thanks_rating_low"]
    assert "同事" in domain()["responses"]["utter_thanks_rating_low"][0]["text"]
    [survey] = _surveys()
    [follow_up] = _follow_ups()
    assert (follow_up.survey_id, follow_up.ticket_id, follow_up.reason) == (
        survey.id, survey.ticket_id, "low_satisfaction")
    assert follow_up.status.value == "open"


async def test_a_score_after_a_day_is_too_late(app_db, clock):
    await _handed_back()
    clock(AFTERNOON + timedelta(hours=25))

    messages, _ = await run(ActionRecordSatisfaction(), tracker("demo-1", "1"))

    assert responses(messages) == ["utter_satisfaction_expired"]
    assert _surveys()[0].score is None and _follow_ups() == []


async def test_a_score_without_a_question_is_not_kept(app_db, clock):
    messages, _ = await run(ActionRecordSatisfaction(), tracker("demo-2", "4"))

    assert responses(messages) == ["utter_satisfaction_expired"] and _surveys() == []


# ---------------------------------------------------------------- comments


async def test_the_comment_after_a_low_score_reaches_the_follow_up(app_db, clock):
    await _handed_back()
    await run(ActionRecordSatisfaction(), tracker("demo-1", "1"))

    messages, _ = await run(ActionRecordSatisfactionComment(), tracker(
        "demo-1", "客服回得太慢了，等了半小时"))

    assert responses(messages) == ["utter_thanks_comment_low"]
    [follow_up] = _follow_ups()
    with unit_of_work() as session:
        assert session.get(FollowUp, follow_up.id).survey.comment == "客服回得太慢了，等了半小时"


async def test_a_comment_after_a_good_score_is_kept_too(app_db, clock):
    await _handed_back()
    await run(ActionRecordSatisfaction(), tracker("demo-1", "5"))

    messages, _ = await run(ActionRecordSatisfactionComment(), tracker("demo-1", "小李很耐心"))

    assert responses(messages) == ["utter_thanks_comment"]
    assert _surveys()[0].comment == "小李很耐心" and _follow_ups() == []


@pytest.mark.parametrize("answer", ["没有", "不用了。", "算了", "没有了～"])
async def test_declining_to_comment_keeps_nothing(app_db, clock, answer):
    await _handed_back()
    await run(ActionRecordSatisfaction(), tracker("demo-1", "2"))

    messages, _ = await run(ActionRecordSatisfactionComment(), tracker("demo-1", answer))

    assert responses(messages) == ["utter_no_comment"]
    assert _surveys()[0].comment is None
    assert len(_follow_ups()) == 1, "the follow-up stays without a comment"


# ---------------------------------------------------------------- after a case is decided


class FakeChat:
    """Rasa's HTTP API as ``ask_about_case`` uses it."""

    def __init__(self, state: dict[str, Any] | None = None, failing: bool = False) -> None:
        self._state = state or {"paused": False, "active_loop": {}}
        self.failing = failing
        self.sent: list[tuple[str, str, dict[str, Any], str]] = []
        self.data: list[dict[str, Any] | None] = []

    async def state(self, conversation_id: str) -> dict[str, Any]:
        return self._state

    async def send_bot_message(self, conversation_id: str, text: str, metadata: dict[str, Any],
                               output_channel: str = "latest",
                               data: dict[str, Any] | None = None) -> None:
        if self.failing:
            raise RasaUnavailable("down")
        self.sent.append((conversation_id, text, metadata, output_channel))
        self.data.append(data)


def _case(app_db, *, decide: str | None = "reject") -> tuple[int, str]:
    """demo-1's missing strawberries, sent to the leader; rejected/approved if asked."""
    now = app_db.seeded_at + timedelta(minutes=5)
    with unit_of_work() as session:
        case = open_case(session, missing_claim(session, now), now, load_policy(), "customer").case
        if decide == "reject":
            review.reject(session, case.id, actor="leader:1", now=now, reason="袋子里有两盒")
        elif decide == "approve":
            review.approve(session, case.id, actor="leader:1", now=now)
        elif decide == "cancel":
            cancel_case(session, customer_id(session, "demo-1"), case.ref, now, "customer:1")
        return case.id, case.ref


@pytest.mark.parametrize("decision", ["reject", "approve"])
async def test_a_decided_case_is_scored_in_the_customers_chat_once(app_db, clock, decision):
    case_id, ref = _case(app_db, decide=decision)
    chat = FakeChat()

    survey_id = await ask_about_case(case_id, chat)

    [(conversation, text, metadata, channel)] = chat.sent
    assert (conversation, channel, metadata) == ("demo-1", "rest",
                                                 {"satisfaction_survey": survey_id})
    assert ref in text and "1-5" in text
    assert [b["payload"] for b in chat.data[0]["buttons"]] == ["1", "2", "3", "4", "5"]
    [survey] = _surveys()
    assert (survey.case_id, survey.subject.value, survey.conversation_id) == (
        case_id, "case", "demo-1")
    assert await ask_about_case(case_id, chat) is None and len(chat.sent) == 1, "asked once"


@pytest.mark.parametrize("decision", [None, "cancel"])
async def test_an_undecided_or_withdrawn_case_is_not_scored(app_db, clock, decision):
    case_id, _ = _case(app_db, decide=decision)
    chat = FakeChat()

    assert await ask_about_case(case_id, chat) is None
    assert chat.sent == [] and _surveys() == []


async def test_a_customer_in_the_middle_of_a_claim_is_not_interrupted(app_db, clock):
    case_id, _ = _case(app_db)
    chat = FakeChat({"paused": False, "active_loop": {"name": "return_form"}})

    assert await ask_about_case(case_id, chat) is None
    assert chat.sent == [] and _surveys() == []


async def test_a_question_rasa_does_not_take_is_withdrawn(app_db, clock):
    case_id, _ = _case(app_db)

    assert await ask_about_case(case_id, FakeChat(failing=True)) is None

    assert _surveys() == []
    chat = FakeChat()
    assert await ask_about_case(case_id, chat) is not None, "asked when Rasa is back"
