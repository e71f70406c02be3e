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

Used by ``make run-prod`` (``lock_store: type: bot.lock_store.AtomicRedisLockStore`` in
the endpoints file the launcher writes when ``REDIS_URL`` is set).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
#: A change of a lock: the lock as stored (None: none) → (what to store, None deletes;
#: the result).
Change = Callable[[TicketLock | None], "tuple[TicketLock | None, T]"]
_UNCHANGED: Any = object()


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose lock changes are atomic across processes.

    Built by Rasa from the endpoints file (``type: bot.lock_store.AtomicRedisLockStore``
    with ``url`` (the host), ``port``, ``db``, ``password``, ``key_prefix``, as for
    ``type: redis``).
    """

    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs,
                      **kwargs}
        super().__init__(**kwargs)

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
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

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
