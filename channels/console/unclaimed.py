"""Never silence: a customer nobody has claimed in time hears from the bot again.

Every ``interval`` seconds the watcher looks for tickets waiting longer than
``HANDOFF_CLAIM_TIMEOUT`` whose customer has not yet been told, marks each (a
conditional UPDATE, so with several Rasa replicas only one sends) and has Rasa run
``action_handoff_unclaimed`` in the conversation: an apology and a callback promise on
the customer's own channel. If Rasa cannot be reached the mark is taken back, so the
next round tries again.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.db.session import unit_of_work
from bot.handoff import tickets
from bot.messaging.rasa_api import RasaClient, RasaUnavailable
from channels.console.periodic import PeriodicJob

logger = logging.getLogger(__name__)

ACTION = "action_handoff_unclaimed"


class UnclaimedWatcher(PeriodicJob):
    """Tells waiting customers, once per ticket, that a person is still coming.

    Args:
        rasa: Where to run the action.
        clock: The current time.
        timeout: How long a ticket may wait unclaimed before the customer is told.
        interval: Seconds between checks.
    """

    def __init__(self, rasa: RasaClient, clock: Callable[[], datetime], timeout: timedelta,
                 interval: float = 5.0) -> None:
        super().__init__(interval)
        self._rasa = rasa
        self._clock = clock
        self._timeout = timeout

    def _due(self, now: datetime) -> list[int]:
        with unit_of_work() as session:
            return tickets.due_unclaimed_notice(session, now, self._timeout)

    @staticmethod
    def _take(ticket_id: int, now: datetime) -> str | None:
        """Marks the notice as sent; the conversation to tell, or ``None`` if taken."""
        with unit_of_work() as session:
            if not tickets.take_unclaimed_notice(session, ticket_id, now):
                return None
            return tickets.get_ticket(session, ticket_id).conversation_id

    @staticmethod
    def _release(ticket_id: int) -> None:
        with unit_of_work() as session:
            tickets.release_unclaimed_notice(session, ticket_id)

    async def check_once(self) -> list[int]:
        """Sends the notices now due; returns the tickets whose customer was told.

        Database work runs in a thread, off the server's event loop.
        """
        now = self._clock()
        told = []
        for ticket_id in await asyncio.to_thread(self._due, now):
            conversation_id = await asyncio.to_thread(self._take, ticket_id, now)
            if conversation_id is None:
                continue
            try:
                await self._rasa.execute(conversation_id, ACTION)
            except RasaUnavailable:
                logger.warning("could not tell %s about the wait; retrying", conversation_id)
                await asyncio.to_thread(self._release, ticket_id)
                continue
            told.append(ticket_id)
        return told
