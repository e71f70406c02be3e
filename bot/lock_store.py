"""Rasa's Redis lock store with atomic ticket changes, for several Rasa replicas.

Rasa serialises the messages of one conversation with a ticket lock kept in the lock
store. Rasa 3.6's ``RedisLockStore`` changes a lock with a plain ``GET`` then ``SET``: two
replicas that receive a conversation's messages at the same moment both read "no lock",
both write a lock holding ticket 0, both think it is their turn, and the turn saved last
overwrites the other one in the tracker store (a lost message; see RasaHQ/rasa#9213).
Here every change of a lock — issuing a ticket, dropping expired ones, finishing, the
final clean-up — is one optimistic Redis transaction (``WATCH``/``MULTI``/``EXEC``,
retried when another replica changed the lock in between), so tickets are unique and
handed out in order across replicas.

A Redis restart does not fail the customers' messages: while Redis is unreachable,
``lock()`` retries every lock change with growing ``asyncio.sleep`` pauses (up to
``REDIS_RETRY_SECONDS``, then Rasa's ``LockError`` as before). A Redis restarted without
its data has lost the locks: a message that was waiting queues again in a new lock (after
an outage it saw, a lock without its ticket means the data is gone; otherwise Rasa's rule
stands: a vanished lock is an expired one, ``LockError``), and finishing a ticket that is
no longer there changes nothing. The turns around such a data loss are not serialised:
the lock held when Redis restarted is gone with it. A ticket that cannot be finished
because Redis stayed away longer than the window is logged and left to expire (the turn is
done; failing it would only make a channel send it again).

Used by ``make run-prod`` (``lock_store: type: bot.lock_store.AtomicRedisLockStore`` in
the endpoints file ``bot.prod.rasa_config`` writes when ``REDIS_URL`` is set).
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.settings import get_settings

logger = logging.getLogger(__name__)

T = TypeVar("T")
#: A change of a lock: the lock as stored (None: none) → (what to store, None deletes;
#: the result).
Change = Callable[[TicketLock | None], "tuple[TicketLock | None, T]"]
_UNCHANGED: Any = object()
#: Redis errors worth waiting out: Redis is restarting, loading its data, unreachable.
_UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)
FIRST_PAUSE, LONGEST_PAUSE = 0.1, 1.0


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose lock changes are atomic across processes.

    Built by Rasa from the endpoints file (``type: bot.lock_store.AtomicRedisLockStore``
    with ``url`` (the host), ``port``, ``db``, ``password``, ``key_prefix``, as for
    ``type: redis``).

    Args:
        endpoint_config: The ``lock_store`` section of the endpoints file.
        retry_seconds: How long ``lock()`` waits for an unreachable Redis (``None``:
            ``REDIS_RETRY_SECONDS``).
        **kwargs: ``RedisLockStore``'s arguments.
    """

    def __init__(self, endpoint_config: EndpointConfig | None = None,
                 retry_seconds: float | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs,
                      **kwargs}
        super().__init__(**kwargs)
        self.retry_seconds = (get_settings().redis_retry_seconds if retry_seconds is None
                              else retry_seconds)
        self._outages = 0  # how often a Redis call failed because Redis was unreachable

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncIterator[TicketLock]:
        """Rasa's ticket lock for ``conversation_id``, riding out a Redis restart.

        Args:
            conversation_id: The conversation.
            lock_lifetime: Seconds a ticket lives.
            wait_time_in_seconds: The pause between looks at the lock while waiting.

        Yields:
            The lock, once it is this message's turn.

        Raises:
            LockError: Redis stayed unreachable longer than ``retry_seconds``, or the
                ticket expired while waiting (as in Rasa).
        """
        ticket = await self._riding_out(lambda: self._issue(conversation_id, lock_lifetime))
        try:
            outages = self._outages
            while True:  # Rasa's _acquire_lock, plus queueing again after a data loss
                lock = await self._riding_out(lambda: self.get_lock(conversation_id))
                if self._outages != outages and (
                        lock is None or all(t.number != ticket for t in lock.tickets)):
                    logger.warning("lock store: Redis lost the lock of %s; queueing again",
                                   conversation_id)
                    ticket = await self._riding_out(
                        lambda: self._issue(conversation_id, lock_lifetime))
                    outages = self._outages
                    continue
                if lock is None:
                    raise LockError(f"Could not acquire lock for conversation_id "
                                    f"'{conversation_id}'.")
                if not lock.is_locked(ticket):
                    break
                await asyncio.sleep(wait_time_in_seconds)
                await self._riding_out(lambda: self.update_lock(conversation_id))
            yield lock
        finally:
            try:
                await self._riding_out(lambda: self.cleanup(conversation_id, ticket))
            except LockError as error:
                logger.error("lock store: ticket %s of %s not finished, it will expire: %s",
                             ticket, conversation_id, error)

    async def _riding_out(self, call: Callable[[], T]) -> T:
        """``call()``, again after growing pauses while Redis is unreachable.

        Raises:
            LockError: Redis stayed unreachable for ``retry_seconds``.
        """
        loop = asyncio.get_running_loop()
        deadline, pause = loop.time() + self.retry_seconds, FIRST_PAUSE
        while True:
            try:
                return call()
            except _UNREACHABLE as error:
                self._outages += 1
                left = deadline - loop.time()
                if left <= 0:
                    raise LockError(f"Redis unreachable for {self.retry_seconds:g} s: "
                                    f"{error}") from error
                if pause == FIRST_PAUSE:
                    logger.warning("lock store: Redis unreachable (%s); trying again for "
                                   "up to %g s", error, left)
                await asyncio.sleep(min(pause, left))
                pause = min(2 * pause, LONGEST_PAUSE)

    def _change(self, conversation_id: str, change: Change) -> T:
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    stored, result = change(lock)
                    if stored is _UNCHANGED:
                        pipe.unwatch()
                        return result
                    pipe.multi()
                    if stored is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, stored.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._issue(conversation_id, lock_lifetime)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def _issue(self, conversation_id: str, lock_lifetime: float) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        return self._change(conversation_id, issue)

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[Any, None]:
            if lock is None:
                return _UNCHANGED, None
            lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[Any, None]:
            if lock is None:
                return _UNCHANGED, None
            lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finishes ``ticket_number`` and deletes the lock if nobody waits — in one
        transaction, so a ticket issued meanwhile is never deleted with the lock."""
        def finish_and_clean(lock: TicketLock | None) -> tuple[Any, None]:
            if lock is None:
                return _UNCHANGED, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish_and_clean)
