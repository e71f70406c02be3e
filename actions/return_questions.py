"""The return form's questions that depend on data: which item, how many, how to resolve."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import CustomerAction, latest_text, now
from actions.return_claim import assess_draft, draft_from
from bot import messages
from bot.answers import plain_number
from bot.catalogue import mentioned
from bot.customers import CustomerView
from bot.db.session import unit_of_work
from bot.enums import Resolution
from bot.orders import LineView, recent_lines
from bot.timefmt import ago

MAX_OFFERED = 8


def line_label(line: LineView) -> str:
    """``丹东草莓 2盒（1小时前取货）``."""
    amount = f"{plain_number(line.quantity)}{line.unit}"
    if line.picked_up_at is not None:
        when = f"{ago(line.picked_up_at, now())}取货"
    else:
        when = messages.STAGE[line.stage]
    return f"{line.product_name} {amount}（{when}）"


def _buttons(labels: list[str]) -> list[dict[str, str]]:
    return [{"title": label, "payload": str(i)} for i, label in enumerate(labels, start=1)]


class ActionAskOrderLineId(CustomerAction):
    """Lists the customer's recent lines as numbered choices (mentioned products first)."""

    def name(self) -> str:
        return "action_ask_order_line_id"

    async def act_for(self, customer: CustomerView, dispatcher: CollectingDispatcher,
                      tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        with unit_of_work() as session:
            lines = recent_lines(session, customer.id, now())
        preferred = mentioned(latest_text(tracker), [(line, line.product_names) for line in lines])
        ordered = (preferred + [line for line in lines if line not in preferred])[:MAX_OFFERED]
        labels = [line_label(line) for line in ordered]
        dispatcher.utter_message(response="utter_pick_order_line",
                                 options=messages.numbered(labels), buttons=_buttons(labels))
        return [SlotSet("offered_line_ids", [line.line_id for line in ordered])]


class ActionAskQuantity(CustomerAction):
    def name(self) -> str:
        return "action_ask_quantity"

    async def act_for(self, customer: CustomerView, dispatcher: CollectingDispatcher,
                      tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        line = assess_draft(draft_from(tracker, customer)).line
        dispatcher.utter_message(response="utter_how_many", product=line.product_name,
                                 bought=plain_number(line.quantity), unit=line.unit)
        return []


class ActionAskResolution(CustomerAction):
    """Offers the resolutions the policy allows for this claim, with the amount."""

    def name(self) -> str:
        return "action_ask_resolution"

    async def act_for(self, customer: CustomerView, dispatcher: CollectingDispatcher,
                      tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        decision = assess_draft(draft_from(tracker, customer)).decision
        labels = [
            messages.RESOLUTION[option]
            + ("" if option is Resolution.EXCHANGE else f" {messages.money(decision.refund_amount)}")
            for option in decision.resolutions
        ]
        dispatcher.utter_message(response="utter_pick_resolution",
                                 options=messages.numbered(labels), buttons=_buttons(labels))
        return []
