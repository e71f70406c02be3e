"""A Redis restart (without persistence, so the locks are lost) does not fail the
messages waiting for or holding a conversation's lock; Redis gone for longer than
``REDIS_RETRY_SECONDS`` does, with Rasa's ``LockError``. On a private ``redis-server``
(``/usr/bin/redis-server``, from scripts/setup.sh) this test kills and starts again."""
from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from rasa.core.lock_store import LockError

from bot.lock_store import AtomicRedisLockStore
from tests.servers import free_port

pytestmark = pytest.mark.services

REDIS_SERVER = "/usr/bin/redis-server"


class PrivateRedis:
    """A ``redis-server`` without persistence on a free loopback port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        try:
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except FileNotFoundError:
            pytest.fail(f"{REDIS_SERVER} is required (scripts/setup.sh installs it)",
                        pytrace=False)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    server.kill()


def _store(server: PrivateRedis, retry_seconds: float) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(host="127.0.0.1", port=server.port, db=0,
                                retry_seconds=retry_seconds)


async def test_a_message_waiting_for_the_lock_gets_its_turn_after_redis_restarted(
        private_redis):
    holder, waiter = _store(private_redis, 10), _store(private_redis, 10)
    log: list[tuple[str, float]] = []

    async def second_message() -> None:
        async with waiter.lock("c-1", wait_time_in_seconds=0.05):
            log.append(("second in", time.monotonic()))

    async with holder.lock("c-1", wait_time_in_seconds=0.05):
        waiting = asyncio.create_task(second_message())
        await asyncio.sleep(0.3)
        assert not log  # it waits for the first message
        private_redis.kill()
        await asyncio.sleep(1.5)
        private_redis.start()
        restarted = time.monotonic()
        await asyncio.wait_for(asyncio.shield(waiting), 10)
    await waiting

    assert [what for what, _ in log] == ["second in"] and log[0][1] >= restarted
    assert holder.get_lock("c-1") is None  # both finished: no lock left behind


async def test_a_message_whose_turn_ends_while_redis_is_down_finishes_after_the_restart(
        private_redis):
    store = _store(private_redis, 10)

    async def restart_soon() -> None:
        await asyncio.sleep(1.0)
        private_redis.start()

    async with store.lock("c-2", wait_time_in_seconds=0.05):
        private_redis.kill()
        restart = asyncio.create_task(restart_soon())
    await restart  # the lock's clean-up waited for Redis instead of failing the message

    async with store.lock("c-2", wait_time_in_seconds=0.05):
        pass  # the next message of the conversation is served


async def test_redis_down_longer_than_the_window_fails_the_message_without_blocking(
        private_redis):
    store = _store(private_redis, 1.5)
    private_redis.kill()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    started = time.monotonic()
    with pytest.raises(LockError, match="Redis unreachable"):
        async with store.lock("c-3", wait_time_in_seconds=0.05):
            pass
    waited = time.monotonic() - started
    ticking.cancel()
    private_redis.start()

    assert 1.4 <= waited < 3
    assert ticks >= 20  # the event loop went on serving other work meanwhile
