"""Books losses as they happen: every ``interval`` seconds, approved cases whose goods were
disposed of on site or never arrived get their loss entry charged to the responsible party
(``bot.accounting.losses``), so the metrics and the suppliers' pages see them without
waiting for a reconciliation run. Booking is idempotent (one entry per case, enforced by
the database), so several Rasa replicas may run it.
"""
from __future__ import annotations

import asyncio
import logging

from bot.accounting.losses import book_pending_losses
from bot.db.session import unit_of_work
from channels.console.periodic import PeriodicJob

logger = logging.getLogger(__name__)
ACTOR = "system:losses"


def book_now() -> list[int]:
    """One round; returns the ids of the cases whose loss it booked."""
    with unit_of_work() as session:
        return [entry.case_id for entry in book_pending_losses(session, actor=ACTOR)]


class LossBookingJob(PeriodicJob):
    """Keeps the loss ledger up to date with approved cases."""

    def __init__(self, interval: float = 60.0) -> None:
        super().__init__(interval)

    async def check_once(self) -> list[int]:
        booked = await asyncio.to_thread(book_now)
        if booked:
            logger.info("losses booked for cases %s", booked)
        return booked
