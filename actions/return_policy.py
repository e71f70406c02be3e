"""action_explain_policy: the after-sales rules, quoted from the policy file."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import SafeAction, latest_text, policy
from bot.catalogue import mentioned_category
from bot.db.session import unit_of_work
from bot.policy import describe


class ActionExplainPolicy(SafeAction):
    def name(self) -> str:
        return "action_explain_policy"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        with unit_of_work() as session:
            category = mentioned_category(session, latest_text(tracker))
        report = "\n".join(describe(policy(), category))
        dispatcher.utter_message(response="utter_policy", report=report)
        return []
