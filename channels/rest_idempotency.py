"""A REST message sent again is answered, not handled again (``metadata.message_id``).

A REST client that lost the answer to a message (a 502 or a reset connection, e.g. when
the Rasa replica serving it was killed) may send it again with the same
``"metadata": {"message_id": "<id>"}``. The message keeps that id (Rasa stores it as the
``message_id`` of the tracker's user event); when the conversation already holds a user
event with that id, the answer is the bot messages that followed it, replayed through
the request's output channel, so the JSON is the one Rasa gave the first time.

The check asks the tracker store whether the id is there (one indexed query with the SQL
tracker store), reads the tracker's latest conversation session only for a resend (it
comes seconds after the first attempt), and runs inside Rasa's per-conversation lock: :func:`handle_once` does what
``Agent.handle_message`` does (take ``agent.lock_store.lock(sender_id)``, then
``agent.processor.handle_message``) with the tracker look-up in between. A resend that
arrives while the first message is still being handled (on this or another replica)
waits for it and is then answered from the tracker.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import ResilientSQLTrackerStore

MAX_MESSAGE_ID_CHARS = 64
INVALID_MESSAGE_ID = (f"metadata.message_id must be a string of 1 to {MAX_MESSAGE_ID_CHARS} "
                      "printable characters")


class InvalidMessageId(ValueError):
    """``metadata.message_id`` is not a string of 1–64 printable characters."""


def message_id_of(metadata: Any) -> str | None:
    """The client's message id in a REST message's metadata.

    Args:
        metadata: The body's ``metadata`` (anything the client sent, or ``None``).

    Returns:
        ``metadata.message_id``; ``None`` when there is none.

    Raises:
        InvalidMessageId: The id is not a string of 1–64 printable characters.
    """
    if not isinstance(metadata, dict) or "message_id" not in metadata:
        return None
    message_id = metadata["message_id"]
    if (not isinstance(message_id, str) or not 1 <= len(message_id) <= MAX_MESSAGE_ID_CHARS
            or not message_id.isprintable()):
        raise InvalidMessageId(INVALID_MESSAGE_ID)
    return message_id


def replies_to(tracker: DialogueStateTracker | None, message_id: str
               ) -> list[dict[str, Any]] | None:
    """The bot messages that followed the user message ``message_id``.

    Args:
        tracker: The conversation (``None``: no conversation yet).
        message_id: The user message's id.

    Returns:
        Each bot message (``BotUttered.message()``, as Rasa sends it) between that user
        event and the next one; ``None`` when the tracker holds no such user event.
    """
    replies: list[dict[str, Any]] = []
    found = False
    for event in tracker.events if tracker is not None else ():
        if isinstance(event, UserUttered):
            if found:
                break
            found = event.message_id == message_id
        elif found and isinstance(event, BotUttered):
            replies.append(event.message())
    return replies if found else None


async def handle_once(agent: Any, message: UserMessage, message_id: str,
                      on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
    """Handles ``message`` as ``Agent.handle_message`` does, unless it was handled before.

    Args:
        agent: Rasa's agent (``app.ctx.agent``).
        message: The message, with the client's metadata.
        message_id: The client's id for it; becomes ``message.message_id``.
        on_new_message: Rasa's handler, used while the agent has no model (it logs and
            ignores the message).
    """
    message.message_id = message_id
    if not agent.is_ready():
        await on_new_message(message)
        return
    async with agent.lock_store.lock(message.sender_id):
        replies = None
        if await _may_hold(agent.tracker_store, message.sender_id, message_id):
            tracker = await agent.tracker_store.retrieve(message.sender_id)
            replies = replies_to(tracker, message_id)
        if replies is None:
            await agent.processor.handle_message(message)
            return
    for reply in replies:
        await message.output_channel.send_response(message.sender_id, reply)


async def _may_hold(store: TrackerStore, sender_id: str, message_id: str) -> bool:
    """Whether the conversation may hold ``message_id``: asked cheaply of a store that can
    (``bot.tracker_store``), else always (the tracker is read and looked through)."""
    inner = getattr(store, "_tracker_store", store)  # Rasa's FailSafeTrackerStore wraps it
    if isinstance(inner, ResilientSQLTrackerStore):
        return await inner.has_user_message(sender_id, message_id)
    return True
