"""A pass of work run in the background of a server's event loop."""
from __future__ import annotations

import asyncio
import logging

logger = logging.getLogger(__name__)


class BackgroundLoop:
    """Runs ``run_pass`` at once when woken, else every ``poll_seconds``; a pass that
    fails is logged and the loop goes on (a database hiccup must not stop it for good).

    Subclasses implement ``run_pass``, returning ``True`` when there is more to do at once.
    """

    name = "background"

    def __init__(self, poll_seconds: float) -> None:
        self._poll_seconds = poll_seconds
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """Starts the loop on the running event loop (idempotent)."""
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run())

    def wake(self) -> None:
        """Asks for a pass now (starts the loop if needed)."""
        self.start()
        self._wake.set()

    async def stop(self) -> None:
        """Stops the loop (a pass under way is cancelled)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run_pass(self) -> bool:
        raise NotImplementedError

    async def _run(self) -> None:
        while True:
            await self._woken_or_timed_out()
            self._wake.clear()
            try:
                if await self.run_pass():
                    self._wake.set()
            except Exception:
                logger.exception("%s: pass failed", self.name)

    async def _woken_or_timed_out(self) -> None:
        # Not asyncio.wait_for: on Python 3.10 it swallows a cancellation that arrives as
        # the wake-up does (bpo-42130), and then stop() waited forever.
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({woken}, timeout=self._poll_seconds)
        finally:
            woken.cancel()
