"""Keeps the review index fresh while the server runs, so the leads' list and the
metrics never lag the conversations by more than a few seconds."""
from __future__ import annotations

import asyncio

from channels.console import review
from channels.console.periodic import PeriodicJob


class ReviewIndexJob(PeriodicJob):
    """Folds new tracker events into ``conversation_records`` every ``interval`` seconds."""

    def __init__(self, interval: float = 10.0) -> None:
        super().__init__(interval)

    async def check_once(self) -> int:
        return await asyncio.to_thread(review.indexer().catch_up)
