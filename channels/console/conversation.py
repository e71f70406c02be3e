"""A ticket's transcript, read from Rasa and turned into turns for the desk."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.messaging.rasa_api import RasaClient, RasaUnavailable
from bot.transcripts import photo_urls, to_turns
from channels.console import desk, texts

logger = logging.getLogger(__name__)

MAX_TURNS = 300


async def transcript(rasa: RasaClient, ticket_id: int, conversation_id: str,
                     customer_id: int | None) -> dict[str, Any]:
    """The latest ``MAX_TURNS`` turns of the conversation, or why they cannot be shown.

    Never raises for an unreachable Rasa: the rest of the conversation view still works.
    """
    try:
        tracker = await rasa.tracker(conversation_id)
    except RasaUnavailable as error:
        logger.warning("console: transcript of %s unavailable: %s", conversation_id, error)
        return {"ticket_id": ticket_id, "available": False,
                "error": texts.TRANSCRIPT_UNAVAILABLE, "turns": [], "paused": None}
    events = tracker.get("events") or []
    by_url = await asyncio.to_thread(desk.evidence_by_url, customer_id, photo_urls(events))
    turns = to_turns(events, by_url)
    return {"ticket_id": ticket_id, "available": True, "paused": tracker.get("paused"),
            "turns": [turn.as_dict() for turn in turns[-MAX_TURNS:]],
            "truncated": len(turns) > MAX_TURNS}
