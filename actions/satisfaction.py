"""Satisfaction surveys in the dialogue (thin adapters over ``bot.satisfaction``).

One mechanism for both subjects: the bot message that asks for a score carries
``{"satisfaction_survey": <survey id>}`` in its metadata, the thank-you that invites a
comment ``{"satisfaction_comment": <survey id>}``; ``bot.dialogue.EscalationPolicy``
routes the customer's next message by them to the actions here. After a handoff,
``action_handoff_end`` asks (``utter_ask_satisfaction``); after a case is decided for
good, ``bot.satisfaction.asking`` asks in the customer's own chat through Rasa's HTTP API.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import SafeAction, latest_raw_text, now
from bot.db.session import unit_of_work
from bot.satisfaction import (
    COMMENT_KEY,
    is_no_comment,
    record_comment,
    record_score,
)
from bot.satisfaction.scores import parse_score

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
