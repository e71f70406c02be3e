"""Asking a customer, in their own chat, to score a case decided for good: from outside
the customer's turn (a leader's decision, a refund paid), through Rasa's HTTP API.

The question is a bot message whose metadata carries the survey id (``SURVEY_KEY``), so
``bot.dialogue.EscalationPolicy`` recognises the answer.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Protocol

from bot.db import ReturnCase
from bot.db.session import unit_of_work
from bot.messaging.rasa_api import RasaUnavailable
from bot.satisfaction.surveys import SURVEY_KEY, ask_about_case, customer_chat, withdraw
from bot.satisfaction.texts import CASE_QUESTION, SCORE_BUTTONS

logger = logging.getLogger(__name__)


class ChatApi(Protocol):
    """What asking needs of Rasa's HTTP API (``RasaClient``)."""

    async def state(self, conversation_id: str) -> dict[str, Any]: ...

    async def send_bot_message(self, conversation_id: str, text: str,
                               metadata: dict[str, Any], output_channel: str = ...,
                               data: dict[str, Any] | None = None) -> None: ...


def _chat_of_case_customer(case_id: int) -> tuple[str, str] | None:
    with unit_of_work() as session:
        case = session.get(ReturnCase, case_id)
        identity = customer_chat(session, case.customer_id) if case is not None else None
        return (identity.channel, identity.external_id) if identity is not None else None


def _ask(case_id: int, conversation_id: str, now: datetime) -> tuple[int, str] | None:
    with unit_of_work() as session:
        asked = ask_about_case(session, case_id, conversation_id, now)
        return (asked.survey_id, CASE_QUESTION.format(ref=asked.case_ref)) if asked else None


def _withdraw(survey_id: int) -> None:
    with unit_of_work() as session:
        withdraw(session, survey_id)


async def ask_case_in_chat(case_id: int, rasa: ChatApi, now: datetime) -> int | None:
    """Asks the customer of a case just decided for good to score it, in the chat they
    bound last, right after the decision notice; returns the survey's id.

    Nothing is asked when the case is not decided for good or was asked about before,
    when the customer has no chat, a person holds the conversation (their handoff's
    survey covers it) or the customer is in the middle of a form (a bare number would be
    their answer to the form). A question Rasa does not take is withdrawn.
    """
    chat = await asyncio.to_thread(_chat_of_case_customer, case_id)
    if chat is None:
        return None
    channel, conversation_id = chat
    try:
        state = await rasa.state(conversation_id)
    except RasaUnavailable as error:
        logger.warning("no survey for case %s: %s", case_id, error)
        return None
    if state.get("paused") or (state.get("active_loop") or {}).get("name"):
        return None
    asked = await asyncio.to_thread(_ask, case_id, conversation_id, now)
    if asked is None:
        return None
    survey_id, text = asked
    try:
        await rasa.send_bot_message(conversation_id, text, {SURVEY_KEY: survey_id},
                                    output_channel=channel,
                                    data={"buttons": [dict(b) for b in SCORE_BUTTONS]})
    except RasaUnavailable as error:
        logger.warning("survey %s for case %s not sent: %s", survey_id, case_id, error)
        await asyncio.to_thread(_withdraw, survey_id)
        return None
    return survey_id
