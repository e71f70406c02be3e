"""Which case a customer means when they urge or withdraw "it"."""
from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk.executor import CollectingDispatcher

from bot import messages
from bot.cases import CaseView, open_customer_cases
from bot.choices import case_ref
from bot.db.session import unit_of_work


@dataclass(frozen=True)
class CaseChoice:
    ref: str | None
    open_cases: list[CaseView]


def choose_case(customer_id: int, text: str) -> CaseChoice:
    """The ref named in ``text``, else the only open case, else no choice yet."""
    ref = case_ref(text)
    with unit_of_work() as session:
        cases = open_customer_cases(session, customer_id)
    if ref is None and len(cases) == 1:
        ref = cases[0].ref
    return CaseChoice(ref, cases)


def ask_which(dispatcher: CollectingDispatcher, response: str, cases: list[CaseView]) -> None:
    """Lists open cases and asks the customer to name one."""
    if not cases:
        dispatcher.utter_message(response="utter_no_open_cases")
        return
    options = [f"{c.ref} {c.product_name}（{messages.CASE_STATE[c.state]}）" for c in cases]
    dispatcher.utter_message(response=response, options=messages.numbered(options),
                             example=cases[0].ref)
