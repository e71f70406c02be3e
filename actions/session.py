"""action_session_start: a new session, knowing whether this chat is a group leader's."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import IDENTITY_CHANNEL
from bot.db.session import unit_of_work
from bot.leaders.identity import identify_leader


def leader_of(tracker: Tracker) -> int | None:
    """The leader bound to this chat, if it is a leader's."""
    channel = tracker.get_latest_input_channel() or "rest"
    with unit_of_work() as session:
        leader = identify_leader(session, IDENTITY_CHANNEL.get(channel, channel),
                                 tracker.sender_id)
    return leader.id if leader else None


class ActionSessionStart(Action):
    """Starts the session as Rasa's default does, plus the ``leader_id`` slot.

    A failing lookup must not stop the session from starting: the chat then simply
    starts in customer mode, and the next session tries again.
    """

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SessionStarted()]
        try:
            leader_id = leader_of(tracker)
        except Exception:  # noqa: BLE001 - the session must start whatever the database does
            leader_id = None
        if leader_id is not None:
            events.append(SlotSet("leader_id", float(leader_id)))
        events.append(ActionExecuted("action_listen"))
        return events
