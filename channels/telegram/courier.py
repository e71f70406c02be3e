"""Delivering the outbox's Telegram messages: in order per chat, retried until delivered
or recorded as undeliverable."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.db import OutboundMessage
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.evidence import MissingEvidence
from bot.messaging import (
    Delivery,
    OutboxMessage,
    claim_due,
    enqueue,
    mark_delivered,
    mark_failed,
    mark_undeliverable,
    prune_inbound_keys,
)
from channels.telegram.outgoing import send_payload
from channels.telegram.turns import KeyedLock

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
_WAITING = (Delivery.PENDING.value, Delivery.SENDING.value)


def _waiting(recipient: str) -> Any:
    return select(OutboundMessage).where(
        OutboundMessage.channel == CHANNEL, OutboundMessage.recipient == recipient,
        OutboundMessage.state.in_(_WAITING))


def _enqueue(recipient: str, payloads: list[dict[str, Any]], now: datetime) -> None:
    with unit_of_work() as session:
        for payload in payloads:
            enqueue(session, CHANNEL, recipient, payload, now)


def _claim_next(recipient: str, now: datetime) -> OutboxMessage | None:
    """Claims the recipient's oldest waiting message if it is due; later ones wait for it."""
    with unit_of_work() as session:
        oldest = session.scalars(_waiting(recipient).order_by(OutboundMessage.id).limit(1)).first()
        if oldest is None or oldest.next_attempt_at > now:
            return None
        claimed = claim_due(session, CHANNEL, now, limit=1, recipient=recipient)
        return claimed[0] if claimed else None


def _due_recipients(now: datetime) -> list[str]:
    with unit_of_work() as session:
        return list(session.scalars(select(OutboundMessage.recipient).distinct().where(
            OutboundMessage.channel == CHANNEL, OutboundMessage.state.in_(_WAITING),
            OutboundMessage.next_attempt_at <= now)))


def _delivered(message_id: int, now: datetime) -> None:
    with unit_of_work() as session:
        mark_delivered(session, message_id, now)


def _failed(message_id: int, error: str, now: datetime) -> bool:
    with unit_of_work() as session:
        return mark_failed(session, message_id, error, now)


def _undeliverable(message_id: int, reason: str) -> None:
    with unit_of_work() as session:
        mark_undeliverable(session, message_id, reason)


def _seconds(retry_after: int | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


class Courier:
    """Sends outbox messages with a ``Bot`` and keeps retrying the ones that failed.

    Args:
        bot: The configured python-telegram-bot ``Bot``.
        clock: The current time (tests move it forward instead of waiting).
        poll_seconds: How often the retry loop looks for messages due again.
    """

    def __init__(self, bot: Bot, clock: Callable[[], datetime] = utcnow,
                 poll_seconds: float = 1.0) -> None:
        self._bot = bot
        self._clock = clock
        self._poll_seconds = poll_seconds
        self._chats = KeyedLock()
        self._loop: asyncio.Task | None = None

    async def post(self, recipient: str, payloads: list[dict[str, Any]]) -> None:
        """Puts ``payloads`` in the outbox, then delivers what can be delivered now.

        Never raises: a message that cannot be sent now stays in the outbox.
        """
        try:
            await asyncio.to_thread(_enqueue, recipient, payloads, self._clock())
        except Exception:
            logger.exception("telegram: could not put %d message(s) for %s in the outbox",
                             len(payloads), recipient)
            return
        await self.deliver(recipient)

    async def deliver(self, recipient: str) -> None:
        """Sends the recipient's due messages, oldest first, stopping at one that must wait."""
        async with self._chats.hold(recipient):
            while True:
                message = await asyncio.to_thread(_claim_next, recipient, self._clock())
                if message is None or not await self._attempt(message):
                    return

    async def deliver_due(self) -> None:
        """One pass of the retry loop: every chat with a message due."""
        for recipient in await asyncio.to_thread(_due_recipients, self._clock()):
            await self.deliver(recipient)

    async def _attempt(self, message: OutboxMessage) -> bool:
        """Sends one message and records the outcome; ``False`` if later ones must wait."""
        try:
            await send_payload(self._bot, message.recipient, message.payload)
        except RetryAfter as error:
            wait = _seconds(error.retry_after)
            logger.warning("telegram: rate limited sending to %s, retry after %ss",
                           message.recipient, wait)
            # The back-off counts from the moment Telegram allows the next try.
            await asyncio.to_thread(_failed, message.id, f"429 retry after {wait}s",
                                    self._clock() + timedelta(seconds=wait))
            return False
        except (Forbidden, BadRequest, ChatMigrated, MissingEvidence) as error:
            reason = f"{type(error).__name__}: {error}"
            logger.warning("telegram: message %s to %s undeliverable: %s", message.id,
                           message.recipient, reason)
            await asyncio.to_thread(_undeliverable, message.id, reason)
            return True
        except Exception as error:  # network errors, 5xx, timeouts, anything unexpected
            if not isinstance(error, TelegramError):
                logger.exception("telegram: unexpected error sending message %s", message.id)
            kept = await asyncio.to_thread(_failed, message.id,
                                           f"{type(error).__name__}: {error}", self._clock())
            logger.warning("telegram: sending message %s to %s failed (%s: %s); %s",
                           message.id, message.recipient, type(error).__name__, error,
                           "will retry" if kept else "given up")
            return not kept
        await asyncio.to_thread(_delivered, message.id, self._clock())
        return True

    def start(self) -> None:
        """Starts the retry loop in the running event loop (once)."""
        if self._loop is None or self._loop.done():
            self._loop = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stops the retry loop; waiting messages stay in the outbox for the next start."""
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
            self._loop = None

    async def _run(self) -> None:
        while True:
            try:
                await self.deliver_due()
                await asyncio.to_thread(prune_inbound_keys)
            except Exception:
                logger.exception("telegram: retry pass failed")
            await asyncio.sleep(self._poll_seconds)
