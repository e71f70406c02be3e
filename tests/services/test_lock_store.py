"""The Redis lock store the replicas share, on the real Redis: tickets issued at the
same moment by different processes are all different, served in order, and the lock is
gone once everyone is done."""
from __future__ import annotations

import asyncio
import multiprocessing
import secrets

import pytest
import redis

from bot.lock_store import AtomicRedisLockStore

pytestmark = pytest.mark.services
PROCESSES = 8


def _store(url: str) -> AtomicRedisLockStore:
    client = redis.Redis.from_url(url)
    kwargs = client.connection_pool.connection_kwargs
    client.close()
    return AtomicRedisLockStore(host=kwargs["host"], port=kwargs["port"], db=kwargs["db"],
                                key_prefix="aftersalestest")


def _issue(url: str, conversation: str, start, tickets) -> None:
    store = _store(url)
    start.wait()
    for _ in range(5):
        tickets.put(store.issue_ticket(conversation, 60))


def test_tickets_issued_at_once_by_many_processes_are_unique(redis_url):
    conversation = f"c-{secrets.token_hex(4)}"
    context = multiprocessing.get_context("spawn")
    start, tickets = context.Barrier(PROCESSES), context.Queue()
    workers = [context.Process(target=_issue, args=(redis_url, conversation, start, tickets))
               for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    issued = [tickets.get(timeout=5) for _ in range(PROCESSES * 5)]

    assert sorted(issued) == list(range(PROCESSES * 5))
    lock = _store(redis_url).get_lock(conversation)
    assert [t.number for t in lock.tickets] == list(range(PROCESSES * 5))
    _store(redis_url).delete_lock(conversation)


async def test_two_holders_take_turns_and_leave_no_lock_behind(redis_url):
    store, other = _store(redis_url), _store(redis_url)
    conversation = f"c-{secrets.token_hex(4)}"
    order: list[str] = []

    async def turn(lock_store: AtomicRedisLockStore, name: str) -> None:
        async with lock_store.lock(conversation, wait_time_in_seconds=0.05):
            order.append(f"{name} in")
            await asyncio.sleep(0.2)
            order.append(f"{name} out")

    await asyncio.gather(turn(store, "a"), turn(other, "b"))

    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])
    assert store.get_lock(conversation) is None
