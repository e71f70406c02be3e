"""Conversations written through Rasa's real SQL tracker store, for the review tests.

``Script`` describes one session the way Rasa records it (session start, customer
messages with what the NLU understood, bot and agent messages, an escalation); ``save``
stores scripts with ``UrlSQLTrackerStore`` exactly as the Rasa server would.
"""
from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.db.tracker_store import UrlSQLTrackerStore


@dataclass
class Script:
    """One conversation session, built step by step; each step is one second later."""

    sender_id: str
    start: datetime
    channel: str = "rest"
    events: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._clock = self.start.timestamp()
        self.events += [ActionExecuted("action_session_start", timestamp=self._tick()),
                        SessionStarted(timestamp=self._tick()),
                        ActionExecuted("action_listen", timestamp=self._tick())]

    def _tick(self, seconds: float = 1.0) -> float:
        self._clock += seconds
        return self._clock

    def says(self, text: str, intent: str, confidence: float = 0.95, anger: float = 0.05,
             entities: Iterable[dict] = (), after: float = 1.0) -> "Script":
        parse = {"text": text, "intent": {"name": intent, "confidence": confidence},
                 "entities": list(entities),
                 "anger": {"score": anger, "is_angry": anger >= 0.5}}
        self.events.append(UserUttered(text, parse_data=parse, input_channel=self.channel,
                                       timestamp=self._tick(after)))
        return self

    def bot(self, text: str, after: float = 1.0) -> "Script":
        self.events += [ActionExecuted("utter_reply", timestamp=self._tick(after)),
                        BotUttered(text, timestamp=self._tick(0.01)),
                        ActionExecuted("action_listen", timestamp=self._tick(0.01))]
        return self

    def agent(self, text: str, name: str, staff_id: int) -> "Script":
        self.events.append(BotUttered(text, metadata={"agent": name, "staff_id": staff_id},
                                      timestamp=self._tick()))
        return self

    def escalates(self, reason: str = "angry") -> "Script":
        self.events += [SlotSet("escalation", reason, timestamp=self._tick()),
                        ActionExecuted("action_escalate", timestamp=self._tick())]
        return self


def save(scripts: Iterable[Script], domain: Domain | None = None) -> None:
    """Stores every script through the tracker store (one ``save`` per script, each one a
    conversation's events appended as the Rasa server appends them)."""
    store = UrlSQLTrackerStore(domain or Domain.empty())

    async def run() -> None:
        for script in scripts:
            existing = await store.retrieve(script.sender_id)
            events = list(existing.events) if existing else []
            tracker = DialogueStateTracker.from_events(script.sender_id,
                                                       events + script.events)
            await store.save(tracker)

    asyncio.run(run())
