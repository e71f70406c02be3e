"""action_bind_account: binds this chat to a customer by phone number and pickup code."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import IDENTITY_CHANNEL, SafeAction, latest_text, now
from bot.choices import PHONE
from bot.db.session import unit_of_work
from bot.identity import TooManyAttempts, bind

_CODE_TAIL = re.compile(r"(?<!\d)\d{4}(?!\d)")


def phone_and_code(text: str) -> tuple[str | None, str | None]:
    """The phone number and the four-digit code tail in ``text``, where present."""
    match = PHONE.search(text)
    if match is None:
        return None, None
    rest = text[:match.start()] + " " + text[match.end():]
    code = _CODE_TAIL.search(rest)
    return "".join(match.groups()), code.group(0) if code else None


class ActionBindAccount(SafeAction):
    def name(self) -> str:
        return "action_bind_account"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        phone, code = phone_and_code(latest_text(tracker))
        if phone is None:
            dispatcher.utter_message(response="utter_unknown_customer")
            return []
        if code is None:
            dispatcher.utter_message(response="utter_bind_needs_code")
            return []
        channel = tracker.get_latest_input_channel() or "rest"
        try:
            with unit_of_work() as session:
                customer = bind(session, IDENTITY_CHANNEL.get(channel, channel),
                                tracker.sender_id, phone, code, now())
        except TooManyAttempts:
            dispatcher.utter_message(response="utter_bind_locked")
            return []
        if customer is None:
            dispatcher.utter_message(response="utter_bind_failed")
            return []
        dispatcher.utter_message(response="utter_bound", name=customer.nickname or customer.name)
        return []
