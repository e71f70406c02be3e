"""validate_return_form: reads each answer of the return form, and decides which
questions the policy still needs answered."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.common import (
    current_customer,
    latest_intent,
    latest_text,
    now,
    remembering,
    run_safely,
)
from actions.return_claim import assess_draft, draft_from
from actions.return_photo import extract_photo_answer
from bot import answers
from bot.catalogue import mentioned
from bot.choices import parse_choice
from bot.db.session import unit_of_work
from bot.enums import Resolution
from bot.orders import recent_lines

# Intents that mean "stop and do something else", never an answer to the question.
INTERRUPTIONS = frozenset({"cancel_case", "request_human", "ask_return_policy",
                           "ask_order_status", "ask_case_status", "urge_case", "goodbye"})


class ValidateReturnForm(FormValidationAction):
    """Extraction and validation for ``return_form``."""

    def name(self) -> str:
        return "validate_return_form"

    async def run(self, dispatcher, tracker, domain):
        async def validate(said: CollectingDispatcher) -> list[dict[str, Any]]:
            with remembering():
                return await FormValidationAction.run(self, said, tracker, domain)

        return await run_safely(self.name(), tracker.sender_id, validate, dispatcher)

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Line and reason first; then only what the policy needs for this claim."""
        base = ["order_line_id", "problem_reason"]
        customer = current_customer(tracker)
        draft = draft_from(tracker, customer) if customer else None
        if draft is None:
            return base
        assessment = assess_draft(draft)
        decision = assessment.decision
        if not decision.eligible:
            return base
        needed = list(base)
        if assessment.line.quantity > 1 and assessment.line.picked_up:
            needed.append("quantity")
        for requirement in ("unopened", "photo"):
            if requirement in decision.missing or tracker.get_slot(requirement) is not None:
                needed.append(requirement)
        if len(decision.resolutions) > 1:
            needed.append("resolution")
        return needed

    def _answering(self, tracker: Tracker, slot: str) -> bool:
        return (tracker.get_slot("requested_slot") == slot
                and latest_intent(tracker) not in INTERRUPTIONS)

    async def extract_order_line_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("order_line_id") is not None:
            return {}
        requested = tracker.get_slot("requested_slot")
        if requested not in (None, "order_line_id") or latest_intent(tracker) in INTERRUPTIONS:
            return {}
        customer = current_customer(tracker)
        if customer is None:
            return {}
        with unit_of_work() as session:
            lines = recent_lines(session, customer.id, now())
        text = latest_text(tracker)
        offered = [int(i) for i in tracker.get_slot("offered_line_ids") or []]
        picked = parse_choice(text, len(offered)) if requested and offered else None
        if picked is not None:
            chosen = next((line for line in lines if line.line_id == offered[picked - 1]), None)
        else:
            matches = mentioned(text, [(line, line.product_names) for line in lines])
            chosen = matches[0] if len(matches) == 1 else None
            if chosen is None and len(lines) == 1 and requested is None:
                chosen = lines[0]
        if chosen is None:
            if requested == "order_line_id":
                dispatcher.utter_message(response="utter_order_line_invalid")
                return {"order_line_id": None}
            return {}
        dispatcher.utter_message(response="utter_order_line_picked",
                                 product=chosen.product_name, order_no=chosen.order_no)
        return {"order_line_id": float(chosen.line_id)}

    async def extract_problem_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("problem_reason") is not None or not self._answering(
            tracker, "problem_reason"
        ):
            return {}
        reason = answers.reason(latest_text(tracker), latest_intent(tracker))
        if reason is None:
            dispatcher.utter_message(response="utter_problem_reason_invalid")
            return {"problem_reason": None}
        return {"problem_reason": reason.value}

    async def extract_quantity(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not self._answering(tracker, "quantity"):
            return {}
        customer = current_customer(tracker)
        assessment = assess_draft(draft_from(tracker, customer))
        line = assessment.line
        amount = answers.quantity(latest_text(tracker), line.unit, line.quantity)
        if amount is None:
            dispatcher.utter_message(response="utter_quantity_invalid")
            return {"quantity": None}
        if amount > line.quantity:
            dispatcher.utter_message(response="utter_quantity_too_many", product=line.product_name,
                                     bought=answers.plain_number(line.quantity), unit=line.unit)
            return {"quantity": None}
        return {"quantity": str(amount)}

    async def extract_unopened(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not self._answering(tracker, "unopened"):
            return {}
        unopened = answers.unopened(latest_text(tracker), latest_intent(tracker))
        if unopened is None:
            dispatcher.utter_message(response="utter_unopened_invalid")
        return {"unopened": unopened}

    async def extract_photo(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not self._answering(tracker, "photo"):
            return {}
        return extract_photo_answer(dispatcher, tracker)

    async def extract_resolution(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not self._answering(tracker, "resolution"):
            return {}
        customer = current_customer(tracker)
        options = assess_draft(draft_from(tracker, customer)).decision.resolutions
        chosen: Resolution | None = answers.resolution(latest_text(tracker), options)
        if chosen is None:
            dispatcher.utter_message(response="utter_resolution_invalid")
            return {"resolution": None}
        return {"resolution": chosen.value}

