"""action_case_status: the customer's cases and their timelines."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.cases import customer_cases
from bot.choices import case_ref
from bot.db.session import unit_of_work
from bot.reports import case_report, next_step

from actions.common import SafeAction, current_customer, latest_text

SHOWN = 3


class ActionCaseStatus(SafeAction):
    def name(self) -> str:
        return "action_case_status"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        customer = current_customer(tracker)
        if customer is None:
            dispatcher.utter_message(response="utter_unknown_customer")
            return []
        ref = case_ref(latest_text(tracker))
        with unit_of_work() as session:
            cases = customer_cases(session, customer.id, ref=ref, limit=SHOWN)
        if not cases:
            if ref:
                dispatcher.utter_message(response="utter_case_not_found", ref=ref)
            else:
                dispatcher.utter_message(response="utter_no_cases")
            return []
        report = "\n\n".join(
            case_report(case) + ("\n" + step if (step := next_step(case)) else "")
            for case in cases
        )
        dispatcher.utter_message(response="utter_case_status", report=report)
        return []
