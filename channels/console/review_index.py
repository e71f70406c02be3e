"""Keeps the review index fresh while the server runs, so the leads' list and the
metrics never lag the conversations by more than a few seconds.

By itself the job folds new tracker events in every ``interval`` seconds. With an event
broker (``EVENT_BROKER_URL``, the production profile) it also listens to the
conversation events Rasa publishes to RabbitMQ: an event wakes it, it lets the events
settle (the indexer leaves events younger than its settle window for the next run)
and indexes at once — a couple of seconds behind the conversation instead of up to ten.
Many events arriving together make one run. One replica reads the events (an exclusive
consumer) and indexes; the others stand by and skip their timer runs, so replicas do not
race for the same batch. While RabbitMQ is away every replica falls back to its timer.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from bot.settings import get_settings
from channels.broker_consumer import EventConsumer
from channels.console import review
from channels.console.periodic import PeriodicJob

logger = logging.getLogger(__name__)
#: A little more than the indexer's settle window (``ConversationIndexer``, 2 s).
SETTLE_SECONDS = 2.2
#: ``broker_url`` default: the configured ``EVENT_BROKER_URL``.
FROM_SETTINGS: Any = object()


class ReviewIndexJob(PeriodicJob):
    """Folds new tracker events into ``conversation_records`` every ``interval`` seconds,
    and ``settle`` seconds after conversation events arrive from the broker.

    Args:
        interval: Seconds between runs without events.
        broker_url: RabbitMQ (``EVENT_BROKER_URL``); ``None`` for the timer alone.
        queue: The queue Rasa's pika broker publishes to (``EVENT_BROKER_QUEUE``).
        settle: Seconds between an event's arrival and the run it wakes.
    """

    def __init__(self, interval: float = 10.0, *, broker_url: str | None = FROM_SETTINGS,
                 queue: str | None = None, settle: float = SETTLE_SECONDS) -> None:
        super().__init__(interval)
        settings = get_settings()
        url = settings.event_broker_url if broker_url is FROM_SETTINGS else broker_url
        self._settle = settle
        self._woken: asyncio.Event | None = None
        self.runs = 0
        # Exclusive: one replica indexes on events, the others stand by (two replicas
        # woken by the same burst would only race for the same batch).
        self.consumer = (EventConsumer(url, queue or settings.event_queue, self._on_event,
                                       exclusive=True) if url else None)

    async def check_once(self) -> int:
        self.runs += 1
        return await asyncio.to_thread(review.indexer().catch_up)

    def _on_event(self, event: Mapping[str, Any]) -> None:
        if self._woken is not None:
            self._woken.set()

    async def _pause(self) -> None:
        """Until the next run: ``interval`` seconds, or ``settle`` after an event."""
        try:
            await asyncio.wait_for(self._woken.wait(), timeout=self._interval)
        except asyncio.TimeoutError:
            return
        await asyncio.sleep(self._settle)
        # Events that came in while settling are taken in by the coming run.
        self._woken.clear()

    @property
    def standing_by(self) -> bool:
        """Another replica reads the events (and indexes): this one leaves it to it."""
        return self.consumer is not None and self.consumer.standby

    async def _run(self) -> None:
        while True:
            if not self.standing_by:
                try:
                    await self.check_once()
                except Exception:
                    logger.exception("%s round failed", type(self).__name__)
            await self._pause()

    def start(self) -> None:
        if self._woken is None:
            self._woken = asyncio.Event()
        super().start()
        if self.consumer is not None:
            self.consumer.start()

    async def stop(self) -> None:
        if self.consumer is not None:
            with contextlib.suppress(Exception):
                await self.consumer.stop()
        await super().stop()
