"""Escalations to a person and complaints about the pickup point, recorded for staff."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import SafeAction, current_customer, latest_text
from bot import audit
from bot.db.session import unit_of_work
from bot.escalation import Escalation


def _record(tracker: Tracker, action: str, **detail: Any) -> None:
    customer = current_customer(tracker)
    who = f"customer:{customer.id}" if customer else f"sender:{tracker.sender_id}"
    with unit_of_work() as session:
        audit.record(session, who, action, "conversation", tracker.sender_id,
                     text=latest_text(tracker)[:500], **detail)


_REPLY = {
    Escalation.HUMAN_REQUESTED: "utter_human_requested",
    Escalation.ANGRY: "utter_escalate_angry",
    Escalation.REPEATED_ANGER: "utter_escalate_angry",
    Escalation.NOT_UNDERSTOOD: "utter_escalate_not_understood",
}


class ActionEscalate(SafeAction):
    """Tells the customer a person will follow up, and records why for staff.

    ``EscalationPolicy`` predicts this action and sets the ``escalation`` slot.
    """

    def name(self) -> str:
        return "action_escalate"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        reason = Escalation(tracker.get_slot("escalation") or Escalation.HUMAN_REQUESTED)
        anger = (tracker.latest_message or {}).get("anger") or {}
        _record(tracker, "handoff.requested", reason=reason.value,
                anger=anger.get("score"))
        dispatcher.utter_message(response=_REPLY[reason])
        return []


class ActionComplainLeader(SafeAction):
    def name(self) -> str:
        return "action_complain_leader"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        _record(tracker, "leader.complaint")
        dispatcher.utter_message(response="utter_complain_leader")
        return []
