"""action_case_status: the customer's cases and their timelines."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import CustomerAction, latest_text
from bot.cases import customer_cases
from bot.choices import case_ref
from bot.customers import CustomerView
from bot.db.session import unit_of_work
from bot.reports import case_report, next_step

SHOWN = 3


class ActionCaseStatus(CustomerAction):
    def name(self) -> str:
        return "action_case_status"

    async def act_for(self, customer: CustomerView, dispatcher: CollectingDispatcher,
                      tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
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
