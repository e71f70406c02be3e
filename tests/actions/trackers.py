"""Building rasa-sdk trackers and running actions the way the action server does."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import ROOT


@lru_cache(maxsize=1)
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def tracker(
    sender: str,
    text: str = "",
    intent: str | None = None,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    """A tracker whose latest event is the customer's message ``text``."""
    all_slots = {name: None for name in domain()["slots"]}
    all_slots["requested_slot"] = None
    all_slots.update(slots or {})
    parse = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []}
    events = [{"event": "user", "text": text, "parse_data": parse, "metadata": metadata or {},
               "input_channel": "rest"}]
    return Tracker(sender, all_slots, parse, events, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


async def run(action: Action, track: Tracker) -> tuple[list[dict], list[dict]]:
    """Runs ``action``; returns (messages sent, events returned)."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, track, domain())
    return dispatcher.messages, events


def responses(messages: list[dict]) -> list[str]:
    return [m.get("response") for m in messages]


def slot_values(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
