"""action_order_status: where the customer's goods are, from order data."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import CustomerAction, latest_text, now
from bot.catalogue import mentioned
from bot.customers import CustomerView
from bot.db.session import unit_of_work
from bot.orders import RECENT_DAYS, recent_lines
from bot.reports import order_report

SHOWN = 8


class ActionOrderStatus(CustomerAction):
    def name(self) -> str:
        return "action_order_status"

    async def act_for(self, customer: CustomerView, dispatcher: CollectingDispatcher,
                      tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        moment = now()
        with unit_of_work() as session:
            lines = recent_lines(session, customer.id, moment)
        if not lines:
            dispatcher.utter_message(response="utter_no_orders", days=RECENT_DAYS)
            return []
        named = mentioned(latest_text(tracker), [(line, line.product_names) for line in lines])
        waiting = [line for line in lines if not line.picked_up]
        shown = (named or waiting or lines)[:SHOWN]
        shown.sort(key=lambda line: (line.placed_at, line.line_id), reverse=True)
        dispatcher.utter_message(response="utter_order_status", report=order_report(shown, moment))
        return []
