"""One thing at a time per key (a chat), in arrival order, without keeping idle locks."""
from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class KeyedLock:
    """An ``asyncio.Lock`` per key, dropped when nobody holds or waits for it.

    ``asyncio.Lock`` wakes waiters first come, first served, so tasks that enter
    :meth:`hold` as their first step run in the order they were created.
    """

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: Counter[str] = Counter()

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Holds the lock for ``key`` for the duration of the block."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)
