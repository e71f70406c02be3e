"""action_list_coupons: 「我的优惠券」 — the customer's usable coupons and store balance."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import CustomerAction, now
from bot.customers import CustomerView
from bot.db.session import unit_of_work
from bot.refunds.notices import coupons_report


class ActionListCoupons(CustomerAction):
    def name(self) -> str:
        return "action_list_coupons"

    async def act_for(self, customer: CustomerView, dispatcher: CollectingDispatcher,
                      tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        with unit_of_work() as session:
            report = coupons_report(session, customer.id, now())
        dispatcher.utter_message(response="utter_coupons", report=report)
        return []
