"""A job the Rasa process runs every few seconds while the server is up."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from typing import Any

logger = logging.getLogger(__name__)


class PeriodicJob(ABC):
    """Calls ``check_once`` every ``interval`` seconds between ``start`` and ``stop``;
    a failing round is logged and the next one runs as usual."""

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._task: asyncio.Task | None = None

    @abstractmethod
    async def check_once(self) -> Any:
        """One round of the job."""

    async def _run(self) -> None:
        while True:
            try:
                await self.check_once()
            except Exception:
                logger.exception("%s round failed", type(self).__name__)
            await asyncio.sleep(self._interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
