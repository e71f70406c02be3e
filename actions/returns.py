"""Starting a return and submitting it: the two ends of the return form."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    SafeAction,
    actor,
    current_customer,
    latest_intent,
    latest_raw_text,
    now,
    policy,
)
from actions.return_claim import FORM_SLOTS, draft_from, reset_form_slots
from bot import messages
from bot.answers import REASON_BY_INTENT
from bot.cases import (
    CaseError,
    ClaimIncomplete,
    ClaimRefused,
    Opened,
    open_case,
)
from bot.db.session import unit_of_work
from bot.enums import Resolution, Review
from bot.escalation import Escalation
from bot.orders import RECENT_DAYS, recent_lines

QUALITY_INTENTS = frozenset(i for i, r in REASON_BY_INTENT.items() if r.is_quality)


class ActionStartReturn(SafeAction):
    """Checks the customer can start a return and clears what a previous one left."""

    def name(self) -> str:
        return "action_start_return"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        customer = current_customer(tracker)
        if customer is None:
            dispatcher.utter_message(response="utter_unknown_customer")
            return [SlotSet("return_ready", False)]
        with unit_of_work() as session:
            has_lines = bool(recent_lines(session, customer.id, now()))
        if not has_lines:
            dispatcher.utter_message(response="utter_no_orders", days=RECENT_DAYS)
            return [SlotSet("return_ready", False)]
        intent = latest_intent(tracker)
        dispatcher.utter_message(
            response="utter_start_return_quality" if intent in QUALITY_INTENTS
            else "utter_start_return"
        )
        reason = REASON_BY_INTENT.get(intent)
        return [
            *(SlotSet(name, None) for name in FORM_SLOTS),
            SlotSet("problem_reason", reason.value if reason else None),
            SlotSet("problem_description", latest_raw_text(tracker)[:500] or None),
            SlotSet("return_ready", True),
        ]


def _announce(dispatcher: CollectingDispatcher, opened: Opened) -> None:
    case = opened.case
    if not opened.created:
        dispatcher.utter_message(response="utter_case_exists", ref=case.ref,
                                 state=messages.CASE_STATE[case.state])
        return
    common = {"ref": case.ref, "explanation": case.decision_text}
    if case.review is not Review.AUTO:
        response = ("utter_case_opened_leader" if case.review is Review.LEADER
                    else "utter_case_opened_platform")
        hours = round((case.review_due_at - case.created_at).total_seconds() / 3600)
        dispatcher.utter_message(response=response, hours=hours, **common)
    elif case.resolution is Resolution.EXCHANGE:
        dispatcher.utter_message(response="utter_case_opened_exchange", **common)
    else:
        dispatcher.utter_message(
            response="utter_case_opened_auto", amount=messages.money(case.refund_amount),
            method=messages.REFUND_ROUTE[case.resolution], **common,
        )
    if case.review is Review.AUTO and case.compensation > 0:
        dispatcher.utter_message(response="utter_compensation",
                                 amount=messages.money(case.compensation))


class ActionSubmitReturn(SafeAction):
    """Checks the claim against the policy, explains the decision, opens the case."""

    def name(self) -> str:
        return "action_submit_return"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        customer = current_customer(tracker)
        draft = draft_from(tracker, customer) if customer else None
        if draft is None:
            dispatcher.utter_message(response="utter_default")
            return reset_form_slots()
        rules = policy()
        try:
            with unit_of_work() as session:
                opened = open_case(session, draft, now(), rules, actor(customer))
        except ClaimRefused as refused:
            dispatcher.utter_message(response="utter_claim_refused",
                                     explanation=refused.decision.explanation)
            return reset_form_slots()
        except ClaimIncomplete:
            dispatcher.utter_message(response="utter_photo_needed")
            return reset_form_slots()
        except CaseError:
            dispatcher.utter_message(response="utter_technical_problem")
            return reset_form_slots()
        _announce(dispatcher, opened)
        events = [*reset_form_slots(), SlotSet("case_ref", opened.case.ref)]
        if opened.created and opened.case.review is Review.PLATFORM:
            events.append(SlotSet("handoff_signal", Escalation.MANUAL_REVIEW.value))
        return events
