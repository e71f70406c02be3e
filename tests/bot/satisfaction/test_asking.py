"""Asking a customer in their own chat, through Rasa's HTTP API, to score a case decided
for good: once, only for decided cases, never mid-claim, withdrawn when Rasa refuses."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from bot.cases import cancel_case, open_case, review
from bot.db import SatisfactionSurvey
from bot.db.session import unit_of_work
from bot.messaging.rasa_api import RasaUnavailable
from bot.policy import load_policy
from bot.satisfaction.asking import ask_case_in_chat
from tests.bot.cases.claims import customer_id, missing_claim

AFTERNOON = datetime(2026, 11, 22, 7, 0, tzinfo=timezone.utc)


def _surveys() -> list[SatisfactionSurvey]:
    with unit_of_work() as session:
        rows = session.scalars(select(SatisfactionSurvey).order_by(SatisfactionSurvey.id)).all()
        session.expunge_all()
        return list(rows)


class FakeChat:
    """Rasa's HTTP API as ``ask_case_in_chat`` uses it."""

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


async def ask_about_case(case_id: int, chat: "FakeChat") -> int | None:
    return await ask_case_in_chat(case_id, chat, AFTERNOON)


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
async def test_a_decided_case_is_scored_in_the_customers_chat_once(app_db, decision):
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
async def test_an_undecided_or_withdrawn_case_is_not_scored(app_db, decision):
    case_id, _ = _case(app_db, decide=decision)
    chat = FakeChat()

    assert await ask_about_case(case_id, chat) is None
    assert chat.sent == [] and _surveys() == []


async def test_a_customer_in_the_middle_of_a_claim_is_not_interrupted(app_db):
    case_id, _ = _case(app_db)
    chat = FakeChat({"paused": False, "active_loop": {"name": "return_form"}})

    assert await ask_about_case(case_id, chat) is None
    assert chat.sent == [] and _surveys() == []


async def test_a_question_rasa_does_not_take_is_withdrawn(app_db):
    case_id, _ = _case(app_db)

    assert await ask_about_case(case_id, FakeChat(failing=True)) is None

    assert _surveys() == []
    chat = FakeChat()
    assert await ask_about_case(case_id, chat) is not None, "asked when Rasa is back"
