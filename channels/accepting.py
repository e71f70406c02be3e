"""The acceptance transactions of the webhooks: group commit in a thread of their own.

A webhook answers its platform once the message is in the inbox. Messages come in
bursts (when the assistant's answers go out, the customers answer together), and as
transactions of their own a burst's acceptances queued for the database's write lock one
after another (SQLite has one writer; each wait for the lock was another customer's
wait too). Here the acceptances waiting at one moment are written in one transaction:
a burst costs one wait for the lock and one commit. Should one of them raise, the others
are written again without it, so a bad acceptance fails only its own request.

The thread is not the event loop's default pool, which the tracker store's reads and
saves share: under load those can all be waiting for the database.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from bot.db.session import unit_of_work

logger = logging.getLogger(__name__)
T = TypeVar("T")
Acceptance = Callable[[Session], T]

#: Acceptances written in one transaction at most.
MAX_GROUP = 64


@dataclass(frozen=True)
class _Waiting(Generic[T]):
    """One acceptance and the caller waiting for it."""

    accept: Acceptance[T]
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop

    def settle(self, result: Any = None, error: BaseException | None = None) -> None:
        try:
            self.loop.call_soon_threadsafe(_settle, self.future, result, error)
        except RuntimeError:
            logger.debug("acceptance settled after its event loop closed")


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller stopped waiting (its request was cancelled)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class GroupCommit:
    """Runs acceptances in one thread, each group of waiting ones in one transaction
    (``unit_of_work(lock_first=True)``).

    Args:
        max_group: Acceptances per transaction at most.
    """

    def __init__(self, max_group: int = MAX_GROUP) -> None:
        self._max_group = max_group
        self._waiting: queue.SimpleQueue[_Waiting] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    async def run(self, accept: Acceptance[T]) -> T:
        """Runs ``accept(session)`` in the next transaction and returns its result once
        that transaction has committed; raises what ``accept`` (or the commit) raised."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.put(_Waiting(accept, future, loop))
        self._start()
        return await future

    def _start(self) -> None:
        with self._starting:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="webhook-accept",
                                                daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            group = [self._waiting.get()]
            while len(group) < self._max_group:
                try:
                    group.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            self._write(group)

    def _write(self, group: list[_Waiting]) -> None:
        results: list[Any] = []
        accepting = False
        try:
            with unit_of_work(lock_first=True) as session:
                for waiting in group:
                    accepting = True
                    results.append(waiting.accept(session))
                    accepting = False
        except Exception as error:
            if not accepting:  # the transaction's own failure (lock, connection, commit)
                for waiting in group:
                    waiting.settle(error=error)
                return
            failed = len(results)
            group[failed].settle(error=error)
            rest = group[:failed] + group[failed + 1:]
            if rest:
                logger.warning("an acceptance failed (%s: %s); writing the %s others again",
                               type(error).__name__, error, len(rest))
                self._write(rest)
            return
        for waiting, result in zip(group, results):
            waiting.settle(result)


_ACCEPTANCES = GroupCommit()


async def accepted(accept: Acceptance[T]) -> T:
    """Runs ``accept(session)`` in the process's acceptance transactions (see the module
    docstring) and returns its result once committed."""
    return await _ACCEPTANCES.run(accept)
