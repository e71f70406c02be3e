"""action_cancel_case: withdraws an open case."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.case_choice import ask_which, choose_case
from actions.common import CustomerAction, actor, latest_text, now
from bot import messages
from bot.cases import CaseNotFound, InvalidTransition, cancel_case
from bot.customers import CustomerView
from bot.db.session import unit_of_work


class ActionCancelCase(CustomerAction):
    def name(self) -> str:
        return "action_cancel_case"

    async def act_for(self, customer: CustomerView, dispatcher: CollectingDispatcher,
                      tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        choice = choose_case(customer.id, latest_text(tracker))
        if choice.ref is None:
            ask_which(dispatcher, "utter_cancel_which", choice.open_cases)
            return []
        try:
            with unit_of_work() as session:
                case = cancel_case(session, customer.id, choice.ref, now(), actor(customer))
        except CaseNotFound:
            dispatcher.utter_message(response="utter_case_not_found", ref=choice.ref)
            return []
        except InvalidTransition as refused:
            dispatcher.utter_message(response="utter_cancel_not_allowed", ref=choice.ref,
                                     state=messages.CASE_STATE[refused.state])
            return []
        dispatcher.utter_message(response="utter_cancel_done", ref=case.ref)
        return []
