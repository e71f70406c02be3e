"""action_urge_case: raises a case's priority and says what happens next."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.case_choice import ask_which, choose_case
from actions.common import CustomerAction, actor, latest_text, now
from bot import messages
from bot.cases import CaseNotFound, CaseNotOpen, urge_case
from bot.customers import CustomerView
from bot.db.session import unit_of_work
from bot.escalation import Escalation
from bot.reports import next_step


class ActionUrgeCase(CustomerAction):
    def name(self) -> str:
        return "action_urge_case"

    async def act_for(self, customer: CustomerView, dispatcher: CollectingDispatcher,
                      tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        choice = choose_case(customer.id, latest_text(tracker))
        if choice.ref is None:
            ask_which(dispatcher, "utter_urge_which", choice.open_cases)
            return []
        try:
            with unit_of_work() as session:
                urged = urge_case(session, customer.id, choice.ref, now(), actor(customer))
        except CaseNotFound:
            dispatcher.utter_message(response="utter_case_not_found", ref=choice.ref)
            return []
        except CaseNotOpen as closed:
            dispatcher.utter_message(response="utter_case_not_open", ref=choice.ref,
                                     state=messages.CASE_STATE[closed.state])
            return []
        case = urged.case
        if urged.overdue:
            dispatcher.utter_message(response="utter_urged_overdue", ref=case.ref)
            return [SlotSet("case_ref", case.ref),
                    SlotSet("handoff_signal", Escalation.OVERDUE_CASE.value)]
        dispatcher.utter_message(response="utter_urged", ref=case.ref,
                                 state=messages.CASE_STATE[case.state], next_step=next_step(case))
        return []
