"""action_bind_leader: ``团长绑定 123456`` binds this chat to a group leader."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import IDENTITY_CHANNEL, SafeAction, latest_text, now
from bot.db.session import unit_of_work
from bot.leaders.identity import TooManyCodeAttempts, bind_leader

_CODE = re.compile(r"\d{6}")


class ActionBindLeader(SafeAction):
    def name(self) -> str:
        return "action_bind_leader"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        match = _CODE.search(latest_text(tracker))
        channel = tracker.get_latest_input_channel() or "rest"
        try:
            with unit_of_work() as session:
                leader = match and bind_leader(session, IDENTITY_CHANNEL.get(channel, channel),
                                               tracker.sender_id, match.group(0), now())
        except TooManyCodeAttempts:
            dispatcher.utter_message(response="utter_leader_bind_paused")
            return []
        if leader is None:
            dispatcher.utter_message(response="utter_leader_bind_failed")
            return []
        dispatcher.utter_message(response="utter_leader_bound", name=leader.name,
                                 point=leader.pickup_point_name)
        return []
