"""A background loop passes when woken or when its poll time is up, and stops when asked,
even when a wake-up arrives with the stop."""
from __future__ import annotations

import asyncio

from channels.background import BackgroundLoop


class Counting(BackgroundLoop):
    def __init__(self, poll_seconds: float) -> None:
        super().__init__(poll_seconds)
        self.passes = 0

    async def run_pass(self) -> bool:
        self.passes += 1
        return False


async def test_a_wake_up_runs_a_pass_at_once():
    loop = Counting(poll_seconds=60)
    loop.wake()
    await asyncio.sleep(0.05)
    assert loop.passes == 1
    await loop.stop()


async def test_without_a_wake_up_it_passes_every_poll():
    loop = Counting(poll_seconds=0.02)
    loop.start()
    await asyncio.sleep(0.2)
    await loop.stop()
    assert loop.passes >= 3


async def test_stop_returns_even_when_woken_at_the_same_moment():
    for _ in range(50):
        loop = Counting(poll_seconds=60)
        loop.start()
        await asyncio.sleep(0)
        loop.wake()
        await asyncio.wait_for(loop.stop(), timeout=2)
