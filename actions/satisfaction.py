"""Satisfaction surveys in the dialogue (thin adapters over ``bot.satisfaction``).

One mechanism for both subjects: the bot message that asks for a score carries
``{"satisfaction_survey": <survey id>}`` in its metadata, the thank-you that invites a
comment ``{"satisfaction_comment": <survey id>}``; ``bot.dialogue.EscalationPolicy``
routes the customer's next message by them to the actions here. After a handoff,
``action_handoff_end`` asks (``utter_ask_satisfaction``); after a case is decided for
good, ``ask_about_case`` asks in the customer's own chat through Rasa's HTTP API.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import SafeAction, latest_raw_text, now
from bot.db import ReturnCase
from bot.db.session import unit_of_work
from bot.satisfaction import (
    COMMENT_KEY,
    SURVEY_KEY,
    customer_chat,
    is_no_comment,
    record_comment,
    record_score,
    withdraw,
)
from bot.satisfaction import ask_about_case as ask_case
from bot.satisfaction.scores import parse_score
from bot.satisfaction.texts import CASE_QUESTION, SCORE_BUTTONS
from channels.console.rasa_api import RasaClient, RasaUnavailable

logger = logging.getLogger(__name__)


class ActionRecordSatisfaction(SafeAction):
    """Keeps the customer's 1–5 score, thanks them and invites a comment; a low score's
    thank-you says a colleague will call back (a follow-up is open for agents)."""

    def name(self) -> str:
        return "action_record_satisfaction"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        score = parse_score(latest_raw_text(tracker))
        if score is None:
            dispatcher.utter_message(response="utter_ask_satisfaction")
            return []
        with unit_of_work() as session:
            scored = record_score(session, tracker.sender_id, score, now())
        if scored is None:
            dispatcher.utter_message(response="utter_satisfaction_expired")
            return []
        dispatcher.utter_message(
            response="utter_thanks_rating_low" if scored.low else "utter_thanks_rating",
            **{COMMENT_KEY: scored.survey_id})
        return []


class ActionRecordSatisfactionComment(SafeAction):
    """Keeps the message after the invitation as the comment on the score (``没有``,
    ``算了``… decline politely and keep nothing)."""

    def name(self) -> str:
        return "action_record_satisfaction_comment"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        text = latest_raw_text(tracker)
        if is_no_comment(text):
            dispatcher.utter_message(response="utter_no_comment")
            return []
        with unit_of_work() as session:
            commented = record_comment(session, tracker.sender_id, text, now())
        if commented is None:
            dispatcher.utter_message(response="utter_no_comment")
            return []
        dispatcher.utter_message(response="utter_thanks_comment_low" if commented.low
                                 else "utter_thanks_comment")
        return []


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


def _ask(case_id: int, conversation_id: str) -> tuple[int, str] | None:
    with unit_of_work() as session:
        asked = ask_case(session, case_id, conversation_id, now())
        return (asked.survey_id, CASE_QUESTION.format(ref=asked.case_ref)) if asked else None


def _withdraw(survey_id: int) -> None:
    with unit_of_work() as session:
        withdraw(session, survey_id)


async def ask_about_case(case_id: int, rasa: ChatApi | None = None) -> int | None:
    """Asks the customer of a case just decided for good to score it, in the chat they
    bound last, right after the decision notice; returns the survey's id.

    Nothing is asked when the case is not decided for good or was asked about before,
    when the customer has no chat, a person holds the conversation (their handoff's
    survey covers it) or the customer is in the middle of a form (a bare number would be
    their answer to the form). A question Rasa does not take is withdrawn.
    """
    rasa = rasa or RasaClient.from_settings()
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
    asked = await asyncio.to_thread(_ask, case_id, conversation_id)
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
