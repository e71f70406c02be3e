"""Satisfaction in the dialogue: the score after a handoff, the comment after it, and the
question a customer gets in their own chat when their case is decided."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from actions.handoff import ActionEscalate, ActionHandoffEnd
from actions.satisfaction import ActionRecordSatisfaction, ActionRecordSatisfactionComment
from bot.db import FollowUp, SatisfactionSurvey, StaffAccount
from bot.db.session import unit_of_work
from bot.handoff import tickets
from tests.actions.trackers import domain, responses, run, tracker

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
