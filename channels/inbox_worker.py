"""Handling a channel's inbox (``bot.messaging.inbox``) in the background.

The channel acknowledges a message to its platform once it is in the inbox and wakes
the worker; the worker claims due messages, hands each to the channel's handler, and
records the outcome. A message a handler fails on is retried with back-off and, in the
end, given up (the channel apologises to the customer). A message claimed again after
its earlier handler died is first looked up in the tracker: if Rasa already stored it,
it is not handled twice.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.messaging import inbox
from bot.messaging.inbox import InboxItem
from bot.review.events import has_user_message, tracker_engine
from bot.settings import get_settings
from channels.background import BackgroundLoop

logger = logging.getLogger(__name__)
Handler = Callable[[InboxItem], Awaitable[None]]


def _claim(channel: str, limit: int) -> list[InboxItem]:
    with unit_of_work() as session:
        return inbox.claim_due(session, channel, utcnow(), limit)


def _done(item_id: int) -> None:
    with unit_of_work() as session:
        inbox.mark_done(session, item_id, utcnow())


def _failed(item_id: int, error: str) -> bool:
    with unit_of_work() as session:
        return inbox.mark_failed(session, item_id, error, utcnow())


def _renew(ids: list[int]) -> None:
    with unit_of_work() as session:
        inbox.renew(session, ids, utcnow())


def already_in_tracker(item: InboxItem) -> bool:
    """Whether Rasa stored this message before (its id is the channel's key)."""
    with tracker_engine().connect() as connection:
        return has_user_message(connection, item.sender, item.key)


class InboxWorker(BackgroundLoop):
    """Claims and handles one channel's inbox: at once when woken, else every
    ``poll_seconds`` (which is how retries and other processes' orphans are found).

    Args:
        channel: The inbox's channel name.
        handle: Handles one message; raising means "try again later".
        give_up: Called once when a message failed its last attempt.
        poll_seconds: Idle time between passes.
        concurrency: Messages handled at once (``INBOX_CONCURRENCY`` by default); a
            message is claimed only when one of these places is free, so the rest stay
            due for any process with room.
    """

    def __init__(self, channel: str, handle: Handler, give_up: Handler,
                 poll_seconds: float = 2.0, concurrency: int | None = None) -> None:
        super().__init__(poll_seconds)
        self.channel = channel
        self.name = f"{channel} inbox"
        self._handle = handle
        self._give_up = give_up
        self._concurrency = concurrency or get_settings().inbox_concurrency
        self._claiming = asyncio.Lock()
        self._working: dict[int, asyncio.Task] = {}
        self._finished = 0
        self._renewed = time.monotonic()

    async def stop(self) -> None:
        """Stops claiming; messages being handled finish first."""
        await super().stop()
        await asyncio.gather(*self._working.values(), return_exceptions=True)

    async def drain(self) -> None:
        """Handles everything due now and waits for it (tests and shutdown)."""
        self.start()
        while True:
            if self._working:
                await asyncio.gather(*list(self._working.values()), return_exceptions=True)
            finished = self._finished
            claimed = await self.pass_once()
            # A message finished during the pass may have made its sender's next one
            # due after the pass looked: then look again.
            if not claimed and not self._working and self._finished == finished:
                return

    async def pass_once(self) -> int:
        """Claims due messages for the free places and starts handling them; returns
        how many."""
        async with self._claiming:
            free = self._free_places()
            if free <= 0:
                return 0
            items = await asyncio.to_thread(_claim, self.channel, free)
        loop = asyncio.get_running_loop()
        for item in items:
            self._working[item.id] = loop.create_task(self._work(item))
        return len(items)

    async def run_pass(self) -> bool:
        await self._renew_leases()
        free = self._free_places()
        return free > 0 and await self.pass_once() >= free

    def _free_places(self) -> int:
        return self._concurrency - len(self._working)

    async def _renew_leases(self) -> None:
        if self._working and time.monotonic() - self._renewed >= inbox.LEASE.seconds / 3:
            await asyncio.to_thread(_renew, list(self._working))
            self._renewed = time.monotonic()

    async def _work(self, item: InboxItem) -> None:
        try:
            await self._attempt(item)
        except Exception:
            logger.exception("%s: finishing %s failed; unless its outcome was recorded, "
                             "its lease runs out and it is handled again", self.channel, item.key)
        finally:
            self._working.pop(item.id, None)
            self._finished += 1
            self.wake()  # the sender's next message may be due now

    async def _attempt(self, item: InboxItem) -> None:
        if item.attempts > 1 and await asyncio.to_thread(already_in_tracker, item):
            logger.info("%s: %s was handled before an interruption, not handled again",
                        self.channel, item.key)
            await asyncio.to_thread(_done, item.id)
            return
        try:
            await self._handle(item)
        except Exception as error:
            logger.warning("%s: handling %s from %s failed (attempt %s): %r", self.channel,
                           item.key, item.sender, item.attempts, error, exc_info=True)
            if not await asyncio.to_thread(_failed, item.id, repr(error)):
                await self._give_up(item)
            return
        await asyncio.to_thread(_done, item.id)
