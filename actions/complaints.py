"""Complaints about the pickup point or its leader, recorded for staff."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import SafeAction, current_customer, latest_text
from bot import audit
from bot.db.session import unit_of_work


def _record(tracker: Tracker, action: str, **detail: Any) -> None:
    customer = current_customer(tracker)
    who = f"customer:{customer.id}" if customer else f"sender:{tracker.sender_id}"
    with unit_of_work() as session:
        audit.record(session, who, action, "conversation", tracker.sender_id,
                     text=latest_text(tracker)[:500], **detail)


class ActionComplainLeader(SafeAction):
    def name(self) -> str:
        return "action_complain_leader"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        _record(tracker, "leader.complaint")
        dispatcher.utter_message(response="utter_complain_leader")
        return []
