"""The threads a webhook's acceptance transaction runs in.

A webhook answers its platform once the message is in the inbox, and that transaction
runs in a thread so the event loop goes on. The loop's default thread pool also carries
Rasa's tracker store reads and saves, which under load can all be waiting for the
database at once; an acceptance queued behind them made the platform wait too. The
acceptances get threads of their own.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

T = TypeVar("T")

_ACCEPTING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-accept")


async def in_accepting_thread(accept: Callable[..., T], *args: object) -> T:
    """Runs ``accept(*args)`` in the acceptance threads and returns its result."""
    return await asyncio.get_running_loop().run_in_executor(_ACCEPTING, partial(accept, *args))
