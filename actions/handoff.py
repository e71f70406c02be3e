"""Handing the conversation to a person and back (thin adapters over ``bot.handoff``)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    ConversationResumed,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy import select

from actions.common import SafeAction, current_customer, now, policy
from actions.return_claim import reset_form_slots
from bot.db import HandoffTicket, TicketStatus
from bot.db.session import unit_of_work
from bot.escalation import Escalation
from bot.handoff.hours import ServiceHours, opening_text
from bot.handoff.summary import HandoffRequest, build_ticket
from bot.handoff.tickets import open_ticket
from bot.handoff.wait import WaitEstimate, expected_wait
from bot.satisfaction import SURVEY_KEY, ask_about_handoff
from bot.settings import get_settings

_OPENING = {
    Escalation.HUMAN_REQUESTED: "utter_human_requested",
    Escalation.ANGRY: "utter_escalate_angry",
    Escalation.REPEATED_ANGER: "utter_escalate_angry",
    Escalation.NOT_UNDERSTOOD: "utter_escalate_not_understood",
    Escalation.MANUAL_REVIEW: "utter_escalate_manual_review",
    Escalation.OVERDUE_CASE: "utter_escalate_overdue_case",
}


def _service_hours() -> ServiceHours:
    settings = get_settings()
    return ServiceHours.parse(settings.service_hours, settings.service_timezone)


def _evidence_ids(tracker: Tracker) -> tuple[int, ...]:
    ids: list[int] = []
    for event in tracker.events:
        raw = (event.get("metadata") or {}).get("evidence_id") if event.get("event") == "user" else None
        if raw is not None and str(raw).isdigit() and int(raw) not in ids:
            ids.append(int(raw))
    photo = tracker.get_slot("photo")
    if photo is not None and int(photo) not in ids:
        ids.append(int(photo))
    return tuple(ids)


def _said(tracker: Tracker, kind: str) -> tuple[str, ...]:
    return tuple(e["text"] for e in tracker.events if e.get("event") == kind and e.get("text"))


def handoff_request(tracker: Tracker, reason: Escalation, customer_id: int | None) -> HandoffRequest:
    """What the conversation tells the agent: slots, photos, anger and both sides' words."""
    anger = ((tracker.latest_message or {}).get("anger") or {}).get("score") or 0.0
    line = tracker.get_slot("order_line_id")
    return HandoffRequest(
        conversation_id=tracker.sender_id, reason=reason.value,
        channel=tracker.get_latest_input_channel(), customer_id=customer_id,
        order_line_id=int(line) if line is not None else None,
        problem_reason=tracker.get_slot("problem_reason"),
        problem_description=tracker.get_slot("problem_description"),
        evidence_ids=_evidence_ids(tracker), anger=float(anger),
        case_ref=tracker.get_slot("case_ref"),
        bot_said=_said(tracker, "bot"), customer_said=_said(tracker, "user"),
    )


def _wait_reply(estimate: WaitEstimate, hours: ServiceHours, at: datetime) -> dict[str, Any]:
    if not estimate.in_hours:
        return {"response": "utter_handoff_after_hours", "hours": hours.describe(),
                "opens": opening_text(estimate.opens_at, at, hours.zone)}
    if estimate.minutes is None:
        return {"response": "utter_handoff_no_agent_online"}
    return {"response": "utter_handoff_wait", "minutes": estimate.minutes}


class ActionEscalate(SafeAction):
    """Opens a handoff ticket with a summary, tells the customer the wait, pauses the bot.

    ``EscalationPolicy`` predicts this action and sets the ``escalation`` slot to the reason.
    """

    def name(self) -> str:
        return "action_escalate"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        reason = Escalation(tracker.get_slot("escalation") or Escalation.HUMAN_REQUESTED)
        customer = current_customer(tracker)
        request = handoff_request(tracker, reason, customer and customer.id)
        at, hours, settings = now(), _service_hours(), get_settings()
        with unit_of_work() as session:
            ticket, _ = open_ticket(session, build_ticket(session, request, at, policy()), at)
            estimate = expected_wait(session, ticket, at, hours, settings.minutes_per_customer)
        dispatcher.utter_message(response=_OPENING[reason])
        dispatcher.utter_message(**_wait_reply(estimate, hours, at))
        # A form in progress stops here: the agent takes it from the summary.
        return [ActiveLoop(None), SlotSet("requested_slot", None), ConversationPaused()]


class ActionHandoffEnd(SafeAction):
    """Run by the desk when an agent hands back or closes: the bot speaks again.

    Tells the customer which of the two happened, asks for a 1–5 score about the handoff
    (a survey, ``bot.satisfaction``; the question carries the survey's id in its metadata,
    so ``EscalationPolicy`` routes the score given next to ``action_record_satisfaction``)
    and resumes the conversation with the escalation cleared. Run again for the same
    handoff (the desk retrying), it asks the same question again only while unanswered.
    """

    def name(self) -> str:
        return "action_handoff_end"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        with unit_of_work() as session:
            ticket = session.scalars(
                select(HandoffTicket)
                .where(HandoffTicket.conversation_id == tracker.sender_id)
                .order_by(HandoffTicket.id.desc())
            ).first()
            closed = ticket is not None and ticket.status is TicketStatus.CLOSED
            asked = ask_about_handoff(session, ticket, now()) if ticket is not None else None
        dispatcher.utter_message(response="utter_handoff_closed" if closed
                                 else "utter_handoff_returned")
        if asked is not None:
            dispatcher.utter_message(response="utter_ask_satisfaction",
                                     **{SURVEY_KEY: asked.survey_id})
        # The desk runs this outside a turn; listening last lets the next message start one.
        return [ConversationResumed(), *reset_form_slots(), SlotSet("escalation", None),
                SlotSet("handoff_signal", None), SlotSet("case_ref", None),
                ActionExecuted("action_listen")]


class ActionHandoffUnclaimed(SafeAction):
    """Run by the desk's watcher when nobody has claimed the ticket in time.

    The conversation stays paused; the customer hears an apology and a callback promise.
    """

    def name(self) -> str:
        return "action_handoff_unclaimed"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        hours = _service_hours()
        at = now()
        if hours.is_open(at):
            dispatcher.utter_message(response="utter_handoff_unclaimed")
        else:
            dispatcher.utter_message(response="utter_handoff_unclaimed_after_hours",
                                     opens=opening_text(hours.next_opening(at), at, hours.zone))
        return []
